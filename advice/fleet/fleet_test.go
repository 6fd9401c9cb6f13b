package fleet

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/advice/baseline"
	"github.com/sparkdiag/sparkdiag/detectors/all"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

func rec(name, worst string, savings int64, atStake float64, findings ...string) *Record {
	r := &Record{SchemaVersion: SchemaVersion, Kind: "application", Source: name, Status: StatusOK, Worst: worst,
		App: &AppInfo{ID: "id-" + name, Name: name, DurationMs: 1000}, Cost: Cost{SavingsMs: savings, CoreHoursAtStake: atStake}}
	for _, f := range findings {
		det, sev, _ := strings.Cut(f, ":")
		r.Findings = append(r.Findings, FindingSummary{ID: det + "-x", DetectorID: det, Detector: strings.ToLower(det), Severity: sev, SavingsMs: savings})
		switch sev {
		case "error":
			r.Counts.Error++
		case "warning":
			r.Counts.Warning++
		default:
			r.Counts.Info++
		}
	}
	return r
}

func TestRanking(t *testing.T) {
	drifting := rec("drifting", "info", 0, 0, "GC001:info")
	drifting.Baseline = &baseline.Baseline{Enough: true, Drift: []baseline.Drift{{Metric: "duration", Severity: "error"}}}
	res := &Result{Records: []*Record{
		unreadable("broken.zstd", errors.New("broken.zstd: corrupt")),
		rec("clean", "none", 0, 0),
		rec("warn-small", "warning", 1000, 0.5, "SPILL001:warning"),
		rec("warn-big", "warning", 9000, 0.1, "SPILL001:warning", "SKEW001:warning"),
		rec("warn-tie", "warning", 1000, 2, "SKEW001:warning"),
		rec("error", "error", 10, 0, "FAIL002:error", "SKEW001:warning"),
		drifting,
	}}
	finish(res)
	var order []string
	for i, r := range res.Records {
		order = append(order, r.Source)
		if r.Rank != i+1 {
			t.Errorf("%s has rank %d at %d", r.Source, r.Rank, i+1)
		}
	}
	want := "error,drifting,warn-big,warn-tie,warn-small,clean,broken.zstd"
	if got := strings.Join(order, ","); got != want {
		t.Errorf("order\n got %s\nwant %s", got, want)
	}
	if res.Apps != 6 || res.Unreadable != 1 || res.Drifting != 1 || res.Counts.Warning != 5 || res.Counts.Error != 1 {
		t.Errorf("totals: %+v", res)
	}
	if len(res.Top) == 0 || res.Top[0].DetectorID != "SKEW001" || res.Top[0].Apps != 3 || res.Top[0].Example != "warn-big (id-warn-big)" {
		t.Errorf("top findings: %+v", res.Top)
	}
	if res.Top[1].DetectorID != "SPILL001" || res.Top[1].Apps != 2 {
		t.Errorf("second top finding: %+v", res.Top[1])
	}
}

// TestReviewCorpus runs the engine over the real corpus: every log is
// read, every record is complete and the JSON Lines round-trip.
func TestReviewCorpus(t *testing.T) {
	items := Resolve([]string{testlogs.Testdata("spark", "logs", "4.3.0"), testlogs.Testdata("public", "*.zstd")})
	res, err := Review(context.Background(), items, Options{Workers: 3, Detectors: all.Detectors})
	if err != nil {
		t.Fatal(err)
	}
	// 37 local-mode runs and 15 cluster runs of 4.3.0, 2 public logs
	if res.Apps != 54 || res.Unreadable != 0 {
		t.Fatalf("apps %d, unreadable %d; want 54 and 0", res.Apps, res.Unreadable)
	}
	var buf bytes.Buffer
	if err := WriteJSONL(&buf, res); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 54 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		var r Record
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r.App == nil || r.App.ID == "" || r.App.StartEpoch == 0 || r.Totals == nil || r.Input == nil || r.Findings == nil {
			t.Errorf("incomplete record: %s", l)
		}
	}
	// The same review again, one worker: the same ranking.
	again, err := Review(context.Background(), Resolve([]string{testlogs.Testdata("spark", "logs", "4.3.0"), testlogs.Testdata("public", "*.zstd")}), Options{Workers: 1, Detectors: all.Detectors})
	if err != nil {
		t.Fatal(err)
	}
	var buf2 bytes.Buffer
	if err := WriteJSONL(&buf2, again); err != nil {
		t.Fatal(err)
	}
	if buf.String() != buf2.String() {
		t.Error("the ranking depends on the number of workers")
	}
}

func TestReviewCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Review(ctx, Resolve([]string{testlogs.Testdata("spark", "logs", "4.3.0")}), Options{Workers: 2, Detectors: all.Detectors})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
