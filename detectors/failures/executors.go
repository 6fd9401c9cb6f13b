package failures

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// ExecutorLoss is EXEC001.
var ExecutorLoss = &detectors.Detector{
	ID:       "EXEC001",
	Name:     "executor-loss",
	Category: "reliability",
	Severity: detectors.Warning,
	Problems: []string{"executor-loss"},
	Doc: detectors.Doc{
		Title: "executors were lost while they had work",
		Text: `Reports executors removed for a reason that is not a normal release. Dynamic allocation giving
back an idle executor ("Executor killed by driver", YARN's "explicit termination request"), graceful
decommissioning and the application's own shutdown are not losses and are not reported; neither is a
removal when no job was running and no task was lost.

For each kind of loss the finding counts the executors, the task attempts that were running on them
(they end with ` + "`ExecutorLostFailure`" + `), the successful map tasks whose shuffle output went with them and
had to run again (resubmitted), and the task time recomputed. It tells the kinds apart from the removal
and task end reasons:

- **container killed for memory**: "exceeding memory limits", "Container killed", exit code 137/143:
  raise ` + "`spark.executor.memoryOverhead`" + ` (value computed from the current one);
- **executor or host lost**: heartbeat timeouts, lost workers and nodes, disassociated RPC clients, spot
  reclaims: check the node, prefer decommissioning, keep shuffle files with an external shuffle service;
- **exited because of a task**: the executor's own code made it exit (exit code, "caused by one of the
  running tasks"): read the executor's stderr (the finding gives its log URL when the log has it).

The task ends' "Exit Caused By App" (Spark 1.6+) completes the picture: true when Spark counted the exit
as the application's (its failures count toward ` + "`spark.task.maxFailures`" + `), false when the cluster
manager took the executor away (preemption, a lost node): such a loss is reported as "executor or host
lost" and the advice says that the code needs no fix.`,
		Thresholds: `Any lost executor with lost work is reported: a lost executor always costs its running tasks
and its shuffle output. spark-rapids-tools' health check lists every removed executor; we leave out
the normal releases of dynamic allocation, which it does not, so that elastic applications stay quiet
(rp_sql_eventlog, application_1628109047826_1317105 in the shared corpus). The severity is an error when
the recomputed task time exceeds 30% of the application's wall-clock time.`,
		Questions: []string{"Q19"},
	},
	Params: []detectors.Param{
		{Name: "errorShare", Default: 0.3, Unit: "share", Doc: "raise to error when the recomputed task time exceeds this share of the application's duration"},
	},
	Run: runExecutors,
}

type lossKind int

const (
	lossMemory lossKind = iota
	lossHost
	lossTask
	lossOther
)

var lossNames = map[lossKind]string{
	lossMemory: "container killed for memory",
	lossHost:   "executor or host lost",
	lossTask:   "executor exited because of a task",
	lossOther:  "executor removed",
}

type loss struct {
	ex          *appmodel.Executor
	reason      string // removal reason, else the loss reason of its tasks
	kind        lossKind
	lostTasks   int
	lostMs      int64
	resubmitted int
	resubMs     int64
	stages      map[int]bool
	// exits counts the lost attempts by "Exit Caused By App".
	exits exitFlags
}

func kindOf(text string) lossKind {
	switch classify(text) {
	case CauseContainerMemory, CauseOOM:
		return lossMemory
	}
	t := strings.ToLower(text)
	switch {
	case strings.Contains(t, "caused by one of the running tasks") || strings.Contains(t, "exited caused by"):
		return lossTask
	case strings.Contains(t, "heartbeat") || strings.Contains(t, "lost") || strings.Contains(t, "disassociated") ||
		strings.Contains(t, "preempt") || strings.Contains(t, "spot") || strings.Contains(t, "connection"):
		return lossHost
	case strings.Contains(t, "exit"):
		return lossTask
	}
	return lossOther
}

func runExecutors(p *detectors.Pass) {
	a := p.App
	losses := map[string]*loss{}
	get := func(id string) *loss {
		l := losses[id]
		if l == nil {
			l = &loss{ex: a.Executor(id), stages: map[int]bool{}}
			losses[id] = l
		}
		return l
	}
	// Task attempts lost with their executor, and map output resubmitted.
	for _, st := range a.Stages {
		if st.NumFailedTasks == 0 && st.NumResubmitted == 0 {
			continue
		}
		st.Tasks(func(t *appmodel.Task) bool {
			switch {
			case t.Status == appmodel.TaskFailed && strings.HasPrefix(t.Reason, "ExecutorLostFailure"):
				l := get(t.Executor)
				l.lostTasks++
				l.lostMs += detectors.AttemptTime(t)
				l.stages[st.ID] = true
				l.exits.add(detailOf(st, t.Reason), 1)
				if l.reason == "" {
					l.reason = strings.TrimPrefix(t.Reason, "ExecutorLostFailure: ")
				}
			case t.Status == appmodel.TaskResubmitted:
				l := get(t.Executor)
				l.resubmitted++
				l.stages[st.ID] = true
			}
			return true
		})
		if st.NumResubmitted > 0 {
			// The recomputation of a resubmitted task costs what its
			// successful run cost.
			resub := map[int64]bool{}
			st.Tasks(func(t *appmodel.Task) bool {
				if t.Status == appmodel.TaskResubmitted {
					resub[t.TaskID] = true
				}
				return true
			})
			st.Tasks(func(t *appmodel.Task) bool {
				if t.Status == appmodel.TaskSuccess && resub[t.TaskID] {
					get(t.Executor).resubMs += detectors.AttemptTime(t)
				}
				return true
			})
		}
	}
	for _, e := range a.Executors {
		if e.ID == "driver" || e.RemoveTime == 0 {
			continue
		}
		l := get(e.ID)
		if e.RemoveReason != "" {
			l.reason = e.RemoveReason
		}
	}
	var kept []*loss
	for _, l := range losses {
		if l.ex == nil && l.lostTasks == 0 {
			continue
		}
		work := l.lostTasks + l.resubmitted
		if benignRemoval(l.reason) && work == 0 {
			continue
		}
		if work == 0 && (l.ex == nil || !jobRunningAt(a, l.ex.RemoveTime)) {
			continue
		}
		if work == 0 && l.reason == "" {
			continue
		}
		l.kind = kindOf(l.reason)
		if l.exits.notByApp > 0 && l.exits.byApp == 0 && (l.kind == lossTask || l.kind == lossOther) {
			// Spark was told the loss was not the application's doing.
			l.kind = lossHost
		}
		kept = append(kept, l)
	}
	if len(kept) == 0 {
		return
	}
	byKind := map[lossKind][]*loss{}
	for _, l := range kept {
		byKind[l.kind] = append(byKind[l.kind], l)
	}
	for _, k := range []lossKind{lossMemory, lossHost, lossTask, lossOther} {
		if ls := byKind[k]; len(ls) > 0 {
			reportLoss(p, k, ls)
		}
	}
}

// jobRunningAt reports whether a job was running at time t.
func jobRunningAt(a *appmodel.Application, t int64) bool {
	for _, j := range a.Jobs {
		if j.SubmissionTime <= t && (j.CompletionTime == 0 || j.CompletionTime >= t) {
			return true
		}
	}
	return false
}

func reportLoss(p *detectors.Pass, k lossKind, ls []*loss) {
	a := p.App
	sort.Slice(ls, func(i, j int) bool {
		wi, wj := ls[i].lostMs+ls[i].resubMs, ls[j].lostMs+ls[j].resubMs
		if wi != wj {
			return wi > wj
		}
		a, b := ls[i].id(), ls[j].id()
		if len(a) != len(b) {
			return len(a) < len(b)
		}
		return a < b
	})
	var tasks, resub int
	var lostMs, resubMs int64
	var exits exitFlags
	stages := map[int]bool{}
	var ids []string
	for _, l := range ls {
		tasks += l.lostTasks
		resub += l.resubmitted
		lostMs += l.lostMs
		resubMs += l.resubMs
		exits.byApp += l.exits.byApp
		exits.notByApp += l.exits.notByApp
		for s := range l.stages {
			stages[s] = true
		}
		ids = append(ids, l.id())
	}
	var stageList []int
	for s := range stages {
		stageList = append(stageList, s)
	}
	sort.Ints(stageList)
	top := ls[0]
	recomputed := lostMs + resubMs
	f := detectors.Finding{
		Subject: detectors.Subject{Kind: detectors.SubjectExecutor, ExecutorID: top.id(), Name: "executor " + top.id()},
		Evidence: []detectors.Evidence{
			detectors.EvT("executors lost", float64(len(ls)), "count", "≥", 1),
			detectors.Ev("running task attempts lost", float64(tasks), "count"),
			detectors.Ev("finished map tasks resubmitted", float64(resub), "count"),
			detectors.Ev("run time of the lost attempts", float64(lostMs), "ms"),
			detectors.Ev("run time of the resubmitted map tasks", float64(resubMs), "ms"),
		},
		Impact: detectors.Impact{TaskTimeMs: recomputed, TaskTimeShare: detectors.ShareOf(recomputed, detectors.TotalTaskTime(a))},
	}
	// Wall-clock: the stages that had to redo work.
	for _, s := range stageList {
		for _, st := range a.Stages {
			if st.ID == s {
				f.Impact.WallClockMs += st.Duration()
			}
		}
	}
	f.Impact.WallClockShare = detectors.ShareOf(f.Impact.WallClockMs, detectors.AppDuration(a))
	f.Impact.SavingsMs = min(f.Impact.WallClockMs, maxLost(ls))
	if exits.byApp+exits.notByApp > 0 {
		f.Evidence = append(f.Evidence,
			detectors.Ev("lost attempts Spark blamed on the application (exit caused by app)", float64(exits.byApp), "count"),
			detectors.Ev("lost attempts not blamed on the application", float64(exits.notByApp), "count"))
	}
	if float64(recomputed) > p.Param("errorShare")*float64(detectors.AppDuration(a)) {
		f.Severity = detectors.Error
	}
	if top.ex != nil {
		f.Subject.Name = fmt.Sprintf("executor %s (%s)", top.id(), top.ex.Host)
	}
	if len(stageList) > 0 {
		// The first stage that lost work to it.
		f.Subject.StageID = detectors.Ptr(stageList[0])
	}
	reason := top.reason
	if len(reason) > 160 {
		reason = reason[:160] + "…"
	}
	who := "executor " + top.id()
	if len(ls) > 1 {
		who = fmt.Sprintf("%d executors (%s)", len(ls), listIDs(ids, 6))
	}
	where := ""
	if len(stageList) > 0 {
		where = " in stage(s) " + intList(stageList, 8)
	}
	f.Message = fmt.Sprintf("%s lost (%s: %q%s): %d running task attempt(s) and %d finished map task(s) had to run again%s, %s of task time",
		who, lossNames[k], reason, exits.note(), tasks, resub, where, units.Millis(recomputed))
	if tasks == 0 && resub == 0 {
		// No work lost: capacity was. Executors that die soon after they
		// start without running a task are a crash loop.
		var life []int64
		ran := 0
		for _, l := range ls {
			if l.ex != nil && l.ex.AddTime > 0 && l.ex.RemoveTime > l.ex.AddTime {
				life = append(life, l.ex.RemoveTime-l.ex.AddTime)
			}
			if l.ex != nil {
				ran += l.ex.TotalTasks
			}
		}
		sort.Slice(life, func(i, j int) bool { return life[i] < life[j] })
		med := int64(0)
		if len(life) > 0 {
			med = life[len(life)/2]
		}
		f.Evidence = append(f.Evidence, detectors.Ev("median executor lifetime", float64(med), "ms"),
			detectors.Ev("tasks the lost executors ran", float64(ran), "count"))
		if ran == 0 && len(ls) > 1 {
			f.Message = fmt.Sprintf("%s were lost %s after starting (median), before running a single task (%s: %q): an executor that cannot start, replaced again and again",
				who, units.Millis(med), lossNames[k], reason)
		} else {
			f.Message = fmt.Sprintf("%s lost while jobs ran (%s: %q); no running task was lost, but its capacity was", who, lossNames[k], reason)
		}
	}
	f.Advice = lossAdvice(a, k, top)
	f.Advice.Explanation += exits.sentence()
	p.Report(f)
}

func (l *loss) id() string {
	if l.ex != nil {
		return l.ex.ID
	}
	return "?"
}

func maxLost(ls []*loss) int64 {
	var m int64
	for _, l := range ls {
		m = max(m, l.lostMs+l.resubMs)
	}
	return m
}

func listIDs(ids []string, n int) string {
	if len(ids) > n {
		return strings.Join(ids[:n], ", ") + fmt.Sprintf(", … %d more", len(ids)-n)
	}
	return strings.Join(ids, ", ")
}

func intList(xs []int, n int) string {
	var s []string
	for i, x := range xs {
		if i == n {
			s = append(s, fmt.Sprintf("… %d more", len(xs)-n))
			break
		}
		s = append(s, fmt.Sprint(x))
	}
	return strings.Join(s, ", ")
}

func lossAdvice(a *appmodel.Application, k lossKind, top *loss) detectors.Advice {
	adv := detectors.Advice{Questions: []string{"Q19"}}
	logs := ""
	if top.ex != nil {
		if u := top.ex.LogURLs()["stderr"]; u != "" {
			logs = " Its stderr: " + u + "."
		}
	}
	keepShuffle := func() {
		if isK8s(a) {
			if !detectors.PropBool(a, "spark.decommission.enabled", false) {
				adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.decommission.enabled", Current: detectors.Current(a, "spark.decommission.enabled"),
					Suggested: "true", Why: "let executors that are going away hand their shuffle and cached blocks over first"})
			}
			if !detectors.PropBool(a, "spark.storage.decommission.enabled", false) {
				adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.storage.decommission.enabled", Current: detectors.Current(a, "spark.storage.decommission.enabled"),
					Suggested: "true", Why: "migrate the blocks of decommissioned executors"})
			}
			return
		}
		if !detectors.PropBool(a, "spark.shuffle.service.enabled", false) && top.resubmitted > 0 {
			adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.shuffle.service.enabled", Current: detectors.Current(a, "spark.shuffle.service.enabled"),
				Suggested: "true", Why: fmt.Sprintf("%d finished map tasks were re-run only because their shuffle files died with the executor", top.resubmitted)})
		}
	}
	switch k {
	case lossMemory:
		adv.Explanation = "The executor's process grew past its container's memory and the cluster manager (or the kernel's OOM killer, exit code 137) " +
			"killed it. The heap is only part of the container: off-heap buffers, Python workers and native libraries use the overhead. " +
			"Raise the overhead, or run fewer concurrent tasks per executor." + logs
		if strings.Contains(top.reason, "137") && !strings.Contains(strings.ToLower(top.reason), "memory") {
			adv.Explanation += " (Exit code 137 is SIGKILL: most often the memory limit, but a manual kill or a reclaimed node ends the same way.)"
		}
		adv.Changes = append(adv.Changes, overheadChange(a))
		keepShuffle()
	case lossHost:
		adv.Explanation = "The executor stopped answering (heartbeat timeout, lost node or worker, dropped connection): a node failure, a spot or " +
			"preemptible instance taken back, or a JVM frozen in garbage collection. Its running tasks and the shuffle output it held were recomputed. " +
			"Check the node's health; on spot capacity use graceful decommissioning; keep shuffle files outside the executor." + logs
		keepShuffle()
	case lossTask:
		adv.Explanation = "A task made its executor exit (a System.exit, a native crash, a killed worker process). Spark re-ran the tasks it was running " +
			"and the shuffle output it held. The executor's stderr shows the cause." + logs
		keepShuffle()
	default:
		adv.Explanation = "The executor was removed while it had work; its tasks and shuffle output were recomputed." + logs
		keepShuffle()
	}
	return adv
}
