package skew

import (
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

func findings(t *testing.T, path string) []detectors.Finding {
	t.Helper()
	logs, err := source.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	app, _, err := appmodel.Load(logs[0], eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return detectors.Run(app, []*detectors.Detector{Detector}, &detectors.Config{})
}

func TestSkew(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		stage   int // -1: must stay quiet
		kind    string
		keyword string // a word the advice must contain
	}{
		{"aggregation skew 3.5", testlogs.Testdata("spark", "logs", "3.5.9", "skew_agg.lz4"), 3, "Skewed partition", "country"},
		{"aggregation skew 4.3", testlogs.Testdata("spark", "logs", "4.3.0", "skew_agg.lz4"), 3, "Skewed partition", "country"},
		{"join skew, AQE skew join off", testlogs.Testdata("spark", "logs", "3.5.9", "skew_join_off.lzf"), 6, "Skewed partition", "skewJoin"},
		{"collect_list on 4 keys", testlogs.Testdata("spark", "logs", "3.5.9", "collect_list.zstd"), 3, "Skewed partition", ""},
		{"straggler on a YARN cluster", testlogs.Testdata("public", "labeled", "sparklint_event_log_0"), 0, "Straggler", "speculation"},
		{"healthy job", testlogs.Testdata("spark", "logs", "3.5.9", "healthy"), -1, "", ""},
		{"many tiny tasks", testlogs.Testdata("spark", "logs", "3.5.9", "partitions_too_many"), -1, "", ""},
		{"short test app", testlogs.Testdata("public", "labeled", "spark_local-1430917381534"), -1, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := findings(t, tt.path)
			if tt.stage < 0 {
				for _, f := range fs {
					t.Errorf("unexpected finding: %s", f.Message)
				}
				return
			}
			var got *detectors.Finding
			for i := range fs {
				if fs[i].Subject.StageID != nil && *fs[i].Subject.StageID == tt.stage {
					got = &fs[i]
				}
			}
			if got == nil {
				t.Fatalf("no finding for stage %d (got %d findings)", tt.stage, len(fs))
			}
			if !strings.HasPrefix(got.Message, tt.kind) {
				t.Errorf("message %q, want it to start with %q", got.Message, tt.kind)
			}
			text := got.Advice.Explanation + got.Advice.Snippet
			for _, c := range got.Advice.Changes {
				text += c.Key + c.Suggested
			}
			if !strings.Contains(text, tt.keyword) {
				t.Errorf("advice does not mention %q: %s", tt.keyword, text)
			}
			if got.Impact.SavingsMs <= 0 || got.Impact.WallClockShare <= 0 {
				t.Errorf("no impact: %+v", got.Impact)
			}
		})
	}
}
