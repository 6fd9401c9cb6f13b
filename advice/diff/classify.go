package diff

import (
	"fmt"
	"math"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Thresholds. Runs of the same job differ a little every time; these keep
// noise and tiny stages out of the verdict. docs/diff.md explains them.
const (
	// A move of wall-clock time counts when it is at least moveFloorMs and
	// moveShare of the longer run's duration.
	moveFloorMs = 1000
	moveShare   = 0.03
	// The application's duration or task time moved significantly when
	// the ratio is beyond sigRatio (or below 1/sigRatio) and the change is
	// at least appFloorMs.
	sigRatio   = 1.2
	appFloorMs = 2000
	// Time grew in proportion to the data when the time ratio is within
	// propTolerance of the data ratio (±35%).
	propTolerance = 1.35
	// A byte or row count "changed" beyond ±changeRatio and sizeFloor
	// bytes (rowFloor rows).
	changeRatio = 1.1
	sizeFloor   = 1 << 20
	rowFloor    = 10000
	// Rows produced grew explosionRatio times faster than rows read: a
	// join (or explode) explosion.
	explosionRatio = 2.0
	// Skew: the slowest task is skewRatio times the median and at least
	// skewFloorMs slower; it "appeared" when BASE was under skewWasRatio
	// (or the ratio at least doubled).
	skewRatio    = 5.0
	skewWasRatio = 3.0
	skewFloorMs  = 1000
	// Spill appeared when BASE spilled less than spillWasShare of NEW's
	// spill and NEW spilled at least spillFloor bytes; it grew when NEW is
	// spillGrowRatio times BASE and spillGrowFloor bytes more.
	spillFloor     = 1 << 20
	spillWasShare  = 0.05
	spillGrowRatio = 2.0
	spillGrowFloor = 64 << 20
	// GC: its share of task time reached gcShare and at least doubled.
	gcShare = 0.1
)

// moveFloor is the smallest wall-clock move that counts, for runs of at
// most appMs.
func moveFloor(appMs int64) int64 {
	return max(moveFloorMs, int64(moveShare*float64(appMs)))
}

// ratio is n/b; 0 when b is 0 and n is not (infinite growth is shown as
// "appeared"), 1 when both are 0.
func ratio(b, n float64) float64 {
	switch {
	case b == 0 && n == 0:
		return 1
	case b == 0:
		return 0
	}
	return n / b
}

// fmtRatio writes a ratio as "2.1x" (two digits under 10, one under 100).
func fmtRatio(r float64) string {
	switch {
	case r == 0:
		return "0x"
	case r < 0.095:
		return fmt.Sprintf("%.2fx", r)
	case r < 9.95:
		return fmt.Sprintf("%.1fx", r)
	}
	return fmt.Sprintf("%.0fx", r)
}

// growth describes a change: "grew 2.1x", "shrank to 0.5x", "appeared",
// "went to 0".
func growth(b, n float64) string {
	switch {
	case b == 0 && n == 0:
		return "unchanged"
	case b == 0:
		return "appeared"
	case n == 0:
		return "went to 0"
	case n >= b:
		return "grew " + fmtRatio(n/b)
	}
	return "shrank to " + fmtRatio(n/b)
}

// changed reports whether two sizes differ beyond the noise.
func changed(b, n, floor int64) bool {
	if abs(n-b) < floor {
		return false
	}
	r := ratio(float64(b), float64(n))
	return r == 0 || r >= changeRatio || r <= 1/changeRatio
}

// dataReasons are the bytes reasons (input, shuffle read and write,
// output) of a stage or of the application's totals, in that order.
func dataReasons(b, n *StageStats) []Reason {
	var rs []Reason
	for _, c := range []struct {
		kind, label string
		b, n        int64
	}{
		{"input", "input", b.InputBytes, n.InputBytes},
		{"shuffleRead", "shuffle read", b.ShuffleReadBytes, n.ShuffleReadBytes},
		{"shuffleWrite", "shuffle write", b.ShuffleWriteBytes, n.ShuffleWriteBytes},
		{"output", "output", b.OutputBytes, n.OutputBytes},
	} {
		if r, ok := bytesReason(c.kind, c.label, c.b, c.n); ok {
			rs = append(rs, r)
		}
	}
	return rs
}

func bytesReason(kind, label string, b, n int64) (Reason, bool) {
	if !changed(b, n, sizeFloor) {
		return Reason{}, false
	}
	return Reason{Kind: kind, Unit: "bytes", Base: float64(b), New: float64(n),
		Message: fmt.Sprintf("%s %s (%s → %s)", label, growth(float64(b), float64(n)), units.Bytes(b), units.Bytes(n))}, true
}

// stageReasons explains a matched stage's change, most telling first.
func stageReasons(b, n *StageStats) []Reason {
	rs := []Reason{}
	if n.FailedTasks > b.FailedTasks {
		rs = append(rs, failuresReason(int64(b.FailedTasks), int64(n.FailedTasks)))
	}
	if r, ok := skewReason(b, n); ok {
		rs = append(rs, r)
	}
	if r, ok := spillReason(b.MemorySpilled, b.DiskSpilled, n.MemorySpilled, n.DiskSpilled); ok {
		rs = append(rs, r)
	}
	if r, ok := rowsReason(b.rowsIn(), b.rowsOut(), n.rowsIn(), n.rowsOut()); ok {
		rs = append(rs, r)
	}
	if b.Tasks != n.Tasks {
		rs = append(rs, Reason{Kind: "tasks", Unit: "count", Base: float64(b.Tasks), New: float64(n.Tasks),
			Message: fmt.Sprintf("tasks %s → %s", units.Count(int64(b.Tasks)), units.Count(int64(n.Tasks)))})
	}
	rs = append(rs, dataReasons(b, n)...)
	if r, ok := gcReason(b.GCTimeMs, b.TaskTimeMs, n.GCTimeMs, n.TaskTimeMs); ok {
		rs = append(rs, r)
	}
	if changed(b.TaskTimeMs, n.TaskTimeMs, moveFloorMs) {
		rs = append(rs, Reason{Kind: "taskTime", Unit: "ms", Base: float64(b.TaskTimeMs), New: float64(n.TaskTimeMs),
			Message: fmt.Sprintf("task time %s (%s → %s)", growth(float64(b.TaskTimeMs), float64(n.TaskTimeMs)),
				units.Millis(b.TaskTimeMs), units.Millis(n.TaskTimeMs))})
	}
	return rs
}

func failuresReason(b, n int64) Reason {
	return Reason{Kind: "failures", Unit: "count", Base: float64(b), New: float64(n),
		Message: fmt.Sprintf("%s failed %s (was %s)", units.Count(n), plural(n, "task", "tasks"), units.Count(b))}
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// skewed reports whether a stage's task durations are skewed beyond the
// thresholds.
func skewed(s *StageStats) bool {
	return s.Skew >= skewRatio && s.TaskMaxMs-s.TaskMedianMs >= skewFloorMs
}

// skewAppeared reports whether skew appeared (or got much worse) in NEW.
func skewAppeared(b, n *StageStats) bool {
	return skewed(n) && (b.Skew < skewWasRatio || n.Skew >= 2*b.Skew)
}

func skewReason(b, n *StageStats) (Reason, bool) {
	r := Reason{Kind: "skew", Unit: "ratio", Base: round2(b.Skew), New: round2(n.Skew)}
	switch {
	case skewAppeared(b, n) && !skewed(b):
		r.Message = fmt.Sprintf("skew appeared: slowest task %s the median (%s vs %s; was %s)",
			fmtRatio(n.Skew), units.Millis(n.TaskMaxMs), units.Millis(n.TaskMedianMs), fmtRatio(b.Skew))
	case skewAppeared(b, n):
		r.Message = fmt.Sprintf("skew worse: slowest task %s the median (was %s)", fmtRatio(n.Skew), fmtRatio(b.Skew))
	case skewed(b) && !skewed(n):
		r.Message = fmt.Sprintf("skew gone: slowest task %s the median (was %s)", fmtRatio(n.Skew), fmtRatio(b.Skew))
	default:
		return r, false
	}
	return r, true
}

// spillAppeared reports whether spill appeared or grew much.
func spillAppeared(b, n int64) bool {
	if n < spillFloor {
		return false
	}
	return float64(b) < spillWasShare*float64(n) ||
		(float64(n) >= spillGrowRatio*float64(b) && n-b >= spillGrowFloor)
}

func spillReason(bm, bd, nm, nd int64) (Reason, bool) {
	b, n := bm+bd, nm+nd
	r := Reason{Kind: "spill", Unit: "bytes", Base: float64(b), New: float64(n)}
	detail := func(mem, disk int64) string {
		return fmt.Sprintf("%s to disk, %s in memory", units.Bytes(disk), units.Bytes(mem))
	}
	switch {
	case spillAppeared(b, n) && float64(b) < spillWasShare*float64(n):
		r.Message = fmt.Sprintf("spill appeared (%s → %s)", units.Bytes(bd), detail(nm, nd))
		if b > 0 {
			r.Message = fmt.Sprintf("spill appeared (%s → %s)", detail(bm, bd), detail(nm, nd))
		}
	case spillAppeared(b, n):
		r.Message = fmt.Sprintf("spill grew %s (%s → %s)", fmtRatio(float64(n)/float64(b)), detail(bm, bd), detail(nm, nd))
	case b >= spillFloor && float64(n) < spillWasShare*float64(b):
		r.Message = fmt.Sprintf("spill gone (%s → %s)", detail(bm, bd), detail(nm, nd))
	default:
		return r, false
	}
	return r, true
}

// explosion reports whether the rows produced grew explosionRatio times
// faster than the rows read.
func explosion(bIn, bOut, nIn, nOut int64) bool {
	if nOut < rowFloor || bOut == 0 || nOut-bOut < rowFloor {
		return false
	}
	rin := ratio(float64(bIn), float64(nIn))
	if bIn == 0 {
		rin = 1
	}
	rout := float64(nOut) / float64(bOut)
	return rout >= explosionRatio && rout >= explosionRatio*rin
}

func rowsReason(bIn, bOut, nIn, nOut int64) (Reason, bool) {
	if !explosion(bIn, bOut, nIn, nOut) {
		return Reason{}, false
	}
	return Reason{Kind: "rows", Unit: "rows", Base: float64(bOut), New: float64(nOut),
		Message: fmt.Sprintf("rows produced %s (%s → %s) while rows read %s (%s → %s)",
			growth(float64(bOut), float64(nOut)), units.Count(bOut), units.Count(nOut),
			growth(float64(bIn), float64(nIn)), units.Count(bIn), units.Count(nIn))}, true
}

func gcReason(bgc, btask, ngc, ntask int64) (Reason, bool) {
	bs, ns := ratio(float64(btask), float64(bgc)), ratio(float64(ntask), float64(ngc))
	if btask == 0 {
		bs = 0
	}
	if ntask == 0 || ns < gcShare || ns < 2*bs || ngc-bgc < moveFloorMs {
		return Reason{}, false
	}
	return Reason{Kind: "gc", Unit: "ms", Base: float64(bgc), New: float64(ngc),
		Message: fmt.Sprintf("GC time %s → %s (%s → %s of task time)", units.Millis(bgc), units.Millis(ngc),
			units.Percent(bs), units.Percent(ns))}, true
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// classifyStage names what changed in one stage.
func classifyStage(sd *StageDiff, floor int64) string {
	b, n := &sd.Base, &sd.New
	has := func(kind string) bool {
		for _, r := range sd.Reasons {
			if r.Kind == kind {
				return true
			}
		}
		return false
	}
	switch {
	case n.FailedTasks > b.FailedTasks && n.FailedTaskMs-b.FailedTaskMs >= floor:
		return ClassFailures
	case has("skew") && skewAppeared(b, n):
		return ClassSkew
	case has("spill") && spillAppeared(b.spill(), n.spill()):
		return ClassSpill
	case has("rows"):
		return ClassJoin
	case n.FailedTasks > b.FailedTasks:
		return ClassFailures
	}
	if !sd.Significant {
		return ClassUnchanged
	}
	if sd.MovedMs < 0 {
		return ClassFaster
	}
	if b.Tasks != n.Tasks && !changed(b.dataIn(), n.dataIn(), sizeFloor) {
		return ClassConfig
	}
	tr := ratio(float64(b.TaskTimeMs), float64(n.TaskTimeMs))
	dr := ratio(float64(b.dataIn()), float64(n.dataIn()))
	if b.dataIn() == 0 && n.dataIn() == 0 {
		return ClassFasterInput
	}
	if proportional(tr, dr) {
		return ClassProportional
	}
	return ClassFasterInput
}

// proportional reports whether a time ratio follows a data ratio: within
// ±35%, or growing less than the data did.
func proportional(timeRatio, dataRatio float64) bool {
	if dataRatio == 0 { // the data appeared
		return true
	}
	return timeRatio <= dataRatio*propTolerance
}

// appTotals sums an application's non-skipped stages.
func appTotals(app *appmodel.Application) StageStats {
	var t StageStats
	for _, g := range stageGroups(app) {
		s := stageStats(g)
		t.DurationMs += s.DurationMs
		t.TaskTimeMs += s.TaskTimeMs
		t.GCTimeMs += s.GCTimeMs
		t.InputBytes += s.InputBytes
		t.InputRecords += s.InputRecords
		t.ShuffleReadBytes += s.ShuffleReadBytes
		t.ShuffleReadRecords += s.ShuffleReadRecords
		t.ShuffleWriteBytes += s.ShuffleWriteBytes
		t.ShuffleWriteRecords += s.ShuffleWriteRecords
		t.OutputBytes += s.OutputBytes
		t.OutputRecords += s.OutputRecords
		t.MemorySpilled += s.MemorySpilled
		t.DiskSpilled += s.DiskSpilled
		t.Tasks += s.Tasks
		t.TaskAttempts += s.TaskAttempts
		t.FailedTasks += s.FailedTasks
		t.KilledTasks += s.KilledTasks
		t.FailedTaskMs += s.FailedTaskMs
	}
	return t
}

func metric(name, unit string, b, n float64) Metric {
	m := Metric{Name: name, Unit: unit, Base: b, New: n, Delta: n - b}
	if b != 0 {
		r := round2(n / b)
		m.Ratio = &r
	}
	return m
}

func appMetrics(base, nw *appmodel.Application) []Metric {
	b, n := appTotals(base), appTotals(nw)
	failedJobs := func(a *appmodel.Application) float64 {
		c := 0
		for _, j := range a.Jobs {
			if j.Status == appmodel.JobFailed {
				c++
			}
		}
		return float64(c)
	}
	f := func(v int64) float64 { return float64(v) }
	return []Metric{
		metric("duration", "ms", f(base.Duration()), f(nw.Duration())),
		metric("taskTime", "ms", f(b.TaskTimeMs), f(n.TaskTimeMs)),
		metric("gcTime", "ms", f(b.GCTimeMs), f(n.GCTimeMs)),
		metric("inputBytes", "bytes", f(b.InputBytes), f(n.InputBytes)),
		metric("inputRecords", "count", f(b.InputRecords), f(n.InputRecords)),
		metric("shuffleReadBytes", "bytes", f(b.ShuffleReadBytes), f(n.ShuffleReadBytes)),
		metric("shuffleWriteBytes", "bytes", f(b.ShuffleWriteBytes), f(n.ShuffleWriteBytes)),
		metric("shuffleWriteRecords", "count", f(b.ShuffleWriteRecords), f(n.ShuffleWriteRecords)),
		metric("outputBytes", "bytes", f(b.OutputBytes), f(n.OutputBytes)),
		metric("outputRecords", "count", f(b.OutputRecords), f(n.OutputRecords)),
		metric("memoryBytesSpilled", "bytes", f(b.MemorySpilled), f(n.MemorySpilled)),
		metric("diskBytesSpilled", "bytes", f(b.DiskSpilled), f(n.DiskSpilled)),
		metric("tasks", "count", f(int64(b.TaskAttempts)), f(int64(n.TaskAttempts))),
		metric("failedTasks", "count", f(int64(b.FailedTasks)), f(int64(n.FailedTasks))),
		metric("stages", "count", f(int64(len(stageGroups(base)))), f(int64(len(stageGroups(nw))))),
		metric("jobs", "count", f(int64(len(base.Jobs))), f(int64(len(nw.Jobs)))),
		metric("failedJobs", "count", failedJobs(base), failedJobs(nw)),
	}
}

// joinRows sums the output rows of the join operators of the matched SQL
// executions' final plans, in each run.
func joinRows(base, nw *appmodel.Application) (int64, int64) {
	a, b := sqlInOrder(base), sqlInOrder(nw)
	p := matchSQL(a, b)
	sum := func(x *appmodel.SQLExecution) int64 {
		var t int64
		x.FinalPlan().Walk(func(n *appmodel.PlanNode) bool {
			if strings.Contains(n.Name, "Join") || strings.HasPrefix(n.Name, "CartesianProduct") {
				if m := n.Metric("number of output rows"); m != nil {
					t += m.Value
				}
			}
			return true
		})
		return t
	}
	var tb, tn int64
	for _, pr := range p.pairs {
		tb += sum(a[pr[0]])
		tn += sum(b[pr[1]])
	}
	return tb, tn
}

// classify fills the verdict and the application-level reasons.
func classify(d *Diff, base, nw *appmodel.Application) {
	b, n := appTotals(base), appTotals(nw)
	bd, nd := base.Duration(), nw.Duration()
	v := &d.Verdict
	v.Causes = []string{}
	v.DurationRatio = round2(ratio(float64(bd), float64(nd)))
	v.TaskTimeRatio = round2(ratio(float64(b.TaskTimeMs), float64(n.TaskTimeMs)))
	v.InputRatio = round2(ratio(float64(b.InputBytes), float64(n.InputBytes)))
	v.DataRatio = round2(ratio(float64(b.dataIn()), float64(n.dataIn())))
	v.RowsInRatio = round2(ratio(float64(b.rowsIn()), float64(n.rowsIn())))
	v.RowsOutRatio = round2(ratio(float64(b.rowsOut()), float64(n.rowsOut())))
	jb, jn := joinRows(base, nw)
	if jb > 0 {
		v.JoinRowsRatio = round2(float64(jn) / float64(jb))
	}
	slower := (v.DurationRatio >= sigRatio && nd-bd >= appFloorMs) ||
		(v.TaskTimeRatio >= sigRatio && n.TaskTimeMs-b.TaskTimeMs >= appFloorMs && nd > bd)
	faster := v.DurationRatio > 0 && v.DurationRatio <= 1/sigRatio && bd-nd >= appFloorMs
	v.Significant = slower || faster
	floor := moveFloor(max(bd, nd))

	add := func(r Reason) { d.Reasons = append(d.Reasons, r) }
	if bd != nd {
		add(Reason{Kind: "duration", Unit: "ms", Base: float64(bd), New: float64(nd),
			Message: fmt.Sprintf("duration %s → %s (%s)", units.Millis(bd), units.Millis(nd), signedRatio(bd, nd))})
	}
	if changed(b.TaskTimeMs, n.TaskTimeMs, moveFloorMs) {
		add(Reason{Kind: "taskTime", Unit: "ms", Base: float64(b.TaskTimeMs), New: float64(n.TaskTimeMs),
			Message: fmt.Sprintf("task time %s (%s → %s)", growth(float64(b.TaskTimeMs), float64(n.TaskTimeMs)),
				units.Millis(b.TaskTimeMs), units.Millis(n.TaskTimeMs))})
	}
	d.Reasons = append(d.Reasons, dataReasons(&b, &n)...)

	// Causes, most specific first.
	causes := map[string]bool{}
	// Failures: more failed tasks, or jobs that failed.
	bFailJobs, nFailJobs := failedJobCount(base), failedJobCount(nw)
	if n.FailedTasks > b.FailedTasks {
		add(failuresReason(int64(b.FailedTasks), int64(n.FailedTasks)))
		causes[ClassFailures] = true
	}
	if nFailJobs > bFailJobs {
		add(Reason{Kind: "failures", Unit: "count", Base: float64(bFailJobs), New: float64(nFailJobs),
			Message: fmt.Sprintf("%d failed %s (was %d)", nFailJobs, plural(int64(nFailJobs), "job", "jobs"), bFailJobs)})
		causes[ClassFailures] = true
	}
	// Skew: a stage where it appeared and that costs time.
	for i := range d.Stages {
		s := &d.Stages[i]
		if skewAppeared(&s.Base, &s.New) && s.MovedMs >= floor {
			causes[ClassSkew] = true
			add(Reason{Kind: "skew", Unit: "ratio", Base: round2(s.Base.Skew), New: round2(s.New.Skew),
				Message: fmt.Sprintf("skew appeared in stage '%s' (stage %d): slowest task %s the median (was %s)",
					s.Name, s.New.StageID, fmtRatio(s.New.Skew), fmtRatio(s.Base.Skew))})
			break
		}
	}
	if r, ok := spillReason(b.MemorySpilled, b.DiskSpilled, n.MemorySpilled, n.DiskSpilled); ok {
		add(r)
		if spillAppeared(b.spill(), n.spill()) {
			causes[ClassSpill] = true
		}
	}
	// Join explosion: the SQL joins' output rows, else the rows the
	// stages produced, grew much faster than the rows read from storage.
	inRows := ratio(float64(b.InputRecords), float64(n.InputRecords))
	if b.InputRecords == 0 {
		inRows = v.RowsInRatio
	}
	if jb > 0 && jn-jb >= rowFloor && v.JoinRowsRatio >= explosionRatio && v.JoinRowsRatio >= explosionRatio*inRows {
		causes[ClassJoin] = true
		add(Reason{Kind: "joinRows", Unit: "rows", Base: float64(jb), New: float64(jn),
			Message: fmt.Sprintf("rows out of the joins %s (%s → %s) while input rows %s (%s → %s)",
				growth(float64(jb), float64(jn)), units.Count(jb), units.Count(jn),
				growth(float64(b.InputRecords), float64(n.InputRecords)), units.Count(b.InputRecords), units.Count(n.InputRecords))})
	} else if explosion(b.InputRecords, b.rowsOut(), n.InputRecords, n.rowsOut()) {
		causes[ClassJoin] = true
		r, _ := rowsReason(b.InputRecords, b.rowsOut(), n.InputRecords, n.rowsOut())
		add(r)
	}
	// Configuration.
	perf := d.Config.Performance()
	if len(perf) > 0 {
		causes[ClassConfig] = true
		var parts []string
		for _, c := range perf {
			parts = append(parts, configChangeText(c))
		}
		add(Reason{Kind: "config", Message: "configuration changed: " + strings.Join(parts, "; ")})
	}
	tasksChanged := 0
	for i := range d.Stages {
		if d.Stages[i].Base.Tasks != d.Stages[i].New.Tasks {
			tasksChanged++
		}
	}
	if b.Tasks != n.Tasks && tasksChanged > 0 {
		add(Reason{Kind: "tasks", Unit: "count", Base: float64(b.Tasks), New: float64(n.Tasks),
			Message: fmt.Sprintf("tasks %s → %s (the task count changed in %d matched %s)", units.Count(int64(b.Tasks)),
				units.Count(int64(n.Tasks)), tasksChanged, plural(int64(tasksChanged), "stage", "stages"))})
	}
	if r, ok := gcReason(b.GCTimeMs, b.TaskTimeMs, n.GCTimeMs, n.TaskTimeMs); ok {
		add(r)
	}
	// New and removed work.
	var newMs, goneMs int64
	for _, s := range d.NewStages {
		newMs += s.DurationMs
	}
	for _, s := range d.RemovedStages {
		goneMs += s.DurationMs
	}
	if len(d.NewStages) > 0 || len(d.RemovedStages) > 0 {
		var parts []string
		if k := int64(len(d.NewStages)); k > 0 {
			parts = append(parts, fmt.Sprintf("%d new %s (%s)", k, plural(k, "stage", "stages"), units.Millis(newMs)))
		}
		if k := int64(len(d.RemovedStages)); k > 0 {
			parts = append(parts, fmt.Sprintf("%d %s removed (%s)", k, plural(k, "stage", "stages"), units.Millis(goneMs)))
		}
		add(Reason{Kind: "work", Unit: "ms", Base: float64(goneMs), New: float64(newMs), Message: strings.Join(parts, ", ")})
	}

	// Growth: time against data.
	dataRatio := v.InputRatio
	if b.InputBytes < sizeFloor && n.InputBytes < sizeFloor {
		dataRatio = v.DataRatio
	}
	timeRatio := v.TaskTimeRatio
	growthClass := ClassProportional
	if !proportional(timeRatio, dataRatio) {
		growthClass = ClassFasterInput
	}
	// Failures lead unless they cost little (a few quick retries, no
	// failed job): then the other causes come first.
	order := []string{ClassFailures, ClassSkew, ClassSpill, ClassJoin, ClassConfig}
	strongFailures := causes[ClassFailures] && (nFailJobs > bFailJobs || n.FailedTaskMs-b.FailedTaskMs >= floor)
	if !strongFailures {
		order = []string{ClassSkew, ClassSpill, ClassJoin, ClassConfig, ClassFailures}
	}
	for _, c := range order {
		if causes[c] {
			v.Causes = append(v.Causes, c)
		}
	}
	var moved *StageDiff
	for i := range d.Stages {
		if d.Stages[i].Significant {
			moved = &d.Stages[i]
			break
		}
	}
	if moved != nil {
		v.Stage = moved.Key
	}
	newWork := newMs-goneMs >= floor && (moved == nil || newMs-goneMs > moved.MovedMs)
	switch {
	case faster:
		v.Class = ClassFaster
	case !slower && len(v.Causes) == 0:
		v.Class = ClassUnchanged
	case slower && growthClass == ClassProportional && dataRatio >= sigRatio && !causes[ClassJoin] && !strongFailures:
		// Data growth explains the time; skew, spill or a setting that
		// came with it are listed as causes but are not the verdict.
		v.Class = ClassProportional
	case len(v.Causes) > 0:
		v.Class = v.Causes[0]
	case newWork:
		v.Class = ClassNewWork
	default:
		v.Class = growthClass
	}
	if newWork && v.Class != ClassNewWork {
		v.Causes = append(v.Causes, ClassNewWork)
	}
	v.Explanation = explain(v.Class, d)
}

func failedJobCount(a *appmodel.Application) int {
	c := 0
	for _, j := range a.Jobs {
		if j.Status == appmodel.JobFailed {
			c++
		}
	}
	return c
}

func configChangeText(c ConfigChange) string {
	switch c.Change {
	case "added":
		return c.Key + " set to " + c.New
	case "removed":
		return c.Key + " no longer set (was " + c.Base + ")"
	}
	return c.Key + " " + c.Base + " → " + c.New
}

// signedRatio is "4.0x" for a large growth, "+12%" or "-20%" for a
// smaller change.
func signedRatio(b, n int64) string {
	if b == 0 {
		return "new"
	}
	return relChange(float64(b), float64(n))
}

func relChange(b, n float64) string {
	r := n / b
	switch {
	case r >= 1.5:
		return fmtRatio(r)
	case r >= 1:
		return fmt.Sprintf("+%.0f%%", (r-1)*100)
	}
	return fmt.Sprintf("-%.0f%%", (1-r)*100)
}

var explanations = map[string]string{
	ClassUnchanged:    "No significant change: the runs are within the noise of each other.",
	ClassFaster:       "NEW is faster than BASE.",
	ClassProportional: "The time grew in proportion to the data (Q4: linear slowdown = data volume growing). Scale the cluster or the partitions with the input (about 128-256 MB per partition), or process only the new data.",
	ClassFasterInput:  "The time grew faster than the data (Q4). Look at the stages that moved most: a join or explode producing more rows, skew on some days, or small files accumulating (gradual degradation: compact the input).",
	ClassJoin:         "Rows produced grew much faster than the rows read: a join explosion (Q4: exponential slowdown). Check the join keys for duplicates or nulls, filter and deduplicate before the join.",
	ClassSkew:         "A few tasks became much slower than the others: data skew on this run (Q4: irregular slowdown). Enable adaptive skew join (spark.sql.adaptive.skewJoin.enabled) or salt the hot keys (Q6).",
	ClassSpill:        "Spill appeared: the tasks no longer fit in execution memory. Use more shuffle partitions (smaller tasks) or more executor memory.",
	ClassFailures:     "New task, stage or job failures: retries and recomputation cost time. See the failure reasons (sparkdiag analyze NEW).",
	ClassConfig:       "A performance setting changed between the runs; the stages whose task count or plan changed show its effect.",
	ClassNewWork:      "NEW ran stages that BASE did not: the code, the plan or the data layout changed.",
}

func explain(class string, d *Diff) string {
	e := explanations[class]
	if class == ClassConfig {
		var ks []string
		for _, c := range d.Config.Performance() {
			ks = append(ks, c.Key)
		}
		if len(ks) > 0 {
			e = "A performance setting changed between the runs (" + strings.Join(ks, ", ") + "); the stages whose task count or plan changed show its effect."
		}
	}
	return e
}

// headline is one line: "NEW took 3m 12s vs 48s (+4.0x); input +0.1x;
// growth faster than input: join explosion in stage '...'".
func headline(d *Diff) string {
	v := &d.Verdict
	var b strings.Builder
	fmt.Fprintf(&b, "NEW took %s vs %s (%s)", units.Millis(d.New.DurationMs), units.Millis(d.Base.DurationMs),
		signedRatio(d.Base.DurationMs, d.New.DurationMs))
	for _, m := range d.Metrics {
		if m.Name == "inputBytes" && (m.Base != 0 || m.New != 0) {
			fmt.Fprintf(&b, "; input %s", inputChange(m))
		}
	}
	stage := ""
	for i := range d.Stages {
		s := &d.Stages[i]
		if s.Significant && (s.Class == v.Class || v.Class == ClassProportional || v.Class == ClassFasterInput || v.Class == ClassConfig) {
			stage = fmt.Sprintf(" in stage '%s'", s.Name)
			break
		}
	}
	switch v.Class {
	case ClassUnchanged:
		b.WriteString("; no significant change")
	case ClassFaster:
		b.WriteString("; faster")
	case ClassProportional:
		b.WriteString("; growth proportional to input")
	case ClassFasterInput:
		b.WriteString("; growth faster than input" + stage)
	case ClassJoin:
		b.WriteString("; growth faster than input: join explosion" + stage)
	case ClassSkew:
		b.WriteString("; skew appeared" + stage)
	case ClassSpill:
		b.WriteString("; spill appeared" + stage)
	case ClassFailures:
		b.WriteString("; new failures" + stage)
	case ClassConfig:
		var ks []string
		for _, c := range d.Config.Performance() {
			ks = append(ks, configChangeText(c))
		}
		b.WriteString("; configuration changed: " + strings.Join(ks, ", "))
	case ClassNewWork:
		b.WriteString("; new work")
	}
	var others []string
	for _, c := range v.Causes {
		if c != v.Class {
			others = append(others, c)
		}
	}
	if len(others) > 0 {
		b.WriteString(" (also: " + strings.Join(others, ", ") + ")")
	}
	return b.String()
}

// inputChange is "2.1x", "+10%", "-20%", "unchanged" or "appeared".
func inputChange(m Metric) string {
	switch {
	case m.Base == 0:
		return "appeared"
	case m.New == m.Base:
		return "unchanged"
	}
	return relChange(m.Base, m.New)
}
