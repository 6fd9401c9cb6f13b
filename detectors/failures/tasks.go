package failures

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// TaskFailures is FAIL001.
var TaskFailures = &detectors.Detector{
	ID:       "FAIL001",
	Name:     "task-failures",
	Category: "reliability",
	Severity: detectors.Warning,
	Problems: []string{"task-failures"},
	Doc: detectors.Doc{
		Title: "task attempts failed and their work was thrown away",
		Text: `For every stage attempt with failed task attempts (killed attempts, such as the losing copy of
a speculative task, do not count), sums the run time of the failed attempts: work Spark threw away and
ran again. The failures are sorted by cause, read from the task end reasons:

- **out of memory**: ` + "`java.lang.OutOfMemoryError`" + `, ` + "`SparkOutOfMemoryError`" + `, "GC overhead limit exceeded":
  the task's data did not fit the executor heap. Remedy: more memory per task (executor memory,
  fewer cores per executor) or smaller tasks (more partitions, computed from the stage's data).
- **container killed for memory**: ` + "`ExecutorLostFailure`" + ` with "exceeding memory limits",
  "Container killed", exit code 137 or 143: YARN or Kubernetes killed the whole executor because its
  process (heap plus off-heap, Python workers, native buffers) outgrew the container. Remedy: a larger
  ` + "`spark.executor.memoryOverhead`" + `, computed from the current value.
- **executor lost**: any other ` + "`ExecutorLostFailure`" + `; EXEC001 reports the executor.
- **shuffle fetch failure**: ` + "`FetchFailed`" + `; FAIL003 reports the lost map output.
- **application exception**: any other exception of the program's code. When the same task failed
  on every attempt the error is deterministic (a bad record, a bug) and retries only repeat it; when
  the retry succeeded it was transient (a flaky dependency) and each retry re-ran the whole task.

The finding names the stage, its call site and, for Python UDF failures, the Python operator. Each
reason comes with what its first failed attempt said (the model's failure details): the error line of a
Python traceback or the JVM exception's message, the executor a failed fetch fetched from. For executors
lost under the tasks, Spark's "Exit Caused By App" tells an exit of the executor's own process (out of
memory, a crash, System.exit: counted toward ` + "`spark.task.maxFailures`" + `) from an infrastructure loss
(preemption, a lost node: not counted), and the advice says which.

When Spark's exclusion on failure (` + "`spark.excludeOnFailure.enabled`" + `, blacklisting before 3.1) took executors or
nodes out of a stage after failures on them, the stage's finding names them. Executors and nodes excluded for the
whole application are Spark's own verdict that the failures followed a machine, not the data: a separate finding
(subject: the executor excluded longest) says which executor or host, when, after how many task failures, for how
long (lifted, removed, or never), and how many task attempts it had run before, with advice to check and
decommission the node and, for exclusions never lifted, ` + "`spark.excludeOnFailure.killExcludedExecutors`" + `.
When exclusion is off and at least 3 failed attempts of different tasks in a stage, three quarters of them or more,
ran on one executor of an application with several, the finding suggests turning it on: the failures follow that
executor or its node.`,
		Thresholds: `Any failed attempt is reported: the History Server paints failed task counts red, spark-advisor
warns from the first failed task and the kubeflow History Server MCP server calls any failure a
medium-priority bottleneck, and in the corpus no healthy run has one. The severity is an error when the
stage was aborted (its job failed) or when the longest retry chain exceeds 30% of the application's
wall-clock time (the error share SKEW001 uses). Any exclusion for the application is reported: Spark excludes only
after repeated failures (by default 2 failed tasks on an executor, 2 excluded executors on a node), and no run of the
corpus has one.`,
		Questions: []string{"Q19", "Q20"},
	},
	Params: []detectors.Param{
		{Name: "minFailedAttempts", Default: 1, Unit: "count", Doc: "failed task attempts a stage attempt needs to be reported"},
		{Name: "errorShare", Default: 0.3, Unit: "share", Doc: "raise to error when the longest retry chain exceeds this share of the application's duration"},
	},
	Run: runTasks,
}

type causeStat struct {
	cause    Cause
	attempts int
	timeMs   int64
	reasons  map[string]int
	// notes holds, per short reason, what the model's failure details add
	// to it (errorNote); exits the "Exit Caused By App" of lost attempts.
	notes map[string]string
	exits exitFlags
}

func newCauseStat(c Cause) *causeStat {
	return &causeStat{cause: c, reasons: map[string]int{}, notes: map[string]string{}}
}

// add counts n failed attempts with a task end reason.
func (cs *causeStat) add(a *appmodel.Application, st *appmodel.Stage, reason string, n int) {
	cs.attempts += n
	short := shortReason(reason)
	cs.reasons[short] += n
	d := detailOf(st, reason)
	if _, ok := cs.notes[short]; !ok {
		cs.notes[short] = errorNote(a, reason, d)
	}
	if strings.HasPrefix(reason, "ExecutorLostFailure") {
		cs.exits.add(d, n)
	}
}

// firstError is the exception message of the cause's most frequent
// reason, or "".
func (cs *causeStat) firstError() string {
	best, bestN := "", 0
	for r, n := range cs.reasons {
		if cs.notes[r] != "" && (n > bestN || n == bestN && r < best) {
			best, bestN = r, n
		}
	}
	if best == "" || cs.cause != CauseException && cs.cause != CauseOOM {
		return ""
	}
	return cs.notes[best]
}

type indexStat struct {
	failed    int
	failMs    int64
	succeeded bool
}

type stageFailures struct {
	attempts int
	timeMs   int64
	causes   map[Cause]*causeStat
	indices  map[int]*indexStat
	execs    map[string]int
}

func collectStage(a *appmodel.Application, st *appmodel.Stage) *stageFailures {
	sf := &stageFailures{causes: map[Cause]*causeStat{}, indices: map[int]*indexStat{}, execs: map[string]int{}}
	// Only the indices that failed are kept (not one entry per task): a
	// second pass marks those that later succeeded.
	st.Tasks(func(t *appmodel.Task) bool {
		switch t.Status {
		case appmodel.TaskFailed:
			is := sf.indices[t.Index]
			if is == nil {
				is = &indexStat{}
				sf.indices[t.Index] = is
			}
			ms := detectors.AttemptTime(t)
			is.failed++
			is.failMs += ms
			sf.attempts++
			sf.timeMs += ms
			sf.execs[t.Executor]++
			c := classify(t.Reason)
			cs := sf.causes[c]
			if cs == nil {
				cs = newCauseStat(c)
				sf.causes[c] = cs
			}
			cs.timeMs += ms
			cs.add(a, st, t.Reason, 1)
		}
		return true
	})
	if len(sf.indices) > 0 {
		st.Tasks(func(t *appmodel.Task) bool {
			if is := sf.indices[t.Index]; is != nil && t.Status == appmodel.TaskSuccess {
				is.succeeded = true
			}
			return true
		})
	}
	// Logs without per-task records (or with failures the tasks do not
	// show) still count failures per reason.
	if sf.attempts == 0 && st.NumFailedTasks > 0 {
		var rs []string
		for r := range st.FailureReasons {
			rs = append(rs, r)
		}
		sort.Strings(rs)
		for _, r := range rs {
			n := st.FailureReasons[r]
			if r == "Resubmitted" {
				continue
			}
			c := classify(r)
			cs := sf.causes[c]
			if cs == nil {
				cs = newCauseStat(c)
				sf.causes[c] = cs
			}
			cs.add(a, st, r, n)
			sf.attempts += n
		}
	}
	return sf
}

// sortedCauses orders the causes by attempts lost, then time.
func (sf *stageFailures) sortedCauses() []*causeStat {
	var cs []*causeStat
	for _, c := range sf.causes {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].timeMs != cs[j].timeMs {
			return cs[i].timeMs > cs[j].timeMs
		}
		if cs[i].attempts != cs[j].attempts {
			return cs[i].attempts > cs[j].attempts
		}
		return cs[i].cause < cs[j].cause
	})
	return cs
}

// topReasons lists the n most frequent reasons with their counts and
// notes: "PythonException ×3 — ValueError: corrupt record 194999".
func topReasons(m map[string]int, notes map[string]string, n int) string {
	type kv struct {
		k string
		v int
	}
	var xs []kv
	for k, v := range m {
		xs = append(xs, kv{k, v})
	}
	sort.Slice(xs, func(i, j int) bool {
		if xs[i].v != xs[j].v {
			return xs[i].v > xs[j].v
		}
		return xs[i].k < xs[j].k
	})
	var parts []string
	for i, x := range xs {
		if i == n {
			parts = append(parts, "…")
			break
		}
		p := fmt.Sprintf("%s ×%d", x.k, x.v)
		if note := notes[x.k]; note != "" {
			p += " — " + note
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

func runTasks(p *detectors.Pass) {
	a := p.App
	maxFailures := detectors.MaxTaskFailures(a)
	for _, st := range a.Stages {
		if st.NumFailedTasks == 0 {
			continue
		}
		sf := collectStage(a, st)
		if sf.attempts < int(p.Param("minFailedAttempts")) || sf.attempts == 0 {
			continue
		}
		reportStage(p, st, sf, maxFailures)
	}
	reportExclusions(p)
}

func reportStage(p *detectors.Pass, st *appmodel.Stage, sf *stageFailures, maxFailures int64) {
	a := p.App
	causes := sf.sortedCauses()
	main := causes[0]
	// Retry chains: the failed attempts of one task run one after the
	// other, so the longest chain is what the failures added to the
	// stage's wall-clock time at least.
	var chain int64
	exhausted, retried, affected := 0, 0, 0
	for _, is := range sf.indices {
		if is.failed == 0 {
			continue
		}
		affected++
		chain = max(chain, is.failMs)
		if is.succeeded {
			retried++
		} else if int64(is.failed) >= maxFailures {
			exhausted++
		}
	}
	aborted := st.Status == appmodel.StageFailed && !isCancel(st.FailureReason) && classify(st.FailureReason) != CauseFetch
	impact := detectors.StageImpact(a, st, chain)
	impact.TaskTimeMs = sf.timeMs
	impact.TaskTimeShare = detectors.ShareOf(sf.timeMs, detectors.TotalTaskTime(a))

	f := detectors.Finding{
		Subject:  detectors.StageSubject(st),
		CallSite: detectors.CallSite(a, st),
		Evidence: []detectors.Evidence{
			detectors.EvT("failed task attempts", float64(sf.attempts), "count", "≥", p.Param("minFailedAttempts")),
			detectors.Ev("run time of failed attempts", float64(sf.timeMs), "ms"),
			detectors.Ev("tasks with a failed attempt", float64(affected), "count"),
			detectors.Ev("tasks that succeeded on retry", float64(retried), "count"),
			detectors.Ev("tasks that failed spark.task.maxFailures times", float64(exhausted), "count"),
			detectors.Ev("spark.task.maxFailures", float64(maxFailures), "count"),
			detectors.Ev("tasks in the stage", float64(st.NumTasks), "count"),
			detectors.Ev("longest retry chain", float64(chain), "ms"),
		},
		Impact: impact,
	}
	for _, c := range causes {
		f.Evidence = append(f.Evidence, detectors.Ev("failed attempts: "+c.cause.String(), float64(c.attempts), "count"))
	}
	// The messages of the failures, from the first attempt of each reason.
	for _, c := range causes {
		if c.cause == CauseFetch {
			continue // FAIL003 says where the fetches failed
		}
		var rs []string
		for r := range c.reasons {
			if c.notes[r] != "" {
				rs = append(rs, r)
			}
		}
		sort.Slice(rs, func(i, j int) bool {
			if c.reasons[rs[i]] != c.reasons[rs[j]] {
				return c.reasons[rs[i]] > c.reasons[rs[j]]
			}
			return rs[i] < rs[j]
		})
		for i, r := range rs {
			if i == 3 {
				break
			}
			f.Evidence = append(f.Evidence, detectors.Ev(fmt.Sprintf("failed attempts: %s (first: %s)", r, c.notes[r]), float64(c.reasons[r]), "count"))
		}
	}
	if op := pythonOperator(a, st); op != "" && main.cause == CauseException {
		f.SQLOperator = op
	}
	if aborted || float64(impact.SavingsMs) > p.Param("errorShare")*float64(detectors.AppDuration(a)) {
		f.Severity = detectors.Error
	}

	var breakdown []string
	for _, c := range causes {
		breakdown = append(breakdown, fmt.Sprintf("%s: %s", c.cause, topReasons(c.reasons, c.notes, 3)))
	}
	detail := ""
	if aborted {
		// The stage's failure reason names the error, unless the
		// breakdown already did.
		if ex := detectors.ExceptionSummary(st.FailureReason); ex != "" && !strings.Contains(strings.Join(breakdown, "; "), ex) {
			detail = " — " + ex
		}
	}
	var outcome string
	switch {
	case aborted:
		outcome = fmt.Sprintf("%d task(s) failed %d time(s) and the stage was aborted", max(exhausted, 1), maxFailures)
	case retried == affected:
		outcome = "every failed task succeeded on a retry"
	case retried > 0:
		outcome = fmt.Sprintf("%d of %d failed tasks succeeded on a retry", retried, affected)
	case laterAttempt(a, st) != nil:
		outcome = fmt.Sprintf("the stage ran again as attempt %d", laterAttempt(a, st).Attempt)
	case st.Status == appmodel.StageFailed:
		outcome = "the stage was cancelled before a retry"
	default:
		outcome = "no retry succeeded"
	}
	f.Message = fmt.Sprintf("%d failed task attempt(s) in %s (%s); %s; %s of task time thrown away%s",
		sf.attempts, detectors.StageLabel(st), strings.Join(breakdown, "; "), outcome, units.Millis(sf.timeMs), detail)
	f.Advice = taskAdvice(a, st, main, sf, retried, exhausted, affected, maxFailures)
	if note, n := stageExclusions(a, st); n > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("executors excluded from the stage", float64(n), "count"))
		f.Message += "; " + note
		f.Advice.Explanation += " Spark excluded executors from this stage after failures on them " +
			"(spark.excludeOnFailure.stage.maxFailedTasksPerExecutor), so the retries ran elsewhere: when the retries then " +
			"succeeded, the failures followed the executor or its node rather than the data; check that host."
	}
	if c, ok := suggestExclusion(a, sf, main.cause); ok {
		f.Advice.Explanation += " " + c.Why
		f.Advice.Changes = append(f.Advice.Changes, c)
	}
	p.Report(f)
}

// sigkill reports whether the reasons show an exit by SIGKILL (137) with no
// explicit memory message.
func sigkill(reasons map[string]int) bool {
	for r := range reasons {
		if strings.Contains(r, "137") && !strings.Contains(strings.ToLower(r), "memory") {
			return true
		}
	}
	return false
}

// laterAttempt returns the next attempt of a stage, or nil.
func laterAttempt(a *appmodel.Application, st *appmodel.Stage) *appmodel.Stage {
	return a.Stage(st.ID, st.Attempt+1)
}

// pythonOperator returns the Python UDF operator of the stage's plan, if any.
func pythonOperator(a *appmodel.Application, st *appmodel.Stage) string {
	if n := detectors.FindNode(detectors.StageNodes(a, st), "BatchEvalPython", "ArrowEvalPython", "FlatMapGroupsInPandas",
		"MapInPandas", "PythonMapInArrow", "MapInArrow", "FlatMapCoGroupsInPandas", "AggregateInPandas", "WindowInPandas"); n != nil {
		return n.Name
	}
	return ""
}

func taskAdvice(a *appmodel.Application, st *appmodel.Stage, main *causeStat, sf *stageFailures, retried, exhausted, affected int, maxFailures int64) detectors.Advice {
	adv := detectors.Advice{Questions: []string{"Q19", "Q20"}}
	switch main.cause {
	case CauseOOM:
		adv.Questions = []string{"Q19", "Q2", "Q13"}
		mem := detectors.ExecMemoryBytes(a)
		adv.Explanation = "The tasks ran out of JVM heap: the data one task holds (a sort buffer, a hash table, a large row or collected list) " +
			"did not fit the memory each task gets (executor memory divided by the tasks running at once). Give each task more memory " +
			"or give it less data: more, smaller partitions."
		adv.Changes = append(adv.Changes, detectors.Change{Key: detectors.ExecMemoryKey(a), Current: detectors.MemConf(mem),
			Suggested: detectors.MemConf(mem * 3 / 2), Why: "50% more heap per executor"})
		adv.Changes = append(adv.Changes, partitionChange(a, st)...)
	case CauseContainerMemory:
		adv.Questions = []string{"Q19", "Q2"}
		adv.Explanation = "The cluster manager killed the executor's container because the process used more memory than the container allows: " +
			"heap plus overhead (off-heap buffers, network, Python workers, native libraries). Raising the heap does not help; raise the " +
			"overhead, or run fewer tasks per executor so they need less of it."
		if sigkill(main.reasons) {
			adv.Explanation += " Exit code 137 means the process got SIGKILL: on YARN and Kubernetes almost always the memory limit (the " +
				"kernel's OOM killer), though a manual kill or a reclaimed node ends the same way; the executor's log tells."
		}
		adv.Explanation += main.exits.sentence()
		adv.Changes = append(adv.Changes, overheadChange(a))
	case CauseExecutorLost:
		adv.Explanation = "The executors running these tasks were lost (see EXEC001 for the executors and why). The tasks themselves did not fail; " +
			"Spark re-ran them elsewhere, together with any shuffle output the lost executors held." + main.exits.sentence()
	case CauseFetch:
		adv.Questions = []string{"Q19", "Q21"}
		adv.Explanation = "Reduce tasks could not fetch map output (see FAIL003): the executor or node that stored it was lost or unreachable, " +
			"so Spark re-ran the map tasks that produced it and then the reduce stage."
	case CauseException:
		threw := "threw"
		if e := main.firstError(); e != "" {
			threw = "threw (" + e + ")"
		}
		switch {
		case exhausted > 0 || st.Status == appmodel.StageFailed && !isCancel(st.FailureReason):
			adv.Explanation = fmt.Sprintf("The program's code %s on the same task on every attempt (%d allowed): a deterministic error "+
				"(a malformed record, a bug, a missing file). Retrying cannot succeed and each retry re-ran the whole task. Fix the code or "+
				"the input: validate or skip bad records (catch the exception in the UDF and return null, read with mode PERMISSIVE), and "+
				"write the output so that a rerun can resume (Q20).", threw, maxFailures)
			adv.Snippet = `def safe_parse(x):
    try:
        return parse(x)
    except ValueError:
        return None  # count or log the bad record instead of failing the job`
		case retried > 0:
			adv.Explanation = fmt.Sprintf("The program's code %s, but the retry succeeded: a transient error (a timeout, a flaky service). "+
				"Each retry re-ran the whole task from its input. Retry the flaky call inside the code, with backoff, so that one "+
				"failure does not cost a whole task; a task failed at most %d time(s) of the %d attempts allowed.", threw, maxAttempts(sf), maxFailures)
			if int64(maxAttempts(sf)) >= maxFailures-1 && maxFailures > 1 && detectors.ExecMemoryKey(a) == "spark.executor.memory" {
				adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.task.maxFailures", Current: detectors.Current(a, "spark.task.maxFailures"),
					Suggested: fmt.Sprint(maxFailures + 4), Why: "the transient errors came within one attempt of failing the job"})
			}
		default:
			adv.Explanation = "The program's code " + threw + " and the task was not retried successfully (the stage was cancelled or the application " +
				"stopped). Fix the exception; the executor log of the failed attempt has its stack trace."
		}
	default:
		adv.Explanation = "Task attempts failed and were re-run. Look at the executor logs of the failed attempts for the cause."
	}
	return adv
}

func maxAttempts(sf *stageFailures) int {
	m := 0
	for _, is := range sf.indices {
		m = max(m, is.failed)
	}
	return m
}

// partitionChange suggests smaller tasks for a stage: the shuffle partition
// count that gives ~128 MiB per task (at least twice the current count),
// or a smaller scan split for a scan stage.
func partitionChange(a *appmodel.Application, st *appmodel.Stage) []detectors.Change {
	const target = 128 << 20
	if sr := st.Totals.ShuffleReadBytes(); sr > 0 {
		n := max(detectors.CeilDiv(sr, target), 2*int64(st.NumTasks))
		return []detectors.Change{{Key: "spark.sql.shuffle.partitions", Current: detectors.Current(a, "spark.sql.shuffle.partitions"),
			Suggested: fmt.Sprint(detectors.RoundCount(n)),
			Why:       fmt.Sprintf("stage %d read %s of shuffle data in %d tasks; smaller partitions need less memory each", st.ID, units.Bytes(sr), st.NumTasks)}}
	}
	if in := st.Totals[appmodel.InputBytes]; in > 0 {
		cur := detectors.PropInt(a, "spark.sql.files.maxPartitionBytes", 128<<20)
		return []detectors.Change{{Key: "spark.sql.files.maxPartitionBytes", Current: detectors.Current(a, "spark.sql.files.maxPartitionBytes"),
			Suggested: detectors.ConfSize(max(cur/2, 16<<20)), Why: fmt.Sprintf("stage %d read %s of input in %d tasks; smaller input splits give each task less data to hold", st.ID, units.Bytes(in), st.NumTasks)}}
	}
	return nil
}

// overheadChange suggests a larger executor memory overhead: twice the
// current one, at least 20% of the heap.
func overheadChange(a *appmodel.Application) detectors.Change {
	cur := detectors.ExecOverheadBytes(a)
	sugg := max(2*cur, detectors.ExecMemoryBytes(a)/5)
	c := detectors.Change{Key: "spark.executor.memoryOverhead", Current: detectors.ConfSize(cur), Suggested: detectors.MemConf(sugg),
		Why: "room outside the heap for off-heap buffers and Python workers, so the container is not killed"}
	if _, ok := a.SparkProps["spark.executor.memoryOverhead"]; !ok {
		c.Current = detectors.ConfSize(cur) + " (default: max(384m, 10% of executor memory))"
	}
	return c
}

// suggestExclusion suggests Spark's exclusion on failure when the failures
// of a stage cluster on one executor of several, over different tasks,
// and exclusion is off: a bad disk or node keeps failing whatever runs on
// it, and retries that land on it again waste the attempts.
func suggestExclusion(a *appmodel.Application, sf *stageFailures, cause Cause) (detectors.Change, bool) {
	if cause == CauseExecutorLost || sf.attempts < 3 || len(sf.indices) < 2 {
		return detectors.Change{}, false
	}
	execs := 0
	for _, e := range a.Executors {
		if !e.IsDriver() {
			execs++
		}
	}
	if execs < 2 {
		return detectors.Change{}, false // local mode: one executor takes every failure
	}
	if detectors.PropBool(a, "spark.excludeOnFailure.enabled", false) || detectors.PropBool(a, "spark.blacklist.enabled", false) {
		return detectors.Change{}, false
	}
	top, n := "", 0
	for id, k := range sf.execs {
		if k > n || k == n && id < top {
			top, n = id, k
		}
	}
	if n*4 < sf.attempts*3 {
		return detectors.Change{}, false
	}
	where := "executor " + top
	if e := a.Executor(top); e != nil && e.Host != "" {
		where += " (" + e.Host + ")"
	}
	return detectors.Change{Key: "spark.excludeOnFailure.enabled", Current: detectors.Current(a, "spark.excludeOnFailure.enabled"), Suggested: "true",
		Why: fmt.Sprintf("%d of the %d failed attempts ran on %s, for different tasks: the failures follow that executor or its node. "+
			"With exclusion on failure, Spark stops scheduling on an executor after repeated failures and retries elsewhere; "+
			"check the host (disk, network, memory).", n, sf.attempts, where)}, true
}
