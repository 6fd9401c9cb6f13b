// Package partitions detects shuffle stages with too few partitions (each
// too large, spilling or leaving cores idle) and stages with too many tiny
// partitions (per-task overhead dominates), and computes the partition count
// the data calls for.
package partitions

import (
	"fmt"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// TooFew is PART001.
var TooFew = &detectors.Detector{
	ID:       "PART001",
	Name:     "partitions-too-few",
	Category: "partitioning",
	Severity: detectors.Warning,
	Problems: []string{"partitions-too-few"},
	Doc: detectors.Doc{
		Title: "shuffle stages read too few, too large partitions",
		Text: `For every stage that read shuffle data, divides the bytes it read by its number of partitions
(tasks). The stage is reported when its partitions are too large:

- over ~1 GiB each, whatever else happened;
- large (64 MiB or more) and the stage spilled to disk, when the data would fit in memory with
  at least twice as many partitions;
- large (128 MiB or more) with fewer partitions than half the task slots, so cores sat idle
  during a long stage.

Stages where most partitions got no data are left alone: the key has too few distinct values and
more partitions would stay empty (that is skew, SKEW001).

The advice gives the partition count computed from this stage (Q13): the bytes it shuffled divided
by a target partition size of 128 MiB (or less, when the spilling tasks show that less fits in
their execution memory), rounded up to a multiple of the task slots and to a round number. For
SQL stages that is spark.sql.shuffle.partitions; when adaptive execution coalesces partitions the
advice raises the initial partition number (AQE can merge partitions but never split them) or
lowers spark.sql.adaptive.advisoryPartitionSizeInBytes when AQE merged the partitions to this size.
RDD shuffles get spark.default.parallelism (or the numPartitions argument).

A coalesce without shuffle is reported too: coalesce(1) before a write adds no shuffle, so the scan
and the computation before it run in that single task while the other cores wait (Q10). The advice
is repartition(), which shuffles once and keeps the work before it parallel.`,
		Thresholds: `Q13 of the question bank targets 100-200 MB per partition and computes the count as the data
size over 128 MB; DataFlint flags partitions over 5 GB; spark-advisor compares the largest shuffle
over 128 MB with the partition count and warns outside 0.5-3x; the RAPIDS AutoTuner doubles the
shuffle partitions of spilling stages. We report partitions over 1 GiB (8x the target: the task
works on far more than its memory share), or over 64 MiB in a stage that spilled at least 10 MiB
(SPILL001's floor) where the computed count is at least twice the current one, or over 128 MiB
with fewer tasks than half the slots in a stage of at least 5 s. The same 128 MiB and 5 s apply
to a stage that a coalesce without shuffle (coalesce(1) before a write) squeezed into fewer tasks
than half the slots: it scans, computes and writes in those few tasks.`,
		Questions: []string{"Q13", "Q2"},
	},
	Params: []detectors.Param{
		{Name: "maxPartitionBytes", Default: 1 << 30, Unit: "bytes", Doc: "average shuffle partition size reported on its own"},
		{Name: "spillPartitionBytes", Default: 64 << 20, Unit: "bytes", Doc: "average partition size reported when the stage spilled"},
		{Name: "minSpill", Default: 10 << 20, Unit: "bytes", Doc: "disk spill that makes a stage with large partitions a finding"},
		{Name: "minIncrease", Default: 2, Unit: "ratio", Doc: "computed partition count over the current one needed for the spill rule"},
		{Name: "idlePartitionBytes", Default: 128 << 20, Unit: "bytes", Doc: "average partition size for the idle-cores rule"},
		{Name: "minStageMs", Default: 5000, Unit: "ms", Doc: "least stage duration for the idle-cores rule"},
		{Name: "targetPartitionBytes", Default: 128 << 20, Unit: "bytes", Doc: "partition size the advice aims at (Q13: 100-200 MB)"},
		{Name: "errorShare", Default: 0.3, Unit: "share", Doc: "raise to error when the stage takes this share of the application's duration and spilled or left cores idle"},
	},
	Run: runTooFew,
}

// TooMany is PART002.
var TooMany = &detectors.Detector{
	ID:       "PART002",
	Name:     "partitions-too-many",
	Category: "partitioning",
	Severity: detectors.Warning,
	Problems: []string{"partitions-too-many"},
	Doc: detectors.Doc{
		Title: "stages run many tiny tasks whose overhead dominates",
		Text: `For every stage with many tasks that reads shuffle data (or no data at all: parallelize, range),
looks at the median task duration and the data per task. A stage is reported when its tasks are
tiny (small partitions, short median task) and the per-task overhead, i.e. scheduler delay, task
deserialization and result serialization and fetching, is a large part of the task time, so that
merging the partitions would save real wall-clock time. The default of 200 shuffle partitions on a
tiny shuffle with adaptive execution off is the commonest case; it is named as such.

Scan stages with many small input splits are left to the small-files detectors.

The advice computes the partition count from the data (Q13, Q14): the bytes the stage read over
128 MiB, at least the number of task slots, rounded to a multiple of the slots; for SQL stages
spark.sql.shuffle.partitions, plus turning on adaptive execution and its partition coalescing when
they are off, which merges small shuffle partitions automatically.`,
		Thresholds: `Q14 of the question bank: more partitions hurt when scheduling overhead exceeds the work, e.g.
100 partitions for 100 MB. spark-advisor warns when the average input per task is under 10 MB;
DataFlint flags stages of over 5000 tasks with a median under 500 ms. We report stages with at
least 200 tasks (Spark's default shuffle partition count), under 10 MiB per task, a median task
under 100 ms, and an estimated saving of at least 2 s (the stage's duration times the overhead's
share of its task time times the share of tasks that would go away), so that the 200 default
partitions of a small test job's sub-second stage stay quiet.`,
		Questions: []string{"Q14", "Q13"},
	},
	Params: []detectors.Param{
		{Name: "minTasks", Default: 200, Unit: "count", Doc: "least tasks of a stage"},
		{Name: "maxPartitionBytes", Default: 10 << 20, Unit: "bytes", Doc: "average data per task (input + shuffle read) under which partitions are tiny"},
		{Name: "maxMedianMs", Default: 100, Unit: "ms", Doc: "median task duration under which tasks are tiny"},
		{Name: "minSavingsMs", Default: 2000, Unit: "ms", Doc: "least estimated wall-clock saving"},
		{Name: "targetPartitionBytes", Default: 128 << 20, Unit: "bytes", Doc: "partition size the advice aims at (Q13: 100-200 MB)"},
		{Name: "errorShare", Default: 0.3, Unit: "share", Doc: "raise to error when the estimated saving exceeds this share of the application's duration"},
	},
	Run: runTooMany,
}

// stageFacts are what the partition rules need of a stage's successful
// tasks with metrics, gathered in one pass over its task log without
// copying the tasks (memory per stage stays bounded, see
// detectors.TaskRanks).
type stageFacts struct {
	n        int // successful tasks with metrics
	nonEmpty int
	overhead int64 // summed per-task overhead
	run      int64 // summed executor run time
	durs     *detectors.TaskRanks
	fits     *detectors.TaskRanks
}

func measured(t *appmodel.Task) bool { return t.HasMetrics && t.Status == appmodel.TaskSuccess }

// taskData is the data a task read: input plus shuffle read bytes.
func taskData(t *appmodel.Task) int64 { return t.M[appmodel.InputBytes] + t.M.ShuffleReadBytes() }

func facts(st *appmodel.Stage) stageFacts {
	f := stageFacts{
		durs: detectors.NewTaskRanks(st, func(t *appmodel.Task) (int64, bool) {
			return detectors.TaskDuration(t), measured(t)
		}),
		fits: detectors.NewTaskRanks(st, fitOf),
	}
	st.Tasks(func(t *appmodel.Task) bool {
		if !measured(t) {
			return true
		}
		f.n++
		if taskData(t) > 0 {
			f.nonEmpty++
		}
		f.overhead += detectors.TaskOverhead(&t.M)
		f.run += t.M[appmodel.RunTime]
		f.durs.Add(t)
		f.fits.Add(t)
		return true
	})
	return f
}

// fitOf is the partition size that would have fit in the execution memory
// a spilling task had: a task that peaked at P bytes and spilled S more
// (deserialized) could hold about data × P/(P+S) of its partition.
func fitOf(t *appmodel.Task) (int64, bool) {
	spilled := t.M[appmodel.MemoryBytesSpilled] > 0 || t.M[appmodel.DiskBytesSpilled] > 0
	data, peak, mem := taskData(t), t.M[appmodel.PeakExecutionMemory], t.M[appmodel.MemoryBytesSpilled]
	if !measured(t) || !spilled || data <= 0 || peak <= 0 {
		return 0, false
	}
	return int64(float64(data) * float64(peak) / float64(peak+mem)), true
}

// fitTarget is the partition size that would have fit in the execution
// memory the spilling tasks had (the median of fitOf, less a margin). It
// returns target when no task spilled.
func fitTarget(f stageFacts, target int64) int64 {
	if f.fits.N() == 0 {
		return target
	}
	return min(target, max(f.fits.Median()*8/10, 1<<20))
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

// shuffleReader returns the operator that consumed the stage's shuffle
// read: a join, aggregation, window or sort that ran in the stage.
func shuffleReader(a *appmodel.Application, st *appmodel.Stage) *appmodel.PlanNode {
	nodes := detectors.StageNodes(a, st)
	for _, group := range [][]string{
		{"SortMergeJoin", "ShuffledHashJoin"},
		{"HashAggregate", "ObjectHashAggregate", "SortAggregate"},
		{"Window"},
		{"Sort", "TakeOrderedAndProject"},
	} {
		if n := detectors.FindNode(nodes, group...); n != nil {
			return n
		}
	}
	return nil
}

func runTooFew(p *detectors.Pass) {
	runShuffled(p)
	runCoalesced(p)
}

func runShuffled(p *detectors.Pass) {
	a := p.App
	slots := detectors.TaskSlots(a)
	for _, st := range a.Stages {
		if st.Status == appmodel.StageSkipped || st.NumTasks <= 0 {
			continue
		}
		bytes := st.Totals.ShuffleReadBytes()
		if bytes <= 0 {
			continue
		}
		n := int64(st.NumTasks)
		per := bytes / n
		if float64(per) < p.Param("spillPartitionBytes") {
			continue
		}
		f := facts(st)
		if n >= 4 && f.nonEmpty > 0 && int64(f.nonEmpty)*2 < n {
			continue // few distinct keys: more partitions would stay empty
		}
		disk := st.Totals[appmodel.DiskBytesSpilled]
		target := int64(p.Param("targetPartitionBytes"))
		spilled := float64(disk) >= p.Param("minSpill")
		if spilled {
			target = fitTarget(f, target)
		}
		want := detectors.PartitionCount((bytes+target-1)/target, slots)
		huge := float64(per) >= p.Param("maxPartitionBytes")
		spillRule := spilled && float64(want) >= p.Param("minIncrease")*float64(n)
		idle := float64(per) >= p.Param("idlePartitionBytes") && n*2 <= int64(slots) && float64(st.Duration()) >= p.Param("minStageMs")
		if !huge && !spillRule && !idle {
			continue
		}
		var savings int64
		if idle {
			// The stage ran n tasks at once on `slots` slots: with want
			// partitions it would use min(want, slots) of them.
			savings = st.Duration() - st.Duration()*n/int64(min(want, int64(slots)))
		}
		fd := detectors.Finding{
			Subject:  detectors.StageSubject(st),
			CallSite: detectors.CallSite(a, st),
			Impact:   detectors.StageImpact(a, st, savings),
		}
		ex := detectors.ShuffleExchange(a, st)
		userN, user := detectors.UserRepartition(ex)
		if op := shuffleReader(a, st); op != nil && !user {
			fd.SQLOperator = op.Name
			fd.Subject.PlanNodeID = detectors.Ptr(op.ID)
		} else if ex != nil {
			fd.SQLOperator = ex.Name
			fd.Subject.PlanNodeID = detectors.Ptr(ex.ID)
		}
		fd.Message = fmt.Sprintf("%s read %s of shuffle data in only %d partitions (%s each)", capital(stageName(st)), units.Bytes(bytes), n, units.Bytes(per))
		if user {
			fd.Message += fmt.Sprintf(" made by repartition(%d)", userN)
		}
		switch {
		case spilled:
			fd.Message += fmt.Sprintf(" and spilled %s to disk", units.Bytes(disk))
		case idle:
			fd.Message += fmt.Sprintf(" on %d task slots", slots)
		}
		fd.Message += fmt.Sprintf("; about %d partitions of %s would fit", want, units.Bytes(bytes/want))
		fd.Evidence = []detectors.Evidence{
			detectors.Ev("partitions (tasks)", float64(n), "count"),
			detectors.Ev("shuffle read", float64(bytes), "bytes"),
		}
		switch {
		case huge:
			fd.Evidence = append(fd.Evidence, detectors.EvT("average partition", float64(per), "bytes", "≥", p.Param("maxPartitionBytes")))
		case spillRule:
			fd.Evidence = append(fd.Evidence, detectors.EvT("average partition", float64(per), "bytes", "≥", p.Param("spillPartitionBytes")))
		default:
			fd.Evidence = append(fd.Evidence, detectors.EvT("average partition", float64(per), "bytes", "≥", p.Param("idlePartitionBytes")))
		}
		if spilled {
			fd.Evidence = append(fd.Evidence, detectors.EvT("disk spill", float64(disk), "bytes", "≥", p.Param("minSpill")))
		}
		fd.Evidence = append(fd.Evidence,
			detectors.Ev("task slots", float64(slots), "count"),
			detectors.Ev("partitions with data", float64(f.nonEmpty), "count"),
			detectors.Ev("target partition size", float64(target), "bytes"),
			detectors.Ev("computed partitions", float64(want), "count"))
		if spillRule {
			fd.Evidence = append(fd.Evidence, detectors.EvT("computed / current partitions", float64(want)/float64(n), "ratio", "≥", p.Param("minIncrease")))
		}
		if idle {
			fd.Evidence = append(fd.Evidence, detectors.EvT("stage duration", float64(st.Duration()), "ms", "≥", p.Param("minStageMs")))
		}
		if (spilled || idle) && fd.Impact.WallClockShare >= p.Param("errorShare") {
			fd.Severity = detectors.Error
		}
		why := fmt.Sprintf("%s shuffled %s; at about %s per partition that is %d partitions (a multiple of the %d task slots)",
			stageName(st), units.Bytes(bytes), units.Bytes(target), want, slots)
		fd.Advice = detectors.Advice{
			Explanation: tooFewExplanation(spilled, idle, huge, user, per, target),
			Changes:     detectors.PartitionChanges(a, st, want, target, why),
		}
		p.Report(fd)
	}
}

func tooFewExplanation(spilled, idle, huge, user bool, per, target int64) string {
	s := fmt.Sprintf("Each task of this stage processed %s of shuffle data. ", units.Bytes(per))
	switch {
	case spilled:
		s += "That is more than its share of execution memory holds, so the tasks spilled to disk and read it back. "
	case idle:
		s += "With fewer partitions than task slots, most cores had nothing to do while these few tasks ran. "
	case huge:
		s += "Tasks this large run long, hold a lot of memory and risk spills, OOM errors and long retries. "
	}
	if user {
		return s + fmt.Sprintf("The partition count comes from repartition() in the program; size it from the data (Q13): about %s per partition. "+
			"Before a write, this also sets the number of output files.", units.Bytes(target))
	}
	s += fmt.Sprintf("Size the shuffle from the data (Q13): about %s per partition. "+
		"Under adaptive execution start from a generous partition count and let AQE merge the small ones; it cannot split large partitions of an aggregation.", units.Bytes(target))
	return s
}

func runTooMany(p *detectors.Pass) {
	a := p.App
	slots := detectors.TaskSlots(a)
	for _, st := range a.Stages {
		if st.Status == appmodel.StageSkipped || float64(st.NumTasks) < p.Param("minTasks") || st.NumTasks <= 2*slots {
			continue
		}
		in, shuffle := st.Totals[appmodel.InputBytes], st.Totals.ShuffleReadBytes()
		if in > shuffle {
			continue // a scan: small input splits are the small-files detectors' business
		}
		n := int64(st.NumTasks)
		bytes := in + shuffle
		per := bytes / n
		if float64(per) >= p.Param("maxPartitionBytes") {
			continue
		}
		f := facts(st)
		if f.n == 0 {
			continue
		}
		median := f.durs.Median()
		if float64(median) >= p.Param("maxMedianMs") {
			continue
		}
		target := int64(p.Param("targetPartitionBytes"))
		want := detectors.PartitionCount((bytes+target-1)/target, slots)
		if want >= n {
			continue
		}
		ovShare := 0.0
		if f.overhead+f.run > 0 {
			ovShare = float64(f.overhead) / float64(f.overhead+f.run)
		}
		savings := int64(float64(st.Duration()) * ovShare * (1 - float64(want)/float64(n)))
		if float64(savings) < p.Param("minSavingsMs") {
			continue
		}
		x := detectors.SQLExecution(a, st)
		fd := detectors.Finding{
			Subject:  detectors.StageSubject(st),
			CallSite: detectors.CallSite(a, st),
			Impact:   detectors.StageImpact(a, st, savings),
		}
		if op := shuffleReader(a, st); op != nil {
			fd.SQLOperator = op.Name
			fd.Subject.PlanNodeID = detectors.Ptr(op.ID)
		}
		defaultCase := false
		if x != nil && shuffle > 0 {
			if _, set := detectors.SQLConf(a, x, "spark.sql.shuffle.partitions"); !set && n == 200 {
				defaultCase = true
			}
		}
		fd.Message = fmt.Sprintf("%s ran %s tasks of %s each (median %s, %s of task time in scheduling and serialization overhead); %d partitions would do",
			capital(stageName(st)), units.Count(n), units.Bytes(per), units.Millis(median), units.Percent(ovShare), want)
		if defaultCase {
			fd.Message += " (200 is Spark's default spark.sql.shuffle.partitions)"
		}
		fd.Evidence = []detectors.Evidence{
			detectors.EvT("tasks", float64(n), "count", "≥", p.Param("minTasks")),
			detectors.EvT("data per task (input + shuffle read)", float64(per), "bytes", "<", p.Param("maxPartitionBytes")),
			detectors.EvT("median task duration", float64(median), "ms", "<", p.Param("maxMedianMs")),
			detectors.Ev("task overhead (scheduler delay, deserialization, result)", float64(f.overhead), "ms"),
			detectors.Ev("executor run time", float64(f.run), "ms"),
			detectors.Ev("overhead share of task time", ovShare, "share"),
			detectors.Ev("data read", float64(bytes), "bytes"),
			detectors.Ev("task slots", float64(slots), "count"),
			detectors.Ev("computed partitions", float64(want), "count"),
			detectors.EvT("estimated saving", float64(savings), "ms", "≥", p.Param("minSavingsMs")),
		}
		if float64(savings) > p.Param("errorShare")*float64(detectors.AppDuration(a)) {
			fd.Severity = detectors.Error
		}
		why := fmt.Sprintf("%s read %s in %s partitions; at up to %s per partition and at least one task per slot that is %d",
			stageName(st), units.Bytes(bytes), units.Count(n), units.Bytes(target), want)
		adv := detectors.Advice{
			Explanation: fmt.Sprintf("Every task costs a fixed amount of work besides its data: the driver schedules it, the executor deserializes it, "+
				"the result travels back. With %s of data per task, that overhead is most of the time (Q14). "+
				"Fewer, larger partitions do the same work with less overhead and fewer output files.", units.Bytes(per)),
		}
		if x != nil && shuffle > 0 {
			aqe := detectors.SQLAQEEnabled(a, x)
			coalesce := detectors.SQLConfBool(a, x, "spark.sql.adaptive.coalescePartitions.enabled", true)
			adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.shuffle.partitions", Current: currentOr(a, x, "spark.sql.shuffle.partitions", "200"),
				Suggested: fmt.Sprint(want), Why: why})
			if !aqe {
				adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.adaptive.enabled", Current: detectors.Current(a, "spark.sql.adaptive.enabled"), Suggested: "true",
					Why: "adaptive execution merges small shuffle partitions after each shuffle, whatever spark.sql.shuffle.partitions says"})
			}
			if !coalesce {
				adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.adaptive.coalescePartitions.enabled", Current: detectors.Current(a, "spark.sql.adaptive.coalescePartitions.enabled"), Suggested: "true",
					Why: "lets adaptive execution merge the small partitions"})
			}
		} else {
			adv.Changes = detectors.PartitionChanges(a, st, want, target, why)
			if len(adv.Changes) == 0 {
				adv.Explanation += " Create the RDD or DataFrame with fewer partitions (numSlices, numPartitions) or coalesce() it."
			}
		}
		fd.Advice = adv
		p.Report(fd)
	}
}

func currentOr(a *appmodel.Application, x *appmodel.SQLExecution, key, def string) string {
	if v, ok := detectors.SQLConf(a, x, key); ok {
		return v
	}
	return "(default) " + def
}
