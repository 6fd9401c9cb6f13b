package spill

import (
	"github.com/sparkdiag/sparkdiag/detectors/detectortest"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

var load = detectortest.Load

func find(app *appmodel.Application, params map[string]float64) []detectors.Finding {
	cfg := &detectors.Config{Params: map[string]map[string]float64{Detector.ID: params}}
	return detectors.Run(app, []*detectors.Detector{Detector}, cfg)
}

func corpus(version, name string) string { return testlogs.Testdata("spark", "logs", version, name) }

func change(f detectors.Finding, key string) *detectors.Change {
	for i := range f.Advice.Changes {
		if f.Advice.Changes[i].Key == key {
			return &f.Advice.Changes[i]
		}
	}
	return nil
}

func TestSpill(t *testing.T) {
	for _, v := range []string{"3.5.9", "4.3.0"} {
		for _, tc := range []struct {
			log      string
			fire     bool
			operator string // expected among the finding's SQL operators
			key      string // a change the advice must contain
		}{
			// Q2: a sort-merge join whose sorts spill (spark.memory.fraction lowered).
			{log: "join_spill.snappy", fire: true, operator: "SortMergeJoin", key: "spark.memory.fraction"},
			// Q13: two shuffle partitions of ~250 MB each spill in the aggregation.
			{log: "partitions_too_few.zstd", fire: true, operator: "SortAggregate", key: "spark.sql.shuffle.partitions"},
			{log: "healthy"},
			{log: "skew_agg.lz4"},
			{log: "partitions_too_many"},
			{log: "small_files_write.lzf"},
		} {
			t.Run(v+"/"+tc.log, func(t *testing.T) {
				app := load(t, corpus(v, tc.log))
				fs := find(app, nil)
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
					st := app.Stage(*f.Subject.StageID, *f.Subject.StageAttempt)
					if st.Totals[appmodel.DiskBytesSpilled] < 10<<20 {
						t.Errorf("stage %d spilled only %d bytes", st.ID, st.Totals[appmodel.DiskBytesSpilled])
					}
					if !strings.Contains(f.Message, "to disk") || f.CallSite == "" {
						t.Errorf("message %q, call site %q", f.Message, f.CallSite)
					}
				}
				// One of the findings (the reduce side) names the operator and
				// gives the change.
				for _, f := range fs {
					if (strings.Contains(f.SQLOperator, tc.operator) || strings.Contains(f.SQLOperator, strings.Replace(tc.operator, "Sort", "Hash", 1))) &&
						change(f, tc.key) != nil && change(f, tc.key).Suggested != "" {
						return
					}
				}
				for _, f := range fs {
					t.Logf("%s: %s %+v", f.Message, f.SQLOperator, f.Advice.Changes)
				}
				t.Errorf("no finding names %s with a %s change", tc.operator, tc.key)
			})
		}
	}
}

// The partition count advised must be larger than the current one and
// computed from the stage's bytes.
func TestSpillPartitions(t *testing.T) {
	app := load(t, corpus("3.5.9", "partitions_too_few.zstd"))
	var c *detectors.Change
	for _, f := range find(app, nil) {
		if c == nil {
			c = change(f, "spark.sql.shuffle.partitions")
		}
	}
	if c == nil {
		t.Fatal("no spark.sql.shuffle.partitions change")
	}
	if c.Current != "2" || c.Suggested == "2" || len(c.Suggested) > 2 {
		t.Errorf("change %+v: want from 2 to a few partitions", c)
	}
}

func TestSpillThresholds(t *testing.T) {
	app := load(t, corpus("3.5.9", "join_spill.snappy"))
	if fs := find(app, map[string]float64{"minDiskSpill": 2 << 30}); len(fs) != 0 {
		t.Errorf("fired under a 2 GiB floor: %s", fs[0].Message)
	}
	// A ratio threshold above the stage's spill/data keeps it quiet.
	if fs := find(app, map[string]float64{"minRatio": 5}); len(fs) != 0 {
		t.Errorf("fired with minRatio 5: %s", fs[0].Message)
	}
	// Severity follows infoSpill / infoShare / largeSpill.
	fs := find(app, map[string]float64{"infoSpill": 1 << 40, "infoShare": 1})
	if len(fs) == 0 || fs[0].Severity != detectors.Info {
		t.Errorf("want an info finding, got %+v", fs)
	}
	fs = find(app, map[string]float64{"largeSpill": 1 << 20, "errorShare": 0.01})
	if len(fs) == 0 || fs[0].Severity != detectors.Error {
		t.Errorf("want an error finding, got %+v", fs)
	}
}

func TestKeyColumns(t *testing.T) {
	n := &appmodel.PlanNode{Name: "SortAggregate", SimpleString: "SortAggregate(key=[user_id#45L, country#46, _groupingexpression#64], functions=[max(payload#48)])"}
	got := strings.Join(keyColumns(n), ",")
	if got != "user_id,country" {
		t.Errorf("keyColumns = %q", got)
	}
	if got := strings.Join(sortKeys("Sort [ts#1 ASC NULLS FIRST, id#2L DESC NULLS LAST], true, 0"), ","); got != "ts,id" {
		t.Errorf("sortKeys = %q", got)
	}
}

func TestPartitioning(t *testing.T) {
	for s, want := range map[string]string{
		"Exchange RoundRobinPartitioning(16), REPARTITION_BY_NUM, [plan_id=40]":   "RoundRobinPartitioning(16)",
		"Exchange hashpartitioning(k#25L, 8), ENSURE_REQUIREMENTS, [plan_id=120]": "hashpartitioning(k, 8)",
		"Exchange SinglePartition, true, [id=#12]":                                "SinglePartition",
	} {
		if got := partitioning(s); got != want {
			t.Errorf("partitioning(%q) = %q, want %q", s, got, want)
		}
	}
}

// A map stage that spilled while sorting its shuffle output names the
// Exchange it wrote for (no plan operator reports that spill).
func TestShuffleWriteSpill(t *testing.T) {
	app := load(t, corpus("3.5.9", "cache_not_fitting.zstd"))
	for _, f := range find(app, nil) {
		if f.SQLOperator == "Exchange" && strings.Contains(f.Message, "shuffle write of Exchange RoundRobinPartitioning(16)") {
			return
		}
	}
	t.Error("no finding names the shuffle write")
}
