package cache

import (
	"github.com/sparkdiag/sparkdiag/detectors/detectortest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

func corpus(name string) string { return testlogs.Testdata("spark", "logs", "3.5.9", name) }

func local(name string) string { return filepath.Join("testdata", name) }

var load = detectortest.Load

func run(t *testing.T, path string, d *detectors.Detector) []detectors.Finding {
	t.Helper()
	return detectors.Run(load(t, path), []*detectors.Detector{d}, &detectors.Config{})
}

func TestDetectors(t *testing.T) {
	cases := []struct {
		name     string
		path     string
		d        *detectors.Detector
		want     int
		contains []string
	}{
		// Must fire.
		{"cache written once", corpus("cache_once.zstd"), Unused, 1, []string{"read only once, by SQL execution 0", "events_3m"}},
		{"memory-only cache too small", corpus("cache_not_fitting.zstd"), NotFitting, 1, []string{"MEMORY_ONLY_SER", "does not fit", "recomputed the partition"}},
		{"take() only", local("take_only.json"), NotMaterialized, 2, []string{"only 1 of its 8 partitions"}},
		{"Spark 2.2 cached counts", local("partly_cached_v22.json"), NotFitting, 1, []string{"at most 4 of its 10 partitions"}},
		// Must stay quiet.
		{"reused cache", corpus("cache_reused.zstd"), Unused, 0, nil},
		{"reused cache fits", corpus("cache_reused.zstd"), NotFitting, 0, nil},
		{"reused cache filled", corpus("cache_reused.zstd"), NotMaterialized, 0, nil},
		{"undersized cache is reused", corpus("cache_not_fitting.zstd"), Unused, 0, nil},
		{"cache once fits", corpus("cache_once.zstd"), NotFitting, 0, nil},
		{"cache once filled", corpus("cache_once.zstd"), NotMaterialized, 0, nil},
		{"take() and first() on an RDD cache", corpus("cache_not_materialized.zstd"), NotMaterialized, 1, []string{"only 1 of its 16 partitions"}},
		{"healthy", corpus("healthy"), Unused, 0, nil},
		{"healthy", corpus("healthy"), NotFitting, 0, nil},
		{"healthy", corpus("healthy"), NotMaterialized, 0, nil},
	}
	for _, c := range cases {
		t.Run(c.name+"/"+c.d.ID, func(t *testing.T) {
			fs := run(t, c.path, c.d)
			if len(fs) != c.want {
				for _, f := range fs {
					t.Log(f.Message)
				}
				t.Fatalf("%d findings, want %d", len(fs), c.want)
			}
			if c.want == 0 {
				return
			}
			for _, s := range c.contains {
				if !strings.Contains(fs[0].Message, s) {
					t.Errorf("message %q lacks %q", fs[0].Message, s)
				}
			}
			if fs[0].Subject.RDDID == nil {
				t.Errorf("subject %+v names no RDD", fs[0].Subject)
			}
		})
	}
}

func TestNotFittingNumbers(t *testing.T) {
	fs := run(t, corpus("cache_not_fitting.zstd"), NotFitting)
	if len(fs) != 1 {
		t.Fatalf("%d findings", len(fs))
	}
	f := fs[0]
	ev := map[string]float64{}
	for _, e := range f.Evidence {
		ev[e.Name] = e.Value
	}
	// 16 partitions read by 4 queries after the fill; most missed.
	if n := ev["reading tasks that recomputed"] + ev["reading tasks that hit the cache"]; n != 64 {
		t.Errorf("reading tasks %v, want 64", n)
	}
	if s := ev["share of cache reads that recomputed their partition"]; s < 0.5 {
		t.Errorf("miss share %v", s)
	}
	if ev["estimated size of the whole cache"] <= ev["storage memory of the executors"] {
		t.Errorf("cache %v should exceed storage memory %v", ev["estimated size of the whole cache"], ev["storage memory of the executors"])
	}
	if f.SQLOperator != "InMemoryTableScan" {
		t.Errorf("operator %q", f.SQLOperator)
	}
	// spark.memory.fraction=0.2 in the log: back to the default.
	found := false
	for _, c := range f.Advice.Changes {
		if c.Key == "spark.memory.fraction" && c.Current == "0.2" && c.Suggested == "0.6" {
			found = true
		}
	}
	if !found {
		t.Errorf("changes %+v", f.Advice.Changes)
	}
}

func TestLevelName(t *testing.T) {
	for _, c := range []struct {
		l    eventlog.StorageLevel
		want string
	}{
		{eventlog.StorageLevel{UseMemory: true, Deserialized: true, Replication: 1}, "MEMORY_ONLY"},
		{eventlog.StorageLevel{UseMemory: true, Replication: 1}, "MEMORY_ONLY_SER"},
		{eventlog.StorageLevel{UseMemory: true, UseDisk: true, Deserialized: true, Replication: 1}, "MEMORY_AND_DISK"},
		{eventlog.StorageLevel{UseDisk: true, Replication: 2}, "DISK_ONLY_2"},
	} {
		if got := levelName(&appmodel.RDD{StorageLevel: c.l}); got != c.want {
			t.Errorf("%+v: %s, want %s", c.l, got, c.want)
		}
	}
}

// TestPublicLogs: library-internal caches (XGBoost, MLlib, Delta) are not
// the user's to remove; a Spark 2.4 show() on a cached join computes 1 of
// 200 partitions.
func TestPublicLogs(t *testing.T) {
	dir := testlogs.Shared(t)
	for _, rel := range []string{
		"spark-rapids-tools/core/src/test/resources/spark-events-qualification/xgboost_eventlog.zstd",
		"spark-rapids-tools/core/src/test/resources/spark-events-qualification/db_subExecution_id.zstd",
	} {
		if fs := run(t, filepath.Join(dir, rel), Unused); len(fs) != 0 {
			t.Errorf("%s: %s", rel, fs[0].Message)
		}
	}
	fs := run(t, filepath.Join(dir, "spark/core/src/test/resources/spark-events/application_1506645932520_24630151"), NotMaterialized)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "only 1 of its 200 partitions") {
		t.Errorf("show() on a cache: %v", fs)
	}
	// The second count() of sparklint's cached RDD reads it from memory: a
	// reuse; the other cached RDD is counted once and dropped.
	fs = run(t, filepath.Join(dir, "sparklint/src/test/resources/directory_source/event_log_0"), Unused)
	if len(fs) != 1 || *fs[0].Subject.RDDID != 3 {
		t.Errorf("sparklint: %v", fs)
	}
}

// TestCacheTableNotFitting: a cache made through SQL (CACHE TABLE ...
// OPTIONS ('storageLevel' 'MEMORY_ONLY')) that does not fit is recognized,
// named after its table, and the remedy is given in SQL.
func TestCacheTableNotFitting(t *testing.T) {
	fs := run(t, filepath.Join("testdata", "cache_table_not_fitting.zstd"), NotFitting)
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1", len(fs))
	}
	f := fs[0]
	if !strings.Contains(f.Message, "the cached table hot") || !strings.Contains(f.Advice.Snippet, "CACHE TABLE hot OPTIONS ('storageLevel' 'MEMORY_AND_DISK')") {
		t.Errorf("finding %q, snippet %q", f.Message, f.Advice.Snippet)
	}
	for _, e := range f.Evidence {
		if e.Name == "reading tasks that recomputed" && e.Value != 16 {
			t.Errorf("recomputing reads %v, want 16 (4 partitions read by 4 stages)", e.Value)
		}
	}
}
