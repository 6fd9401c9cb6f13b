package baseline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func run(app string, start, dur, input int64) Run {
	return Run{AppID: app, Name: "nightly", Start: start, DurationMs: dur, InputBytes: input,
		TaskTimeMs: dur * 4, ShuffleReadBytes: input / 2, ShuffleWriteBytes: input / 2, Tasks: 400, TaskSkew: 3}
}

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "baseline.db")
	s, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, p
}

func TestStoreRecordAndHistory(t *testing.T) {
	s, _ := openTemp(t)
	const gb = 1 << 30
	for i := 5; i >= 1; i-- { // recorded out of order on purpose
		if err := s.Record(run("app-"+string(rune('0'+i)), int64(i)*86_400_000, 600_000, 10*gb), 0); err != nil {
			t.Fatal(err)
		}
	}
	// Recording the same attempt again replaces it.
	again := run("app-3", 3*86_400_000, 999_000, 10*gb)
	if err := s.Record(again, 0); err != nil {
		t.Fatal(err)
	}
	other := run("x", 1, 1, 1)
	other.Name = "other job"
	if err := s.Record(other, 0); err != nil {
		t.Fatal(err)
	}
	all, err := s.Runs("nightly")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 {
		t.Fatalf("runs = %d, want 5", len(all))
	}
	for i, r := range all {
		if want := "app-" + string(rune('1'+i)); r.AppID != want {
			t.Errorf("run %d = %s, want %s (oldest first)", i, r.AppID, want)
		}
	}
	if all[2].DurationMs != 999_000 {
		t.Errorf("re-recorded run kept the old figures: %d", all[2].DurationMs)
	}
	cur := run("app-4", 4*86_400_000, 1, 1)
	h, err := s.History(&cur, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].AppID != "app-2" || h[1].AppID != "app-3" {
		t.Errorf("history before app-4 (limit 2) = %+v", h)
	}
	jobs, err := s.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].Name != "nightly" || jobs[0].Runs != 5 || jobs[0].First != 86_400_000 || jobs[0].Last != 5*86_400_000 {
		t.Errorf("jobs = %+v", jobs)
	}
	// Retention keeps the newest.
	if err := s.Record(run("app-6", 6*86_400_000, 1, 1), 3); err != nil {
		t.Fatal(err)
	}
	all, _ = s.Runs("nightly")
	if len(all) != 3 || all[0].AppID != "app-4" {
		t.Errorf("after keep=3: %d runs, first %s", len(all), all[0].AppID)
	}
	if err := s.Record(Run{AppID: "y"}, 0); err == nil {
		t.Error("a run without a name was recorded")
	}
}

func TestStoreLockedAndForeign(t *testing.T) {
	_, p := openTemp(t)
	_, err := Open(p, Options{LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Errorf("second writer: err = %v, want ErrLocked", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, []byte(strings.Repeat("not a database ", 1000)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(junk, Options{}); err == nil {
		t.Error("a file that is not a store opened")
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.db"), Options{ReadOnly: true}); err == nil {
		t.Error("a missing store opened read-only")
	}
}

func TestCompare(t *testing.T) {
	const mb = 1 << 20
	// Ten ordinary nights: 10 min +-5 %, 10 GB +-3 %.
	var hist []Run
	for i := 0; i < 10; i++ {
		wiggle := int64(i%3 - 1) // -1, 0, 1
		hist = append(hist, run("h", int64(i), 600_000+wiggle*30_000, 10_000*mb+wiggle*300*mb))
	}
	cases := []struct {
		name    string
		run     Run
		want    []string // metric:direction
		verdict string
	}{
		{"usual night", run("n", 99, 620_000, 10_100*mb), nil, ""},
		{"noise within spread", run("n", 99, 700_000, 10_000*mb), nil, ""},
		{"proportional growth", run("n", 99, 1_250_000, 20_000*mb), []string{"duration:up", "taskTime:up", "input:up", "shuffle:up"}, "proportional"},
		{"slower than input", func() Run { r := run("n", 99, 2_400_000, 10_000*mb); r.TaskTimeMs = 2_400_000 * 4; return r }(), []string{"duration:up", "taskTime:up"}, "faster than the data"},
		{"input fell", run("n", 99, 600_000, 1_000*mb), []string{"input:down"}, ""},
		{"spill appears", func() Run { r := run("n", 99, 600_000, 10_000*mb); r.DiskBytesSpilled = 3000 * mb; return r }(), []string{"spill:up"}, ""},
		{"small spill is noise", func() Run { r := run("n", 99, 600_000, 10_000*mb); r.DiskBytesSpilled = 1 * mb; return r }(), nil, ""},
		{"failures appear", func() Run { r := run("n", 99, 600_000, 10_000*mb); r.FailedTasks = 4; return r }(), []string{"failedTasks:up"}, ""},
		{"task count", func() Run { r := run("n", 99, 600_000, 10_000*mb); r.Tasks = 2000; return r }(), []string{"tasks:up"}, ""},
		{"skew appears", func() Run { r := run("n", 99, 600_000, 10_000*mb); r.TaskSkew = 20; return r }(), []string{"skew:up"}, ""},
		{"skew jitter", func() Run { r := run("n", 99, 600_000, 10_000*mb); r.TaskSkew = 6.5; return r }(), nil, ""},
		{"slower from skew", func() Run {
			r := run("n", 99, 2_400_000, 10_000*mb)
			r.TaskTimeMs, r.TaskSkew = 2_400_000*4, 25
			return r
		}(), []string{"duration:up", "taskTime:up", "skew:up"}, "skew: the slowest task is 25x the median"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := Compare(&c.run, hist, DefaultPolicy())
			if !b.Enough || b.Runs != 10 || len(b.History) != 11 {
				t.Fatalf("baseline: enough=%v runs=%d history=%d", b.Enough, b.Runs, len(b.History))
			}
			var got []string
			for _, d := range b.Drift {
				got = append(got, d.Metric+":"+d.Direction)
				if d.Message == "" || d.Severity == "" {
					t.Errorf("drift without message or severity: %+v", d)
				}
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("drift = %v, want %v", got, c.want)
			}
			if !strings.Contains(b.Verdict, c.verdict) || (c.verdict == "" && b.Verdict != "") {
				t.Errorf("verdict = %q, want it to say %q", b.Verdict, c.verdict)
			}
		})
	}
	// Too few runs: no judgement.
	r := run("n", 99, 9_000_000, 10_000*mb)
	if b := Compare(&r, hist[:2], DefaultPolicy()); b.Enough || len(b.Drift) != 0 {
		t.Errorf("2 runs made a baseline: %+v", b)
	}
}

func TestStoreForget(t *testing.T) {
	s, _ := openTemp(t)
	for i := 1; i <= 4; i++ {
		if err := s.Record(run(fmt.Sprintf("app-%d", i), int64(i), 1, 1), 0); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.Forget("nightly", "app-2", "app-9")
	if err != nil || n != 1 {
		t.Fatalf("Forget(app-2, app-9) = %d, %v; want 1 run", n, err)
	}
	runs, _ := s.Runs("nightly")
	if len(runs) != 3 || runs[1].AppID != "app-3" {
		t.Errorf("after forgetting app-2: %+v", runs)
	}
	if n, err := s.Forget("nightly"); err != nil || n != 3 {
		t.Errorf("Forget(job) = %d, %v; want 3", n, err)
	}
	if jobs, _ := s.Jobs(); len(jobs) != 0 {
		t.Errorf("jobs left: %+v", jobs)
	}
	if n, err := s.Forget("no such job"); err != nil || n != 0 {
		t.Errorf("Forget(unknown) = %d, %v", n, err)
	}
}
