// Package spill detects stages whose sorts, aggregations and joins ran out
// of execution memory and wrote their data to disk and read it back.
package spill

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Detector is SPILL001.
var Detector = &detectors.Detector{
	ID:       "SPILL001",
	Name:     "spill",
	Category: "memory",
	Severity: detectors.Warning,
	Problems: []string{"spill"},
	Doc: detectors.Doc{
		Title: "stages spill sorts, aggregations or joins to disk",
		Text: `For every stage attempt, compares the bytes its tasks spilled to disk with the data the stage
processed (input plus shuffle read). A stage is reported when the disk spill is both large in
absolute terms and a real share of its data (or very large on its own).

The finding names the operators that spilled, read off the SQL metric "spill size" of the plan
nodes that ran in the stage (Sort, HashAggregate, ObjectHashAggregate, SortMergeJoin, Window; a Sort
is named after the join, aggregation or window it feeds; when no operator reports the spill and
the stage wrote shuffle data, the shuffle write of its Exchange), the peak execution memory of the tasks,
and how many tasks spilled. When one task holds most of the spill the partition is skewed and the
finding says so: more partitions do not split a hot key (see SKEW001).

The advice is computed from the stage's numbers (Q2, Q13):

- **more partitions**: the number of partitions that would let each task's share fit in the
  execution memory the spilling tasks had (at most 128 MiB per partition), rounded to a multiple of
  the task slots; under adaptive execution the advisory partition size or the initial partition
  number instead, when AQE merged or could not split the partitions;
- **more memory**: the heap (spark.executor.memory, or spark.driver.memory in local mode) that
  gives each concurrent task the memory it used plus what it spilled, and spark.memory.fraction
  back to its default when it was lowered.`,
		Thresholds: `Dr. Elephant's tuning heuristic rates spill over bytes processed at 0.01 / 0.1 / 0.25 / 0.5
(low / moderate / severe / critical); spark-advisor warns at 0.1 GB of disk spill and is critical
at 1 GB; the History Server only shows the sums. We report a stage when its disk spill is at
least 10 MiB and at least 0.1 of the bytes it processed (Dr. Elephant's first level that is a
problem), or at least 1 GiB whatever the ratio. The 10 MiB floor keeps spills of small test
jobs in megabytes visible while ignoring a few spilled buffers. The finding is an error when the
disk spill is 1 GiB or more and the stage takes 30% of the application's wall-clock time, info
when it spilled under 100 MiB in a stage that takes under 5% of it.`,
		Questions: []string{"Q2", "Q13"},
	},
	Params: []detectors.Param{
		{Name: "minDiskSpill", Default: 10 << 20, Unit: "bytes", Doc: "least disk spill of a stage"},
		{Name: "minRatio", Default: 0.1, Unit: "ratio", Doc: "disk spill over the bytes the stage processed (input + shuffle read)"},
		{Name: "largeSpill", Default: 1 << 30, Unit: "bytes", Doc: "disk spill reported whatever the ratio; with errorShare, makes the finding an error"},
		{Name: "infoSpill", Default: 100 << 20, Unit: "bytes", Doc: "below this disk spill (and infoShare) the finding is info"},
		{Name: "infoShare", Default: 0.05, Unit: "share", Doc: "below this share of the application's duration (and infoSpill) the finding is info"},
		{Name: "errorShare", Default: 0.3, Unit: "share", Doc: "stage share of the application's duration that, with largeSpill, makes the finding an error"},
		{Name: "targetPartitionBytes", Default: 128 << 20, Unit: "bytes", Doc: "largest partition size advised (Q13: 100-200 MB)"},
		{Name: "skewShare", Default: 0.5, Unit: "share", Doc: "share of the stage's spill in one task that marks the spill as skewed"},
	},
	Run: run,
}

// op is one plan operator that spilled in a stage.
type op struct {
	label string // "Sort (for SortMergeJoin on k)"
	name  string // the operator to name: SortMergeJoin, HashAggregate, Sort
	keys  []string
	spill int64
	peak  int64
	node  *appmodel.PlanNode
}

type taskSpill struct {
	index int
	disk  int64
}

// stageSpill is what the report needs of a stage's tasks with metrics,
// gathered in one pass over its task log without copying the tasks (the
// medians come from detectors.TaskRanks: exact, in bounded memory).
type stageSpill struct {
	tasks, spilled int
	maxPeak        int64
	top            taskSpill // the task that spilled most to disk (the first of equal ones)
	// Over the tasks that spilled: what they held in memory and would
	// have needed (peak + deserialized spill), the data that fit in
	// their memory, and their memory spill.
	needs, fits, mems *detectors.TaskRanks
}

func spilledTask(t *appmodel.Task) bool {
	return t.HasMetrics && (t.M[appmodel.DiskBytesSpilled] > 0 || t.M[appmodel.MemoryBytesSpilled] > 0)
}

func gather(a *appmodel.Application, st *appmodel.Stage) *stageSpill {
	scale, scaled := 0.0, false
	if in, estimated := detectors.StageInputBytes(a, st); estimated && st.Totals[appmodel.InputBytes] > 0 {
		// Scale the tasks' under-reported input like the stage's.
		scale, scaled = float64(in)/float64(st.Totals[appmodel.InputBytes]), true
	}
	dataOf := func(t *appmodel.Task) int64 {
		d := t.M[appmodel.InputBytes] + t.M.ShuffleReadBytes()
		if scaled {
			d = int64(float64(d) * scale)
		}
		return d
	}
	needOf := func(t *appmodel.Task) (int64, bool) {
		if !spilledTask(t) || dataOf(t) <= 0 {
			return 0, false
		}
		need := t.M[appmodel.PeakExecutionMemory] + t.M[appmodel.MemoryBytesSpilled]
		return need, need > 0
	}
	s := &stageSpill{
		needs: detectors.NewTaskRanks(st, needOf),
		fits: detectors.NewTaskRanks(st, func(t *appmodel.Task) (int64, bool) {
			need, ok := needOf(t)
			peak := t.M[appmodel.PeakExecutionMemory]
			if !ok || peak <= 0 {
				return 0, false
			}
			return int64(float64(dataOf(t)) * float64(peak) / float64(need)), true
		}),
		mems: detectors.NewTaskRanks(st, func(t *appmodel.Task) (int64, bool) {
			return t.M[appmodel.MemoryBytesSpilled], spilledTask(t)
		}),
	}
	st.Tasks(func(t *appmodel.Task) bool {
		if !t.HasMetrics {
			return true
		}
		s.tasks++
		if spilledTask(t) {
			s.spilled++
		}
		s.maxPeak = max(s.maxPeak, t.M[appmodel.PeakExecutionMemory])
		if d := t.M[appmodel.DiskBytesSpilled]; d > s.top.disk {
			s.top = taskSpill{index: t.Index, disk: d}
		}
		s.needs.Add(t)
		s.fits.Add(t)
		s.mems.Add(t)
		return true
	})
	return s
}

func run(p *detectors.Pass) {
	a := p.App
	for _, st := range a.Stages {
		if st.Status == appmodel.StageSkipped {
			continue
		}
		disk := st.Totals[appmodel.DiskBytesSpilled]
		if float64(disk) < p.Param("minDiskSpill") {
			continue
		}
		in, _ := detectors.StageInputBytes(a, st)
		data := in + st.Totals.ShuffleReadBytes()
		ratio := 1.0
		if data > 0 {
			ratio = float64(disk) / float64(data)
		}
		if ratio < p.Param("minRatio") && float64(disk) < p.Param("largeSpill") {
			continue
		}
		report(p, st, disk, data, ratio)
	}
}

func report(p *detectors.Pass, st *appmodel.Stage, disk, data int64, ratio float64) {
	a := p.App
	mem := st.Totals[appmodel.MemoryBytesSpilled]
	ss := gather(a, st)
	nSpilled, maxPeak, top := ss.spilled, ss.maxPeak, ss.top
	ops := spillingOps(a, st)
	skewed := ss.tasks >= 4 && float64(top.disk) >= p.Param("skewShare")*float64(disk)

	name := stageName(st)
	where := ""
	if len(ops) > 0 {
		where = " in " + ops[0].label
		if len(ops) > 1 {
			where += fmt.Sprintf(" and %d other operator", len(ops)-1)
			if len(ops) > 2 {
				where += "s"
			}
		}
	}
	f := detectors.Finding{
		Subject:  detectors.StageSubject(st),
		CallSite: detectors.CallSite(a, st),
		Impact:   detectors.StageImpact(a, st, 0),
	}
	_, estimated := detectors.StageInputBytes(a, st)
	if data > 0 {
		read := "it read"
		if estimated {
			read = "it read, from the scanned files' size"
		}
		f.Message = fmt.Sprintf("%s spilled %s to disk (%s of the %s %s)%s", capital(name), units.Bytes(disk), units.Percent(ratio), units.Bytes(data), read, where)
	} else {
		f.Message = fmt.Sprintf("%s spilled %s to disk%s", capital(name), units.Bytes(disk), where)
	}
	if maxPeak > 0 {
		f.Message += fmt.Sprintf("; peak execution memory %s per task", units.Bytes(maxPeak))
	}
	if skewed {
		f.Message += fmt.Sprintf("; task %d alone spilled %s", top.index, units.Bytes(top.disk))
	}
	var names []string
	for _, o := range ops {
		if !contains(names, o.name) {
			names = append(names, o.name)
		}
	}
	f.SQLOperator = strings.Join(names, ", ")
	if len(ops) > 0 && ops[0].node != nil {
		if x := detectors.SQLExecution(a, st); x != nil {
			f.Subject.PlanNodeID = detectors.Ptr(ops[0].node.ID)
		}
	}

	f.Evidence = append(f.Evidence, detectors.EvT("disk spill", float64(disk), "bytes", "≥", p.Param("minDiskSpill")))
	if float64(disk) >= p.Param("largeSpill") && ratio < p.Param("minRatio") {
		f.Evidence = append(f.Evidence, detectors.EvT("disk spill (large)", float64(disk), "bytes", "≥", p.Param("largeSpill")))
	}
	f.Evidence = append(f.Evidence,
		detectors.Ev("memory spill (deserialized size)", float64(mem), "bytes"),
		detectors.Ev("data processed (input + shuffle read)", float64(data), "bytes"))
	if data > 0 {
		if ratio >= p.Param("minRatio") {
			f.Evidence = append(f.Evidence, detectors.EvT("disk spill / data processed", ratio, "ratio", "≥", p.Param("minRatio")))
		} else {
			f.Evidence = append(f.Evidence, detectors.Ev("disk spill / data processed", ratio, "ratio"))
		}
	}
	f.Evidence = append(f.Evidence,
		detectors.Ev("tasks that spilled", float64(nSpilled), "count"),
		detectors.Ev("tasks", float64(ss.tasks), "count"),
		detectors.Ev("peak execution memory of a task", float64(maxPeak), "bytes"))
	for _, o := range ops {
		f.Evidence = append(f.Evidence, detectors.Ev("spill size of "+o.label, float64(o.spill), "bytes"))
	}
	if skewed {
		f.Evidence = append(f.Evidence, detectors.EvT("share of the spill in one task", float64(top.disk)/float64(disk), "share", "≥", p.Param("skewShare")))
	}

	share := f.Impact.WallClockShare
	switch {
	case float64(disk) >= p.Param("largeSpill") && share >= p.Param("errorShare"):
		f.Severity = detectors.Error
	case float64(disk) < p.Param("infoSpill") && share < p.Param("infoShare"):
		f.Severity = detectors.Info
	}
	f.Advice = advise(p, st, ss, ops, data, skewed, top)
	p.Report(f)
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// consumers a Sort is named after.
var sortUsers = []string{"SortMergeJoin", "SortAggregate", "Window", "WindowGroupLimit", "ObjectHashAggregate", "FlatMapGroupsInPandas", "FlatMapCoGroupsInPandas", "AggregateInPandas", "WindowInPandas", "ArrowWindowPython", "ArrowAggregatePython"}

// spillingOps returns the plan operators whose "spill size" metric was
// updated by the stage's tasks, largest spill first.
func spillingOps(a *appmodel.Application, st *appmodel.Stage) []op {
	x := detectors.SQLExecution(a, st)
	if x == nil {
		return nil
	}
	var out []op
	for _, n := range detectors.StageNodes(a, st) {
		m := n.Metric("spill size")
		if m == nil || !m.Set || m.Normalized() <= 0 || (len(m.StageIDs) > 0 && !m.RanIn(st.ID)) {
			continue
		}
		o := op{label: n.Name, name: n.Name, spill: m.Normalized(), node: n, keys: keyColumns(n)}
		if pm := detectors.MetricValue(n, "peak memory"); pm > 0 {
			o.peak = pm
		}
		if strings.HasPrefix(n.Name, "Sort") && !strings.HasPrefix(n.Name, "SortMergeJoin") && !strings.HasPrefix(n.Name, "SortAggregate") {
			if c := detectors.Consumer(x, n); c != nil {
				for _, u := range sortUsers {
					if strings.HasPrefix(c.Name, u) {
						o.name = c.Name
						o.keys = keyColumns(c)
						o.label = "Sort for " + c.Name
						break
					}
				}
			}
			if o.name == n.Name {
				// A Sort that feeds no join, aggregation or window: an
				// orderBy, or the sort before a partitioned write.
				o.keys = sortKeys(n.SimpleString)
			}
		}
		if len(o.keys) > 0 {
			o.label += " on " + strings.Join(o.keys, ", ")
		}
		out = append(out, o)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].spill > out[j].spill })
	if len(out) == 0 && st.Totals[appmodel.ShuffleWriteBytes] > 0 {
		// No operator reports a spill: the shuffle writer sorted the map
		// output by partition and spilled.
		if ex := writtenExchange(x, st); ex != nil {
			out = append(out, op{label: "the shuffle write of Exchange " + partitioning(ex.SimpleString), name: ex.Name,
				spill: st.Totals[appmodel.MemoryBytesSpilled], node: ex})
		}
	}
	return out
}

// writtenExchange is the Exchange whose shuffle output the stage wrote.
func writtenExchange(x *appmodel.SQLExecution, st *appmodel.Stage) *appmodel.PlanNode {
	for _, n := range detectors.Nodes(x, "Exchange") {
		if m := n.Metric("shuffle bytes written"); m != nil && m.RanIn(st.ID) {
			return n
		}
	}
	return nil
}

var attrID = regexp.MustCompile(`#\d+L?`)

// partitioning reads "hashpartitioning(k, 8)" off an Exchange's
// simpleString.
func partitioning(s string) string {
	s = strings.TrimPrefix(s, "Exchange ")
	for _, cut := range []string{", ENSURE_REQUIREMENTS", ", REPARTITION", ", [plan_id", ", [id=", ", true", ", false"} {
		if i := strings.Index(s, cut); i >= 0 {
			s = s[:i]
		}
	}
	return attrID.ReplaceAllString(s, "")
}

var sortAggKeys = regexp.MustCompile(`\bkey=\[([^\]]*)\]`)

// keyColumns is detectors.KeyColumns, which also reads SortAggregate's
// "key=[...]", without the generated _groupingexpression names.
func keyColumns(n *appmodel.PlanNode) []string {
	ks := detectors.KeyColumns(n)
	if len(ks) == 0 {
		if m := sortAggKeys.FindStringSubmatch(n.SimpleString); m != nil {
			ks = detectors.Columns(m[1])
		}
	}
	var out []string
	for _, k := range ks {
		if !strings.HasPrefix(k, "_groupingexpression") {
			out = append(out, k)
		}
	}
	return out
}

// sortKeys reads the columns of "Sort [a#1 ASC NULLS FIRST, b#2 DESC], ...".
func sortKeys(s string) []string {
	i := strings.IndexByte(s, '[')
	j := strings.IndexByte(s, ']')
	if i < 0 || j < i {
		return nil
	}
	return detectors.Columns(s[i+1 : j])
}

const reservedMemory = 300 << 20 // the JVM heap Spark keeps out of its memory pools

func advise(p *detectors.Pass, st *appmodel.Stage, ss *stageSpill, ops []op, data int64, skewed bool, top taskSpill) detectors.Advice {
	a := p.App
	adv := detectors.Advice{}
	target := int64(p.Param("targetPartitionBytes"))
	// What the spilling tasks held in memory, and what they would have
	// needed: peak + deserialized spill.
	if f := ss.fits.Median(); f > 0 {
		// Keep a margin: the estimate ignores what the operators allocate
		// besides the rows.
		target = min(target, max(f*8/10, 1<<20))
	}
	slots := detectors.TaskSlots(a)
	want := detectors.PartitionCount((data+target-1)/target, slots)

	heapKey := detectors.HeapKey(a)
	heap := detectors.HeapBytes(a, heapKey, 1<<30)
	fraction := propFloat(a, "spark.memory.fraction", 0.6)
	perExec := coresPerExecutor(a)
	need := ss.needs.Median()

	var why []string
	opName := "its operators"
	if len(ops) > 0 {
		opName = ops[0].label
	}
	if skewed {
		why = append(why, fmt.Sprintf("Most of the spill comes from one task (index %d, %s to disk), so one partition holds far more rows than the others: "+
			"more partitions will not split a hot key. Salt the key or let adaptive execution split skewed join partitions (see SKEW001); more memory helps that one task.", top.index, units.Bytes(top.disk)))
	} else if len(ops) > 0 && strings.HasPrefix(ops[0].name, "Exchange") {
		why = append(why, fmt.Sprintf("The map tasks of this stage buffer and sort their output by target partition before writing it for %s; "+
			"their output did not fit in their share of execution memory, so they wrote sorted runs to disk and merged them. "+
			"Give each map task less data (more, smaller input partitions) or more memory.", strings.TrimPrefix(opName, "the shuffle write of ")))
	} else {
		why = append(why, fmt.Sprintf("The tasks of this stage had more rows to sort, aggregate or join (%s) than fit in their share of execution memory, "+
			"so Spark wrote sorted runs to local disk and merged them back, which costs disk I/O, serialization and CPU. "+
			"Give each task less data (more partitions) or more memory.", opName))
	}

	if !skewed && want > int64(st.NumTasks) {
		per := data / max(want, 1)
		adv.Changes = append(adv.Changes, detectors.PartitionChanges(a, st, want, target,
			fmt.Sprintf("%s read %s in %d partitions (%s each); %d partitions of about %s fit in the memory the spilling tasks had",
				stageName(st), units.Bytes(data), st.NumTasks, units.Bytes(data/int64(max(st.NumTasks, 1))), want, units.Bytes(per)))...)
	}
	if fraction < 0.6 {
		adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.memory.fraction", Current: detectors.Current(a, "spark.memory.fraction"), Suggested: "0.6",
			Why: "the share of the heap for execution and storage was lowered below Spark's default; execution memory shrank with it"})
		fraction = 0.6
	}
	if need > 0 {
		// Heap that gives every concurrent task `need` bytes of the unified
		// memory pool.
		heapNeed := int64(float64(need)*float64(perExec)/fraction) + reservedMemory
		if heapNeed > heap {
			if heapNeed <= 4*heap || skewed || want <= int64(st.NumTasks) {
				adv.Changes = append(adv.Changes, detectors.Change{Key: heapKey, Current: detectors.Current(a, heapKey), Suggested: detectors.HeapSetting(heapNeed),
					Why: fmt.Sprintf("a spilling task used %s of execution memory and spilled %s more (median); %d tasks share a JVM",
						units.Bytes(need-ss.mems.Median()), units.Bytes(ss.mems.Median()), perExec)})
			} else {
				why = append(why, fmt.Sprintf("Avoiding the spill with memory alone would take a heap of about %s; more partitions is the cheaper fix.", detectors.HeapSetting(heapNeed)))
			}
		}
	}
	if detectors.LocalMode(a) {
		why = append(why, "In local mode the driver JVM runs the tasks: its heap is set with spark.driver.memory at launch (spark-submit --driver-memory), not from the running session.")
	}
	x := detectors.SQLExecution(a, st)
	if x != nil && !detectors.SQLAQEEnabled(a, x) {
		adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.adaptive.enabled", Current: detectors.Current(a, "spark.sql.adaptive.enabled"), Suggested: "true",
			Why: "adaptive execution sizes shuffle partitions from the data and splits skewed join partitions"})
	}
	adv.Explanation = strings.Join(why, " ")
	return adv
}

// coresPerExecutor is how many tasks share one JVM's memory.
func coresPerExecutor(a *appmodel.Application) int {
	if detectors.LocalMode(a) {
		return detectors.TaskSlots(a)
	}
	n := 0
	for _, e := range a.Executors {
		if e.ID == "driver" {
			continue
		}
		c := e.MaxTasks
		if c <= 0 {
			c = e.TotalCores
		}
		n = max(n, c)
	}
	if n == 0 {
		n = int(detectors.PropInt(a, "spark.executor.cores", 1))
	}
	return max(n, 1)
}

func propFloat(a *appmodel.Application, key string, def float64) float64 {
	v, ok := a.SparkProps[key]
	if !ok {
		return def
	}
	var f float64
	if _, err := fmt.Sscanf(strings.TrimSpace(v), "%g", &f); err != nil || f <= 0 {
		return def
	}
	return f
}

func stageName(st *appmodel.Stage) string {
	if st.Attempt > 0 {
		return fmt.Sprintf("stage %d (attempt %d)", st.ID, st.Attempt)
	}
	return fmt.Sprintf("stage %d", st.ID)
}
