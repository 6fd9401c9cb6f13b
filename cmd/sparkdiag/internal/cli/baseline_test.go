package cli

import (
	"path/filepath"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/advice/baseline"
)

func TestBaselineCommands(t *testing.T) {
	dir, series := recurringSeries(t)
	db := filepath.Join(t.TempDir(), "b.db")
	if _, errs, code := run(t, nil, "review", "-q", "--baseline", db, dir); code != ExitOK {
		t.Fatalf("review: exit %d: %s", code, errs)
	}
	out, _, code := run(t, nil, "baseline", "jobs", db)
	if code != ExitOK || !strings.Contains(out, "daily_orders_etl") || !strings.Contains(out, " 14 ") {
		t.Errorf("jobs: exit %d\n%s", code, out)
	}
	out, _, code = run(t, nil, "baseline", "show", "-f", "json", db, "daily_orders_etl")
	var shown struct {
		Name  string             `json:"name"`
		Usual map[string]float64 `json:"usual"`
		Runs  []baseline.Run     `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &shown); err != nil || code != ExitOK {
		t.Fatalf("show -f json: exit %d, %v", code, err)
	}
	if len(shown.Runs) != 14 || shown.Runs[0].AppID != series[0].AppID || shown.Usual["tasks"] == 0 {
		t.Errorf("show: %d runs, first %s, usual %v", len(shown.Runs), shown.Runs[0].AppID, shown.Usual)
	}
	text, _, _ := run(t, nil, "baseline", "show", db, "daily_orders_etl")
	if !strings.Contains(text, "usual (median)") || !strings.Contains(text, series[13].AppID) {
		t.Errorf("show text:\n%s", text)
	}
	// Forget the two regressed runs that would skew the usual values.
	out, _, code = run(t, nil, "baseline", "forget", db, "daily_orders_etl", series[9].AppID, series[12].AppID)
	if code != ExitOK || !strings.Contains(out, "forgot 2 runs") {
		t.Errorf("forget: exit %d: %s", code, out)
	}
	out, _, _ = run(t, nil, "baseline", "show", "-f", "json", db, "daily_orders_etl")
	if err := json.Unmarshal([]byte(out), &shown); err != nil || len(shown.Runs) != 12 {
		t.Errorf("after forget: %d runs (%v)", len(shown.Runs), err)
	}
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"baseline", "show", db, "no such job"}, ExitNoInput},
		{[]string{"baseline", "forget", db, "no such job"}, ExitNoInput},
		{[]string{"baseline", "jobs", filepath.Join(t.TempDir(), "missing.db")}, ExitNoInput},
		{[]string{"baseline", "jobs", "-f", "xml", db}, ExitUsage},
		{[]string{"baseline", "show", db}, ExitUsage},
	} {
		if _, errs, code := run(t, nil, c.args...); code != c.code {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, code, c.code, errs)
		}
	}
	out, _, _ = run(t, nil, "baseline", "forget", db, "daily_orders_etl")
	if !strings.Contains(out, "forgot 12 runs") {
		t.Errorf("forget job: %s", out)
	}
	if out, _, _ := run(t, nil, "baseline", "jobs", db); !strings.Contains(out, "no job") {
		t.Errorf("jobs after forgetting everything: %s", out)
	}
}
