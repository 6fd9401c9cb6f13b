package render

import (
	_ "embed"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/advice/remedies"
	"github.com/sparkdiag/sparkdiag/advice/sanitize"
	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
)

// HTML writes one self-contained page: no script, no external font,
// stylesheet or image, and a Content-Security-Policy that forbids any
// request, so it opens offline and can be attached to a ticket. The charts
// are inline SVG. html/template escapes every string from the log; the SVG
// charts escape theirs in svg.go.
type HTML struct{}

//go:embed assets/report.html.tmpl
var htmlTemplate string

//go:embed assets/report.css
var htmlCSS string

var pageTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"millis":   func(ms int64) string { return units.Millis(ms) },
	"bytes":    func(n int64) string { return units.Bytes(n) },
	"count":    func(n int) string { return units.Count(int64(n)) },
	"count64":  func(n int64) string { return units.Count(n) },
	"pct":      units.Percent,
	"evValue":  evidenceValue,
	"evThresh": evidenceThreshold,
	"where":    func(f *advice.Finding) string { return strings.Join(where(f), ", ") },
	"where1":   shortWhere,
	"short":    shortName,
	"impact":   impact,
	"related":  relatedLines,
	"savings":  savings,
	"change":   change,
	"sevClass": func(s detectors.Severity) string { return "sev-" + s.String() },
	"sevTitle": severityTitle,
	"status":   status,
	"execs":    executorsLine,
	"plural":   units.Plural,
	"title":    title,
	"join":     strings.Join,
	"clean":    sanitize.Text,
	"inc":      func(i int) int { return i + 1 },
	"remedies": remedyRefs,
}).Parse(htmlTemplate))

// remedyRef is a remedy a finding cites: its label, and the anchor of its
// section on the page ("" when the number has no section).
type remedyRef struct {
	Label, Anchor string
}

func remedyRefs(qs []string) []remedyRef {
	out := make([]remedyRef, 0, len(qs))
	for _, q := range qs {
		if r, ok := remedies.Get(q); ok {
			out = append(out, remedyRef{Label: r.Label(), Anchor: r.Anchor()})
		} else {
			out = append(out, remedyRef{Label: q})
		}
	}
	return out
}

// remedySections are the sections of the remedies a report's findings
// cite, in order, as HTML whose anchors carry the report's prefix. The
// text is the built-in remedies document, escaped by Remedy.HTML.
func remedySections(r *advice.Report, prefix string) template.HTML {
	cited := map[int]*remedies.Remedy{}
	for i := range r.Findings {
		for _, q := range r.Findings[i].Advice.Questions {
			if rm, ok := remedies.Get(q); ok {
				cited[rm.Num] = rm
			}
		}
	}
	var b strings.Builder
	for _, rm := range remedies.All() {
		if cited[rm.Num] != nil {
			b.WriteString(rm.HTML(prefix, 3))
		}
	}
	return template.HTML(b.String())
}

// pageView is what the template reads.
type pageView struct {
	Title string
	// Multi is set when the page holds several reports: it opens with a
	// list of them.
	Multi   bool
	CSS     template.CSS
	Reports []*reportView
}

type reportView struct {
	*advice.Report
	// Prefix makes anchors unique when a page holds several reports.
	Prefix    string
	Groups    []findingGroup
	Timeline  template.HTML
	Executors template.HTML
	TopStages template.HTML
	Dists     []distView
	Numbers   []number
	// Remedies are the sections of the remedies the findings cite.
	Remedies template.HTML
}

type findingGroup struct {
	Severity detectors.Severity
	Findings []*advice.Finding
	Start    int // number of the first finding of the group, from 1
}

type distView struct {
	*advice.TaskDistribution
	SVG template.HTML
}

// number is one key figure of the summary.
type number struct {
	Label, Value, Note string
}

// Render writes the page of one report.
func (h *HTML) Render(w io.Writer, r *advice.Report) error {
	return h.RenderAll(w, []*advice.Report{r})
}

// RenderAll writes one page holding every report.
func (h *HTML) RenderAll(w io.Writer, rs []*advice.Report) error {
	p := &pageView{CSS: template.CSS(htmlCSS), Multi: len(rs) > 1}
	switch len(rs) {
	case 1:
		p.Title = "sparkdiag: " + sanitize.Line(title(rs[0]))
	default:
		p.Title = "sparkdiag: " + strconv.Itoa(len(rs)) + " applications"
	}
	for i, r := range rs {
		v := &reportView{Report: r}
		if len(rs) > 1 {
			v.Prefix = "r" + strconv.Itoa(i+1) + "-"
		}
		v.Remedies = remedySections(r, v.Prefix)
		n := 1
		for _, g := range findingsBySeverity(r) {
			v.Groups = append(v.Groups, findingGroup{Severity: g[0].Severity, Findings: g, Start: n})
			n += len(g)
		}
		// The charts' SVG is built by svg.go, which escapes every string
		// it draws.
		if r.Charts != nil {
			v.Timeline = template.HTML(timelineSVG(r, v.Prefix))
			if !r.Charts.Executors.LocalMode {
				v.Executors = template.HTML(executorsSVG(r))
			}
			if len(r.Charts.TopStages) > 0 {
				v.TopStages = template.HTML(topStagesSVG(r, v.Prefix))
			}
			for j := range r.Charts.TaskDistributions {
				d := &r.Charts.TaskDistributions[j]
				v.Dists = append(v.Dists, distView{TaskDistribution: d, SVG: template.HTML(histogramSVG(r, d))})
			}
		}
		a := r.App
		t := a.Totals
		v.Numbers = []number{
			{"Duration", units.Millis(a.DurationMs), status(r)},
			{"Jobs", units.Count(int64(a.Jobs)), failedNote(a.FailedJobs, "failed")},
			{"Stages", units.Count(int64(a.Stages)), ""},
			{"Tasks", units.Count(int64(t.Tasks)), failedNote(t.FailedTasks, "failed")},
			{"Task time", units.Millis(t.ExecutorRunTime), "GC " + units.Millis(t.JVMGCTime)},
			{"Executors", units.Count(int64(a.Executors)), coresNote(r)},
			{"Input", units.Bytes(t.InputBytes), units.Count(t.InputRecords) + " records"},
			{"Shuffle", units.Bytes(t.ShuffleReadBytes), "read; " + units.Bytes(t.ShuffleWriteBytes) + " written"},
			{"Spill", units.Bytes(t.DiskBytesSpilled), "to disk; " + units.Bytes(t.MemoryBytesSpill) + " in memory"},
		}
		p.Reports = append(p.Reports, v)
	}
	// html/template escapes markup; the writer takes out the control
	// characters it lets through (an ESC from a log).
	sw := sanitize.NewWriter(w)
	if err := pageTmpl.Execute(sw, p); err != nil {
		return err
	}
	return sw.Flush()
}

func failedNote(n int, word string) string {
	if n == 0 {
		return ""
	}
	return units.Count(int64(n)) + " " + word
}

func coresNote(r *advice.Report) string {
	if r.App.Executors == 0 {
		return "local mode: the driver ran the tasks"
	}
	return units.Plural(r.App.Cores, "core")
}

// CSS is the stylesheet of the HTML report, for other self-contained pages
// (the review) that should look the same.
func CSS() string { return htmlCSS }
