package diff

import (
	"sort"
	"strconv"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/detectors"
)

// Findings sorts the detectors' findings of the two runs: new (only in
// NEW), gone (only in BASE), worse (more severe, or costing over 25% more),
// better (less severe, or costing over 25% less) and the same.
type Findings struct {
	New    []FindingChange `json:"new"`
	Gone   []FindingChange `json:"gone"`
	Worse  []FindingChange `json:"worse"`
	Better []FindingChange `json:"better"`
	Same   []FindingChange `json:"same"`
}

// Listed is a change the reports list, with its list's label.
type Listed struct {
	Label string
	*FindingChange
}

// Listed returns the new, worse, gone and better findings, in that order,
// each with its label: what the text and Markdown reports show (the
// unchanged ones are only counted).
func (f *Findings) Listed() []Listed {
	var out []Listed
	for _, l := range []struct {
		label string
		fs    []FindingChange
	}{{"new", f.New}, {"worse", f.Worse}, {"gone", f.Gone}, {"better", f.Better}} {
		for i := range l.fs {
			out = append(out, Listed{l.label, &l.fs[i]})
		}
	}
	return out
}

// ID is the finding's ID in NEW's analyze report, or in BASE's when it
// is gone.
func (c *FindingChange) ID() string {
	if c.NewID != "" {
		return c.NewID
	}
	return c.BaseID
}

// FindingChange is one finding in one or both runs.
type FindingChange struct {
	// Key identifies the finding across runs: its detector and the matched
	// identity of its subject (the stage's key, the SQL execution's
	// description, the configuration key, ...), since ids differ between
	// runs.
	Key        string `json:"key"`
	DetectorID string `json:"detectorId"`
	Detector   string `json:"detector"`
	// Severity is NEW's (BASE's for a gone finding); Message likewise.
	Severity detectors.Severity `json:"severity"`
	Message  string             `json:"message"`
	// BaseID and NewID are the findings' IDs in each run's analyze report
	// (empty on the side where it is absent).
	BaseID       string             `json:"baseId,omitempty"`
	NewID        string             `json:"newId,omitempty"`
	BaseSeverity detectors.Severity `json:"baseSeverity,omitempty"`
	NewSeverity  detectors.Severity `json:"newSeverity,omitempty"`
	BaseMessage  string             `json:"baseMessage,omitempty"`
	// Cost is the finding's estimated savings when known, else the
	// wall-clock time it is spread over (ms), in each run.
	BaseCostMs int64 `json:"baseCostMs"`
	NewCostMs  int64 `json:"newCostMs"`
}

// subjectKeys maps run-specific ids to the matched identities.
type subjectKeys struct {
	stages [2]map[int]string
	jobs   [2]map[int64]string
	sql    [2]map[int64]string
}

// subjectKey is a finding subject's identity that holds across runs.
func (k subjectKeys) subjectKey(side int, s detectors.Subject) string {
	switch {
	case s.Kind == detectors.SubjectStage && s.StageID != nil:
		if v, ok := k.stages[side][*s.StageID]; ok {
			return "stage " + v
		}
	case s.Kind == detectors.SubjectJob && s.JobID != nil:
		if v, ok := k.jobs[side][int64(*s.JobID)]; ok {
			return "job " + v
		}
	case s.Kind == detectors.SubjectSQL && s.SQLExecutionID != nil:
		if v, ok := k.sql[side][*s.SQLExecutionID]; ok {
			if s.PlanNodeID != nil {
				v += " node " + strconv.Itoa(*s.PlanNodeID)
			}
			return "sql " + v
		}
	case s.Kind == detectors.SubjectExecutor:
		return "executor " + s.ExecutorID
	case s.Kind == detectors.SubjectConfig:
		return "config " + s.ConfigKey
	case s.Kind == detectors.SubjectApp:
		return "application"
	case s.Kind == detectors.SubjectRDD && s.Name != "":
		return "rdd " + s.Name
	case s.Kind == detectors.SubjectStreaming:
		if s.Name != "" {
			return "query " + s.Name
		}
		return "query " + s.QueryID
	}
	// Unknown ids: keep the run's own key (it then shows as new or gone).
	return s.Key()
}

// cost is what a finding costs: its estimated savings, or the wall-clock
// time it is spread over.
func cost(f detectors.Finding) int64 {
	if f.Impact.SavingsMs > 0 {
		return f.Impact.SavingsMs
	}
	return f.Impact.WallClockMs
}

// worseShare and costFloorMs decide "worse" and "better": the cost must
// move by more than 25% and by at least a second.
const (
	worseShare  = 0.25
	costFloorMs = 1000
)

func compareFindings(base, nw []detectors.Finding, keys subjectKeys) Findings {
	out := Findings{New: []FindingChange{}, Gone: []FindingChange{}, Worse: []FindingChange{}, Better: []FindingChange{}, Same: []FindingChange{}}
	type entry struct {
		f  detectors.Finding
		id string
	}
	index := func(side int, fs []detectors.Finding) (map[string]entry, []string) {
		m := map[string]entry{}
		var order []string
		ranked := advice.Rank(fs)
		used := map[string]bool{}
		for _, f := range ranked {
			id := advice.FindingID(f)
			for n := 2; used[id]; n++ {
				id = advice.FindingID(f) + "-" + strconv.Itoa(n)
			}
			used[id] = true
			k := f.DetectorID + " " + keys.subjectKey(side, f.Subject)
			if _, dup := m[k]; dup {
				continue
			}
			m[k] = entry{f, id}
			order = append(order, k)
		}
		return m, order
	}
	bm, _ := index(0, base)
	nm, norder := index(1, nw)
	for _, k := range norder {
		n := nm[k]
		fc := FindingChange{Key: k, DetectorID: n.f.DetectorID, Detector: n.f.Detector, Severity: n.f.Severity,
			Message: n.f.Message, NewID: n.id, NewSeverity: n.f.Severity, NewCostMs: cost(n.f)}
		b, ok := bm[k]
		if !ok {
			out.New = append(out.New, fc)
			continue
		}
		fc.BaseID, fc.BaseSeverity, fc.BaseMessage, fc.BaseCostMs = b.id, b.f.Severity, b.f.Message, cost(b.f)
		grew := float64(fc.NewCostMs) > float64(fc.BaseCostMs)*(1+worseShare) && fc.NewCostMs-fc.BaseCostMs >= costFloorMs
		shrank := float64(fc.NewCostMs) < float64(fc.BaseCostMs)*(1-worseShare) && fc.BaseCostMs-fc.NewCostMs >= costFloorMs
		switch {
		case fc.NewSeverity > fc.BaseSeverity, fc.NewSeverity == fc.BaseSeverity && grew:
			out.Worse = append(out.Worse, fc)
		case fc.NewSeverity < fc.BaseSeverity, shrank:
			out.Better = append(out.Better, fc)
		default:
			out.Same = append(out.Same, fc)
		}
	}
	var gone []string
	for k := range bm {
		if _, ok := nm[k]; !ok {
			gone = append(gone, k)
		}
	}
	sort.Slice(gone, func(i, j int) bool {
		a, b := bm[gone[i]].f, bm[gone[j]].f
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if cost(a) != cost(b) {
			return cost(a) > cost(b)
		}
		return gone[i] < gone[j]
	})
	for _, k := range gone {
		b := bm[k]
		out.Gone = append(out.Gone, FindingChange{Key: k, DetectorID: b.f.DetectorID, Detector: b.f.Detector,
			Severity: b.f.Severity, Message: b.f.Message, BaseID: b.id, BaseSeverity: b.f.Severity,
			BaseMessage: b.f.Message, BaseCostMs: cost(b.f)})
	}
	return out
}

// Worst is the highest severity among the new and worse findings (0 when
// there is none).
func (f *Findings) Worst() detectors.Severity {
	var w detectors.Severity
	for _, l := range [][]FindingChange{f.New, f.Worse} {
		for _, c := range l {
			w = max(w, c.Severity)
		}
	}
	return w
}
