package failures

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Helpers over the failure details the model keeps per stage attempt and
// task end reason (appmodel.FailureDetail): the message of the first
// attempt that failed with it, where a failed fetch fetched from, whether
// a lost executor's exit was caused by the application.

// detailOf returns the details of a task end reason of a stage attempt, or
// nil.
func detailOf(st *appmodel.Stage, reason string) *appmodel.FailureDetail {
	return st.FailureDetails[reason]
}

// errorNote is what the details add to a task end reason: the message of
// an exception (the class is in the reason already), the executor a failed
// fetch fetched from; "" when nothing.
func errorNote(a *appmodel.Application, reason string, d *appmodel.FailureDetail) string {
	if d == nil {
		return ""
	}
	switch {
	case strings.HasPrefix(reason, "ExceptionFailure"):
		if d.Message != "" && !strings.HasSuffix(reason, d.Message) {
			return clip(d.Message, 160)
		}
	case d.Fetch != nil:
		return fetchNote(a, d.Fetch)
	}
	return ""
}

// fetchNote says where the fetch failures of a stage attempt fetched from:
// "from executor 0 (host)", "2 from executor 0 (host), 1 with no map
// output location".
func fetchNote(a *appmodel.Application, f *appmodel.FetchFailure) string {
	ids := make([]string, 0, len(f.Sources))
	for id := range f.Sources {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if f.Sources[ids[i]] != f.Sources[ids[j]] {
			return f.Sources[ids[i]] > f.Sources[ids[j]]
		}
		return ids[i] < ids[j]
	})
	label := func(id string) string {
		if id == f.ExecutorID {
			return executorLabel(a, id, f.Host)
		}
		return executorLabel(a, id, "")
	}
	if len(ids) == 1 && f.NoLocation == 0 {
		return "from " + label(ids[0])
	}
	var parts []string
	for i, id := range ids {
		if i == 2 {
			parts = append(parts, fmt.Sprintf("… %d more executors", len(ids)-2))
			break
		}
		parts = append(parts, fmt.Sprintf("%d from %s", f.Sources[id], label(id)))
	}
	if f.NoLocation > 0 {
		if len(ids) == 0 {
			return "the map output had no location"
		}
		parts = append(parts, fmt.Sprintf("%d with no map output location", f.NoLocation))
	}
	return strings.Join(parts, ", ")
}

// executorLabel is "executor 3 (host)", with the host of the model's
// executor when host is "".
func executorLabel(a *appmodel.Application, id, host string) string {
	if host == "" {
		if e := a.Executor(id); e != nil {
			host = e.Host
		}
	}
	if host == "" {
		return "executor " + id
	}
	return fmt.Sprintf("executor %s (%s)", id, host)
}

// clip cuts s to n bytes at a rune boundary, with "…".
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// mainError is the message of the most frequent exception among a stage
// attempt's task failures, prefixed by the exception's simple name when
// the message does not start with it; "" when the log has none.
func mainError(a *appmodel.Application, st *appmodel.Stage) string {
	best, bestN := "", 0
	for r, n := range st.FailureReasons {
		d := detailOf(st, r)
		if d == nil || d.Message == "" || !strings.HasPrefix(r, "ExceptionFailure") {
			continue
		}
		if n > bestN || n == bestN && r < best {
			best, bestN = r, n
		}
	}
	if best == "" {
		return ""
	}
	msg := errorNote(a, best, detailOf(st, best))
	if msg != "" && !namesError(msg) {
		msg = shortReason(best) + ": " + msg
	}
	return msg
}

// namesError reports whether a message starts with the error's name
// ("ValueError: x", "FetchFailedException, caused by …").
func namesError(msg string) bool {
	i := strings.IndexAny(msg, ":,")
	return i > 0 && !strings.ContainsAny(msg[:i], " ([")
}

// exitFlags counts the executor-lost task attempts of a stage attempt by
// the "Exit Caused By App" of their reason's details.
type exitFlags struct{ byApp, notByApp int }

func (x *exitFlags) add(d *appmodel.FailureDetail, n int) {
	if d == nil || d.ExitCausedByApp == nil {
		return
	}
	if *d.ExitCausedByApp {
		x.byApp += n
	} else {
		x.notByApp += n
	}
}

// note is a short clause for a finding's message: "; exit caused by the
// application", "; not caused by the application", or "".
func (x exitFlags) note() string {
	switch {
	case x.byApp > 0 && x.notByApp == 0:
		return "; exit caused by the application"
	case x.notByApp > 0 && x.byApp == 0:
		return "; not caused by the application"
	case x.byApp > 0:
		return fmt.Sprintf("; %d of %d exits caused by the application", x.byApp, x.byApp+x.notByApp)
	}
	return ""
}

// sentence explains what the flags mean, or "" when the log has none.
func (x exitFlags) sentence() string {
	switch {
	case x.byApp == 0 && x.notByApp == 0:
		return ""
	case x.notByApp == 0:
		return " Spark recorded the exit as caused by the application (\"Exit Caused By App\"): the executor's process ended " +
			"on its own (out of memory, a crash or System.exit in the task's code or its Python worker, or a kill the cluster " +
			"manager did not report as its own), so these failures count toward spark.task.maxFailures."
	case x.byApp == 0:
		return " Spark recorded the loss as not caused by the application (\"Exit Caused By App\" false): the cluster " +
			"manager took the executor away (preemption, a lost or decommissioned node). That is an infrastructure loss, " +
			"not counted toward spark.task.maxFailures: nothing in the code needs fixing; make the job tolerate it (keep " +
			"shuffle files beyond the executor's life, avoid preemptible capacity for long stages)."
	}
	return fmt.Sprintf(" Spark recorded %d lost attempt(s) as caused by the application (an exit of the executor's "+
		"own process: out of memory, a crash, System.exit) and %d as not (preemption, a lost node): both an application "+
		"and an infrastructure problem.", x.byApp, x.notByApp)
}

// fetchSource is an executor that served failed fetches.
type fetchSource struct {
	id, host string
	fetches  int
}

// fetchSources sums the fetch-failure details of stage attempts: the
// executors fetched from, most failures first, and the failures of map
// output with no location.
func fetchSources(sts []*appmodel.Stage) ([]fetchSource, int) {
	by := map[string]*fetchSource{}
	noLoc := 0
	for _, st := range sts {
		for r, d := range st.FailureDetails {
			if d.Fetch == nil || classify(r) != CauseFetch {
				continue
			}
			noLoc += d.Fetch.NoLocation
			for id, n := range d.Fetch.Sources {
				s := by[id]
				if s == nil {
					s = &fetchSource{id: id}
					by[id] = s
				}
				s.fetches += n
				if id == d.Fetch.ExecutorID && d.Fetch.Host != "" {
					s.host = d.Fetch.Host
				}
			}
		}
	}
	var out []fetchSource
	for _, s := range by {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].fetches != out[j].fetches {
			return out[i].fetches > out[j].fetches
		}
		return out[i].id < out[j].id
	})
	return out, noLoc
}

// stageExits counts a stage attempt's executor-lost task attempts by their
// "Exit Caused By App".
func stageExits(st *appmodel.Stage) exitFlags {
	var x exitFlags
	for r, n := range st.FailureReasons {
		if strings.HasPrefix(r, "ExecutorLostFailure") {
			x.add(detailOf(st, r), n)
		}
	}
	return x
}

// reasonEvidence is the evidence of a stage attempt's task failures: the
// attempts per end reason (the three most frequent), with what the first
// of each said.
func reasonEvidence(a *appmodel.Application, st *appmodel.Stage) []detectors.Evidence {
	var rs []string
	for r := range st.FailureReasons {
		if r != "Resubmitted" {
			rs = append(rs, r)
		}
	}
	sort.Slice(rs, func(i, j int) bool {
		if st.FailureReasons[rs[i]] != st.FailureReasons[rs[j]] {
			return st.FailureReasons[rs[i]] > st.FailureReasons[rs[j]]
		}
		return rs[i] < rs[j]
	})
	var out []detectors.Evidence
	for i, r := range rs {
		if i == 3 {
			break
		}
		name := "failed task attempts: " + shortReason(r)
		if note := errorNote(a, r, detailOf(st, r)); note != "" {
			name += " (first: " + note + ")"
		}
		out = append(out, detectors.Ev(name, float64(st.FailureReasons[r]), "count"))
	}
	return out
}
