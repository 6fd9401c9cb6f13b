// Package diff compares two runs of the same Spark job and says where the
// time moved and why: it matches jobs, stages and SQL executions by what
// they are (name, call site, order) rather than by id, explains each moved
// stage with numbers (input growth, shuffle growth, skew or spill
// appearing, new failures, configuration changes), classifies the growth
// the way question Q4 of the question bank does (proportional to the input,
// faster than the input, a join explosion, skew, spill, failures, a
// configuration change) and lists the detector findings that are new,
// gone, worse or the same.
//
// Compare builds a Diff from two applications and their findings; the
// renderers in this package (text, JSON, Markdown) only format it.
// docs/diff.md documents the JSON form and the rules.
package diff

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/jobkey"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/all"
	"github.com/sparkdiag/sparkdiag/detectors/triage"
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// SchemaVersion of the diff's JSON form (docs/diff.md). It changes only
// when a field is removed or changes meaning.
const SchemaVersion = 1

// Side is one run: its application, what the reader said about the log,
// and the detectors' findings on it.
type Side struct {
	Path     string
	App      *appmodel.Application
	Stats    *eventlog.Stats
	Findings []detectors.Finding
}

// Detect runs every detector with its default thresholds, as the diff
// compares findings.
func Detect(app *appmodel.Application) []detectors.Finding {
	cfg := &detectors.Config{}
	return triage.Run(app, detectors.Run(app, cfg.Select(all.Detectors), cfg))
}

// Options tune Compare; the zero value gives the defaults.
type Options struct {
	// Tool names the program in the JSON form.
	Tool appmodel.Tool
}

// Diff is the comparison of two runs. Every renderer reads only this.
type Diff struct {
	SchemaVersion int           `json:"schemaVersion"`
	Tool          appmodel.Tool `json:"tool"`
	Base          Run           `json:"base"`
	New           Run           `json:"new"`
	// Warnings say why the comparison may mislead (different
	// application names, incomplete logs). When the runs do not look like
	// one job, SameJob.Warning comes first.
	Warnings []string `json:"warnings"`
	// SameJob says whether the two runs look like runs of one job: their
	// job keys and how much of their work (stage call sites, SQL
	// descriptions) they share.
	SameJob SameJob `json:"sameJob"`
	// Headline is one line: the duration change, the input change and the
	// verdict.
	Headline string `json:"headline"`
	// Verdict classifies the change (Q4).
	Verdict Verdict `json:"verdict"`
	// Metrics are the application's totals side by side.
	Metrics []Metric `json:"metrics"`
	// Reasons explain the change at the application level.
	Reasons []Reason `json:"reasons"`
	// Stages are the matched stages, the ones whose wall-clock time moved
	// most first.
	Stages []StageDiff `json:"stages"`
	// NewStages ran only in NEW; RemovedStages only in BASE.
	NewStages     []StageRef `json:"newStages"`
	RemovedStages []StageRef `json:"removedStages"`
	Jobs          WorkDiff   `json:"jobs"`
	SQL           WorkDiff   `json:"sqlExecutions"`
	Config        ConfigDiff `json:"config"`
	Findings      Findings   `json:"findings"`
}

// SameJob compares the identity and the shape of the two runs
// (advice/jobkey): a diff of two runs that share no stage says little.
type SameJob struct {
	// Likely is false when the runs share less than
	// baseline.DefaultMinSimilarity (0.5) of their stage and SQL identities.
	Likely bool `json:"likely"`
	// BaseKey and NewKey are the runs' job keys under the default
	// --job-key ("" for a default name such as "Spark shell").
	BaseKey string `json:"baseKey"`
	NewKey  string `json:"newKey"`
	// Similarity is the Jaccard index of the two sets of stage and SQL
	// identities (shared / all), from 0 to 1.
	Similarity float64 `json:"similarity"`
	// SharedStages of Stages distinct stage call sites (name and first
	// frame) are in both runs; Stages counts those of either run.
	SharedStages int `json:"sharedStages"`
	Stages       int `json:"stages"`
	// Warning is the line the reports start with when Likely is false.
	Warning string `json:"warning,omitempty"`
}

// minSimilarity is baseline.DefaultMinSimilarity (diff does not import
// the baseline store).
const minSimilarity = 0.5

// sameJob compares the identities and job keys of two runs.
func sameJob(base, nw *appmodel.Application) SameJob {
	key := func(a *appmodel.Application) string {
		return jobkey.Compute(nil, jobkey.Info{Name: a.Name, User: a.User, Conf: a.SparkProps}).Key
	}
	sj := SameJob{BaseKey: key(base), NewKey: key(nw)}
	ib, in := jobkey.Identities(base), jobkey.Identities(nw)
	sim, _, _ := jobkey.Compare(jobkey.ShapeOf(ib), jobkey.ShapeOf(in))
	// Exact counts (the shapes' sketches may be capped).
	all, both := map[string]int{}, 0
	for _, id := range ib {
		all[id] |= 1
	}
	for _, id := range in {
		all[id] |= 2
	}
	stages := 0
	for id, sides := range all {
		if sides == 3 {
			both++
		}
		if strings.HasPrefix(id, "stage:") {
			stages++
			if sides == 3 {
				sj.SharedStages++
			}
		}
	}
	if len(all) > 0 {
		sim = float64(both) / float64(len(all))
	}
	sj.Similarity = float64(int(sim*1000+0.5)) / 1000
	sj.Stages = stages
	sj.Likely = sim >= minSimilarity
	if !sj.Likely {
		var why []string
		if base.Name != nw.Name {
			why = append(why, "names differ")
		} else if sj.BaseKey != sj.NewKey && sj.BaseKey != "" && sj.NewKey != "" {
			why = append(why, "job keys differ ("+quote(sj.BaseKey)+" and "+quote(sj.NewKey)+")")
		}
		share := fmt.Sprintf("they share %d of %d stages' call sites", sj.SharedStages, stages)
		if stages == 0 {
			share = fmt.Sprintf("they share %d of %d SQL descriptions", both, len(all))
		}
		why = append(why, share)
		sj.Warning = "these runs do not look like the same job: " + strings.Join(why, " and ")
	}
	return sj
}

// Run describes one of the two runs.
type Run struct {
	Path         string `json:"path"`
	AppID        string `json:"appId"`
	AttemptID    string `json:"attemptId,omitempty"`
	Name         string `json:"name"`
	SparkVersion string `json:"sparkVersion"`
	StartTime    string `json:"startTime,omitempty"`
	DurationMs   int64  `json:"duration"`
	Completed    bool   `json:"completed"`
	Jobs         int    `json:"jobs"`
	Stages       int    `json:"stages"`
	SQL          int    `json:"sqlExecutions"`
}

// Metric is one quantity in both runs. Ratio is new/base, left out when
// base is 0.
type Metric struct {
	Name  string   `json:"name"`
	Unit  string   `json:"unit"`
	Base  float64  `json:"base"`
	New   float64  `json:"new"`
	Delta float64  `json:"delta"`
	Ratio *float64 `json:"ratio,omitempty"`
}

// Reason is one explanation with its numbers: "input grew 2.1x (1.2 GiB →
// 2.5 GiB)".
type Reason struct {
	// Kind: duration, taskTime, input, shuffleRead, shuffleWrite, output,
	// rows, joinRows, spill, skew, failures, tasks, gc, config, work.
	Kind    string  `json:"kind"`
	Message string  `json:"message"`
	Unit    string  `json:"unit,omitempty"`
	Base    float64 `json:"base"`
	New     float64 `json:"new"`
}

// Classes of change (Q4). A Verdict has one Class and the Causes seen.
const (
	ClassUnchanged    = "unchanged"         // no significant change
	ClassFaster       = "faster"            // NEW is quicker
	ClassProportional = "proportional"      // time grew like the data
	ClassFasterInput  = "faster-than-input" // time grew faster than the data
	ClassJoin         = "join-explosion"    // rows produced grew much faster than rows read
	ClassSkew         = "skew"              // a few tasks became much slower than the rest
	ClassSpill        = "spill"             // spill appeared or grew
	ClassFailures     = "failures"          // new failed tasks, stages or jobs
	ClassConfig       = "config"            // a performance setting changed
	ClassNewWork      = "new-work"          // stages that BASE did not run took the time
)

// Verdict classifies the change between the runs.
type Verdict struct {
	Class string `json:"class"`
	// Causes are every class of cause seen, most specific first (the
	// Class is one of them unless it is unchanged, faster,
	// proportional or faster-than-input).
	Causes []string `json:"causes"`
	// Significant is set when the duration or the task time moved beyond
	// the noise thresholds.
	Significant bool `json:"significant"`
	// DurationRatio, TaskTimeRatio: NEW over BASE (0 when BASE is 0).
	DurationRatio float64 `json:"durationRatio"`
	TaskTimeRatio float64 `json:"taskTimeRatio"`
	// InputRatio is the growth of the bytes read from storage; DataRatio
	// of those plus the shuffle bytes read. Growth is judged against
	// InputRatio (DataRatio when the job reads little input).
	InputRatio float64 `json:"inputRatio"`
	DataRatio  float64 `json:"dataRatio"`
	// RowsInRatio is the growth of the rows read (input and shuffle
	// records); RowsOutRatio of the rows produced (shuffle write and
	// output records); JoinRowsRatio of the rows the SQL joins produced
	// (0 when no matched SQL join reported rows).
	RowsInRatio   float64 `json:"rowsInRatio"`
	RowsOutRatio  float64 `json:"rowsOutRatio"`
	JoinRowsRatio float64 `json:"joinRowsRatio"`
	// Explanation says what the class means for this job, with the Q4
	// remedy.
	Explanation string `json:"explanation"`
	// Stage is the key of the stage that moved most, when one did.
	Stage string `json:"stage,omitempty"`
}

// StageRef names a stage that ran in only one of the runs.
type StageRef struct {
	Key        string `json:"key"`
	StageID    int    `json:"stageId"`
	Name       string `json:"name"`
	CallSite   string `json:"callSite,omitempty"`
	Occurrence int    `json:"occurrence"`
	DurationMs int64  `json:"duration"`
	TaskTimeMs int64  `json:"taskTime"`
	Tasks      int    `json:"tasks"`
}

// StageStats are one run's numbers for a logical stage (its attempts
// merged).
type StageStats struct {
	StageID  int    `json:"stageId"`
	Attempts int    `json:"attempts"`
	Status   string `json:"status"`
	// DurationMs sums the attempts' wall-clock times.
	DurationMs          int64 `json:"duration"`
	TaskTimeMs          int64 `json:"taskTime"`
	GCTimeMs            int64 `json:"gcTime"`
	InputBytes          int64 `json:"inputBytes"`
	InputRecords        int64 `json:"inputRecords"`
	ShuffleReadBytes    int64 `json:"shuffleReadBytes"`
	ShuffleReadRecords  int64 `json:"shuffleReadRecords"`
	ShuffleWriteBytes   int64 `json:"shuffleWriteBytes"`
	ShuffleWriteRecords int64 `json:"shuffleWriteRecords"`
	OutputBytes         int64 `json:"outputBytes"`
	OutputRecords       int64 `json:"outputRecords"`
	MemorySpilled       int64 `json:"memoryBytesSpilled"`
	DiskSpilled         int64 `json:"diskBytesSpilled"`
	// Tasks is the number of partitions (tasks of the first attempt);
	// TaskAttempts counts every task attempt of every stage attempt.
	Tasks        int `json:"tasks"`
	TaskAttempts int `json:"taskAttempts"`
	FailedTasks  int `json:"failedTasks"`
	KilledTasks  int `json:"killedTasks"`
	// FailedTaskMs is the time the failed task attempts ran (thrown away).
	FailedTaskMs int64 `json:"failedTaskTime"`
	// TaskMedianMs and TaskMaxMs are over the successful tasks' durations;
	// Skew is max over median (0 when unknown).
	TaskMedianMs int64   `json:"taskMedian"`
	TaskMaxMs    int64   `json:"taskMax"`
	Skew         float64 `json:"skew"`
}

// rowsIn is what the stage read, in rows.
func (s *StageStats) rowsIn() int64 { return s.InputRecords + s.ShuffleReadRecords }

// rowsOut is what the stage produced, in rows.
func (s *StageStats) rowsOut() int64 { return s.ShuffleWriteRecords + s.OutputRecords }

// dataIn is what the stage read, in bytes.
func (s *StageStats) dataIn() int64 { return s.InputBytes + s.ShuffleReadBytes }

func (s *StageStats) spill() int64 { return s.MemorySpilled + s.DiskSpilled }

// StageDiff is one matched stage.
type StageDiff struct {
	// Key names the stage: name, call site and its occurrence among the
	// stages that share them in NEW ("collect at job.py:45 |
	// Dataset.collectToPython(Dataset.scala:4146) #2"). Pairs are made by
	// aligning such groups on the stages' signatures (docs/diff.md), so
	// the occurrence is a label, not what paired them.
	Key        string `json:"key"`
	Name       string `json:"name"`
	CallSite   string `json:"callSite,omitempty"`
	Occurrence int    `json:"occurrence"`
	// MatchedBy is "exact" (same name and call site) or "name" (the call
	// site differs).
	MatchedBy string     `json:"matchedBy"`
	Base      StageStats `json:"base"`
	New       StageStats `json:"new"`
	// MovedMs is the change of wall-clock time (NEW minus BASE).
	MovedMs int64 `json:"movedMs"`
	// Significant is set when the move is beyond the noise thresholds.
	Significant bool     `json:"significant"`
	Class       string   `json:"class"`
	Reasons     []Reason `json:"reasons"`
}

// WorkDiff compares jobs or SQL executions: how many matched, and those
// found in only one run.
type WorkDiff struct {
	Matched int        `json:"matched"`
	Pairs   []WorkPair `json:"pairs"`
	New     []WorkRef  `json:"new"`
	Removed []WorkRef  `json:"removed"`
}

// WorkPair is a matched job or SQL execution with its durations.
type WorkPair struct {
	Key       string `json:"key"`
	BaseID    int64  `json:"baseId"`
	NewID     int64  `json:"newId"`
	MatchedBy string `json:"matchedBy"`
	BaseMs    int64  `json:"baseDuration"`
	NewMs     int64  `json:"newDuration"`
	// BaseStatus and NewStatus are the outcomes (SUCCEEDED, FAILED, ...).
	BaseStatus string `json:"baseStatus"`
	NewStatus  string `json:"newStatus"`
}

// WorkRef is a job or SQL execution found in one run only.
type WorkRef struct {
	Key        string `json:"key"`
	ID         int64  `json:"id"`
	DurationMs int64  `json:"duration"`
	Status     string `json:"status"`
}

// Compare builds the diff of two runs.
func Compare(base, nw Side, o Options) *Diff {
	d := &Diff{
		SchemaVersion: SchemaVersion,
		Tool:          o.Tool,
		Base:          runOf(base),
		New:           runOf(nw),
		Warnings:      []string{},
		Reasons:       []Reason{},
		NewStages:     []StageRef{},
		RemovedStages: []StageRef{},
	}
	d.SameJob = sameJob(base.App, nw.App)
	if !d.SameJob.Likely {
		d.Warnings = append(d.Warnings, d.SameJob.Warning)
	} else if base.App.Name != nw.App.Name {
		d.Warnings = append(d.Warnings, "the application names differ ("+quote(base.App.Name)+" and "+quote(nw.App.Name)+"): are these runs of the same job?")
	}
	for _, s := range []struct {
		label string
		side  Side
	}{{"BASE", base}, {"NEW", nw}} {
		if !s.side.App.Complete {
			d.Warnings = append(d.Warnings, s.label+" is incomplete (no application-end event): its numbers stop where the log stops")
		}
	}

	// Stages.
	bg, ng := stageGroups(base.App), stageGroups(nw.App)
	sp := matchStages(bg, ng)
	appMs := max(base.App.Duration(), nw.App.Duration())
	stageKeys := [2]map[int]string{{}, {}}
	for i, pr := range sp.pairs {
		b, n := bg[pr[0]], ng[pr[1]]
		sd := compareStage(b, n, sp.how[i], appMs)
		d.Stages = append(d.Stages, sd)
		stageKeys[0][b.id] = sd.Key
		stageKeys[1][n.id] = sd.Key
	}
	for _, i := range sp.onlyA {
		r := stageRef(bg[i])
		d.RemovedStages = append(d.RemovedStages, r)
		stageKeys[0][bg[i].id] = "removed " + r.Key
	}
	for _, j := range sp.onlyB {
		r := stageRef(ng[j])
		d.NewStages = append(d.NewStages, r)
		stageKeys[1][ng[j].id] = "new " + r.Key
	}
	sort.SliceStable(d.Stages, func(i, j int) bool {
		a, b := abs(d.Stages[i].MovedMs), abs(d.Stages[j].MovedMs)
		if a != b {
			return a > b
		}
		return d.Stages[i].Key < d.Stages[j].Key
	})
	if d.Stages == nil {
		d.Stages = []StageDiff{}
	}
	sortRefs(d.NewStages)
	sortRefs(d.RemovedStages)

	// Jobs and SQL executions.
	var jobKeys, sqlKeys [2]map[int64]string
	d.Jobs, jobKeys = compareJobs(base.App, nw.App)
	d.SQL, sqlKeys = compareSQL(base.App, nw.App)

	d.Config = diffConfig(base.App, nw.App)
	keys := subjectKeys{stages: stageKeys, jobs: jobKeys, sql: sqlKeys}
	d.Findings = compareFindings(base.Findings, nw.Findings, keys)

	d.Metrics = appMetrics(base.App, nw.App)
	classify(d, base.App, nw.App)
	d.Headline = headline(d)
	return d
}

func runOf(s Side) Run {
	a := s.App
	return Run{Path: s.Path, AppID: a.ID, AttemptID: a.AttemptID, Name: a.Name, SparkVersion: a.SparkVersion,
		StartTime: appmodel.FormatTime(a.Start), DurationMs: a.Duration(), Completed: a.Complete,
		Jobs: len(a.Jobs), Stages: len(stageGroups(a)), SQL: len(a.SQL)}
}

func quote(s string) string { return "\"" + s + "\"" }

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// stageKey is the display key of a logical stage: "name | call site #occ".
func stageKey(g *stageGroup) string {
	id := g.name
	if g.callSite != "" {
		id += " | " + g.callSite
	}
	return occKey(id, g.occ)
}

func stageRef(g *stageGroup) StageRef {
	st := stageStats(g)
	return StageRef{Key: stageKey(g), StageID: g.id, Name: g.display, CallSite: g.callSite, Occurrence: g.occ,
		DurationMs: st.DurationMs, TaskTimeMs: st.TaskTimeMs, Tasks: st.Tasks}
}

func sortRefs(rs []StageRef) {
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].DurationMs != rs[j].DurationMs {
			return rs[i].DurationMs > rs[j].DurationMs
		}
		return rs[i].Key < rs[j].Key
	})
}

// stageStats sums a logical stage's attempts.
func stageStats(g *stageGroup) StageStats {
	st := StageStats{StageID: g.id, Attempts: len(g.attempts)}
	var durs []int64
	for i, a := range g.attempts {
		if i == 0 {
			st.Tasks = a.NumTasks
		}
		st.Status = string(a.Status)
		st.DurationMs += a.Duration()
		m := &a.Totals
		st.TaskTimeMs += m[appmodel.RunTime]
		st.GCTimeMs += m[appmodel.GCTime]
		st.InputBytes += m[appmodel.InputBytes]
		st.InputRecords += m[appmodel.InputRecords]
		st.ShuffleReadBytes += m.ShuffleReadBytes()
		st.ShuffleReadRecords += m[appmodel.ShuffleReadRecords]
		st.ShuffleWriteBytes += m[appmodel.ShuffleWriteBytes]
		st.ShuffleWriteRecords += m[appmodel.ShuffleWriteRecords]
		st.OutputBytes += m[appmodel.OutputBytes]
		st.OutputRecords += m[appmodel.OutputRecords]
		st.MemorySpilled += m[appmodel.MemoryBytesSpilled]
		st.DiskSpilled += m[appmodel.DiskBytesSpilled]
		st.TaskAttempts += a.NumTasksSeen()
		st.FailedTasks += a.NumFailedTasks
		st.KilledTasks += a.NumKilledTasks
		a.Tasks(func(t *appmodel.Task) bool {
			switch {
			case t.Status == appmodel.TaskSuccess && t.HasMetrics:
				durs = append(durs, t.M[appmodel.Duration])
			case t.Status == appmodel.TaskFailed:
				st.FailedTaskMs += t.M[appmodel.Duration]
			}
			return true
		})
	}
	if len(durs) > 0 {
		sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
		st.TaskMedianMs = durs[len(durs)/2]
		st.TaskMaxMs = durs[len(durs)-1]
		if st.TaskMedianMs > 0 {
			st.Skew = float64(st.TaskMaxMs) / float64(st.TaskMedianMs)
		} else if st.TaskMaxMs > 0 {
			st.Skew = float64(st.TaskMaxMs)
		}
	}
	return st
}

func compareStage(b, n *stageGroup, how string, appMs int64) StageDiff {
	sd := StageDiff{Key: stageKey(n), Name: n.display, CallSite: n.callSite, Occurrence: n.occ, MatchedBy: how,
		Base: stageStats(b), New: stageStats(n)}
	sd.MovedMs = sd.New.DurationMs - sd.Base.DurationMs
	sd.Significant = abs(sd.MovedMs) >= moveFloor(appMs)
	sd.Reasons = stageReasons(&sd.Base, &sd.New)
	sd.Class = classifyStage(&sd, moveFloor(appMs))
	return sd
}

func compareJobs(base, nw *appmodel.Application) (WorkDiff, [2]map[int64]string) {
	a, b := jobsInOrder(base), jobsInOrder(nw)
	p := matchJobs(a, b)
	keys := [2]map[int64]string{{}, {}}
	w := WorkDiff{Matched: len(p.pairs), Pairs: []WorkPair{}, New: []WorkRef{}, Removed: []WorkRef{}}
	occ := func(js []*appmodel.Job) []int {
		seen := map[string]int{}
		out := make([]int, len(js))
		for i, j := range js {
			seen[jobKey(j)]++
			out[i] = seen[jobKey(j)]
		}
		return out
	}
	oa, ob := occ(a), occ(b)
	label := func(j *appmodel.Job, o int) string {
		id := j.Name
		if j.CallSite != "" && j.CallSite != j.Name {
			id += " | " + j.CallSite
		}
		return occKey(id, o)
	}
	for i, pr := range p.pairs {
		ja, jb := a[pr[0]], b[pr[1]]
		k := label(jb, ob[pr[1]])
		keys[0][int64(ja.ID)] = k
		keys[1][int64(jb.ID)] = k
		w.Pairs = append(w.Pairs, WorkPair{Key: k, BaseID: int64(ja.ID), NewID: int64(jb.ID), MatchedBy: p.how[i],
			BaseMs: ja.Duration(), NewMs: jb.Duration(), BaseStatus: string(ja.Status), NewStatus: string(jb.Status)})
	}
	for _, i := range p.onlyA {
		k := label(a[i], oa[i])
		keys[0][int64(a[i].ID)] = "removed " + k
		w.Removed = append(w.Removed, WorkRef{Key: k, ID: int64(a[i].ID), DurationMs: a[i].Duration(), Status: string(a[i].Status)})
	}
	for _, j := range p.onlyB {
		k := label(b[j], ob[j])
		keys[1][int64(b[j].ID)] = "new " + k
		w.New = append(w.New, WorkRef{Key: k, ID: int64(b[j].ID), DurationMs: b[j].Duration(), Status: string(b[j].Status)})
	}
	return w, keys
}

func sqlDuration(x *appmodel.SQLExecution) int64 {
	if x.StartTime == 0 || x.EndTime < x.StartTime {
		return 0
	}
	return x.EndTime - x.StartTime
}

func compareSQL(base, nw *appmodel.Application) (WorkDiff, [2]map[int64]string) {
	a, b := sqlInOrder(base), sqlInOrder(nw)
	p := matchSQL(a, b)
	keys := [2]map[int64]string{{}, {}}
	w := WorkDiff{Matched: len(p.pairs), Pairs: []WorkPair{}, New: []WorkRef{}, Removed: []WorkRef{}}
	occ := func(xs []*appmodel.SQLExecution) []int {
		seen := map[string]int{}
		out := make([]int, len(xs))
		for i, x := range xs {
			seen[jobkey.FirstLine(x.Description)]++
			out[i] = seen[jobkey.FirstLine(x.Description)]
		}
		return out
	}
	oa, ob := occ(a), occ(b)
	label := func(x *appmodel.SQLExecution, o int) string {
		d := jobkey.FirstLine(x.Description)
		if len(d) > 120 {
			d = d[:117] + "..."
		}
		return occKey(d, o)
	}
	for i, pr := range p.pairs {
		xa, xb := a[pr[0]], b[pr[1]]
		k := label(xb, ob[pr[1]])
		keys[0][xa.ID] = k
		keys[1][xb.ID] = k
		w.Pairs = append(w.Pairs, WorkPair{Key: k, BaseID: xa.ID, NewID: xb.ID, MatchedBy: p.how[i],
			BaseMs: sqlDuration(xa), NewMs: sqlDuration(xb), BaseStatus: xa.Status, NewStatus: xb.Status})
	}
	for _, i := range p.onlyA {
		k := label(a[i], oa[i])
		keys[0][a[i].ID] = "removed " + k
		w.Removed = append(w.Removed, WorkRef{Key: k, ID: a[i].ID, DurationMs: sqlDuration(a[i]), Status: a[i].Status})
	}
	for _, j := range p.onlyB {
		k := label(b[j], ob[j])
		keys[1][b[j].ID] = "new " + k
		w.New = append(w.New, WorkRef{Key: k, ID: b[j].ID, DurationMs: sqlDuration(b[j]), Status: b[j].Status})
	}
	return w, keys
}
