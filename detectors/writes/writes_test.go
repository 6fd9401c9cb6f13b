package writes

import (
	"path/filepath"
	"testing"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/detectortest"
)

// tcase has detectortest.Case's fields; it is declared here so that the
// tables below can list them by position.
type tcase struct {
	Name     string
	Path     string
	D        *detectors.Detector
	Want     int
	Severity detectors.Severity
	Contains []string
	Stage    int
}

var (
	load   = detectortest.Load
	corpus = detectortest.Corpus
)

func check(t *testing.T, cases []tcase) {
	cs := make([]detectortest.Case, len(cases))
	for i, c := range cases {
		cs[i] = detectortest.Case(c)
	}
	detectortest.Check(t, cs)
}

func local(name string) string { return filepath.Join("testdata", name) }

func TestAppendWrite(t *testing.T) {
	check(t, []tcase{
		// ten daily appends to one Parquet table.
		{"corpus append_writes 3.5", corpus("3.5.9", "append_writes.zstd"), Detector, 1, detectors.Warning,
			[]string{"10 SQL executions", "append_table", "mode Append", "2,000,000 rows", "spark.sql.sources.partitionOverwriteMode=dynamic"}, -1},
		{"corpus append_writes 4.3", corpus("4.3.0", "append_writes.zstd"), Detector, 1, detectors.Warning,
			[]string{"10 SQL executions", "append_table"}, -1},
		// overwrite writes only.
		{"corpus healthy", corpus("3.5.9", "healthy"), Detector, 0, 0, nil, -1},
		{"corpus small_files_write", corpus("3.5.9", "small_files_write.lzf"), Detector, 0, 0, nil, -1},
		{"corpus q11_partitionby_write", corpus("3.5.9", "q11_partitionby_write.zstd"), Detector, 0, 0, nil, -1},
		{"corpus cache_once", corpus("3.5.9", "cache_once.zstd"), Detector, 0, 0, nil, -1},
		// one append: a hint.
		{"single append", local("single_append.json"), Detector, 1, detectors.Info,
			[]string{"SQL 0 appends to file:/warehouse/events", "1,000,000 rows"}, -1},
		// four appends to a table partitioned by day.
		{"appends to a partitioned table", local("appends_partitioned.json"), Detector, 1, detectors.Warning,
			[]string{"4 SQL executions", "partitioned by day", `partitionBy("day")`}, -1},
	})
}
