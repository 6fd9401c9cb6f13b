// Package writes detects append-mode writes (WRITE001): a job that appends
// its output is not idempotent, since a retried or re-run job adds its rows a
// second time.
package writes

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Detector is WRITE001.
var Detector = &detectors.Detector{
	ID:       "WRITE001",
	Name:     "append-write",
	Category: "files",
	Severity: detectors.Warning,
	Problems: []string{"append-write"},
	Doc: detectors.Doc{
		Title: "a job appends to its output instead of replacing it",
		Text: `Finds file writes in save mode Append (InsertIntoHadoopFsRelationCommand prints the mode; V2
AppendData writes are appends too) and groups them by output path. An append is not idempotent: when
the job, a stage or the whole application is retried or re-run for the same input, the rows are
written again and the table holds duplicates; every run also adds files that nothing compacts (Q22).

Several appends to the same path in one application (a loop over days, a backfill) are a warning;
a single append is a hint (info), since it may be the deliberate end of a pipeline that already
deduplicates. The advice is to make the write replace exactly the slice it produces: partition the
output by the batch key and overwrite with spark.sql.sources.partitionOverwriteMode=dynamic, or use
a table format with MERGE / replaceWhere (Delta, Iceberg), or tag rows with a run id and
deduplicate on read.`,
		Thresholds: `Appending is always a risk, so the only threshold is how sure we are that it is a pattern:
three or more appends to the same path in one application make a warning (the corpus' daily-append
job appends ten times; no other run appends at all); fewer are info.`,
		Questions: []string{"Q22", "Q5"},
	},
	Params: []detectors.Param{
		{Name: "minAppends", Default: 3, Unit: "count", Doc: "appends to the same path in one application that make a warning (fewer are info)"},
	},
	Run: run,
}

type appendWrite struct {
	x *appmodel.SQLExecution
	w *detectors.WriteInfo
}

func run(p *detectors.Pass) {
	a := p.App
	byPath := map[string][]appendWrite{}
	for _, x := range a.SQL {
		if x.FinalPlan() == nil {
			continue
		}
		for _, w := range detectors.Writes(x) {
			if !strings.EqualFold(w.Mode, "Append") {
				continue
			}
			byPath[w.Path] = append(byPath[w.Path], appendWrite{x, w})
		}
		for _, n := range detectors.Nodes(x, "AppendData") {
			w := &detectors.WriteInfo{Node: n, Command: "AppendData", Mode: "Append", Files: -1, Bytes: -1, Rows: -1}
			w.Path = strings.TrimSpace(strings.TrimPrefix(n.SimpleString, "AppendData"))
			if i := strings.IndexByte(w.Path, ','); i > 0 {
				w.Path = w.Path[:i]
			}
			byPath[w.Path] = append(byPath[w.Path], appendWrite{x, w})
		}
	}
	paths := make([]string, 0, len(byPath))
	for k := range byPath {
		paths = append(paths, k)
	}
	sort.Strings(paths)
	for _, path := range paths {
		report(p, path, byPath[path])
	}
}

func report(p *detectors.Pass, path string, ws []appendWrite) {
	a := p.App
	last := ws[len(ws)-1]
	var rows, bytes, files, wall int64
	var ids []string
	for _, w := range ws {
		rows += max(w.w.Rows, 0)
		bytes += max(w.w.Bytes, 0)
		files += max(w.w.Files, 0)
		if d := w.x.EndTime - w.x.StartTime; d > 0 {
			wall += d
		}
		ids = append(ids, fmt.Sprint(w.x.ID))
	}
	if len(ids) > 8 {
		ids = append(ids[:3], "…", ids[len(ids)-1])
	}
	name := path
	if name == "" {
		name = "the same output"
	}
	f := detectors.Finding{
		Severity:    detectors.Info,
		Subject:     detectors.NodeSubject(last.x, last.w.Node, nil),
		CallSite:    detectors.SQLCallSite(a, last.x),
		SQLOperator: last.w.Command,
		Evidence: []detectors.Evidence{
			detectors.EvT("appends to this path", float64(len(ws)), "count", "≥", p.Param("minAppends")),
		},
		Impact: detectors.Impact{WallClockMs: wall, WallClockShare: frac(wall, detectors.AppDuration(a))},
	}
	if len(ws) < int(p.Param("minAppends")) {
		f.Evidence[0] = detectors.Ev("appends to this path", float64(len(ws)), "count")
	} else {
		f.Severity = detectors.Warning
	}
	if rows > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("rows appended", float64(rows), "count"))
	}
	if bytes > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("bytes appended", float64(bytes), "bytes"))
	}
	if files > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("files added", float64(files), "count"))
	}
	if len(ws) == 1 {
		f.Message = fmt.Sprintf("SQL %d appends to %s (mode Append): a retry or re-run of this job writes its %s rows again", last.x.ID, name, units.Count(rows))
	} else {
		f.Message = fmt.Sprintf("%d SQL executions (%s) append to %s (mode Append, %s rows, %s files in all): a retry or re-run duplicates rows",
			len(ws), strings.Join(ids, ", "), name, units.Count(rows), units.Count(files))
	}
	var partCols []string
	for _, w := range ws {
		if len(w.w.PartitionColumns) > 0 {
			partCols = w.w.PartitionColumns
		}
	}
	adv := detectors.Advice{Questions: []string{"Q22"}}
	adv.Explanation = "An append adds rows without knowing what is already there, so the write is not idempotent: when the job (or a stage, " +
		"or the application) is retried or re-run for the same input, its rows are added a second time, and every run adds more files. " +
		"Make each run replace exactly the slice of data it produces."
	if len(partCols) > 0 {
		adv.Explanation += fmt.Sprintf(" The output is partitioned by %s: overwrite with dynamic partition overwrite so that a run replaces only the partitions it writes.",
			strings.Join(partCols, ", "))
	} else {
		adv.Explanation += " Partition the output by the batch key (the load date or run id) and overwrite with dynamic partition overwrite, " +
			"or use a table format with MERGE / replaceWhere (Delta Lake, Iceberg)."
	}
	if len(ws) > 1 && files > 0 {
		adv.Explanation += fmt.Sprintf(" The %d appends also left %s files that nothing compacts.", len(ws), units.Count(files))
	}
	mode, _ := detectors.SQLConf(a, last.x, "spark.sql.sources.partitionOverwriteMode")
	if !strings.EqualFold(mode, "dynamic") {
		adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.sources.partitionOverwriteMode", Current: detectors.Current(a, "spark.sql.sources.partitionOverwriteMode"),
			Suggested: "dynamic", Why: "mode(\"overwrite\") then replaces only the partitions the run writes, so a re-run replaces its own rows instead of adding them again"})
	}
	key := "load_date"
	if len(partCols) > 0 {
		key = partCols[0]
	}
	adv.Changes = append(adv.Changes, detectors.Change{Suggested: fmt.Sprintf(`.write.mode("overwrite").partitionBy("%s")`, key),
		Why: fmt.Sprintf(`write with mode("overwrite") and partitionBy("%s") instead of mode("append")`, key)})
	adv.Snippet = fmt.Sprintf(`spark.conf.set("spark.sql.sources.partitionOverwriteMode", "dynamic")
(batch.withColumn(%[1]q, F.lit(run_date))      # the slice this run owns
      .write.mode("overwrite")                 # replaces only the partitions written
      .partitionBy(%[1]q)
      .parquet(%[2]q))`, key, path)
	f.Advice = adv
	p.Report(f)
}

func frac(x, total int64) float64 {
	if total <= 0 || x <= 0 {
		return 0
	}
	return min(float64(x)/float64(total), 1)
}
