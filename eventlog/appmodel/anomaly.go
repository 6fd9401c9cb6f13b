package appmodel

import (
	"fmt"
	"strconv"
	"time"
)

// Anomaly is one kind of impossible value the log holds (a data-quality
// problem of the log, not of the application): how often it occurred and
// its first occurrence. The model keeps such values out of its durations
// (they count as unknown) and says so in Application.Anomalies and in the
// input warnings.
type Anomaly struct {
	// Kind is one of the Anomaly* constants.
	Kind string `json:"kind"`
	// Count is how many events had it.
	Count int `json:"count"`
	// Example describes the first one (event and ids).
	Example string `json:"example"`
}

// The kinds of Anomaly.
const (
	// AnomalyTaskEndBeforeStart: a task's end event came before its start
	// event. The task counts once, with its metrics.
	AnomalyTaskEndBeforeStart = "task-end-before-start"
	// AnomalyTaskFinishBeforeLaunch: a task finished before it was
	// launched; its duration is unknown (0).
	AnomalyTaskFinishBeforeLaunch = "task-finish-before-launch"
	// AnomalyNegativeTaskMetric: a task reported a negative time (run,
	// CPU, GC, deserialization, ...); the value counts as 0.
	AnomalyNegativeTaskMetric = "negative-task-metric"
	// AnomalyJobEndBeforeStart, AnomalyStageEndBeforeStart: a job or stage
	// attempt completed before it was submitted; its duration is unknown.
	AnomalyJobEndBeforeStart   = "job-end-before-start"
	AnomalyStageEndBeforeStart = "stage-end-before-start"
	// AnomalyAppEndBeforeStart: the application ended before it started.
	AnomalyAppEndBeforeStart = "app-end-before-start"
	// AnomalyAppTooLong: the application's start and end are more than
	// MaxAppDuration apart.
	AnomalyAppTooLong = "app-too-long"
	// AnomalyTimestampOutOfRange: a timestamp before MinPlausibleTime or
	// more than a day after the log was read; it counts as unknown (0).
	AnomalyTimestampOutOfRange = "timestamp-out-of-range"
)

// MinPlausibleTime is the earliest timestamp the model believes
// (2010-01-01, epoch ms) in a log whose first timestamp is later: Spark's
// first event logs date from 2014, so an earlier time is a broken clock or
// a corrupted number (seconds for milliseconds). Timestamps more than a
// day in the future of the clock that reads the log are not believed
// either.
var MinPlausibleTime = time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

// MaxAppDuration is the longest application the model believes: start and
// end further apart (two and a half years in a real log) make the
// application's duration unknown.
const MaxAppDuration = 400 * 24 * 3600 * 1000

// anomalies collects the Anomaly records of a build, in order of first
// occurrence.
type anomalies struct {
	list []*Anomaly
}

// note counts one occurrence of kind; example is called only for the
// first one.
func (as *anomalies) note(kind string, example func() string) {
	for _, a := range as.list {
		if a.Kind == kind {
			a.Count++
			return
		}
	}
	as.list = append(as.list, &Anomaly{Kind: kind, Count: 1, Example: example()})
}

// Warning is the anomaly as an input warning.
func (a *Anomaly) Warning() string {
	what := anomalyText[a.Kind]
	if what == "" {
		what = a.Kind
	}
	return fmt.Sprintf("data quality: %d × %s (first: %s)", a.Count, what, a.Example)
}

var anomalyText = map[string]string{
	AnomalyTaskEndBeforeStart:     "task end logged before its task start (counted once, with its metrics)",
	AnomalyTaskFinishBeforeLaunch: "task finished before it was launched (duration unknown)",
	AnomalyNegativeTaskMetric:     "negative task time (counted as 0)",
	AnomalyJobEndBeforeStart:      "job completed before it was submitted (duration unknown)",
	AnomalyStageEndBeforeStart:    "stage completed before it was submitted (duration unknown)",
	AnomalyAppEndBeforeStart:      "application ended before it started (duration unknown)",
	AnomalyAppTooLong:             fmt.Sprintf("application start and end more than %d days apart (duration unknown)", MaxAppDuration/(24*3600*1000)),
	AnomalyTimestampOutOfRange:    "timestamp before 2010 or in the future (treated as unknown)",
}

// plausible reports whether ts (epoch ms, not 0) can be a real event time.
// The era of the log is set by its first timestamp: a log that starts
// before MinPlausibleTime (a hand-written test log counting from 0) is
// judged by its future timestamps only.
func (b *Builder) plausible(ts int64) bool {
	if !b.eraKnown && ts != 0 {
		b.eraKnown, b.realEra = true, ts >= MinPlausibleTime
	}
	return (ts >= MinPlausibleTime || !b.realEra) && ts <= b.latestPlausible
}

// checkTime returns ts, or 0 (unknown) after noting an anomaly when ts is
// set but implausible. what describes the event for the example.
func (b *Builder) checkTime(ts int64, what func() string) int64 {
	if ts == 0 || b.plausible(ts) {
		return ts
	}
	b.anoms.note(AnomalyTimestampOutOfRange, func() string {
		return fmt.Sprintf("%s at %d", what(), ts)
	})
	return 0
}

// quoteID quotes an id read off the log for an example (at most 64 bytes,
// control characters escaped).
func quoteID(id string) string {
	if len(id) > 64 {
		id = id[:64] + "…"
	}
	return strconv.Quote(id)
}

// describe names the stage attempt for an example.
func (st *Stage) describe(what string) func() string {
	return func() string { return fmt.Sprintf("stage %d.%d %s", st.ID, st.Attempt, what) }
}
