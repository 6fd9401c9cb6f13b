package detectors

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Helpers of the dataflow detectors (files, writes, scans, broadcasts, row
// explosion) that read SQL plans: where a plan node ran, the rows that flow
// into it, the subject and impact of a finding about a node.

// SQLStages returns the stage attempts that ran for an SQL execution (its
// jobs' stages, skipped ones left out), in stage order.
func SQLStages(a *appmodel.Application, x *appmodel.SQLExecution) []*appmodel.Stage {
	var out []*appmodel.Stage
	for _, st := range a.Stages {
		if st.SQLExecutionID == x.ID && st.Status != appmodel.StageSkipped {
			out = append(out, st)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].Attempt < out[j].Attempt
	})
	return out
}

// NodeStages returns the ids of the stages whose tasks updated a metric of
// n, or when none did (a driver-side node such as a write command or a
// broadcast), of the nearest nodes below it that have some.
func NodeStages(n *appmodel.PlanNode) []int {
	seen := map[int]bool{}
	var ids []int
	for _, m := range n.Metrics {
		for _, s := range m.StageIDs {
			if !seen[s] {
				seen[s] = true
				ids = append(ids, s)
			}
		}
	}
	if len(ids) == 0 {
		for _, c := range n.Children {
			for _, s := range NodeStages(c) {
				if !seen[s] {
					seen[s] = true
					ids = append(ids, s)
				}
			}
		}
	}
	sort.Ints(ids)
	return ids
}

// StageOf returns the latest attempt of stage id that ran (not skipped), or
// nil.
func StageOf(a *appmodel.Application, id int) *appmodel.Stage {
	var best *appmodel.Stage
	for _, st := range a.Stages {
		if st.ID == id && st.Status != appmodel.StageSkipped && (best == nil || st.Attempt > best.Attempt) {
			best = st
		}
	}
	return best
}

// LongestStage returns the stage attempt among ids that ran longest, or nil.
func LongestStage(a *appmodel.Application, ids []int) *appmodel.Stage {
	var best *appmodel.Stage
	for _, id := range ids {
		if st := StageOf(a, id); st != nil && (best == nil || st.Duration() > best.Duration()) {
			best = st
		}
	}
	return best
}

// PlanParents maps every node of a plan to its parent.
func PlanParents(root *appmodel.PlanNode) map[*appmodel.PlanNode]*appmodel.PlanNode {
	parents := map[*appmodel.PlanNode]*appmodel.PlanNode{}
	root.Walk(func(n *appmodel.PlanNode) bool {
		for _, c := range n.Children {
			parents[c] = n
		}
		return true
	})
	return parents
}

// RowsInto returns the rows that flow into n: the summed "number of output
// rows" of the nearest nodes below each of its inputs that count them, and
// -1 per input when nothing below it counts rows.
func RowsInto(n *appmodel.PlanNode) []int64 {
	out := make([]int64, 0, len(n.Children))
	for _, c := range n.Children {
		out = append(out, rowsOut(c))
	}
	return out
}

// rowsOut is the rows a subtree produces: its root's row count or, when
// the root does not count rows (WholeStageCodegen, InputAdapter, query
// stages, AQE shuffle reads, Sort, Project...), that of its children.
func rowsOut(n *appmodel.PlanNode) int64 {
	if v := MetricValue(n, "number of output rows"); v >= 0 {
		return v
	}
	if v := MetricValue(n, "records read"); v >= 0 && strings.HasPrefix(n.Name, "Exchange") {
		return v
	}
	if len(n.Children) == 0 {
		return -1
	}
	var total int64
	known := false
	for _, c := range n.Children {
		if v := rowsOut(c); v >= 0 {
			total += v
			known = true
		}
	}
	if !known {
		return -1
	}
	return total
}

// FirstMetric returns the value of the first of the named metrics that is
// set on n, or -1.
func FirstMetric(n *appmodel.PlanNode, names ...string) int64 {
	for _, name := range names {
		if v := MetricValue(n, name); v >= 0 {
			return v
		}
	}
	return -1
}

// NodeSubject is the subject of a finding about a plan node of an SQL
// execution; st, when not nil, is the stage where it ran.
func NodeSubject(x *appmodel.SQLExecution, n *appmodel.PlanNode, st *appmodel.Stage) Subject {
	s := Subject{Kind: SubjectSQL, SQLExecutionID: Ptr(x.ID), Name: FirstLine(x.Description)}
	if n != nil {
		s.PlanNodeID = Ptr(n.ID)
	}
	if st != nil {
		s.StageID = Ptr(st.ID)
		s.StageAttempt = Ptr(st.Attempt)
		if len(st.JobIDs) > 0 {
			s.JobID = Ptr(st.JobIDs[0])
		}
	} else if len(x.JobIDs) > 0 {
		s.JobID = Ptr(x.JobIDs[0])
	}
	return s
}

// SQLImpact is the impact of a problem that affects a whole SQL execution:
// its wall-clock time and the task time of its stages.
func SQLImpact(a *appmodel.Application, x *appmodel.SQLExecution, savingsMs int64) Impact {
	wall := x.EndTime - x.StartTime
	var task int64
	for _, st := range SQLStages(a, x) {
		task += st.Totals[appmodel.RunTime]
	}
	if wall <= 0 {
		for _, st := range SQLStages(a, x) {
			wall += st.Duration()
		}
	}
	if wall < 0 {
		wall = 0
	}
	if savingsMs > wall {
		savingsMs = wall
	}
	if savingsMs < 0 {
		savingsMs = 0
	}
	return Impact{
		WallClockMs: wall, WallClockShare: share(wall, AppDuration(a)),
		TaskTimeMs: task, TaskTimeShare: share(task, TotalTaskTime(a)),
		SavingsMs: savingsMs,
	}
}

// SQLCallSite is the user code location of an SQL execution: that of its
// longest stage, else read from the execution's details.
func SQLCallSite(a *appmodel.Application, x *appmodel.SQLExecution) string {
	var best *appmodel.Stage
	for _, st := range SQLStages(a, x) {
		if best == nil || st.Duration() > best.Duration() {
			best = st
		}
	}
	if best != nil {
		if cs := CallSite(a, best); cs != "" {
			return cs
		}
	}
	if cs := userFrame(x.Details); cs != "" {
		return cs
	}
	return apiFrame(x.Details)
}

// WriteInfo describes a file write command of a plan (a node with the
// "number of written files" metric: InsertIntoHadoopFsRelationCommand,
// InsertIntoHiveTable, ...).
type WriteInfo struct {
	Node    *appmodel.PlanNode
	Command string // "InsertIntoHadoopFsRelationCommand"
	// Path is the output directory, or the table for Hive writes.
	Path string
	// Format is the file format as the plan prints it ("Parquet", "ORC").
	Format string
	// Mode is the save mode (Append, Overwrite, ErrorIfExists, Ignore) when
	// the plan shows it.
	Mode string
	// PartitionColumns are the partitionBy columns.
	PartitionColumns []string
	// Files, Bytes, Rows and DynamicPartitions are the command's metrics
	// (-1 when absent).
	Files, Bytes, Rows, DynamicPartitions int64
	// JobCommitMs and TaskCommitMs are the commit times (-1 when absent).
	JobCommitMs, TaskCommitMs int64
}

var (
	writeModeRe  = regexp.MustCompile(`, (Append|Overwrite|ErrorIfExists|Ignore), `)
	writePartRe  = regexp.MustCompile(`^(?:true|false), \[([^\]]*)\], ([\w.]+)`)
	writeFmtRe   = regexp.MustCompile(`^(?:true|false), ([\w.]+)`)
	partColsRe   = regexp.MustCompile(`__partition_columns=\[([^\]]*)\]`)
	hiveTableRe  = regexp.MustCompile("InsertIntoHiveTable\\s+\\[?(`[^`]+`(?:\\.`[^`]+`)*)")
	quotedNameRe = regexp.MustCompile(`"([^"]+)"`)
)

// Writes returns the file writes of an execution's final plan.
func Writes(x *appmodel.SQLExecution) []*WriteInfo {
	var out []*WriteInfo
	for _, n := range Nodes(x, "") {
		if n.Metric("number of written files") == nil {
			continue
		}
		out = append(out, ParseWrite(n))
	}
	return out
}

// ParseWrite reads a write command node.
func ParseWrite(n *appmodel.PlanNode) *WriteInfo {
	w := &WriteInfo{Node: n,
		Files:             MetricValue(n, "number of written files"),
		Bytes:             FirstMetric(n, "written output", "bytes of written output"),
		Rows:              MetricValue(n, "number of output rows"),
		DynamicPartitions: MetricValue(n, "number of dynamic part"),
		JobCommitMs:       MetricValue(n, "job commit time"),
		TaskCommitMs:      MetricValue(n, "task commit time"),
	}
	w.Command = strings.TrimPrefix(n.Name, "Execute ")
	if i := strings.IndexByte(w.Command, ' '); i > 0 {
		w.Command = w.Command[:i]
	}
	s := n.SimpleString
	const cmd = "InsertIntoHadoopFsRelationCommand "
	if i := strings.LastIndex(s, cmd); i >= 0 {
		rest := s[i+len(cmd):]
		if j := strings.Index(rest, ", "); j > 0 {
			w.Path = rest[:j]
			rest = rest[j+2:]
			if m := writePartRe.FindStringSubmatch(rest); m != nil {
				w.PartitionColumns = Columns(m[1])
				if len(w.PartitionColumns) == 0 && strings.TrimSpace(m[1]) != "" {
					w.PartitionColumns = splitNames(m[1])
				}
				w.Format = m[2]
			} else if m := writeFmtRe.FindStringSubmatch(rest); m != nil {
				w.Format = m[1]
			}
		}
	} else if m := hiveTableRe.FindStringSubmatch(s); m != nil {
		w.Path = strings.ReplaceAll(m[1], "`", "")
		w.Format = "Hive"
	}
	if len(w.PartitionColumns) == 0 {
		if m := partColsRe.FindStringSubmatch(s); m != nil {
			for _, q := range quotedNameRe.FindAllStringSubmatch(m[1], -1) {
				w.PartitionColumns = append(w.PartitionColumns, q[1])
			}
		}
	}
	if m := writeModeRe.FindStringSubmatch(s); m != nil {
		w.Mode = m[1]
	}
	return w
}

func splitNames(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ScanInfo describes a file scan of a plan (Scan parquet, Scan csv,
// FileScan, BatchScan ...).
type ScanInfo struct {
	Node *appmodel.PlanNode
	// Format is the lower-case format: "parquet", "csv", "json", "text",
	// "orc", "avro", ... ("" when unknown).
	Format string
	// Location is the scanned path(s) as printed in the plan, without the
	// file index's class name.
	Location string
	// Table is the catalog table name when the scan names one.
	Table string
	// Columns are the columns the scan outputs.
	Columns []string
	// PartitionFilters, PushedFilters and DataFilters are the filter lists
	// as printed ("" when empty); HasPartitionFilters tells whether the
	// plan printed PartitionFilters at all.
	PartitionFilters, PushedFilters, DataFilters string
	HasPartitionFilters                          bool
	// Files and Bytes are the files and bytes read (after dynamic partition
	// pruning); StaticFiles and StaticBytes before it; Partitions the
	// partitions read (-1 when absent); Rows the rows output.
	Files, Bytes, StaticFiles, StaticBytes, Partitions, Rows int64
	// ScanTimeMs is the summed "scan time" of the tasks (-1 when absent).
	ScanTimeMs int64
}

var (
	scanFmtRe     = regexp.MustCompile(`^(?:Scan|FileScan|BatchScan)\s+(\w+)`)
	scanLocRe     = regexp.MustCompile(`Location: \w+(?:\(\d+ paths\))?\[([^\]]*)\]`)
	scanTableRe   = regexp.MustCompile(`^(?:Scan|FileScan|BatchScan)\s+\w+\s+([\w.` + "`" + `]+)\[`)
	partFiltersRe = regexp.MustCompile(`PartitionFilters: \[([^\]]*)\]`)
	scanColsRe    = regexp.MustCompile(`^(?:Scan|FileScan|BatchScan)\s+\w+\s+(?:[\w.` + "`" + `]+)?\[([^\]]*)\]`)
)

// Scans returns the file scans of an execution's final plan.
func Scans(x *appmodel.SQLExecution) []*ScanInfo {
	var out []*ScanInfo
	for _, n := range Nodes(x, "") {
		if s := ParseScan(n); s != nil {
			out = append(out, s)
		}
	}
	return out
}

// ParseScan reads a file scan node; it returns nil for other nodes (and for
// in-memory, range and RDD scans).
func ParseScan(n *appmodel.PlanNode) *ScanInfo {
	if !strings.HasPrefix(n.Name, "Scan ") && !strings.HasPrefix(n.Name, "FileScan") && !strings.HasPrefix(n.Name, "BatchScan") &&
		!strings.HasPrefix(n.Name, "GpuScan") && !strings.HasPrefix(n.Name, "GpuFileScan") {
		return nil
	}
	if n.Metric("number of files read") == nil && n.Metric("number of files") == nil && n.Metadata["Format"] == "" &&
		n.Metadata["Location"] == "" && !strings.Contains(n.SimpleString, "Location: ") {
		return nil
	}
	s := &ScanInfo{Node: n,
		Files:       FirstMetric(n, "number of files read", "number of files"),
		Bytes:       FirstMetric(n, "size of files read", "size of files read (MB)"),
		StaticFiles: MetricValue(n, "static number of files read"),
		StaticBytes: MetricValue(n, "static size of files read"),
		Partitions:  MetricValue(n, "number of partitions read"),
		Rows:        FirstMetric(n, "number of output rows", "output rows"),
		ScanTimeMs:  MetricValue(n, "scan time"),
	}
	if f := n.Metadata["Format"]; f != "" {
		s.Format = strings.ToLower(f)
	} else if m := scanFmtRe.FindStringSubmatch(strings.TrimPrefix(strings.TrimPrefix(n.SimpleString, "Gpu"), "Gpu")); m != nil {
		s.Format = strings.ToLower(m[1])
	} else if m := scanFmtRe.FindStringSubmatch(n.Name); m != nil {
		s.Format = strings.ToLower(m[1])
	}
	if strings.Contains(s.Format, "parquet") {
		s.Format = "parquet"
	}
	loc := n.Metadata["Location"]
	if loc == "" {
		loc = n.SimpleString
	}
	if m := scanLocRe.FindStringSubmatch("Location: " + strings.TrimPrefix(loc, "Location: ")); m != nil {
		s.Location = m[1]
	} else if m := scanLocRe.FindStringSubmatch(n.SimpleString); m != nil {
		s.Location = m[1]
	}
	if m := scanTableRe.FindStringSubmatch(n.SimpleString); m != nil {
		s.Table = strings.ReplaceAll(m[1], "`", "")
	}
	if m := scanColsRe.FindStringSubmatch(n.SimpleString); m != nil {
		s.Columns = Columns(m[1])
	}
	pf, ok := n.Metadata["PartitionFilters"]
	if !ok {
		if m := partFiltersRe.FindStringSubmatch(n.SimpleString); m != nil {
			pf, ok = "["+m[1]+"]", true
		}
	}
	s.HasPartitionFilters = ok
	s.PartitionFilters = trimList(pf)
	s.PushedFilters = trimList(n.Metadata["PushedFilters"])
	s.DataFilters = trimList(n.Metadata["DataFilters"])
	if s.Partitions < 0 {
		if v, err := strconv.ParseInt(strings.TrimSpace(n.Metadata["PartitionCount"]), 10, 64); err == nil {
			s.Partitions = v
		}
	}
	return s
}

func trimList(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "[")
	s = strings.TrimSuffix(s, "]")
	return strings.TrimSpace(s)
}

// SourceNames names the inputs a plan subtree reads: catalog tables, or the
// last element of scanned paths ("events_3m"), or "range" / "cached data"
// for generated and cached inputs; without duplicates, in plan order.
func SourceNames(n *appmodel.PlanNode) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	n.Walk(func(c *appmodel.PlanNode) bool {
		switch {
		case strings.HasPrefix(c.Name, "BroadcastExchange") && c != n:
			// The other side of a join below: not this input.
			return true
		case strings.HasPrefix(c.Name, "InMemoryTableScan"):
			add("cached data")
			return false
		case strings.HasPrefix(c.Name, "Range"):
			add("spark.range")
			return false
		case strings.HasPrefix(c.Name, "Scan ExistingRDD") || strings.HasPrefix(c.Name, "Scan OneRowRelation") || strings.HasPrefix(c.Name, "LocalTableScan"):
			add("local data")
			return false
		}
		if s := ParseScan(c); s != nil {
			switch {
			case s.Table != "":
				add(s.Table)
			case s.Location != "":
				loc := strings.Split(s.Location, ", ")[0]
				loc = strings.TrimRight(loc, "/")
				if i := strings.LastIndexByte(loc, '/'); i >= 0 {
					loc = loc[i+1:]
				}
				add(loc)
			}
			return false
		}
		return true
	})
	return out
}

// passThrough are plan nodes that do not change which rows flow, only wrap
// or sort them.
var passThrough = []string{"WholeStageCodegen", "InputAdapter", "Project", "Filter", "ColumnarToRow", "RowToColumnar", "Sort",
	"AQEShuffleRead", "CustomShuffleReader", "ShuffleQueryStage", "BroadcastQueryStage", "ReusedExchange", "TableCacheQueryStage"}

// FirstExchange returns the first shuffle Exchange below n (n included),
// following only nodes that pass rows through (wrappers, projections,
// filters, sorts, AQE reads); nil when another operator comes first.
func FirstExchange(n *appmodel.PlanNode) *appmodel.PlanNode {
	for n != nil {
		if strings.HasPrefix(n.Name, "Exchange") || strings.HasPrefix(n.Name, "ShuffleExchange") {
			return n
		}
		pass := false
		for _, p := range passThrough {
			if strings.HasPrefix(n.Name, p) {
				pass = true
				break
			}
		}
		if !pass || len(n.Children) != 1 {
			return nil
		}
		n = n.Children[0]
	}
	return nil
}
