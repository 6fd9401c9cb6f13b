package fleet

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/advice/baseline"
	"github.com/sparkdiag/sparkdiag/advice/render"
	"github.com/sparkdiag/sparkdiag/advice/sanitize"
	"github.com/sparkdiag/sparkdiag/advice/units"
)

// WriteJSONL writes one JSON object per application, in rank order.
func WriteJSONL(w io.Writer, res *Result) error {
	bw := bufio.NewWriter(w)
	sw := sanitize.NewJSONWriter(bw)
	enc := json.NewEncoder(sw)
	enc.SetEscapeHTML(false)
	for _, r := range res.Records {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// Summary is the JSON form of a whole review (--format json).
type Summary struct {
	SchemaVersion int    `json:"schemaVersion"`
	Kind          string `json:"kind"` // "review"
	Apps          int    `json:"apps"`
	Unreadable    int    `json:"unreadable"`
	// OutsideWindow counts applications left out by --since/--until.
	OutsideWindow int           `json:"outsideWindow"`
	Counts        advice.Counts `json:"counts"`
	SavingsMs     int64         `json:"wallClockSavingsMs"`
	CoreHours     float64       `json:"coreHours"`
	Drifting      int           `json:"drifting"`
	TopFindings   []TopFinding  `json:"topFindings"`
	Applications  []*Record     `json:"applications"`
}

// WriteJSON writes the whole review as one JSON document.
func WriteJSON(w io.Writer, res *Result) error {
	s := Summary{
		SchemaVersion: SchemaVersion, Kind: "review", Apps: res.Apps, Unreadable: res.Unreadable,
		OutsideWindow: res.Skipped, Counts: res.Counts, SavingsMs: res.SavingsMs, CoreHours: res.CoreHours,
		Drifting: res.Drifting, TopFindings: res.Top, Applications: res.Records,
	}
	if s.TopFindings == nil {
		s.TopFindings = []TopFinding{}
	}
	if s.Applications == nil {
		s.Applications = []*Record{}
	}
	sw := sanitize.NewJSONWriter(w)
	enc := json.NewEncoder(sw)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&s); err != nil {
		return err
	}
	return sw.Flush()
}

// TextOptions tune the text and Markdown forms.
type TextOptions struct {
	Terminal bool
	Width    int
	// Limit is how many applications the table lists (0: all).
	Limit int
	// TopFindings is how many fleet-wide findings are listed. Default 10.
	TopFindings int
}

// headline is the first line of the text and Markdown forms.
func headline(res *Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Reviewed %s", units.Plural(res.Apps, "application"))
	var extra []string
	if res.Unreadable > 0 {
		extra = append(extra, fmt.Sprintf("%d unreadable", res.Unreadable))
	}
	if res.Skipped > 0 {
		extra = append(extra, fmt.Sprintf("%d outside the time window", res.Skipped))
	}
	if res.Reused > 0 {
		extra = append(extra, fmt.Sprintf("%d unchanged since the previous review, not read again", res.Reused))
	}
	if len(extra) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(extra, ", "))
	}
	c := res.Counts
	fmt.Fprintf(&b, ": %s, %s, %d info", units.Plural(c.Error, "error"), units.Plural(c.Warning, "warning"), c.Info)
	if res.SavingsMs > 0 {
		fmt.Fprintf(&b, "; the fixes would save about %s of wall-clock time", units.Millis(res.SavingsMs))
	}
	if res.CoreHours > 0 {
		fmt.Fprintf(&b, "; %s core-hours of tasks in all", coreHours(res.CoreHours))
	}
	if res.Drifting > 0 {
		fmt.Fprintf(&b, "; %s drift from their job's usual runs", units.Plural(res.Drifting, "application"))
	}
	return b.String() + "."
}

func coreHours(h float64) string {
	switch {
	case h == 0:
		return "0"
	case h < 0.1:
		return fmt.Sprintf("%.3f", h)
	case h < 10:
		return fmt.Sprintf("%.2f", h)
	default:
		return fmt.Sprintf("%.0f", h)
	}
}

func started(r *Record) string {
	if r.App == nil {
		return "-"
	}
	return units.Minute(r.App.StartEpoch)
}

func countsCell(r *Record) string {
	c := r.Counts
	if c.Error+c.Warning+c.Info == 0 {
		return "-"
	}
	var parts []string
	if c.Error > 0 {
		parts = append(parts, fmt.Sprintf("%dE", c.Error))
	}
	if c.Warning > 0 {
		parts = append(parts, fmt.Sprintf("%dW", c.Warning))
	}
	if c.Info > 0 {
		parts = append(parts, fmt.Sprintf("%dI", c.Info))
	}
	return strings.Join(parts, " ")
}

func driftCell(r *Record) string {
	if r.Baseline == nil {
		return ""
	}
	if r.Baseline.Job == "" && r.Baseline.Note != "" {
		return "no job"
	}
	if !r.Baseline.Enough && r.Baseline.Unrelated > 0 {
		return fmt.Sprintf("not compared (%d earlier runs did other work)", r.Baseline.Unrelated)
	}
	if !r.Baseline.Enough {
		return fmt.Sprintf("(%d earlier runs)", r.Baseline.Runs)
	}
	if len(r.Baseline.Drift) == 0 {
		return "usual"
	}
	var parts []string
	for _, d := range r.Baseline.Drift {
		switch {
		case d.FromZero:
			parts = append(parts, d.Metric+" new")
		default:
			parts = append(parts, fmt.Sprintf("%s %.1fx", d.Metric, d.Ratio))
		}
	}
	return strings.Join(parts, ", ")
}

func topFindingCell(r *Record) string {
	if len(r.Findings) == 0 {
		return ""
	}
	f := r.Findings[0]
	return cut(f.ID+": "+f.Message, 100)
}

// cut shortens s to at most n runes, marking the cut with an ellipsis, so
// that piped tables keep lines of a readable length.
func cut(s string, n int) string {
	r := []rune(sanitize.Line(s))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

func savingsCell(ms int64) string {
	if ms <= 0 {
		return "-"
	}
	return units.Millis(ms)
}

// WriteText writes the review for a terminal or a pipe.
func WriteText(w io.Writer, res *Result, o TextOptions) error {
	bw := bufio.NewWriter(w)
	render.Para(bw, "", "", headline(res), o.Width)
	if res.Apps > 0 {
		fmt.Fprintln(bw, "\nApplications, worst first")
		t := appTable(res, o)
		if err := t.Render(bw, o.Terminal, o.Width); err != nil {
			return err
		}
		if o.Limit > 0 && res.Apps > o.Limit {
			fmt.Fprintf(bw, "... and %d more (all are in --format jsonl)\n", res.Apps-o.Limit)
		}
	}
	if len(res.Top) > 0 {
		fmt.Fprintln(bw, "\nMost frequent findings")
		if err := topTable(res, o).Render(bw, o.Terminal, o.Width); err != nil {
			return err
		}
	}
	if notes := baselineNotes(res); len(notes) > 0 {
		fmt.Fprintln(bw, "\nBaseline notes")
		for _, n := range notes {
			fmt.Fprintf(bw, "  %s\n", sanitize.Line(n))
		}
	}
	for _, r := range drifting(res) {
		fmt.Fprintf(bw, "\nDrift: %s\n", sanitize.Line(r.Label()))
		for _, d := range r.Baseline.Drift {
			fmt.Fprintf(bw, "  %-7s %s\n", d.Severity, sanitize.Line(d.Message))
		}
		if r.Baseline.Note != "" {
			fmt.Fprintf(bw, "  note: %s\n", sanitize.Line(r.Baseline.Note))
		}
		if r.Baseline.Verdict != "" {
			fmt.Fprintf(bw, "  %s\n", sanitize.Line(r.Baseline.Verdict))
		}
		if r.Diff != nil {
			fmt.Fprintf(bw, "  against the usual run %s: %s\n", sanitize.Line(r.Diff.BaseAppID), sanitize.Line(r.Diff.Headline))
		}
		if cmd := DiffCommand(r); cmd != "" {
			fmt.Fprintf(bw, "  why: %s\n", sanitize.Line(cmd))
		}
		if err := historyTable(r).Render(bw, o.Terminal, o.Width); err != nil {
			return err
		}
	}
	if res.Unreadable > 0 {
		fmt.Fprintln(bw, "\nUnreadable logs")
		for _, r := range res.Records {
			if r.Status != StatusOK {
				fmt.Fprintf(bw, "  %s\n", sanitize.Line(r.Error))
			}
		}
	}
	return bw.Flush()
}

func appTable(res *Result, o TextOptions) *render.Table {
	withDrift := false
	for _, r := range res.Records {
		if r.Baseline != nil {
			withDrift = true
		}
	}
	head := []string{"#", "APPLICATION", "STARTED", "DURATION", "WORST", "FINDINGS", "SAVINGS", "CORE-H AT STAKE"}
	if withDrift {
		head = append(head, "DRIFT")
	}
	head = append(head, "TOP FINDING")
	// On a narrow terminal the text columns wrap and the secondary ones
	// (core-hours, start, worst severity) are left out.
	t := render.NewTable(head...).AlignRight(0, 3, 6, 7).Wrap(1, 2, len(head)-1).Optional(7, 2, 4)
	n := 0
	for _, r := range res.Records {
		if r.Status != StatusOK {
			continue
		}
		if o.Limit > 0 && n == o.Limit {
			break
		}
		n++
		dur := units.Millis(r.App.DurationMs)
		if !r.App.Completed {
			dur += " (incomplete)"
		}
		row := []string{fmt.Sprint(r.Rank), r.Label(), started(r), dur, r.EffectiveWorst(), countsCell(r),
			savingsCell(r.Cost.SavingsMs), coreHours(r.Cost.CoreHoursAtStake)}
		if withDrift {
			row = append(row, driftCell(r))
		}
		row = append(row, topFindingCell(r))
		t.Add(row...)
	}
	return t
}

func topTable(res *Result, o TextOptions) *render.Table {
	limit := o.TopFindings
	if limit <= 0 {
		limit = 10
	}
	t := render.NewTable("DETECTOR", "PROBLEM", "APPS", "FINDINGS", "WORST", "SAVINGS", "QUESTIONS", "COSTS MOST IN").AlignRight(2, 3, 5).
		Wrap(1, 6, 7).Optional(4)
	for i, f := range res.Top {
		if i == limit {
			break
		}
		t.Add(f.DetectorID, f.Detector, fmt.Sprint(f.Apps), fmt.Sprint(f.Findings), f.Severity, savingsCell(f.SavingsMs),
			strings.Join(f.Questions, " "), f.Example)
	}
	return t
}

// baselineNotes are the notes of the runs compared with fewer earlier
// runs than their job has (runs that did other work left out), one line
// each, and one line for the runs without a job identity.
func baselineNotes(res *Result) []string {
	var out []string
	noJob := map[string]int{}
	var names []string
	for _, r := range res.Records {
		b := r.Baseline
		switch {
		case b == nil || b.Note == "":
		case len(b.Drift) > 0: // in its drift section
		case b.Job == "":
			if noJob[r.App.Name] == 0 {
				names = append(names, r.App.Name)
			}
			noJob[r.App.Name]++
		default:
			out = append(out, r.Label()+": "+b.Note)
		}
	}
	if len(names) > 0 {
		n := 0
		for _, c := range noJob {
			n += c
		}
		sort.Strings(names)
		for i, name := range names {
			names[i] = fmt.Sprintf("%q (%d)", name, noJob[name])
		}
		verb := "have"
		if n == 1 {
			verb = "has"
		}
		out = append(out, fmt.Sprintf("%s %s no job identity, a default application name (%s): reported, neither recorded nor compared; "+
			"--job-key makes them a job", units.Plural(n, "run"), verb, strings.Join(names, ", ")))
	}
	return out
}

func drifting(res *Result) []*Record {
	var out []*Record
	for _, r := range res.Records {
		if r.Baseline != nil && len(r.Baseline.Drift) > 0 {
			out = append(out, r)
		}
	}
	return out
}

// historyTable lists the baseline runs and the run itself (marked *).
func historyTable(r *Record) *render.Table {
	t := render.NewTable("", "RUN", "STARTED", "DURATION", "TASK TIME", "INPUT", "SHUFFLE", "SPILL", "TASKS", "FAILED", "SKEW").AlignRight(3, 4, 5, 6, 7, 8, 9, 10)
	h := r.Baseline.History
	for i := range h {
		run := &h[i]
		mark := ""
		if i == len(h)-1 {
			mark = "*"
		}
		t.Add(mark, run.AppID, units.Minute(run.Start),
			units.Millis(run.DurationMs), units.Millis(run.TaskTimeMs), units.Bytes(run.InputBytes),
			units.Bytes(run.ShuffleReadBytes+run.ShuffleWriteBytes), units.Bytes(run.MemoryBytesSpilled+run.DiskBytesSpilled),
			fmt.Sprint(run.Tasks), fmt.Sprint(run.FailedTasks), baseline.FormatValue("skew", run.TaskSkew))
	}
	if m := r.Baseline.Median; len(m) > 0 {
		t.Add("", "usual (median)", "", baseline.FormatValue("duration", m["duration"]), baseline.FormatValue("taskTime", m["taskTime"]),
			baseline.FormatValue("input", m["input"]), baseline.FormatValue("shuffle", m["shuffle"]),
			baseline.FormatValue("spill", m["spill"]), baseline.FormatValue("tasks", m["tasks"]), baseline.FormatValue("failedTasks", m["failedTasks"]),
			baseline.FormatValue("skew", m["skew"]))
	}
	return t
}

// WriteMarkdown writes the review as Markdown, for a ticket or a wiki page.
func WriteMarkdown(w io.Writer, res *Result, o TextOptions) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# Spark applications review\n\n%s\n", headline(res))
	if res.Apps > 0 {
		fmt.Fprint(bw, "\n## Applications, worst first\n\n")
		mdTable(bw, appTable(res, o))
	}
	if len(res.Top) > 0 {
		fmt.Fprint(bw, "\n## Most frequent findings\n\n")
		mdTable(bw, topTable(res, o))
	}
	if notes := baselineNotes(res); len(notes) > 0 {
		fmt.Fprint(bw, "\n## Baseline notes\n\n")
		for _, n := range notes {
			fmt.Fprintf(bw, "- %s\n", sanitize.Markdown(n))
		}
	}
	for _, r := range drifting(res) {
		fmt.Fprintf(bw, "\n## Drift: %s\n\n", sanitize.Markdown(r.Label()))
		for _, d := range r.Baseline.Drift {
			fmt.Fprintf(bw, "- **%s** %s\n", d.Severity, sanitize.Markdown(d.Message))
		}
		if r.Baseline.Note != "" {
			fmt.Fprintf(bw, "- note: %s\n", sanitize.Markdown(r.Baseline.Note))
		}
		if r.Baseline.Verdict != "" {
			fmt.Fprintf(bw, "- %s\n", sanitize.Markdown(r.Baseline.Verdict))
		}
		if r.Diff != nil {
			fmt.Fprintf(bw, "- against the usual run %s: %s\n", sanitize.Markdown(r.Diff.BaseAppID), sanitize.Markdown(r.Diff.Headline))
		}
		if cmd := DiffCommand(r); cmd != "" {
			fmt.Fprintf(bw, "- why: %s\n", sanitize.Code(cmd))
		}
		fmt.Fprintln(bw)
		mdTable(bw, historyTable(r))
	}
	if res.Unreadable > 0 {
		fmt.Fprint(bw, "\n## Unreadable logs\n\n")
		for _, r := range res.Records {
			if r.Status != StatusOK {
				fmt.Fprintf(bw, "- %s\n", sanitize.Markdown(r.Error))
			}
		}
	}
	return bw.Flush()
}

func mdTable(w io.Writer, t *render.Table) {
	head, rows := t.Cells()
	// The header is ours; the cells may hold log strings.
	fmt.Fprintf(w, "| %s |\n", strings.Join(head, " | "))
	sep := make([]string, len(head))
	for i := range sep {
		sep[i] = "---"
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(sep, " | "))
	for _, r := range rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(mdRow(r), " | "))
	}
}

func mdRow(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = sanitize.Markdown(c)
	}
	return out
}

// DiffCommand is the command that compares a drifting run with its
// baseline's reference run, "" when there is none or a log is not local.
func DiffCommand(r *Record) string {
	if r.Baseline == nil || r.Baseline.Reference == nil || r.Baseline.Reference.Source == "" || r.Source == "" {
		return ""
	}
	if strings.Contains(r.Source, "://") || strings.Contains(r.Baseline.Reference.Source, "://") {
		return ""
	}
	return "sparkdiag diff " + shellQuote(r.Baseline.Reference.Source) + " " + shellQuote(r.Source)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	safe := s != ""
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("/._-+,:=@%", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
