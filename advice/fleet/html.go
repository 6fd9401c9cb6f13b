package fleet

import (
	"bufio"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/baseline"
	"github.com/sparkdiag/sparkdiag/advice/render"
	"github.com/sparkdiag/sparkdiag/advice/sanitize"
	"github.com/sparkdiag/sparkdiag/advice/units"
)

//go:embed review.html.tmpl
var reviewTemplate string

var reviewTmpl = template.Must(template.New("review").Funcs(template.FuncMap{
	"millis":    func(ms int64) string { return units.Millis(ms) },
	"coreHours": coreHours,
	"savings":   savingsCell,
	"started":   started,
	"drift":     driftCell,
	"plural":    units.Plural,
	"inc":       func(i int) int { return i + 1 },
	"oneLine":   sanitize.Line,
	"value":     func(d baseline.Drift) string { return baseline.FormatValue(d.Metric, d.Value) },
	"median":    func(d baseline.Drift) string { return baseline.FormatValue(d.Metric, d.Median) },
	"bytes":     func(n int64) string { return units.Bytes(n) },
	"sum":       func(a, b int64) int64 { return a + b },
	"last":      func(i int, h []baseline.Run) bool { return i == len(h)-1 },
	"utc":       units.Minute,
	"diffCmd":   DiffCommand,
	"skew":      func(v float64) string { return baseline.FormatValue("skew", v) },
}).Parse(reviewTemplate))

type reviewView struct {
	CSS      template.CSS
	Headline string
	Res      *Result
	Apps     []*Record
	More     int
	// WithDrift is set when a baseline store was used: the table has a
	// drift column.
	WithDrift bool
	Top       []TopFinding
	Drifting  []driftView
	// Notes say why runs were not compared with a baseline (no job
	// identity, earlier runs that did other work).
	Notes  []string
	Broken []*Record
}

type driftView struct {
	*Record
	Charts []template.HTML
}

// WriteHTML writes the review as one self-contained page (no script, no
// request), in the style of the analysis report: the ranking, the fleet's
// findings, and for each drifting application its drift and its job's
// history as small bar charts.
func WriteHTML(w io.Writer, res *Result, o TextOptions) error {
	v := reviewView{CSS: template.CSS(render.CSS()), Headline: headline(res), Res: res}
	for _, r := range res.Records {
		switch {
		case r.Status != StatusOK:
			v.Broken = append(v.Broken, r)
		case o.Limit > 0 && len(v.Apps) == o.Limit:
			v.More++
		default:
			v.Apps = append(v.Apps, r)
		}
		if r.Baseline != nil {
			v.WithDrift = true
		}
	}
	limit := o.TopFindings
	if limit <= 0 {
		limit = 10
	}
	v.Top = res.Top[:min(limit, len(res.Top))]
	for _, r := range drifting(res) {
		dv := driftView{Record: r}
		seen := map[string]bool{}
		for _, d := range r.Baseline.Drift {
			if !seen[d.Metric] {
				seen[d.Metric] = true
				dv.Charts = append(dv.Charts, historyChart(r.Baseline, d.Metric))
			}
		}
		v.Drifting = append(v.Drifting, dv)
	}
	v.Notes = baselineNotes(res)
	// html/template escapes markup; the sanitizing writer takes out the
	// control characters it lets through (an ESC from a log).
	bw := bufio.NewWriter(w)
	sw := sanitize.NewWriter(bw)
	if err := reviewTmpl.Execute(sw, &v); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// historyChart draws a metric over the job's runs: one bar per run, the
// last (this run) in the alarm colour, and the baseline's median as a
// dashed line. Every string in it is escaped.
func historyChart(b *baseline.Baseline, metric string) template.HTML {
	m := baseline.MetricByKey(metric)
	if m == nil || len(b.History) == 0 {
		return ""
	}
	const width, height, left, top, bottom = 560.0, 150.0, 70.0, 22.0, 20.0
	vals := make([]float64, len(b.History))
	maxV := b.Median[metric]
	for i := range b.History {
		vals[i] = m.Get(&b.History[i])
		maxV = math.Max(maxV, vals[i])
	}
	if maxV <= 0 {
		maxV = 1
	}
	plotH := height - top - bottom
	slot := (width - left - 10) / float64(len(vals))
	bw := math.Max(2, slot*0.7)
	y := func(v float64) float64 { return top + plotH - v/maxV*plotH }
	var sb strings.Builder
	esc := template.HTMLEscapeString
	fmt.Fprintf(&sb, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s of the job's runs">`, width, height, esc(m.Label))
	fmt.Fprintf(&sb, `<text x="0" y="14" font-weight="600">%s</text>`, esc(m.Label))
	fmt.Fprintf(&sb, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`, left-6, y(maxV)+4, esc(baseline.FormatValue(metric, maxV)))
	fmt.Fprintf(&sb, `<text x="%.0f" y="%.1f" text-anchor="end">0</text>`, left-6, y(0)+4)
	fmt.Fprintf(&sb, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="var(--line)"/>`, left, width-10, y(0), y(0))
	for i, v := range vals {
		x := left + float64(i)*slot + (slot-bw)/2
		fill := "var(--stage)"
		if i == len(vals)-1 {
			fill = "var(--flag-error)"
		}
		run := &b.History[i]
		fmt.Fprintf(&sb, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %s</title></rect>`,
			x, y(v), bw, math.Max(0.5, y(0)-y(v)), fill, esc(run.AppID), esc(units.Minute(run.Start)), esc(baseline.FormatValue(metric, v)))
	}
	if med, ok := b.Median[metric]; ok && b.Enough {
		fmt.Fprintf(&sb, `<line x1="%.0f" x2="%.0f" y1="%.1f" y2="%.1f" stroke="var(--fg)" stroke-dasharray="4 3"/>`, left, width-10, y(med), y(med))
		fmt.Fprintf(&sb, `<text x="%.0f" y="%.1f" text-anchor="end">usual %s</text>`, width-10, y(med)-4, esc(baseline.FormatValue(metric, med)))
	}
	fmt.Fprintf(&sb, `<text x="%.0f" y="%.0f">oldest</text><text x="%.0f" y="%.0f" text-anchor="end">this run</text>`, left, height-4, width-10, height-4)
	sb.WriteString(`</svg>`)
	return template.HTML(sb.String()) // built from escaped strings and numbers only
}
