package diff

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/advice/render"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// diff warns, at the top of its reports and in its JSON, when the two runs
// do not look like one job; real runs of one job pass without a warning.
func TestSameJob(t *testing.T) {
	for _, tc := range []struct {
		name      string
		base, new []string // under testdata
		likely    bool
		warning   string
	}{
		{name: "two nights of one job", base: []string{"recurring", "logs", "day08_normal.zstd"}, new: []string{"recurring", "logs", "day10_explosion.zstd"}, likely: true},
		{name: "one script under two Spark versions", base: []string{"spark", "logs", "3.5.9", "cluster_skew_join.zstd"}, new: []string{"spark", "logs", "4.3.0", "cluster_skew_join.zstd"}, likely: true},
		{name: "two TPC-DS-like queries", base: []string{"public", "nds_q86_test.zstd"}, new: []string{"public", "labeled", "nds_q66_cpu.zstd"},
			warning: "these runs do not look like the same job: names differ and they share 0 of "},
		{name: "unrelated applications", base: []string{"public", "rp_sql_eventlog.zstd"}, new: []string{"recurring", "logs", "day01_normal.zstd"},
			warning: "these runs do not look like the same job: names differ and they share 0 of "},
	} {
		d := Compare(loadSide(t, testlogs.Testdata(tc.base...)), loadSide(t, testlogs.Testdata(tc.new...)), Options{})
		sj := d.SameJob
		if sj.Likely != tc.likely || !strings.HasPrefix(sj.Warning, tc.warning) || (tc.likely && sj.Warning != "") {
			t.Errorf("%s: sameJob %+v; want likely %v, warning %q", tc.name, sj, tc.likely, tc.warning)
			continue
		}
		if tc.likely {
			if sj.BaseKey == "" || sj.BaseKey != sj.NewKey || sj.Similarity < minSimilarity {
				t.Errorf("%s: sameJob %+v", tc.name, sj)
			}
			continue
		}
		if len(d.Warnings) == 0 || d.Warnings[0] != sj.Warning || sj.Stages == 0 || !strings.HasSuffix(sj.Warning, " stages' call sites") {
			t.Errorf("%s: warnings %q, sameJob %+v", tc.name, d.Warnings, sj)
		}
		for _, format := range []string{"text", "markdown"} {
			var b bytes.Buffer
			if err := Render(&b, d, format, render.Options{}); err != nil {
				t.Fatal(err)
			}
			head := strings.SplitN(b.String(), "\n", 4)
			if len(head) < 3 || !strings.Contains(head[1]+head[2], tc.warning) {
				t.Errorf("%s, %s: the warning is not at the top:\n%s", tc.name, format, strings.Join(head[:min(3, len(head))], "\n"))
			}
			if n := strings.Count(b.String(), "do not look like the same job"); n != 1 {
				t.Errorf("%s, %s: the warning is written %d times", tc.name, format, n)
			}
		}
		t.Logf("%s: %s", tc.name, sj.Warning)
	}
}
