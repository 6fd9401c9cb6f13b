package detectors

import (
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

func TestPartitionCount(t *testing.T) {
	for _, tc := range []struct {
		n     int64
		slots int
		want  int64
	}{
		{1, 2, 2},
		{5, 2, 6},
		{787, 2, 790},
		{787, 64, 832},
		{4, 8, 8},
		{33, 16, 48},
		{1234, 1, 1300},
	} {
		if got := PartitionCount(tc.n, tc.slots); got != tc.want {
			t.Errorf("PartitionCount(%d, %d) = %d, want %d", tc.n, tc.slots, got, tc.want)
		}
	}
}

func TestTaskSlots(t *testing.T) {
	local := &appmodel.Application{SparkProps: map[string]string{"spark.master": "local[4]"},
		Executors: []*appmodel.Executor{{ID: "driver", TotalCores: 4}}}
	if got := TaskSlots(local); got != 4 || !LocalMode(local) {
		t.Errorf("local: %d slots", got)
	}
	// Dynamic allocation: executors 1 and 2 overlap, 3 comes after 1 left.
	cluster := &appmodel.Application{SparkProps: map[string]string{"spark.master": "yarn"},
		Executors: []*appmodel.Executor{
			{ID: "driver", TotalCores: 0},
			{ID: "1", TotalCores: 4, AddTime: 10, RemoveTime: 50},
			{ID: "2", TotalCores: 4, AddTime: 20},
			{ID: "3", TotalCores: 4, AddTime: 50},
		}}
	if got := TaskSlots(cluster); got != 8 || LocalMode(cluster) {
		t.Errorf("cluster: %d slots", got)
	}
	if got := TaskSlots(&appmodel.Application{SparkProps: map[string]string{"spark.master": "local[3,2]"}}); got != 3 {
		t.Errorf("local[3,2] without executors: %d slots", got)
	}
}

func TestSizeSettings(t *testing.T) {
	for b, want := range map[int64]string{128 << 20: "128m", 1 << 30: "1g", 100<<20 + 1: "101m"} {
		if got := SizeSetting(b); got != want {
			t.Errorf("SizeSetting(%d) = %s, want %s", b, got, want)
		}
	}
	for b, want := range map[int64]string{1000 << 20: "1024m", 1500 << 20: "1536m", 5<<30 + 1: "6g"} {
		if got := HeapSetting(b); got != want {
			t.Errorf("HeapSetting(%d) = %s, want %s", b, got, want)
		}
	}
}

func TestConsumer(t *testing.T) {
	sort := &appmodel.PlanNode{Name: "Sort"}
	smj := &appmodel.PlanNode{Name: "SortMergeJoin", Children: []*appmodel.PlanNode{
		{Name: "InputAdapter", Children: []*appmodel.PlanNode{{Name: "WholeStageCodegen (3)", Children: []*appmodel.PlanNode{sort}}}},
	}}
	root := &appmodel.PlanNode{Name: "AdaptiveSparkPlan", Children: []*appmodel.PlanNode{{Name: "Project", Children: []*appmodel.PlanNode{smj}}}}
	x := &appmodel.SQLExecution{Plans: []*appmodel.PlanNode{root}}
	if c := Consumer(x, sort); c != smj {
		t.Errorf("Consumer(Sort) = %v, want the SortMergeJoin", c)
	}
	if c := Consumer(x, smj); c != root {
		t.Errorf("Consumer(SortMergeJoin) = %v, want the root", c)
	}
}

func TestInteractiveApp(t *testing.T) {
	for name, want := range map[string]bool{"Spark shell": true, "PySparkShell": true, "Databricks Shell": true, "nightly-etl": false} {
		if got := InteractiveApp(&appmodel.Application{Name: name}); got != want {
			t.Errorf("InteractiveApp(%q) = %v", name, got)
		}
	}
}

func TestUserRepartition(t *testing.T) {
	for s, want := range map[string]int64{
		"Exchange RoundRobinPartitioning(2), REPARTITION_BY_NUM, [plan_id=80]":    2,
		"Exchange hashpartitioning(k#1L, day#2, 64), REPARTITION_BY_NUM, [id=#9]": 64,
		"Exchange hashpartitioning(k#1L, 200), ENSURE_REQUIREMENTS, [plan_id=3]":  0,
		"Exchange hashpartitioning(k#1L, 200), REPARTITION_BY_COL, [plan_id=3]":   0,
	} {
		n, ok := UserRepartition(&appmodel.PlanNode{Name: "Exchange", SimpleString: s})
		if n != want || ok != (want > 0) {
			t.Errorf("UserRepartition(%q) = %d, %v", s, n, ok)
		}
	}
}
