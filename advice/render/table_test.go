package render

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestWrapCell(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string // lines joined with |
	}{
		{"short", 10, "short"},
		{"the longest task took 12.5 s", 14, "the longest|task took|12.5 s"},
		{"spark.sql.shuffle.partitions", 18, "spark.sql.shuffle.|partitions"},
		{"DEMO003-spark.sql.shuffle.partitions", 14, "DEMO003-spark.|sql.shuffle.|partitions"},
		{"abcdefghijklmnopqrstuvwxyz", 10, "abcdefghij|klmnopqrst|uvwxyz"},
	} {
		if got := strings.Join(wrapCell(tc.in, tc.width), "|"); got != tc.want {
			t.Errorf("wrapCell(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}

// TestTableFits: a table with a wrapping message column fits the width,
// loses none of the message's words, keeps a long ID whole on its own line
// and never cuts the numbers.
func TestTableFits(t *testing.T) {
	msg := "Stage 33 spent 31.6% of its task run time in garbage collection (13m 50s of 43m 50s); 3 stages are over 20.0%"
	id := "SKEW001-stage123.4-with-a-rather-long-suffix"
	for _, width := range []int{60, 80, 100, 120} {
		for _, terminal := range []bool{false, true} {
			tb := NewTable("#", "severity", "where", "saves", "id / finding").AlignRight(0, 3).Wrap(2, 4)
			tb.Add("1", "warning", "spark.sql.shuffle.partitions", "1h 02m", id+"\n"+msg)
			tb.Add("12", "info", "stage 3.0", "", "short")
			var b strings.Builder
			if err := tb.Render(&b, terminal, width); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
				if n := utf8.RuneCountInString(l); n > width {
					t.Errorf("width %d: line of %d: %q", width, n, l)
				}
			}
			words := strings.Join(strings.Fields(out), " ")
			for _, w := range strings.Fields(msg) {
				if !strings.Contains(words, w) {
					t.Errorf("width %d: word %q of the message is lost:\n%s", width, w, out)
				}
			}
			if strings.Contains(out, "…") {
				t.Errorf("width %d: a cell was cut:\n%s", width, out)
			}
			if !strings.Contains(out, "1h 02m") {
				t.Errorf("width %d: number cut:\n%s", width, out)
			}
			if width >= 100 && !strings.Contains(out, id) {
				t.Errorf("width %d: ID not whole on its line:\n%s", width, out)
			}
		}
	}
	// Without a width nothing is wrapped: one line per row, its cell lines
	// aside.
	tb := NewTable("a", "b").Wrap(1)
	tb.Add("x", strings.Repeat("word ", 50))
	var b strings.Builder
	_ = tb.Render(&b, false, 0)
	if n := strings.Count(b.String(), "\n"); n != 3 {
		t.Errorf("unlimited width: %d lines, want 3:\n%s", n, b.String())
	}
}
