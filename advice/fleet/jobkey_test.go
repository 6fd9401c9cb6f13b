package fleet

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/advice/baseline"
	"github.com/sparkdiag/sparkdiag/advice/jobkey"
	"github.com/sparkdiag/sparkdiag/detectors/all"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// reviewInto reviews paths with a baseline store (recording), as
// 'sparkdiag review --baseline' does.
func reviewInto(t *testing.T, st *baseline.Store, o Options, paths ...string) *Result {
	t.Helper()
	o.Workers, o.Detectors, o.Store, o.Record, o.Keep = 2, all.Detectors, st, true, 100
	res, err := Review(context.Background(), Resolve(paths), o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func openStore(t *testing.T) *baseline.Store {
	t.Helper()
	st, err := baseline.Open(filepath.Join(t.TempDir(), "b.db"), baseline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// The 14 real nights of one job (testdata/recurring), regressions
// included, are one job and alike: every pair shares more than the
// threshold of their stages and queries.
func TestRecurringShapesAlike(t *testing.T) {
	res, err := Review(context.Background(), Resolve([]string{testlogs.Testdata("recurring", "logs")}), Options{Workers: 2, Detectors: all.Detectors})
	if err != nil {
		t.Fatal(err)
	}
	if res.Apps != 14 {
		t.Fatalf("%d applications, want 14", res.Apps)
	}
	lowest := 1.0
	for _, a := range res.Records {
		if a.Job == nil || a.Job.Key != "name=daily_orders_etl | user=root" || a.Job.Shape == nil || a.Job.Shape.Items == 0 {
			t.Fatalf("%s: job %+v; want key name=daily_orders_etl | user=root and a shape", a.Source, a.Job)
		}
		for _, b := range res.Records {
			sim, _, _ := jobkey.Compare(a.Job.Shape, b.Job.Shape)
			if sim < baseline.DefaultMinSimilarity {
				t.Errorf("%s and %s are alike at %.2f only", filepath.Base(a.Source), filepath.Base(b.Source), sim)
			}
			lowest = min(lowest, sim)
		}
	}
	t.Logf("lowest similarity between two nights: %.2f", lowest)
}

// sameJob is what makes two runs of the corpora really one job: the logs'
// provenance (testdata/*/README.md, the shared MANIFEST.md), not the
// names. The codec fixture is one script run under two Spark versions and
// every codec (testdata/codecs).
var sameJob = map[string]bool{"sparkdiag-codec-fixture": true}

// checkNoUnrelatedDrift reviews paths twice into one store and fails on
// any drift in the second review between runs that are not one job.
func checkNoUnrelatedDrift(t *testing.T, paths ...string) *Result {
	st := openStore(t)
	first := reviewInto(t, st, Options{}, paths...)
	second := reviewInto(t, st, Options{}, paths...)
	if first.Apps != second.Apps || second.Apps == 0 {
		t.Fatalf("reviews of %d and %d applications", first.Apps, second.Apps)
	}
	drifts, compared := 0, 0
	for _, r := range second.Records {
		b := r.Baseline
		if r.Status != StatusOK || b == nil {
			continue
		}
		if b.Enough {
			compared++
		}
		if len(b.Drift) == 0 {
			continue
		}
		drifts++
		if !sameJob[r.App.Name] {
			var ms []string
			for _, d := range b.Drift {
				ms = append(ms, d.Message)
			}
			t.Errorf("%s drifts from runs of another job: %s", r.Label(), strings.Join(ms, "; "))
			continue
		}
		// A drift within a real job: against earlier runs of that job only,
		// alike in shape, never another attempt of the same application.
		for _, h := range b.History[:len(b.History)-1] {
			sim, _, _ := jobkey.Compare(r.Job.Shape, h.Shape)
			if h.Name != r.App.Name || h.AppID == r.App.ID || sim < baseline.DefaultMinSimilarity {
				t.Errorf("%s compared with %s (%s), alike at %.2f", r.Label(), h.AppID, h.Name, sim)
			}
		}
	}
	t.Logf("%d applications, %d compared with their job's runs, %d drifting within their job", second.Apps, compared, drifts)
	return second
}

// checkNameAloneDrifts is the control of checkNoUnrelatedDrift: the same
// records keyed by the name alone, without shapes (what the baseline did
// before job keys), do drift, or the corpus does not test anything. It
// overwrites the records' baselines.
func checkNameAloneDrifts(t *testing.T, res *Result) {
	o := Options{Store: openStore(t), Record: true, Keep: 100}
	for _, r := range res.Records {
		if r.Status == StatusOK {
			r.Job = &JobInfo{Key: "name=" + r.App.Name}
		}
	}
	for pass := 0; pass < 2; pass++ {
		if err := applyBaselines(res.Records, &o); err != nil {
			t.Fatal(err)
		}
	}
	byName := 0
	for _, r := range res.Records {
		if r.Baseline != nil && len(r.Baseline.Drift) > 0 && !sameJob[r.App.Name] {
			byName++
		}
	}
	if byName == 0 {
		t.Error("keyed by name alone and without shapes, no run drifts from another job's: the corpus does not show the problem")
	}
	t.Logf("keyed by the name alone, without shapes: %d runs drift from other applications' runs", byName)
}

// TestNoDriftBetweenUnrelatedApps: reviewing the real public logs copied
// in the repository twice into one baseline gives no drift between
// unrelated applications (before job keys and shapes, every "Spark shell"
// was one job).
func TestNoDriftBetweenUnrelatedApps(t *testing.T) {
	res := checkNoUnrelatedDrift(t, testlogs.Testdata("public"), testlogs.Testdata("triage"), testlogs.Testdata("spark", "logs"),
		testlogs.Testdata("codecs"), testlogs.Testdata("naming"), testlogs.Testdata("attempts"))
	shells := 0
	for _, r := range res.Records {
		if r.Status == StatusOK && jobkey.DefaultName(r.App.Name) {
			shells++
			if r.Baseline == nil || r.Baseline.Job != "" || !strings.HasPrefix(r.Baseline.Note, "no job identity: default application name") || r.Baseline.Enough {
				t.Errorf("%s: baseline %+v; want no job identity", r.Label(), r.Baseline)
			}
		}
	}
	if shells == 0 {
		t.Error("no run with a default name in the corpus: the test lost its point")
	}
	checkNameAloneDrifts(t, res)
}

// TestNoDriftBetweenUnrelatedAppsSharedCorpus is the same over the shared
// corpus of 95 public logs of many applications (2015-2026), where the
// name-keyed baseline flagged 23 drifting runs (ratios up to 6,294,826x).
// It skips on a clean clone without ../shared.
func TestNoDriftBetweenUnrelatedAppsSharedCorpus(t *testing.T) {
	res := checkNoUnrelatedDrift(t, testlogs.Shared(t))
	// Runs that share only a name are not compared, and say so.
	notes := 0
	for _, r := range res.Records {
		if r.Status == StatusOK && r.App.Name == "Rapids Spark Profiling Tool Unit Tests" && r.Baseline != nil && r.Baseline.Unrelated > 0 {
			notes++
			if !strings.Contains(r.Baseline.Note, "groups runs that did different work") {
				t.Errorf("%s: note %q", r.Label(), r.Baseline.Note)
			}
		}
	}
	if notes == 0 {
		t.Error(`no "Rapids Spark Profiling Tool Unit Tests" run was left uncompared for its different work`)
	}
	checkNameAloneDrifts(t, res)
}

// NDS-like runs: benchmark harnesses name every run alike whatever the
// queries ("NDS - Power Run"). Three real TPC-DS-like runs of different
// queries (q86, q9, q66: testdata/public, triage and public/labeled)
// under that one name are not one job: with shapes, the later runs are not
// compared and say why; without shapes (the name alone), they are.
func TestSameNameDifferentWork(t *testing.T) {
	paths := []string{testlogs.Testdata("public", "nds_q86_test.zstd"), testlogs.Testdata("triage", "executors_removed_eventlog_compressed.zstd"),
		testlogs.Testdata("public", "labeled", "nds_q66_cpu.zstd")}
	review := func(shapes bool) []*Record {
		res, err := Review(context.Background(), Resolve(paths), Options{Workers: 2, Detectors: all.Detectors})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res.Records {
			r.App.Name = "NDS - Power Run"
			r.Job.Key = "name=NDS - Power Run | user=root"
			if !shapes {
				r.Job.Shape = nil
			}
		}
		o := Options{Store: openStore(t), Record: true, Policy: baseline.Policy{MinRuns: 2}}
		if err := applyBaselines(res.Records, &o); err != nil {
			t.Fatal(err)
		}
		sort.Slice(res.Records, func(i, j int) bool { return res.Records[i].App.StartEpoch < res.Records[j].App.StartEpoch })
		return res.Records
	}
	recs := review(true)
	last := recs[len(recs)-1]
	want := "the name 'NDS - Power Run' groups runs that did different work: 2 of 2 earlier runs share"
	if b := last.Baseline; b.Enough || len(b.Drift) > 0 || b.Unrelated != 2 || !strings.HasPrefix(b.Note, want) || !strings.HasSuffix(b.Note, "; not compared") {
		t.Errorf("%s: baseline enough %v, %d drifts, %d unrelated, note %q; want not compared: %q...",
			last.Label(), b.Enough, len(b.Drift), b.Unrelated, b.Note, want)
	}
	for i := range recs {
		for j := range recs {
			if sim, shared, _ := jobkey.Compare(recs[i].Job.Shape, recs[j].Job.Shape); i != j && sim >= baseline.DefaultMinSimilarity {
				t.Errorf("%s and %s alike at %.2f (%d shared)", recs[i].Source, recs[j].Source, sim, shared)
			}
		}
	}
	// The name alone: the third run is judged against the two others.
	if b := review(false)[2].Baseline; !b.Enough || b.Runs != 2 || b.Note != "" {
		t.Errorf("without shapes the run is not compared with the two others (runs %d, note %q): the test does not show what shapes change", b.Runs, b.Note)
	}
}

// Two attempts of one application (testdata/attempts): labeled as
// attempts, each recorded once, never in each other's history.
func TestAttempts(t *testing.T) {
	st := openStore(t)
	paths := []string{testlogs.Testdata("public", "labeled", "attempt_1_eventlog.zstd"), testlogs.Testdata("attempts", "attempt_2_eventlog.zstd")}
	for pass := 1; pass <= 2; pass++ {
		res := reviewInto(t, st, Options{}, paths...)
		var labels []string
		for _, r := range res.Records {
			labels = append(labels, r.Label())
			if r.App.Attempts != 2 {
				t.Errorf("%s: %d attempts; want 2", r.Label(), r.App.Attempts)
			}
			if b := r.Baseline; b == nil || b.Runs != 0 {
				t.Errorf("pass %d: %s compared with %d earlier runs; another attempt is not an earlier run", pass, r.Label(), b.Runs)
			}
		}
		sort.Strings(labels)
		want := "[ProcessLargeDataset (attempt 1 of application_1724877841851_0016) ProcessLargeDataset (attempt 2 of application_1724877841851_0016)]"
		if got := fmt.Sprint(labels); got != want {
			t.Errorf("labels %s; want %s", got, want)
		}
	}
	runs, err := st.Runs("ProcessLargeDataset")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].AttemptID != "1" || runs[1].AttemptID != "2" {
		t.Errorf("recorded %+v; want attempts 1 and 2, once each", runs)
	}
}

// TestHTMLBaselineNotes: the HTML review says, as the text one does, why a
// run was not compared (here: a default application name).
func TestHTMLBaselineNotes(t *testing.T) {
	st, err := baseline.Open(filepath.Join(t.TempDir(), "b.db"), baseline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	items := Resolve([]string{testlogs.Testdata("public", "labeled", "spark_local-1430917381534")})
	res, err := Review(context.Background(), items, Options{Detectors: all.Detectors, Store: st, Record: true})
	if err != nil {
		t.Fatal(err)
	}
	var html, text strings.Builder
	if err := WriteHTML(&html, res, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := WriteText(&text, res, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "Baseline notes") {
		t.Fatalf("the text review has no baseline note for a \"Spark shell\" run:\n%s", text.String())
	}
	if !strings.Contains(html.String(), "<h2>Baseline notes</h2>") || !strings.Contains(html.String(), "default") {
		t.Error("the HTML review lacks the baseline notes")
	}
}
