// Package scheduling detects time lost outside the tasks' own work: per-task
// scheduling and serialization overhead across the application (SCHED001)
// and wall-clock time when no stage ran at all, i.e. work on the driver
// (DRIVER001).
package scheduling

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Overhead is SCHED001.
var Overhead = &detectors.Detector{
	ID:       "SCHED001",
	Name:     "task-overhead",
	Category: "scheduling",
	Severity: detectors.Warning,
	// The corpus shows a dominating task overhead only where there are far
	// too many partitions, the scenario Q14 describes, so the detector
	// answers for that label; PART002 names the stages, SCHED001 gives the
	// application's total and the cause.
	Problems: []string{"partitions-too-many"},
	Doc: detectors.Doc{
		Title: "scheduling and serialization overhead takes much of the task time",
		Text: `Adds up, over every task of the application, the time spent outside the task's own work:
scheduler delay (waiting for the driver to launch it and to hear back), deserializing the task,
serializing its result and fetching the result. It converts the overhead of each stage into
wall-clock time (the stage's duration times the overhead's share of its task time) and reports the
application when that overhead is a large share of all task time and of the application's
duration, or when the application ran so many tasks that the driver's bookkeeping itself becomes a
cost.

The finding lists the stages with the most overhead and tells the cause from the numbers (Q14,
Q1):

- **tiny tasks**: the median task of those stages runs under 100 ms, so the fixed per-task cost
  dominates: fewer partitions (PART002 names each stage), adaptive partition coalescing;
- **slow launches**: scheduler delay dominates with tasks of normal length: the driver is busy (a
  large task binary, too many concurrent jobs, a loaded driver host) and the advice points there;
- **large results**: result serialization and fetching dominate: tasks send big results to the
  driver (collect, toPandas) and the advice is to write them out or aggregate first.`,
		Thresholds: `Q14: more partitions make things worse when scheduling costs more than processing, and the
driver should track fewer than 100,000 tasks. Sparklens and Spark's UI show scheduler delay with no
verdict; spark-advisor's slot-use rule warns under 40% use. We report when the overhead is at least
30% of all task time, its wall-clock equivalent is at least 10 s and at least 10% of the
application's duration over at least 100 tasks (a short test job's launch and warm-up costs stay
quiet), or when the application ran
at least 100,000 tasks. The finding is an error when the overhead's wall-clock equivalent is 30%
of the application or more.`,
		Questions: []string{"Q14", "Q1"},
	},
	Params: []detectors.Param{
		{Name: "minShare", Default: 0.3, Unit: "share", Doc: "overhead share of all task time"},
		{Name: "minWallMs", Default: 10000, Unit: "ms", Doc: "least wall-clock equivalent of the overhead"},
		{Name: "minAppShare", Default: 0.1, Unit: "share", Doc: "least share of the application's duration"},
		{Name: "minTasks", Default: 100, Unit: "count", Doc: "least tasks in the application for the overhead rule (the first tasks' warm-up is not overhead)"},
		{Name: "maxTasks", Default: 100000, Unit: "count", Doc: "tasks in one application reported on their own (driver bookkeeping)"},
		{Name: "tinyTaskMs", Default: 100, Unit: "ms", Doc: "median task duration under which a stage's tasks are tiny"},
		{Name: "errorShare", Default: 0.3, Unit: "share", Doc: "raise to error when the overhead's wall-clock equivalent reaches this share of the application's duration"},
		{Name: "targetPartitionBytes", Default: 128 << 20, Unit: "bytes", Doc: "partition size the advice aims at (Q13)"},
	},
	Run: runOverhead,
}

type stageOverhead struct {
	st                            *appmodel.Stage
	tasks                         int
	sched, deser, resSer, getRes  int64
	overhead, run                 int64
	wall                          int64 // overhead's wall-clock equivalent
	medianDur                     int64
	resultBytes, data             int64
	shuffle                       bool
	sqlExec                       *appmodel.SQLExecution
	hasShuffleRead, hasInputBytes bool
}

func runOverhead(p *detectors.Pass) {
	a := p.App
	var all []stageOverhead
	var tasks int
	var ov, run, wall, sched, deser, resSer, getRes int64
	own := detectors.OwnWorkStages(a)
	for _, st := range a.Stages {
		// Spark's own jobs (a listing of thousands of one-path tasks) are
		// not the application's partitioning: their settings are elsewhere.
		if st.Status == appmodel.StageSkipped || own[st.Key()] != detectors.NotOwnWork {
			continue
		}
		so := stageOverhead{st: st, sqlExec: detectors.SQLExecution(a, st)}
		st.Tasks(func(t *appmodel.Task) bool {
			so.tasks++
			if !t.HasMetrics {
				return true
			}
			so.sched += t.M[appmodel.SchedulerDelay]
			so.deser += t.M[appmodel.DeserializeTime]
			so.resSer += t.M[appmodel.ResultSerializationTime]
			so.getRes += t.M[appmodel.GettingResultTime]
			so.run += t.M[appmodel.RunTime]
			so.resultBytes += t.M[appmodel.ResultSize]
			return true
		})
		so.overhead = so.sched + so.deser + so.resSer + so.getRes
		if so.overhead+so.run > 0 {
			so.wall = int64(float64(st.Duration()) * float64(so.overhead) / float64(so.overhead+so.run))
		}
		so.data = st.Totals[appmodel.InputBytes] + st.Totals.ShuffleReadBytes()
		so.hasShuffleRead = st.Totals.ShuffleReadBytes() > 0
		all = append(all, so)
		tasks += so.tasks
		ov += so.overhead
		run += so.run
		wall += so.wall
		sched += so.sched
		deser += so.deser
		resSer += so.resSer
		getRes += so.getRes
	}
	if tasks == 0 || ov+run <= 0 {
		return
	}
	appDur := detectors.AppDuration(a)
	share := float64(ov) / float64(ov+run)
	appShare := float64(wall) / float64(appDur)
	overheadRule := float64(tasks) >= p.Param("minTasks") && share >= p.Param("minShare") && float64(wall) >= p.Param("minWallMs") && appShare >= p.Param("minAppShare")
	manyRule := float64(tasks) >= p.Param("maxTasks")
	if !overheadRule && !manyRule {
		return
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].wall > all[j].wall })
	var top []stageOverhead
	for _, so := range all {
		if len(top) == 3 || so.wall <= 0 || (len(top) > 0 && so.wall*20 < wall) {
			break
		}
		top = append(top, so)
	}
	// The median task of the stages named (of the others it is not used):
	// a second pass over their task logs, without copying their tasks.
	for i := range top {
		top[i].medianDur, _ = detectors.StageMedian(top[i].st, func(t *appmodel.Task) (int64, bool) {
			return detectors.TaskDuration(t), t.HasMetrics && t.Status == appmodel.TaskSuccess
		})
	}

	// The cause: which component dominates, and whether the heavy stages
	// run tiny tasks.
	tiny := 0
	var tinyWall int64
	for _, so := range top {
		if float64(so.medianDur) < p.Param("tinyTaskMs") {
			tiny++
			tinyWall += so.wall
		}
	}
	cause := "tiny tasks"
	switch {
	case len(top) > 0 && tiny*2 >= len(top):
	case resSer+getRes >= sched && resSer+getRes >= deser:
		cause = "large results"
	case deser > sched:
		cause = "large tasks"
	default:
		cause = "slow launches"
	}

	f := detectors.Finding{
		Subject: detectors.Subject{Kind: detectors.SubjectApp, Name: a.Name},
		Impact: detectors.Impact{WallClockMs: wall, WallClockShare: min(appShare, 1), TaskTimeMs: ov,
			TaskTimeShare: share},
	}
	var stageList []string
	for _, so := range top {
		stageList = append(stageList, fmt.Sprintf("stage %d (%s tasks, %s)", so.st.ID, units.Count(int64(so.tasks)), units.Millis(so.wall)))
	}
	if len(top) > 0 {
		f.CallSite = detectors.CallSite(a, top[0].st)
	}
	if overheadRule {
		f.Message = fmt.Sprintf("Task overhead (scheduling, deserialization, results) took %s of all task time over %s tasks, about %s of wall-clock (%s of the application)",
			units.Percent(share), units.Count(int64(tasks)), units.Millis(wall), units.Percent(min(appShare, 1)))
	} else {
		f.Message = fmt.Sprintf("The application ran %s tasks; the driver tracks every one of them", units.Count(int64(tasks)))
	}
	if len(stageList) > 0 {
		f.Message += "; most in " + strings.Join(stageList, ", ")
	}
	f.Evidence = []detectors.Evidence{
		detectors.Ev("tasks", float64(tasks), "count"),
		detectors.Ev("task overhead", float64(ov), "ms"),
		detectors.Ev("scheduler delay", float64(sched), "ms"),
		detectors.Ev("task deserialization", float64(deser), "ms"),
		detectors.Ev("result serialization", float64(resSer), "ms"),
		detectors.Ev("getting results", float64(getRes), "ms"),
		detectors.Ev("executor run time", float64(run), "ms"),
	}
	if overheadRule {
		f.Evidence = append(f.Evidence,
			detectors.EvT("overhead share of task time", share, "share", "≥", p.Param("minShare")),
			detectors.EvT("overhead, wall-clock equivalent", float64(wall), "ms", "≥", p.Param("minWallMs")),
			detectors.EvT("share of the application's duration", appShare, "share", "≥", p.Param("minAppShare")))
	} else {
		f.Evidence = append(f.Evidence, detectors.Ev("overhead share of task time", share, "share"))
	}
	if manyRule {
		f.Evidence = append(f.Evidence, detectors.EvT("tasks in the application", float64(tasks), "count", "≥", p.Param("maxTasks")))
	}
	for _, so := range top {
		f.Evidence = append(f.Evidence, detectors.Ev(fmt.Sprintf("stage %d overhead, wall-clock equivalent (median task %s)", so.st.ID, units.Millis(so.medianDur)), float64(so.wall), "ms"))
	}
	if appShare >= p.Param("errorShare") {
		f.Severity = detectors.Error
	}
	f.Advice = overheadAdvice(p, cause, top, tasks, resSer+getRes)
	if cause == "tiny tasks" {
		// Merging the partitions removes most of the overhead of the
		// stages with tiny tasks.
		f.Impact.SavingsMs = tinyWall * 9 / 10
	}
	p.Report(f)
}

func overheadAdvice(p *detectors.Pass, cause string, top []stageOverhead, tasks int, resultMs int64) detectors.Advice {
	a := p.App
	adv := detectors.Advice{}
	slots := detectors.TaskSlots(a)
	switch cause {
	case "tiny tasks":
		adv.Explanation = "Most of the overhead comes from stages whose tasks run for a few milliseconds: each task pays a fixed cost to be scheduled, " +
			"shipped and reported, which here is more than its work (Q14). Fewer, larger partitions remove most of it; PART002 gives the count for each stage."
		// One shuffle partition count for the SQL stages: enough for the
		// largest shuffle of the application.
		var maxShuffle int64
		sqlTiny := false
		for _, st := range a.Stages {
			maxShuffle = max(maxShuffle, st.Totals.ShuffleReadBytes())
		}
		for _, so := range top {
			if so.sqlExec != nil && so.hasShuffleRead {
				sqlTiny = true
			}
		}
		if sqlTiny {
			target := int64(p.Param("targetPartitionBytes"))
			want := detectors.PartitionCount((maxShuffle+target-1)/target, slots)
			x := top[0].sqlExec
			cur, ok := detectors.SQLConf(a, x, "spark.sql.shuffle.partitions")
			if !ok {
				cur = "(default) 200"
			}
			adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.shuffle.partitions", Current: cur, Suggested: fmt.Sprint(want),
				Why: fmt.Sprintf("the largest shuffle of the application read %s; at up to %s per partition and at least one task per slot (%d) that is %d",
					units.Bytes(maxShuffle), units.Bytes(target), slots, want)})
			if !detectors.SQLAQEEnabled(a, x) {
				adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.adaptive.enabled", Current: detectors.Current(a, "spark.sql.adaptive.enabled"), Suggested: "true",
					Why: "adaptive execution merges small shuffle partitions after every shuffle"})
			}
		} else {
			adv.Explanation += " For RDD code, create the data with fewer partitions (numSlices, minPartitions) or coalesce() before the expensive steps."
		}
	case "large results":
		adv.Explanation = fmt.Sprintf("Serializing task results and fetching them to the driver took %s: the tasks return large results (collect, toPandas, take of wide rows). "+
			"Write large results to storage from the executors, aggregate before collecting, or with PySpark use Arrow for toPandas.", units.Millis(resultMs))
		if _, ok := a.SparkProps["spark.sql.execution.arrow.pyspark.enabled"]; !ok && pySpark(a) {
			adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.execution.arrow.pyspark.enabled", Current: "(default) false", Suggested: "true",
				Why: "toPandas and createDataFrame from pandas move columnar batches instead of pickled rows"})
		}
	case "large tasks":
		adv.Explanation = "Deserializing tasks on the executors took longer than scheduling them: the tasks carry large closures (a big local variable, a lookup table " +
			"captured by a function). Ship large read-only data once per executor with a broadcast variable instead of inside every task."
	default:
		adv.Explanation = "Scheduler delay dominates although the tasks are not tiny: the driver launches tasks slowly. Look for a busy driver (other work on " +
			"the driver host, many concurrent jobs, garbage collection on the driver), large task binaries, or a slow network between driver and executors."
	}
	if tasks >= int(p.Param("maxTasks")) {
		adv.Explanation += fmt.Sprintf(" The application ran %s tasks: the driver keeps state and events for each, so keep jobs under about 100,000 tasks (Q14).", units.Count(int64(tasks)))
	}
	return adv
}

// pySpark reports whether the driver program was Python: a stage named
// after a .py line, or a Py4J frame in a SQL execution's call stack.
func pySpark(a *appmodel.Application) bool {
	for _, st := range a.Stages {
		if strings.Contains(st.Name, ".py:") {
			return true
		}
	}
	for _, x := range a.SQL {
		if strings.Contains(x.Details, "py4j.") {
			return true
		}
	}
	return false
}
