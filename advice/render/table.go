package render

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"

	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/sparkdiag/sparkdiag/advice/sanitize"
)

// Table is the one place that talks to tablewriter, so that an upstream API
// change touches one file. On a terminal it draws a light box fitted to the
// width; otherwise it prints plain, stable columns.
type Table struct {
	header []string
	rows   [][]string
	right  map[int]bool // right-aligned columns (numbers)
}

// NewTable starts a table with these column headings.
func NewTable(header ...string) *Table {
	return &Table{header: header, right: map[int]bool{}}
}

// AlignRight right-aligns columns (numbers).
func (t *Table) AlignRight(cols ...int) *Table {
	for _, c := range cols {
		t.right[c] = true
	}
	return t
}

// Add appends a row.
func (t *Table) Add(cells ...string) { t.rows = append(t.rows, cells) }

// Len is the number of rows.
func (t *Table) Len() int { return len(t.rows) }

// Render writes the table; an empty table writes nothing. On a terminal,
// cells are cut so that the table fits width columns (0: no limit).
func (t *Table) Render(w io.Writer, terminal bool, width int) error {
	if len(t.rows) == 0 {
		return nil
	}
	per := make([]tw.Align, len(t.header))
	for i := range per {
		per[i] = tw.AlignLeft
		if t.right[i] {
			per[i] = tw.AlignRight
		}
	}
	rend := tw.Rendition{
		Borders: tw.BorderNone,
		Symbols: tw.NewSymbols(tw.StyleASCII),
		Settings: tw.Settings{
			Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off},
			Lines:      tw.Lines{ShowHeaderLine: tw.On},
		},
	}
	if terminal {
		rend.Symbols = tw.NewSymbols(tw.StyleLight)
	}
	cfg := tablewriter.Config{
		Header: tw.CellConfig{
			Alignment:  tw.CellAlignment{PerColumn: per},
			Formatting: tw.CellFormatting{AutoFormat: tw.Off},
		},
		Row: tw.CellConfig{
			Alignment:  tw.CellAlignment{PerColumn: per},
			Formatting: tw.CellFormatting{AutoWrap: tw.WrapTruncate},
		},
	}
	rows := make([][]string, len(t.rows))
	for i, r := range t.rows {
		rows[i] = make([]string, len(r))
		for j, c := range r {
			rows[i][j] = sanitize.Line(c)
		}
	}
	if terminal && width > 20 {
		fit(t.header, rows, width, t.right)
	}
	var buf bytes.Buffer
	tb := tablewriter.NewTable(&buf, tablewriter.WithRenderer(renderer.NewBlueprint(rend)), tablewriter.WithConfig(cfg))
	tb.Header(upper(t.header)...)
	for _, r := range rows {
		if err := tb.Append(r); err != nil {
			return err
		}
	}
	if err := tb.Render(); err != nil {
		return err
	}
	// Padding at the end of lines only gets in the way of diffs.
	lines := strings.SplitAfter(buf.String(), "\n")
	for i, l := range lines {
		if strings.HasSuffix(l, "\n") {
			lines[i] = strings.TrimRight(l[:len(l)-1], " ") + "\n"
		} else {
			lines[i] = strings.TrimRight(l, " ")
		}
	}
	_, err := io.WriteString(w, strings.Join(lines, ""))
	return err
}

func upper(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = strings.ToUpper(s)
	}
	return out
}

// fit cuts cells so that the table fits width columns: the last column
// (the free text: a message, a name) gives up space first, down to 24
// characters, then the widest text column, down to 8; numbers (right
// aligned) are never cut, so a table with many of them may stay wider.
// Cut cells end with "…". Each column takes its width plus one space of padding on each side.
func fit(header []string, rows [][]string, width int, right map[int]bool) {
	n := len(header)
	w := make([]int, n)
	for i, h := range header {
		w[i] = utf8.RuneCountInString(h)
	}
	for _, r := range rows {
		for i, c := range r {
			if i < n {
				w[i] = max(w[i], utf8.RuneCountInString(c))
			}
		}
	}
	total := 0
	for _, x := range w {
		total += x + 2
	}
	if last := n - 1; last >= 0 && !right[last] && total > width && w[last] > 24 {
		cut := min(total-width, w[last]-24)
		w[last] -= cut
		total -= cut
	}
	for total > width {
		widest := -1
		for i := range w {
			if !right[i] && (widest < 0 || w[i] > w[widest]) {
				widest = i
			}
		}
		if widest < 0 || w[widest] <= 8 {
			break
		}
		w[widest]--
		total--
	}
	for _, r := range rows {
		for i, c := range r {
			if i < n && utf8.RuneCountInString(c) > w[i] {
				r[i] = string([]rune(c)[:w[i]-1]) + "…"
			}
		}
	}
}

// Cells returns the heading and the rows, for renderers that lay tables
// out themselves (Markdown).
func (t *Table) Cells() (header []string, rows [][]string) { return t.header, t.rows }
