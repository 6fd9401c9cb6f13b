package partitions

import (
	"fmt"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// coalescedTo returns the partition count of a coalesce without shuffle
// in the stage (a CoalescedRDD, which DataFrame.coalesce and
// RDD.coalesce(n, shuffle=False) build), or 0 when there is none.
func coalescedTo(a *appmodel.Application, st *appmodel.Stage) int {
	ids := map[int]bool{}
	for _, id := range st.RDDIDs {
		ids[id] = true
	}
	n := 0
	for _, r := range a.RDDs {
		if !ids[r.ID] {
			continue
		}
		if r.Name == "CoalescedRDD" || strings.Contains(r.Scope, `"name":"coalesce"`) || strings.Contains(r.Scope, `"name":"Coalesce`) {
			if r.NumPartitions > 0 && (n == 0 || r.NumPartitions < n) {
				n = r.NumPartitions
			}
		}
	}
	return n
}

// runCoalesced reports stages that a coalesce without shuffle squeezed into
// fewer tasks than half the task slots while they read much data: the
// coalesce pulls all the upstream work (scan, computation, write) into
// those few tasks and the other cores wait (Q10, Q13). repartition(1)
// shuffles and is caught by the shuffle rule; coalesce(1) adds no shuffle.
func runCoalesced(p *detectors.Pass) {
	a := p.App
	slots := detectors.TaskSlots(a)
	for _, st := range a.Stages {
		if st.Status == appmodel.StageSkipped || st.NumTasks <= 0 || st.NumTasks*2 > slots {
			continue
		}
		to := coalescedTo(a, st)
		if to == 0 || to != st.NumTasks {
			continue
		}
		in, _ := detectors.StageInputBytes(a, st)
		data := in + st.Totals.ShuffleReadBytes()
		n := int64(st.NumTasks)
		per := data / n
		if float64(per) < p.Param("idlePartitionBytes") || float64(st.Duration()) < p.Param("minStageMs") {
			continue
		}
		target := int64(p.Param("targetPartitionBytes"))
		want := detectors.PartitionCount((data+target-1)/target, slots)
		use := min(want, int64(slots))
		savings := st.Duration() - st.Duration()*n/max(use, 1)
		f := detectors.Finding{
			Subject:  detectors.StageSubject(st),
			CallSite: detectors.CallSite(a, st),
			Impact:   detectors.StageImpact(a, st, savings),
		}
		if node := detectors.FindNode(detectors.StageNodes(a, st), "Coalesce"); node != nil {
			f.SQLOperator = node.Name
		}
		out := st.Totals[appmodel.OutputBytes]
		f.Message = fmt.Sprintf("%s ran in only %s after coalesce(%d): %s read %s%s in %s while %d of the %d task slots waited; "+
			"the work before the coalesce would spread over about %d tasks",
			capital(stageName(st)), units.Plural(int(n), "task"), to, taskWord(n), units.Bytes(data), wrote(out), units.Millis(st.Duration()), slots-int(n), slots, use)
		f.Evidence = []detectors.Evidence{
			detectors.Ev("tasks after coalesce", float64(n), "count"),
			detectors.Ev("task slots", float64(slots), "count"),
			detectors.EvT("data per task (input + shuffle read)", float64(per), "bytes", "≥", p.Param("idlePartitionBytes")),
			detectors.EvT("stage duration", float64(st.Duration()), "ms", "≥", p.Param("minStageMs")),
			detectors.Ev("output written", float64(out), "bytes"),
			detectors.Ev("computed partitions", float64(want), "count"),
		}
		if f.Impact.WallClockShare >= p.Param("errorShare") {
			f.Severity = detectors.Error
		}
		f.Advice = detectors.Advice{
			Questions: []string{"Q10", "Q13"},
			Explanation: fmt.Sprintf("coalesce(%d) merges partitions without a shuffle, so Spark runs everything before it in those %s: "+
				"the scan, the computation and the write. When fewer output files are the goal, repartition() shuffles once and keeps the work "+
				"before it parallel, or write with spark.sql.files.maxRecordsPerFile; coalesce only after the heavy work, or not at all.", to, units.Plural(int(n), "task")),
			Changes: []detectors.Change{{Why: fmt.Sprintf("replace coalesce(%d) with repartition(%d) (or remove it): the %s before it then run in about %d parallel tasks", to, to, units.Bytes(data), use)}},
			Snippet: fmt.Sprintf("# before: df.coalesce(%[1]d).write.parquet(path)  -- one task does all the work\n"+
				"df.repartition(%[1]d).write.parquet(path)  # the work before the shuffle stays parallel", to),
		}
		p.Report(f)
	}
}

func taskWord(n int64) string {
	if n == 1 {
		return "that task"
	}
	return "those tasks"
}

func wrote(out int64) string {
	if out <= 0 {
		return ""
	}
	return " and wrote " + units.Bytes(out)
}
