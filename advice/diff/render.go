package diff

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/advice/render"
	"github.com/sparkdiag/sparkdiag/advice/sanitize"
	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
)

// Formats are the output formats of a diff.
var Formats = []string{"text", "json", "markdown"}

// Render writes the diff in a format: text, json or markdown (md). o tunes
// the text form for a terminal; Compact makes the JSON one line.
func Render(w io.Writer, d *Diff, format string, o render.Options) error {
	switch strings.ToLower(format) {
	case "text", "txt":
		return (&Text{Options: o}).Render(w, d)
	case "json":
		return (&JSON{Compact: o.Compact}).Render(w, d)
	case "markdown", "md":
		return (&Markdown{}).Render(w, d)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// JSON writes the diff in its versioned JSON form (docs/diff.md).
type JSON struct {
	Compact bool
}

// Render writes the diff as one JSON object.
func (j *JSON) Render(w io.Writer, d *Diff) error {
	var b []byte
	var err error
	if j.Compact {
		b, err = json.Marshal(d)
	} else {
		b, err = json.MarshalIndent(d, "", "  ")
	}
	if err != nil {
		return err
	}
	_, err = w.Write(append(sanitize.JSON(b), '\n'))
	return err
}

// TopStages is how many moved stages the text and Markdown forms show
// (the JSON form has them all).
const TopStages = 10

// Text writes the diff for a terminal: pretty tables on a terminal,
// plain stable columns when piped.
type Text struct {
	Options render.Options
}

const (
	ansiReset = "\033[0m"
	ansiBold  = "\033[1m"
	ansiRed   = "\033[1;31m"
)

func (t *Text) paint(code, s string) string {
	if !t.Options.Color {
		return s
	}
	return code + s + ansiReset
}

func (t *Text) table(w io.Writer, tb *render.Table) {
	_ = tb.Render(w, t.Options.Terminal, t.Options.Width)
}

// line writes text after prefix; on a terminal, it wraps at the width
// and indents the continuation lines under the text.
func (t *Text) line(w io.Writer, prefix, text string) {
	text = sanitize.Line(text)
	if t.Options.Width < 40 {
		fmt.Fprintln(w, strings.TrimRight(prefix+text, " "))
		return
	}
	width := t.Options.Width
	indent := strings.Repeat(" ", len([]rune(prefix)))
	cur, first := prefix, true
	for _, word := range strings.Fields(text) {
		switch {
		case first:
			cur += word
			first = false
		case len([]rune(cur))+1+len([]rune(word)) > width:
			fmt.Fprintln(w, cur)
			cur = indent + word
		default:
			cur += " " + word
		}
	}
	fmt.Fprintln(w, strings.TrimRight(cur, " "))
}

// Render writes the diff.
func (t *Text) Render(w io.Writer, d *Diff) error {
	bw := bufio.NewWriter(w)
	name := d.New.Name
	if name == "" {
		name = d.Base.Name
	}
	fmt.Fprintln(bw, t.paint(ansiBold, "sparkdiag diff: "+sanitize.Line(name)))
	if !d.SameJob.Likely && d.SameJob.Warning != "" {
		t.line(bw, "warning: ", d.SameJob.Warning)
	}
	runs := render.NewTable("run", "log", "application", "spark", "start", "duration").AlignRight(5).Wrap(1, 2, 4)
	for _, r := range []struct {
		label string
		run   Run
	}{{"BASE", d.Base}, {"NEW", d.New}} {
		runs.Add(r.label, filepath.Base(r.run.Path), r.run.AppID, r.run.SparkVersion, r.run.StartTime, units.Millis(r.run.DurationMs))
	}
	t.table(bw, runs)
	for _, warn := range d.Warnings {
		if warn != d.SameJob.Warning {
			t.line(bw, "warning: ", warn)
		}
	}
	fmt.Fprintln(bw)
	t.line(bw, "", d.Headline)
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, t.paint(ansiBold, "VERDICT: "+d.Verdict.Class))
	t.line(bw, "   ", d.Verdict.Explanation)
	if len(d.Verdict.Causes) > 0 {
		t.line(bw, "   causes: ", strings.Join(d.Verdict.Causes, ", "))
	}
	fmt.Fprintf(bw, "   time %s, task time %s; input %s, input+shuffle read %s\n",
		fmtRatio(d.Verdict.DurationRatio), fmtRatio(d.Verdict.TaskTimeRatio), fmtRatio(d.Verdict.InputRatio), fmtRatio(d.Verdict.DataRatio))
	if len(d.Reasons) > 0 {
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, t.paint(ansiBold, "WHY"))
		for _, r := range d.Reasons {
			t.line(bw, "   - ", r.Message)
		}
	}

	fmt.Fprintln(bw)
	fmt.Fprintln(bw, t.paint(ansiBold, "TOTALS"))
	tot := render.NewTable("metric", "base", "new", "change").AlignRight(1, 2, 3)
	for _, m := range d.Metrics {
		if m.Base == 0 && m.New == 0 {
			continue
		}
		tot.Add(metricLabel(m.Name), fmtValue(m.Unit, m.Base), fmtValue(m.Unit, m.New), changeText(m.Base, m.New))
	}
	t.table(bw, tot)

	if len(d.Stages) > 0 {
		fmt.Fprintln(bw)
		n := min(TopStages, len(d.Stages))
		fmt.Fprintln(bw, t.paint(ansiBold, fmt.Sprintf("STAGES THAT MOVED MOST (%d of %d matched)", n, len(d.Stages))))
		st := render.NewTable("stage", "base", "new", "moved", "class", "name").AlignRight(1, 2, 3).Wrap(5)
		for _, s := range d.Stages[:n] {
			st.Add(stageIDs(s), units.Millis(s.Base.DurationMs), units.Millis(s.New.DurationMs), signedMillis(s.MovedMs), s.Class, stageName(s))
		}
		t.table(bw, st)
		for _, s := range d.Stages[:n] {
			if !s.Significant || len(s.Reasons) == 0 {
				continue
			}
			fmt.Fprintln(bw)
			t.line(bw, "", fmt.Sprintf("stage %s '%s' %s (%s → %s): %s", stageIDs(s), stageName(s), signedMillis(s.MovedMs),
				units.Millis(s.Base.DurationMs), units.Millis(s.New.DurationMs), s.Class))
			if s.CallSite != "" {
				t.line(bw, "   at ", s.CallSite)
			}
			for _, r := range s.Reasons {
				t.line(bw, "   - ", r.Message)
			}
		}
	}
	for _, l := range []struct {
		title string
		refs  []StageRef
	}{{"NEW STAGES (only in NEW)", d.NewStages}, {"REMOVED STAGES (only in BASE)", d.RemovedStages}} {
		if len(l.refs) == 0 {
			continue
		}
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, t.paint(ansiBold, l.title))
		tb := render.NewTable("stage", "duration", "tasks", "name").AlignRight(0, 1, 2).Wrap(3)
		for i, r := range l.refs {
			if i == TopStages {
				tb.Add("", "", "", fmt.Sprintf("... and %d more", len(l.refs)-TopStages))
				break
			}
			tb.Add(strconv.Itoa(r.StageID), units.Millis(r.DurationMs), units.Count(int64(r.Tasks)), refName(r))
		}
		t.table(bw, tb)
	}
	fmt.Fprintln(bw)
	fmt.Fprintf(bw, "jobs: %s; SQL executions: %s\n", workLine(d.Jobs), workLine(d.SQL))

	if len(d.Config.Changes) > 0 {
		fmt.Fprintln(bw)
		fmt.Fprintln(bw, t.paint(ansiBold, "CONFIGURATION CHANGES")+fmt.Sprintf(" (%d; %d %s that change on every run ignored)", len(d.Config.Changes), d.Config.Ignored, plural(int64(d.Config.Ignored), "key", "keys")))
		tb := render.NewTable("key", "base", "new", "perf").Wrap(0, 1, 2)
		for _, c := range d.Config.Changes {
			perf := ""
			if c.Performance {
				perf = "yes"
			}
			tb.Add(c.Key, cut(orDash(c.Base), 60), cut(orDash(c.New), 60), perf)
		}
		t.table(bw, tb)
	}

	f := &d.Findings
	fmt.Fprintln(bw)
	fmt.Fprintln(bw, t.paint(ansiBold, "FINDINGS")+fmt.Sprintf(" (%d new, %d worse, %d gone, %d better, %d same)",
		len(f.New), len(f.Worse), len(f.Gone), len(f.Better), len(f.Same)))
	for _, c := range f.Listed() {
		msg := c.Message
		if c.Label == "worse" || c.Label == "better" {
			msg += fmt.Sprintf(" (was %s: %s)", c.BaseSeverity, c.BaseMessage)
		}
		t.line(bw, fmt.Sprintf("   %-6s %s %s ", c.Label, t.sev(c.Severity), c.ID()), msg)
	}
	return bw.Flush()
}

func (t *Text) sev(s detectors.Severity) string {
	label := "[" + strings.ToUpper(s.String()) + "]"
	switch s {
	case detectors.Error:
		return t.paint(ansiRed, label)
	case detectors.Warning:
		return t.paint("\033[1;33m", label)
	}
	return t.paint("\033[36m", label)
}

func workLine(w WorkDiff) string {
	s := fmt.Sprintf("%d matched, %d new, %d removed", w.Matched, len(w.New), len(w.Removed))
	failed := 0
	for _, p := range w.Pairs {
		if p.NewStatus != p.BaseStatus && (p.NewStatus == "FAILED" || p.NewStatus == "failed") {
			failed++
		}
	}
	if failed > 0 {
		s += fmt.Sprintf(", %d now failed", failed)
	}
	return s
}

func stageIDs(s StageDiff) string {
	if s.Base.StageID == s.New.StageID {
		return strconv.Itoa(s.New.StageID)
	}
	return strconv.Itoa(s.Base.StageID) + "→" + strconv.Itoa(s.New.StageID)
}

// stageName is the stage's name with its occurrence when it is not the
// first: "collect at job.py:45 (#2)".
func stageName(s StageDiff) string {
	if s.Occurrence > 1 {
		return fmt.Sprintf("%s (#%d)", s.Name, s.Occurrence)
	}
	return s.Name
}

func refName(r StageRef) string {
	if r.Occurrence > 1 {
		return fmt.Sprintf("%s (#%d)", r.Name, r.Occurrence)
	}
	return r.Name
}

func signedMillis(ms int64) string {
	if ms > 0 {
		return "+" + units.Millis(ms)
	}
	if ms == 0 {
		return "0"
	}
	return units.Millis(ms)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func cut(s string, n int) string {
	r := []rune(sanitize.Line(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

var metricLabels = map[string]string{
	"duration": "duration", "taskTime": "task time", "gcTime": "GC time", "inputBytes": "input",
	"inputRecords": "input rows", "shuffleReadBytes": "shuffle read", "shuffleWriteBytes": "shuffle write",
	"shuffleWriteRecords": "shuffle write rows", "outputBytes": "output", "outputRecords": "output rows",
	"memoryBytesSpilled": "spill (memory)", "diskBytesSpilled": "spill (disk)", "tasks": "task attempts",
	"failedTasks": "failed tasks", "stages": "stages", "jobs": "jobs", "failedJobs": "failed jobs",
}

func metricLabel(n string) string {
	if l, ok := metricLabels[n]; ok {
		return l
	}
	return n
}

func fmtValue(unit string, v float64) string {
	switch unit {
	case "ms":
		return units.Millis(int64(v))
	case "bytes":
		return units.Bytes(int64(v))
	}
	return units.Count(int64(v))
}

// changeText is "2.1x", "+12%", "-20%", "new" or "".
func changeText(b, n float64) string {
	switch {
	case b == n:
		return ""
	case b == 0:
		return "new"
	case n == 0:
		return "gone"
	}
	return relChange(b, n)
}

// Markdown writes the diff for a ticket or a pull request.
type Markdown struct{}

func mdTable(w io.Writer, header []string, right map[int]bool, rows [][]string) {
	fmt.Fprintln(w, "| "+strings.Join(header, " | ")+" |")
	seps := make([]string, len(header))
	for i := range header {
		seps[i] = "---"
		if right[i] {
			seps[i] = "---:"
		}
	}
	fmt.Fprintln(w, "| "+strings.Join(seps, " | ")+" |")
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = sanitize.Markdown(c)
		}
		fmt.Fprintln(w, "| "+strings.Join(cells, " | ")+" |")
	}
}

// Render writes the diff as Markdown.
func (m *Markdown) Render(w io.Writer, d *Diff) error {
	bw := bufio.NewWriter(w)
	name := d.New.Name
	if name == "" {
		name = d.Base.Name
	}
	fmt.Fprintf(bw, "# sparkdiag diff: %s\n\n", sanitize.Markdown(name))
	if !d.SameJob.Likely && d.SameJob.Warning != "" {
		fmt.Fprintf(bw, "> **Warning:** %s\n\n", sanitize.Markdown(d.SameJob.Warning))
	}
	mdTable(bw, []string{"run", "log", "application", "Spark", "start", "duration"}, map[int]bool{5: true}, [][]string{
		{"BASE", filepath.Base(d.Base.Path), d.Base.AppID, d.Base.SparkVersion, d.Base.StartTime, units.Millis(d.Base.DurationMs)},
		{"NEW", filepath.Base(d.New.Path), d.New.AppID, d.New.SparkVersion, d.New.StartTime, units.Millis(d.New.DurationMs)},
	})
	fmt.Fprintln(bw)
	for _, warn := range d.Warnings {
		if warn != d.SameJob.Warning {
			fmt.Fprintf(bw, "> **Warning:** %s\n\n", sanitize.Markdown(warn))
		}
	}
	fmt.Fprintf(bw, "**%s**\n\n", sanitize.Markdown(d.Headline))
	fmt.Fprintf(bw, "## Verdict: %s\n\n%s\n\n", sanitize.Markdown(d.Verdict.Class), sanitize.Markdown(d.Verdict.Explanation))
	if len(d.Verdict.Causes) > 0 {
		fmt.Fprintf(bw, "Causes: %s.\n\n", sanitize.Markdown(strings.Join(d.Verdict.Causes, ", ")))
	}
	fmt.Fprintf(bw, "Time %s, task time %s; input %s, input + shuffle read %s.\n\n",
		fmtRatio(d.Verdict.DurationRatio), fmtRatio(d.Verdict.TaskTimeRatio), fmtRatio(d.Verdict.InputRatio), fmtRatio(d.Verdict.DataRatio))
	if len(d.Reasons) > 0 {
		fmt.Fprint(bw, "## Why\n\n")
		for _, r := range d.Reasons {
			fmt.Fprintf(bw, "- %s\n", sanitize.Markdown(r.Message))
		}
		fmt.Fprintln(bw)
	}
	fmt.Fprint(bw, "## Totals\n\n")
	var rows [][]string
	for _, x := range d.Metrics {
		if x.Base == 0 && x.New == 0 {
			continue
		}
		rows = append(rows, []string{metricLabel(x.Name), fmtValue(x.Unit, x.Base), fmtValue(x.Unit, x.New), changeText(x.Base, x.New)})
	}
	mdTable(bw, []string{"metric", "BASE", "NEW", "change"}, map[int]bool{1: true, 2: true, 3: true}, rows)
	fmt.Fprintln(bw)
	if len(d.Stages) > 0 {
		n := min(TopStages, len(d.Stages))
		fmt.Fprintf(bw, "## Stages that moved most (%d of %d matched)\n\n", n, len(d.Stages))
		rows = nil
		for _, s := range d.Stages[:n] {
			var why []string
			for _, r := range s.Reasons {
				why = append(why, r.Message)
			}
			rows = append(rows, []string{stageIDs(s), stageName(s), units.Millis(s.Base.DurationMs), units.Millis(s.New.DurationMs),
				signedMillis(s.MovedMs), s.Class, strings.Join(why, "; ")})
		}
		mdTable(bw, []string{"stage", "name", "BASE", "NEW", "moved", "class", "why"}, map[int]bool{2: true, 3: true, 4: true}, rows)
		fmt.Fprintln(bw)
	}
	for _, l := range []struct {
		title string
		refs  []StageRef
	}{{"New stages (only in NEW)", d.NewStages}, {"Removed stages (only in BASE)", d.RemovedStages}} {
		if len(l.refs) == 0 {
			continue
		}
		fmt.Fprintf(bw, "## %s\n\n", l.title)
		rows = nil
		for i, r := range l.refs {
			if i == TopStages {
				rows = append(rows, []string{"", "", "", fmt.Sprintf("... and %d more", len(l.refs)-TopStages)})
				break
			}
			rows = append(rows, []string{strconv.Itoa(r.StageID), units.Millis(r.DurationMs), units.Count(int64(r.Tasks)), refName(r)})
		}
		mdTable(bw, []string{"stage", "duration", "tasks", "name"}, map[int]bool{0: true, 1: true, 2: true}, rows)
		fmt.Fprintln(bw)
	}
	fmt.Fprintf(bw, "Jobs: %s. SQL executions: %s.\n\n", workLine(d.Jobs), workLine(d.SQL))
	if len(d.Config.Changes) > 0 {
		fmt.Fprintf(bw, "## Configuration changes\n\n")
		rows = nil
		for _, c := range d.Config.Changes {
			perf := ""
			if c.Performance {
				perf = "yes"
			}
			rows = append(rows, []string{c.Key, cut(orDash(c.Base), 80), cut(orDash(c.New), 80), perf})
		}
		mdTable(bw, []string{"key", "BASE", "NEW", "performance"}, nil, rows)
		fmt.Fprintf(bw, "\n%d keys that change on every run (ids, ports, hosts, times, temporary paths) were ignored.\n\n", d.Config.Ignored)
	}
	f := &d.Findings
	fmt.Fprintf(bw, "## Findings\n\n%d new, %d worse, %d gone, %d better, %d the same.\n\n", len(f.New), len(f.Worse), len(f.Gone), len(f.Better), len(f.Same))
	rows = nil
	for _, c := range f.Listed() {
		rows = append(rows, []string{c.Label, c.Severity.String(), c.ID(), c.Message})
	}
	if len(rows) > 0 {
		mdTable(bw, []string{"change", "severity", "finding", "message"}, nil, rows)
		fmt.Fprintln(bw)
	}
	return bw.Flush()
}
