// Package files detects writes that produce many small files (FILES001) and
// scans that read many small files (FILES002).
//
// Both read the SQL plan's file metrics: a write command's "number of
// written files", "written output" and "number of dynamic part"; a file
// scan's "number of files read" and "size of files read". Every file costs a
// task slot, an open, a footer read and, on object stores, several requests,
// however small it is; thousands of files of a few KiB spend more time on
// that than on data.
package files

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

const (
	mib = 1 << 20
	// targetFileBytes is the file size the advice aims at: the size Spark
	// itself reads per task (spark.sql.files.maxPartitionBytes) and the
	// usual row-group-friendly Parquet file size.
	targetFileBytes = 128 * mib
)

// SmallWrites is FILES001.
var SmallWrites = &detectors.Detector{
	ID:       "FILES001",
	Name:     "small-files-write",
	Category: "files",
	Severity: detectors.Warning,
	Problems: []string{"small-files-write"},
	Doc: detectors.Doc{
		Title: "a write produces many small files",
		Text: `For every file write of an SQL execution (InsertIntoHadoopFsRelationCommand, Hive inserts and
the other commands that report "number of written files"), divides the bytes written by the files
written. Many files of a few KiB or MiB each cost more to write, commit, list and read back than the
data itself (Q5).

The finding says why so many files were written, read off the plan below the write:

- **partitionBy without a repartition**: every task writes one file per output partition it holds,
  so the write makes up to tasks × partitions files (8 tasks × 365 days = 2,920 files);
- **repartition(N) on other columns before partitionBy** (Q11): each of the N shuffle partitions
  holds rows of every output partition, so again up to N × partitions files;
- **too many writer tasks** for the amount of data in an unpartitioned write;
- **partitions finer than the data**: the rows were repartitioned by the partition columns (one file
  per output partition, the right shape) but each partition holds only a few KiB; this is reported as
  info, the partitioning column is too fine-grained.

The advice gives the file count that makes ~128 MiB files (bytes written / 128 MiB, at least one per
output partition), the code change with the real output path and partition columns (repartition by
the partition columns before partitionBy, coalesce/repartition(N) for unpartitioned writes) and, when
partitions are large, spark.sql.files.maxRecordsPerFile to cap the file size.`,
		Thresholds: `DataFlint flags a write whose files average under 3 MB when it writes more than 100 files and
aims its repartition advice at 128 MB files; we use the same limits (average < 3 MiB, at least 100
files) and the same target. The corpus' small-files write (2,920 files of 18 KiB) is far inside;
healthy writes of a few files never reach the file count. Severity rises to error from 10,000
files, or when the estimated saving (the share of the job commit time spent on surplus files)
exceeds 30% of the application's duration.`,
		Questions: []string{"Q5", "Q11", "Q10"},
	},
	Params: []detectors.Param{
		{Name: "minFiles", Default: 100, Unit: "count", Doc: "least files a write must produce"},
		{Name: "maxAvgFileBytes", Default: 3 * mib, Unit: "bytes", Doc: "average file size under which the files are small"},
		{Name: "targetFileBytes", Default: targetFileBytes, Unit: "bytes", Doc: "file size the recommended file count aims at"},
		{Name: "errorFiles", Default: 10000, Unit: "count", Doc: "files from which the finding is an error"},
		{Name: "errorShare", Default: 0.3, Unit: "share", Doc: "raise to error when the estimated saving exceeds this share of the application's duration"},
	},
	Run: runWrites,
}

// SmallReads is FILES002.
var SmallReads = &detectors.Detector{
	ID:       "FILES002",
	Name:     "small-files-read",
	Category: "files",
	Severity: detectors.Warning,
	Problems: []string{"small-files-read"},
	Doc: detectors.Doc{
		Title: "a scan reads many small files",
		Text: `For every file scan of an SQL execution, divides "size of files read" by "number of files read"
(after dynamic partition pruning; the static numbers when only those are logged). A table made of
thousands of files of a few KiB makes every query open each file and read its footer, and Spark
packs only a few of them into each task, so the scan runs many short tasks (Q5).

The finding names the table path, the files, bytes and rows read, the scan's tasks and scan time. The
advice is to compact the table into files of ~128 MiB (the file count is computed from the bytes read)
and, until then, to let Spark pack more small files into each task by lowering
spark.sql.files.openCostInBytes (the cost Spark charges per file, 4 MiB by default) close to the real
file size; the finding estimates the task count that gives. Scans of the same path in several queries
are reported once.`,
		Thresholds: `DataFlint flags a scan whose files average under 3 MB when it reads more than 100 files;
spark-advisor warns when the average input per task is under 10 MB. We use DataFlint's limits
(average < 3 MiB, at least 100 files). The corpus' small-files table (3,000 files of 27 KiB) is far
inside; the other scans read 1–8 files of 10+ MiB. Severity rises to error from 10,000 files.`,
		Questions: []string{"Q5"},
	},
	Params: []detectors.Param{
		{Name: "minFiles", Default: 100, Unit: "count", Doc: "least files a scan must read"},
		{Name: "maxAvgFileBytes", Default: 3 * mib, Unit: "bytes", Doc: "average file size under which the files are small"},
		{Name: "targetFileBytes", Default: targetFileBytes, Unit: "bytes", Doc: "file size the compaction advice aims at"},
		{Name: "errorFiles", Default: 10000, Unit: "count", Doc: "files from which the finding is an error"},
	},
	Run: runReads,
}

// --- FILES001

// layout is how rows reached the writer tasks.
type layout struct {
	kind string // "none", "byPartitionColumns", "repartitionOther", "roundRobin", "coalesce", "single", "range"
	n    int64  // the shuffle's or coalesce's partition count (0 when unknown)
	cols []string
	node *appmodel.PlanNode
}

var (
	hashPartRe  = regexp.MustCompile(`^Exchange hashpartitioning\((.*), (\d+)\)`)
	roundRobin  = regexp.MustCompile(`^Exchange RoundRobinPartitioning\((\d+)\)`)
	rangePartRe = regexp.MustCompile(`^Exchange rangepartitioning\((.*), (\d+)\)`)
	coalesceRe  = regexp.MustCompile(`^Coalesce (\d+)`)
)

// writeLayout follows the plan down from the write to the first operator
// that decides which task holds which rows.
func writeLayout(w *detectors.WriteInfo) layout {
	n := w.Node
	for n != nil {
		s := n.SimpleString
		switch {
		case strings.HasPrefix(n.Name, "Exchange") || strings.HasPrefix(n.Name, "ShuffleExchange"):
			s = strings.TrimPrefix(s, "Shuffle")
			if m := hashPartRe.FindStringSubmatch(s); m != nil {
				cols := detectors.Columns(m[1])
				k, _ := strconv.ParseInt(m[2], 10, 64)
				if coversAll(cols, w.PartitionColumns) {
					return layout{kind: "byPartitionColumns", n: k, cols: cols, node: n}
				}
				return layout{kind: "repartitionOther", n: k, cols: cols, node: n}
			}
			if m := roundRobin.FindStringSubmatch(s); m != nil {
				k, _ := strconv.ParseInt(m[1], 10, 64)
				return layout{kind: "roundRobin", n: k, node: n}
			}
			if m := rangePartRe.FindStringSubmatch(s); m != nil {
				k, _ := strconv.ParseInt(m[2], 10, 64)
				return layout{kind: "range", n: k, cols: detectors.Columns(m[1]), node: n}
			}
			if strings.Contains(s, "SinglePartition") {
				return layout{kind: "single", n: 1, node: n}
			}
			return layout{kind: "none", node: n}
		case strings.HasPrefix(n.Name, "Coalesce"):
			if m := coalesceRe.FindStringSubmatch(s); m != nil {
				k, _ := strconv.ParseInt(m[1], 10, 64)
				return layout{kind: "coalesce", n: k, node: n}
			}
		}
		if len(n.Children) == 0 {
			break
		}
		n = n.Children[0]
	}
	return layout{kind: "none"}
}

func coversAll(have, want []string) bool {
	if len(want) == 0 {
		return false
	}
	set := map[string]bool{}
	for _, c := range have {
		set[strings.ToLower(c)] = true
	}
	for _, c := range want {
		if !set[strings.ToLower(c)] {
			return false
		}
	}
	return true
}

func runWrites(p *detectors.Pass) {
	a := p.App
	for _, x := range a.SQL {
		if x.FinalPlan() == nil {
			continue
		}
		for _, w := range detectors.Writes(x) {
			if w.Files < int64(p.Param("minFiles")) || w.Bytes < 0 {
				continue
			}
			avg := w.Bytes / max(w.Files, 1)
			if float64(avg) >= p.Param("maxAvgFileBytes") {
				continue
			}
			reportWrite(p, x, w, avg)
		}
	}
}

func reportWrite(p *detectors.Pass, x *appmodel.SQLExecution, w *detectors.WriteInfo, avg int64) {
	a := p.App
	target := int64(p.Param("targetFileBytes"))
	parts := max(w.DynamicPartitions, 0)
	partitioned := parts > 0 || len(w.PartitionColumns) > 0
	lay := writeLayout(w)
	stage := detectors.LongestStage(a, detectors.NodeStages(w.Node))
	writers := int64(0)
	if stage != nil {
		writers = int64(stage.NumTasks)
	}
	need := ceilDiv(w.Bytes, target)
	rec := max(need, 1)
	if parts > 0 {
		rec = max(need, parts)
	}
	path := w.Path
	if path == "" {
		path = "the output"
	}
	cols := w.PartitionColumns
	colList := quoteList(cols)
	if colList == "" {
		colList = `"<partition column>"`
	}

	f := detectors.Finding{
		Subject:     detectors.NodeSubject(x, w.Node, stage),
		CallSite:    detectors.SQLCallSite(a, x),
		SQLOperator: w.Command,
		Evidence: []detectors.Evidence{
			detectors.EvT("files written", float64(w.Files), "count", "≥", p.Param("minFiles")),
			detectors.EvT("average file size", float64(avg), "bytes", "<", p.Param("maxAvgFileBytes")),
			detectors.Ev("bytes written", float64(w.Bytes), "bytes"),
		},
	}
	if w.Rows >= 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("rows written", float64(w.Rows), "count"))
	}
	if parts > 0 {
		f.Evidence = append(f.Evidence,
			detectors.Ev("output partitions", float64(parts), "count"),
			detectors.Ev("files per output partition", float64(w.Files)/float64(parts), "ratio"),
			detectors.Ev("bytes per output partition", float64(w.Bytes/parts), "bytes"))
	}
	if writers > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("writer tasks", float64(writers), "count"))
	}
	if w.JobCommitMs >= 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("job commit time", float64(w.JobCommitMs), "ms"))
	}
	f.Evidence = append(f.Evidence, detectors.Ev("recommended files", float64(rec), "count"))
	var savings int64
	if w.JobCommitMs > 0 && w.Files > rec {
		savings = w.JobCommitMs * (w.Files - rec) / w.Files
	}
	f.Impact = detectors.SQLImpact(a, x, savings)
	if w.Files >= int64(p.Param("errorFiles")) || float64(f.Impact.SavingsMs) > p.Param("errorShare")*float64(detectors.AppDuration(a)) {
		f.Severity = detectors.Error
	}

	what := fmt.Sprintf("SQL %d wrote %s files averaging %s (%s in all) to %s", x.ID, units.Count(w.Files), units.Bytes(avg), units.Bytes(w.Bytes), path)
	if parts > 0 {
		what += fmt.Sprintf(", %.1f files in each of %s partitions", float64(w.Files)/float64(parts), units.Count(parts))
		if len(cols) > 0 {
			what += " by " + strings.Join(cols, ", ")
		}
	}
	adv := detectors.Advice{Questions: []string{"Q5"}}
	perPart := int64(0)
	if parts > 0 {
		perPart = w.Bytes / parts
	}
	switch {
	case partitioned && lay.kind == "byPartitionColumns":
		// The right shape: one writer per output partition. The partitions
		// themselves are tiny.
		f.Severity = detectors.Info
		f.Message = what + "; the rows were already repartitioned by the partition columns, the partitions themselves are tiny"
		adv.Explanation = fmt.Sprintf("The write is shaped correctly (repartitioned by %s, so each output partition is written by one task), "+
			"but the output partitions hold only %s each on average: the partition column is finer than the data. "+
			"Partition by a coarser column (e.g. month instead of day), or do not partition a table this small.", strings.Join(cols, ", "), units.Bytes(perPart))
		adv.Questions = []string{"Q5", "Q11", "Q25"}
		adv.Changes = []detectors.Change{{Why: fmt.Sprintf("partition %s by a coarser column so that each partition holds tens of MiB or more (%s in %s partitions now)",
			path, units.Bytes(w.Bytes), units.Count(parts))}}
	case partitioned:
		cause := "each writer task wrote one file for every output partition it held"
		switch lay.kind {
		case "repartitionOther", "roundRobin":
			how := fmt.Sprintf("repartition(%d)", lay.n)
			if lay.kind == "repartitionOther" && len(lay.cols) > 0 {
				how = fmt.Sprintf("repartition(%d, %s)", lay.n, strings.Join(lay.cols, ", "))
			}
			cause = fmt.Sprintf("the rows were spread by %s, not by the partition columns, so each of the %d shuffle partitions wrote a file into every output partition", how, lay.n)
			adv.Questions = []string{"Q5", "Q11", "Q10"}
		case "coalesce", "single", "range":
			cause = "the writer tasks each held rows of many output partitions"
		default:
			if writers > 0 {
				cause = fmt.Sprintf("no repartition before partitionBy: each of the %d writer tasks wrote one file for every output partition it held (up to %d × %d files)",
					writers, writers, parts)
			}
		}
		f.Message = what + "; " + cause
		adv.Explanation = fmt.Sprintf("With partitionBy, every task writes a separate file into each output partition it has rows for. "+
			"Repartition by the partition columns (%s) before the write so that each output partition is written by one task: "+
			"about %s instead of %s.", strings.Join(cols, ", "), nFiles(rec), units.Count(w.Files))
		if perPart > target && w.Rows > 0 {
			// Big partitions: one file each would be too large; cap the file size.
			rowsPerFile := w.Rows * target / max(w.Bytes, 1)
			rowsPerFile = roundRows(rowsPerFile)
			adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.files.maxRecordsPerFile", Current: detectors.Current(a, "spark.sql.files.maxRecordsPerFile"),
				Suggested: strconv.FormatInt(rowsPerFile, 10),
				Why:       fmt.Sprintf("the partitions average %s; with one writer per partition this caps files at ~%s", units.Bytes(perPart), units.Bytes(target))})
		}
		adv.Changes = append([]detectors.Change{{Suggested: fmt.Sprintf("df.repartition(%s).write.partitionBy(%s)", colList, colList),
			Why: fmt.Sprintf("repartition by %s before partitionBy: about %s of ~%s instead of %s files of %s",
				strings.Join(nonEmpty(cols, "the partition columns"), ", "), nFiles(rec), units.Bytes(w.Bytes/max(rec, 1)), units.Count(w.Files), units.Bytes(avg))}}, adv.Changes...)
		if perPart > 0 && perPart < int64(p.Param("maxAvgFileBytes")) {
			adv.Explanation += fmt.Sprintf(" Even then each partition holds only %s: consider a coarser partition column.", units.Bytes(perPart))
		}
		adv.Snippet = fmt.Sprintf(`(df.repartition(%s)
   .write.mode("overwrite")
   .partitionBy(%s)
   .%s(%q))`, colList, colList, formatMethod(w.Format), w.Path)
	default:
		cause := "too many writer tasks for the data"
		if writers > 0 {
			cause = fmt.Sprintf("%d writer tasks for %s of data", writers, units.Bytes(w.Bytes))
		}
		if lay.kind == "roundRobin" || lay.kind == "repartitionOther" {
			cause = fmt.Sprintf("the data was repartitioned into %d partitions before the write, one file each", lay.n)
			adv.Questions = []string{"Q5", "Q10"}
		}
		f.Message = what + "; " + cause
		adv.Explanation = fmt.Sprintf("Every writer task writes at least one file, so the file count follows the number of partitions of the written data, not its size. "+
			"Reduce the partitions before the write to %d (bytes written / %s): coalesce(%d) merges partitions without a shuffle, "+
			"repartition(%d) evens them out at the cost of one.", rec, units.Bytes(target), rec, rec)
		adv.Changes = []detectors.Change{{Suggested: fmt.Sprintf("df.coalesce(%d).write", rec),
			Why: fmt.Sprintf("write %s of ~%s instead of %s files of %s", nFiles(rec), units.Bytes(w.Bytes/max(rec, 1)), units.Count(w.Files), units.Bytes(avg))}}
		adv.Snippet = fmt.Sprintf(`df.coalesce(%d).write.mode("overwrite").%s(%q)`, rec, formatMethod(w.Format), w.Path)
	}
	if strings.EqualFold(w.Mode, "Append") {
		adv.Explanation += " The write appends, so the small files accumulate run after run: compact the table periodically."
	}
	f.Advice = adv
	p.Report(f)
}

func roundRows(n int64) int64 {
	if n <= 1000 {
		return max(n, 1)
	}
	// two significant digits, rounded down (files stay under the target).
	p := int64(1)
	for n/p >= 100 {
		p *= 10
	}
	return n / p * p
}

func nonEmpty(xs []string, def string) []string {
	if len(xs) == 0 {
		return []string{def}
	}
	return xs
}

func quoteList(cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = strconv.Quote(c)
	}
	return strings.Join(q, ", ")
}

func formatMethod(f string) string {
	switch strings.ToLower(f) {
	case "orc":
		return "orc"
	case "csv":
		return "csv"
	case "json":
		return "json"
	case "text":
		return "text"
	default:
		return "parquet"
	}
}

// --- FILES002

type readFinding struct {
	x     *appmodel.SQLExecution
	s     *detectors.ScanInfo
	files int64
	bytes int64
	scans int // scans of the same location
}

func runReads(p *detectors.Pass) {
	a := p.App
	byLoc := map[string]*readFinding{}
	var order []string
	for _, x := range a.SQL {
		if x.FinalPlan() == nil {
			continue
		}
		for _, s := range detectors.Scans(x) {
			files, bytes := s.Files, s.Bytes
			if files < 0 || bytes < 0 {
				files, bytes = s.StaticFiles, s.StaticBytes
			}
			if files < int64(p.Param("minFiles")) || bytes < 0 {
				continue
			}
			if float64(bytes/max(files, 1)) >= p.Param("maxAvgFileBytes") {
				continue
			}
			key := s.Location
			if key == "" {
				key = fmt.Sprintf("sql%d/node%d", x.ID, s.Node.ID)
			}
			if r := byLoc[key]; r != nil {
				r.scans++
				if files > r.files {
					r.x, r.s, r.files, r.bytes = x, s, files, bytes
				}
				continue
			}
			byLoc[key] = &readFinding{x: x, s: s, files: files, bytes: bytes, scans: 1}
			order = append(order, key)
		}
	}
	sort.Strings(order)
	for _, k := range order {
		reportRead(p, byLoc[k])
	}
}

const defaultOpenCost = 4 * mib

func reportRead(p *detectors.Pass, r *readFinding) {
	a := p.App
	x, s := r.x, r.s
	avg := r.bytes / max(r.files, 1)
	target := int64(p.Param("targetFileBytes"))
	rec := max(ceilDiv(r.bytes, target), 1)
	stage := detectors.LongestStage(a, detectors.NodeStages(s.Node))
	loc := s.Location
	if loc == "" {
		loc = "the table"
	}
	f := detectors.Finding{
		Subject:     detectors.NodeSubject(x, s.Node, stage),
		CallSite:    detectors.SQLCallSite(a, x),
		SQLOperator: strings.TrimSpace(s.Node.Name),
		Evidence: []detectors.Evidence{
			detectors.EvT("files read", float64(r.files), "count", "≥", p.Param("minFiles")),
			detectors.EvT("average file size", float64(avg), "bytes", "<", p.Param("maxAvgFileBytes")),
			detectors.Ev("bytes read", float64(r.bytes), "bytes"),
		},
	}
	if s.Rows >= 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("rows read", float64(s.Rows), "count"))
	}
	if s.ScanTimeMs >= 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("scan time (all tasks)", float64(s.ScanTimeMs), "ms"))
	}
	tasks := 0
	if stage != nil {
		tasks = stage.NumTasks
		f.Evidence = append(f.Evidence, detectors.Ev("scan tasks", float64(tasks), "count"))
		f.Impact = detectors.StageImpact(a, stage, 0)
	} else {
		f.Impact = detectors.SQLImpact(a, x, 0)
	}
	if r.scans > 1 {
		f.Evidence = append(f.Evidence, detectors.Ev("scans of this path", float64(r.scans), "count"))
	}
	if r.files >= int64(p.Param("errorFiles")) {
		f.Severity = detectors.Error
	}
	f.Message = fmt.Sprintf("SQL %d read %s files averaging %s (%s in all) from %s", x.ID, units.Count(r.files), units.Bytes(avg), units.Bytes(r.bytes), loc)
	if tasks > 0 {
		f.Message += fmt.Sprintf(" in %s tasks", units.Count(int64(tasks)))
	}
	if r.scans > 1 {
		f.Message += fmt.Sprintf("; %d scans read this path", r.scans)
	}

	adv := detectors.Advice{Questions: []string{"Q5"}}
	adv.Explanation = fmt.Sprintf("Each file costs an open and a footer read (several requests on object stores) however small it is, and Spark charges "+
		"spark.sql.files.openCostInBytes per file when it packs files into tasks, so %s files of %s make many short tasks that mostly open files. "+
		"Compact the table into about %s of ~%s (rewrite it once, and fix the job that writes it: see FILES001). "+
		"Until then, a per-file cost close to the real file size lets each task take many more files.",
		units.Count(r.files), units.Bytes(avg), nFiles(rec), units.Bytes(r.bytes/rec))
	openCost, _ := detectors.SQLConf(a, x, "spark.sql.files.openCostInBytes")
	cur := int64(defaultOpenCost)
	if v, err := detectors.ParseSize(openCost); err == nil && v > 0 {
		cur = v
	}
	// The smallest per-file cost (a power of two from the real file size
	// up) that still leaves two tasks per task slot, so that fewer, fuller
	// tasks do not leave cores idle.
	maxPB := detectors.SQLConfInt(a, x, "spark.sql.files.maxPartitionBytes", 128*mib)
	slots := int64(detectors.TaskSlots(a))
	par := slots
	if v, ok := a.SparkProps["spark.default.parallelism"]; ok {
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n > 0 {
			par = n
		}
	}
	for sugg := nicePow2(max(avg, 64<<10)); sugg < cur; sugg *= 2 {
		est := splitTasks(r.files, r.bytes, sugg, maxPB, par)
		if est < 2*slots {
			continue
		}
		why := fmt.Sprintf("charge each file about its real size (%s) instead of %s when packing files into tasks", units.Bytes(avg), units.Bytes(cur))
		if tasks > 0 && est < int64(tasks) {
			why += fmt.Sprintf(": about %s scan tasks instead of %s", units.Count(est), units.Count(int64(tasks)))
		}
		adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.files.openCostInBytes", Current: detectors.Current(a, "spark.sql.files.openCostInBytes"),
			Suggested: sizeConf(sugg), Why: why})
		break
	}
	adv.Changes = append(adv.Changes, detectors.Change{Suggested: fmt.Sprintf("spark.read.%s(path).coalesce(%d).write.%s(new_path)", formatMethod(s.Format), rec, formatMethod(s.Format)),
		Why: fmt.Sprintf("compact %s into %s of ~%s", loc, nFiles(rec), units.Bytes(r.bytes/rec))})
	adv.Snippet = fmt.Sprintf(`# one-off compaction of %s
df = spark.read.%s(%q)
df.coalesce(%d).write.mode("overwrite").%s(%q)  # then swap the paths`, loc, formatMethod(s.Format), strings.Split(loc, ", ")[0], rec, formatMethod(s.Format), strings.Split(loc, ", ")[0]+"_compacted")
	f.Advice = adv
	p.Report(f)
}

// splitTasks estimates how many tasks Spark makes for a scan of files of
// equal size: it charges every file its length plus openCost and closes a
// task when the next file would pass maxSplit, where maxSplit is
// maxPartitionBytes, lowered to the bytes per core (but not below
// openCost) so that every core gets work.
func splitTasks(files, bytes, openCost, maxPartitionBytes, parallelism int64) int64 {
	if files <= 0 {
		return 0
	}
	avg := bytes / files
	total := bytes + files*openCost
	perCore := total / max(parallelism, 1)
	maxSplit := min(maxPartitionBytes, max(openCost, perCore))
	perTask := int64(1)
	if avg+openCost > 0 {
		perTask = max((maxSplit-avg)/(avg+openCost)+1, 1)
	}
	return ceilDiv(files, perTask)
}

// nicePow2 rounds up to a power of two.
func nicePow2(b int64) int64 {
	n := int64(1)
	for n < b {
		n <<= 1
	}
	return n
}

func sizeConf(b int64) string {
	switch {
	case b >= mib && b%mib == 0:
		return fmt.Sprintf("%dm", b/mib)
	case b%1024 == 0:
		return fmt.Sprintf("%dk", b/1024)
	default:
		return strconv.FormatInt(b, 10)
	}
}

// nFiles is "1 file", "365 files".
func nFiles(n int64) string {
	if n == 1 {
		return "1 file"
	}
	return units.Count(n) + " files"
}

func ceilDiv(a, b int64) int64 {
	if b <= 0 {
		return 0
	}
	return (a + b - 1) / b
}
