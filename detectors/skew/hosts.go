package skew

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// slowExec is one executor whose tasks in one stage ran far longer than the
// other executors' tasks with the same data.
type slowExec struct {
	st           *appmodel.Stage
	exec, host   string
	tasks        int
	med, others  int64 // median task durations: this executor's, the others'
	data, oData  int64 // median task data
	slowestIndex int
}

// slowExecutors finds, stage by stage, executors whose tasks all ran slow
// with ordinary data; an executor that does so in several stages is a slow
// or busy host. Each of its stages not reported yet is reported as a
// straggler, and triage groups them, with the stages already reported for
// a straggler on it, into one slow-executor finding.
func slowExecutors(p *detectors.Pass, reported map[[2]int]bool) {
	a := p.App
	byExec := map[string][]slowExec{}
	var order []string
	for _, st := range a.Stages {
		if st.Status == appmodel.StageSkipped || st.NumCompleteTasks < int(p.Param("minTasks")) {
			continue
		}
		type agg struct {
			host        string
			durs, datas []int64
			slowest     int64
			index       int
		}
		per := map[string]*agg{}
		st.Tasks(func(t *appmodel.Task) bool {
			if t.Status != appmodel.TaskSuccess || t.Executor == "" {
				return true
			}
			g := per[t.Executor]
			if g == nil {
				g = &agg{host: t.Host}
				per[t.Executor] = g
			}
			d := t.M[appmodel.Duration]
			g.durs = append(g.durs, d)
			g.datas = append(g.datas, dataOf(t))
			if d >= g.slowest {
				g.slowest, g.index = d, t.Index
			}
			return true
		})
		if len(per) < 3 {
			continue // with two executors, which one is slow is a matter of opinion
		}
		// Each executor against all the others: one sorted copy of the
		// stage's values, each executor's own sorted, and the others'
		// median by rank (not a copy of the others per executor).
		var allDurs, allDatas []int64
		for _, g := range per {
			slices.Sort(g.durs)
			slices.Sort(g.datas)
			allDurs = append(allDurs, g.durs...)
			allDatas = append(allDatas, g.datas...)
		}
		slices.Sort(allDurs)
		slices.Sort(allDatas)
		for e, g := range per {
			if len(g.durs) < 2 {
				continue
			}
			med, others := g.durs[len(g.durs)/2], detectors.MedianExcluding(allDurs, g.durs)
			data, oData := g.datas[len(g.datas)/2], detectors.MedianExcluding(allDatas, g.datas)
			if float64(med) < p.Param("slowHostRatio")*float64(max(others, 1)) || float64(med-others) < p.Param("minExcessMs") ||
				float64(data) > 1.5*float64(oData)+float64(1<<20) {
				continue
			}
			if byExec[e] == nil {
				order = append(order, e)
			}
			byExec[e] = append(byExec[e], slowExec{st: st, exec: e, host: g.host, tasks: len(g.durs), med: med, others: others, data: data, oData: oData, slowestIndex: g.index})
		}
	}
	slices.Sort(order)
	for _, e := range order {
		ss := byExec[e]
		if len(ss) < int(p.Param("slowHostStages")) {
			continue
		}
		var stages []string
		for _, s := range ss {
			stages = append(stages, fmt.Sprint(s.st.ID))
		}
		for _, s := range ss {
			if reported[s.st.Key()] {
				continue // already a finding (a straggler there): triage groups it with these
			}
			f := detectors.Finding{
				Subject:  detectors.StageSubject(s.st),
				CallSite: detectors.CallSite(a, s.st),
				Evidence: []detectors.Evidence{
					detectors.Ev("median task on this executor", float64(s.med), "ms"),
					detectors.Ev("median task on the other executors", float64(s.others), "ms"),
					detectors.EvT("this executor / the others", float64(s.med)/float64(max(s.others, 1)), "ratio", "≥", p.Param("slowHostRatio")),
					detectors.Ev("tasks on this executor", float64(s.tasks), "count"),
					detectors.Ev("median task data on this executor", float64(s.data), "bytes"),
					detectors.Ev("median task data on the others", float64(s.oData), "bytes"),
					detectors.EvT("stages where this executor was slow", float64(len(ss)), "count", "≥", p.Param("slowHostStages")),
				},
				// The stage waited about one slow task longer than it
				// would have on a healthy executor.
				Impact: detectors.StageImpact(a, s.st, s.med-s.others),
			}
			f.Subject.ExecutorID = e
			f.Message = fmt.Sprintf("Straggler in stage %d: every task on executor %s (%s) ran slow, a median of %s against %s on the other executors with the same data; "+
				"the same in stages %s", s.st.ID, e, s.host, units.Millis(s.med), units.Millis(s.others), strings.Join(stages, ", "))
			f.Advice = stragglerAdvice(a, s.st, taskData{exec: e, host: s.host})
			p.Report(f)
		}
	}
}

// speculated reports, for a stage that no other rule reported, a straggler
// that speculation caught: an attempt killed because a speculative copy of
// the same task succeeded, after running far longer than the median task.
// Speculation already saved the time, so the finding is info: it points at
// the executor or host that was slow.
func speculated(p *detectors.Pass, reported map[[2]int]bool) {
	a := p.App
	for _, st := range a.Stages {
		if st.Status == appmodel.StageSkipped || reported[st.Key()] || st.NumSpeculative == 0 {
			continue
		}
		won := map[int]int64{} // task index → duration of its successful speculative copy
		var durs []int64
		st.Tasks(func(t *appmodel.Task) bool {
			if t.Status == appmodel.TaskSuccess {
				durs = append(durs, t.M[appmodel.Duration])
				if t.Speculative {
					won[t.Index] = t.M[appmodel.Duration]
				}
			}
			return true
		})
		if len(durs) < int(p.Param("minTasks")) || len(won) == 0 {
			continue
		}
		med := detectors.MedianInt64(durs)
		var worst *appmodel.Task
		var worstDur int64
		st.Tasks(func(t *appmodel.Task) bool {
			if t.Status != appmodel.TaskKilled || t.Speculative {
				return true
			}
			if _, ok := won[t.Index]; !ok {
				return true
			}
			if d := t.FinishTime - t.LaunchTime; d > worstDur {
				c := *t
				worst, worstDur = &c, d
			}
			return true
		})
		if worst == nil || float64(worstDur) < p.Param("heavyOverMedian")*float64(max(med, 1)) || float64(worstDur-med) < p.Param("minExcessMs") {
			continue
		}
		f := detectors.Finding{
			Severity: detectors.Info,
			Subject:  detectors.StageSubject(st),
			CallSite: detectors.CallSite(a, st),
			Evidence: []detectors.Evidence{
				detectors.Ev("killed attempt's run time", float64(worstDur), "ms"),
				detectors.Ev("its speculative copy", float64(won[worst.Index]), "ms"),
				detectors.Ev("median task", float64(med), "ms"),
				detectors.EvT("killed attempt / median", float64(worstDur)/float64(max(med, 1)), "ratio", "≥", p.Param("heavyOverMedian")),
				detectors.Ev("speculative tasks", float64(st.NumSpeculative), "count"),
			},
			Impact: detectors.StageImpact(a, st, 0),
		}
		f.Subject.ExecutorID = worst.Executor
		f.Message = fmt.Sprintf("Straggler in stage %d caught by speculation: task %d ran %s on executor %s (%s), %s the median %s, before a speculative copy finished in %s",
			st.ID, worst.Index, units.Millis(worstDur), worst.Executor, worst.Host, units.Ratio(float64(worstDur)/float64(max(med, 1))), units.Millis(med), units.Millis(won[worst.Index]))
		f.Advice = detectors.Advice{Questions: []string{"Q3", "Q1"}, Changes: []detectors.Change{},
			Explanation: fmt.Sprintf("Speculative execution re-ran the slow task elsewhere and saved the wait. The slow attempt ran on executor %s (%s): "+
				"if that host is slow in other stages too, look at its load, disks and GC, or exclude it.", worst.Executor, worst.Host)}
		p.Report(f)
		reported[st.Key()] = true
	}
}
