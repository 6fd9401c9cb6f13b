package render

import (
	"io"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/sanitize"
)

// MarkdownText escapes text (from a log, or any text) for Markdown, on one
// line: for the commands that write Markdown outside a report (summary).
func MarkdownText(s string) string { return sanitize.Markdown(s) }

// Markdown writes the table as a Markdown table, every cell escaped, the
// right-aligned columns marked so; an empty table writes nothing.
func (t *Table) Markdown(w io.Writer) error {
	if len(t.rows) == 0 {
		return nil
	}
	var b strings.Builder
	row := func(cells []string) {
		b.WriteString("|")
		for i := range t.header {
			c := ""
			if i < len(cells) {
				c = sanitize.Markdown(cells[i])
			}
			b.WriteString(" " + c + " |")
		}
		b.WriteString("\n")
	}
	row(t.header)
	b.WriteString("|")
	for i := range t.header {
		if t.right[i] {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, r := range t.rows {
		row(r)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
