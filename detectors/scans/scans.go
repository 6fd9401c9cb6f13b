// Package scans detects costly ways of reading tables: large scans of
// row-oriented text formats (SCAN001), scans that read every partition (or
// every file) of a table for a selective filter that partitioning could
// have answered (SCAN002), and Parquet/ORC reads that merge the schemas of
// all files (SCAN003).
package scans

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

const mib = 1 << 20

// RowFormat is SCAN001.
var RowFormat = &detectors.Detector{
	ID:       "SCAN001",
	Name:     "row-format-scan",
	Category: "scans",
	Severity: detectors.Warning,
	Problems: []string{"row-format-scan"},
	Doc: detectors.Doc{
		Title: "a large scan reads CSV, JSON or text files",
		Text: `Finds file scans of CSV, JSON and text data (Scan csv / Scan json / Scan text, or their Format
metadata) that read a lot of data. Row-oriented text formats must be read and parsed whole: every
column of every row is tokenized and converted even when the query needs two columns, nothing can
be skipped with statistics, and the files are several times larger than compressed columnar files.
Reading them with schema inference costs one more full pass before the query runs (Q23, Q24).

The finding gives the bytes, files and rows read, the scan time, the columns the query actually
needed (from the scan's ReadSchema) and, when the log has one, the separate job that read the data
to infer the schema. The advice is to convert the data to Parquet (or ORC) once and read that, and
to give the schema explicitly instead of inferring it.`,
		Thresholds: `No tool we know flags text formats by size; we report scans of at least 64 MiB (half a
default 128 MiB read split: below that, parsing costs little in absolute terms and converting is not
worth a pipeline change). The corpus' CSV scan reads ~280 MB; no other run reads text formats. The
finding is an error when the schema-inference pass it would save exceeds 30% of the application's
duration.`,
		Questions: []string{"Q23", "Q24"},
	},
	Params: []detectors.Param{
		{Name: "minBytes", Default: 64 * mib, Unit: "bytes", Doc: "least bytes a text-format scan must read"},
		{Name: "errorShare", Default: 0.3, Unit: "share", Doc: "raise to error when the estimated saving exceeds this share of the application's duration"},
	},
	Run: runRowFormat,
}

// NoPruning is SCAN002.
var NoPruning = &detectors.Detector{
	ID:       "SCAN002",
	Name:     "no-partition-pruning",
	Category: "scans",
	Severity: detectors.Warning,
	Problems: []string{"no-partition-pruning"},
	Doc: detectors.Doc{
		Title: "a selective query reads every partition or file of a table",
		Text: `Compares the rows a Parquet/ORC scan's filter kept with the rows of the table: the rows the scan
read or, when this application wrote the table, the rows it wrote (min/max statistics may have let
the scan skip row groups, but it still opened every file). When the filter keeps a small share, the
query paid to list, open and read data it threw away, and the file layout could have answered the
filter (Q25, Q11):

- **partitioned table, no partition filter**: the scan reports "number of partitions read" and has
  no PartitionFilters, so every partition was listed and read, while the filter is on another column
  (typically a timestamp instead of the date partition column). Filtering on the partition column
  lets Spark skip the other directories without opening them;
- **unpartitioned table filtered on a date or time column**: every file is opened for a query that
  keeps one slice of dates. When the same application wrote the table with repartition(col) but no
  partitionBy(col), the finding says so: repartition only decides which task writes which rows, it
  does not lay the data out by the column on disk (Q11).

The finding names the path, the filter and its columns, the partitions/files/bytes read and the
rows scanned versus kept; the advice is the filter on the partition column, or partitionBy on the
filtered column when writing the table.`,
		Thresholds: `DataFlint flags full scans of partitioned Delta tables without a filter on the partition
keys. We report a scan of at least 4 files and 32 MiB whose filter keeps at most a fifth of the
table's rows (so reading 5x what the query needed), which leaves unfiltered scans, small tables and
scans pruned by partition filters or dynamic partition pruning alone. Unpartitioned tables are only
judged when the filter is on a date or time column (by name, or a date literal): a lookup by id on
an unpartitioned table is not a layout problem partitioning would solve. The corpus' unpruned
queries keep 3% of the rows; the pruned ones have partition filters. The finding is an error when
the estimated saving (the scan stage's time for the rows the filter threw away) exceeds 30% of the
application's duration.`,
		Questions: []string{"Q25", "Q11"},
	},
	Params: []detectors.Param{
		{Name: "minFiles", Default: 4, Unit: "count", Doc: "least files the scan must read"},
		{Name: "minBytes", Default: 32 * mib, Unit: "bytes", Doc: "least bytes the scan must read"},
		{Name: "maxKeptShare", Default: 0.2, Unit: "share", Doc: "largest share of the table's rows the filter may keep"},
		{Name: "errorShare", Default: 0.3, Unit: "share", Doc: "raise to error when the estimated saving exceeds this share of the application's duration"},
	},
	Run: runNoPruning,
}

// MergedSchema is SCAN003.
var MergedSchema = &detectors.Detector{
	ID:       "SCAN003",
	Name:     "merged-schema",
	Category: "scans",
	Severity: detectors.Warning,
	Problems: []string{"merged-schema"},
	Doc: detectors.Doc{
		Title: "a read merges the schemas of all Parquet or ORC files",
		Text: `With mergeSchema (the reader option, or spark.sql.parquet.mergeSchema / spark.sql.orc.mergeSchema),
Spark reads the footer of every file of the table before the query can even be planned, in a
separate job, to union their schemas. Without it, Spark reads the schema of a single file. The cost
grows with the number of files, on every read (Q26).

The detector finds that job: a job started by DataFrameReader (parquet, orc, load) outside any SQL
execution that runs more than one task (reading one footer takes one task) and reads no input bytes
(footer reads are not counted as input; a schema-inference pass over CSV or JSON data is), and
names the mergeSchema properties when they are set. The finding gives the job's duration and tasks and the
files of the table the following query read; the advice is to read with a fixed schema (the current
full schema, kept with the pipeline) and to evolve it deliberately, or to use a table format that
keeps the schema in its metadata.`,
		Thresholds: `A schema-merge job is reported whatever its size (a single-footer read is never reported);
it is a warning from 1 s or 10% of the application's duration, an error from 30%, info below.`,
		Questions: []string{"Q26"},
	},
	Params: []detectors.Param{
		{Name: "minTasks", Default: 2, Unit: "count", Doc: "tasks of a reader job from which it reads more than one footer"},
		{Name: "warnMs", Default: 1000, Unit: "ms", Doc: "job duration from which the finding is a warning"},
		{Name: "warnShare", Default: 0.1, Unit: "share", Doc: "share of the application's duration from which the finding is a warning"},
		{Name: "errorShare", Default: 0.3, Unit: "share", Doc: "share of the application's duration from which the finding is an error"},
	},
	Run: runMergedSchema,
}

// --- SCAN001

var textFormats = map[string]string{"csv": "CSV", "json": "JSON", "text": "text"}

var readSchemaRe = regexp.MustCompile(`(\w+):`)

func runRowFormat(p *detectors.Pass) {
	a := p.App
	for _, x := range a.SQL {
		if x.FinalPlan() == nil {
			continue
		}
		for _, s := range detectors.Scans(x) {
			label, ok := textFormats[s.Format]
			if !ok {
				continue
			}
			if s.Format == "text" && (inferenceExecution(a, x) || inferenceOf(a, x, s)) {
				// Spark 4 runs CSV/JSON schema inference as its own
				// execution reading the files as text: the finding on the
				// real scan counts that pass.
				continue
			}
			bytes := s.Bytes
			if bytes < 0 {
				bytes = s.StaticBytes
			}
			stage := detectors.LongestStage(a, detectors.NodeStages(s.Node))
			if stage != nil {
				// "size of files read" counts the files selected; a query
				// that stops early (show, limit) reads less: the stage's
				// input bytes.
				if in := stage.Totals[appmodel.InputBytes]; in > 0 && (bytes < 0 || in < bytes) {
					bytes = in
				}
			}
			if float64(bytes) < p.Param("minBytes") {
				continue
			}
			reportRowFormat(p, x, s, label, bytes, stage)
		}
	}
}

// inferenceExecution reports whether x is the schema-inference pass of a
// CSV or JSON read: its stages were started by DataFrameReader.csv/json.
func inferenceExecution(a *appmodel.Application, x *appmodel.SQLExecution) bool {
	for _, st := range a.Stages {
		if st.SQLExecutionID != x.ID {
			continue
		}
		if (strings.HasPrefix(st.Name, "csv at ") || strings.HasPrefix(st.Name, "json at ")) && readerCall.MatchString(st.Details) {
			return true
		}
	}
	return false
}

// inferenceOf reports whether a text scan reads files that a later CSV or
// JSON scan reads as a whole: the schema-inference pass of that read.
func inferenceOf(a *appmodel.Application, x *appmodel.SQLExecution, s *detectors.ScanInfo) bool {
	loc := strings.TrimSuffix(strings.Fields(s.Location + " ")[0], ",")
	for _, y := range a.SQL {
		if y.ID <= x.ID || y.FinalPlan() == nil {
			continue
		}
		for _, t := range detectors.Scans(y) {
			if (t.Format == "csv" || t.Format == "json") && t.Location != "" {
				dir := strings.TrimSuffix(strings.Fields(t.Location + " ")[0], ",")
				if dir != "" && strings.HasPrefix(loc, strings.TrimSuffix(dir, "/")+"/") {
					return true
				}
			}
		}
	}
	return false
}

// inferenceJobs returns the stages, outside SQL executions or in the
// reader's own executions, that read the same text data to infer its
// schema: stages named "<format> at ..." started by DataFrameReader that
// ran before x.
func inferenceStages(a *appmodel.Application, x *appmodel.SQLExecution, format string) []*appmodel.Stage {
	var out []*appmodel.Stage
	for _, st := range a.Stages {
		if st.Status == appmodel.StageSkipped || st.SQLExecutionID == x.ID {
			continue
		}
		if !strings.HasPrefix(st.Name, format+" at ") || !readerCall.MatchString(st.Details) {
			continue
		}
		if st.SubmissionTime > 0 && x.StartTime > 0 && st.SubmissionTime > x.StartTime {
			continue
		}
		out = append(out, st)
	}
	return out
}

func reportRowFormat(p *detectors.Pass, x *appmodel.SQLExecution, s *detectors.ScanInfo, label string, bytes int64, stage *appmodel.Stage) {
	a := p.App
	loc := s.Location
	if loc == "" {
		loc = "the input"
	}
	f := detectors.Finding{
		Subject:     detectors.NodeSubject(x, s.Node, stage),
		CallSite:    detectors.SQLCallSite(a, x),
		SQLOperator: strings.TrimSpace(s.Node.Name),
		Evidence: []detectors.Evidence{
			detectors.EvT("bytes read", float64(bytes), "bytes", "≥", p.Param("minBytes")),
		},
	}
	if s.Files >= 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("files read", float64(s.Files), "count"))
	}
	if s.Rows >= 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("rows read", float64(s.Rows), "count"))
	}
	if s.ScanTimeMs >= 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("scan time (all tasks)", float64(s.ScanTimeMs), "ms"))
	}
	var cols []string
	if rs := s.Node.Metadata["ReadSchema"]; rs != "" {
		for _, m := range readSchemaRe.FindAllStringSubmatch(rs, -1) {
			cols = append(cols, m[1])
		}
		f.Evidence = append(f.Evidence, detectors.Ev("columns the query needed", float64(len(cols)), "count"))
	}
	infer := inferenceStages(a, x, s.Format)
	var inferMs, inferBytes, inferTask int64
	for _, st := range infer {
		inferMs += st.Duration()
		inferBytes += st.Totals[appmodel.InputBytes]
		inferTask += st.Totals[appmodel.RunTime]
	}
	if len(infer) > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("schema inference pass", float64(inferMs), "ms"))
		if inferBytes > 0 {
			f.Evidence = append(f.Evidence, detectors.Ev("bytes read to infer the schema", float64(inferBytes), "bytes"))
		}
	}
	if stage != nil {
		f.Impact = detectors.StageImpact(a, stage, 0)
		f.Impact.WallClockMs += inferMs
		f.Impact.WallClockShare = frac(f.Impact.WallClockMs, detectors.AppDuration(a))
		f.Impact.TaskTimeMs += inferTask
		f.Impact.TaskTimeShare = frac(f.Impact.TaskTimeMs, detectors.TotalTaskTime(a))
		f.Impact.SavingsMs = inferMs
	} else {
		f.Impact = detectors.SQLImpact(a, x, inferMs)
	}
	if float64(f.Impact.SavingsMs) > p.Param("errorShare")*float64(detectors.AppDuration(a)) {
		f.Severity = detectors.Error
	}
	f.Message = fmt.Sprintf("SQL %d parsed %s of %s from %s", x.ID, units.Bytes(bytes), label, loc)
	if s.Rows >= 0 {
		f.Message += fmt.Sprintf(" (%s rows", units.Count(s.Rows))
		if s.ScanTimeMs >= 0 {
			f.Message += fmt.Sprintf(", %s of scan time", units.Millis(s.ScanTimeMs))
		}
		f.Message += ")"
	}
	if len(cols) > 0 {
		f.Message += fmt.Sprintf(" for %d column%s", len(cols), plural(len(cols)))
	}
	if len(infer) > 0 {
		f.Message += fmt.Sprintf(", after a %s schema-inference pass over the same data", units.Millis(inferMs))
	}

	adv := detectors.Advice{Questions: []string{"Q23", "Q24"}}
	adv.Explanation = fmt.Sprintf("%s is a row format: every scan reads and parses every byte of every row, whatever columns the query uses, "+
		"cannot skip data with min/max statistics and reads files several times larger than compressed Parquet. "+
		"Convert the data to Parquet once (where it lands, or in a first step of the pipeline) and let the queries read that: "+
		"they then read only the columns they use", label)
	if len(cols) > 0 {
		adv.Explanation += fmt.Sprintf(" (%s here)", strings.Join(cols, ", "))
	}
	adv.Explanation += "."
	if len(infer) > 0 {
		adv.Explanation += fmt.Sprintf(" Schema inference read the data once more (%s) only to guess the column types: give the schema explicitly.", units.Millis(inferMs))
	}
	adv.Changes = append(adv.Changes, detectors.Change{Suggested: "spark.read.schema(schema)." + s.Format + "(path).write.parquet(parquet_path)",
		Why: fmt.Sprintf("convert %s to Parquet once and point the queries at the Parquet copy", loc)})
	if len(infer) > 0 {
		adv.Changes = append(adv.Changes, detectors.Change{Suggested: ".schema(...) instead of inferSchema=true",
			Why: fmt.Sprintf("skip the %s inference pass: declare the column types", units.Millis(inferMs))})
	}
	path := strings.Split(loc, ", ")[0]
	schema := ddlSchema(s.Node.Metadata["ReadSchema"])
	if schema == "" {
		schema = "<column types>"
	} else {
		schema += ", ..."
	}
	adv.Snippet = fmt.Sprintf(`# once: convert the %s data to Parquet, with an explicit schema
schema = %q  # the columns this query reads, then the others
(spark.read.schema(schema).%s(%q)
      .write.mode("overwrite").parquet(%q))
# then every query:
df = spark.read.parquet(%q)`, label, schema, s.Format, path, path+"_parquet", path+"_parquet")
	f.Advice = adv
	p.Report(f)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func frac(x, total int64) float64 {
	if total <= 0 || x <= 0 {
		return 0
	}
	return min(float64(x)/float64(total), 1)
}

// --- SCAN002

var (
	notNullRe  = regexp.MustCompile(`isnotnull\([^()]*\)`)
	dateNameRe = regexp.MustCompile(`(?i)(date|day|time|^ts$|_ts$|^dt$|_dt$|month|year|hour|_at$|period)`)
	dateLitRe  = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
)

// filterColumns returns the columns a scan's data filters test, leaving
// out bare not-null checks.
func filterColumns(s *detectors.ScanInfo) []string {
	f := s.DataFilters
	if f == "" {
		f = s.PushedFilters
	}
	f = notNullRe.ReplaceAllString(f, "")
	cols := detectors.Columns(f)
	if len(cols) == 0 && s.DataFilters == "" {
		// PushedFilters print plain names: EqualTo(event_date,2024-01-15).
		for _, m := range pushedColRe.FindAllStringSubmatch(s.PushedFilters, -1) {
			if !strings.HasPrefix(m[0], "IsNotNull") {
				cols = appendUnique(cols, m[1])
			}
		}
	}
	return cols
}

func appendUnique(xs []string, x string) []string {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

// keptRows returns the rows that the Filter right above the scan kept, or
// -1 when there is no such filter.
func keptRows(parents map[*appmodel.PlanNode]*appmodel.PlanNode, n *appmodel.PlanNode) (int64, *appmodel.PlanNode) {
	for p := parents[n]; p != nil; p = parents[p] {
		switch {
		case strings.HasPrefix(p.Name, "Filter"):
			return detectors.MetricValue(p, "number of output rows"), p
		case strings.HasPrefix(p.Name, "ColumnarToRow"), strings.HasPrefix(p.Name, "InputAdapter"), strings.HasPrefix(p.Name, "WholeStageCodegen"),
			strings.HasPrefix(p.Name, "Project"):
			continue
		default:
			return -1, nil
		}
	}
	return -1, nil
}

// candidate is a scan SCAN002 looks at.
type candidate struct {
	x           *appmodel.SQLExecution
	s           *detectors.ScanInfo
	filter      *appmodel.PlanNode
	cols        []string
	files       int64
	bytes       int64
	kept        int64
	table       int64 // rows of the table: the scan's, or what a write of this application put there
	partitioned bool
	writer      *appmodel.SQLExecution
	writerWrite *detectors.WriteInfo
	writerCol   string // the column the writer repartitioned by
}

func runNoPruning(p *detectors.Pass) {
	a := p.App
	for _, x := range a.SQL {
		if x.FinalPlan() == nil {
			continue
		}
		parents := detectors.PlanParents(x.FinalPlan())
		for _, s := range detectors.Scans(x) {
			if s.Format != "parquet" && s.Format != "orc" && s.Format != "delta" {
				continue
			}
			if s.PartitionFilters != "" || s.Rows <= 0 {
				continue
			}
			c := &candidate{x: x, s: s, files: s.Files, bytes: s.Bytes, table: s.Rows}
			if c.files < 0 || c.bytes < 0 {
				c.files, c.bytes = s.StaticFiles, s.StaticBytes
			}
			if float64(c.files) < p.Param("minFiles") || float64(c.bytes) < p.Param("minBytes") {
				continue
			}
			if c.cols = filterColumns(s); len(c.cols) == 0 {
				continue
			}
			if c.kept, c.filter = keptRows(parents, s.Node); c.kept < 0 {
				continue
			}
			c.partitioned = s.Partitions > 0 || s.Node.Metric("number of partitions read") != nil
			if !c.partitioned {
				if !dateLike(c.cols, s) {
					continue
				}
				// Parquet/ORC statistics may have skipped row groups, so the
				// scan's rows can be fewer than the table's: when this
				// application wrote the table, its row count is known.
				c.writer, c.writerWrite, c.writerCol = writerOf(a, x, s.Location, c.cols)
				if c.writerWrite != nil && c.writerWrite.Rows > c.table {
					c.table = c.writerWrite.Rows
				}
			}
			if float64(c.kept) > p.Param("maxKeptShare")*float64(c.table) {
				continue
			}
			reportNoPruning(p, c)
		}
	}
}

func dateLike(cols []string, s *detectors.ScanInfo) bool {
	for _, c := range cols {
		if dateNameRe.MatchString(c) {
			return true
		}
	}
	return dateLitRe.MatchString(s.DataFilters + s.PushedFilters)
}

var pushedColRe = regexp.MustCompile(`\w+\(([A-Za-z_][\w.]*),`)

var hashColsRe = regexp.MustCompile(`hashpartitioning\(([^)]*)`)

// writerOf finds the last unpartitioned write of this application to the
// scanned path before x, and the filter column it repartitioned the rows
// by, if any (Q11: repartition(col) without partitionBy(col)).
func writerOf(a *appmodel.Application, before *appmodel.SQLExecution, location string, cols []string) (*appmodel.SQLExecution, *detectors.WriteInfo, string) {
	path := strings.Split(location, ", ")[0]
	if path == "" {
		return nil, nil, ""
	}
	var bx *appmodel.SQLExecution
	var bw *detectors.WriteInfo
	var bcol string
	for _, x := range a.SQL {
		if x.FinalPlan() == nil || x.ID >= before.ID {
			continue
		}
		for _, w := range detectors.Writes(x) {
			if !samePath(w.Path, path) || len(w.PartitionColumns) > 0 {
				continue
			}
			bx, bw, bcol = x, w, ""
			for _, n := range detectors.Nodes(x, "Exchange") {
				if m := hashColsRe.FindStringSubmatch(n.SimpleString); m != nil {
					for _, c := range detectors.Columns(m[1]) {
						for _, fc := range cols {
							if bcol == "" && strings.EqualFold(c, fc) {
								bcol = c
							}
						}
					}
				}
			}
		}
	}
	return bx, bw, bcol
}

func samePath(a, b string) bool {
	norm := func(s string) string {
		s = strings.TrimPrefix(s, "file://")
		s = strings.TrimPrefix(s, "file:")
		return strings.TrimRight(s, "/")
	}
	return norm(a) == norm(b)
}

func reportNoPruning(p *detectors.Pass, c *candidate) {
	a := p.App
	x, s := c.x, c.s
	stage := detectors.LongestStage(a, detectors.NodeStages(s.Node))
	loc := strings.Split(s.Location, ", ")[0]
	if loc == "" {
		loc = "the table"
	}
	cond := s.DataFilters
	if c.filter != nil {
		cond = strings.TrimSpace(strings.TrimPrefix(c.filter.SimpleString, "Filter"))
	}
	cond = idSuffixRe.ReplaceAllString(cond, "")
	share := float64(c.kept) / float64(c.table)
	f := detectors.Finding{
		Subject:     detectors.NodeSubject(x, s.Node, stage),
		CallSite:    detectors.SQLCallSite(a, x),
		SQLOperator: strings.TrimSpace(s.Node.Name),
		Evidence: []detectors.Evidence{
			detectors.EvT("files read", float64(c.files), "count", "≥", p.Param("minFiles")),
			detectors.EvT("bytes of the files read", float64(c.bytes), "bytes", "≥", p.Param("minBytes")),
			detectors.Ev("rows scanned", float64(s.Rows), "count"),
			detectors.Ev("rows kept by the filter", float64(c.kept), "count"),
		},
	}
	if c.table > s.Rows {
		f.Evidence = append(f.Evidence, detectors.Ev("rows of the table (written by this application)", float64(c.table), "count"))
	}
	f.Evidence = append(f.Evidence, detectors.EvT("share of the table's rows kept", share, "share", "≤", p.Param("maxKeptShare")))
	if s.Partitions >= 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("partitions read", float64(s.Partitions), "count"))
	}
	if stage != nil {
		if in := stage.Totals[appmodel.InputBytes]; in > 0 {
			f.Evidence = append(f.Evidence, detectors.Ev("bytes the scan stage read", float64(in), "bytes"))
		}
	}
	if s.ScanTimeMs >= 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("scan time (all tasks)", float64(s.ScanTimeMs), "ms"))
	}
	// Reading only the matching partitions would save about the rest of
	// the scan stage's time.
	if stage != nil {
		f.Impact = detectors.StageImpact(a, stage, int64(float64(stage.Duration())*(1-share)))
	} else {
		f.Impact = detectors.SQLImpact(a, x, 0)
	}
	if float64(f.Impact.SavingsMs) > p.Param("errorShare")*float64(detectors.AppDuration(a)) {
		f.Severity = detectors.Error
	}
	colList := strings.Join(c.cols, ", ")
	adv := detectors.Advice{Questions: []string{"Q25", "Q11"}}
	if c.partitioned {
		parts := "all partitions"
		if s.Partitions > 0 {
			parts = fmt.Sprintf("all %s partitions", units.Count(s.Partitions))
		}
		f.Message = fmt.Sprintf("SQL %d read %s (%s files, %s) of %s and kept %s of %s rows: the filter %s is on %s, not on the partition column",
			x.ID, parts, units.Count(c.files), units.Bytes(c.bytes), loc, units.Count(c.kept), units.Count(c.table), cond, colList)
		adv.Explanation = fmt.Sprintf("The table is partitioned, but the query has no filter on its partition column, so Spark lists and reads every "+
			"partition and filters the rows afterwards (%s kept). A filter on the partition column is answered from the directory names: the other "+
			"partitions are never opened. Add the partition values matching the %s filter (e.g. the dates of the timestamp range) to the query.",
			units.Percent(share), colList)
		adv.Changes = []detectors.Change{{Suggested: `.where(F.col("<partition column>").isin(...))`,
			Why: fmt.Sprintf("filter on the partition column as well as on %s, so only the matching partitions of %s are read", colList, loc)}}
		adv.Snippet = fmt.Sprintf(`# keep the %[1]s filter and add the matching partition values
df = (spark.read.parquet(%[2]q)
        .where(F.col("<partition column>").isin(<values covering the %[1]s range>))
        .where(%[3]s))`, colList, loc, pyCond(cond))
	} else {
		col := c.cols[0]
		if c.writerCol != "" {
			col = c.writerCol
		}
		f.Message = fmt.Sprintf("SQL %d opened all %s files (%s) of %s for the filter %s and kept %s of %s rows: the table is not partitioned by %s",
			x.ID, units.Count(c.files), units.Bytes(c.bytes), loc, cond, units.Count(c.kept), units.Count(c.table), col)
		adv.Explanation = fmt.Sprintf("The query keeps %s of the table by %s, but the table is not partitioned on disk, so every file is opened "+
			"and its statistics or rows are read. Write the table with partitionBy(%q) (or a coarser derived column, such as the date of a timestamp) "+
			"so that such filters read only the matching directories.", units.Percent(share), colList, col)
		if c.writer != nil && c.writerCol != "" {
			f.Message += fmt.Sprintf("; SQL %d wrote it with repartition(%s) but without partitionBy(%s)", c.writer.ID, c.writerCol, c.writerCol)
			f.Evidence = append(f.Evidence, detectors.Ev("SQL execution that wrote the table", float64(c.writer.ID), "count"))
			adv.Explanation += fmt.Sprintf(" SQL %d wrote this table after repartition(%q): that only decides which task writes which rows; "+
				"it does not lay the data out by %s on disk. partitionBy(%q) on the writer does (Q11).", c.writer.ID, c.writerCol, c.writerCol, c.writerCol)
			adv.Questions = []string{"Q11", "Q25"}
		}
		adv.Changes = []detectors.Change{{Suggested: fmt.Sprintf(".write.partitionBy(%q)", col),
			Why: fmt.Sprintf("partition %s by %s when writing it, so filters on it read only the matching directories", loc, col)}}
		adv.Snippet = fmt.Sprintf(`(df.repartition(%[1]q)          # one writer per value
   .write.mode("overwrite")
   .partitionBy(%[1]q)           # directories %[1]s=<value>/: filters on it skip the others
   .parquet(%[2]q))`, col, loc)
	}
	f.Advice = adv
	p.Report(f)
}

var idSuffixRe = regexp.MustCompile(`#\d+L?`)

// --- SCAN003

var readerCall = regexp.MustCompile(`(?m)^\s*(?:at )?org\.apache\.spark\.sql\.(?:classic\.)?DataFrameReader\.(parquet|orc|load|json|csv|table)\(`)

func runMergedSchema(p *detectors.Pass) {
	a := p.App
	var props []string
	for _, key := range []string{"spark.sql.parquet.mergeSchema", "spark.sql.orc.mergeSchema"} {
		v, ok := a.SparkProps[key]
		for _, x := range a.SQL {
			if w, set := x.ModifiedConfigs[key]; set {
				v, ok = w, true
			}
		}
		if ok && strings.EqualFold(strings.TrimSpace(v), "true") {
			props = append(props, key)
		}
	}
	stages := append([]*appmodel.Stage(nil), a.Stages...)
	sort.SliceStable(stages, func(i, j int) bool { return stages[i].ID < stages[j].ID })
	for _, st := range stages {
		if st.Status == appmodel.StageSkipped || st.NumTasks < int(p.Param("minTasks")) {
			continue
		}
		m := readerCall.FindStringSubmatch(st.Details)
		if m == nil || (m[1] != "parquet" && m[1] != "orc" && m[1] != "load" && m[1] != "table") {
			continue
		}
		if !strings.HasPrefix(st.Name, "parquet at ") && !strings.HasPrefix(st.Name, "orc at ") && !strings.HasPrefix(st.Name, "load at ") &&
			!strings.HasPrefix(st.Name, "table at ") {
			continue
		}
		// Listing jobs say so in their description; jobs that read data
		// (schema inference of text formats loaded with load()) count input
		// bytes, footer reads do not.
		if strings.HasPrefix(st.Description, "Listing leaf files") || st.Totals[appmodel.InputBytes] > 0 ||
			st.SQLExecutionID >= 0 && sqlHasPlan(a, st.SQLExecutionID) {
			continue
		}
		reportMerge(p, st, props)
	}
}

// sqlHasPlan reports whether the execution has a query plan with a scan
// (a real query, not a reader's own job).
func sqlHasPlan(a *appmodel.Application, id int64) bool {
	for _, x := range a.SQL {
		if x.ID == id && x.FinalPlan() != nil {
			return len(detectors.Scans(x)) > 0
		}
	}
	return false
}

func reportMerge(p *detectors.Pass, st *appmodel.Stage, props []string) {
	a := p.App
	dur := st.Duration()
	format := "Parquet"
	if strings.HasPrefix(st.Name, "orc") {
		format = "ORC"
	}
	// The table: the scan with the most files of the first query after the job.
	var next *appmodel.SQLExecution
	for _, x := range a.SQL {
		if x.StartTime >= st.SubmissionTime && len(detectors.Scans(x)) > 0 && (next == nil || x.StartTime < next.StartTime) {
			next = x
		}
	}
	var scan *detectors.ScanInfo
	if next != nil {
		for _, s := range detectors.Scans(next) {
			if scan == nil || s.Files > scan.Files {
				scan = s
			}
		}
	}
	f := detectors.Finding{
		Severity: detectors.Info,
		Subject:  detectors.StageSubject(st),
		CallSite: detectors.CallSite(a, st),
		Evidence: []detectors.Evidence{
			detectors.EvT("schema-merge job tasks", float64(st.NumTasks), "count", "≥", p.Param("minTasks")),
			detectors.Ev("schema-merge job time", float64(dur), "ms"),
			detectors.Ev("schema-merge task time", float64(st.Totals[appmodel.RunTime]), "ms"),
		},
		Impact: detectors.StageImpact(a, st, dur),
	}
	switch {
	case f.Impact.WallClockShare >= p.Param("errorShare"):
		f.Severity = detectors.Error
	case float64(dur) >= p.Param("warnMs") || f.Impact.WallClockShare >= p.Param("warnShare"):
		f.Severity = detectors.Warning
	}
	loc := "the table"
	if scan != nil {
		if scan.Location != "" {
			loc = strings.Split(scan.Location, ", ")[0]
		}
		if scan.Files >= 0 {
			f.Evidence = append(f.Evidence, detectors.Ev("files of the table", float64(scan.Files), "count"))
		}
	}
	for _, k := range props {
		f.Evidence = append(f.Evidence, detectors.Ev(k+"=true", 1, "count"))
	}
	f.Message = fmt.Sprintf("Stage %d read the %s footers of %s to merge their schemas (%d tasks, %s) before the query could start",
		st.ID, format, loc, st.NumTasks, units.Millis(dur))
	if scan != nil && scan.Files > 0 {
		f.Message = fmt.Sprintf("Stage %d read the footers of all %s %s files of %s to merge their schemas (%s) before the query could start",
			st.ID, units.Count(scan.Files), format, loc, units.Millis(dur))
	}
	if len(props) > 0 {
		f.Message += " (" + strings.Join(props, ", ") + "=true)"
	} else {
		f.Message += " (mergeSchema option)"
	}
	adv := detectors.Advice{Questions: []string{"Q26"}}
	adv.Explanation = "mergeSchema makes Spark open every file of the table and read its footer to union the schemas, on every read, before " +
		"planning the query; without it Spark reads one file's schema. Keep the table's full schema with the pipeline and pass it to the reader, " +
		"add columns deliberately (new nullable columns read as null from old files), or use a table format (Delta Lake, Iceberg) that records the " +
		"schema in its metadata."
	for _, k := range props {
		adv.Changes = append(adv.Changes, detectors.Change{Key: k, Current: detectors.Current(a, k), Suggested: "false",
			Why: "read one footer instead of all; give the schema explicitly where columns were added"})
	}
	adv.Changes = append(adv.Changes, detectors.Change{Suggested: `spark.read.schema(full_schema).parquet(path)`,
		Why: "read with the known full schema instead of option(\"mergeSchema\", \"true\")"})
	schema := "<the table's full schema>"
	if scan != nil {
		if ddl := ddlSchema(scan.Node.Metadata["ReadSchema"]); ddl != "" {
			schema = ddl
		}
	}
	adv.Snippet = fmt.Sprintf(`# the merged schema this query read (from the plan), kept with the pipeline
full_schema = %q
df = spark.read.schema(full_schema).%s(%q)   # no mergeSchema: no footer-reading job`, schema, strings.ToLower(format), loc)
	f.Advice = adv
	p.Report(f)
}

var structFieldRe = regexp.MustCompile(`([A-Za-z_][\w]*):((?:decimal\(\d+,\d+\))|[a-z]+)`)

// ddlSchema turns a plan's ReadSchema ("struct<id:bigint,ts:timestamp>")
// into a DDL schema string ("id BIGINT, ts TIMESTAMP"); nested types are
// left out ("" when there is nothing simple to show).
func ddlSchema(rs string) string {
	rs = strings.TrimSpace(rs)
	if !strings.HasPrefix(rs, "struct<") {
		return ""
	}
	body := strings.TrimSuffix(strings.TrimPrefix(rs, "struct<"), ">")
	if strings.ContainsAny(body, "<") {
		return ""
	}
	var cols []string
	for _, m := range structFieldRe.FindAllStringSubmatch(body, -1) {
		cols = append(cols, m[1]+" "+strings.ToUpper(m[2]))
	}
	return strings.Join(cols, ", ")
}

// pyCond writes a plan filter as a SQL expression string for where().
func pyCond(cond string) string {
	if cond == "" {
		return `"<the same filter>"`
	}
	return fmt.Sprintf("%q", cond)
}
