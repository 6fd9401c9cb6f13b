// Package gc detects stages and executors whose tasks spent a large share
// of their run time in JVM garbage collection.
package gc

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Detector is GC001.
var Detector = &detectors.Detector{
	ID:       "GC001",
	Name:     "gc-pressure",
	Category: "memory",
	Severity: detectors.Warning,
	Problems: []string{"gc-pressure"},
	Doc: detectors.Doc{
		Title: "tasks spend a large share of their time in garbage collection",
		Text: `Compares the JVM garbage-collection time the tasks reported with their executor run time, per
stage attempt and per executor. A stage is reported when GC took a large share of its run time and
enough time in absolute terms; the stages with the most GC time come first (at most five
findings). An executor is reported on its own when its GC share is high and at least twice the
median of the executors: one JVM under pressure (more tasks, larger partitions, a cache) while the
others are fine.

The finding gives the GC time and share, the executor heap setting and, when the log has executor
metrics, the peak heap used, and the data each task processed. The advice (Q1) is computed from
the log: a larger heap (spark.executor.memory, or spark.driver.memory in local mode) in proportion
to the GC share, fewer concurrent tasks per executor when many share one heap, more partitions
when each task holds a large partition, serialized or disk-backed caching when cached data fills
the heap, and the G1 collector for large heaps on Java 8.`,
		Thresholds: `Dr. Elephant rates GC time over run time at 0.08 / 0.10 / 0.15 / 0.20; spark-advisor warns at 20%
and is critical at 40%; the History Server paints GC time red above 10% of task time; SparkScope
warns at 5%. We report at 20% (the level where Dr. Elephant is severe and spark-advisor warns) with
at least 2 s of GC in the stage, so that the GC noise of short tasks in small runs stays quiet; the
finding is an error at 40% (spark-advisor's critical level) when the stage also takes 10% of the
application's duration.`,
		Questions: []string{"Q1", "Q2"},
	},
	Params: []detectors.Param{
		{Name: "minShare", Default: 0.2, Unit: "share", Doc: "GC time over executor run time"},
		{Name: "minGCMs", Default: 2000, Unit: "ms", Doc: "least GC time of a stage or executor"},
		{Name: "errorShare", Default: 0.4, Unit: "share", Doc: "GC share that makes the finding an error (with errorAppShare)"},
		{Name: "errorAppShare", Default: 0.1, Unit: "share", Doc: "stage share of the application's duration needed for an error"},
		{Name: "executorOutlier", Default: 2, Unit: "ratio", Doc: "executor GC share over the median executor's for an executor finding"},
		{Name: "maxFindings", Default: 5, Unit: "count", Doc: "most stage findings reported, by GC time"},
		{Name: "largePartition", Default: 128 << 20, Unit: "bytes", Doc: "data per task from which more partitions are advised"},
	},
	Run: run,
}

type stageGC struct {
	st       *appmodel.Stage
	gc, run  int64
	share    float64
	perTask  int64
	maxTasks int
}

func run(p *detectors.Pass) {
	a := p.App
	var hits []stageGC
	for _, st := range a.Stages {
		if st.Status == appmodel.StageSkipped {
			continue
		}
		gc, rt := st.Totals[appmodel.GCTime], st.Totals[appmodel.RunTime]
		if rt <= 0 || float64(gc) < p.Param("minGCMs") || gc > rt {
			// GC time over run time cannot be: the task metrics are not
			// the JVM's (GPU plugins report their own run time).
			continue
		}
		share := float64(gc) / float64(rt)
		if share < p.Param("minShare") {
			continue
		}
		in, _ := detectors.StageInputBytes(a, st)
		per := (in + st.Totals.ShuffleReadBytes()) / int64(max(st.NumTasks, 1))
		hits = append(hits, stageGC{st: st, gc: gc, run: rt, share: min(share, 1), perTask: per})
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].gc > hits[j].gc })
	for i, h := range hits {
		if i >= int(p.Param("maxFindings")) {
			break
		}
		reportStage(p, h, len(hits))
	}
	executors(p)
}

func reportStage(p *detectors.Pass, h stageGC, nStages int) {
	a := p.App
	st := h.st
	// GC pauses stop the task; removing most of the excess over a healthy
	// 5% saves that share of the stage's wall-clock time.
	savings := int64(float64(st.Duration()) * max(h.share-0.05, 0))
	f := detectors.Finding{
		Subject:  detectors.StageSubject(st),
		CallSite: detectors.CallSite(a, st),
		Impact:   detectors.StageImpact(a, st, savings),
	}
	f.Message = fmt.Sprintf("%s spent %s of its task run time in garbage collection (%s of %s)",
		capital(stageName(st)), units.Percent(h.share), units.Millis(h.gc), units.Millis(h.run))
	if nStages > 1 {
		f.Message += fmt.Sprintf("; %d stages are over %s", nStages, units.Percent(p.Param("minShare")))
	}
	f.Evidence = []detectors.Evidence{
		detectors.EvT("GC time / run time", h.share, "share", "≥", p.Param("minShare")),
		detectors.EvT("GC time", float64(h.gc), "ms", "≥", p.Param("minGCMs")),
		detectors.Ev("executor run time", float64(h.run), "ms"),
		detectors.Ev("tasks", float64(st.NumTasks), "count"),
		detectors.Ev("data per task (input + shuffle read)", float64(h.perTask), "bytes"),
	}
	if v := st.PeakExecutorMetrics["JVMHeapMemory"]; v > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("peak JVM heap used", float64(v), "bytes"))
	}
	if v := st.Totals[appmodel.MemoryBytesSpilled]; v > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("memory spilled", float64(v), "bytes"))
	}
	if n := detectors.FindNode(detectors.StageNodes(a, st), "SortMergeJoin", "ShuffledHashJoin", "BroadcastHashJoin", "HashAggregate", "ObjectHashAggregate", "SortAggregate", "Window", "Sort", "InMemoryTableScan", "Generate"); n != nil {
		f.SQLOperator = n.Name
	}
	if h.share >= p.Param("errorShare") && f.Impact.WallClockShare >= p.Param("errorAppShare") {
		f.Severity = detectors.Error
	}
	f.Advice = advise(p, h.share, h.perTask, st)
	p.Report(f)
}

// executors reports executors whose GC share stands out.
func executors(p *detectors.Pass) {
	a := p.App
	type ex struct {
		e     *appmodel.Executor
		share float64
	}
	var xs []ex
	for _, e := range a.Executors {
		if e.ID == "driver" || e.TotalDuration <= 0 {
			continue
		}
		xs = append(xs, ex{e, float64(e.TotalGCTime) / float64(e.TotalDuration)})
	}
	if len(xs) < 2 {
		return
	}
	shares := make([]float64, len(xs))
	for i, x := range xs {
		shares[i] = x.share
	}
	sort.Float64s(shares)
	med := shares[len(shares)/2]
	for _, x := range xs {
		if x.share < p.Param("minShare") || float64(x.e.TotalGCTime) < p.Param("minGCMs") || x.share < p.Param("executorOutlier")*med {
			continue
		}
		f := detectors.Finding{
			Subject: detectors.Subject{Kind: detectors.SubjectExecutor, ExecutorID: x.e.ID, Name: x.e.Host},
			Impact: detectors.Impact{WallClockMs: x.e.TotalGCTime / int64(max(x.e.MaxTasks, x.e.TotalCores, 1)), WallClockShare: 0,
				TaskTimeMs: x.e.TotalGCTime, TaskTimeShare: min(float64(x.e.TotalGCTime)/float64(detectors.TotalTaskTime(a)), 1)},
		}
		f.Impact.WallClockShare = min(float64(f.Impact.WallClockMs)/float64(detectors.AppDuration(a)), 1)
		f.Message = fmt.Sprintf("Executor %s (%s) spent %s of its task time in garbage collection (%s), %s the median executor's %s",
			x.e.ID, x.e.Host, units.Percent(x.share), units.Millis(x.e.TotalGCTime), units.Ratio(x.share/max(med, 0.001)), units.Percent(med))
		f.Evidence = []detectors.Evidence{
			detectors.EvT("GC time / task time", x.share, "share", "≥", p.Param("minShare")),
			detectors.EvT("GC time", float64(x.e.TotalGCTime), "ms", "≥", p.Param("minGCMs")),
			detectors.EvT("over the median executor", x.share/max(med, 0.001), "ratio", "≥", p.Param("executorOutlier")),
			detectors.Ev("task time", float64(x.e.TotalDuration), "ms"),
			detectors.Ev("tasks", float64(x.e.TotalTasks), "count"),
		}
		if v := x.e.PeakMemoryMetrics["JVMHeapMemory"]; v > 0 {
			f.Evidence = append(f.Evidence, detectors.Ev("peak JVM heap used", float64(v), "bytes"))
		}
		f.Advice = detectors.Advice{Explanation: fmt.Sprintf("Only this executor is under GC pressure: it ran more or larger tasks than the others, held more cached blocks, " +
			"or shares its host with other work. Compare its tasks and cached data with the other executors' and look at its GC log; " +
			"if its host is shared or slow, exclude it or let speculation re-run its tasks.")}
		p.Report(f)
	}
}

func advise(p *detectors.Pass, share float64, perTask int64, st *appmodel.Stage) detectors.Advice {
	a := p.App
	adv := detectors.Advice{}
	key := detectors.HeapKey(a)
	heap := detectors.HeapBytes(a, key, 1<<30)
	var parts []string
	parts = append(parts, fmt.Sprintf("The JVM paused the tasks to collect garbage for %s of their run time: the heap is too small for what the concurrent tasks keep alive "+
		"(rows being sorted, aggregated or joined, cached blocks, large objects built in user code), so the collector runs often and frees little.", units.Percent(share)))
	// Scale the heap with the pressure: at 20% GC half as much again, at
	// 40% or more twice as much.
	factor := 1.5
	if share >= 0.4 {
		factor = 2
	}
	adv.Changes = append(adv.Changes, detectors.Change{Key: key, Current: detectors.Current(a, key), Suggested: detectors.HeapSetting(int64(float64(heap) * factor)),
		Why: fmt.Sprintf("%s of the run time went to GC with a %s heap", units.Percent(share), units.Bytes(heap))})
	cores := coresPerExecutor(a)
	if !detectors.LocalMode(a) && cores >= 4 {
		adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.executor.cores", Current: detectors.Current(a, "spark.executor.cores"), Suggested: fmt.Sprint(max(cores/2, 2)),
			Why: fmt.Sprintf("%d tasks share each heap; fewer concurrent tasks leave each more memory", cores)})
	}
	if perTask >= int64(p.Param("largePartition")) {
		slots := detectors.TaskSlots(a)
		target := int64(p.Param("largePartition"))
		data := perTask * int64(st.NumTasks)
		// The same target partition size as the partition findings, so
		// that two findings never advise two different counts.
		want := detectors.PartitionCount((data+target-1)/target, slots)
		if want > int64(st.NumTasks) {
			adv.Changes = append(adv.Changes, detectors.PartitionChanges(a, st, want, target,
				fmt.Sprintf("each task of %s processed %s; smaller partitions keep less alive at once", stageName(st), units.Bytes(perTask)))...)
		}
	}
	if cached := cachedInMemory(a); cached > 0 {
		parts = append(parts, fmt.Sprintf("The application keeps %s of cached data deserialized in the heap: persist with MEMORY_AND_DISK_SER (or DISK_ONLY) "+
			"and unpersist what is no longer read.", units.Bytes(cached)))
	}
	if opts := a.SparkProps["spark.executor.extraJavaOptions"]; heap >= 4<<30 && javaMajor(a) == 8 && !explicitCollector(opts) {
		// Keep what the application already passes (-Dhdp.version=…, agents)
		// and add the collector.
		adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.executor.extraJavaOptions", Current: detectors.Current(a, "spark.executor.extraJavaOptions"),
			Suggested: strings.TrimSpace(opts + " -XX:+UseG1GC"),
			Why:       "Java 8 defaults to the parallel collector, whose full pauses grow with large heaps; the options already set are kept"})
	}
	if detectors.LocalMode(a) {
		parts = append(parts, "In local mode the driver JVM runs the tasks: its heap is set with spark.driver.memory when the JVM starts.")
	}
	adv.Explanation = strings.Join(parts, " ")
	return adv
}

// explicitCollector reports whether JVM options choose a garbage collector
// (-XX:+UseG1GC, -XX:+UseParallelGC, -XX:+UseConcMarkSweepGC, ZGC, ...): a
// choice the advice respects.
func explicitCollector(opts string) bool {
	for _, f := range strings.Fields(opts) {
		if strings.HasPrefix(f, "-XX:+Use") && strings.HasSuffix(f, "GC") {
			return true
		}
	}
	return false
}

// cachedInMemory is the largest memory the application's cached RDDs took.
func cachedInMemory(a *appmodel.Application) int64 {
	var n int64
	for _, r := range a.RDDs {
		if r.StorageLevel.UseMemory && r.StorageLevel.Deserialized {
			n += max(r.MaxMemorySize, r.MemorySize)
		}
	}
	return n
}

// javaMajor is the major Java version of the driver (8 for "1.8.0_292"),
// 0 when unknown.
func javaMajor(a *appmodel.Application) int {
	v := a.JVM["Java Version"]
	if strings.HasPrefix(v, "1.") {
		v = v[2:]
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

func coresPerExecutor(a *appmodel.Application) int {
	if detectors.LocalMode(a) {
		return detectors.TaskSlots(a)
	}
	n := 0
	for _, e := range a.Executors {
		if e.ID == "driver" {
			continue
		}
		n = max(n, e.MaxTasks, e.TotalCores)
	}
	if n == 0 {
		n = int(detectors.PropInt(a, "spark.executor.cores", 1))
	}
	return max(n, 1)
}

func stageName(st *appmodel.Stage) string {
	if st.Attempt > 0 {
		return fmt.Sprintf("stage %d (attempt %d)", st.ID, st.Attempt)
	}
	return fmt.Sprintf("stage %d", st.ID)
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
