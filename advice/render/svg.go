package render

import (
	"fmt"
	"html"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/advice/sanitize"
	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
)

// The charts of the HTML report, drawn as inline SVG. Every string from
// the log goes through esc; everything else is a number or a constant of
// this file. Colours come from CSS classes (assets/report.css).

// esc escapes text for SVG text content and attribute values.
func esc(s string) string { return html.EscapeString(sanitize.Text(s)) }

// cut shortens s to n runes with an ellipsis.
func cut(s string, n int) string {
	s = sanitize.Line(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// callSitePathRe finds the directories of a source file in a call site.
var callSitePathRe = regexp.MustCompile(`(?:[A-Za-z][\w+.-]*:/*)?(?:/?[^\s/:]+)*/([^\s/:]+:\d+)`)

// shortName drops the directories of the file in a stage or job name:
// "collect at /jobs/etl/skew.py:44" becomes "collect at skew.py:44".
func shortName(s string) string {
	return callSitePathRe.ReplaceAllString(sanitize.Line(s), "$1")
}

// f1 formats a coordinate with at most one decimal.
func f1(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

type svg struct {
	b strings.Builder
}

func newSVG(w, h float64, label string) *svg {
	s := &svg{}
	fmt.Fprintf(&s.b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %s %s" role="img" aria-label="%s">`,
		f1(w), f1(h), esc(label))
	return s
}

func (s *svg) raw(format string, args ...any) { fmt.Fprintf(&s.b, format, args...) }

func (s *svg) rect(x, y, w, h float64, class, tip string) {
	if w < 1 {
		w = 1
	}
	if tip == "" {
		s.raw(`<rect class="%s" x="%s" y="%s" width="%s" height="%s"/>`, class, f1(x), f1(y), f1(w), f1(h))
		return
	}
	s.raw(`<rect class="%s" x="%s" y="%s" width="%s" height="%s"><title>%s</title></rect>`,
		class, f1(x), f1(y), f1(w), f1(h), esc(tip))
}

func (s *svg) text(x, y float64, class, anchor, t string) {
	s.raw(`<text class="%s" x="%s" y="%s" text-anchor="%s">%s</text>`, class, f1(x), f1(y), anchor, esc(t))
}

// axisTitle names an axis and its unit: horizontal under the plot, or
// turned a quarter to the left of it (vertical).
func (s *svg) axisTitle(x, y float64, vertical bool, t string) {
	if vertical {
		s.raw(`<text class="axis-title" x="%s" y="%s" text-anchor="middle" transform="rotate(-90 %s %s)">%s</text>`,
			f1(x), f1(y), f1(x), f1(y), esc(t))
		return
	}
	s.text(x, y, "axis-title", "middle", t)
}

func (s *svg) line(x1, y1, x2, y2 float64, class string) {
	s.raw(`<line class="%s" x1="%s" y1="%s" x2="%s" y2="%s"/>`, class, f1(x1), f1(y1), f1(x2), f1(y2))
}

// link wraps what follows in a link to a finding (closed by endLink).
func (s *svg) link(id string) { s.raw(`<a href="#%s">`, esc(id)) }
func (s *svg) endLink()       { s.raw(`</a>`) }

func (s *svg) String() string { return s.b.String() + "</svg>" }

// niceStep rounds x up to 1, 2 or 5 times a power of ten.
func niceStep(x float64) float64 {
	if x <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// timeStep picks a tick interval in ms for a span: seconds, minutes and
// hours in round steps.
func timeStep(span float64, ticks int) float64 {
	raw := span / float64(ticks)
	for _, s := range []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3, 120e3,
		300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 24 * 3600e3} {
		if s >= raw {
			return s
		}
	}
	return niceStep(raw/(24*3600e3)) * 24 * 3600e3
}

// tickLabel is a short duration for an axis.
func tickLabel(ms float64) string {
	switch {
	case ms == 0:
		return "0"
	case ms < 1000:
		return strconv.FormatFloat(ms, 'f', -1, 64) + " ms"
	case ms < 60e3:
		return strconv.FormatFloat(ms/1000, 'f', -1, 64) + " s"
	case ms < 3600e3 && math.Mod(ms, 60e3) == 0:
		return strconv.FormatFloat(ms/60e3, 'f', -1, 64) + " min"
	case ms < 3600e3:
		return units.Millis(int64(ms))
	case math.Mod(ms, 3600e3) == 0:
		return strconv.FormatFloat(ms/3600e3, 'f', -1, 64) + " h"
	}
	return units.Millis(int64(ms))
}

// timeAxis draws vertical grid lines and labels under a plot.
func (s *svg) timeAxis(x0, width, top, bottom, span float64) {
	if span <= 0 {
		span = 1
	}
	step := timeStep(span, 8)
	for t := 0.0; t <= span+step/1000; t += step {
		x := x0 + t/span*width
		s.line(x, top, x, bottom, "grid")
		s.text(x, bottom+13, "tick", "middle", tickLabel(t))
	}
}

// severityOf returns the worst severity among finding IDs.
func severityOf(r *advice.Report, ids []string) detectors.Severity {
	var worst detectors.Severity
	for _, id := range ids {
		for i := range r.Findings {
			if r.Findings[i].ID == id && r.Findings[i].Severity > worst {
				worst = r.Findings[i].Severity
			}
		}
	}
	return worst
}

func flagClass(sev detectors.Severity) string {
	switch sev {
	case detectors.Error:
		return "flag-error"
	case detectors.Warning:
		return "flag-warning"
	}
	return "flag-info"
}

// bar is one bar of the timeline.
type bar struct {
	start, end float64
	class      string
	tip        string
	label      string
	link       string
}

// packLanes assigns bars (in start order) to lanes so that bars of one
// lane do not overlap; past max lanes, a bar goes to the lane that frees
// first.
func packLanes(bars []bar, max int, minGap float64) [][]bar {
	var lanes [][]bar
	var ends []float64
	for _, b := range bars {
		placed := false
		for i := range lanes {
			if b.start >= ends[i]+minGap {
				lanes[i] = append(lanes[i], b)
				ends[i] = b.end
				placed = true
				break
			}
		}
		if placed {
			continue
		}
		if len(lanes) < max {
			lanes = append(lanes, []bar{b})
			ends = append(ends, b.end)
			continue
		}
		best := 0
		for i := range ends {
			if ends[i] < ends[best] {
				best = i
			}
		}
		lanes[best] = append(lanes[best], b)
		ends[best] = math.Max(ends[best], b.end)
	}
	return lanes
}

const (
	chartWidth = 1000.0
	labelWidth = 70.0
	laneHeight = 13.0
	laneGap    = 3.0
)

// timelineSVG draws SQL executions, jobs and stages as bars over time,
// flagged stages highlighted and linked to their findings.
func timelineSVG(r *advice.Report, prefix string) string {
	c := r.Charts
	span := float64(max(c.SpanMs, 1))
	plotW := chartWidth - labelWidth - 12
	x := func(ms int64) float64 { return labelWidth + float64(ms)/span*plotW }
	minGap := span / plotW * 2 // two pixels between bars of a lane

	type group struct {
		name  string
		lanes [][]bar
	}
	var groups []group
	var sqlBars, jobBars, stageBars []bar
	for _, q := range c.Timeline.SQL {
		tip := fmt.Sprintf("SQL %d: %s\n%s, %s", q.ID, cut(q.Description, 200), units.Millis(q.EndMs-q.StartMs), strings.ToLower(q.Status))
		b := bar{start: float64(q.StartMs), end: float64(q.EndMs), class: "bar-sql", tip: tip + ids(q.Findings), label: "SQL " + strconv.FormatInt(q.ID, 10)}
		if q.Flagged {
			b.class += " " + flagClass(severityOf(r, q.Findings))
			b.link = prefix + q.Findings[0]
		}
		sqlBars = append(sqlBars, b)
	}
	for _, j := range c.Timeline.Jobs {
		tip := fmt.Sprintf("Job %d: %s\n%s, %s", j.ID, cut(j.Name, 200), units.Millis(j.EndMs-j.StartMs), strings.ToLower(j.Status))
		b := bar{start: float64(j.StartMs), end: float64(j.EndMs), class: "bar-job", tip: tip + ids(j.Findings), label: "job " + strconv.Itoa(j.ID)}
		if j.Status == "FAILED" {
			b.class += " failed"
		}
		if j.Flagged {
			b.class += " " + flagClass(severityOf(r, j.Findings))
			b.link = prefix + j.Findings[0]
		}
		jobBars = append(jobBars, b)
	}
	for _, st := range c.Timeline.Stages {
		tip := fmt.Sprintf("Stage %d.%d: %s\n%s, %s tasks, %s", st.ID, st.Attempt, cut(st.Name, 200),
			units.Millis(st.EndMs-st.StartMs), units.Count(int64(st.Tasks)), strings.ToLower(st.Status))
		b := bar{start: float64(st.StartMs), end: float64(st.EndMs), class: "bar-stage", tip: tip + ids(st.Findings), label: strconv.Itoa(st.ID)}
		if st.Status == "FAILED" {
			b.class += " failed"
		}
		if st.Flagged {
			b.class += " " + flagClass(severityOf(r, st.Findings))
			b.link = prefix + st.Findings[0]
		}
		stageBars = append(stageBars, b)
	}
	if len(sqlBars) > 0 {
		groups = append(groups, group{"SQL", packLanes(sqlBars, 6, minGap)})
	}
	groups = append(groups, group{"Jobs", packLanes(jobBars, 8, minGap)})
	groups = append(groups, group{"Stages", packLanes(stageBars, 24, minGap)})

	h := 8.0
	for _, g := range groups {
		h += float64(max(len(g.lanes), 1))*(laneHeight+laneGap) + 10
	}
	height := h + 22
	s := newSVG(chartWidth, height, "Application timeline: SQL executions, jobs and stages over time")
	s.timeAxis(labelWidth, plotW, 4, h, span)
	y := 8.0
	for _, g := range groups {
		s.text(labelWidth-8, y+laneHeight-3, "axis-label", "end", g.name)
		for _, lane := range g.lanes {
			for _, b := range lane {
				bx, bw := x(int64(b.start)), math.Max(x(int64(b.end))-x(int64(b.start)), 1.5)
				if b.link != "" {
					s.link(b.link)
				}
				s.rect(bx, y, bw, laneHeight, b.class, b.tip)
				if bw >= float64(utf8.RuneCountInString(b.label))*6+6 {
					s.text(bx+bw/2, y+laneHeight-3.5, "bar-label", "middle", b.label)
				}
				if b.link != "" {
					s.endLink()
				}
			}
			y += laneHeight + laneGap
		}
		if len(g.lanes) == 0 {
			y += laneHeight + laneGap
		}
		y += 10
	}
	return s.String()
}

func ids(xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return "\nfindings: " + strings.Join(xs, ", ")
}

// executorsSVG draws the number of executors over time as a step area.
func executorsSVG(r *advice.Report) string {
	c := r.Charts
	ec := c.Executors
	span := float64(max(c.SpanMs, 1))
	plotW := chartWidth - labelWidth - 12
	const top, plotH = 10.0, 90.0
	maxY := float64(max(ec.MaxExecutors, 1))
	yStep := math.Max(1, niceStep(maxY/4))
	maxY = math.Ceil(maxY/yStep) * yStep
	x := func(ms int64) float64 { return labelWidth + float64(ms)/span*plotW }
	y := func(n int) float64 { return top + plotH - float64(n)/maxY*plotH }

	s := newSVG(chartWidth, top+plotH+40, "Executors over time")
	s.timeAxis(labelWidth, plotW, top, top+plotH, span)
	s.axisTitle(labelWidth+plotW/2, top+plotH+34, false, "time since the application started (ms, s, min, h)")
	s.axisTitle(labelWidth-40, top+plotH/2, true, "executors (count)")
	for v := 0.0; v <= maxY; v += yStep {
		s.line(labelWidth, y(int(v)), labelWidth+plotW, y(int(v)), "grid")
		s.text(labelWidth-6, y(int(v))+4, "tick", "end", strconv.Itoa(int(v)))
	}
	if len(ec.Points) > 0 {
		var d strings.Builder
		fmt.Fprintf(&d, "M%s,%s", f1(x(0)), f1(y(0)))
		prev := 0
		for _, p := range ec.Points {
			fmt.Fprintf(&d, " L%s,%s L%s,%s", f1(x(p.TMs)), f1(y(prev)), f1(x(p.TMs)), f1(y(p.Executors)))
			prev = p.Executors
		}
		fmt.Fprintf(&d, " L%s,%s L%s,%s Z", f1(x(c.SpanMs)), f1(y(prev)), f1(x(c.SpanMs)), f1(y(0)))
		s.raw(`<path class="area-exec" d="%s"/>`, d.String())
		// Invisible bands carry a tooltip per step.
		for i, p := range ec.Points {
			end := c.SpanMs
			if i+1 < len(ec.Points) {
				end = ec.Points[i+1].TMs
			}
			if end <= p.TMs {
				continue
			}
			tip := fmt.Sprintf("from %s: %s, %d cores", units.Millis(p.TMs), units.Plural(p.Executors, "executor"), p.Cores)
			s.rect(x(p.TMs), top, x(end)-x(p.TMs), plotH, "hover", tip)
		}
	}
	return s.String()
}

// topStagesSVG draws the stages that took the longest as horizontal bars.
func topStagesSVG(r *advice.Report, prefix string) string {
	ts := r.Charts.TopStages
	const rowH, nameW = 22.0, 330.0
	plotW := chartWidth - nameW - 110
	var longest int64 = 1
	for _, st := range ts {
		longest = max(longest, st.DurationMs)
	}
	s := newSVG(chartWidth, float64(len(ts))*rowH+8, "The stages that took the longest")
	for i, st := range ts {
		y := 4 + float64(i)*rowH
		name := fmt.Sprintf("%d.%d  %s", st.ID, st.Attempt, shortName(st.Name))
		s.text(nameW-8, y+14, "stage-name", "end", cut(name, 52))
		class := "bar-stage"
		if st.Flagged {
			class += " " + flagClass(severityOf(r, st.Findings))
			s.link(prefix + st.Findings[0])
		}
		w := float64(st.DurationMs) / float64(longest) * plotW
		tip := fmt.Sprintf("Stage %d.%d: %s\n%s wall-clock, %s task time, %s tasks, %s", st.ID, st.Attempt, cut(st.Name, 200),
			units.Millis(st.DurationMs), units.Millis(st.TaskTimeMs), units.Count(int64(st.Tasks)), strings.ToLower(st.Status))
		s.rect(nameW, y+2, w, rowH-6, class, tip+ids(st.Findings))
		if st.Flagged {
			s.endLink()
		}
		s.text(nameW+math.Max(w, 1)+6, y+14, "value", "start",
			units.Millis(st.DurationMs)+" · "+units.Plural(st.Tasks, "task"))
	}
	return s.String()
}

// histogramSVG draws the task-duration distribution of a flagged stage,
// with the median, 75th percentile and longest task marked.
func histogramSVG(r *advice.Report, d *advice.TaskDistribution) string {
	const w, h, left, top, plotH = 480.0, 212.0, 48.0, 32.0, 120.0
	plotW := w - left - 14
	counts := d.Histogram.Counts
	n := max(len(counts), 1)
	span := float64(int64(n) * max(d.Histogram.BinMs, 1))
	most := 1
	for _, c := range counts {
		most = max(most, c)
	}
	yStep := math.Max(1, niceStep(float64(most)/4))
	maxY := math.Ceil(float64(most)/yStep) * yStep
	x := func(ms float64) float64 { return left + ms/span*plotW }
	y := func(v float64) float64 { return top + plotH - v/maxY*plotH }

	s := newSVG(w, h, fmt.Sprintf("Task durations of stage %d.%d", d.StageID, d.Attempt))
	for v := 0.0; v <= maxY; v += yStep {
		s.line(left, y(v), left+plotW, y(v), "grid")
		s.text(left-5, y(v)+4, "tick", "end", strconv.Itoa(int(v)))
	}
	class := "bar-hist " + flagClass(severityOf(r, d.Findings))
	for i, c := range counts {
		if c == 0 {
			continue
		}
		lo := int64(i) * d.Histogram.BinMs
		hi := lo + d.Histogram.BinMs
		bh := math.Max(c2f(c)/maxY*plotH, 2)
		tip := fmt.Sprintf("%s tasks took %s to %s", units.Count(int64(c)), units.Millis(lo), units.Millis(hi))
		s.rect(x(float64(lo))+0.5, top+plotH-bh, math.Max(x(float64(hi))-x(float64(lo))-1, 1), bh, class, tip)
	}
	s.line(left, top+plotH, left+plotW, top+plotH, "axis")
	// x ticks
	step := timeStep(span, 5)
	for t := 0.0; t <= span+step/1000; t += step {
		s.text(x(t), top+plotH+14, "tick", "middle", tickLabel(t))
	}
	s.axisTitle(left+plotW/2, top+plotH+29, false, "task duration (ms, s, min, h)")
	s.axisTitle(12, top+plotH/2, true, "tasks (count)")
	q := d.Quantiles
	mark := func(v int64, cls, name string, row int) {
		mx := x(float64(v))
		s.line(mx, top-1, mx, top+plotH, cls)
		anchor := "middle"
		if mx > left+plotW-60 {
			anchor = "end"
		} else if mx < left+60 {
			anchor = "start"
		}
		s.text(mx, top-4-float64(row)*12, "mark-label "+cls, anchor, name+" "+units.Millis(v))
	}
	mark(q.Median, "mark-median", "median", 1)
	if q.Max > q.Median {
		mark(q.Max, "mark-max", "longest", 0)
	}
	s.text(left, h-8, "tick", "start", fmt.Sprintf("%s successful tasks · p25 %s · median %s · p75 %s · p95 %s · max %s",
		units.Count(int64(d.Tasks)), units.Millis(q.P25), units.Millis(q.Median), units.Millis(q.P75), units.Millis(q.P95), units.Millis(q.Max)))
	return s.String()
}

func c2f(c int) float64 { return float64(c) }
