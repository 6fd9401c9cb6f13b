package scheduling

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Driver is DRIVER001.
var Driver = &detectors.Detector{
	ID:       "DRIVER001",
	Name:     "driver-time",
	Category: "scheduling",
	Severity: detectors.Warning,
	Problems: []string{"driver-bottleneck"},
	Doc: detectors.Doc{
		Title: "much of the run time passes with no stage running",
		Text: `Lays the stages of the application on its timeline and measures the gaps when none was running:
the driver alone was working (planning queries, listing files, Python or Scala code between
actions, processing collected results) or waiting. The application is reported when that time is
long and a large share of its duration.

Startup (application start to the first stage) is counted only beyond an allowance, since it
includes JVM start and getting executors; the time after the last stage counts beyond a small
allowance for shutdown. Interactive sessions (spark-shell, pyspark, notebooks, Databricks, the
Thrift server) and streaming queries are left alone: there, time between jobs is people thinking
or the trigger waiting.

The finding lists the longest gaps and, for each, what came next: the job and its description or
call site, and whether the gap lay inside a SQL execution (planning, file listing, broadcast
building on the driver) or between executions (driver code between actions); it shows the bytes the
previous stage returned to the driver when that stage fed a collect, and the size and number of
re-plans of a long query plan when the gaps lay inside its execution. The advice (Q1) follows: move
the driver-side work into Spark, avoid collecting large results, run independent actions
concurrently, cut file listing, checkpoint iterative plans (Q21).`,
		Thresholds: `Sparklens reports the share of wall-clock time when no job runs (driver time) with no verdict;
Dr. Elephant's tuning branch rates the driver by its memory, GC and cores. Q1 of the question bank
lists the driver among the resources to check when a job slows down. We report when the driver-only
time between the first job and a 5 s shutdown allowance is at least 30 s and at least 25% of the
application's duration, so that the startup and planning of short jobs stay quiet. The time before
the first job is never counted: it is the driver's and the session's start and executors
registering, which on a busy cluster or under dynamic allocation takes minutes (waiting for
executors, not driver work). The finding is an error at 50% of the application's duration.`,
		Questions: []string{"Q1", "Q14", "Q21"},
	},
	Params: []detectors.Param{
		{Name: "minDriverMs", Default: 30000, Unit: "ms", Doc: "least driver-only time"},
		{Name: "minShare", Default: 0.25, Unit: "share", Doc: "least share of the application's duration"},
		{Name: "shutdownAllowanceMs", Default: 5000, Unit: "ms", Doc: "time after the last stage not counted (stopping)"},
		{Name: "minGapMs", Default: 1000, Unit: "ms", Doc: "shortest gap listed in the evidence"},
		{Name: "includeInteractive", Default: 0, Unit: "count", Doc: "1 to check interactive sessions and streaming applications too"},
		{Name: "errorShare", Default: 0.5, Unit: "share", Doc: "raise to error at this share of the application's duration"},
		{Name: "largeResult", Default: 64 << 20, Unit: "bytes", Doc: "result bytes a stage returned to the driver that are named as a cause"},
	},
	Run: runDriver,
}

// gap is a stretch of time with no stage running.
type gap struct {
	start, end int64
	counted    int64
	kind       string          // "startup", "between", "shutdown"
	before     *appmodel.Stage // stage that ended at start (nil at startup)
	after      *appmodel.Stage // stage that began at end (nil at shutdown)
}

func runDriver(p *detectors.Pass) {
	a := p.App
	if p.Param("includeInteractive") == 0 && (detectors.InteractiveApp(a) || streaming(a)) {
		return
	}
	start := a.Start
	end := a.End
	if end == 0 {
		end = a.LastEvent
	}
	if start <= 0 || end <= start {
		return
	}
	type iv struct {
		s, e int64
		st   *appmodel.Stage
	}
	var ivs []iv
	for _, st := range a.Stages {
		if st.SubmissionTime <= 0 || st.Status == appmodel.StageSkipped {
			continue
		}
		e := st.CompletionTime
		if e <= 0 {
			e = end // still running when the log ends
		}
		ivs = append(ivs, iv{st.SubmissionTime, e, st})
	}
	if len(ivs) == 0 {
		return
	}
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].s < ivs[j].s })
	var gaps []gap
	cur := start
	var last *appmodel.Stage
	for _, v := range ivs {
		if v.s > cur {
			kind := "between"
			if last == nil {
				kind = "startup"
			}
			gaps = append(gaps, gap{start: cur, end: v.s, kind: kind, before: last, after: v.st})
		}
		if v.e > cur {
			cur = v.e
			last = v.st
		}
	}
	if end > cur {
		gaps = append(gaps, gap{start: cur, end: end, kind: "shutdown", before: last})
	}
	var driver int64
	for i := range gaps {
		g := &gaps[i]
		d := g.end - g.start
		switch g.kind {
		case "startup":
			// Before the first job the driver JVM and session start and
			// executors register (a cluster under load takes minutes):
			// that is startup and waiting for executors, not driver work
			// between stages. It is shown in the evidence, not counted.
			d = 0
		case "shutdown":
			d -= int64(p.Param("shutdownAllowanceMs"))
		}
		g.counted = max(d, 0)
		driver += g.counted
	}
	appDur := end - start
	share := float64(driver) / float64(appDur)
	if float64(driver) < p.Param("minDriverMs") || share < p.Param("minShare") {
		return
	}
	sort.SliceStable(gaps, func(i, j int) bool { return gaps[i].end-gaps[i].start > gaps[j].end-gaps[j].start })

	f := detectors.Finding{
		Subject: detectors.Subject{Kind: detectors.SubjectApp, Name: a.Name},
		Impact:  detectors.Impact{WallClockMs: driver, WallClockShare: share},
	}
	biggest := gaps[0]
	counted := 0
	for _, g := range gaps {
		if g.counted > 0 {
			counted++
		}
	}
	over := ""
	if counted > 1 {
		over = fmt.Sprintf(" over %d gaps", counted)
	}
	f.Message = fmt.Sprintf("No stage ran for %s%s (%s of the application): the driver worked alone or waited; the longest gap, %s, came %s",
		units.Millis(driver), over, units.Percent(share), units.Millis(biggest.end-biggest.start), describe(a, biggest))
	if biggest.after != nil {
		f.CallSite = detectors.CallSite(a, biggest.after)
		if len(biggest.after.JobIDs) > 0 {
			f.Subject.JobID = detectors.Ptr(biggest.after.JobIDs[0])
		}
	}
	f.Evidence = []detectors.Evidence{
		detectors.EvT("driver-only time", float64(driver), "ms", "≥", p.Param("minDriverMs")),
		detectors.EvT("share of the application's duration", share, "share", "≥", p.Param("minShare")),
		detectors.Ev("application duration", float64(appDur), "ms"),
	}
	nGaps := 0
	var sqlTime, between int64
	longPlans := map[int64]*appmodel.SQLExecution{}
	var bigResult *appmodel.Stage
	for _, g := range gaps {
		if g.counted <= 0 {
			continue
		}
		ov, x := inSQL(a, g)
		ov = min(ov, g.counted)
		if x != nil && ov > 0 && longPlan(x) {
			longPlans[x.ID] = x
		}
		sqlTime += ov
		if g.kind == "between" {
			between += g.counted - ov
		}
		if g.before != nil && g.before.Totals[appmodel.ShuffleWriteBytes] == 0 && g.before.Totals[appmodel.ResultSize] >= int64(p.Param("largeResult")) {
			if bigResult == nil || g.before.Totals[appmodel.ResultSize] > bigResult.Totals[appmodel.ResultSize] {
				bigResult = g.before
			}
		}
		if nGaps < 5 && float64(g.end-g.start) >= p.Param("minGapMs") {
			nGaps++
			f.Evidence = append(f.Evidence, detectors.Ev("gap "+describe(a, g), float64(g.end-g.start), "ms"))
		}
	}
	f.Evidence = append(f.Evidence,
		detectors.Ev("gaps inside SQL executions (planning, listing, broadcast)", float64(sqlTime), "ms"),
		detectors.Ev("gaps between executions (driver code)", float64(between), "ms"))
	if bigResult != nil {
		f.Evidence = append(f.Evidence, detectors.EvT(fmt.Sprintf("result bytes stage %d sent to the driver", bigResult.ID), float64(bigResult.Totals[appmodel.ResultSize]), "bytes", "≥", p.Param("largeResult")))
	}
	var worst *appmodel.SQLExecution
	for _, x := range longPlans {
		if worst == nil || planSize(x) > planSize(worst) {
			worst = x
		}
	}
	if worst != nil {
		f.Evidence = append(f.Evidence,
			detectors.Ev(fmt.Sprintf("operators in the plan of SQL execution %d", worst.ID), float64(planSize(worst)), "count"),
			detectors.Ev(fmt.Sprintf("plan versions of SQL execution %d (AQE re-plans)", worst.ID), float64(len(worst.Plans)), "count"))
	}
	if share >= p.Param("errorShare") {
		f.Severity = detectors.Error
	}
	f.Advice = driverAdvice(a, sqlTime, between, bigResult, worst)
	p.Report(f)
}

// streaming reports whether the application ran Structured Streaming
// queries (micro-batches wait for their trigger between jobs).
func streaming(a *appmodel.Application) bool {
	for _, q := range a.Streaming {
		if len(q.Batches) > 0 {
			return true
		}
	}
	return false
}

// inSQL returns how much of a gap lay inside SQL executions (planning,
// file listing, broadcast building happen there with no stage running) and
// the execution that covered most of it.
func inSQL(a *appmodel.Application, g gap) (int64, *appmodel.SQLExecution) {
	var best *appmodel.SQLExecution
	var bestOv int64
	type iv struct{ s, e int64 }
	var ivs []iv
	for _, x := range a.SQL {
		end := x.EndTime
		if end == 0 {
			end = g.end
		}
		s, e := max(x.StartTime, g.start), min(end, g.end)
		if x.StartTime <= 0 || e <= s {
			continue
		}
		ivs = append(ivs, iv{s, e})
		if e-s > bestOv {
			best, bestOv = x, e-s
		}
	}
	sort.Slice(ivs, func(i, j int) bool { return ivs[i].s < ivs[j].s })
	var total, cur int64
	cur = g.start
	for _, v := range ivs {
		s := max(v.s, cur)
		if v.e > s {
			total += v.e - s
			cur = v.e
		}
	}
	return total, best
}

// describe says where a gap was: "before job 3 (count at etl.py:42)".
func describe(a *appmodel.Application, g gap) string {
	switch {
	case g.kind == "startup" && g.after != nil:
		return "at startup, before " + jobLabel(a, g.after)
	case g.after == nil:
		return fmt.Sprintf("after the last stage (%d), before the application ended", g.before.ID)
	}
	s := "before " + jobLabel(a, g.after)
	if ov, x := inSQL(a, g); x != nil && ov > 0 {
		if ov*2 >= g.end-g.start {
			s += fmt.Sprintf(", inside SQL execution %d", x.ID)
		} else {
			s += fmt.Sprintf(", the last %s inside SQL execution %d", units.Millis(ov), x.ID)
		}
	}
	return s
}

func jobLabel(a *appmodel.Application, st *appmodel.Stage) string {
	label := fmt.Sprintf("stage %d", st.ID)
	for _, id := range st.JobIDs {
		for _, j := range a.Jobs {
			if j.ID != id {
				continue
			}
			label = fmt.Sprintf("job %d", j.ID)
			name := detectors.FirstLine(j.Description)
			if name == "" {
				name = detectors.FirstLine(j.Name)
			}
			if name != "" {
				if len(name) > 60 {
					name = name[:57] + "..."
				}
				label += " (" + name + ")"
			}
			return label
		}
	}
	return label
}

// longPlan reports whether an execution's plan is long enough that
// planning it (and re-planning it after every AQE stage) costs driver time.
func longPlan(x *appmodel.SQLExecution) bool {
	return planSize(x) >= 200 || len(x.Plans) > 10
}

func planSize(x *appmodel.SQLExecution) int {
	n := 0
	x.FinalPlan().Walk(func(*appmodel.PlanNode) bool { n++; return true })
	return n
}

func driverAdvice(a *appmodel.Application, inSQL, between int64, bigResult *appmodel.Stage, long *appmodel.SQLExecution) detectors.Advice {
	adv := detectors.Advice{}
	var parts []string
	parts = append(parts, "While no stage runs, the executors sit idle and the application waits on the driver (Q1).")
	if between >= inSQL {
		parts = append(parts, fmt.Sprintf("Most of it (%s) passed between SQL executions or jobs: code running on the driver between actions, such as Python or pandas work on collected data, "+
			"loops that submit one small job at a time, or sleeps and external calls. Do that work in Spark (DataFrame operations, pandas UDFs), "+
			"submit independent actions from several threads so their jobs overlap, and keep only small results on the driver.", units.Millis(between)))
	}
	if inSQL > 0 {
		parts = append(parts, fmt.Sprintf("%s passed inside SQL executions with no stage running: query planning, listing many files or partitions, schema inference, "+
			"building broadcast tables on the driver. Cut the number of files and partitions scanned, give the schema instead of inferring it, "+
			"and checkpoint very long query plans.", units.Millis(inSQL)))
	}
	if long != nil {
		parts = append(parts, fmt.Sprintf("SQL execution %d has a plan of %d operators that adaptive execution re-planned %d times: each re-plan is driver work that grows with the lineage. "+
			"Checkpoint or write out intermediate results in iterative code to cut the plan (Q21).", long.ID, planSize(long), len(long.Plans)-1))
	}
	if bigResult != nil {
		parts = append(parts, fmt.Sprintf("Stage %d returned %s of results to the driver before a gap: collecting large results makes the driver serialize, hold and process them alone. "+
			"Write them out from the executors or aggregate before collecting.", bigResult.ID, units.Bytes(bigResult.Totals[appmodel.ResultSize])))
		if detectors.HeapBytes(a, "spark.driver.memory", 1<<30) < 4<<30 {
			adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.driver.memory", Current: detectors.Current(a, "spark.driver.memory"),
				Suggested: detectors.HeapSetting(max(detectors.HeapBytes(a, "spark.driver.memory", 1<<30)*2, 4*bigResult.Totals[appmodel.ResultSize])),
				Why:       "the driver holds the collected results; if they must be collected, give it room for several copies"})
		}
	}
	adv.Explanation = strings.Join(parts, " ")
	return adv
}
