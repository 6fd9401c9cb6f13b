package files

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

func TestSmallWrites(t *testing.T) {
	check(t, []tcase{
		// partitionBy(event_date) of 8 tasks over 365 days: 2,920 files of 18 KiB.
		{"corpus small_files_write 3.5", corpus("3.5.9", "small_files_write.lzf"), SmallWrites, 1, detectors.Warning,
			[]string{"2,920 files", "365 partitions", "event_date", `repartition("event_date")`, "8 writer tasks", "365 files"}, 0},
		{"corpus small_files_write 4.3", corpus("4.3.0", "small_files_write.lzf"), SmallWrites, 1, detectors.Warning,
			[]string{"2,920 files", "365 partitions", `repartition("event_date")`}, -1},
		// coalesce(1) write of 30 rows: one file.
		{"corpus healthy", corpus("3.5.9", "healthy"), SmallWrites, 0, 0, nil, -1},
		// repartition(event_date).partitionBy(event_date): 30 files of MiBs.
		{"corpus q11_partitionby_write", corpus("3.5.9", "q11_partitionby_write.zstd"), SmallWrites, 0, 0, nil, -1},
		{"corpus small_files_read", corpus("3.5.9", "small_files_read.zstd"), SmallWrites, 0, 0, nil, -1},
		// repartition(800) before an unpartitioned write of 50 MiB.
		{"repartition(800) write", local("repartition_800_write.json"), SmallWrites, 1, detectors.Warning,
			[]string{"800 files", "repartitioned into 800 partitions", "coalesce(1)"}, -1},
		// Q11: repartition(200, user_id) then partitionBy(day).
		{"repartition on other columns then partitionBy", local("repartition_other_partitionby.json"), SmallWrites, 1, detectors.Warning,
			[]string{"repartition(200, user_id)", "200.0 files in each of 30 partitions", `repartition("day")`}, -1},
		// repartition(day).partitionBy(day) into 30 files of 20 MiB.
		{"healthy partitioned write", local("partitionby_healthy.json"), SmallWrites, 0, 0, nil, -1},
		// the right shape, but 400 partitions of 100 KiB: info.
		{"tiny partitions", local("partitionby_tiny_partitions.json"), SmallWrites, 1, detectors.Info,
			[]string{"already repartitioned", "coarser"}, -1},
	})
}

func TestSmallReads(t *testing.T) {
	check(t, []tcase{
		// 3,000 Parquet files of 27 KiB.
		{"corpus small_files_read 3.5", corpus("3.5.9", "small_files_read.zstd"), SmallReads, 1, detectors.Warning,
			[]string{"3,000 files", "small_files_3000", "spark.sql.files.openCostInBytes=", "compact"}, 1},
		{"corpus small_files_read 4.3", corpus("4.3.0", "small_files_read.zstd"), SmallReads, 1, detectors.Warning,
			[]string{"3,000 files", "small_files_3000"}, -1},
		{"corpus healthy", corpus("3.5.9", "healthy"), SmallReads, 0, 0, nil, -1},
		{"corpus small_files_write", corpus("3.5.9", "small_files_write.lzf"), SmallReads, 0, 0, nil, -1},
		{"corpus broadcast_missed", corpus("3.5.9", "broadcast_missed.snappy"), SmallReads, 0, 0, nil, -1},
		// 12,000 ORC files of 200 KiB: an error.
		{"orc small files", local("orc_small_files_read.json"), SmallReads, 1, detectors.Error,
			[]string{"12,000 files", "orc_events", "spark.read.orc"}, -1},
		// 200 files of 64 MiB.
		{"large files", local("large_files_read.json"), SmallReads, 0, 0, nil, -1},
	})
}

func TestSplitTasks(t *testing.T) {
	// 3,000 files of 27 KiB with the default 4 MiB open cost on 2 cores:
	// Spark made 94 tasks of ~32 files.
	if got := splitTasks(3000, 3000*27_800, 4<<20, 128<<20, 2); got < 90 || got > 100 {
		t.Errorf("splitTasks = %d, want about 94", got)
	}
	if got := splitTasks(3000, 3000*27_800, 128<<10, 128<<20, 2); got > 10 {
		t.Errorf("splitTasks with a 128 KiB open cost = %d, want a few", got)
	}
}
