package render

import (
	"fmt"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/advice/remedies"
	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
)

// Helpers every format shares, so that they word things the same way.

// formatValue renders an evidence number in its unit.
func formatValue(v float64, unit string) string {
	switch unit {
	case "ms":
		return units.Millis(int64(v))
	case "ns":
		return units.Millis(int64(v / 1e6))
	case "bytes":
		return units.Bytes(int64(v))
	case "ratio":
		return units.Ratio(v)
	case "share":
		return units.Percent(v)
	case "count":
		return units.Count(int64(v))
	default:
		if v == float64(int64(v)) {
			return strings.TrimSpace(units.Count(int64(v)) + " " + unit)
		}
		return strings.TrimSpace(fmt.Sprintf("%.1f %s", v, unit))
	}
}

// evidenceValue and evidenceThreshold render one piece of evidence.
func evidenceValue(e detectors.Evidence) string { return formatValue(e.Value, e.Unit) }

func evidenceThreshold(e detectors.Evidence) string {
	if e.Threshold == nil {
		return ""
	}
	return strings.TrimSpace(e.Op + " " + formatValue(*e.Threshold, e.Unit))
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// where lists where a finding is: stage, job, SQL execution, operator,
// code location, executor, query.
func where(f *advice.Finding) []string {
	s := f.Subject
	var out []string
	if s.StageID != nil {
		out = append(out, fmt.Sprintf("stage %d.%d", *s.StageID, deref(s.StageAttempt)))
	}
	if s.JobID != nil {
		out = append(out, fmt.Sprintf("job %d", *s.JobID))
	}
	if s.SQLExecutionID != nil {
		out = append(out, fmt.Sprintf("SQL %d", *s.SQLExecutionID))
	}
	if s.PlanNodeID != nil {
		out = append(out, fmt.Sprintf("plan node %d", *s.PlanNodeID))
	}
	if f.SQLOperator != "" {
		out = append(out, f.SQLOperator)
	}
	if f.CallSite != "" {
		out = append(out, "at "+f.CallSite)
	}
	if s.ExecutorID != "" {
		out = append(out, "executor "+s.ExecutorID)
	}
	if s.RDDID != nil {
		out = append(out, fmt.Sprintf("RDD %d", *s.RDDID))
	}
	if s.QueryID != "" {
		out = append(out, "query "+s.QueryID)
	}
	if s.ConfigKey != "" {
		out = append(out, s.ConfigKey)
	}
	if len(out) == 0 && s.Kind == detectors.SubjectApp {
		out = append(out, "the application")
	}
	return out
}

// shortWhere is the first place of where(), for tables.
func shortWhere(f *advice.Finding) string {
	w := where(f)
	if len(w) == 0 {
		return string(f.Subject.Kind)
	}
	return w[0]
}

// impact says what a finding costs, or "" when nothing is known.
func impact(f *advice.Finding) string {
	im := f.Impact
	if im.WallClockMs <= 0 && im.SavingsMs <= 0 && im.TaskTimeMs <= 0 {
		return ""
	}
	var parts []string
	if im.WallClockMs > 0 {
		parts = append(parts, fmt.Sprintf("%s wall-clock (%s of the application)", units.Millis(im.WallClockMs), units.Percent(im.WallClockShare)))
	}
	if im.TaskTimeMs > 0 {
		parts = append(parts, fmt.Sprintf("%s task time (%s)", units.Millis(im.TaskTimeMs), units.Percent(im.TaskTimeShare)))
	}
	s := strings.Join(parts, ", ")
	if im.SavingsMs > 0 {
		if s != "" {
			s += "; "
		}
		s += "a fix could save about " + units.Millis(im.SavingsMs)
	}
	return s
}

// savings is the estimated saving for tables ("" when unknown).
func savings(f *advice.Finding) string {
	if f.Impact.SavingsMs <= 0 {
		return ""
	}
	return units.Millis(f.Impact.SavingsMs)
}

// change renders a remedy: "key=value (now x): why" or the code change.
func change(c detectors.Change) string {
	if c.Key == "" {
		return c.Why
	}
	s := c.Key + "=" + c.Suggested
	if c.Current != "" {
		s += " (now " + c.Current + ")"
	}
	if c.Why != "" {
		s += ": " + c.Why
	}
	return s
}

// remediesLine names the remedies a finding cites by number and title,
// and says how to read them: "Q3 One task far slower than the rest; Q6
// Skewed join keys (sparkdiag explain Q3)".
func remediesLine(qs []string) string {
	if len(qs) == 0 {
		return ""
	}
	return strings.Join(remedies.Labels(qs), "; ") + " (sparkdiag explain " + qs[0] + ")"
}

// severityTitle is the heading of a severity group.
func severityTitle(s detectors.Severity) string {
	switch s {
	case detectors.Error:
		return "Errors"
	case detectors.Warning:
		return "Warnings"
	}
	return "Info"
}

// countsLine is "2 errors, 1 warning, 0 info".
func countsLine(c advice.Counts) string {
	return fmt.Sprintf("%s, %s, %d info", units.Plural(c.Error, "error"), units.Plural(c.Warning, "warning"), c.Info)
}

// status is "completed", "incomplete", "in progress" or "cut off".
func status(r *advice.Report) string {
	last := ""
	if r.App.LastEventTime != "" {
		last = "; last event at " + r.App.LastEventTime
	}
	switch {
	case r.Input.Truncated:
		return "unfinished (the log is cut off" + last + ")"
	case r.Input.InProgress:
		return "unfinished (the log is still being written, or the driver was killed" + last + ")"
	case !r.Input.Complete:
		return "unfinished (no application end" + last + ")"
	}
	return "completed"
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// executorsLine describes the executors: "4 executors, 16 cores" or local
// mode.
func executorsLine(r *advice.Report) string {
	if r.App.Executors == 0 {
		if r.Charts != nil && r.Charts.Executors.LocalMode && r.Charts.Executors.MaxCores > 0 {
			return fmt.Sprintf("none: the driver ran the tasks (local mode, %d cores)", r.Charts.Executors.MaxCores)
		}
		return "none: the driver ran the tasks (local mode)"
	}
	s := fmt.Sprintf("%s, %d cores", units.Plural(r.App.Executors, "executor"), r.App.Cores)
	if r.Charts != nil && r.Charts.Executors.MaxExecutors > 0 && r.Charts.Executors.MaxExecutors != r.App.Executors {
		s += fmt.Sprintf(" (at most %d at once)", r.Charts.Executors.MaxExecutors)
	}
	return s
}

// title is the application's name and ID.
func title(r *advice.Report) string {
	if r.App.Name == "" {
		return r.App.ID
	}
	return r.App.Name
}

// findingsBySeverity groups findings (already ranked) from the most severe.
func findingsBySeverity(r *advice.Report) [][]*advice.Finding {
	var groups [][]*advice.Finding
	for _, sev := range []detectors.Severity{detectors.Error, detectors.Warning, detectors.Info} {
		var g []*advice.Finding
		for i := range r.Findings {
			f := &r.Findings[i]
			if f.Severity == sev || (sev == detectors.Info && f.Severity < detectors.Info) {
				g = append(g, f)
			}
		}
		if len(g) > 0 {
			groups = append(groups, g)
		}
	}
	return groups
}

// relatedLines describe the findings triage folded into f, one line each:
// "SKEW001 at stage 33.0, saves 35.1 s: Straggler in stage 33: …".
func relatedLines(f *advice.Finding) []string {
	var out []string
	for _, r := range f.Related {
		sub := advice.Finding{Finding: detectors.Finding{Subject: r.Subject}}
		line := r.DetectorID
		if w := where(&sub); len(w) > 0 {
			line += " at " + strings.Join(w, ", ")
		}
		if r.SavingsMs > 0 {
			line += ", saves " + units.Millis(r.SavingsMs)
		}
		out = append(out, line+": "+r.Message)
	}
	return out
}
