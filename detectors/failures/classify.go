// Package failures holds the detectors of failed work: failed task attempts
// (FAIL001), failed jobs and stage attempts (FAIL002), shuffle fetch
// failures (FAIL003) and lost executors (EXEC001). They share one
// classification of failure texts: out of memory, container killed for its
// memory, executor or host lost, shuffle fetch failure, an exception of the
// application's code.
package failures

import (
	"regexp"
	"strings"
)

// Cause is why a task attempt, stage or executor failed.
type Cause int

// Causes, most specific first.
const (
	CauseOther Cause = iota
	// CauseOOM: the JVM (or the Python worker) of a task ran out of heap.
	CauseOOM
	// CauseContainerMemory: YARN or Kubernetes killed the executor's
	// container for using more memory than it asked for (or the kernel's
	// OOM killer did: exit code 137).
	CauseContainerMemory
	// CauseExecutorLost: the executor or its host went away for another
	// reason (heartbeat timeout, node lost, spot reclaim, crash).
	CauseExecutorLost
	// CauseFetch: a reduce task could not read map output (FetchFailed).
	CauseFetch
	// CauseException: the application's code threw an exception.
	CauseException
)

var causeNames = map[Cause]string{
	CauseOther:           "other failure",
	CauseOOM:             "out of memory",
	CauseContainerMemory: "container killed for memory",
	CauseExecutorLost:    "executor lost",
	CauseFetch:           "shuffle fetch failure",
	CauseException:       "application exception",
}

func (c Cause) String() string { return causeNames[c] }

var (
	oomRe       = regexp.MustCompile(`(?i)OutOfMemoryError|GC overhead limit exceeded|Java heap space|Unable to acquire \d+ bytes of memory|\bMemoryError\b|Cannot allocate memory`)
	containerRe = regexp.MustCompile(`(?i)exceeding memory limits|Container killed|OOMKilled|killed by (?:the )?OOM|(?:exit|exited)[^.\n]{0,30}\b(?:137|143)\b`)
	fetchRe     = regexp.MustCompile(`FetchFailed|MetadataFetchFailed|Missing an output location|Failed to fetch|shuffle block`)
	lostRe      = regexp.MustCompile(`(?i)ExecutorLostFailure|heartbeat|disassociated|Slave lost|Worker lost|worker .*lost|node lost|lost executor|Executor lost|decommission|preempt|spot|Connection (?:reset|refused|closed)|exited unexpectedly|Command exited with code|exit code|exited caused by`)
)

// classify reads a failure text: a task end reason ("ExceptionFailure:
// java.lang.OutOfMemoryError", "ExecutorLostFailure: Container killed by
// YARN for exceeding memory limits …", "FetchFailed"), a stage or job
// failure reason, or an executor's removal reason.
func classify(text string) Cause {
	switch {
	case text == "":
		return CauseOther
	case oomRe.MatchString(text) && !strings.Contains(text, "ExecutorLostFailure"):
		return CauseOOM
	case containerRe.MatchString(text):
		return CauseContainerMemory
	case fetchRe.MatchString(text):
		return CauseFetch
	case lostRe.MatchString(text):
		return CauseExecutorLost
	case strings.HasPrefix(text, "ExceptionFailure") || strings.Contains(text, "Exception") || strings.Contains(text, "Error"):
		return CauseException
	}
	return CauseOther
}

// benignRemoval reports whether an executor's removal reason is a normal
// one: dynamic allocation releasing an idle executor, a graceful
// decommission, or the application shutting down.
func benignRemoval(reason string) bool {
	r := strings.ToLower(reason)
	for _, p := range []string{"killed by driver", "explicit termination request", "decommission", "idle",
		"application has been killed", "application finished", "shutting down", "stopped by driver",
		"executor killed by driver"} {
		if strings.Contains(r, p) {
			return true
		}
	}
	return false
}

// isCancel reports whether a stage or job failure reason is a cancellation
// (by the user, another failing job or the SparkContext shutting down)
// rather than a failure of its own.
func isCancel(reason string) bool {
	r := strings.ToLower(reason)
	for _, p := range []string{"cancelled", "canceled", "sparkcontext was shut down", "killed via the web ui", "killed by user"} {
		if strings.Contains(r, p) {
			return true
		}
	}
	return false
}

// shortReason strips the "ExceptionFailure: " style prefix of a task end
// reason and keeps the class's simple name ("PythonException").
func shortReason(r string) string {
	if i := strings.Index(r, ": "); i >= 0 && !strings.Contains(r[:i], " ") {
		kind, rest := r[:i], r[i+2:]
		if kind == "ExceptionFailure" {
			if j := strings.LastIndexByte(rest, '.'); j >= 0 && !strings.Contains(rest, " ") {
				return rest[j+1:]
			}
			return rest
		}
		if len(rest) > 120 {
			rest = rest[:120] + "…"
		}
		return kind + " (" + rest + ")"
	}
	return r
}
