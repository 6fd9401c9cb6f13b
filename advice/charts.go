package advice

import (
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Charts is what the HTML report draws, computed from the model when the
// report is built so that every renderer reads only the Report. Times are
// milliseconds from OriginEpoch, the application's start.
type Charts struct {
	// OriginEpoch is the epoch ms of time 0: the application's start (or
	// the earliest event when the start was not logged).
	OriginEpoch int64 `json:"originEpoch"`
	// SpanMs is the length of the time axis: the application's end (or
	// its last event) from time 0.
	SpanMs            int64              `json:"spanMs"`
	Timeline          Timeline           `json:"timeline"`
	Executors         ExecutorChart      `json:"executors"`
	TopStages         []StageTime        `json:"topStages"`
	TaskDistributions []TaskDistribution `json:"taskDistributions"`
}

// Span is a bar on the time axis.
type Span struct {
	StartMs int64 `json:"startMs"`
	EndMs   int64 `json:"endMs"`
	// Open is set when the log does not say when it ended; EndMs is then
	// the end of the log.
	Open bool `json:"open,omitempty"`
}

// Timeline holds the bars of the application timeline. A long application
// keeps every flagged bar and then the longest ones, up to a cap; the
// Omitted counts say how many were left out.
type Timeline struct {
	SQL           []TimelineSQL   `json:"sqlExecutions"`
	Jobs          []TimelineJob   `json:"jobs"`
	Stages        []TimelineStage `json:"stages"`
	OmittedSQL    int             `json:"omittedSqlExecutions"`
	OmittedJobs   int             `json:"omittedJobs"`
	OmittedStages int             `json:"omittedStages"`
}

// TimelineSQL is one SQL execution on the timeline.
type TimelineSQL struct {
	ID int64 `json:"sqlExecutionId"`
	// Description is the SQL text or the call site, cut to 300 characters.
	Description string `json:"description"`
	Span
	Status   string   `json:"status"`
	Flagged  bool     `json:"flagged"`
	Findings []string `json:"findings"`
}

// TimelineJob is one job on the timeline.
type TimelineJob struct {
	ID             int    `json:"jobId"`
	Name           string `json:"name"`
	SQLExecutionID *int64 `json:"sqlExecutionId,omitempty"`
	Span
	Status   string   `json:"status"`
	Flagged  bool     `json:"flagged"`
	Findings []string `json:"findings"`
}

// TimelineStage is one stage attempt on the timeline.
type TimelineStage struct {
	ID      int    `json:"stageId"`
	Attempt int    `json:"attemptId"`
	Name    string `json:"name"`
	JobIDs  []int  `json:"jobIds"`
	Span
	Status   string   `json:"status"`
	Tasks    int      `json:"tasks"`
	Flagged  bool     `json:"flagged"`
	Findings []string `json:"findings"`
}

// ExecutorChart is the number of executors and cores over time.
type ExecutorChart struct {
	// LocalMode is set when no executor was added: the driver ran the
	// tasks and is drawn as the one executor.
	LocalMode bool `json:"localMode"`
	// Points is a step function: from TMs on, Executors executors with
	// Cores cores were up.
	Points       []ExecutorPoint `json:"points"`
	Spans        []ExecutorSpan  `json:"spans"`
	OmittedSpans int             `json:"omittedSpans"`
	MaxExecutors int             `json:"maxExecutors"`
	MaxCores     int             `json:"maxCores"`
}

// ExecutorPoint is one step of the executor chart.
type ExecutorPoint struct {
	TMs       int64 `json:"tMs"`
	Executors int   `json:"executors"`
	Cores     int   `json:"cores"`
}

// ExecutorSpan is one executor's life.
type ExecutorSpan struct {
	ExecutorID string `json:"executorId"`
	Cores      int    `json:"cores"`
	Span
}

// StageTime is one of the stages that took the longest.
type StageTime struct {
	ID         int      `json:"stageId"`
	Attempt    int      `json:"attemptId"`
	Name       string   `json:"name"`
	DurationMs int64    `json:"durationMs"`
	TaskTimeMs int64    `json:"taskTimeMs"`
	Tasks      int      `json:"tasks"`
	Status     string   `json:"status"`
	Flagged    bool     `json:"flagged"`
	Findings   []string `json:"findings"`
}

// TaskDistribution is the task-duration distribution of a flagged stage
// attempt, over its successful tasks.
type TaskDistribution struct {
	StageID   int       `json:"stageId"`
	Attempt   int       `json:"attemptId"`
	Name      string    `json:"name"`
	Findings  []string  `json:"findings"`
	Tasks     int       `json:"tasks"`
	Quantiles Quantiles `json:"quantiles"`
	Histogram Histogram `json:"histogram"`
}

// Quantiles of task durations in ms, with the History Server's rule (the
// value at index min(floor(q·n), n-1) of the sorted durations).
type Quantiles struct {
	Min    int64 `json:"min"`
	P25    int64 `json:"p25"`
	Median int64 `json:"median"`
	P75    int64 `json:"p75"`
	P95    int64 `json:"p95"`
	Max    int64 `json:"max"`
}

// Histogram counts tasks in bins of BinMs from 0: Counts[i] is the number
// of tasks with duration in [i·BinMs, (i+1)·BinMs).
type Histogram struct {
	BinMs  int64 `json:"binMs"`
	Counts []int `json:"counts"`
}

// Caps keep the report of a long application readable and small.
const (
	maxTimelineSQL    = 100
	maxTimelineJobs   = 200
	maxTimelineStages = 300
	maxExecutorSpans  = 500
	maxTopStages      = 10
	maxDistributions  = 12
	histogramBins     = 20
	maxLabel          = 300
)

// flags maps subjects to the IDs of the findings about them.
type flags struct {
	stage        map[[2]int][]string
	stageAnyAtt  map[int][]string
	job          map[int][]string
	sql          map[int64][]string
	stageOrder   [][2]int // flagged stage attempts, in finding order
	stageOrdered map[[2]int]bool
}

func findingFlags(app *appmodel.Application, fs []Finding) *flags {
	fl := &flags{stage: map[[2]int][]string{}, stageAnyAtt: map[int][]string{}, job: map[int][]string{},
		sql: map[int64][]string{}, stageOrdered: map[[2]int]bool{}}
	for _, f := range fs {
		s := f.Subject
		switch {
		case s.StageID != nil && s.Kind == detectors.SubjectStage:
			if s.StageAttempt != nil {
				k := [2]int{*s.StageID, *s.StageAttempt}
				fl.stage[k] = appendOnce(fl.stage[k], f.ID)
				fl.order(k)
			} else {
				fl.stageAnyAtt[*s.StageID] = appendOnce(fl.stageAnyAtt[*s.StageID], f.ID)
				for _, st := range app.Stages {
					if st.ID == *s.StageID {
						fl.order(st.Key())
					}
				}
			}
		case s.JobID != nil && s.Kind == detectors.SubjectJob:
			fl.job[*s.JobID] = appendOnce(fl.job[*s.JobID], f.ID)
		case s.SQLExecutionID != nil && s.Kind == detectors.SubjectSQL:
			fl.sql[*s.SQLExecutionID] = appendOnce(fl.sql[*s.SQLExecutionID], f.ID)
		}
	}
	return fl
}

func (fl *flags) order(k [2]int) {
	if !fl.stageOrdered[k] {
		fl.stageOrdered[k] = true
		fl.stageOrder = append(fl.stageOrder, k)
	}
}

func (fl *flags) forStage(st *appmodel.Stage) []string {
	out := append([]string{}, fl.stage[st.Key()]...)
	for _, id := range fl.stageAnyAtt[st.ID] {
		out = appendOnce(out, id)
	}
	return out
}

func appendOnce(xs []string, x string) []string {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

// label shortens a name from the log to its first line and maxLabel
// characters.
func label(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= maxLabel {
		return s
	}
	r := []rune(s)
	return string(r[:maxLabel-1]) + "…"
}

func buildCharts(app *appmodel.Application, fs []Finding) *Charts {
	fl := findingFlags(app, fs)
	origin, end := timeAxis(app)
	c := &Charts{OriginEpoch: origin, SpanMs: max(end-origin, 0), TopStages: []StageTime{}, TaskDistributions: []TaskDistribution{}}
	rel := func(t int64) int64 { return min(max(t-origin, 0), c.SpanMs) }
	span := func(start, stop int64) Span {
		if stop == 0 || stop < start {
			return Span{StartMs: rel(start), EndMs: c.SpanMs, Open: true}
		}
		return Span{StartMs: rel(start), EndMs: rel(stop)}
	}

	// SQL executions, jobs and stages.
	tl := Timeline{SQL: []TimelineSQL{}, Jobs: []TimelineJob{}, Stages: []TimelineStage{}}
	for _, x := range app.SQL {
		if x.StartTime == 0 {
			continue
		}
		ids := append([]string{}, fl.sql[x.ID]...)
		tl.SQL = append(tl.SQL, TimelineSQL{ID: x.ID, Description: label(x.Description), Span: span(x.StartTime, x.EndTime),
			Status: x.Status, Flagged: len(ids) > 0, Findings: ids})
	}
	for _, j := range app.Jobs {
		if j.SubmissionTime == 0 {
			continue
		}
		ids := append([]string{}, fl.job[j.ID]...)
		tj := TimelineJob{ID: j.ID, Name: label(j.Name), Span: span(j.SubmissionTime, j.CompletionTime),
			Status: string(j.Status), Flagged: len(ids) > 0, Findings: ids}
		if j.SQLExecutionID >= 0 {
			tj.SQLExecutionID = &j.SQLExecutionID
		}
		tl.Jobs = append(tl.Jobs, tj)
	}
	for _, st := range app.Stages {
		start := st.SubmissionTime
		if start == 0 {
			start = st.FirstTaskLaunchedTime
		}
		if start == 0 || st.Status == appmodel.StageSkipped {
			continue
		}
		ids := fl.forStage(st)
		tl.Stages = append(tl.Stages, TimelineStage{ID: st.ID, Attempt: st.Attempt, Name: label(app.DisplayName(st)),
			JobIDs: append([]int{}, st.JobIDs...), Span: span(start, st.CompletionTime), Status: string(st.Status),
			Tasks: st.NumTasksSeen(), Flagged: len(ids) > 0, Findings: ids})
	}
	tl.SQL, tl.OmittedSQL = capBars(tl.SQL, maxTimelineSQL, func(x TimelineSQL) (bool, Span, int64) { return x.Flagged, x.Span, x.ID })
	tl.Jobs, tl.OmittedJobs = capBars(tl.Jobs, maxTimelineJobs, func(x TimelineJob) (bool, Span, int64) { return x.Flagged, x.Span, int64(x.ID) })
	tl.Stages, tl.OmittedStages = capBars(tl.Stages, maxTimelineStages, func(x TimelineStage) (bool, Span, int64) {
		return x.Flagged, x.Span, int64(x.ID)<<16 | int64(x.Attempt)
	})
	c.Timeline = tl

	c.Executors = executorChart(app, span)

	// The stages that took the longest.
	stages := make([]*appmodel.Stage, 0, len(app.Stages))
	for _, st := range app.Stages {
		if st.Duration() > 0 {
			stages = append(stages, st)
		}
	}
	sort.SliceStable(stages, func(i, j int) bool {
		a, b := stages[i], stages[j]
		if a.Duration() != b.Duration() {
			return a.Duration() > b.Duration()
		}
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		return a.Attempt < b.Attempt
	})
	for _, st := range stages[:min(len(stages), maxTopStages)] {
		ids := fl.forStage(st)
		c.TopStages = append(c.TopStages, StageTime{ID: st.ID, Attempt: st.Attempt, Name: label(app.DisplayName(st)),
			DurationMs: st.Duration(), TaskTimeMs: st.Totals[appmodel.RunTime], Tasks: st.NumTasksSeen(),
			Status: string(st.Status), Flagged: len(ids) > 0, Findings: ids})
	}

	// Task durations of the flagged stages, in the order of their findings.
	for _, k := range fl.stageOrder {
		if len(c.TaskDistributions) == maxDistributions {
			break
		}
		st := app.Stage(k[0], k[1])
		if st == nil {
			continue
		}
		if d, ok := distribution(app, st); ok {
			d.Findings = fl.forStage(st)
			c.TaskDistributions = append(c.TaskDistributions, d)
		}
	}
	return c
}

// timeAxis returns time 0 and the end of the application in epoch ms.
func timeAxis(app *appmodel.Application) (origin, end int64) {
	origin = app.Start
	end = app.End
	if end == 0 {
		end = app.LastEvent
	}
	seen := func(ts ...int64) {
		for _, t := range ts {
			if t <= 0 {
				continue
			}
			if app.Start == 0 && (origin == 0 || t < origin) {
				origin = t
			}
			if t > end {
				end = t
			}
		}
	}
	for _, j := range app.Jobs {
		seen(j.SubmissionTime, j.CompletionTime)
	}
	for _, st := range app.Stages {
		seen(st.SubmissionTime, st.FirstTaskLaunchedTime, st.CompletionTime)
	}
	for _, x := range app.SQL {
		seen(x.StartTime, x.EndTime)
	}
	if end < origin {
		end = origin
	}
	return origin, end
}

// capBars keeps at most n bars: the flagged ones first, then the longest;
// the result is in start order (then by id).
func capBars[T any](xs []T, n int, key func(T) (flagged bool, s Span, id int64)) ([]T, int) {
	if len(xs) > n {
		sort.SliceStable(xs, func(i, j int) bool {
			fi, si, ii := key(xs[i])
			fj, sj, ij := key(xs[j])
			if fi != fj {
				return fi
			}
			if di, dj := si.EndMs-si.StartMs, sj.EndMs-sj.StartMs; di != dj {
				return di > dj
			}
			return ii < ij
		})
	}
	omitted := max(len(xs)-n, 0)
	xs = xs[:min(len(xs), n)]
	sort.SliceStable(xs, func(i, j int) bool {
		_, si, ii := key(xs[i])
		_, sj, ij := key(xs[j])
		if si.StartMs != sj.StartMs {
			return si.StartMs < sj.StartMs
		}
		return ii < ij
	})
	return xs, omitted
}

func executorChart(app *appmodel.Application, span func(int64, int64) Span) ExecutorChart {
	ec := ExecutorChart{Points: []ExecutorPoint{}, Spans: []ExecutorSpan{}}
	var execs []*appmodel.Executor
	for _, e := range app.Executors {
		if !e.IsDriver() {
			execs = append(execs, e)
		}
	}
	if len(execs) == 0 {
		for _, e := range app.Executors {
			if e.IsDriver() {
				execs = append(execs, e)
				ec.LocalMode = true
				break
			}
		}
	}
	type step struct {
		t            int64
		dExec, dCore int
	}
	var steps []step
	for _, e := range execs {
		add := e.AddTime
		if add == 0 {
			add = app.Start
		}
		sp := span(add, e.RemoveTime)
		if e.RemoveTime == 0 {
			sp.Open = false // still up at the end: not a missing end
		}
		ec.Spans = append(ec.Spans, ExecutorSpan{ExecutorID: e.ID, Cores: e.TotalCores, Span: sp})
		steps = append(steps, step{sp.StartMs, 1, e.TotalCores})
		if e.RemoveTime != 0 {
			steps = append(steps, step{sp.EndMs, -1, -e.TotalCores})
		}
	}
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].t < steps[j].t })
	cur := ExecutorPoint{}
	if len(steps) == 0 || steps[0].t > 0 {
		ec.Points = append(ec.Points, cur)
	}
	for i, s := range steps {
		cur.TMs = s.t
		cur.Executors += s.dExec
		cur.Cores += s.dCore
		if i+1 < len(steps) && steps[i+1].t == s.t {
			continue
		}
		ec.Points = append(ec.Points, cur)
		ec.MaxExecutors = max(ec.MaxExecutors, cur.Executors)
		ec.MaxCores = max(ec.MaxCores, cur.Cores)
	}
	sort.SliceStable(ec.Spans, func(i, j int) bool {
		a, b := ec.Spans[i], ec.Spans[j]
		if a.StartMs != b.StartMs {
			return a.StartMs < b.StartMs
		}
		return executorIDLess(a.ExecutorID, b.ExecutorID)
	})
	if len(ec.Spans) > maxExecutorSpans {
		ec.OmittedSpans = len(ec.Spans) - maxExecutorSpans
		ec.Spans = ec.Spans[:maxExecutorSpans]
	}
	return ec
}

// executorIDLess orders numeric executor IDs by number.
func executorIDLess(a, b string) bool {
	if len(a) != len(b) && isDigits(a) && isDigits(b) {
		return len(a) < len(b)
	}
	return a < b
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// distribution computes the task-duration quantiles and histogram of a
// stage attempt's successful tasks.
func distribution(app *appmodel.Application, st *appmodel.Stage) (TaskDistribution, bool) {
	var ds []int64
	st.Tasks(func(t *appmodel.Task) bool {
		if t.Status == appmodel.TaskSuccess {
			ds = append(ds, max(t.M[appmodel.Duration], 0))
		}
		return true
	})
	if len(ds) == 0 {
		return TaskDistribution{}, false
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	n := len(ds)
	at := func(q float64) int64 { return ds[min(int(math.Floor(q*float64(n))), n-1)] }
	d := TaskDistribution{StageID: st.ID, Attempt: st.Attempt, Name: label(app.DisplayName(st)), Tasks: n,
		Quantiles: Quantiles{Min: ds[0], P25: at(0.25), Median: at(0.5), P75: at(0.75), P95: at(0.95), Max: ds[n-1]}}
	bin := niceStep(float64(ds[n-1]) / histogramBins)
	counts := make([]int, ds[n-1]/bin+1)
	for _, v := range ds {
		counts[v/bin]++
	}
	d.Histogram = Histogram{BinMs: bin, Counts: counts}
	return d, true
}

// niceStep rounds x up to 1, 2 or 5 times a power of ten (at least 1).
func niceStep(x float64) int64 {
	if x <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return int64(m * p)
		}
	}
	return int64(10 * p)
}
