package failures

import (
	"fmt"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// StageFailures is FAIL002.
var StageFailures = &detectors.Detector{
	ID:       "FAIL002",
	Name:     "stage-failure",
	Category: "reliability",
	Severity: detectors.Error,
	Problems: []string{"stage-failure"},
	Doc: detectors.Doc{
		Title: "jobs failed because a stage was aborted",
		Text: `Reports every failed job with the stage attempt that brought it down, the exception read from
the failure reason (the last Python error of a traceback, or the exception of the most recent failed
attempt), how far the stage had got (completed tasks out of all) and the work the failure threw
away: the job's wall-clock time and the task time of its stages, all of which a rerun repeats.

Stage attempts that failed without failing their job (the stage ran again as a new attempt) are
reported as warnings, except those that failed on a shuffle fetch, which FAIL003 reports. Jobs and
stages that were cancelled (by the program, by stopping a streaming query, by the SparkContext shutting
down, or because another job failed) did not fail on their own and are not reported.

The advice follows Q20: fix the cause (the finding names the exception and where it was thrown) and
make the job restartable, so that a failure at 95% does not redo the first 95%.`,
		Thresholds: `Every failed job is reported, as an error: a failed job is the most expensive outcome an
application can have, and every tool in docs/anchors.md lists failed jobs and stages (spark-rapids-tools'
health check, Dr. Elephant's failure rate, spark-advisor). There is nothing to tune.`,
		Questions: []string{"Q20", "Q19"},
	},
	Run: runStages,
}

func runStages(p *detectors.Pass) {
	a := p.App
	reported := map[[2]int]bool{}
	for _, j := range a.Jobs {
		if j.Status != appmodel.JobFailed {
			continue
		}
		st := failingStage(a, j)
		// A cancelled job (query.stop(), cancelJobGroup, the context shutting
		// down) did not fail on its own.
		if isCancel(j.FailureReason) && (st == nil || isCancel(st.FailureReason)) {
			continue
		}
		if st != nil {
			reported[st.Key()] = true
		}
		reportJob(p, j, st)
	}
	for _, st := range a.Stages {
		if st.Status != appmodel.StageFailed || reported[st.Key()] {
			continue
		}
		if jobFailed(a, st) || isCancel(st.FailureReason) || fetchStage(st) {
			continue
		}
		reportRetriedStage(p, st)
	}
}

// failingStage is the stage attempt whose failure failed the job: the
// failed attempt named in the job's failure reason, else the last failed
// attempt that is not a cancellation.
func failingStage(a *appmodel.Application, j *appmodel.Job) *appmodel.Stage {
	var best *appmodel.Stage
	for _, st := range a.Stages {
		if st.Status != appmodel.StageFailed || !hasJob(st, j.ID) {
			continue
		}
		if strings.Contains(j.FailureReason, fmt.Sprintf("in stage %d.%d ", st.ID, st.Attempt)) {
			return st
		}
		if best == nil || (isCancel(best.FailureReason) && !isCancel(st.FailureReason)) ||
			(isCancel(best.FailureReason) == isCancel(st.FailureReason) && st.CompletionTime >= best.CompletionTime) {
			best = st
		}
	}
	return best
}

func hasJob(st *appmodel.Stage, id int) bool {
	for _, j := range st.JobIDs {
		if j == id {
			return true
		}
	}
	return false
}

func jobFailed(a *appmodel.Application, st *appmodel.Stage) bool {
	for _, id := range st.JobIDs {
		if j := detectors.JobByID(a, id); j != nil && j.Status == appmodel.JobFailed {
			return true
		}
	}
	return false
}

func fetchStage(st *appmodel.Stage) bool {
	return classify(st.FailureReason) == CauseFetch || st.FailureReasons["FetchFailed"] > 0
}

// jobTaskTime is the task time of every stage attempt of a job.
func jobTaskTime(a *appmodel.Application, j *appmodel.Job) int64 {
	var t int64
	for _, st := range a.Stages {
		if hasJob(st, j.ID) {
			t += st.Totals[appmodel.RunTime]
		}
	}
	return t
}

func reportJob(p *detectors.Pass, j *appmodel.Job, st *appmodel.Stage) {
	a := p.App
	reason := j.FailureReason
	if st != nil && st.FailureReason != "" {
		reason = st.FailureReason
	}
	wall := detectors.JobDuration(j)
	task := jobTaskTime(a, j)
	f := detectors.Finding{
		Subject: detectors.JobSubject(j),
		Impact: detectors.Impact{WallClockMs: wall, WallClockShare: detectors.ShareOf(wall, detectors.AppDuration(a)),
			TaskTimeMs: task, TaskTimeShare: detectors.ShareOf(task, detectors.TotalTaskTime(a)), SavingsMs: wall},
		Evidence: []detectors.Evidence{
			detectors.Ev("job wall-clock time", float64(wall), "ms"),
			detectors.Ev("task time of the job's stages", float64(task), "ms"),
		},
	}
	name := jobName(j)
	ex := detectors.ExceptionSummary(reason)
	if st != nil {
		f.Subject = detectors.StageSubject(st)
		f.Subject.JobID = detectors.Ptr(j.ID)
		f.CallSite = detectors.CallSite(a, st)
		if op := pythonOperator(a, st); op != "" {
			f.SQLOperator = op
		}
		done := st.NumCompletedIndices
		f.Evidence = append(f.Evidence,
			detectors.Ev("tasks of the failed stage that had completed", float64(done), "count"),
			detectors.Ev("tasks of the failed stage", float64(st.NumTasks), "count"),
			detectors.Ev("failed task attempts in the stage", float64(st.NumFailedTasks), "count"))
		f.Evidence = append(f.Evidence, reasonEvidence(a, st)...)
		if ex == "" {
			ex = mainError(a, st)
		}
	}
	switch {
	case isCancel(j.FailureReason):
		// The job ended because the application stopped (the SparkContext
		// shut down) while a stage had failing tasks: say what the log
		// says, not that Spark gave up on the stage.
		f.Message = fmt.Sprintf("Job %d%s was cancelled when the SparkContext shut down (%s) while %s had failing tasks: %s; %s of work (%s of task time) lost",
			j.ID, name, firstLine(j.FailureReason), stageLabel(st), ex, units.Millis(wall), units.Millis(task))
		f.Severity = detectors.Warning
		f.Advice = detectors.Advice{Questions: []string{"Q20"}, Changes: []detectors.Change{},
			Explanation: "The application stopped (its SparkContext shut down) while this job ran, so the job was cancelled; the failing tasks of the stage had not yet exhausted their retries. " +
				"Find why the driver stopped (the program ended without waiting for the job, a driver error, or the cluster manager killed it) and make the job restartable (Q20)."}
	default:
		progress := ""
		if st != nil && st.NumTasks > 0 {
			progress = fmt.Sprintf(" after %d of %d tasks (%s) of %s had succeeded", st.NumCompletedIndices, st.NumTasks,
				units.Percent(float64(st.NumCompletedIndices)/float64(st.NumTasks)), detectors.StageLabel(st))
		}
		f.Message = fmt.Sprintf("Job %d%s failed%s: %s; %s of work (%s of task time) lost", j.ID, name, progress, ex,
			units.Millis(wall), units.Millis(task))
		f.Advice = jobAdvice(a, j, st, reason)
	}
	p.Report(f)
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

func stageLabel(st *appmodel.Stage) string {
	if st == nil {
		return "a stage"
	}
	return detectors.StageLabel(st)
}

func jobName(j *appmodel.Job) string {
	n := j.Description
	if n == "" {
		n = j.Name
	}
	n = strings.TrimSpace(n)
	if i := strings.IndexByte(n, '\n'); i >= 0 {
		n = n[:i]
	}
	if n == "" {
		return ""
	}
	if len(n) > 60 {
		n = n[:60] + "…"
	}
	return fmt.Sprintf(" (%q)", n)
}

func jobAdvice(a *appmodel.Application, j *appmodel.Job, st *appmodel.Stage, reason string) detectors.Advice {
	adv := detectors.Advice{Questions: []string{"Q20", "Q19"}}
	var exits exitFlags
	if st != nil {
		exits = stageExits(st)
	}
	restart := " Then make the job restartable (Q20): write its output per partition or per batch with overwrite semantics, " +
		"so that a rerun skips or replaces what was already written instead of starting over."
	switch classify(reason) {
	case CauseOOM:
		mem := detectors.ExecMemoryBytes(a)
		adv.Explanation = "A task ran out of memory on every attempt, so the stage was aborted. Give each task more memory or less data." + restart
		adv.Changes = append(adv.Changes, detectors.Change{Key: detectors.ExecMemoryKey(a), Current: detectors.MemConf(mem),
			Suggested: detectors.MemConf(mem * 3 / 2), Why: "50% more heap per executor"})
		if st != nil {
			adv.Changes = append(adv.Changes, partitionChange(a, st)...)
		}
	case CauseContainerMemory:
		adv.Explanation = "Executors were killed for exceeding their container's memory until the stage gave up." + exits.sentence() + restart
		adv.Changes = append(adv.Changes, overheadChange(a))
	case CauseFetch:
		adv.Explanation = "Reduce tasks kept failing to fetch shuffle output until Spark gave up on the stage (see FAIL003)." + restart
	case CauseExecutorLost:
		adv.Explanation = "Executors kept being lost while the stage ran (see EXEC001)." + exits.sentence() + restart
	default:
		adv.Explanation = "A task hit the same exception on every attempt (spark.task.maxFailures = " +
			fmt.Sprint(detectors.MaxTaskFailures(a)) + "), so Spark aborted the stage and failed the job. " +
			"Retrying cannot fix a deterministic error: fix the code or skip the bad input (catch the exception and keep the record aside)." + restart
		adv.Snippet = `# keep bad records aside instead of failing the whole job
def safe(x):
    try:
        return parse(x)
    except ValueError:
        return None
df = df.withColumn("v", F.udf(safe, LongType())("raw"))
bad = df.where(F.col("v").isNull())   # inspect / write these separately`
	}
	return adv
}

func reportRetriedStage(p *detectors.Pass, st *appmodel.Stage) {
	a := p.App
	f := detectors.Finding{
		Subject:  detectors.StageSubject(st),
		CallSite: detectors.CallSite(a, st),
		Impact:   detectors.StageImpact(a, st, st.Duration()),
		Evidence: []detectors.Evidence{
			detectors.Ev("failed task attempts", float64(st.NumFailedTasks), "count"),
			detectors.Ev("task time of the failed attempt", float64(st.Totals[appmodel.RunTime]), "ms"),
		},
		Severity: detectors.Warning,
	}
	f.Evidence = append(f.Evidence, reasonEvidence(a, st)...)
	ex := detectors.ExceptionSummary(st.FailureReason)
	if ex == "" {
		ex = mainError(a, st)
	}
	f.Message = fmt.Sprintf("%s failed and was run again: %s; %s of task time repeated", detectors.StageLabel(st),
		ex, units.Millis(st.Totals[appmodel.RunTime]))
	f.Advice = detectors.Advice{Questions: []string{"Q19", "Q21"},
		Explanation: "The stage attempt failed and Spark resubmitted the stage, recomputing its tasks from their lineage. " +
			"The job survived, but the work of the failed attempt was done twice." + stageExits(st).sentence()}
	p.Report(f)
}
