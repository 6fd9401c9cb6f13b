package detectors

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Helpers of the resource detectors (spill, partition counts, scheduling,
// driver time, GC) that other detectors may use too.

// LocalMode reports whether the application ran in local mode (the driver
// JVM ran the tasks): spark.master is local, local[N] or local[N,M], or the
// log lists no executor but the driver.
func LocalMode(a *appmodel.Application) bool {
	if m, ok := a.SparkProps["spark.master"]; ok {
		return strings.HasPrefix(strings.TrimSpace(m), "local") && !strings.HasPrefix(strings.TrimSpace(m), "local-cluster")
	}
	for _, e := range a.Executors {
		if !e.IsDriver() {
			return false
		}
	}
	return len(a.Executors) > 0
}

// TaskSlots is the largest number of tasks the application could run at
// once: the most executor task slots (cores / spark.task.cpus) alive at the
// same time, the driver's in local mode. It falls back to the N of
// local[N] and is at least 1.
func TaskSlots(a *appmodel.Application) int {
	type ev struct {
		t     int64
		delta int
	}
	var evs []ev
	local := LocalMode(a)
	for _, e := range a.Executors {
		if e.IsDriver() != local {
			continue
		}
		n := e.MaxTasks
		if n <= 0 {
			n = e.TotalCores
		}
		if n <= 0 {
			continue
		}
		evs = append(evs, ev{e.AddTime, n})
		if e.RemoveTime > 0 {
			evs = append(evs, ev{e.RemoveTime, -n})
		}
	}
	sort.Slice(evs, func(i, j int) bool {
		if evs[i].t != evs[j].t {
			return evs[i].t < evs[j].t
		}
		return evs[i].delta < evs[j].delta // removals first
	})
	cur, best := 0, 0
	for _, e := range evs {
		cur += e.delta
		best = max(best, cur)
	}
	if best == 0 {
		best = localThreads(a.SparkProps["spark.master"])
	}
	return max(best, 1)
}

// localThreads reads N from local[N] / local[N,M] (0 when unknown; local[*]
// is unknown since the machine's core count is not logged).
func localThreads(master string) int {
	master = strings.TrimSpace(master)
	if master == "local" {
		return 1
	}
	if !strings.HasPrefix(master, "local[") {
		return 0
	}
	s := strings.TrimSuffix(strings.TrimPrefix(master, "local["), "]")
	if i := strings.IndexByte(s, ','); i >= 0 {
		s = s[:i]
	}
	n, _ := strconv.Atoi(strings.TrimSpace(s))
	return max(n, 0)
}

// PartitionCount rounds a computed partition count for a configuration: at
// least slots, a multiple of slots (so the last wave is full), and a
// number people write (two significant digits) when one is within 25%.
func PartitionCount(n int64, slots int) int64 {
	s := int64(max(slots, 1))
	if n <= s {
		return s
	}
	n = (n + s - 1) / s * s
	for m := n; m <= n+n/10; m += s {
		if twoDigits(m) {
			return m
		}
	}
	return n
}

// twoDigits reports whether m has at most two significant digits (800,
// 1200, 36).
func twoDigits(m int64) bool {
	for m >= 100 {
		if m%10 != 0 {
			return false
		}
		m /= 10
	}
	return true
}

// SizeSetting formats a byte count for a Spark size property, in whole MiB
// rounded up ("128m"), or GiB when exact ("2g").
func SizeSetting(b int64) string {
	if b >= 1<<30 && b%(1<<30) == 0 {
		return fmt.Sprintf("%dg", b>>30)
	}
	return fmt.Sprintf("%dm", (b+(1<<20)-1)>>20)
}

// HeapSetting formats a JVM heap size for spark.executor.memory or
// spark.driver.memory: whole GiB from 2 GiB on, else a multiple of 256 MiB.
func HeapSetting(b int64) string {
	if b >= 2<<30 {
		return fmt.Sprintf("%dg", (b+(1<<30)-1)>>30)
	}
	mb := ((b+(1<<20)-1)>>20 + 255) / 256 * 256
	return fmt.Sprintf("%dm", mb)
}

// HeapBytes reads a JVM memory property the way Spark does (a bare number
// is MiB), with a default in bytes.
func HeapBytes(a *appmodel.Application, key string, def int64) int64 {
	v, ok := a.SparkProps[key]
	if !ok {
		return def
	}
	v = strings.TrimSpace(v)
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n << 20
	}
	if n, err := ParseSize(v); err == nil && n > 0 {
		return n
	}
	return def
}

// HeapKey is the property that sizes the JVM that ran the tasks:
// spark.driver.memory in local mode, spark.executor.memory otherwise.
func HeapKey(a *appmodel.Application) string {
	if LocalMode(a) {
		return "spark.driver.memory"
	}
	return "spark.executor.memory"
}

// SQLConf returns a SQL configuration value as the execution saw it: the
// execution's modified configs (spark.conf.set at run time) first, then the
// application's properties. ok is false when neither sets it.
func SQLConf(a *appmodel.Application, x *appmodel.SQLExecution, key string) (string, bool) {
	if x != nil {
		if v, ok := x.ModifiedConfigs[key]; ok {
			return v, true
		}
	}
	v, ok := a.SparkProps[key]
	return v, ok
}

// SQLConfInt reads an integer or size SQL configuration (see SQLConf).
func SQLConfInt(a *appmodel.Application, x *appmodel.SQLExecution, key string, def int64) int64 {
	v, ok := SQLConf(a, x, key)
	if !ok {
		return def
	}
	n, err := ParseSize(v)
	if err != nil {
		return def
	}
	return n
}

// SQLConfBool reads a boolean SQL configuration (see SQLConf).
func SQLConfBool(a *appmodel.Application, x *appmodel.SQLExecution, key string, def bool) bool {
	v, ok := SQLConf(a, x, key)
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return def
	}
	return b
}

// SQLAQEEnabled reports whether adaptive execution was on for an execution
// (its modified configs, the application's properties, Spark's default).
func SQLAQEEnabled(a *appmodel.Application, x *appmodel.SQLExecution) bool {
	return SQLConfBool(a, x, "spark.sql.adaptive.enabled", VersionAtLeast(a, 3, 2))
}

// planWrappers are plan nodes that only wrap or pass rows through; they are
// skipped when looking for the operator a node feeds.
var planWrappers = []string{"WholeStageCodegen", "InputAdapter", "Project", "Filter", "ColumnarToRow", "RowToColumnar",
	"AQEShuffleRead", "CustomShuffleReader", "ShuffleQueryStage", "BroadcastQueryStage", "ReusedExchange", "TableCacheQueryStage"}

// Consumer returns the operator that the node's output feeds in the final
// plan of x, skipping code-generation wrappers and row-by-row projections and
// filters; nil for the root or when the node is not in the plan.
func Consumer(x *appmodel.SQLExecution, n *appmodel.PlanNode) *appmodel.PlanNode {
	if x == nil || x.FinalPlan() == nil {
		return nil
	}
	var path []*appmodel.PlanNode
	var found []*appmodel.PlanNode
	var walk func(c *appmodel.PlanNode) bool
	walk = func(c *appmodel.PlanNode) bool {
		if c == n {
			found = append([]*appmodel.PlanNode(nil), path...)
			return true
		}
		path = append(path, c)
		for _, ch := range c.Children {
			if walk(ch) {
				return true
			}
		}
		path = path[:len(path)-1]
		return false
	}
	walk(x.FinalPlan())
	for i := len(found) - 1; i >= 0; i-- {
		wrapper := false
		for _, w := range planWrappers {
			if strings.HasPrefix(found[i].Name, w) {
				wrapper = true
				break
			}
		}
		if !wrapper {
			return found[i]
		}
	}
	return nil
}

// TaskOverhead is the part of a task's time spent outside its own work:
// scheduler delay, deserializing the task, serializing and fetching its
// result (ms).
func TaskOverhead(m *appmodel.Metrics) int64 {
	return m[appmodel.SchedulerDelay] + m[appmodel.DeserializeTime] + m[appmodel.ResultSerializationTime] + m[appmodel.GettingResultTime]
}

// InteractiveApp reports whether the application was an interactive
// session (spark-shell, pyspark, sparkR, a notebook, Databricks, the Thrift
// server), where time with no job running is mostly people thinking.
func InteractiveApp(a *appmodel.Application) bool {
	name := strings.ToLower(a.Name)
	for _, s := range []string{"shell", "pysparkshell", "sparkr", "notebook", "jupyter", "zeppelin", "livy", "thrift jdbc", "thriftserver"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	for _, k := range []string{"spark.repl.class.uri", "spark.repl.class.outputDir", "spark.databricks.clusterUsageTags.clusterId"} {
		if _, ok := a.SparkProps[k]; ok {
			return true
		}
	}
	return false
}

// ShuffleExchange returns the Exchange whose output the stage read (its
// shuffle-read metrics were updated by the stage's tasks), or nil.
func ShuffleExchange(a *appmodel.Application, st *appmodel.Stage) *appmodel.PlanNode {
	x := SQLExecution(a, st)
	if x == nil || x.FinalPlan() == nil {
		return nil
	}
	var best *appmodel.PlanNode
	var bestBytes int64 = -1
	x.FinalPlan().Walk(func(n *appmodel.PlanNode) bool {
		if !strings.HasPrefix(n.Name, "Exchange") {
			return true
		}
		var read int64
		ran := false
		for _, m := range n.Metrics {
			if (m.Name == "local bytes read" || m.Name == "remote bytes read" || m.Name == "records read") && m.RanIn(st.ID) {
				ran = true
				if m.Name != "records read" {
					read += m.Normalized()
				}
			}
		}
		if ran && read > bestBytes {
			best, bestBytes = n, read
		}
		return true
	})
	return best
}

var repartitionNum = regexp.MustCompile(`(?:RoundRobinPartitioning\((\d+)\)|partitioning\(.*, (\d+)\)), REPARTITION_BY_NUM`)

// UserRepartition reports whether an Exchange comes from repartition(n) in
// the program (its partition count is the program's, not a setting) and
// returns n.
func UserRepartition(n *appmodel.PlanNode) (int64, bool) {
	if n == nil {
		return 0, false
	}
	m := repartitionNum.FindStringSubmatch(n.SimpleString)
	if m == nil {
		return 0, false
	}
	v := m[1]
	if v == "" {
		v = m[2]
	}
	k, err := strconv.ParseInt(v, 10, 64)
	return k, err == nil
}

// PartitionChanges returns the configuration changes that give a stage
// about want partitions of about target bytes each: for a SQL shuffle,
// spark.sql.shuffle.partitions or, when adaptive execution coalesces
// partitions, its initial partition number or advisory size; for an RDD
// shuffle spark.default.parallelism; for a file scan
// spark.sql.files.maxPartitionBytes. why is added to each change's reason.
func PartitionChanges(a *appmodel.Application, st *appmodel.Stage, want, target int64, why string) []Change {
	x := SQLExecution(a, st)
	shuffle := st.Totals.ShuffleReadBytes() > 0
	if ex := ShuffleExchange(a, st); shuffle && ex != nil {
		if k, ok := UserRepartition(ex); ok {
			return []Change{{Current: fmt.Sprintf("repartition(%d)", k), Suggested: fmt.Sprintf("repartition(%d)", want),
				Why: why + "; the partition count comes from repartition() in the program, not from a setting"}}
		}
	}
	switch {
	case shuffle && x != nil:
		cur := SQLConfInt(a, x, "spark.sql.shuffle.partitions", 200)
		curS, _ := SQLConf(a, x, "spark.sql.shuffle.partitions")
		if curS == "" {
			curS = "(default) 200"
		}
		aqe := SQLAQEEnabled(a, x)
		coalesce := aqe && SQLConfBool(a, x, "spark.sql.adaptive.coalescePartitions.enabled", true)
		if !coalesce {
			return []Change{{Key: "spark.sql.shuffle.partitions", Current: curS, Suggested: strconv.FormatInt(want, 10), Why: why}}
		}
		var out []Change
		advisory := SQLConfInt(a, x, "spark.sql.adaptive.advisoryPartitionSizeInBytes", 64<<20)
		if _, ok := SQLConf(a, x, "spark.sql.adaptive.advisoryPartitionSizeInBytes"); !ok {
			// Spark 3.0/3.1 read the older key.
			advisory = SQLConfInt(a, x, "spark.sql.adaptive.shuffle.targetPostShuffleInputSize", advisory)
		}
		initKey := "spark.sql.shuffle.partitions"
		initial := cur
		if v := SQLConfInt(a, x, "spark.sql.adaptive.coalescePartitions.initialPartitionNum", 0); v > 0 {
			initKey, initial = "spark.sql.adaptive.coalescePartitions.initialPartitionNum", v
		}
		if want > int64(st.NumTasks) && int64(st.NumTasks) < initial && target < advisory {
			// AQE merged the partitions into pieces of the advisory size;
			// the pieces are too big.
			out = append(out, Change{Key: "spark.sql.adaptive.advisoryPartitionSizeInBytes", Current: SizeSetting(advisory), Suggested: SizeSetting(target),
				Why: why + "; adaptive execution merged this stage's partitions up to the advisory size, so lower it"})
		}
		if (want > int64(st.NumTasks) && initial < want) || (want < int64(st.NumTasks) && initial > want) {
			c, _ := SQLConf(a, x, initKey)
			if c == "" {
				c = "(default) " + strconv.FormatInt(initial, 10)
			}
			w := why
			if want > initial {
				w += "; adaptive execution can only merge partitions, never split them, so start from at least this many"
			}
			out = append(out, Change{Key: initKey, Current: c, Suggested: strconv.FormatInt(want, 10), Why: w})
		}
		return out
	case shuffle:
		return []Change{{Key: "spark.default.parallelism", Current: Current(a, "spark.default.parallelism"), Suggested: strconv.FormatInt(want, 10),
			Why: why + " (or pass numPartitions to the wide transformation that feeds this stage)"}}
	case st.Totals[appmodel.InputBytes] > 0 && x != nil:
		cur := SQLConfInt(a, x, "spark.sql.files.maxPartitionBytes", 128<<20)
		if target >= cur && want > int64(st.NumTasks) {
			return nil
		}
		return []Change{{Key: "spark.sql.files.maxPartitionBytes", Current: SizeSetting(cur), Suggested: SizeSetting(target), Why: why}}
	}
	return nil
}

// StageInputBytes is the input a stage read. Spark 4 under-reports the
// bytes of file scans (a few KiB for millions of records; the History
// Server shows the same numbers): when the input is under 0.1 byte per
// record, the size of the files read by the stage's scans is used instead
// (the SQL metric "size of files read" of the scan nodes that ran in the
// stage), or the bytes the stage wrote to the shuffle. estimated tells
// that the logged value was replaced.
func StageInputBytes(a *appmodel.Application, st *appmodel.Stage) (bytes int64, estimated bool) {
	in, recs := st.Totals[appmodel.InputBytes], st.Totals[appmodel.InputRecords]
	if recs <= 0 || float64(in) >= 0.1*float64(recs) {
		return in, false
	}
	var files int64
	for _, n := range StageNodes(a, st) {
		if !strings.HasPrefix(n.Name, "Scan") && !strings.HasPrefix(n.Name, "BatchScan") {
			continue
		}
		ran := false
		for _, m := range n.Metrics {
			ran = ran || m.RanIn(st.ID)
		}
		if v := MetricValue(n, "size of files read"); ran && v > 0 {
			files += v
		}
	}
	if files > in {
		return files, true
	}
	if w := st.Totals[appmodel.ShuffleWriteBytes]; w > in {
		return w, true
	}
	return in, false
}
