package scans

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

func TestRowFormat(t *testing.T) {
	check(t, []tcase{
		// 3M events as CSV, read with inferSchema for a 2-column aggregation.
		{"corpus scan_csv 3.5", corpus("3.5.9", "scan_csv.zstd"), RowFormat, 1, detectors.Error,
			[]string{"270 MiB of CSV", "events_3m_csv", "3,000,000 rows", "2 columns", "schema-inference pass", "country STRING, amount DOUBLE"}, 2},
		{"corpus scan_csv 4.3", corpus("4.3.0", "scan_csv.zstd"), RowFormat, 1, 0,
			[]string{"of CSV", "events_3m_csv"}, -1},
		// the same query on Parquet.
		{"corpus scan_parquet", corpus("3.5.9", "scan_parquet.zstd"), RowFormat, 0, 0, nil, -1},
		{"corpus healthy", corpus("3.5.9", "healthy"), RowFormat, 0, 0, nil, -1},
		{"small csv", local("small_csv_scan.json"), RowFormat, 0, 0, nil, -1},
		{"large json", local("large_json_scan.json"), RowFormat, 1, detectors.Warning, []string{"900 MiB of JSON", "clicks"}, -1},
	})
}

func TestNoPruning(t *testing.T) {
	check(t, []tcase{
		// one day through the timestamp of a table partitioned by date.
		{"corpus scan_no_pruning 3.5", corpus("3.5.9", "scan_no_pruning.zstd"), NoPruning, 1, detectors.Error,
			[]string{"all 30 partitions", "events_4m_by_date", "134,253 of 4,000,000 rows", "on ts, not on the partition column"}, 1},
		{"corpus scan_no_pruning 4.3", corpus("4.3.0", "scan_no_pruning.zstd"), NoPruning, 1, 0,
			[]string{"all 30 partitions", "on ts"}, -1},
		// Q11: written with repartition(event_date) but no partitionBy.
		{"corpus q11_repartition_write 3.5", corpus("3.5.9", "q11_repartition_write.zstd"), NoPruning, 1, detectors.Warning,
			[]string{"all 8 files", "q11_repartitioned", "of 6,000,000 rows", "not partitioned by event_date", "repartition(event_date) but without partitionBy(event_date)",
				`.write.partitionBy("event_date")`}, 4},
		{"corpus q11_repartition_write 4.3", corpus("4.3.0", "q11_repartition_write.zstd"), NoPruning, 1, detectors.Warning,
			[]string{"not partitioned by event_date", "without partitionBy(event_date)"}, -1},
		// the same queries pruned by the partition column.
		{"corpus scan_pruned", corpus("3.5.9", "scan_pruned.zstd"), NoPruning, 0, 0, nil, -1},
		{"corpus q11_partitionby_write", corpus("3.5.9", "q11_partitionby_write.zstd"), NoPruning, 0, 0, nil, -1},
		{"corpus healthy", corpus("3.5.9", "healthy"), NoPruning, 0, 0, nil, -1},
		{"lookup by user_id", local("lookup_filter.json"), NoPruning, 0, 0, nil, -1},
		{"partition filter", local("partition_filter.json"), NoPruning, 0, 0, nil, -1},
	})
}

func TestMergedSchema(t *testing.T) {
	check(t, []tcase{
		// option("mergeSchema", "true") over 360 files in three schema versions.
		{"corpus merged_schema 3.5", corpus("3.5.9", "merged_schema.zstd"), MergedSchema, 1, 0,
			[]string{"Parquet files of", "merged_schema_table", "mergeSchema", "spark.read.schema(full_schema)"}, 0},
		{"corpus merged_schema 4.3", corpus("4.3.0", "merged_schema.zstd"), MergedSchema, 1, 0,
			[]string{"Parquet files of", "merged_schema_table"}, -1},
		// a single-footer schema read before each query.
		{"corpus small_files_read", corpus("3.5.9", "small_files_read.zstd"), MergedSchema, 0, 0, nil, -1},
		{"corpus scan_parquet", corpus("3.5.9", "scan_parquet.zstd"), MergedSchema, 0, 0, nil, -1},
		{"corpus healthy", corpus("3.5.9", "healthy"), MergedSchema, 0, 0, nil, -1},
		// a CSV inference pass is not a schema merge.
		{"corpus scan_csv", corpus("3.5.9", "scan_csv.zstd"), MergedSchema, 0, 0, nil, -1},
		{"csv load() inference", local("csv_load_inference.json"), MergedSchema, 0, 0, nil, -1},
		// spark.sql.orc.mergeSchema=true: 12 s over 5,000 footers.
		{"orc merge property", local("orc_merge_schema.json"), MergedSchema, 1, detectors.Warning,
			[]string{"5,000 ORC files", "spark.sql.orc.mergeSchema=true", "spark.sql.orc.mergeSchema=false", "12.0 s"}, 0},
	})
}
