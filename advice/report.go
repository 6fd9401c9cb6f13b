// Package advice turns detector findings into a report: it orders them by
// what they cost, removes duplicates and summarises the application. Every
// output format (text, JSON, Markdown, HTML) renders the same Report.
package advice

import (
	"sort"
	"strconv"
	"strings"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/triage"
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// SchemaVersion of the report's JSON form (docs/report-json.md). It changes
// only when a field is removed or changes meaning.
const SchemaVersion = 1

// Report is the analysis of one application.
type Report struct {
	SchemaVersion int                `json:"schemaVersion"`
	Tool          appmodel.Tool      `json:"tool"`
	Input         appmodel.InputInfo `json:"input"`
	App           AppSummary         `json:"app"`
	Counts        Counts             `json:"counts"`
	Findings      []Finding          `json:"findings"`
	Detectors     []string           `json:"detectorsRun"`
	// Charts holds what the HTML report draws. The compact JSON form
	// leaves it out.
	Charts *Charts `json:"charts,omitempty"`
}

// Finding is a detector's finding with its stable ID: the detector ID and
// the subject ("SKEW001-stage6.0"), the same in every format and every run
// over the same log, so that tickets and diffs can refer to it.
type Finding struct {
	ID string `json:"id"`
	detectors.Finding
}

// AppSummary is what a report says about the application itself.
type AppSummary struct {
	ID           string             `json:"id"`
	AttemptID    string             `json:"attemptId,omitempty"`
	Name         string             `json:"name"`
	SparkUser    string             `json:"sparkUser"`
	SparkVersion string             `json:"sparkVersion"`
	StartTime    string             `json:"startTime,omitempty"`
	EndTime      string             `json:"endTime,omitempty"`
	// LastEventTime is the time of the last event in the log: where an
	// unfinished application (no application end) was last seen.
	LastEventTime string `json:"lastEventTime,omitempty"`
	DurationMs   int64              `json:"duration"`
	Completed    bool               `json:"completed"`
	Jobs         int                `json:"jobs"`
	FailedJobs   int                `json:"failedJobs"`
	Stages       int                `json:"stages"`
	Executors    int                `json:"executors"`
	Cores        int                `json:"cores"`
	SQL          int                `json:"sqlExecutions"`
	Totals       appmodel.AppTotals `json:"totals"`
}

// Counts counts findings by severity.
type Counts struct {
	Error   int `json:"error"`
	Warning int `json:"warning"`
	Info    int `json:"info"`
}

// Build makes the report of one application.
func Build(app *appmodel.Application, st *eventlog.Stats, findings []detectors.Finding, ran []*detectors.Detector, tool appmodel.Tool) *Report {
	r := BuildCompact(app, st, findings, ran, tool)
	r.Charts = buildCharts(app, r.Findings)
	return r
}

// BuildCompact makes the report without the charts (nil), for callers
// that only summarise it, as the fleet review does: the charts walk the
// flagged stages' tasks.
func BuildCompact(app *appmodel.Application, st *eventlog.Stats, findings []detectors.Finding, ran []*detectors.Detector, tool appmodel.Tool) *Report {
	doc := appmodel.NewDocument(app, st, tool)
	r := &Report{
		SchemaVersion: SchemaVersion,
		Tool:          tool,
		Input:         doc.Input,
		App: AppSummary{
			ID: app.ID, AttemptID: app.AttemptID, Name: app.Name, SparkUser: app.User,
			SparkVersion: app.SparkVersion, StartTime: appmodel.FormatTime(app.Start),
			EndTime: appmodel.FormatTime(app.End), LastEventTime: appmodel.FormatTime(app.LastEvent), DurationMs: app.Duration(), Completed: app.Complete,
			Jobs: len(app.Jobs), Stages: len(app.Stages), SQL: len(app.SQL), Totals: doc.App.Totals,
		},
		Findings:  withIDs(Rank(triage.Run(app, findings))),
		Detectors: []string{},
	}
	for _, j := range app.Jobs {
		if j.Status == appmodel.JobFailed {
			r.App.FailedJobs++
		}
	}
	for _, e := range app.Executors {
		if !e.IsDriver() {
			r.App.Executors++
			r.App.Cores += e.TotalCores
		}
	}
	for _, d := range ran {
		r.Detectors = append(r.Detectors, d.ID)
	}
	for _, f := range r.Findings {
		switch f.Severity {
		case detectors.Error:
			r.Counts.Error++
		case detectors.Warning:
			r.Counts.Warning++
		default:
			r.Counts.Info++
		}
	}
	return r
}

// withIDs gives each finding its stable ID; a clash (two subjects that
// read the same) gets a numeric suffix in rank order.
func withIDs(fs []detectors.Finding) []Finding {
	out := make([]Finding, len(fs))
	used := map[string]bool{}
	for i, f := range fs {
		id := FindingID(f)
		for n := 2; used[id]; n++ {
			id = FindingID(f) + "-" + strconv.Itoa(n)
		}
		used[id] = true
		// Arrays are never null in the JSON form.
		if f.Evidence == nil {
			f.Evidence = []detectors.Evidence{}
		}
		if f.Advice.Questions == nil {
			f.Advice.Questions = []string{}
		}
		if f.Advice.Changes == nil {
			f.Advice.Changes = []detectors.Change{}
		}
		out[i] = Finding{ID: id, Finding: f}
	}
	return out
}

// FindingID is the stable ID of a finding: its detector and a short form
// of its subject, made of letters, digits, '.', '_' and '-' so that it
// can serve as an anchor in Markdown and HTML.
func FindingID(f detectors.Finding) string {
	s := f.Subject
	var subj string
	switch {
	case s.Kind == detectors.SubjectStage && s.StageID != nil:
		subj = "stage" + strconv.Itoa(*s.StageID)
		if s.StageAttempt != nil {
			subj += "." + strconv.Itoa(*s.StageAttempt)
		}
	case s.Kind == detectors.SubjectJob && s.JobID != nil:
		subj = "job" + strconv.Itoa(*s.JobID)
	case s.Kind == detectors.SubjectSQL && s.SQLExecutionID != nil:
		subj = "sql" + strconv.FormatInt(*s.SQLExecutionID, 10)
		if s.PlanNodeID != nil {
			subj += ".node" + strconv.Itoa(*s.PlanNodeID)
		}
	case s.Kind == detectors.SubjectExecutor && s.ExecutorID != "":
		subj = "exec" + s.ExecutorID
	case s.Kind == detectors.SubjectRDD && s.RDDID != nil:
		subj = "rdd" + strconv.Itoa(*s.RDDID)
	case s.Kind == detectors.SubjectStreaming && s.QueryID != "":
		subj = "query-" + s.QueryID
	case s.Kind == detectors.SubjectConfig && s.ConfigKey != "":
		subj = s.ConfigKey
	case s.Kind == detectors.SubjectApp:
		subj = "app"
	default:
		subj = s.Key()
	}
	var b strings.Builder
	for _, c := range f.DetectorID + "-" + subj {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Rank removes duplicate findings (same detector and subject) and orders
// the rest: most severe first, then by estimated savings, by share of the
// application's wall-clock time, by share of its task time, then by
// detector and subject so that the order is stable.
func Rank(fs []detectors.Finding) []detectors.Finding {
	seen := map[string]bool{}
	out := make([]detectors.Finding, 0, len(fs))
	for _, f := range fs {
		k := f.DetectorID + "|" + f.Subject.Key()
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := &out[i], &out[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Impact.SavingsMs != b.Impact.SavingsMs {
			return a.Impact.SavingsMs > b.Impact.SavingsMs
		}
		if a.Impact.WallClockShare != b.Impact.WallClockShare {
			return a.Impact.WallClockShare > b.Impact.WallClockShare
		}
		if a.Impact.TaskTimeShare != b.Impact.TaskTimeShare {
			return a.Impact.TaskTimeShare > b.Impact.TaskTimeShare
		}
		if a.DetectorID != b.DetectorID {
			return a.DetectorID < b.DetectorID
		}
		return a.Subject.Key() < b.Subject.Key()
	})
	return out
}

// Worst is the highest severity among the findings (0 when none).
func (r *Report) Worst() detectors.Severity {
	var w detectors.Severity
	for _, f := range r.Findings {
		if f.Severity > w {
			w = f.Severity
		}
	}
	return w
}
