package appmodel

import (
	"strings"
	"unicode/utf8"

	"github.com/sparkdiag/sparkdiag/eventlog"
)

// FailureDetail is what the first task attempt of a stage attempt that
// ended with a given reason said about its failure (for FetchFailed, the
// first that names the executor it fetched from, when one does). Only one
// attempt per reason is kept, so a stage with thousands of failed attempts
// keeps a few of these.
type FailureDetail struct {
	// Message is one line saying what failed, at most MaxFailureMessage
	// bytes: for an exception the error line of a Python traceback, else
	// the first line of the message (with its root cause when the message
	// has "Caused by:" lines); for a fetch failure the same read of its
	// exception; for a lost executor the loss reason. "" when the log has
	// none.
	Message string `json:"message,omitempty"`
	// The first task attempt that ended with the reason, and where it ran.
	TaskID     int64  `json:"taskId"`
	Index      int    `json:"index"`
	Attempt    int    `json:"attempt"`
	ExecutorID string `json:"executorId,omitempty"`
	Host       string `json:"host,omitempty"`
	FinishTime int64  `json:"finishTimeEpoch,omitempty"`
	// ExitCausedByApp is an ExecutorLostFailure's "Exit Caused By App"
	// (Spark 1.6+): true when the application's tasks made the executor
	// exit (an OutOfMemoryError, System.exit, a crash of native code),
	// false when the executor was lost for another reason (preemption, a
	// lost node, a killed container); nil when not logged.
	ExitCausedByApp *bool `json:"exitCausedByApp,omitempty"`
	// LostExecutorID is the executor an ExecutorLostFailure names.
	LostExecutorID string `json:"lostExecutorId,omitempty"`
	// Fetch is set for a FetchFailed end.
	Fetch *FetchFailure `json:"fetch,omitempty"`
}

// FetchFailure is what a FetchFailed task end says about the shuffle
// block it could not read.
type FetchFailure struct {
	// ExecutorID, Host and Port are the block manager that held the map
	// output ("Block Manager Address"); empty when the output had no
	// location at all (MetadataFetchFailedException).
	ExecutorID string `json:"executorId,omitempty"`
	Host       string `json:"host,omitempty"`
	Port       int    `json:"port,omitempty"`
	ShuffleID  int    `json:"shuffleId"`
	// MapID is the map task's id (Spark 3.0+) or index; MapIndex the map
	// partition (Spark 3.0+). Both are -1 when the output had no location,
	// MapIndex also when not logged.
	MapID    int64 `json:"mapId"`
	MapIndex int   `json:"mapIndex"`
	ReduceID int   `json:"reduceId"`
	// Sources counts every FetchFailed attempt of the stage attempt by the
	// executor it fetched from (at most 16 executors), NoLocation those
	// whose map output had no location.
	Sources    map[string]int `json:"sources,omitempty"`
	NoLocation int            `json:"noLocation,omitempty"`
}

// MaxFailureMessage is the most bytes FailureDetail.Message keeps.
const MaxFailureMessage = 300

// maxFailureReasons bounds the reasons counted, and detailed, per stage
// attempt.
const maxFailureReasons = 64

// noteFailure keeps the details of an unsuccessful task end when it is the
// first of its reason in the stage attempt, or the first fetch failure that
// names the block manager it fetched from (a fetch failure without one, of
// a map output with no location, says less).
func (b *Builder) noteFailure(st *Stage, reason string, r *taskRec) {
	d := st.FailureDetails[reason]
	switch {
	case d == nil && len(st.FailureDetails) < maxFailureReasons:
		if st.FailureDetails == nil {
			st.FailureDetails = map[string]*FailureDetail{}
		}
	case d != nil && d.Fetch != nil && d.Fetch.ExecutorID == "" && r.reason.BlockManager != nil:
		nd := b.failureDetail(r)
		nd.Fetch.Sources, nd.Fetch.NoLocation = d.Fetch.Sources, d.Fetch.NoLocation
		d = nd
	default:
		if d != nil && d.Fetch != nil {
			d.Fetch.count(b, r.reason)
		}
		return
	}
	if d == nil {
		d = b.failureDetail(r)
	}
	if d.Fetch != nil {
		d.Fetch.count(b, r.reason)
	}
	st.FailureDetails[reason] = d
}

// maxFetchSources bounds FetchFailure.Sources.
const maxFetchSources = 16

// count counts a fetch failure by the executor it fetched from.
func (f *FetchFailure) count(b *Builder, er *eventlog.TaskEndReason) {
	bm := er.BlockManager
	switch {
	case bm == nil || bm.ExecutorID == "":
		f.NoLocation++
	case f.Sources[bm.ExecutorID] > 0 || len(f.Sources) < maxFetchSources:
		if f.Sources == nil {
			f.Sources = map[string]int{}
		}
		f.Sources[b.intern(bm.ExecutorID)]++
	}
}

// failureDetail reads the details of an unsuccessful task end.
func (b *Builder) failureDetail(r *taskRec) *FailureDetail {
	ti := &r.info
	er := r.reason
	d := &FailureDetail{TaskID: ti.taskID, Index: ti.index, Attempt: ti.attempt,
		ExecutorID: b.internBytes(ti.exec), Host: b.internBytes(ti.host), FinishTime: ti.finish}
	switch er.Reason {
	case "ExceptionFailure":
		d.Message = failureMessage(string(er.Description))
	case "FetchFailed":
		d.Message = failureMessage(string(er.Message))
		f := &FetchFailure{ShuffleID: intOr(er.ShuffleID, -1), MapID: int64(intOr(er.MapID, -1)),
			MapIndex: intOr(er.MapIndex, -1), ReduceID: intOr(er.ReduceID, -1)}
		if bm := er.BlockManager; bm != nil {
			f.ExecutorID, f.Host, f.Port = b.intern(bm.ExecutorID), b.intern(bm.Host), bm.Port
		}
		d.Fetch = f
	case "ExecutorLostFailure":
		d.Message = failureMessage(string(er.LossReason))
		d.LostExecutorID = b.intern(er.ExecutorID)
		if er.ExitCausedApp != nil {
			v := *er.ExitCausedApp
			d.ExitCausedByApp = &v
		}
	}
	return d
}

func (b *Builder) internBytes(s []byte) string {
	if len(s) == 0 {
		return ""
	}
	return b.intern(string(s))
}

func intOr(v *eventlog.Int, def int) int {
	if v == nil {
		return def
	}
	return int(*v)
}

// failureMessage reads one line saying what failed out of an exception's
// message or stack trace, at most MaxFailureMessage bytes:
//
//   - a Python traceback ("Traceback (most recent call last):", possibly
//     after a JVM prefix): the error line that follows its last traceback,
//     "ValueError: corrupt record 194999";
//   - otherwise the first line that is not a stack frame, followed by the
//     root cause (the last "Caused by:" line) when there is one and the
//     first line does not already say it.
//
// Qualified class names that start a line lose their package
// ("org.apache.spark.shuffle.FetchFailedException: x" becomes
// "FetchFailedException: x"). The result shares no memory with text.
func failureMessage(text string) string {
	if text == "" {
		return ""
	}
	if m, ok := pythonError(text); ok {
		return capLine(shortClass(m))
	}
	var first, cause string
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line == "…" || isFrame(line):
		case strings.HasPrefix(line, "Caused by:"):
			cause = strings.TrimSpace(strings.TrimPrefix(line, "Caused by:"))
		case first == "":
			first = line
		}
	}
	first, cause = shortClass(first), shortClass(cause)
	switch {
	case cause == "" || strings.Contains(first, cause):
	case first == "" || isClassName(first):
		// "FetchFailedException" alone: the cause says what happened.
		if first != "" {
			first += ", caused by "
		}
		first += cause
	default:
		first += " (caused by " + cause + ")"
	}
	return capLine(first)
}

// pythonError returns the error line of the last Python traceback in text.
func pythonError(text string) (string, bool) {
	const tb = "Traceback (most recent call last)"
	i := strings.LastIndex(text, tb)
	if i < 0 {
		return "", false
	}
	rest := text[i+len(tb):]
	// An elided middle (eventlog.EndsString) may have dropped later
	// tracebacks: start after it.
	if j := strings.LastIndex(rest, "\n…\n"); j >= 0 {
		rest = rest[j+len("\n…\n"):]
	} else if j := strings.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[j+1:]
	} else {
		return "", false
	}
	// Frames and source lines are indented; the error line is not.
	last := ""
	for line := range strings.Lines(rest) {
		if t := strings.TrimSpace(line); t != "" {
			if line[0] != ' ' && line[0] != '\t' {
				return t, true
			}
			last = t
		}
	}
	if last == "" {
		return "", false
	}
	return last, true
}

// isFrame reports whether a trimmed line is a JVM stack frame or its
// elision ("at a.b.C.m(C.java:12)", "... 12 more").
func isFrame(line string) bool {
	return strings.HasPrefix(line, "at ") || strings.HasPrefix(line, "... ") && strings.HasSuffix(line, " more")
}

// isClassName reports whether s looks like a bare class name.
func isClassName(s string) bool {
	if s == "" || strings.ContainsAny(s, " :") {
		return false
	}
	for _, c := range s {
		if c != '.' && c != '$' && c != '_' && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// shortClass drops the package of a qualified class name that starts s,
// alone or followed by ": ".
func shortClass(s string) string {
	name := s
	if i := strings.Index(s, ": "); i >= 0 {
		name = s[:i]
	}
	if !isClassName(name) {
		return s
	}
	if j := strings.LastIndexByte(name, '.'); j >= 0 && j+1 < len(name) {
		return s[j+1:]
	}
	return s
}

// capLine returns a copy of s with its runs of white space collapsed, cut
// to MaxFailureMessage bytes (with "…") at a rune boundary.
func capLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= MaxFailureMessage {
		return strings.Clone(s)
	}
	n := MaxFailureMessage - len("…")
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.Clone(s[:n]) + "…"
}
