package cli

import (
	"io"

	"github.com/sparkdiag/sparkdiag/advice/render"
)

// table draws the summary command's tables through render.Table, the one
// place that talks to tablewriter: fitted to the width, with a light box
// on a terminal and plain columns when piped.
type table struct{ t *render.Table }

func newTable(header ...string) *table { return &table{render.NewTable(header...)} }

func (t *table) alignRight(cols ...int) *table {
	t.t.AlignRight(cols...)
	return t
}

// wrap lets text columns wrap; optional columns may be left out on a
// narrow terminal (see render.Table).
func (t *table) wrap(cols ...int) *table {
	t.t.Wrap(cols...)
	return t
}

func (t *table) optional(cols ...int) *table {
	t.t.Optional(cols...)
	return t
}

func (t *table) add(cells ...string) { t.t.Add(cells...) }

func (t *table) render(w io.Writer, s *Streams) error { return t.t.Render(w, s.OutTTY, s.Width) }
