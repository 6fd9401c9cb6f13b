// Package skew detects stages whose slowest tasks take far longer than the
// rest, and tells a skewed partition (the slow task had far more data) from
// a straggler (normal data, a slow task or host).
package skew

import (
	"fmt"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Detector is SKEW001.
var Detector = &detectors.Detector{
	ID:       "SKEW001",
	Name:     "task-skew",
	Category: "skew",
	Severity: detectors.Warning,
	// skew: a skewed partition; straggler: a slow task with ordinary data;
	// slow-host: the stragglers of several stages on one executor (grouped
	// by triage).
	Problems: []string{"skew", "straggler", "slow-host"},
	Doc: detectors.Doc{
		Title: "a few tasks of a stage run far longer than the others",
		Text: `For every stage attempt with enough successful tasks, compares the longest task with the
median and the 75th percentile of the task durations. When the longest task is both many times
the median and well above the 75th percentile, and the excess is long enough to matter, the stage is
reported.

The finding then looks at the data the slowest tasks processed (input plus shuffle read):

- **skewed partition**: the slowest task read several times the median task's data. Some key
  holds far more rows than the others (Q3, Q6). The remedy depends on the operator: for joins,
  let AQE split the skewed partitions (with a threshold computed from this stage's partition
  sizes) or salt the key; for aggregations, aggregate in two phases on a salted key.
- **straggler**: the slowest task read about as much as the others. The time went somewhere else:
  a slow or overloaded host, GC, a slow external call. The finding names the executor and host.

When the stage's SQL plan shows an AQE skew split (AQEShuffleRead with skewed partitions) the
finding says so: AQE already acted and the skew that remains is beyond what it split.`,
		Thresholds: `Defaults follow the tools users already trust: DataFlint flags max/median above 10x
with a max over 5 s; spark-advisor warns at 5x with at least 10 tasks; Databricks' UI guide calls a
stage skewed when the max is over 1.5x the 75th percentile; Azure's HDInsight diagnosis uses 3x the
average and 30 s. We require max/median ≥ 5 and max/p75 ≥ 2 (a long tail alone is not skew; the p75 rule is
waived when the slowest holds skewed data and at most 30% of the tasks are slow or hold skewed data, as when a few hot
keys land on a quarter of the partitions), at least 5 tasks, at least 2 s of excess over the median, and a longest task lasting at least a quarter of the
stage's wall-clock time (one slow task among thousands of short ones does not hold a stage up), so that short test jobs stay quiet while
seconds-long skew in small runs is still caught. A slowest task with 3x the median data (and at
least 8 MiB) is a skewed partition. When the longest task read ordinary data (first-wave warm-up of
fresh executors, a slow host) while another task read skewed data, that task is reported from 3x
the median duration: warm-up must not hide the skew behind it. An executor whose median task, with
the same data, is 1.8x the other executors' (and 2 s longer) in at least two stages of at least 5
tasks, on a cluster of at least three executors, is a slow executor (a slow or busy host); its
stages are reported as stragglers and grouped into one finding. A task attempt killed because its
speculative copy succeeded, after 3x the median duration, is reported as info: speculation caught
the straggler, and the finding names where it ran.`,
		Questions: []string{"Q3", "Q6", "Q7"},
	},
	Params: []detectors.Param{
		{Name: "minTasks", Default: 5, Unit: "count", Doc: "successful tasks a stage needs before its distribution is judged"},
		{Name: "maxOverMedian", Default: 5, Unit: "ratio", Doc: "longest task over median task duration"},
		{Name: "maxOverP75", Default: 2, Unit: "ratio", Doc: "longest task over 75th-percentile duration"},
		{Name: "minExcessMs", Default: 2000, Unit: "ms", Doc: "longest task minus median must exceed this"},
		{Name: "heavyOverMedian", Default: 3, Unit: "ratio", Doc: "when the longest task read ordinary data (warm-up, a slow host), the task that read skewed data is reported from this many times the median duration"},
		{Name: "dataRatio", Default: 3, Unit: "ratio", Doc: "slowest task's data over the median task's data for a skewed partition"},
		{Name: "minSkewBytes", Default: 8 << 20, Unit: "bytes", Doc: "least data the slowest task must read to call the partition skewed"},
		{Name: "minStageShare", Default: 0.25, Unit: "share", Doc: "the longest task must last at least this share of the stage's wall-clock time"},
		{Name: "maxSlowShare", Default: 0.3, Unit: "share", Doc: "when the 75th percentile is itself slow, the largest share of slow tasks still called skew (they must also hold skewed data)"},
		{Name: "errorShare", Default: 0.3, Unit: "share", Doc: "raise to error when the estimated saving exceeds this share of the application's duration"},
		{Name: "slowHostRatio", Default: 1.8, Unit: "ratio", Doc: "median task on one executor over the median on the others, with the same data, for a slow executor"},
		{Name: "slowHostStages", Default: 2, Unit: "count", Doc: "stages in which an executor must be slow to be reported as a slow executor"},
	},
	Run: run,
}

type taskData struct {
	dur   int64
	data  int64 // input + shuffle read bytes
	exec  string
	host  string
	index int
}

func dataOf(t *appmodel.Task) int64 { return t.M[appmodel.InputBytes] + t.M.ShuffleReadBytes() }

// stageTasks are the facts of a stage's successful tasks, gathered in one
// pass over its task log without copying the tasks: the order statistics
// come from detectors.TaskRanks (exact, in bounded memory).
type stageTasks struct {
	st    *appmodel.Stage
	durs  *detectors.TaskRanks
	datas *detectors.TaskRanks
	slow  taskData // the longest task (the last of equal ones)
	heavy taskData // the task that read the most data (the longest of equal ones)
	nSlow int      // slowTasks' answer, -1 until asked
}

func gather(st *appmodel.Stage) *stageTasks {
	success := func(t *appmodel.Task) bool { return t.Status == appmodel.TaskSuccess }
	s := &stageTasks{st: st, nSlow: -1,
		durs:  detectors.NewTaskRanks(st, func(t *appmodel.Task) (int64, bool) { return t.M[appmodel.Duration], success(t) }),
		datas: detectors.NewTaskRanks(st, func(t *appmodel.Task) (int64, bool) { return dataOf(t), success(t) }),
	}
	st.Tasks(func(t *appmodel.Task) bool {
		if !success(t) {
			return true
		}
		td := taskData{dur: t.M[appmodel.Duration], data: dataOf(t), exec: t.Executor, host: t.Host, index: t.Index}
		if s.durs.N() == 0 || td.dur >= s.slow.dur {
			s.slow = td
		}
		if s.durs.N() == 0 || td.data > s.heavy.data || (td.data == s.heavy.data && td.dur > s.heavy.dur) {
			s.heavy = td
		}
		s.durs.Add(t)
		s.datas.Add(t)
		return true
	})
	return s
}

// slowTasks counts the tasks far slower than the median (a second pass
// over the task log, made once).
func (s *stageTasks) slowTasks(p *detectors.Pass, median int64) int {
	if s.nSlow >= 0 {
		return s.nSlow
	}
	n := 0
	s.st.Tasks(func(t *appmodel.Task) bool {
		if d := t.M[appmodel.Duration]; t.Status == appmodel.TaskSuccess && float64(d) >= p.Param("maxOverMedian")*float64(median) && d-median >= int64(p.Param("minExcessMs")) {
			n++
		}
		return true
	})
	s.nSlow = n
	return n
}

func run(p *detectors.Pass) {
	reported := map[[2]int]bool{}
	runStages(p, reported)
	speculated(p, reported)
	slowExecutors(p, reported)
}

func runStages(p *detectors.Pass, reported map[[2]int]bool) {
	a := p.App
	for _, st := range a.Stages {
		if st.Status == appmodel.StageSkipped || st.NumCompleteTasks < int(p.Param("minTasks")) {
			continue
		}
		ts := gather(st)
		n := ts.durs.N()
		if n < int(p.Param("minTasks")) {
			continue
		}
		q := ts.durs.At(n/2, min(n*3/4, n-1))
		median, p75 := q[0], q[1]
		heavy := false
		// When the longest task read ordinary data (a warm-up or a slow
		// host) but another read far more than the others and was itself
		// far slower than the median, that one is the skew to report.
		if h := ts.heavy; !skewedData(p, ts) && h.index != ts.slow.index && float64(h.data) >= p.Param("minSkewBytes") &&
			float64(h.data) >= p.Param("dataRatio")*float64(max(ts.datas.Median(), 1)) &&
			float64(h.dur) >= p.Param("heavyOverMedian")*float64(max(median, 1)) && float64(h.dur-median) >= p.Param("minExcessMs") {
			ts.slow = h
			heavy = true
		}
		slow := ts.slow
		if median < 1 {
			median = 1
		}
		if p75 < 1 {
			p75 = 1
		}
		ratio := float64(slow.dur) / float64(median)
		ratioP75 := float64(slow.dur) / float64(p75)
		excess := slow.dur - median
		if (!heavy && ratio < p.Param("maxOverMedian")) || float64(excess) < p.Param("minExcessMs") {
			continue
		}
		// A slow task that is a small part of a long stage (thousands of
		// short tasks) does not hold the stage up.
		if d := st.Duration(); d > 0 && float64(slow.dur) < p.Param("minStageShare")*float64(d) {
			continue
		}
		// A long tail (the 75th percentile close to the max) is not skew,
		// unless a minority of tasks holds most of the data: 4 hot keys
		// hashed to 4 of 16 partitions put the p75 on a hot task.
		// When the slow task holds skewed data, the minority that matters
		// is the tasks with skewed data: slow warm-up tasks of the first
		// wave do not make the skew a long tail.
		share := 1.0
		if skewedData(p, ts) {
			share = min(slowShare(p, ts, median), heavyShare(p, ts))
		}
		if ratioP75 < p.Param("maxOverP75") && !(skewedData(p, ts) && share <= p.Param("maxSlowShare")) {
			continue
		}
		report(p, st, ts, median, p75, slow, ratio, ratioP75, heavy)
		reported[st.Key()] = true
	}
}

// skewedData reports whether the slowest task read far more than the
// median task.
func skewedData(p *detectors.Pass, ts *stageTasks) bool {
	med := max(ts.datas.Median(), 1)
	return float64(ts.slow.data)/float64(med) >= p.Param("dataRatio") && float64(ts.slow.data) >= p.Param("minSkewBytes")
}

// heavyShare is the share of tasks that read skewed data (at least
// dataRatio times the median task's data and minSkewBytes).
func heavyShare(p *detectors.Pass, ts *stageTasks) float64 {
	med := float64(max(ts.datas.Median(), 1))
	n := 0
	ts.st.Tasks(func(t *appmodel.Task) bool {
		if d := float64(dataOf(t)); t.Status == appmodel.TaskSuccess && d >= p.Param("dataRatio")*med && d >= p.Param("minSkewBytes") {
			n++
		}
		return true
	})
	return float64(n) / float64(max(ts.durs.N(), 1))
}

// slowShare is the share of tasks far slower than the median.
func slowShare(p *detectors.Pass, ts *stageTasks, median int64) float64 {
	return float64(ts.slowTasks(p, median)) / float64(ts.durs.N())
}

func report(p *detectors.Pass, st *appmodel.Stage, ts *stageTasks, median, p75 int64, slow taskData, ratio, ratioP75 float64, heavy bool) {
	a := p.App
	medData := ts.datas.Median()
	maxData := ts.datas.Max()
	dataRatio := float64(slow.data) / float64(max(medData, 1))
	skewedPartition := dataRatio >= p.Param("dataRatio") && float64(slow.data) >= p.Param("minSkewBytes")
	// How many tasks are far slower than the median.
	nSlow := ts.slowTasks(p, median)

	nodes := detectors.StageNodes(a, st)
	join := detectors.FindNode(nodes, "SortMergeJoin", "ShuffledHashJoin", "BroadcastHashJoin", "BroadcastNestedLoopJoin", "CartesianProduct")
	agg := detectors.FindNode(nodes, "HashAggregate", "ObjectHashAggregate", "SortAggregate")
	window := detectors.FindNode(nodes, "Window")
	exchange := detectors.FindNode(nodes, "Exchange")
	var op *appmodel.PlanNode
	switch {
	case join != nil:
		op = join
	case window != nil:
		op = window
	case agg != nil:
		op = agg
	case exchange != nil:
		op = exchange
	}
	var keys []string
	for _, n := range []*appmodel.PlanNode{join, window, agg, exchange} {
		if n != nil {
			if keys = detectors.KeyColumns(n); len(keys) > 0 {
				break
			}
		}
	}
	aqeSkew := aqeSkewSplits(a, st)

	f := detectors.Finding{
		Subject:  detectors.StageSubject(st),
		CallSite: detectors.CallSite(a, st),
		Evidence: []detectors.Evidence{
			detectors.Ev("longest task", float64(slow.dur), "ms"),
			detectors.Ev("median task", float64(median), "ms"),
			detectors.Ev("75th percentile task", float64(p75), "ms"),
			detectors.EvT("longest / median", ratio, "ratio", "≥", p.Param("maxOverMedian")),
			detectors.EvT("longest / p75", ratioP75, "ratio", "≥", p.Param("maxOverP75")),
			detectors.EvT("excess over median", float64(slow.dur-median), "ms", "≥", p.Param("minExcessMs")),
			detectors.Ev("slow tasks", float64(nSlow), "count"),
			detectors.Ev("successful tasks", float64(ts.durs.N()), "count"),
			detectors.Ev("slowest task data", float64(slow.data), "bytes"),
			detectors.Ev("median task data", float64(medData), "bytes"),
			detectors.Ev("largest task data", float64(maxData), "bytes"),
		},
		Impact: detectors.StageImpact(a, st, slow.dur-median),
	}
	if op != nil {
		f.SQLOperator = op.Name
	}
	if f.Impact.SavingsMs > int64(p.Param("errorShare")*float64(detectors.AppDuration(a))) {
		f.Severity = detectors.Error
	}
	stageName := fmt.Sprintf("stage %d", st.ID)
	if st.Attempt > 0 {
		stageName += fmt.Sprintf(" (attempt %d)", st.Attempt)
	}
	keyCol := "key"
	if len(keys) > 0 {
		keyCol = keys[0]
	}
	if skewedPartition {
		f.Evidence = append(f.Evidence, detectors.EvT("slowest task data / median", dataRatio, "ratio", "≥", p.Param("dataRatio")))
		who := "the slowest task"
		if heavy {
			who = "the task with the most data"
		}
		f.Message = fmt.Sprintf("Skewed partition in %s: %s took %s (%s the median %s) and read %s, %s the median task",
			stageName, who, units.Millis(slow.dur), units.Ratio(ratio), units.Millis(median), units.Bytes(slow.data), units.Ratio(dataRatio))
		switch {
		case st.Totals[appmodel.InputBytes] > st.Totals.ShuffleReadBytes():
			// The stage reads files: the big partition is an input split.
			f.Message += "; the stage reads its input from files, so this is input-file skew"
			f.Advice = inputSkewAdvice(a, st, slow.data)
		case join != nil && !shuffledJoin(join):
			f.Advice = skewAdvice(a, st, false, agg != nil || window != nil, keyCol, keys, slow.data, medData, aqeSkew)
			f.Advice.Explanation = fmt.Sprintf("The skew is in the partitions this stage read before its %s: AQE's skew-join splitting only applies to "+
				"sort-merge and shuffled hash joins whose sides are both shuffled, so it cannot act here. ", join.Name) + f.Advice.Explanation
		default:
			f.Advice = skewAdvice(a, st, join != nil, agg != nil || window != nil, keyCol, keys, slow.data, medData, aqeSkew)
		}
	} else {
		f.Message = fmt.Sprintf("Straggler in %s: the slowest task took %s (%s the median %s) with ordinary data (%s, median %s) on executor %s (%s)",
			stageName, units.Millis(slow.dur), units.Ratio(ratio), units.Millis(median), units.Bytes(slow.data), units.Bytes(medData), slow.exec, slow.host)
		f.Subject.ExecutorID = slow.exec
		f.Advice = stragglerAdvice(a, st, slow)
	}
	if aqeSkew > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("partitions AQE split as skewed", float64(aqeSkew), "count"))
		f.Message += fmt.Sprintf("; AQE already split %d skewed partitions", aqeSkew)
	}
	p.Report(f)
}

// aqeSkewSplits returns the number of skewed partitions AQE handled in the
// stage's SQL execution.
func aqeSkewSplits(a *appmodel.Application, st *appmodel.Stage) int64 {
	x := detectors.SQLExecution(a, st)
	if x == nil {
		return 0
	}
	var n int64
	for _, node := range detectors.Nodes(x, "") {
		if node.Name != "AQEShuffleRead" && node.Name != "CustomShuffleReader" {
			continue
		}
		if v := detectors.MetricValue(node, "number of skewed partitions"); v > 0 {
			n += v
		}
	}
	return n
}

func skewAdvice(a *appmodel.Application, st *appmodel.Stage, isJoin, isAgg bool, keyCol string, keys []string, skewBytes, medBytes int64, aqeSkew int64) detectors.Advice {
	adv := detectors.Advice{Questions: []string{"Q3", "Q6", "Q7"}}
	keyList := strings.Join(keys, ", ")
	if keyList == "" {
		keyList = "the key"
	}
	aqe := detectors.AQEEnabled(a)
	skewJoin := detectors.PropBool(a, "spark.sql.adaptive.skewJoin.enabled", true)
	threshold := detectors.PropInt(a, "spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes", 256<<20)
	switch {
	case isJoin:
		adv.Explanation = fmt.Sprintf("A few values of the join key (%s) hold far more rows than the rest, so the tasks that get them do most of the work while the others wait. "+
			"Spark's adaptive execution can split such partitions when both sides are shuffled; otherwise spread the hot values by salting the key, or broadcast the smaller side if it fits.", keyList)
		if !aqe {
			adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.adaptive.enabled", Current: detectors.Current(a, "spark.sql.adaptive.enabled"), Suggested: "true", Why: "skew-join handling needs adaptive execution"})
		}
		if !skewJoin {
			adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.adaptive.skewJoin.enabled", Current: detectors.Current(a, "spark.sql.adaptive.skewJoin.enabled"), Suggested: "true", Why: "lets AQE split the skewed partitions of this join"})
		}
		if skewBytes < threshold || aqeSkew > 0 {
			// Make AQE see this partition as skewed: a threshold under its
			// size and over the typical one.
			sugg := max(skewBytes/2, 4*medBytes, 16<<20)
			adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes",
				Current: units.Bytes(threshold), Suggested: sizeConf(sugg),
				Why: fmt.Sprintf("the skewed partition here is %s, under the current threshold, so AQE would not split it", units.Bytes(skewBytes))})
			adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.adaptive.skewJoin.skewedPartitionFactor", Current: detectors.Current(a, "spark.sql.adaptive.skewJoin.skewedPartitionFactor"), Suggested: "3",
				Why: "treat a partition as skewed at 3x the median size"})
		}
	case isAgg:
		adv.Explanation = fmt.Sprintf("A few values of the grouping key (%s) hold most of the rows, so one task aggregates them alone. "+
			"Adaptive execution does not split aggregations; aggregate in two steps on a salted key so the hot values are spread over many tasks, or handle the hot values separately.", keyList)
	default:
		adv.Explanation = fmt.Sprintf("The rows are unevenly spread over the partitions of this stage (by %s). Repartition on a key with more even values, or salt the hot values.", keyList)
	}
	adv.Snippet = saltSnippet(keyCol, isJoin)
	return adv
}

// shuffledJoin reports whether AQE's skew-join handling can split a join's
// partitions: a sort-merge or shuffled hash join (both sides shuffled).
func shuffledJoin(n *appmodel.PlanNode) bool {
	return strings.HasPrefix(n.Name, "SortMergeJoin") || strings.HasPrefix(n.Name, "ShuffledHashJoin")
}

// inputSkewAdvice: the slow task read a larger input split than the
// others: one large or unsplittable file (gzip, a single CSV), or uneven
// files. Spark's input split size and the file layout decide it, not a key.
func inputSkewAdvice(a *appmodel.Application, st *appmodel.Stage, splitBytes int64) detectors.Advice {
	adv := detectors.Advice{Questions: []string{"Q3", "Q23", "Q13"}}
	cur := detectors.PropInt(a, "spark.sql.files.maxPartitionBytes", 128<<20)
	adv.Explanation = fmt.Sprintf("The slowest task read an input split of %s, far more than the others: one large file that cannot be split "+
		"(gzip or another non-splittable codec, a single JSON or CSV file read whole), or files of very uneven size. Store the input in a "+
		"splittable format (Parquet, ORC, or bzip2/uncompressed text), compact uneven files, lower the split size so that large files are cut "+
		"into more tasks, or repartition right after reading when the file cannot be split.", units.Bytes(splitBytes))
	if splitBytes > cur/2 && cur > 32<<20 {
		adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.files.maxPartitionBytes", Current: detectors.Current(a, "spark.sql.files.maxPartitionBytes"),
			Suggested: sizeConf(max(cur/2, 32<<20)), Why: "smaller input splits spread a large splittable file over more tasks"})
	}
	adv.Snippet = `df = spark.read.parquet(path).repartition(spark.sparkContext.defaultParallelism)  # when a file cannot be split`
	return adv
}

func stragglerAdvice(a *appmodel.Application, st *appmodel.Stage, slow taskData) detectors.Advice {
	adv := detectors.Advice{Questions: []string{"Q3", "Q1"}}
	adv.Explanation = fmt.Sprintf("The slowest task processed an ordinary amount of data, so the data is not skewed: the time went elsewhere "+
		"(executor %s on %s: a slow or busy host, long GC, a slow external call, a slow disk). Look at that executor's GC and logs; "+
		"speculative execution re-runs such tasks elsewhere.", slow.exec, slow.host)
	// Speculation re-runs a task on another executor: with a single local
	// executor there is nowhere else to run it.
	if !detectors.PropBool(a, "spark.speculation", false) && !detectors.LocalMode(a) {
		adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.speculation", Current: detectors.Current(a, "spark.speculation"), Suggested: "true",
			Why: "re-launch tasks that run far longer than their peers on another executor"})
	}
	return adv
}

func sizeConf(b int64) string {
	mb := (b + (1 << 20) - 1) >> 20
	return fmt.Sprintf("%dm", mb)
}

func saltSnippet(key string, join bool) string {
	if join {
		return fmt.Sprintf(`from pyspark.sql import functions as F
SALT = 32  # spread each hot %[1]s value over 32 tasks
big = big.withColumn("salt", (F.rand(seed=7) * SALT).cast("int"))
small = small.withColumn("salt", F.explode(F.array([F.lit(i) for i in range(SALT)])))
joined = big.join(small, on=["%[1]s", "salt"]).drop("salt")`, key)
	}
	return fmt.Sprintf(`from pyspark.sql import functions as F
SALT = 32  # spread each hot %[1]s value over 32 tasks
partial = (df.withColumn("salt", (F.rand(seed=7) * SALT).cast("int"))
             .groupBy("%[1]s", "salt").agg(F.sum("value").alias("partial")))
result = partial.groupBy("%[1]s").agg(F.sum("partial").alias("total"))`, key)
}
