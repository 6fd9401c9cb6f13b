package partitions

import (
	"github.com/sparkdiag/sparkdiag/detectors/detectortest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

var load = detectortest.Load

func run(d *detectors.Detector, app *appmodel.Application, params map[string]float64) []detectors.Finding {
	cfg := &detectors.Config{Params: map[string]map[string]float64{d.ID: params}}
	return detectors.Run(app, []*detectors.Detector{d}, cfg)
}

func change(f detectors.Finding, key string) *detectors.Change {
	for i := range f.Advice.Changes {
		if f.Advice.Changes[i].Key == key {
			return &f.Advice.Changes[i]
		}
	}
	return nil
}

func corpus(version, name string) string { return testlogs.Testdata("spark", "logs", version, name) }

// huge_partitions.json (testdata/README.md): an RDD shuffle read in 2
// partitions of 2 GiB on 16 task slots.
var hugePartitions = filepath.Join("testdata", "huge_partitions.json")

func TestTooFew(t *testing.T) {
	for _, v := range []string{"3.5.9", "4.3.0"} {
		for _, tc := range []struct {
			log  string
			fire bool
		}{
			// Q13: spark.sql.shuffle.partitions=2, each reducer spills.
			{"partitions_too_few.zstd", true},
			// 8 partitions of ~56 MiB spill because memory is small, not
			// because there are too few partitions.
			{"join_spill.snappy", false},
			{"healthy", false},
			{"skew_agg.lz4", false},
			{"partitions_too_many", false},
			{"collect_list.zstd", false},
		} {
			t.Run(v+"/"+tc.log, func(t *testing.T) {
				app := load(t, corpus(v, tc.log))
				fs := run(TooFew, app, nil)
				if !tc.fire {
					for _, f := range fs {
						t.Errorf("unexpected finding: %s", f.Message)
					}
					return
				}
				if len(fs) != 1 {
					t.Fatalf("%d findings, want 1", len(fs))
				}
				f := fs[0]
				c := change(f, "spark.sql.shuffle.partitions")
				if c == nil {
					t.Fatalf("no spark.sql.shuffle.partitions change: %+v", f.Advice.Changes)
				}
				n, err := strconv.Atoi(c.Suggested)
				if err != nil || n < 4 || n%detectors.TaskSlots(app) != 0 {
					t.Errorf("suggested %q partitions: want at least twice the current 2 and a multiple of the slots", c.Suggested)
				}
				if !strings.Contains(f.SQLOperator, "Aggregate") {
					t.Errorf("operator %q", f.SQLOperator)
				}
			})
		}
	}
}

func TestTooFewHuge(t *testing.T) {
	app := load(t, hugePartitions)
	fs := run(TooFew, app, nil)
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1", len(fs))
	}
	f := fs[0]
	if *f.Subject.StageID != 1 || f.Severity != detectors.Error {
		t.Errorf("stage %d severity %s", *f.Subject.StageID, f.Severity)
	}
	c := change(f, "spark.default.parallelism")
	if c == nil || c.Suggested != "32" {
		t.Errorf("want spark.default.parallelism=32 (4 GiB / 128 MiB), got %+v", f.Advice.Changes)
	}
	if f.Impact.SavingsMs <= 0 {
		t.Errorf("no savings estimated for idle slots")
	}
	// The 1 GiB rule alone fires even with plenty of partitions per slot.
	if fs := run(TooFew, app, map[string]float64{"idlePartitionBytes": 1 << 40, "maxPartitionBytes": 4 << 30}); len(fs) != 0 {
		t.Errorf("fired with both rules off: %s", fs[0].Message)
	}
}

// A public log (Spark 3.5 on Kubernetes) writes 5 GiB through
// repartition(2): the fix is in the program, not in a setting.
func TestTooFewUserRepartition(t *testing.T) {
	dir := testlogs.Shared(t)
	matches, _ := filepath.Glob(filepath.Join(dir, "mcp-apache-spark-history-server", "examples", "basic", "events",
		"eventlog_v2_spark-110be3a8424d4a2789cb88134418217b", "events_1_*"))
	if len(matches) == 0 {
		t.Fatal("the shared corpus has no mcp-apache-spark-history-server basic example")
	}
	app := load(t, matches[0])
	fs := run(TooFew, app, nil)
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1", len(fs))
	}
	f := fs[0]
	if len(f.Advice.Changes) != 1 || f.Advice.Changes[0].Key != "" || f.Advice.Changes[0].Current != "repartition(2)" || !strings.HasPrefix(f.Advice.Changes[0].Suggested, "repartition(") {
		t.Errorf("changes %+v", f.Advice.Changes)
	}
	if f.SQLOperator != "Exchange" || !strings.Contains(f.Message, "repartition(2)") {
		t.Errorf("operator %q, message %q", f.SQLOperator, f.Message)
	}
}

func TestTooMany(t *testing.T) {
	for _, v := range []string{"3.5.9", "4.3.0"} {
		for _, tc := range []struct {
			log  string
			fire bool
		}{
			// Q14: 4000 shuffle partitions for a few MB, AQE off.
			{"partitions_too_many", true},
			{"healthy", false},
			{"skew_agg.lz4", false},
			{"join_spill.snappy", false},
			{"partitions_too_few.zstd", false},
			{"small_files_read.zstd", false},
		} {
			t.Run(v+"/"+tc.log, func(t *testing.T) {
				app := load(t, corpus(v, tc.log))
				fs := run(TooMany, app, nil)
				if !tc.fire {
					for _, f := range fs {
						t.Errorf("unexpected finding: %s", f.Message)
					}
					return
				}
				if len(fs) == 0 {
					t.Fatal("no finding")
				}
				for _, f := range fs {
					c := change(f, "spark.sql.shuffle.partitions")
					if c == nil || c.Current != "4000" {
						t.Errorf("%s: change %+v", f.Message, c)
					} else if n, _ := strconv.Atoi(c.Suggested); n < 1 || n > 100 {
						t.Errorf("suggested %s partitions for a few MB", c.Suggested)
					}
					if change(f, "spark.sql.adaptive.enabled") == nil {
						t.Errorf("AQE is off: advice should turn it on")
					}
					if f.Impact.SavingsMs < 2000 {
						t.Errorf("savings %d ms", f.Impact.SavingsMs)
					}
				}
			})
		}
	}
	app := load(t, hugePartitions)
	if fs := run(TooMany, app, nil); len(fs) != 0 {
		t.Errorf("huge partitions: %s", fs[0].Message)
	}
}

func TestTooManyThresholds(t *testing.T) {
	app := load(t, corpus("3.5.9", "partitions_too_many"))
	if fs := run(TooMany, app, map[string]float64{"minSavingsMs": 1e9}); len(fs) != 0 {
		t.Errorf("fired with a huge savings floor")
	}
	if fs := run(TooMany, app, map[string]float64{"minTasks": 5000}); len(fs) != 0 {
		t.Errorf("fired with minTasks 5000")
	}
}

// TestCoalesceOne: coalesce(1) before a write adds no shuffle; the scan, the
// computation and the write run in one task while the other cores wait.
// The shuffle rule cannot see it; the coalesce rule must, and must stay
// quiet on stages that coalesced nothing heavy.
func TestCoalesceOne(t *testing.T) {
	app := load(t, filepath.Join("testdata", "coalesce_one.zstd"))
	fs := run(TooFew, app, nil)
	if len(fs) != 1 || *fs[0].Subject.StageID != 2 {
		t.Fatalf("findings %v, want one on stage 2", fs)
	}
	f := fs[0]
	if !strings.Contains(f.Message, "only 1 task after coalesce(1)") || f.Impact.SavingsMs <= 0 || f.Advice.Snippet == "" {
		t.Errorf("finding: %s (savings %d)", f.Message, f.Impact.SavingsMs)
	}
	for _, v := range []string{"3.5.9", "4.3.0"} {
		for _, log := range []string{"healthy", "q11_repartition_write.zstd", "small_files_write.lzf", "append_writes.zstd"} {
			app := load(t, corpus(v, log))
			for _, f := range run(TooFew, app, nil) {
				if strings.Contains(f.Message, "coalesce") {
					t.Errorf("%s/%s: %s", v, log, f.Message)
				}
			}
		}
	}
}
