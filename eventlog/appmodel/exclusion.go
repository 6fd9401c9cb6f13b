package appmodel

import (
	"slices"

	"github.com/sparkdiag/sparkdiag/eventlog"
)

// Exclusion events (the History Server's rules are in
// docs/history-server-semantics.md §4.5 and §8.3).
//
// The History Server's flags (isExcluded, excludedInStages,
// isExcludedForStage) change only for live executors and stages. The
// history the model keeps besides (Exclusions, StageExclusions) records
// every event for the executors it names, and leaves out the driver.

// onExecutorExcluded handles an executor's exclusion (on) or
// un-exclusion for the application.
func (b *Builder) onExecutorExcluded(e *eventlog.ExecutorExcluded, on bool) {
	b.seen(e.Time)
	ex := b.executors[e.ExecutorID]
	if ex == nil {
		return
	}
	if ex.RemoveTime == 0 {
		ex.Excluded = on
	}
	if ex.IsDriver() {
		return
	}
	if on {
		ex.openExclusion(Exclusion{From: e.Time, TaskFailures: e.TaskFails})
	} else {
		ex.closeExclusion("", e.Time)
	}
}

// onNodeExcluded handles a node's exclusion (on) or un-exclusion: it
// applies to every live executor on the host, the driver too when its
// block manager is there (the server compares host names).
func (b *Builder) onNodeExcluded(e *eventlog.NodeExcluded, on bool) {
	b.seen(e.Time)
	if e.HostID == "" {
		return
	}
	for _, ex := range b.executors {
		if ex.Host != e.HostID {
			continue
		}
		if ex.RemoveTime == 0 {
			ex.Excluded = on
		}
		if ex.IsDriver() {
			continue
		}
		if on {
			if ex.RemoveTime == 0 {
				ex.openExclusion(Exclusion{From: e.Time, Node: e.HostID, ExecutorFailures: e.ExecFailures})
			}
		} else {
			ex.closeExclusion(e.HostID, e.Time)
		}
	}
}

// onExcludedForStage handles the exclusion of an executor (or of a node:
// every executor on it) from a stage attempt.
func (b *Builder) onExcludedForStage(e *eventlog.ExcludedForStage, node bool) {
	b.seen(e.Time)
	st := b.stages[[2]int{e.StageID, e.StageAttemptID}]
	if st != nil && st.closed {
		st = nil // the server no longer tracks the stage
	}
	x := StageExclusion{StageID: e.StageID, Attempt: e.StageAttemptID, Time: e.Time}
	if !node {
		x.TaskFailures = e.TaskFails
		if st != nil {
			st.excludeExecutor(e.ExecutorID)
		}
		ex := b.executors[e.ExecutorID]
		if ex == nil {
			return
		}
		if ex.RemoveTime == 0 {
			ex.ExcludedInStages = addInt(ex.ExcludedInStages, e.StageID)
		}
		if !ex.IsDriver() && len(ex.StageExclusions) < MaxExclusions {
			ex.StageExclusions = append(ex.StageExclusions, x)
		}
		return
	}
	if e.HostID == "" {
		return
	}
	x.Node, x.ExecutorFailures = e.HostID, e.ExecFailures
	// Sorted, so that the stage's executor summaries are created in a
	// stable order.
	ids := make([]string, 0, len(b.executors))
	for id := range b.executors {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		ex := b.executors[id]
		if ex.RemoveTime > 0 || ex.Host != e.HostID {
			continue
		}
		// The stage summary counts only executors whose executor-added
		// event named the host: never the driver.
		if st != nil && ex.hostAdded {
			st.excludeExecutor(id)
		}
		ex.ExcludedInStages = addInt(ex.ExcludedInStages, e.StageID)
		if !ex.IsDriver() && len(ex.StageExclusions) < MaxExclusions {
			ex.StageExclusions = append(ex.StageExclusions, x)
		}
	}
}

// excludeExecutor marks the executor excluded in the stage attempt.
func (st *Stage) excludeExecutor(id string) {
	st.execSummary(id).ExcludedForStage = true
	if !slices.Contains(st.excludedExecs, id) {
		st.excludedExecs = append(st.excludedExecs, id)
	}
}

// openExclusion starts an exclusion, unless one of the same source (the
// executor itself, or the same node) is still open.
func (ex *Executor) openExclusion(x Exclusion) {
	for i := len(ex.Exclusions) - 1; i >= 0; i-- {
		if o := &ex.Exclusions[i]; o.Open() && o.Node == x.Node {
			return
		}
	}
	if len(ex.Exclusions) < MaxExclusions {
		ex.Exclusions = append(ex.Exclusions, x)
	}
}

// closeExclusion ends the open exclusion of that source ("" for the
// executor's own).
func (ex *Executor) closeExclusion(node string, t int64) {
	for i := len(ex.Exclusions) - 1; i >= 0; i-- {
		if o := &ex.Exclusions[i]; o.Open() && o.Node == node {
			// Never before the start, and never 0 (open) again, even for
			// an event without a time.
			o.To = max(t, o.From, 1)
			return
		}
	}
}

// addInt inserts v into the ascending set xs.
func addInt(xs []int, v int) []int {
	i, found := slices.BinarySearch(xs, v)
	if found {
		return xs
	}
	return slices.Insert(xs, i, v)
}

// removeInt removes v from the ascending set xs.
func removeInt(xs []int, v int) []int {
	if i, found := slices.BinarySearch(xs, v); found {
		return slices.Delete(xs, i, i+1)
	}
	return xs
}
