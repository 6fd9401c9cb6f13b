package render

import (
	"io"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/advice/sanitize"
)

// JSON writes the report in its versioned JSON form (docs/report-json.md,
// docs/report.schema.json): indented, arrays never null, in a stable order
// so that two reports can be diffed. Compact writes one line without the
// charts section, for scripts and language models.
type JSON struct {
	Compact bool
}

// Render writes one report as a JSON object.
func (j *JSON) Render(w io.Writer, r *advice.Report) error {
	return j.write(w, j.view(r))
}

// RenderAll writes one report as an object, several as an array.
func (j *JSON) RenderAll(w io.Writer, rs []*advice.Report) error {
	if len(rs) == 1 {
		return j.Render(w, rs[0])
	}
	vs := make([]*advice.Report, len(rs))
	for i, r := range rs {
		vs[i] = j.view(r)
	}
	return j.write(w, vs)
}

func (j *JSON) view(r *advice.Report) *advice.Report {
	if !j.Compact || r.Charts == nil {
		return r
	}
	c := *r
	c.Charts = nil
	return &c
}

func (j *JSON) write(w io.Writer, v any) error {
	var b []byte
	var err error
	if j.Compact {
		b, err = json.Marshal(v)
	} else {
		b, err = json.MarshalIndent(v, "", "  ")
	}
	if err != nil {
		return err
	}
	_, err = w.Write(append(sanitize.JSON(b), '\n'))
	return err
}
