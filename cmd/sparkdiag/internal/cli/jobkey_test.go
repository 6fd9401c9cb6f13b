package cli

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/advice/fleet"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// --job-key decides which runs make one job: by default a name of the
// shells is no job, with shell-names it is one, a regex groups names, and
// a bad spec is a usage error.
func TestReviewJobKey(t *testing.T) {
	logs := []string{testlogs.Testdata("public", "rp_sql_eventlog.zstd"), testlogs.Testdata("triage", "dsAndDf_eventlog.zstd")}
	for _, tc := range []struct {
		spec string
		want map[string]string // app name: job key ("" none)
	}{
		{"", map[string]string{"Spark shell": "", "Rapids Spark Profiling Tool Unit Tests": "name=Rapids Spark Profiling Tool Unit Tests | user=user1"}},
		{"name,shell-names", map[string]string{"Spark shell": "name=Spark shell", "Rapids Spark Profiling Tool Unit Tests": "name=Rapids Spark Profiling Tool Unit Tests"}},
		{`regex:^(\w+) ,queue`, map[string]string{"Spark shell": "", "Rapids Spark Profiling Tool Unit Tests": "name~Rapids | queue="}},
	} {
		db := filepath.Join(t.TempDir(), "b.db")
		args := append([]string{"review", "-q", "-f", "jsonl", "--baseline", db}, logs...)
		if tc.spec != "" {
			args = append(args, "--job-key", tc.spec)
		}
		out, errs, code := run(t, nil, args...)
		if code != ExitOK && code != ExitFindings {
			t.Fatalf("--job-key %q: exit %d: %s", tc.spec, code, errs)
		}
		got := map[string]string{}
		var recorded []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var r fleet.Record
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				t.Fatal(err)
			}
			got[r.App.Name] = r.Job.Key
			if r.Job.Key != "" && r.App.Completed {
				recorded = append(recorded, r.Job.Key)
			}
			if r.Job.Key == "" && (r.Baseline == nil || !strings.HasPrefix(r.Baseline.Note, "no job identity")) {
				t.Errorf("--job-key %q: %s has no key and no note: %+v", tc.spec, r.App.Name, r.Baseline)
			}
		}
		for name, key := range tc.want {
			if got[name] != key {
				t.Errorf("--job-key %q: %s has key %q; want %q", tc.spec, name, got[name], key)
			}
		}
		// Only the runs with a job key (that completed) are recorded.
		var jobs []struct {
			Key string `json:"key"`
		}
		out, _, _ = run(t, nil, "baseline", "jobs", "-f", "json", db)
		if err := json.Unmarshal([]byte(out), &jobs); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, j := range jobs {
			keys = append(keys, j.Key)
			if j.Key == "" {
				t.Errorf("--job-key %q: a job without a key was recorded", tc.spec)
			}
		}
		for _, key := range recorded {
			if !slices.Contains(keys, key) {
				t.Errorf("--job-key %q: %q not recorded (jobs %q)", tc.spec, key, keys)
			}
		}
		if tc.spec == "name,shell-names" && len(recorded) != 2 {
			t.Errorf("--job-key %q: %d runs recorded; want both", tc.spec, len(recorded))
		}
		if len(keys) != len(recorded) {
			t.Errorf("--job-key %q: jobs %q; want %q", tc.spec, keys, recorded)
		}
	}
	if _, errs, code := run(t, nil, "review", "-q", "--baseline", filepath.Join(t.TempDir(), "b.db"), "--job-key", "nmae", logs[0]); code != ExitUsage || !strings.Contains(errs, `unknown part "nmae"`) {
		t.Errorf("a bad --job-key: exit %d: %s", code, errs)
	}
	if out, _, _ := run(t, nil, "review", "--help"); !strings.Contains(out, "--job-key") || !strings.Contains(out, "regex:^(.*?)") {
		t.Errorf("review --help has no --job-key example:\n%s", out)
	}
}
