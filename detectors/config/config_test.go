package config

import (
	"github.com/sparkdiag/sparkdiag/detectors/detectortest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/detectors"
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
		severity string
		contains []string
	}{
		// Must fire.
		{"AQE off, 4000 tiny partitions", corpus("partitions_too_many"), AQEOff, 1, "warning", []string{"spark.sql.adaptive.enabled=false", "AQE would have merged them"}},
		{"skew join off, skewed join", corpus("skew_join_off.lzf"), SkewJoinOff, 1, "warning", []string{"SortMergeJoin of stage", "skewed"}},
		{"broadcast off, small side shuffled", corpus("broadcast_missed.snappy"), BroadcastOff, 1, "warning", []string{"=-1", "could have been broadcast"}},
		{"Spark 3.1 default off, tiny partitions", local("spark31_defaults.json"), AQEOff, 1, "warning", []string{"not set and Spark 3.1.1 leaves AQE off"}},
		{"threshold of 2g", local("spark31_defaults.json"), BroadcastOff, 1, "info", []string{"2.0 GiB"}},
		// Must stay quiet.
		{"healthy", corpus("healthy"), AQEOff, 0, "", nil},
		{"healthy", corpus("healthy"), SkewJoinOff, 0, "", nil},
		{"healthy", corpus("healthy"), BroadcastOff, 0, "", nil},
		{"skew join on", corpus("skew_join_on.zstd"), SkewJoinOff, 0, "", nil},
		{"threshold of exactly 1g", corpus("broadcast_too_large.zstd"), BroadcastOff, 0, "", nil},
		// Structured Streaming turns AQE off in every micro-batch: not the user's doing.
		{"streaming sets AQE off itself", corpus("stream_watermark.zstd"), AQEOff, 0, "", nil},
		{"AQE on", corpus("skew_join_off.lzf"), AQEOff, 0, "", nil},
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
			f := fs[0]
			if c.severity != "" && f.Severity.String() != c.severity {
				t.Errorf("severity %s, want %s", f.Severity, c.severity)
			}
			for _, s := range c.contains {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message %q lacks %q", f.Message, s)
				}
			}
			if len(f.Advice.Changes) == 0 || f.Advice.Changes[0].Suggested == "" {
				t.Errorf("no change: %+v", f.Advice)
			}
		})
	}
}

// TestPublicLogs: the tiny Spark 3.1 test applications with AQE off by
// default and a few hundred small tasks must stay quiet.
func TestPublicLogs(t *testing.T) {
	dir := testlogs.Shared(t)
	for _, rel := range []string{
		"spark-rapids-tools/core/src/test/resources/spark-events-qualification/join_missing_sql_end",
		"spark-rapids-tools/core/src/test/resources/spark-events-qualification/dsAndDf_eventlog.zstd",
		"spark-rapids-tools/core/src/test/resources/spark-events-profiling/gds_ucx_eventlog.zstd",
		"spark-rapids-tools/core/src/test/resources/spark-events-profiling/rp_sql_eventlog.zstd",
	} {
		for _, d := range []*detectors.Detector{AQEOff, SkewJoinOff, BroadcastOff} {
			if fs := run(t, filepath.Join(dir, rel), d); len(fs) != 0 {
				t.Errorf("%s: %s", rel, fs[0].Message)
			}
		}
	}
}
