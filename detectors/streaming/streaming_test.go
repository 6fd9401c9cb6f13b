package streaming

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

func corpus(name string) string { return testlogs.Testdata("spark", "logs", "3.5.9", name) }

func local(name string) string { return filepath.Join("testdata", name) }

func load(t *testing.T, path string) *appmodel.Application {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("log not found: %v", err)
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

func run(t *testing.T, path string, d *detectors.Detector) []detectors.Finding {
	t.Helper()
	return detectors.Run(load(t, path), []*detectors.Detector{d}, &detectors.Config{})
}

var all = []*detectors.Detector{SlowBatches, InputOutpaces, StateGrowth, WatermarkDrops, Backlog}

// TestCorpus runs every streaming detector on every streaming log of the
// corpus: each must fire where the scenario shows its problem and nowhere
// else.
func TestCorpus(t *testing.T) {
	fires := map[string][]string{
		"stream_falling_behind.zstd": {"STREAM001", "STREAM002"},
		"stream_no_watermark.zstd":   {"STREAM003"},
		"stream_watermark.zstd":      {"STREAM004"},
		"stream_backlog.zstd":        {"STREAM005"},
		"healthy":                    nil,
		"cache_reused.zstd":          nil,
	}
	for log, want := range fires {
		t.Run(log, func(t *testing.T) {
			app := load(t, corpus(log))
			skipWithoutProgress(t, app)
			got := map[string]int{}
			for _, f := range detectors.Run(app, all, &detectors.Config{}) {
				got[f.DetectorID]++
				if f.Subject.Kind != detectors.SubjectStreaming || f.Subject.QueryID == "" {
					t.Errorf("%s: subject %+v", f.DetectorID, f.Subject)
				}
			}
			for _, d := range all {
				expect := 0
				for _, w := range want {
					if w == d.ID {
						expect = 1
					}
				}
				if got[d.ID] != expect {
					t.Errorf("%s: %d findings, want %d", d.ID, got[d.ID], expect)
				}
			}
		})
	}
}

func TestMessages(t *testing.T) {
	cases := []struct {
		name     string
		path     string
		d        *detectors.Detector
		contains []string
		change   string // a suggested value
	}{
		{"falling behind", corpus("stream_falling_behind.zstd"), SlowBatches, []string{"run back to back", "grow from"}, ""},
		{"input outpaces", corpus("stream_falling_behind.zstd"), InputOutpaces, []string{"falls behind its input", "/s but are processed at"}, ""},
		{"no watermark", corpus("stream_no_watermark.zstd"), StateGrowth, []string{"no watermark", "per hour"}, `df.withWatermark("timestamp", "10 seconds")`},
		{"late rows", corpus("stream_watermark.zstd"), WatermarkDrops, []string{"dropped late data", "the watermark delay is about 10.0 s"}, `withWatermark("event_time", "2 minutes")`},
		{"capped backlog", corpus("stream_backlog.zstd"), Backlog, []string{"restarted with a backlog", "ran at the input limit (", "before it caught up"}, ""},
		{"uncapped Kafka backlog", local("kafka_backlog.json"), Backlog, []string{"first 1 batch(es) took 600,000 rows", "600x the steady 1,000"}, "3000"},
		{"overrun trigger", local("overrun_trigger.json"), SlowBatches, []string{"7 of 10 batches took longer than the 2.0 s interval"}, `.trigger(processingTime="4 seconds")`},
		{"growing Kafka lag", local("kafka_lag.json"), SlowBatches, []string{`"clicks_capped" falls behind its source although its batches look healthy`, "ended 70,000 offsets behind the latest, up from 40,000 6 batches earlier", "5,000 more per batch, 18,000,000 per hour"}, "23000"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			skipWithoutProgress(t, load(t, c.path))
			fs := run(t, c.path, c.d)
			if len(fs) != 1 {
				t.Fatalf("%d findings, want 1", len(fs))
			}
			f := fs[0]
			for _, s := range c.contains {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message %q lacks %q", f.Message, s)
				}
			}
			if c.change != "" {
				ok := false
				for _, ch := range f.Advice.Changes {
					if ch.Suggested == c.change {
						ok = true
					}
				}
				if !ok {
					t.Errorf("changes %+v lack %q", f.Advice.Changes, c.change)
				}
			}
		})
	}
}

// skipWithoutProgress skips a corpus log whose streaming queries reported
// no batch (a broken regeneration: the queries stopped before their first
// batch completed).
func skipWithoutProgress(t *testing.T, app *appmodel.Application) {
	t.Helper()
	n := 0
	for _, q := range app.Streaming {
		n += len(q.Batches)
	}
	if len(app.Streaming) > 0 && n == 0 {
		t.Skip("the log's streaming queries reported no batch: regenerate it")
	}
}

func TestInferTrigger(t *testing.T) {
	mk := func(starts, durs []int64) []batch {
		var bs []batch
		for i := range starts {
			bs = append(bs, batch{StreamingBatch: &appmodel.StreamingBatch{BatchID: int64(i), BatchDuration: durs[i]}, start: starts[i]})
		}
		return bs
	}
	// 2 s trigger: batches of 500 ms wait for the next one.
	tr := inferTrigger(mk([]int64{1000, 3000, 5000, 7001, 9000}, []int64{500, 600, 400, 700, 500}))
	if tr.intervalMs != 2000 {
		t.Errorf("interval %d, want 2000 (%s)", tr.intervalMs, tr.how)
	}
	// Back to back: no interval.
	tr = inferTrigger(mk([]int64{1000, 4000, 10000}, []int64{3000, 6000, 9000}))
	if tr.intervalMs != 0 || tr.backToBack != 2 {
		t.Errorf("back to back: %+v", tr)
	}
}

// TestKafkaLag checks the lag trend of the hand-written Kafka log: the
// capped query's lag grows by 5,000 offsets a batch, the steady one's does
// not, and no other streaming detector fires on either.
func TestKafkaLag(t *testing.T) {
	app := load(t, local("kafka_lag.json"))
	byName := map[string]*queryRun{}
	for _, r := range runs(app) {
		byName[r.q.Name] = r
	}
	capped, ok := trendOf(byName["clicks_capped"], 5, 0.7, 1.5)
	if !ok || !capped.growing || capped.last.behind != 70_000 || capped.perBatch != 5000 || capped.perHour != 18_000_000 {
		t.Errorf("capped: %+v", capped)
	}
	steady, ok := trendOf(byName["clicks_steady"], 5, 0.7, 1.5)
	if !ok || steady.growing || steady.last.behind != 200 {
		t.Errorf("steady: %+v", steady)
	}
	fs := detectors.Run(app, all, &detectors.Config{})
	if len(fs) != 1 || fs[0].DetectorID != "STREAM001" || fs[0].Subject.Name != "clicks_capped" {
		for _, f := range fs {
			t.Errorf("finding %s %s: %s", f.DetectorID, f.Subject.Name, f.Message)
		}
	}
}

// TestKafkaLogWithoutLatest: the shared corpus' Kafka log (Spark
// 3.1.0-SNAPSHOT) reports end offsets but no latest offset, so there is no
// lag to judge and no streaming finding.
func TestKafkaLogWithoutLatest(t *testing.T) {
	app := load(t, filepath.Join(testlogs.Shared(t), "spark/sql/core/src/test/resources/spark-events/local-1596020211915"))
	for _, r := range runs(app) {
		if len(r.lags()) != 0 {
			t.Errorf("lags %+v", r.lags())
		}
	}
	for _, f := range detectors.Run(app, all, &detectors.Config{}) {
		t.Errorf("finding %s: %s", f.DetectorID, f.Message)
	}
}
