package cli

import (
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// table is the one place that talks to tablewriter, so that an upstream API
// change touches one file. On a terminal it draws a light box fitted to the
// width; when piped it prints plain, stable columns.
type table struct {
	header []string
	rows   [][]string
	right  map[int]bool // right-aligned columns (numbers)
}

func newTable(header ...string) *table {
	return &table{header: header, right: map[int]bool{}}
}

func (t *table) alignRight(cols ...int) *table {
	for _, c := range cols {
		t.right[c] = true
	}
	return t
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) render(w io.Writer, s *Streams) error {
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
	if s.OutTTY {
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
	if s.OutTTY && s.Width > 20 {
		cfg.MaxWidth = s.Width
	}
	tb := tablewriter.NewTable(w, tablewriter.WithRenderer(renderer.NewBlueprint(rend)), tablewriter.WithConfig(cfg))
	tb.Header(toAny(t.header)...)
	for _, r := range t.rows {
		if err := tb.Append(r); err != nil {
			return err
		}
	}
	return tb.Render()
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = strings.ToUpper(s)
	}
	return out
}
