package failures

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// FetchFailures is FAIL003.
var FetchFailures = &detectors.Detector{
	ID:       "FAIL003",
	Name:     "fetch-failure",
	Category: "reliability",
	Severity: detectors.Warning,
	Problems: []string{"fetch-failure"},
	Doc: detectors.Doc{
		Title: "shuffle output was lost and recomputed after fetch failures",
		Text: `A reduce task that cannot read a map task's shuffle output ends with ` + "`FetchFailed`" + `. Spark then
marks the output lost, re-runs the map tasks that produced it (a new attempt of the map stage, or
resubmitted tasks) and runs the reduce stage again as a new attempt. For every stage with fetch
failures the finding counts the failed fetches, the stage attempts that followed, and the task time
of the recomputed map and reduce work.

It also says why the output was lost when the log tells. The ` + "`FetchFailed`" + ` ends name the executor
each fetch failed from: the finding counts the failures per executor and says whether that executor was
lost (removed or named by an ` + "`ExecutorLostFailure`" + `: its shuffle files went with it because no
external shuffle service kept them) or still running (a network or disk problem on the serving side).
Without that (map output with no location at all), an executor removed while the stage ran explains it.
The advice follows: keep shuffle files beyond the
executor's life (` + "`spark.shuffle.service.enabled`" + ` on YARN and standalone, decommissioning with shuffle block
migration on Kubernetes), and give fetches more patience (` + "`spark.shuffle.io.maxRetries`" + `,
` + "`spark.shuffle.io.retryWait`" + `) when no executor was lost.`,
		Thresholds: `Any fetch failure is reported: it always costs a recomputation of map output, and none of the
corpus' healthy runs has one (check_labels.py: FetchFailed must be absent everywhere it is not
expected). The severity is an error when the job failed, or when the recomputed time exceeds 30% of the
application's wall-clock time.`,
		Questions: []string{"Q19", "Q21"},
	},
	Params: []detectors.Param{
		{Name: "errorShare", Default: 0.3, Unit: "share", Doc: "raise to error when the recomputed task time exceeds this share of the application's duration"},
	},
	Run: runFetch,
}

func runFetch(p *detectors.Pass) {
	a := p.App
	// Group the fetch-failed stage attempts by stage.
	byStage := map[int][]*appmodel.Stage{}
	var ids []int
	for _, st := range a.Stages {
		if !fetchStage(st) && !hasFetchTask(st) {
			continue
		}
		if _, ok := byStage[st.ID]; !ok {
			ids = append(ids, st.ID)
		}
		byStage[st.ID] = append(byStage[st.ID], st)
	}
	sort.Ints(ids)
	for _, id := range ids {
		reportFetch(p, byStage[id])
	}
}

func hasFetchTask(st *appmodel.Stage) bool {
	for r := range st.FailureReasons {
		if classify(r) == CauseFetch {
			return true
		}
	}
	return false
}

func fetchCount(st *appmodel.Stage) int {
	n := 0
	for r, c := range st.FailureReasons {
		if classify(r) == CauseFetch {
			n += c
		}
	}
	return n
}

func reportFetch(p *detectors.Pass, sts []*appmodel.Stage) {
	a := p.App
	first := sts[0]
	fetches := 0
	var from, to int64
	for _, st := range sts {
		fetches += fetchCount(st)
		if from == 0 || (st.SubmissionTime > 0 && st.SubmissionTime < from) {
			from = st.SubmissionTime
		}
		to = max(to, st.CompletionTime)
	}
	if fetches == 0 {
		fetches = 1
	}
	// What ran again: later attempts of this stage, later attempts of its
	// parent stages and resubmitted tasks.
	var retries []*appmodel.Stage
	var recomputed int64
	resubmitted := 0
	parents := map[int]bool{}
	for _, pid := range first.ParentIDs {
		parents[pid] = true
	}
	for _, st := range a.Stages {
		if st.Attempt == 0 || st.SubmissionTime < first.SubmissionTime {
			continue
		}
		if st.ID == first.ID || parents[st.ID] {
			retries = append(retries, st)
			recomputed += st.Totals[appmodel.RunTime]
			to = max(to, st.CompletionTime)
		}
	}
	for _, st := range a.Stages {
		if parents[st.ID] || st.ID == first.ID {
			resubmitted += st.NumResubmitted
		}
	}
	failedTime := int64(0)
	for _, st := range sts {
		st.Tasks(func(t *appmodel.Task) bool {
			if t.Status == appmodel.TaskFailed && classify(t.Reason) == CauseFetch {
				failedTime += detectors.AttemptTime(t)
			}
			return true
		})
	}
	recomputed += failedTime
	lost := lostExecutorsBetween(a, from-60_000, to)
	job := detectors.JobOfStage(a, first)
	jobDown := job != nil && job.Status == appmodel.JobFailed

	f := detectors.Finding{
		Subject:  detectors.StageSubject(first),
		CallSite: detectors.CallSite(a, first),
		Evidence: []detectors.Evidence{
			detectors.EvT("fetch failures", float64(fetches), "count", "≥", 1),
			detectors.Ev("stage attempts that ran again", float64(len(retries)), "count"),
			detectors.Ev("resubmitted map tasks", float64(resubmitted), "count"),
			detectors.Ev("recomputed task time", float64(recomputed), "ms"),
			detectors.Ev("executors lost around the failure", float64(len(lost)), "count"),
		},
		Impact: detectors.Impact{WallClockMs: max(to-from, 0), WallClockShare: detectors.ShareOf(max(to-from, 0), detectors.AppDuration(a)),
			TaskTimeMs: recomputed, TaskTimeShare: detectors.ShareOf(recomputed, detectors.TotalTaskTime(a)), SavingsMs: retryWall(retries)},
	}
	if f.Impact.SavingsMs > f.Impact.WallClockMs {
		f.Impact.SavingsMs = f.Impact.WallClockMs
	}
	if jobDown || float64(recomputed) > p.Param("errorShare")*float64(detectors.AppDuration(a)) {
		f.Severity = detectors.Error
	}
	var retried []string
	for _, st := range retries {
		retried = append(retried, detectors.StageLabel(st))
	}
	what := "no stage attempt ran again"
	if len(retried) > 0 {
		what = strings.Join(retried, ", ") + " ran again"
	}
	why := "no executor was lost: a network, disk or shuffle-server problem"
	executorLost := len(lost) > 0
	if len(lost) > 0 {
		var ids []string
		for _, e := range lost {
			ids = append(ids, e.ID)
		}
		why = fmt.Sprintf("the map output was on executor %s, lost at the time", strings.Join(ids, ", "))
	}
	// The task ends name the executors the fetches failed from: say
	// whether those were lost.
	sources, noLocation := fetchSources(sts)
	if len(sources) > 0 {
		var gone, alive []string
		goneWhy := ""
		for i, src := range sources {
			label := executorLabel(a, src.id, src.host)
			f.Evidence = append(f.Evidence, detectors.Ev("fetch failures from "+label, float64(src.fetches), "count"))
			if i >= 3 {
				continue
			}
			if reason, ok := executorGone(a, src.id, to); ok {
				gone = append(gone, label)
				if goneWhy == "" && reason != "" {
					goneWhy = fmt.Sprintf(" (%q)", clip(reason, 120))
				}
			} else {
				alive = append(alive, label)
			}
		}
		if len(sources) > 3 {
			alive = append(alive, fmt.Sprintf("%d more", len(sources)-3))
		}
		var parts []string
		if len(gone) > 0 {
			parts = append(parts, fmt.Sprintf("the map output was on %s, lost at the time%s", strings.Join(gone, ", "), goneWhy))
		}
		if len(alive) > 0 {
			it := "it was"
			if len(alive) > 1 {
				it = "they were"
			}
			parts = append(parts, fmt.Sprintf("fetches from %s failed although %s not lost: a network, disk or shuffle-server problem there",
				strings.Join(alive, ", "), it))
		}
		why = strings.Join(parts, "; ")
		executorLost = len(gone) > 0
	}
	if noLocation > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("fetch failures of map output with no location", float64(noLocation), "count"))
	}
	f.Message = fmt.Sprintf("%d shuffle fetch failure(s) in stage %d (%s); %s; %s of task time recomputed",
		fetches, first.ID, why, what, units.Millis(recomputed))
	if jobDown {
		f.Message += "; the job failed"
	}
	f.Advice = fetchAdvice(a, executorLost, len(sources) > 0)
	p.Report(f)
}

// executorGone reports whether an executor was lost by time to (epoch ms,
// 0 for any time): removed for a reason that is not a normal release, or
// named by an ExecutorLostFailure. The reason is its removal or loss reason.
func executorGone(a *appmodel.Application, id string, to int64) (string, bool) {
	if e := a.Executor(id); e != nil && e.RemoveTime > 0 && !benignRemoval(e.RemoveReason) && (to == 0 || e.RemoveTime <= to) {
		return e.RemoveReason, true
	}
	var first *appmodel.FailureDetail
	for _, st := range a.Stages {
		for _, d := range st.FailureDetails {
			if d.LostExecutorID != id || to > 0 && d.FinishTime > to {
				continue
			}
			if first == nil || d.FinishTime < first.FinishTime || d.FinishTime == first.FinishTime && d.Message < first.Message {
				first = d
			}
		}
	}
	if first != nil {
		return first.Message, true
	}
	return "", false
}

func retryWall(sts []*appmodel.Stage) int64 {
	var w int64
	for _, st := range sts {
		w += st.Duration()
	}
	return w
}

// lostExecutorsBetween returns the executors removed, for a reason that is
// not a normal release, between from and to (epoch ms).
func lostExecutorsBetween(a *appmodel.Application, from, to int64) []*appmodel.Executor {
	var out []*appmodel.Executor
	for _, e := range a.Executors {
		if e.RemoveTime == 0 || e.ID == "driver" || benignRemoval(e.RemoveReason) {
			continue
		}
		if e.RemoveTime >= from && (to == 0 || e.RemoveTime <= to) {
			out = append(out, e)
		}
	}
	return out
}

func isK8s(a *appmodel.Application) bool {
	return strings.HasPrefix(a.SparkProps["spark.master"], "k8s://")
}

// fetchAdvice is the remedy of fetch failures; sourceKnown says whether the
// task ends named the executors fetched from (executorLost then says
// whether one of those was lost).
func fetchAdvice(a *appmodel.Application, executorLost, sourceKnown bool) detectors.Advice {
	adv := detectors.Advice{Questions: []string{"Q19", "Q21"}}
	if executorLost {
		adv.Explanation = "The shuffle files of a map task live with the executor that wrote them. When that executor goes, " +
			"reduce tasks cannot fetch them and Spark re-runs the map tasks, then the reduce stage: the lost executor costs " +
			"its running tasks plus all the shuffle output it held. Keep shuffle files beyond the executor's life, and find why it was lost (EXEC001)."
		switch {
		case isK8s(a):
			for _, k := range []string{"spark.decommission.enabled", "spark.storage.decommission.enabled", "spark.storage.decommission.shuffleBlocks.enabled"} {
				if !detectors.PropBool(a, k, k == "spark.storage.decommission.shuffleBlocks.enabled") {
					adv.Changes = append(adv.Changes, detectors.Change{Key: k, Current: detectors.Current(a, k), Suggested: "true",
						Why: "on Kubernetes there is no external shuffle service: migrate shuffle blocks off executors that are going away"})
				}
			}
		case !detectors.PropBool(a, "spark.shuffle.service.enabled", false):
			adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.shuffle.service.enabled", Current: detectors.Current(a, "spark.shuffle.service.enabled"),
				Suggested: "true", Why: "an external shuffle service on each node serves the shuffle files of lost executors, so their map output need not be recomputed"})
		}
		return adv
	}
	lead := "No executor was lost, yet shuffle blocks could not be fetched"
	if sourceKnown {
		lead = "The executors serving the shuffle blocks were not lost, yet the blocks could not be fetched"
	}
	adv.Explanation = lead + ": the serving side was overloaded, a disk failed, " +
		"or the network dropped connections. Spark gives up on a block after a few quick retries and then recomputes the whole map output. " +
		"More patient fetches ride out short outages."
	retries := detectors.PropInt(a, "spark.shuffle.io.maxRetries", 3)
	adv.Changes = append(adv.Changes,
		detectors.Change{Key: "spark.shuffle.io.maxRetries", Current: detectors.Current(a, "spark.shuffle.io.maxRetries"), Suggested: fmt.Sprint(max(retries*2, 10)),
			Why: "retry a failed fetch more times before declaring the map output lost"},
		detectors.Change{Key: "spark.shuffle.io.retryWait", Current: detectors.Current(a, "spark.shuffle.io.retryWait"), Suggested: "30s",
			Why: "wait longer between fetch retries (the default is 5s)"})
	return adv
}
