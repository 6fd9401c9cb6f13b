package broadcast

import (
	"path/filepath"
	"testing"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/detectortest"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
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

func TestTooLarge(t *testing.T) {
	check(t, []tcase{
		// threshold 1g: 3M rows, 139 MiB broadcast for 25 s.
		{"corpus broadcast_too_large 3.5", corpus("3.5.9", "broadcast_too_large.zstd"), TooLarge, 1, detectors.Warning,
			[]string{"139 MiB", "3,000,000 rows", "bcast_orders_3m", "user_id", "spark.sql.autoBroadcastJoinThreshold=10m"}, 2},
		{"corpus broadcast_too_large 4.3", corpus("4.3.0", "broadcast_too_large.zstd"), TooLarge, 1, detectors.Warning,
			[]string{"3,000,000 rows", "spark.sql.autoBroadcastJoinThreshold=10m"}, -1},
		// a 50-row dimension whose hash map reports 32 MiB of pages.
		{"corpus healthy", corpus("3.5.9", "healthy"), TooLarge, 0, 0, nil, -1},
		{"corpus broadcast_missed", corpus("3.5.9", "broadcast_missed.snappy"), TooLarge, 0, 0, nil, -1},
		{"corpus cartesian", corpus("3.5.9", "cartesian.zstd"), TooLarge, 0, 0, nil, -1},
		{"corpus partitions_too_many", corpus("3.5.9", "partitions_too_many"), TooLarge, 0, 0, nil, -1},
		// a 50-row table on a 16 GiB driver: 64 MiB of hash-map pages.
		{"big page of a tiny table", local("tiny_broadcast_big_page.json"), TooLarge, 0, 0, nil, -1},
		// 30 MiB but 200 s of the 300 s timeout.
		{"slow broadcast", local("slow_broadcast.json"), TooLarge, 1, detectors.Warning,
			[]string{"30.0 MiB", "3m 20s", "spark.sql.broadcastTimeout=600"}, -1},
		{"broadcast timeout", local("broadcast_timeout.json"), TooLarge, 1, detectors.Error,
			[]string{"failed while broadcasting", "Could not execute broadcast", "spark.sql.broadcastTimeout=900"}, -1},
		// threshold 1g on a 2g driver, only tiny broadcasts: info.
		{"threshold raised", local("threshold_raised.json"), TooLarge, 1, detectors.Info,
			[]string{"spark.sql.autoBroadcastJoinThreshold=1g", "spark.sql.autoBroadcastJoinThreshold=128m"}, -1},
	})
}

func TestMissed(t *testing.T) {
	check(t, []tcase{
		// threshold -1: 3M events shuffled to meet 50 countries.
		{"corpus broadcast_missed 3.5", corpus("3.5.9", "broadcast_missed.snappy"), Missed, 1, detectors.Warning,
			[]string{"149 MiB", "events_3m", "3,000,000 rows", "50 rows", "disabled", "spark.sql.autoBroadcastJoinThreshold=10m", "broadcast("}, 5},
		{"corpus broadcast_missed 4.3", corpus("4.3.0", "broadcast_missed.snappy"), Missed, 1, detectors.Warning,
			[]string{"events_3m", "disabled"}, -1},
		{"corpus healthy", corpus("3.5.9", "healthy"), Missed, 0, 0, nil, -1},
		{"corpus broadcast_too_large", corpus("3.5.9", "broadcast_too_large.zstd"), Missed, 0, 0, nil, -1},
		// two large sides.
		{"corpus skew_join_off", corpus("3.5.9", "skew_join_off.lzf"), Missed, 0, 0, nil, -1},
		{"corpus join_spill", corpus("3.5.9", "join_spill.snappy"), Missed, 0, 0, nil, -1},
		// the small side is the preserved side of a left outer join.
		{"left outer, small left", local("left_outer_small_left.json"), Missed, 0, 0, nil, -1},
		{"small side, default threshold", local("smj_small_side_default_threshold.json"), Missed, 1, detectors.Warning,
			[]string{"400 MiB", "97.7 KiB", "estimate", "broadcast(dim)"}, -1},
	})
}

func TestBroadcastTimeout(t *testing.T) {
	for _, c := range []struct {
		v    string
		want int64
	}{{"300", 300_000}, {"600s", 600_000}, {"10min", 600_000}, {"-1", 0}, {"1h", 3_600_000}} {
		app := &appmodel.Application{SparkProps: map[string]string{timeoutKey: c.v}}
		if got := broadcastTimeoutMs(app, nil); got != c.want {
			t.Errorf("%s: %d, want %d", c.v, got, c.want)
		}
	}
}
