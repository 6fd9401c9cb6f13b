package cli

import (
	"bytes"
	"os"
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

// A damaged store is bad input: exit 3, a message that says how to rebuild
// it, never a panic (which exits 2, the usage-error code).
func TestBaselineDamagedStore(t *testing.T) {
	dir, _ := recurringSeries(t)
	db := filepath.Join(t.TempDir(), "b.db")
	if _, errs, code := run(t, nil, "review", "-q", "--baseline", db, dir); code != ExitOK {
		t.Fatalf("review: exit %d: %s", code, errs)
	}
	good, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if len(good) < 20000 {
		t.Fatalf("store of %d bytes: too small for the cuts below", len(good))
	}
	rec := bytes.Index(good, []byte(`"appId":`))
	if rec < 0 {
		t.Fatal("no record found in the store")
	}
	flip := func(off int) []byte {
		b := bytes.Clone(good)
		for i := off; i < off+12; i++ {
			b[i] ^= 0xA5
		}
		return b
	}
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		{"cut at 16 KiB", good[:16<<10], "is damaged"},
		{"cut at 20000 bytes", good[:20000], "is damaged"},
		{"empty", []byte{}, "is empty"},
		{"meta overwritten", flip(20), "is damaged"},
		{"record overwritten", flip(rec + 10), "is damaged"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "damaged.db")
			if err := os.WriteFile(p, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, args := range [][]string{
				{"baseline", "jobs", p},
				{"baseline", "show", p, "daily_orders_etl"},
				{"baseline", "forget", p, "daily_orders_etl"},
				{"review", "-q", "--baseline", p, dir},
			} {
				_, errs, code := run(t, nil, args...)
				if code != ExitNoInput || !strings.Contains(errs, c.want) {
					t.Errorf("%v: exit %d, want %d; stderr:\n%s", args, code, ExitNoInput, errs)
				}
				if c.want == "is damaged" && !strings.Contains(errs, "mv "+p+" "+p+".damaged") {
					t.Errorf("%v: no recovery advice:\n%s", args, errs)
				}
			}
		})
	}
}
