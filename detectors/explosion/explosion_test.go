package explosion

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

func load(t *testing.T, path string) *appmodel.Application {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Skipf("log not available: %s", path)
	}
	logs, err := source.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	app, _, err := appmodel.Load(logs[0], eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func corpus(version, name string) string { return testlogs.Testdata("spark", "logs", version, name) }

func local(name string) string { return filepath.Join("testdata", name) }

type tcase struct {
	name     string
	path     string
	d        *detectors.Detector
	want     int                // findings expected
	severity detectors.Severity // of the first finding, when want > 0 (0: any)
	contains []string           // in the first finding's message or advice
	stage    int                // expected subject stage, -1 for any
}

func check(t *testing.T, cases []tcase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			app := load(t, c.path)
			fs := detectors.Run(app, []*detectors.Detector{c.d}, &detectors.Config{})
			if len(fs) != c.want {
				for _, f := range fs {
					t.Log(f.Message)
				}
				t.Fatalf("%s: %d findings, want %d", c.d.ID, len(fs), c.want)
			}
			if c.want == 0 {
				return
			}
			f := fs[0]
			if c.severity != 0 && f.Severity != c.severity {
				t.Errorf("severity %s, want %s", f.Severity, c.severity)
			}
			text := f.Message + "\n" + f.Advice.Explanation + "\n" + f.Advice.Snippet
			for _, ch := range f.Advice.Changes {
				text += "\n" + ch.Key + "=" + ch.Suggested + " " + ch.Why
			}
			for _, s := range c.contains {
				if !strings.Contains(text, s) {
					t.Errorf("finding lacks %q:\n%s", s, text)
				}
			}
			if c.stage >= 0 && (f.Subject.StageID == nil || *f.Subject.StageID != c.stage) {
				t.Errorf("subject %+v, want stage %d", f.Subject, c.stage)
			}
			if len(f.Evidence) == 0 || f.Advice.Explanation == "" || len(f.Advice.Changes) == 0 {
				t.Errorf("finding without evidence or advice: %+v", f)
			}
		})
	}
}

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
