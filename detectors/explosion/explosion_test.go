package explosion

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

func TestExplosion(t *testing.T) {
	check(t, []tcase{
		// 4,000 × 5,000 stores × promotions in a nested loop.
		{"corpus cartesian 3.5", corpus("3.5.9", "cartesian.zstd"), Detector, 1, detectors.Warning,
			[]string{"BroadcastNestedLoopJoin", "20,000,000 row pairs", "(start >= opened)", "equality"}, 1},
		{"corpus cartesian 4.3", corpus("4.3.0", "cartesian.zstd"), Detector, 1, detectors.Warning,
			[]string{"20,000,000 row pairs"}, -1},
		// 200k orders × 150 items.
		{"corpus explode 3.5", corpus("3.5.9", "explode.zstd"), Detector, 1, detectors.Warning,
			[]string{"explode", "200,000 rows into 30,000,000", "150 per row"}, 0},
		{"corpus explode 4.3", corpus("4.3.0", "explode.zstd"), Detector, 1, detectors.Warning,
			[]string{"200,000 rows into 30,000,000"}, -1},
		// collect_list(payload) over 4 device types.
		{"corpus collect_list", corpus("3.5.9", "collect_list.zstd"), Detector, 1, detectors.Warning,
			[]string{"collect_list(struct(ts, user_id, amount, payload))", "device", "4 groups", "750,000"}, -1},
		{"corpus healthy", corpus("3.5.9", "healthy"), Detector, 0, 0, nil, -1},
		// joins of 10M rows that do not multiply them.
		{"corpus skew_join_off", corpus("3.5.9", "skew_join_off.lzf"), Detector, 0, 0, nil, -1},
		{"corpus join_spill", corpus("3.5.9", "join_spill.snappy"), Detector, 0, 0, nil, -1},
		{"corpus broadcast_too_large", corpus("3.5.9", "broadcast_too_large.zstd"), Detector, 0, 0, nil, -1},
		// 1.5M rows joined into 60M on a repeated customer_id.
		{"duplicate key join", local("duplicate_key_join.json"), Detector, 1, detectors.Warning,
			[]string{"customer_id", "60,000,000 rows", "40.0x"}, -1},
		// 1,000 × 500 = 500k pairs: too small to matter.
		{"small cross join", local("small_cross_join.json"), Detector, 0, 0, nil, -1},
	})
}
