package failures

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Exclusions: Spark's excludeOnFailure (blacklisting before 3.1) takes an
// executor, or a whole node, out of scheduling after repeated task failures
// on it, for one stage attempt or for the whole application. An exclusion
// is Spark's own verdict that the failures came from the machine, not from
// the data: evidence of a bad executor or node.

// excluded is one exclusion for the application: of an executor, or of a
// node (with the executors it covered).
type excluded struct {
	node   string               // "" for an executor's own exclusion
	execs  []*appmodel.Executor // the executor, or the node's executors
	x      appmodel.Exclusion
	until  int64 // end of the exclusion: lifted, executor removed, or end of the log
	lifted bool
	// ranBefore and failedBefore count the task attempts the executors
	// launched, and those that failed, before the exclusion.
	ranBefore, failedBefore int
}

func (e *excluded) duration() int64 { return max(e.until-e.x.From, 0) }

// appExclusions lists the exclusions for the application, longest first.
func appExclusions(a *appmodel.Application) []*excluded {
	end := a.End
	if end == 0 {
		end = a.LastEvent
	}
	byKey := map[string]*excluded{}
	var all []*excluded
	for _, ex := range a.Executors {
		for _, x := range ex.Exclusions {
			key := fmt.Sprintf("%s/%s/%d", x.Node, ex.ID, x.From)
			if x.Node != "" {
				key = fmt.Sprintf("%s//%d", x.Node, x.From)
			}
			e := byKey[key]
			if e == nil {
				e = &excluded{node: x.Node, x: x}
				switch {
				case !x.Open():
					e.until, e.lifted = x.To, true
				case ex.RemoveTime > 0 && x.Node == "":
					e.until = ex.RemoveTime
				default:
					e.until = end
				}
				byKey[key] = e
				all = append(all, e)
			}
			e.execs = append(e.execs, ex)
		}
	}
	if len(all) == 0 {
		return nil
	}
	// Task attempts before each exclusion, on its executors.
	for _, st := range a.Stages {
		st.Tasks(func(t *appmodel.Task) bool {
			for _, e := range all {
				if t.LaunchTime >= e.x.From || !e.covers(t.Executor) {
					continue
				}
				e.ranBefore++
				if t.Status == appmodel.TaskFailed {
					e.failedBefore++
				}
			}
			return true
		})
	}
	sort.Slice(all, func(i, j int) bool {
		if di, dj := all[i].duration(), all[j].duration(); di != dj {
			return di > dj
		}
		if all[i].x.From != all[j].x.From {
			return all[i].x.From < all[j].x.From
		}
		if (all[i].node != "") != (all[j].node != "") {
			return all[i].node != "" // a node before its executors
		}
		if all[i].node != all[j].node {
			return all[i].node < all[j].node
		}
		return executorLess(all[i].execs[0].ID, all[j].execs[0].ID)
	})
	return all
}

func (e *excluded) covers(id string) bool {
	for _, ex := range e.execs {
		if ex.ID == id {
			return true
		}
	}
	return false
}

func (e *excluded) what() string {
	if e.node != "" {
		ids := make([]string, len(e.execs))
		for i, ex := range e.execs {
			ids[i] = ex.ID
		}
		return fmt.Sprintf("node %s (executor(s) %s)", e.node, listIDs(ids, 6))
	}
	ex := e.execs[0]
	if ex.Host != "" {
		return fmt.Sprintf("executor %s (%s)", ex.ID, ex.Host)
	}
	return "executor " + ex.ID
}

// sentence describes one exclusion: who, when, why, for how long, what
// it ran before.
func (e *excluded) sentence(a *appmodel.Application) string {
	s := e.what() + " excluded"
	if a.Start > 0 && e.x.From >= a.Start {
		s += " at " + units.Millis(e.x.From-a.Start) + " into the application"
	}
	switch {
	case e.node != "" && e.x.ExecutorFailures > 0:
		s += fmt.Sprintf(" after %d of its executor(s) were excluded", e.x.ExecutorFailures)
	case e.node == "" && e.x.TaskFailures > 0:
		s += fmt.Sprintf(" after %d task failures", e.x.TaskFailures)
	}
	switch {
	case e.lifted:
		s += ", for " + units.Millis(e.duration()) + " (then lifted)"
	case e.node == "" && e.execs[0].RemoveTime > 0:
		s += ", until it was removed " + units.Millis(e.duration()) + " later"
	default:
		s += ", never lifted (" + units.Millis(e.duration()) + " to the end of the log)"
	}
	s += fmt.Sprintf("; it had run %d task attempt(s), %d failed, before", e.ranBefore, e.failedBefore)
	return s
}

// reportExclusions reports the executors and nodes excluded for the
// application, in one finding.
func reportExclusions(p *detectors.Pass) {
	a := p.App
	all := appExclusions(a)
	if len(all) == 0 {
		return
	}
	top := all[0]
	nodes, execs := map[string]bool{}, map[string]bool{}
	failures := 0
	var longest int64
	open := 0
	for _, e := range all {
		if e.node != "" {
			nodes[e.node] = true
		}
		for _, ex := range e.execs {
			execs[ex.ID] = true
		}
		failures += e.x.TaskFailures
		longest = max(longest, e.duration())
		if !e.lifted {
			open++
		}
	}
	var parts []string
	for i, e := range all {
		if i == 4 {
			parts = append(parts, fmt.Sprintf("… %d more", len(all)-4))
			break
		}
		parts = append(parts, e.sentence(a))
	}
	f := detectors.Finding{
		Subject: detectors.Subject{Kind: detectors.SubjectExecutor, ExecutorID: top.execs[0].ID, Name: top.what()},
		Evidence: []detectors.Evidence{
			detectors.EvT("exclusions for the application", float64(len(all)), "count", "≥", 1),
			detectors.Ev("executors excluded", float64(len(execs)), "count"),
			detectors.Ev("nodes excluded", float64(len(nodes)), "count"),
			detectors.Ev("task failures that excluded the executors", float64(failures), "count"),
			detectors.Ev("longest exclusion", float64(longest), "ms"),
			detectors.Ev("exclusions never lifted", float64(open), "count"),
			detectors.Ev("task attempts the first excluded executor(s) ran before", float64(top.ranBefore), "count"),
		},
		Impact: detectors.Impact{WallClockMs: longest, WallClockShare: detectors.ShareOf(longest, detectors.AppDuration(a))},
	}
	f.Message = fmt.Sprintf("Spark excluded %d executor(s)%s after repeated task failures, a sign of a bad executor or node: %s",
		len(execs), nodeNote(nodes), strings.Join(parts, "; "))
	f.Advice = exclusionAdvice(a, top, len(nodes) > 0)
	p.Report(f)
}

func nodeNote(nodes map[string]bool) string {
	if len(nodes) == 0 {
		return ""
	}
	var ns []string
	for n := range nodes {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return fmt.Sprintf(" and %d node(s) (%s)", len(ns), listIDs(ns, 4))
}

func exclusionAdvice(a *appmodel.Application, top *excluded, node bool) detectors.Advice {
	adv := detectors.Advice{Questions: []string{"Q19", "Q20"}}
	adv.Explanation = "With spark.excludeOnFailure.enabled, Spark stops scheduling tasks on an executor after " +
		"spark.excludeOnFailure.application.maxFailedTasksPerExecutor failed tasks (on a node after " +
		"spark.excludeOnFailure.application.maxFailedExecutorsPerNode excluded executors), and retries a failed task elsewhere " +
		"(spark.excludeOnFailure.task.maxTaskAttemptsPerExecutor, 1 by default). Failures that follow a machine rather than the " +
		"data point to a bad disk, a full local directory, a network fault or a broken library on that host: read the failed " +
		"tasks' executor logs, check the node, and decommission it or take it out of the cluster. The exclusion kept the job " +
		"alive at the cost of the capacity excluded; if the same task fails on every executor the cause is the data or the code " +
		"(FAIL001), and exclusion only hides capacity."
	if node {
		adv.Explanation += " A whole node was excluded: every executor on it lost its tasks' slots."
	}
	if u := top.execs[0].LogURLs()["stderr"]; u != "" {
		adv.Explanation += " The first excluded executor's stderr: " + u + "."
	}
	if !detectors.PropBool(a, "spark.excludeOnFailure.killExcludedExecutors", false) &&
		!detectors.PropBool(a, "spark.blacklist.killBlacklistedExecutors", false) && !top.lifted {
		adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.excludeOnFailure.killExcludedExecutors",
			Current: detectors.Current(a, "spark.excludeOnFailure.killExcludedExecutors"), Suggested: "true",
			Why: "an excluded executor keeps its cores and memory but gets no task; killing it lets the cluster manager start a replacement"})
	}
	return adv
}

// stageExclusions describes the executors and nodes excluded from a stage
// attempt ("" when none) and counts the executors.
func stageExclusions(a *appmodel.Application, st *appmodel.Stage) (string, int) {
	type one struct {
		time     int64
		text     string
		failures int
	}
	var xs []one
	nodes := map[string][]string{}
	nodeTime := map[string]one{}
	n := 0
	for _, ex := range a.Executors {
		hit := false
		for _, se := range ex.StageExclusions {
			if se.StageID != st.ID || se.Attempt != st.Attempt {
				continue
			}
			hit = true
			if se.Node != "" {
				nodes[se.Node] = append(nodes[se.Node], ex.ID)
				if _, ok := nodeTime[se.Node]; !ok {
					nodeTime[se.Node] = one{time: se.Time, failures: se.ExecutorFailures}
				}
				continue
			}
			t := fmt.Sprintf("executor %s (%s)", ex.ID, ex.Host)
			if se.TaskFailures > 0 {
				t += fmt.Sprintf(" after %d failed attempt(s)", se.TaskFailures)
			}
			xs = append(xs, one{time: se.Time, text: t})
		}
		if hit {
			n++
		}
	}
	for node, ids := range nodes {
		o := nodeTime[node]
		o.text = fmt.Sprintf("node %s (executor(s) %s)", node, listIDs(ids, 6))
		if o.failures > 0 {
			o.text += fmt.Sprintf(" after %d of its executor(s) were excluded from the stage", o.failures)
		}
		xs = append(xs, o)
	}
	if len(xs) == 0 {
		return "", 0
	}
	sort.Slice(xs, func(i, j int) bool {
		if xs[i].time != xs[j].time {
			return xs[i].time < xs[j].time
		}
		return xs[i].text < xs[j].text
	})
	var parts []string
	for i, x := range xs {
		if i == 4 {
			parts = append(parts, fmt.Sprintf("… %d more", len(xs)-4))
			break
		}
		parts = append(parts, x.text)
	}
	return "Spark excluded " + strings.Join(parts, ", ") + " from the stage", n
}

// executorLess orders executor ids numerically when they are numbers.
func executorLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
