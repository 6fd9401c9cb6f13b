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
// change touches one file. Given a width, it fits the table to it (wrapping
// text columns, leaving out optional ones, cutting the rest); on a terminal
// it draws a light box, otherwise plain columns.
type Table struct {
	header []string
	rows   [][]string
	right  map[int]bool // right-aligned columns (numbers)
	wrap   map[int]bool // columns whose text wraps onto more lines
	// optional columns are left out, in this order, while the table is
	// too wide for the width.
	optional []int
}

// NewTable starts a table with these column headings.
func NewTable(header ...string) *Table {
	return &Table{header: header, right: map[int]bool{}, wrap: map[int]bool{}}
}

// Wrap lets columns of free text wrap onto more lines instead of being
// cut when the table must fit a width. A cell of such a column may also
// hold several lines of its own ("ID\nmessage").
func (t *Table) Wrap(cols ...int) *Table {
	for _, c := range cols {
		t.wrap[c] = true
	}
	return t
}

// AlignRight right-aligns columns (numbers).
func (t *Table) AlignRight(cols ...int) *Table {
	for _, c := range cols {
		t.right[c] = true
	}
	return t
}

// Optional marks columns that may be left out, first to last, when the
// table does not fit the width even with its text wrapped: secondary
// figures that a narrow terminal can do without.
func (t *Table) Optional(cols ...int) *Table {
	t.optional = append(t.optional, cols...)
	return t
}

// Add appends a row.
func (t *Table) Add(cells ...string) { t.rows = append(t.rows, cells) }

// Len is the number of rows.
func (t *Table) Len() int { return len(t.rows) }

// Render writes the table; an empty table writes nothing. With a width
// (0: no limit), the table is fitted to it: the text of wrapping columns
// goes onto more lines, other cells are cut. On a terminal the table gets
// light box lines; otherwise plain columns.
func (t *Table) Render(w io.Writer, terminal bool, width int) error {
	if len(t.rows) == 0 {
		return nil
	}
	if width > 20 && len(t.optional) > 0 {
		dropped := map[int]bool{}
		for _, c := range t.optional {
			if _, total := t.project(dropped).fitted(width, true); total <= width {
				break
			}
			dropped[c] = true
		}
		return t.project(dropped).Render(w, terminal, width)
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
	rows, _ := t.fitted(width, false)
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

// fitted lays the rows out for the width (0: no limit) and returns them
// with the width the table takes; soft fits only by wrapping at spaces
// and cutting a last text column (see fit).
func (t *Table) fitted(width int, soft bool) ([][]string, int) {
	rows := make([][]string, len(t.rows))
	for i, r := range t.rows {
		rows[i] = make([]string, len(r))
		for j, c := range r {
			if t.wrap[j] {
				rows[i][j] = multiLine(c)
			} else {
				rows[i][j] = sanitize.Line(c)
			}
		}
	}
	widths, words := t.widths(rows)
	if width > 20 {
		fit(t.header, widths, words, width, t.right, t.wrap, soft)
	}
	total := 0
	for _, x := range widths {
		total += x + 2
	}
	return layout(rows, widths, t.wrap), total
}

// project is the table without the dropped columns (and with no optional
// columns left).
func (t *Table) project(dropped map[int]bool) *Table {
	p := NewTable()
	var keep []int
	for i, h := range t.header {
		if dropped[i] {
			continue
		}
		n := len(keep)
		keep = append(keep, i)
		p.header = append(p.header, h)
		p.right[n], p.wrap[n] = t.right[i], t.wrap[i]
	}
	for _, r := range t.rows {
		nr := make([]string, len(keep))
		for n, i := range keep {
			if i < len(r) {
				nr[n] = r[i]
			}
		}
		p.rows = append(p.rows, nr)
	}
	return p
}

func upper(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = strings.ToUpper(s)
	}
	return out
}

// widths are the natural widths of the columns (their longest line), and
// the longest word of each.
func (t *Table) widths(rows [][]string) (w, word []int) {
	w = make([]int, len(t.header))
	word = make([]int, len(t.header))
	for i, h := range t.header {
		w[i] = utf8.RuneCountInString(h)
		word[i] = w[i] // headings do not wrap
	}
	for _, r := range rows {
		for i, c := range r {
			if i >= len(w) {
				continue
			}
			for _, l := range strings.Split(c, "\n") {
				w[i] = max(w[i], utf8.RuneCountInString(l))
			}
			for _, f := range strings.Fields(c) {
				word[i] = max(word[i], utf8.RuneCountInString(f))
			}
		}
	}
	return w, word
}

// fit narrows the columns so that the table fits width columns, in this
// order, each step only while the table is too wide:
//  1. wrapping columns, down to their longest word (at most 22 columns,
//     and for the last one, the message, between 24 and 40); the last
//     column keeps more of its width than the others;
//  2. the last column, if it is text that does not wrap, down to 24;
//  3. wrapping columns again, down to 8 (the last one to 20): their long
//     words break after punctuation;
//  4. the widest text column, down to 8 (its cells are cut).
//
// With soft, only the first two steps are taken. Numbers (right aligned)
// are never narrowed, so a table with many of
// them may stay wider. Each column takes its width plus one space of
// padding on each side.
func fit(header []string, w, word []int, width int, right, wrap map[int]bool, soft bool) {
	n := len(w)
	total := 0
	for _, x := range w {
		total += x + 2
	}
	softMin := func(i int) int {
		if i == n-1 {
			return min(max(word[i], 24), 40)
		}
		return min(max(word[i], 8), 22)
	}
	hard := func(i int) int {
		h := utf8.RuneCountInString(header[i]) // headings do not wrap
		if i == n-1 {
			return max(h, 20)
		}
		return max(h, 8)
	}
	// The last column (the message) weighs three times the others: it
	// keeps most of its width while a wrapping "where" column is long.
	// In the last step, all weigh the same.
	favour := 3
	weight := func(i int) int {
		if i == n-1 {
			return w[i]
		}
		return favour * w[i]
	}
	shrinkWrapped := func(floor func(int) int) {
		for total > width {
			widest := -1
			for i := range w {
				if wrap[i] && w[i] > floor(i) && (widest < 0 || weight(i) > weight(widest)) {
					widest = i
				}
			}
			if widest < 0 {
				return
			}
			w[widest]--
			total--
		}
	}
	shrinkWrapped(softMin)
	if last := n - 1; last >= 0 && !right[last] && !wrap[last] && total > width && w[last] > 24 {
		cut := min(total-width, w[last]-24)
		w[last] -= cut
		total -= cut
	}
	if soft {
		return
	}
	favour = 1
	shrinkWrapped(hard)
	for total > width {
		widest := -1
		for i := range w {
			if !right[i] && !wrap[i] && (widest < 0 || w[i] > w[widest]) {
				widest = i
			}
		}
		if widest < 0 || w[widest] <= max(8, utf8.RuneCountInString(header[widest])) {
			break
		}
		w[widest]--
		total--
	}
}

// layout fits each cell to its column's width: a wrapping cell is broken
// into lines, which become extra rows with the other cells empty; any
// other cell too long is cut and ends with "…".
func layout(rows [][]string, w []int, wrap map[int]bool) [][]string {
	out := make([][]string, 0, len(rows))
	for _, r := range rows {
		cells := make([][]string, len(r))
		height := 1
		for i, c := range r {
			switch {
			case i >= len(w):
				cells[i] = []string{c}
			case wrap[i]:
				for _, l := range strings.Split(c, "\n") {
					cells[i] = append(cells[i], wrapCell(l, w[i])...)
				}
			case utf8.RuneCountInString(c) > w[i]:
				cells[i] = []string{string([]rune(c)[:max(w[i]-1, 0)]) + "…"}
			default:
				cells[i] = []string{c}
			}
			height = max(height, len(cells[i]))
		}
		for k := 0; k < height; k++ {
			row := make([]string, len(r))
			for i := range r {
				if k < len(cells[i]) {
					row[i] = cells[i][k]
				}
			}
			out = append(out, row)
		}
	}
	return out
}

// wrapCell breaks a line of a cell at spaces into lines of at most width
// runes, keeping numbers with their units; a word longer than the width is
// broken after one of "-_./,:=" if it has one, else cut.
func wrapCell(s string, width int) []string {
	if utf8.RuneCountInString(s) <= width {
		return []string{s}
	}
	return wrapWords(s, width, width, func(wr []rune, limit int) int {
		for j := limit - 1; j > limit/3; j-- {
			if strings.ContainsRune("-_./,:=", wr[j]) {
				return j + 1
			}
		}
		return limit
	})
}

// Cells returns the heading and the rows, for renderers that lay tables
// out themselves (Markdown).
func (t *Table) Cells() (header []string, rows [][]string) { return t.header, t.rows }

// multiLine is oneLine for each line of a wrapping cell: its own line
// breaks are kept, empty lines dropped.
func multiLine(s string) string {
	var lines []string
	for _, l := range strings.Split(sanitize.Text(s), "\n") {
		if l = sanitize.Line(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}
