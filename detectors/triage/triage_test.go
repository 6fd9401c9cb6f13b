package triage_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/all"
	"github.com/sparkdiag/sparkdiag/detectors/detectortest"
	"github.com/sparkdiag/sparkdiag/detectors/triage"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// expect is what one finding must be after triage; an empty severity
// means the ID must be absent.
type expect struct {
	id       string
	severity string
	prefix   string // the message starts with this
	related  []string
}

// TestRealLogs runs the detectors and the chain on real public logs, each
// showing one pattern of the failure patterns found on real clusters.
func TestRealLogs(t *testing.T) {
	cases := []struct {
		log  []string
		want []expect
	}{
		{[]string{"triage", "executors_removed_eventlog_compressed.zstd"}, []expect{
			// One slow executor, one finding, listing the other stages.
			{id: "SKEW001-stage31.0", severity: "warning", prefix: "Slow executor 6 (10.0.1.73)", related: []string{"SKEW001", "SKEW001", "SKEW001"}},
			{id: "SKEW001-stage33.0"}, {id: "SKEW001-stage35.0"},
			// Spark's own file listing: one finding, info, no repartitioning.
			{id: "SKEW001-stage0.0", severity: "info", prefix: "Spark's own file listing"},
			{id: "EXEC001-exec2", severity: "warning"},
		}},
		{[]string{"triage", "dsAndDf_eventlog.zstd"}, []expect{
			{id: "SKEW001-stage3.0", severity: "info", prefix: "Not skew: first-wave warm-up in stage 3: the 12 tasks"},
		}},
		{[]string{"triage", "local-1776286804625.zstd"}, []expect{
			{id: "FAIL002-stage5.0", severity: "error", related: []string{"FAIL001"}},
			{id: "FAIL001-stage5.0"},
			{id: "FAIL001-stage4.0", severity: "warning"},
		}},
		{[]string{"triage", "complex_dec_eventlog.zstd"}, []expect{
			{id: "FAIL002-stage17.0", severity: "error", related: []string{"FAIL001"}},
			{id: "FAIL001-stage17.0"},
		}},
		{[]string{"triage", "customshuffle_eventlog.zstd"}, []expect{
			{id: "GC001-stage4.0", severity: "info"},
			{id: "SPILL001-stage4.0", severity: "warning"},
		}},
		{[]string{"public", "nds_q86_test.zstd"}, []expect{
			{id: "GC001-stage33.0", severity: "warning"},
			{id: "GC001-stage0.0", severity: "info", prefix: "Spark's own file listing", related: []string{"GC001"}},
			{id: "GC001-stage2.0"},
		}},
	}
	for _, c := range cases {
		name := c.log[len(c.log)-1]
		t.Run(name, func(t *testing.T) {
			app := detectortest.Load(t, testlogs.Testdata(c.log...))
			fs := triage.Run(app, detectors.Run(app, all.Detectors, &detectors.Config{}))
			byID := map[string]detectors.Finding{}
			for _, f := range fs {
				byID[advice.FindingID(f)] = f
			}
			for _, w := range c.want {
				f, ok := byID[w.id]
				if w.severity == "" {
					if ok {
						t.Errorf("%s: still reported (%s): %s", w.id, f.Severity, f.Message)
					}
					continue
				}
				if !ok {
					t.Errorf("%s: missing", w.id)
					continue
				}
				if f.Severity.String() != w.severity {
					t.Errorf("%s: %s, want %s (%s; triage %q)", w.id, f.Severity, w.severity, f.Message, f.Triage)
				}
				if !strings.HasPrefix(f.Message, w.prefix) {
					t.Errorf("%s: message %q, want it to start with %q", w.id, f.Message, w.prefix)
				}
				var rel []string
				for _, r := range f.Related {
					rel = append(rel, r.DetectorID)
				}
				if strings.Join(rel, ",") != strings.Join(w.related, ",") {
					t.Errorf("%s: related %v, want %v", w.id, rel, w.related)
				}
			}
			checkInvariants(t, app, fs)
		})
	}
}

// checkInvariants holds for every application: no finding claims more
// time than the application ran, and a performance warning is material.
func checkInvariants(t *testing.T, app *appmodel.Application, fs []detectors.Finding) {
	t.Helper()
	d := detectors.AppDuration(app)
	for _, f := range fs {
		if f.Impact.SavingsMs > d || f.Impact.WallClockMs > d {
			t.Errorf("%s claims %d ms saved / %d ms wall-clock in a %d ms application", f.DetectorID, f.Impact.SavingsMs, f.Impact.WallClockMs, d)
		}
		if f.Impact.SavingsMs > 0 && f.Impact.SavingsMs > f.Impact.WallClockMs && len(f.Related) == 0 {
			t.Errorf("%s: savings %d ms over its own wall-clock %d ms", f.DetectorID, f.Impact.SavingsMs, f.Impact.WallClockMs)
		}
	}
}

func app(ms int64) *appmodel.Application {
	return &appmodel.Application{Start: 1_600_000_000_000, End: 1_600_000_000_000 + ms}
}

func stageFinding(det, cat string, sev detectors.Severity, stage int, savings, wall int64) detectors.Finding {
	return detectors.Finding{DetectorID: det, Category: cat, Severity: sev, Message: det + " finding",
		Subject: detectors.Subject{Kind: detectors.SubjectStage, StageID: detectors.Ptr(stage), StageAttempt: detectors.Ptr(0)},
		Impact:  detectors.Impact{SavingsMs: savings, WallClockMs: wall}}
}

// TestMateriality: severity follows the cost, whatever the detector said.
func TestMateriality(t *testing.T) {
	cases := []struct {
		name      string
		appMs     int64
		f         detectors.Finding
		want      detectors.Severity
		wantNotes int
	}{
		{"a 2.6 s straggler in a 509 s application is info", 509_000, stageFinding("SKEW001", "skew", detectors.Warning, 1, 2_600, 3_000), detectors.Info, 1},
		{"GC costing 0.4 s of a 0.8 s stage is info", 70_000, stageFinding("GC001", "memory", detectors.Warning, 1, 400, 800), detectors.Info, 1},
		{"5.5 s of a 313 s application (1.8%) stays a warning", 313_000, stageFinding("GC001", "memory", detectors.Warning, 1, 5_500, 16_800), detectors.Warning, 0},
		{"1.8 s of a 26 s test application (7%) stays a warning", 26_000, stageFinding("GC001", "memory", detectors.Warning, 1, 1_800, 5_700), detectors.Warning, 0},
		{"1 s of a 31 s application (3%) is info", 31_000, stageFinding("GC001", "memory", detectors.Warning, 1, 970, 3_400), detectors.Info, 1},
		{"an error costing 5% of the application becomes a warning", 313_000, stageFinding("GC001", "memory", detectors.Error, 1, 15_900, 42_000), detectors.Warning, 1},
		{"an error costing 36% stays an error", 42_700, stageFinding("SKEW001", "skew", detectors.Error, 3, 15_300, 18_300), detectors.Error, 0},
		{"without savings the wall-clock is the cost", 106_000, stageFinding("CACHE001", "caching", detectors.Warning, 0, 0, 14_600), detectors.Warning, 0},
		{"small files written cost their readers, not this run", 53_000, stageFinding("FILES001", "files", detectors.Warning, 2, 0, 900), detectors.Warning, 0},
		{"failures are judged by their own rules", 535_000, stageFinding("FAIL001", "reliability", detectors.Warning, 0, 500, 900), detectors.Warning, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := triage.Run(app(c.appMs), []detectors.Finding{c.f})
			if len(got) != 1 {
				t.Fatalf("%d findings", len(got))
			}
			if got[0].Severity != c.want || len(got[0].Triage) != c.wantNotes {
				t.Errorf("%s with notes %q, want %s with %d notes", got[0].Severity, got[0].Triage, c.want, c.wantNotes)
			}
		})
	}
}

// TestSanity: no finding claims more time than the application ran, and
// impossible application times keep timing findings out of the warnings.
func TestSanity(t *testing.T) {
	// A 10 ms broadcast read as 10,000,000 ms in a 110 s application.
	f := stageFinding("BCAST001", "joins", detectors.Warning, 2, 10_000_000, 10_000_000)
	got := triage.Run(app(110_000), []detectors.Finding{f})
	if got[0].Impact.SavingsMs > 110_000 || got[0].Impact.WallClockMs > 110_000 {
		t.Errorf("impact not clamped: %+v", got[0].Impact)
	}
	// A 930-day application, flagged as the model flags it
	// (appmodel's TestAnomalies).
	long := app(930 * 24 * 3600 * 1000)
	long.TimesSuspect = true
	got = triage.Run(long, []detectors.Finding{stageFinding("SKEW001", "skew", detectors.Error, 1, 900_000_000, 900_000_000),
		stageFinding("FAIL002", "reliability", detectors.Error, 1, 0, 0)})
	for _, f := range got {
		want := detectors.Info
		if f.Category == "reliability" {
			want = detectors.Error
		}
		if f.Severity != want {
			t.Errorf("%s in a 930-day application: %s, want %s", f.DetectorID, f.Severity, want)
		}
	}
	// An end before the start.
	back := &appmodel.Application{Start: 1_600_000_100_000, End: 1_600_000_000_000, TimesSuspect: true}
	got = triage.Run(back, []detectors.Finding{stageFinding("GC001", "memory", detectors.Warning, 1, 50_000, 60_000)})
	if got[0].Severity != detectors.Info {
		t.Errorf("an application that ends before it starts: %s", got[0].Severity)
	}
}

// TestGroupSameEvidence: one broadcast referenced from several plan nodes
// is one finding.
func TestGroupSameEvidence(t *testing.T) {
	var fs []detectors.Finding
	for node := 0; node < 63; node++ {
		fs = append(fs, detectors.Finding{DetectorID: "BCAST001", Category: "joins", Severity: detectors.Warning,
			Subject:  detectors.Subject{Kind: detectors.SubjectSQL, SQLExecutionID: detectors.Ptr(int64(4)), PlanNodeID: detectors.Ptr(node)},
			Evidence: []detectors.Evidence{detectors.Ev("data size", 512<<20, "bytes"), detectors.Ev("time to broadcast", 40_000, "ms")},
			Impact:   detectors.Impact{SavingsMs: 40_000, WallClockMs: 40_000}})
	}
	// Another execution's broadcast is another cause.
	other := fs[0]
	other.Subject.SQLExecutionID = detectors.Ptr(int64(5))
	fs = append(fs, other)
	got := triage.Run(app(600_000), fs)
	if len(got) != 2 || len(got[0].Related) != 62 {
		t.Fatalf("%d findings, first with %d related; want 2 and 62", len(got), len(got[0].Related))
	}
}

// TestGroupGC: GC pressure in many stages of one application is one
// finding whose savings are the sum, counted once.
func TestGroupGC(t *testing.T) {
	fs := []detectors.Finding{
		stageFinding("GC001", "memory", detectors.Warning, 1, 15_900, 42_000),
		stageFinding("GC001", "memory", detectors.Warning, 2, 4_800, 16_800),
		stageFinding("SPILL001", "memory", detectors.Warning, 2, 3_000, 16_800),
	}
	got := triage.Run(app(313_000), fs)
	var gc []detectors.Finding
	for _, f := range got {
		if f.DetectorID == "GC001" {
			gc = append(gc, f)
		}
	}
	if len(gc) != 1 || *gc[0].Subject.StageID != 1 || gc[0].Impact.SavingsMs != 20_700 || len(gc[0].Related) != 1 {
		t.Errorf("GC findings after triage: %+v", gc)
	}
	if len(got) != 2 {
		t.Errorf("%d findings, want GC and spill", len(got))
	}
}

func TestChainIsDocumented(t *testing.T) {
	names := map[string]bool{}
	for _, p := range triage.Chain {
		if p.Name == "" || p.Doc == "" || p.Run == nil || names[p.Name] {
			t.Errorf("processor %q: needs a unique name, a doc and a function", p.Name)
		}
		names[p.Name] = true
	}
}

// TestConsistency: a part is never larger than its whole.
func TestConsistency(t *testing.T) {
	f := stageFinding("SKEW001", "skew", detectors.Warning, 3, 90_000, 60_000)
	f.Evidence = []detectors.Evidence{detectors.Ev("longest task", 120_000, "ms")}
	got := triage.Run(app(600_000), []detectors.Finding{f})
	if got[0].Impact.SavingsMs != 60_000 {
		t.Errorf("savings %d, want clamped to the 60 s wall-clock", got[0].Impact.SavingsMs)
	}
	if got[0].Severity != detectors.Info {
		t.Errorf("a 120 s task in a 60 s stage: %s, want info", got[0].Severity)
	}
}

// TestRealLogsExecutorLoss: an executor killed for memory yields failed
// tasks, fetch failures and the loss itself: one finding.
func TestRealLogsExecutorLoss(t *testing.T) {
	for _, v := range []string{"3.5.9", "4.3.0"} {
		app := detectortest.Load(t, testlogs.Testdata("spark", "logs", v, "executor_loss.zstd"))
		fs := triage.Run(app, detectors.Run(app, all.Detectors, &detectors.Config{}))
		var ids, rel []string
		for _, f := range fs {
			if f.Category == "reliability" {
				ids = append(ids, advice.FindingID(f))
				for _, r := range f.Related {
					rel = append(rel, r.DetectorID)
				}
			}
		}
		if strings.Join(ids, ",") != "EXEC001-exec0" || strings.Join(rel, ",") != "FAIL001,FAIL003" {
			t.Errorf("%s: reliability findings %v with related %v; want EXEC001-exec0 with FAIL001, FAIL003", v, ids, rel)
		}
	}
}

// TestDriverStall: a stage the driver marked complete 30 s after its last
// task is measured by its tasks' span, not by the driver's wait. The log is
// the corpus's healthy run with stage 0's completion (and the application
// end) moved 30 s later.
func TestDriverStall(t *testing.T) {
	src, err := os.ReadFile(testlogs.Testdata("spark", "logs", "3.5.9", "healthy"))
	if err != nil {
		t.Skip(err)
	}
	var out bytes.Buffer
	for _, line := range bytes.Split(bytes.TrimSpace(src), []byte("\n")) {
		var ev map[string]any
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatal(err)
		}
		switch ev["Event"] {
		case "SparkListenerStageCompleted":
			info := ev["Stage Info"].(map[string]any)
			if info["Stage ID"].(float64) == 0 {
				info["Completion Time"] = info["Completion Time"].(float64) + 30_000
			}
		case "SparkListenerApplicationEnd":
			ev["Timestamp"] = ev["Timestamp"].(float64) + 30_000
		}
		b, _ := json.Marshal(ev)
		out.Write(append(b, '\n'))
	}
	path := filepath.Join(t.TempDir(), "stalled")
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	app := detectortest.Load(t, path)
	st := app.Stage(0, 0)
	if st.Duration() < 30_000 {
		t.Fatalf("stage 0 lasts %d ms: the edit did not take", st.Duration())
	}
	f := detectors.Finding{DetectorID: "GC001", Category: "memory", Severity: detectors.Warning,
		Subject: detectors.StageSubject(st), Impact: detectors.StageImpact(app, st, st.Duration()/2)}
	got := triage.Run(app, []detectors.Finding{f})
	if got[0].Impact.WallClockMs >= 5_000 || got[0].Impact.SavingsMs > got[0].Impact.WallClockMs {
		t.Errorf("impact %+v: the 30 s of driver wait is still counted", got[0].Impact)
	}
	if got[0].Severity != detectors.Info {
		t.Errorf("severity %s: once the wait is removed the cost is immaterial", got[0].Severity)
	}
}
