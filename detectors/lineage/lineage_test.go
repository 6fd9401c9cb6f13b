package lineage

import (
	"github.com/sparkdiag/sparkdiag/detectors/detectortest"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

func corpus(name string) string { return testlogs.Testdata("spark", "logs", "3.5.9", name) }

var load = detectortest.Load

func findings(t *testing.T, path string) []detectors.Finding {
	t.Helper()
	return detectors.Run(load(t, path), []*detectors.Detector{Detector}, &detectors.Config{})
}

func TestDetector(t *testing.T) {
	cases := []struct {
		name     string
		path     string
		want     int
		contains []string
	}{
		// Must fire: a 24-round loop with one action at the end (AQE runs
		// each shuffle as its own job; the last job chains 27 stages).
		{"24 rounds, no checkpoint", corpus("long_lineage.zstd"), 1, []string{"dependent stages", "stages skipped: computed by the jobs before it", "re-planned"}},
		// An RDD loop without shuffles: the stage's RDD chain grows by 40 a round.
		{"RDD loop", filepath.Join("testdata", "rdd_loop.json"), 1, []string{"from 40 to 240 RDDs over 6 consecutive actions"}},
		// Must stay quiet.
		{"checkpointed loop", corpus("long_lineage_checkpoint.zstd"), 0, nil},
		{"healthy", corpus("healthy"), 0, nil},
		{"many queries, none iterative", corpus("cache_reused.zstd"), 0, nil},
		{"4000 partitions", corpus("partitions_too_many"), 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := findings(t, c.path)
			if len(fs) != c.want {
				for _, f := range fs {
					t.Log(f.Message)
				}
				t.Fatalf("%d findings, want %d", len(fs), c.want)
			}
			if c.want == 0 {
				return
			}
			f := fs[0]
			for _, s := range c.contains {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message %q lacks %q", f.Message, s)
				}
			}
			if !strings.Contains(f.Advice.Snippet, "checkpoint()") || len(f.Advice.Changes) == 0 {
				t.Errorf("advice %+v", f.Advice)
			}
		})
	}
}

func TestCheckpointInterval(t *testing.T) {
	fs := findings(t, corpus("long_lineage.zstd"))
	if len(fs) != 1 {
		t.Fatalf("%d findings", len(fs))
	}
	ev := map[string]float64{}
	for _, e := range fs[0].Evidence {
		ev[e.Name] = e.Value
	}
	// 24 rounds: a chain of about 27 stages; checkpoint every √27 ≈ 5.
	chain := ev["longest chain of dependent stages in one job"]
	if chain < 20 || chain > 40 {
		t.Errorf("chain %v", chain)
	}
	if got, want := ev["suggested checkpoint interval"], math.Round(math.Sqrt(chain)); got != want {
		t.Errorf("interval %v, want %v", got, want)
	}
}

// TestPublicLogs: TPC-DS-like queries have many stages, but no long chain
// and no growth from one action to the next.
func TestPublicLogs(t *testing.T) {
	dir := testlogs.Shared(t)
	for _, rel := range []string{
		"spark-rapids/tools/src/test/resources/spark-events-qualification/nds_q86_test.zstd",
		"spark-rapids-tools/core/src/test/resources/spark-events-profiling/nds_q66_cpu.zstd",
		"spark-rapids/tools/src/test/resources/spark-events-profiling/executors_removed_eventlog_compressed.zstd",
	} {
		if fs := findings(t, filepath.Join(dir, rel)); len(fs) != 0 {
			t.Errorf("%s: %s", rel, fs[0].Message)
		}
	}
}
