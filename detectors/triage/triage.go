// Package triage is the step between detection and advice: a fixed chain
// of small processors that sees all the findings of one application at
// once, in the manner of golangci-lint's post-processing chain.
//
// Detectors each look at one kind of problem and cannot know what the
// others found, nor how much a problem costs the whole application. The
// chain decides that in one place:
//
//  1. sanity: impacts are clamped to the application's wall-clock, and an
//     application with impossible timestamps keeps its timing findings
//     out of the warnings;
//  2. own-work: findings about Spark's own jobs (file listing, schema
//     inference, broadcast collection) become one finding that points to
//     the settings that govern them;
//  3. warm-up: a "straggler" that is JVM warm-up of the first wave of
//     tasks, or the cold start of a new executor, is named for what it is;
//  4. grouping: one cause, one finding (a slow executor behind stragglers
//     in many stages, GC pressure in many stages, the task failures of an
//     aborted stage, the same plan node reported through several
//     references);
//  5. materiality: severity follows the measured cost to the application,
//     its share of the wall-clock and the absolute time;
//  6. savings: each cause's savings are counted once and never exceed the
//     application's wall-clock.
//
// Sorting comes last, in advice.Rank. Each processor is one function with
// its own tests; the next pattern found on real logs is a new processor.
package triage

import (
	"fmt"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Rules are the triage thresholds (docs/detectors.md, "Triage").
type Rules struct {
	// A performance finding is material when its cost is at least
	// MaterialMs and MaterialShare of the application's wall-clock, or, in
	// a short application, at least SmallMs and SmallShare of it.
	MaterialMs    int64
	MaterialShare float64
	SmallMs       int64
	SmallShare    float64
	// Spark's own work (listing, schema inference) is a warning only
	// when it takes at least OwnWorkMs and OwnWorkShare of the application.
	OwnWorkMs    int64
	OwnWorkShare float64
	// ErrorShare is the least share of the wall-clock a performance
	// finding must cost to stay an error.
	ErrorShare float64
}

// DefaultRules are the rules the reports use.
var DefaultRules = Rules{
	MaterialMs: 5_000, MaterialShare: 0.01,
	SmallMs: 1_000, SmallShare: 0.05,
	ErrorShare: 0.10,
	OwnWorkMs:  30_000, OwnWorkShare: 0.3,
}

// Processor is one step of the chain.
type Processor struct {
	Name string
	Doc  string
	Run  func(c *Context)
}

// Context is what the processors share: the application, its findings
// (which processors replace as they go) and the rules.
type Context struct {
	App      *appmodel.Application
	Findings []detectors.Finding
	Rules    Rules
	// AppMs is the application's wall-clock in ms (at least 1).
	AppMs int64
}

// Chain is the fixed order of the processors.
var Chain = []Processor{
	{"sanity", "clamps impacts to the application's wall-clock; impossible timestamps keep timing findings at info", sanity},
	{"consistency", "the numbers inside a finding must add up: a part is never larger than its whole", consistency},
	{"waiting", "a stage that waited for executors before its first task, or for a busy driver after its last, is measured by its tasks' span", driverStall},
	{"own-work", "folds findings about Spark's own jobs into one finding per kind of own work", ownWork},
	{"warm-up", "names first-wave JVM warm-up and executor cold start instead of a straggler", warmUp},
	{"group", "one cause, one finding: slow executors, GC, failures of an aborted stage, repeated plan references", group},
	{"materiality", "severity follows the cost: immaterial performance findings become info", materiality},
	{"savings", "each cause's savings counted once, never more than the application ran", savings},
}

// Run applies the chain to the findings of one application.
func Run(app *appmodel.Application, fs []detectors.Finding) []detectors.Finding {
	return RunWith(app, fs, DefaultRules)
}

// RunWith applies the chain with the given rules.
func RunWith(app *appmodel.Application, fs []detectors.Finding, r Rules) []detectors.Finding {
	c := &Context{App: app, Findings: append([]detectors.Finding(nil), fs...), Rules: r, AppMs: detectors.AppDuration(app)}
	for _, p := range Chain {
		p.Run(c)
	}
	return c.Findings
}

// performance reports whether a finding is about time: the findings whose
// severity materiality decides. Failures, executor loss, streaming,
// configuration and output-layout findings are judged by their own rules.
func performance(f *detectors.Finding) bool {
	switch f.Category {
	case "reliability", "streaming", "configuration":
		return false
	}
	// Small output files and appends cost the jobs that read the output
	// later, and idempotency; not this application's wall-clock. Their
	// own thresholds (file counts and sizes) decide.
	switch f.DetectorID {
	case "FILES001", "WRITE001":
		return false
	}
	return true
}

// cost is the wall-clock a finding costs the application: its estimated
// savings when the detector computed them, else the wall-clock the
// problem is spread over.
func cost(f *detectors.Finding) int64 {
	if f.Impact.SavingsMs > 0 {
		return f.Impact.SavingsMs
	}
	return f.Impact.WallClockMs
}

func note(f *detectors.Finding, format string, args ...any) {
	f.Triage = append(f.Triage, fmt.Sprintf(format, args...))
}

func demote(f *detectors.Finding, to detectors.Severity, format string, args ...any) {
	if f.Severity > to {
		note(f, "severity %s → %s: %s", f.Severity, to, fmt.Sprintf(format, args...))
		f.Severity = to
	}
}

// ---- sanity

func sanity(c *Context) {
	a := c.App
	for i := range c.Findings {
		f := &c.Findings[i]
		im := &f.Impact
		if im.WallClockMs > c.AppMs {
			note(f, "wall-clock clamped from %s to the application's %s", units.Millis(im.WallClockMs), units.Millis(c.AppMs))
			im.WallClockMs = c.AppMs
		}
		if im.WallClockMs < 0 {
			im.WallClockMs = 0
		}
		if im.SavingsMs < 0 {
			im.SavingsMs = 0
		}
		if im.SavingsMs > c.AppMs {
			note(f, "savings clamped from %s to the application's %s", units.Millis(im.SavingsMs), units.Millis(c.AppMs))
			im.SavingsMs = c.AppMs
		}
		im.WallClockShare = min(max(im.WallClockShare, 0), 1)
		// The model judges the application's own times
		// (appmodel.Application.TimesSuspect): timing findings built on
		// them are kept out of the warnings.
		if a.TimesSuspect && performance(f) {
			demote(f, detectors.Info, "the application's timestamps are impossible (%s to %s), so its timings cannot be trusted",
				appmodel.FormatTime(a.Start), appmodel.FormatTime(a.End))
		}
	}
}

// ---- consistency

// consistency checks that a finding's numbers agree with each other: a
// task is not longer than the stage it ran in, and a single place cannot
// save more than its own wall-clock. Savings over the wall-clock are
// clamped; a longest task longer than its stage means the log's times
// disagree, and a timing finding built on them is not a warning.
func consistency(c *Context) {
	for i := range c.Findings {
		f := &c.Findings[i]
		im := &f.Impact
		if len(f.Related) == 0 && im.WallClockMs > 0 && im.SavingsMs > im.WallClockMs {
			note(f, "savings clamped from %s to the %s it is spread over", units.Millis(im.SavingsMs), units.Millis(im.WallClockMs))
			im.SavingsMs = im.WallClockMs
		}
		if f.Subject.Kind != detectors.SubjectStage || im.WallClockMs <= 0 || !performance(f) {
			continue
		}
		for _, e := range f.Evidence {
			if e.Name == "longest task" && e.Unit == "ms" && int64(e.Value) > im.WallClockMs+1000 {
				demote(f, detectors.Info, "its longest task (%s) is longer than its stage (%s): the log's times disagree",
					units.Millis(int64(e.Value)), units.Millis(im.WallClockMs))
			}
		}
	}
}

// ---- driver stalls

// driverStall measures a stage by the span of its tasks when it waited
// with no task running: before its first task, for executors (dynamic
// allocation starting them, a queue with no room), or after its last, for
// a busy driver (a long collect, Python work between stages, a stalled
// listener bus, after which several stages complete in the same
// millisecond). That wait is not the stage's work, and no stage finding
// may count it.
func driverStall(c *Context) {
	spans := map[[2]int]int64{}
	for i := range c.Findings {
		f := &c.Findings[i]
		st := subjectStage(c.App, f)
		if st == nil || st.CompletionTime <= 0 || f.Impact.WallClockMs != st.Duration() {
			continue
		}
		span, ok := spans[st.Key()]
		if !ok {
			span = taskSpan(st)
			spans[st.Key()] = span
		}
		lag := st.Duration() - span
		if span <= 0 || lag < 2000 || float64(lag) < 0.25*float64(span) {
			continue
		}
		note(f, "stage %d waited %s with no task running (for executors before its first task, or for a busy driver after its last): measured by its tasks' span, %s",
			st.ID, units.Millis(lag), units.Millis(span))
		f.Impact.WallClockMs = span
		f.Impact.WallClockShare = float64(span) / float64(c.AppMs)
		f.Impact.SavingsMs = min(f.Impact.SavingsMs, span)
	}
}

// taskSpan is the time from the stage's first task launch to its last
// task end, 0 when unknown.
func taskSpan(st *appmodel.Stage) int64 {
	var lo, hi int64
	st.Tasks(func(t *appmodel.Task) bool {
		if t.LaunchTime > 0 && (lo == 0 || t.LaunchTime < lo) {
			lo = t.LaunchTime
		}
		hi = max(hi, t.FinishTime)
		return true
	})
	if lo == 0 || hi < lo {
		return 0
	}
	return hi - lo
}

// ---- own work

// subjectStage is the stage a finding is about, or nil.
func subjectStage(a *appmodel.Application, f *detectors.Finding) *appmodel.Stage {
	s := f.Subject
	if s.StageID == nil {
		return nil
	}
	att := 0
	if s.StageAttempt != nil {
		att = *s.StageAttempt
	}
	return a.Stage(*s.StageID, att)
}

func ownWork(c *Context) {
	own := detectors.OwnWorkStages(c.App)
	byKind := map[detectors.OwnWorkKind][]detectors.Finding{}
	var kinds []detectors.OwnWorkKind
	out := c.Findings[:0:0]
	for _, f := range c.Findings {
		if !performance(&f) {
			out = append(out, f)
			continue
		}
		var kind detectors.OwnWorkKind
		if st := subjectStage(c.App, &f); st != nil {
			kind = own[st.Key()]
		}
		if kind == detectors.NotOwnWork {
			out = append(out, f)
			continue
		}
		if byKind[kind] == nil {
			kinds = append(kinds, kind)
		}
		byKind[kind] = append(byKind[kind], f)
	}
	for _, kind := range kinds {
		fs := byKind[kind]
		rep := representative(fs)
		g := fs[rep]
		stages := ownStages(c.App, own, kind)
		var wall int64
		maxTasks := 0
		for _, st := range stages {
			wall += st.Duration()
			maxTasks = max(maxTasks, st.NumTasks)
		}
		g.Related = nil
		for i, f := range fs {
			if i != rep {
				g.Related = append(g.Related, related(f))
			}
			g.Related = append(g.Related, f.Related...)
		}
		orig := g.Message
		g.Message = fmt.Sprintf("Spark's own %s: %s of it took %s of wall-clock (%s of the application); %s",
			kind, units.Plural(len(stages), "stage"), units.Millis(wall), units.Percent(float64(wall)/float64(c.AppMs)), lowerFirst(orig))
		if len(fs) > 1 {
			g.Message += fmt.Sprintf(" (and %s more on these stages)", units.Plural(len(fs)-1, "finding"))
		}
		g.Advice = detectors.OwnWorkAdvice(c.App, kind, maxTasks)
		g.Impact.WallClockMs = min(wall, c.AppMs)
		g.Impact.WallClockShare = float64(g.Impact.WallClockMs) / float64(c.AppMs)
		g.Impact.SavingsMs = 0
		g.SQLOperator = ""
		note(&g, ownWorkNote+"%s, not the application's code: no repartitioning advice", kind)
		share := g.Impact.WallClockShare
		if wall < c.Rules.OwnWorkMs || share < c.Rules.OwnWorkShare {
			demote(&g, detectors.Info, "Spark's own %s took %s (%s of the application); it is reported as a warning from %s and %s",
				kind, units.Millis(wall), units.Percent(share), units.Millis(c.Rules.OwnWorkMs), units.Percent(c.Rules.OwnWorkShare))
		} else if g.Severity > detectors.Warning {
			demote(&g, detectors.Warning, "Spark's own work")
		} else {
			g.Severity = detectors.Warning
		}
		out = append(out, g)
	}
	c.Findings = out
}

const ownWorkNote = "the stages are Spark's own "

// isOwnWork reports whether the own-work processor made f.
func isOwnWork(f *detectors.Finding) bool {
	for _, n := range f.Triage {
		if strings.HasPrefix(n, ownWorkNote) {
			return true
		}
	}
	return false
}

// ownStages are the stage attempts of one kind of Spark's own work.
func ownStages(a *appmodel.Application, own map[[2]int]detectors.OwnWorkKind, kind detectors.OwnWorkKind) []*appmodel.Stage {
	var out []*appmodel.Stage
	for _, st := range a.Stages {
		if st.Status != appmodel.StageSkipped && own[st.Key()] == kind {
			out = append(out, st)
		}
	}
	return out
}

func related(f detectors.Finding) detectors.Related {
	return detectors.Related{DetectorID: f.DetectorID, Subject: f.Subject, Message: f.Message, SavingsMs: f.Impact.SavingsMs}
}

// representative is the index of the finding that stands for a group: the
// most severe, then the most costly, then the first.
func representative(fs []detectors.Finding) int {
	best := 0
	for i := 1; i < len(fs); i++ {
		a, b := &fs[i], &fs[best]
		if a.Severity > b.Severity || (a.Severity == b.Severity && cost(a) > cost(b)) {
			best = i
		}
	}
	return best
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	if len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z' { // an acronym: "SQL 6 ..."
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// ---- grouping

func group(c *Context) {
	c.Findings = groupFailures(c.Findings)
	c.Findings = groupExecutorLoss(c.Findings)
	c.Findings = groupSlowExecutors(c, c.Findings)
	c.Findings = groupByDetector(c, c.Findings, "GC001", func(f *detectors.Finding) bool {
		return f.Subject.Kind == detectors.SubjectStage && !isOwnWork(f)
	})
	c.Findings = groupSameEvidence(c.Findings)
}

// groupFailures folds the task failures of a stage into the finding of
// the job that failed because of them: one failure, one finding.
func groupFailures(fs []detectors.Finding) []detectors.Finding {
	aborted := map[int]int{} // stage ID → index of its stage-failure finding
	for i, f := range fs {
		if f.DetectorID == "FAIL002" && f.Subject.StageID != nil {
			aborted[*f.Subject.StageID] = i
		}
	}
	if len(aborted) == 0 {
		return fs
	}
	drop := map[int]bool{}
	for i, f := range fs {
		if f.DetectorID != "FAIL001" || f.Subject.Kind != detectors.SubjectStage || f.Subject.StageID == nil {
			continue
		}
		j, ok := aborted[*f.Subject.StageID]
		if !ok {
			continue
		}
		g := &fs[j]
		g.Related = append(g.Related, related(f))
		note(g, "the failed task attempts of stage %d (%s) are part of this failure", *f.Subject.StageID, f.DetectorID)
		drop[i] = true
	}
	return without(fs, drop)
}

// groupExecutorLoss folds into the executor-loss finding what the loss
// caused: the task attempts that failed only because their executor was
// lost or their shuffle input was gone, and the fetch failures of map
// output that was on a lost executor. One lost executor, one finding.
func groupExecutorLoss(fs []detectors.Finding) []detectors.Finding {
	var loss []int
	for i, f := range fs {
		if f.DetectorID == "EXEC001" {
			loss = append(loss, i)
		}
	}
	if len(loss) == 0 {
		return fs
	}
	rep := loss[0]
	for _, i := range loss[1:] {
		if fs[i].Severity > fs[rep].Severity {
			rep = i
		}
	}
	drop := map[int]bool{}
	for i, f := range fs {
		var caused bool
		switch f.DetectorID {
		case "FAIL003":
			caused = strings.Contains(f.Message, "lost at the time")
		case "FAIL001":
			caused = f.Subject.Kind == detectors.SubjectStage && onlyInfrastructure(&f)
		}
		if !caused {
			continue
		}
		g := &fs[rep]
		g.Related = append(g.Related, related(f))
		if f.Severity > g.Severity {
			g.Severity = f.Severity
		}
		drop[i] = true
	}
	if len(drop) > 0 {
		note(&fs[rep], "%d finding(s) of task and fetch failures caused by the lost executors are part of this one", len(drop))
	}
	return without(fs, drop)
}

// onlyInfrastructure reports whether every failed attempt of a task-failure
// finding failed because an executor was lost or shuffle output was gone,
// not because of the application's code or memory.
func onlyInfrastructure(f *detectors.Finding) bool {
	n := 0
	for _, e := range f.Evidence {
		cause, ok := strings.CutPrefix(e.Name, "failed attempts: ")
		if !ok || e.Value <= 0 {
			continue
		}
		n++
		switch cause {
		case "executor lost", "container killed for memory", "shuffle fetch failure":
		default:
			return false
		}
	}
	return n > 0
}

// groupSlowExecutors folds stragglers (slow tasks with ordinary data) whose
// slowest task ran on the same executor into one finding about that
// executor: a slow or busy host shows in every stage it touched.
func groupSlowExecutors(c *Context, fs []detectors.Finding) []detectors.Finding {
	byExec := map[string][]int{}
	var order []string
	for i, f := range fs {
		if f.DetectorID != "SKEW001" || f.Subject.ExecutorID == "" || !strings.HasPrefix(f.Message, "Straggler") {
			continue
		}
		e := f.Subject.ExecutorID
		if byExec[e] == nil {
			order = append(order, e)
		}
		byExec[e] = append(byExec[e], i)
	}
	drop := map[int]bool{}
	for _, e := range order {
		idx := byExec[e]
		if len(idx) < 2 {
			continue
		}
		var stages []string
		for _, i := range idx {
			stages = append(stages, fmt.Sprint(*fs[i].Subject.StageID))
		}
		g := &fs[fold(c, fs, idx, drop)]
		host := ""
		if ex := c.App.Executor(e); ex != nil {
			host = ex.Host
		}
		g.Message = fmt.Sprintf("Slow executor %s (%s): its tasks ran slow with ordinary data in %d stages (%s); %s",
			e, host, len(idx), strings.Join(stages, ", "), lowerFirst(g.Message))
		note(g, "%d stragglers on executor %s grouped: one slow executor, one finding", len(idx), e)
	}
	return without(fs, drop)
}

// groupByDetector folds every finding of one detector that keep selects
// into the most costly of them, listing the others.
func groupByDetector(c *Context, fs []detectors.Finding, id string, keep func(*detectors.Finding) bool) []detectors.Finding {
	var idx []int
	for i := range fs {
		if fs[i].DetectorID == id && keep(&fs[i]) {
			idx = append(idx, i)
		}
	}
	if len(idx) < 2 {
		return fs
	}
	drop := map[int]bool{}
	g := &fs[fold(c, fs, idx, drop)]
	note(g, "%d %s findings of one cause grouped; savings are their sum", len(idx), id)
	return without(fs, drop)
}

// fold folds the findings at idx into their representative and returns its
// index: the others become its related findings (marked in drop), and it
// takes their summed savings and wall-clock, at most the application's.
func fold(c *Context, fs []detectors.Finding, idx []int, drop map[int]bool) int {
	members := make([]detectors.Finding, len(idx))
	for k, i := range idx {
		members[k] = fs[i]
	}
	rep := idx[representative(members)]
	g := &fs[rep]
	var total, wall int64
	for _, i := range idx {
		total += fs[i].Impact.SavingsMs
		wall += fs[i].Impact.WallClockMs
		if i != rep {
			g.Related = append(g.Related, related(fs[i]))
			drop[i] = true
		}
	}
	g.Impact.SavingsMs = min(total, c.AppMs)
	setWall(c, g, wall)
	return rep
}

// groupSameEvidence folds findings of one detector about one SQL
// execution whose evidence is the same number for number: the same plan
// node reached through several references (a reused broadcast exchange).
func groupSameEvidence(fs []detectors.Finding) []detectors.Finding {
	first := map[string]int{}
	drop := map[int]bool{}
	for i, f := range fs {
		if f.Subject.SQLExecutionID == nil || len(f.Evidence) == 0 {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%s|%d", f.DetectorID, *f.Subject.SQLExecutionID)
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "|%s=%g", e.Name, e.Value)
		}
		k := b.String()
		j, ok := first[k]
		if !ok {
			first[k] = i
			continue
		}
		fs[j].Related = append(fs[j].Related, related(f))
		drop[i] = true
	}
	return without(fs, drop)
}

// setWall gives a group the wall-clock of its places, at most the
// application's.
func setWall(c *Context, g *detectors.Finding, wall int64) {
	g.Impact.WallClockMs = min(wall, c.AppMs)
	g.Impact.WallClockShare = float64(g.Impact.WallClockMs) / float64(c.AppMs)
}

func without(fs []detectors.Finding, drop map[int]bool) []detectors.Finding {
	if len(drop) == 0 {
		return fs
	}
	out := fs[:0:0]
	for i, f := range fs {
		if !drop[i] {
			out = append(out, f)
		}
	}
	return out
}

// ---- materiality

func materiality(c *Context) {
	r := c.Rules
	for i := range c.Findings {
		f := &c.Findings[i]
		if !performance(f) || f.Severity <= detectors.Info {
			continue
		}
		ms := cost(f)
		share := float64(ms) / float64(c.AppMs)
		material := (ms >= r.MaterialMs && share >= r.MaterialShare) || (ms >= r.SmallMs && share >= r.SmallShare)
		if !material {
			demote(f, detectors.Info, "it costs about %s, %s of the application's %s: too little to matter",
				units.Millis(ms), units.Percent(share), units.Millis(c.AppMs))
			continue
		}
		if f.Severity == detectors.Error && share < r.ErrorShare {
			demote(f, detectors.Warning, "it costs about %s, %s of the application's wall-clock (an error needs %s)",
				units.Millis(ms), units.Percent(share), units.Percent(r.ErrorShare))
		}
	}
}

// ---- savings

// savings keeps each finding's savings within what the application ran
// and within its own wall-clock.
func savings(c *Context) {
	for i := range c.Findings {
		im := &c.Findings[i].Impact
		im.SavingsMs = min(im.SavingsMs, c.AppMs)
		im.WallClockMs = min(im.WallClockMs, c.AppMs)
	}
}

// TotalSavings is the wall-clock the findings of one application would
// save together: each cause once, never more than the application ran.
func TotalSavings(app *appmodel.Application, fs []detectors.Finding) int64 {
	var t int64
	for _, f := range fs {
		t += f.Impact.SavingsMs
	}
	return min(t, detectors.AppDuration(app))
}
