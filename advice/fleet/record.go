// Package fleet reviews many applications at once: the nightly review of
// every application a cluster ran. It analyzes logs in parallel with a
// bounded number of workers (so memory is bounded by the workers, not by
// the number of logs), keeps going when a log is broken, ranks the
// applications by what their findings cost, counts the findings across
// the fleet and, with a baseline store, flags the runs that drift from
// their job's usual runs.
//
// Each application becomes one Record, which is also the JSON Lines form
// (docs/review.md).
package fleet

import (
	"math"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/advice/baseline"
	"github.com/sparkdiag/sparkdiag/advice/jobkey"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// SchemaVersion of a Record's JSON form. It changes only when a field is
// removed or changes meaning.
const SchemaVersion = 1

// Record statuses.
const (
	// StatusOK: the log was read and analyzed (it may still have skipped
	// lines or be cut off: see Input).
	StatusOK = "ok"
	// StatusUnreadable: nothing usable could be read; Error says why.
	StatusUnreadable = "unreadable"
)

// Record is the review of one application: one line of the JSON Lines
// output.
type Record struct {
	SchemaVersion int    `json:"schemaVersion"`
	Kind          string `json:"kind"` // always "application"
	// Source is the log's path, or its History Server URL.
	Source string `json:"source"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
	// Rank is the application's place in the review, 1 = worst.
	Rank  int        `json:"rank"`
	App   *AppInfo   `json:"app,omitempty"`
	Input *InputInfo `json:"input,omitempty"`
	// Totals are the application's task metric totals.
	Totals *appmodel.AppTotals `json:"totals,omitempty"`
	Counts advice.Counts       `json:"counts"`
	// Worst is the highest severity among the findings: "error",
	// "warning", "info" or "none".
	Worst    string           `json:"worst"`
	Cost     Cost             `json:"cost"`
	Findings []FindingSummary `json:"findings"`
	// Job is the run's job identity and the shape of its work: with the
	// figures (App, Totals, TaskSkew), all a baseline needs to compare the
	// run (RunOf).
	Job *JobInfo `json:"job,omitempty"`
	// Baseline compares the run with its job's earlier runs, when a
	// baseline store is in use.
	Baseline *baseline.Baseline `json:"baseline,omitempty"`
	// TaskSkew is the most skewed stage: the largest ratio of its slowest
	// to its median task (absent when no stage has at least 8 tasks and a
	// slowest task of a second or more).
	TaskSkew *TaskSkew `json:"taskSkew,omitempty"`
	// Diff compares a drifting run with its baseline's reference run,
	// when the review was asked to (--diff-drift) and both logs could be
	// read again.
	Diff *DriftDiff `json:"diff,omitempty"`
}

// JobInfo is a run's job identity (advice/jobkey) and the shape of what it
// did.
type JobInfo struct {
	// Key is the job key ("name=daily_orders_etl | user=etl"); "" when
	// the run has no job identity (a default application name such as
	// "Spark shell"): such a run is neither recorded nor compared.
	Key string `json:"key"`
	// By says what made the key (the --job-key parts used).
	By string `json:"by"`
	// Note says why there is no key.
	Note string `json:"note,omitempty"`
	// Shape is what the run did: hashes of its stage and SQL identities.
	Shape *jobkey.Shape `json:"shape"`
}

// TaskSkew locates the most skewed stage of an application.
type TaskSkew struct {
	Ratio          float64 `json:"ratio"`
	StageID        int     `json:"stageId"`
	StageAttemptID int     `json:"stageAttemptId"`
	SlowestMs      int64   `json:"slowestMs"`
	MedianMs       int64   `json:"medianMs"`
}

// maxSkew finds the most skewed stage: stages with fewer than 8
// successful tasks or whose slowest task is under a second say little.
func maxSkew(app *appmodel.Application) *TaskSkew {
	var best *TaskSkew
	for _, st := range app.Stages {
		if st.NumCompleteTasks < 8 {
			continue
		}
		q, ok := st.Quantiles(appmodel.Duration, []float64{0.5, 1})
		if !ok || q[1] < 1000 || q[0] <= 0 {
			continue
		}
		r := q[1] / q[0]
		if best == nil || r > best.Ratio {
			best = &TaskSkew{Ratio: math.Round(r*100) / 100, StageID: st.ID, StageAttemptID: st.Attempt, SlowestMs: int64(q[1]), MedianMs: int64(q[0])}
		}
	}
	return best
}

// DriftDiff is the summary of 'sparkdiag diff REFERENCE RUN' for a
// drifting run.
type DriftDiff struct {
	// Base is the reference run's log and application ID.
	Base      string `json:"base"`
	BaseAppID string `json:"baseAppId"`
	// Headline, Class and Causes are the diff's (docs/diff.md).
	Headline string   `json:"headline"`
	Class    string   `json:"class"`
	Causes   []string `json:"causes"`
}

// AppInfo identifies the application.
type AppInfo struct {
	ID           string `json:"id"`
	AttemptID    string `json:"attemptId,omitempty"`
	Name         string `json:"name"`
	User         string `json:"sparkUser"`
	SparkVersion string `json:"sparkVersion"`
	// Attempts is how many attempts of this application the review read
	// (absent when one).
	Attempts  int    `json:"attempts,omitempty"`
	StartTime string `json:"startTime,omitempty"`
	EndTime   string `json:"endTime,omitempty"`
	// StartEpoch is the start time in epoch milliseconds (0 when unknown).
	StartEpoch int64 `json:"startTimeEpoch"`
	DurationMs int64 `json:"durationMs"`
	Completed  bool  `json:"completed"`
	Jobs       int   `json:"jobs"`
	FailedJobs int   `json:"failedJobs"`
	Stages     int   `json:"stages"`
	Executors  int   `json:"executors"`
	Cores      int   `json:"cores"`
}

// InputInfo says how well the log could be read.
type InputInfo struct {
	Layout       string `json:"layout"`
	Bytes        int64  `json:"bytes"`
	Events       int    `json:"events"`
	SkippedLines int    `json:"skippedLines"`
	Truncated    bool   `json:"truncated"`
	InProgress   bool   `json:"inProgress"`
	// Problems are the first few problems met ("file:line: message").
	Problems []string `json:"problems"`
	// Fingerprint identifies the log's content by its parts' names,
	// sizes, times and store versions (see Fingerprint): an incremental
	// review (--previous) does not read a log whose fingerprint is
	// unchanged.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// Cost is what an application's findings cost.
type Cost struct {
	// SavingsMs is the wall-clock time the fixes would save by the
	// detectors' estimates, summed over the findings and capped at the
	// application's duration.
	SavingsMs int64 `json:"wallClockSavingsMs"`
	// CoreHours is the executors' task time of the application, in
	// core-hours; CoreHoursAtStake the task time of the stages and
	// operators the warning and error findings point at (capped at the
	// total).
	CoreHours        float64 `json:"coreHours"`
	CoreHoursAtStake float64 `json:"coreHoursAtStake"`
}

// FindingSummary is a finding in short.
type FindingSummary struct {
	ID          string   `json:"id"`
	DetectorID  string   `json:"detectorId"`
	Detector    string   `json:"detector"`
	Category    string   `json:"category"`
	Severity    string   `json:"severity"`
	Message     string   `json:"message"`
	CallSite    string   `json:"callSite,omitempty"`
	SQLOperator string   `json:"sqlOperator,omitempty"`
	WallClockMs int64    `json:"wallClockMs"`
	TaskTimeMs  int64    `json:"taskTimeMs"`
	SavingsMs   int64    `json:"estimatedSavingsMs"`
	Questions   []string `json:"questions"`
}

const msPerHour = 3_600_000

// recordOf summarises a report.
func recordOf(src string, r *advice.Report) *Record {
	a := &r.App
	rec := &Record{
		SchemaVersion: SchemaVersion, Kind: "application", Source: src, Status: StatusOK,
		App: &AppInfo{
			ID: a.ID, AttemptID: a.AttemptID, Name: a.Name, User: a.SparkUser, SparkVersion: a.SparkVersion,
			StartTime: a.StartTime, EndTime: a.EndTime, DurationMs: a.DurationMs, Completed: a.Completed,
			Jobs: a.Jobs, FailedJobs: a.FailedJobs, Stages: a.Stages, Executors: a.Executors, Cores: a.Cores,
		},
		Input: &InputInfo{
			Layout: r.Input.Layout, Events: r.Input.Events, SkippedLines: r.Input.SkippedLines,
			Truncated: r.Input.Truncated, InProgress: r.Input.InProgress, Problems: []string{},
		},
		Totals:   &r.App.Totals,
		Counts:   r.Counts,
		Findings: make([]FindingSummary, 0, len(r.Findings)),
	}
	for _, p := range r.Input.Parts {
		rec.Input.Bytes += p.RawBytes
	}
	for i, p := range r.Input.Problems {
		if i == 5 {
			break
		}
		rec.Input.Problems = append(rec.Input.Problems, p.String())
	}
	var atStake int64
	for _, f := range r.Findings {
		rec.Findings = append(rec.Findings, FindingSummary{
			ID: f.ID, DetectorID: f.DetectorID, Detector: f.Detector, Category: f.Category,
			Severity: f.Severity.String(), Message: f.Message, CallSite: f.CallSite, SQLOperator: f.SQLOperator,
			WallClockMs: f.Impact.WallClockMs, TaskTimeMs: f.Impact.TaskTimeMs, SavingsMs: f.Impact.SavingsMs,
			Questions: f.Advice.Questions,
		})
		// Savings count once per cause (triage grouped the findings of
		// one cause) and only for findings that matter: an info finding
		// is immaterial by definition.
		if f.Severity >= detectors.Warning {
			rec.Cost.SavingsMs += f.Impact.SavingsMs
			atStake += f.Impact.TaskTimeMs
		}
	}
	if d := a.DurationMs; d > 0 && rec.Cost.SavingsMs > d {
		rec.Cost.SavingsMs = d
	}
	total := r.App.Totals.ExecutorRunTime
	rec.Cost.CoreHours = float64(total) / msPerHour
	rec.Cost.CoreHoursAtStake = float64(min(atStake, total)) / msPerHour
	rec.Worst = worstName(r.Worst())
	return rec
}

func worstName(s detectors.Severity) string {
	if s == 0 {
		return "none"
	}
	return s.String()
}

// unreadable is the record of a log that could not be read.
func unreadable(src string, err error) *Record {
	return &Record{
		SchemaVersion: SchemaVersion, Kind: "application", Source: src, Status: StatusUnreadable,
		Error: err.Error(), Worst: "none", Findings: []FindingSummary{},
	}
}

// HasJob reports whether a record's run has a job identity, so that it
// can be compared and recorded: a readable record whose Job has a key (or,
// for a record written before job keys, whose name and user make one).
func HasJob(rec *Record) bool {
	if rec.Status != StatusOK || rec.App == nil {
		return false
	}
	if rec.Job != nil {
		return rec.Job.Key != ""
	}
	run := RunOf(rec)
	return baseline.JobOf(&run) != ""
}

// Recordable reports whether a record's run goes into the baseline store:
// it has a job identity (HasJob) and completed (a run cut off or still
// running is compared but never becomes part of the baseline).
func Recordable(rec *Record) bool { return HasJob(rec) && rec.App.Completed && rec.App.StartEpoch > 0 }

// RunOf is the baseline store's view of a record: its job key and shape
// (Job) and its figures. A record without Job (written before job keys)
// gives a run whose job is its name and user (baseline.JobOf).
func RunOf(rec *Record) baseline.Run {
	a, t := rec.App, rec.Totals
	r := baseline.Run{
		AppID: a.ID, AttemptID: a.AttemptID, Name: a.Name, User: a.User, Start: a.StartEpoch,
		DurationMs: a.DurationMs, Completed: a.Completed, Findings: len(rec.Findings), Source: rec.Source,
	}
	if rec.Job != nil {
		r.Job, r.Shape = rec.Job.Key, rec.Job.Shape
	}
	if rec.Worst != "none" {
		r.Worst = rec.Worst
	}
	if t != nil {
		r.TaskTimeMs, r.InputBytes, r.OutputBytes = t.ExecutorRunTime, t.InputBytes, t.OutputBytes
		r.ShuffleReadBytes, r.ShuffleWriteBytes = t.ShuffleReadBytes, t.ShuffleWriteBytes
		r.MemoryBytesSpilled, r.DiskBytesSpilled = t.MemoryBytesSpill, t.DiskBytesSpilled
		r.Tasks, r.FailedTasks = t.Tasks, t.FailedTasks
	}
	if rec.TaskSkew != nil {
		r.TaskSkew = rec.TaskSkew.Ratio
	}
	return r
}
