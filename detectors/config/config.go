// Package config holds the configuration lint detectors: settings that
// switch off Spark's own remedies for the problems the other detectors
// find (adaptive execution, AQE's skew-join handling, broadcast joins).
// Each reports the setting as information, and as a warning when the log
// shows what it cost.
package config

import (
	"strconv"
	"strings"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// setting is a property's effective value: the application's, overridden
// by the last SQL execution that changed it at run time (spark.conf.set).
type setting struct {
	value string
	set   bool
	where string // "spark-defaults / submit" or "spark.conf.set in SQL execution N"
}

func lookup(a *appmodel.Application, key string) setting {
	s := setting{}
	if v, ok := a.SparkProps[key]; ok {
		s = setting{value: strings.TrimSpace(v), set: true, where: "the application's configuration"}
	}
	for _, x := range a.SQL {
		// Structured Streaming sets its own session settings (AQE off) on
		// every micro-batch execution: not the user's configuration.
		if strings.Contains(x.Description, "\nrunId = ") {
			continue
		}
		if v, ok := x.ModifiedConfigs[key]; ok {
			s = setting{value: strings.TrimSpace(v), set: true, where: "spark.conf.set (SQL execution " + strconv.FormatInt(x.ID, 10) + ")"}
		}
	}
	return s
}

func (s setting) isFalse() bool {
	b, err := strconv.ParseBool(strings.ToLower(s.value))
	return s.set && err == nil && !b
}

// stageSkew measures a stage's task time skew over its successful tasks.
type stageSkew struct {
	st                 *appmodel.Stage
	n                  int
	median, max        int64
	maxData, medData   int64
	ratio              float64
	excessMs           int64
	joinNode, aggNode  *appmodel.PlanNode
	shuffleRead, tasks int64
}

func measureSkew(a *appmodel.Application, st *appmodel.Stage) *stageSkew {
	success := func(t *appmodel.Task) bool { return t.Status == appmodel.TaskSuccess }
	dataOf := func(t *appmodel.Task) int64 { return t.M[appmodel.InputBytes] + t.M.ShuffleReadBytes() }
	// The order statistics come from detectors.TaskRanks: exact, without
	// copying the stage's tasks.
	durs := detectors.NewTaskRanks(st, func(t *appmodel.Task) (int64, bool) { return t.M[appmodel.Duration], success(t) })
	datas := detectors.NewTaskRanks(st, func(t *appmodel.Task) (int64, bool) { return dataOf(t), success(t) })
	var slowData int64
	var slow int64 = -1
	st.Tasks(func(t *appmodel.Task) bool {
		if success(t) {
			durs.Add(t)
			datas.Add(t)
			if d := t.M[appmodel.Duration]; d > slow {
				slow, slowData = d, dataOf(t)
			}
		}
		return true
	})
	if durs.N() < 4 {
		return nil
	}
	med := max(durs.Median(), 1)
	sk := &stageSkew{st: st, n: durs.N(), median: med, max: durs.Max(), maxData: slowData, medData: datas.Median(),
		shuffleRead: st.Totals.ShuffleReadBytes(), tasks: int64(st.NumTasks)}
	sk.ratio = float64(sk.max) / float64(med)
	sk.excessMs = sk.max - med
	nodes := detectors.StageNodes(a, st)
	sk.joinNode = detectors.FindNode(nodes, "SortMergeJoin", "ShuffledHashJoin")
	sk.aggNode = detectors.FindNode(nodes, "HashAggregate", "ObjectHashAggregate", "SortAggregate")
	return sk
}

// skewed reports whether the stage has a skewed partition by SKEW001's
// default thresholds: longest task ≥ 5× the median and ≥ 2 s over it, and
// the slowest task read ≥ 3× the median task's data and ≥ 8 MiB (a slow
// task with ordinary data is a straggler, which skew handling cannot fix).
func (s *stageSkew) skewed() bool {
	return s != nil && s.ratio >= 5 && s.excessMs >= 2000 && s.maxData >= 3*s.medData && s.maxData >= 8<<20
}

// exchangeBelow returns the first Exchange under n, looking through sorts,
// codegen wrappers and AQE reads.
func exchangeBelow(n *appmodel.PlanNode) *appmodel.PlanNode {
	for n != nil {
		if strings.HasPrefix(n.Name, "Exchange") {
			return n
		}
		if len(n.Children) != 1 {
			return nil
		}
		n = n.Children[0]
	}
	return nil
}

func sizeOf(ex *appmodel.PlanNode) int64 {
	if ex == nil {
		return -1
	}
	if v := detectors.MetricValue(ex, "data size"); v >= 0 {
		return v
	}
	return detectors.MetricValue(ex, "shuffle bytes written")
}
