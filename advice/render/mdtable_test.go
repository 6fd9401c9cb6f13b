package render

import (
	"strings"
	"testing"
)

func TestTableMarkdown(t *testing.T) {
	tb := NewTable("stage", "tasks", "name").AlignRight(1)
	tb.Add("3", "1,000", "a|b *c*\nline two")
	tb.Add("4", "7") // a short row gets empty cells
	var b strings.Builder
	if err := tb.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	want := "| stage | tasks | name |\n|---|---:|---|\n| 3 | 1,000 | a\\|b \\*c\\* line two |\n| 4 | 7 |  |\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := NewTable("x").Markdown(&b); err != nil || b.Len() != 0 {
		t.Errorf("empty table wrote %q, %v", b.String(), err)
	}
}
