// Package lineage detects iterative programs whose lineage grows with
// every iteration, so that each iteration recomputes all the previous ones
// (LINEAGE001).
package lineage

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Detector is LINEAGE001.
var Detector = &detectors.Detector{
	ID:       "LINEAGE001",
	Name:     "long-lineage",
	Category: "lineage",
	Severity: detectors.Warning,
	Problems: []string{"long-lineage"},
	Doc: detectors.Doc{
		Title: "the lineage grows with every iteration and is recomputed each time",
		Text: `An iterative program (a loop that derives a new DataFrame or RDD from the previous one and runs an
action each round) builds an ever longer lineage when nothing cuts it. Every action then plans and runs
the whole chain from the source: round i recomputes the i - 1 rounds before it, so the work grows with
the square of the number of rounds and the plans grow until planning itself is slow (Q21).

The detector follows the application's actions in order (its SQL executions, and the jobs outside SQL)
and measures each one's lineage: the stages of its deepest job (skipped stages included: they are the
depth of the DAG), the largest RDD chain of one stage, and the operators of its SQL plan. It reports a
run of actions over which the lineage keeps growing when it ends deep: the deepest job reaches 20
stages, a stage 200 RDDs, or a plan 400 operators.

The advice computes a checkpoint interval N = round(√rounds), which balances the cost of writing a
checkpoint against the recomputation it saves, and estimates the task time saved from the measured
growth per round. Checkpointed programs (the lineage is cut every few rounds) stay quiet.`,
		Thresholds: `The corpus separates cleanly: without checkpoint the 30-round loop ends with a 32-stage job, with
checkpoint() every 5 rounds no job has more than 7 stages (check_labels.py: a job with ≥ 20 stages is
long lineage, one with fewer than 10 is not). We require at least 5 consecutive actions of growing depth,
so that a single deep query (a many-way join) is not mistaken for an iterative loop; spark-advisor's
"excessive stages" rule (≥ 5 stage names run more than once) is the closest anchor. Plans of 400
operators and stage chains of 200 RDDs are far beyond what one non-iterative query builds.`,
		Questions: []string{"Q21"},
	},
	Params: []detectors.Param{
		{Name: "minRun", Default: 5, Unit: "count", Doc: "consecutive actions over which the lineage must grow"},
		{Name: "minStages", Default: 20, Unit: "count", Doc: "stages of the deepest job at the end of the run"},
		{Name: "minStageRDDs", Default: 200, Unit: "count", Doc: "RDDs in one stage at the end of the run (narrow chains without shuffles)"},
		{Name: "minPlanNodes", Default: 400, Unit: "count", Doc: "operators of the SQL plan at the end of the run"},
		{Name: "errorShare", Default: 0.3, Unit: "share", Doc: "raise to error when the estimated saving exceeds this share of the application's duration"},
	},
	Run: run,
}

// unit is one action: a SQL execution with its jobs, or a job outside SQL.
type unit struct {
	name      string
	sql       *appmodel.SQLExecution
	jobs      []*appmodel.Job
	start     int64
	depth     int // stages of the deepest job
	deepest   *appmodel.Job
	skipped   int // skipped stages of the deepest job
	rdds      int // most RDDs in one stage
	nodes     int // operators of the final plan
	stagesRun int
	taskMs    int64
	wallMs    int64
}

func actions(a *appmodel.Application) []*unit {
	byID := map[int]*appmodel.Stage{}
	for _, st := range a.Stages {
		if old := byID[st.ID]; old == nil || st.Attempt > old.Attempt {
			byID[st.ID] = st
		}
	}
	sqlUnits := map[int64]*unit{}
	var out []*unit
	for _, j := range a.Jobs {
		var u *unit
		if j.SQLExecutionID >= 0 {
			u = sqlUnits[j.SQLExecutionID]
			if u == nil {
				u = &unit{name: fmt.Sprintf("SQL execution %d", j.SQLExecutionID), start: j.SubmissionTime}
				for _, x := range a.SQL {
					if x.ID == j.SQLExecutionID {
						u.sql = x
					}
				}
				sqlUnits[j.SQLExecutionID] = u
				out = append(out, u)
			}
		} else {
			u = &unit{name: fmt.Sprintf("job %d", j.ID), start: j.SubmissionTime}
			out = append(out, u)
		}
		u.jobs = append(u.jobs, j)
		if len(j.StageIDs) > u.depth {
			u.depth = len(j.StageIDs)
			u.deepest = j
			u.skipped = j.NumSkippedStages
		}
		for _, id := range j.StageIDs {
			st := byID[id]
			if st == nil || st.Status == appmodel.StageSkipped || !hasJob(st, j.ID) {
				continue
			}
			u.stagesRun++
			u.taskMs += st.Totals[appmodel.RunTime]
			u.rdds = max(u.rdds, len(st.RDDIDs))
		}
	}
	for _, u := range out {
		var lo, hi int64
		for _, j := range u.jobs {
			if lo == 0 || (j.SubmissionTime > 0 && j.SubmissionTime < lo) {
				lo = j.SubmissionTime
			}
			hi = max(hi, j.CompletionTime)
		}
		if hi > lo {
			u.wallMs = hi - lo
		}
		if u.sql != nil && u.sql.FinalPlan() != nil {
			u.sql.FinalPlan().Walk(func(*appmodel.PlanNode) bool { u.nodes++; return true })
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

func hasJob(st *appmodel.Stage, id int) bool {
	for _, j := range st.JobIDs {
		if j == id {
			return true
		}
	}
	return false
}

// grows reports whether b's lineage is deeper than a's by any measure,
// and no measure shrank much.
func grows(a, b *unit) bool {
	deeper := b.depth > a.depth || b.rdds > a.rdds || b.nodes > a.nodes
	shrank := b.depth < a.depth*3/4 || b.rdds < a.rdds*3/4 || (a.nodes > 0 && b.nodes < a.nodes*3/4)
	return deeper && !shrank
}

func run(p *detectors.Pass) {
	a := p.App
	us := actions(a)
	// Runs of actions over which the lineage keeps growing.
	var best []*unit
	start := 0
	for i := 1; i <= len(us); i++ {
		if i < len(us) && grows(us[i-1], us[i]) {
			continue
		}
		r := us[start:i]
		if len(r) >= int(p.Param("minRun")) && score(r) > score(best) {
			best = r
		}
		start = i
	}
	// The deepest chain of stages in one job.
	job, chain := deepestJob(a)
	switch {
	case chain >= int(p.Param("minStages")):
		report(p, job, chain, best)
	case best != nil && deep(p, best[len(best)-1]):
		report(p, best[len(best)-1].deepest, chain, best)
	}
}

// deepestJob returns the job with the longest chain of dependent stages
// (skipped stages included: they are computed earlier but still part of
// its lineage) and the chain's length.
func deepestJob(a *appmodel.Application) (*appmodel.Job, int) {
	parents := map[int][]int{}
	for _, st := range a.Stages {
		if _, ok := parents[st.ID]; !ok || st.Attempt == 0 {
			parents[st.ID] = st.ParentIDs
		}
	}
	memo := map[int]int{}
	var depth func(id int, seen map[int]bool) int
	depth = func(id int, seen map[int]bool) int {
		if d, ok := memo[id]; ok {
			return d
		}
		if seen[id] {
			return 0
		}
		seen[id] = true
		d := 1
		for _, p := range parents[id] {
			d = max(d, 1+depth(p, seen))
		}
		memo[id] = d
		return d
	}
	var best *appmodel.Job
	bestD := 0
	for _, j := range a.Jobs {
		for _, id := range j.StageIDs {
			if d := depth(id, map[int]bool{}); d > bestD {
				best, bestD = j, d
			}
		}
	}
	return best, bestD
}

func deep(p *detectors.Pass, u *unit) bool {
	return float64(u.depth) >= p.Param("minStages") || float64(u.rdds) >= p.Param("minStageRDDs") ||
		float64(u.nodes) >= p.Param("minPlanNodes")
}

func score(us []*unit) int64 {
	var t int64
	for _, u := range us {
		t += u.taskMs + 1
	}
	return t
}

func report(p *detectors.Pass, job *appmodel.Job, chain int, run []*unit) {
	a := p.App
	// The action of the deepest job.
	var act *unit
	for _, u := range actions(a) {
		for _, j := range u.jobs {
			if j == job {
				act = u
			}
		}
	}
	if act == nil && len(run) > 0 {
		act = run[len(run)-1]
	}
	if act == nil {
		return
	}
	exchanges, joins, replans := 0, 0, 0
	if act.sql != nil {
		replans = len(act.sql.Plans)
		if fp := act.sql.FinalPlan(); fp != nil {
			fp.Walk(func(n *appmodel.PlanNode) bool {
				switch {
				case strings.HasPrefix(n.Name, "Exchange"):
					exchanges++
				case strings.Contains(n.Name, "Join"):
					joins++
				}
				return true
			})
		}
	}
	// Checkpoint interval: about the square root of the iterations (the
	// rounds of a growing run, else the stage chain), which balances the
	// cost of writing a checkpoint against the recomputation it saves.
	iters := chain
	if len(run) > 0 {
		iters = max(iters, len(run))
	}
	every := max(2, int(math.Round(math.Sqrt(float64(iters)))))

	f := detectors.Finding{Evidence: []detectors.Evidence{
		detectors.EvT("longest chain of dependent stages in one job", float64(chain), "count", "≥", p.Param("minStages")),
	}}
	if job != nil {
		f.Subject = detectors.JobSubject(job)
		f.Evidence = append(f.Evidence, detectors.Ev("stages of that job", float64(len(job.StageIDs)), "count"),
			detectors.Ev("of them skipped (computed by earlier jobs)", float64(job.NumSkippedStages), "count"))
		var st *appmodel.Stage
		for _, s := range a.Stages {
			if hasJob(s, job.ID) && s.Status != appmodel.StageSkipped && (st == nil || s.ID > st.ID) {
				st = s
			}
		}
		if st != nil {
			f.CallSite = detectors.CallSite(a, st)
		}
	} else {
		f.Subject = detectors.AppSubject(a)
	}
	if act.nodes > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("plan operators", float64(act.nodes), "count"),
			detectors.Ev("exchanges (shuffles) in the plan", float64(exchanges), "count"),
			detectors.Ev("joins in the plan", float64(joins), "count"))
	}
	if replans > 1 {
		f.Evidence = append(f.Evidence, detectors.Ev("plan versions (AQE re-plans)", float64(replans), "count"))
	}
	f.Evidence = append(f.Evidence, detectors.Ev("suggested checkpoint interval", float64(every), "count"))

	// Impact: the action(s) that carry the lineage; the saving, when the
	// lineage is re-run by a sequence of actions, is their work above what
	// each would cost with the lineage cut every `every` actions.
	var taskMs, wallMs int64
	var saveTask float64
	if len(run) >= 2 {
		first, last := run[0], run[len(run)-1]
		inc := float64(last.taskMs-first.taskMs) / float64(len(run)-1)
		stagesRun := 0
		for k, u := range run {
			taskMs += u.taskMs
			wallMs += u.wallMs
			stagesRun += u.stagesRun
			saveTask += math.Max(float64(u.taskMs)-(float64(first.taskMs)+float64(k%every)*inc), 0)
		}
		f.Evidence = append(f.Evidence,
			detectors.EvT("consecutive actions with growing lineage", float64(len(run)), "count", "≥", p.Param("minRun")),
			detectors.Ev("stages run by those actions", float64(stagesRun), "count"),
			detectors.Ev("estimated task time recomputed", saveTask, "ms"))
	} else {
		taskMs, wallMs = act.taskMs, act.wallMs
		// Driver time between the action's jobs: planning the long plan
		// again after each stage.
		var gaps int64
		for i := 1; i < len(act.jobs); i++ {
			if g := act.jobs[i].SubmissionTime - act.jobs[i-1].CompletionTime; g > 0 {
				gaps += g
			}
		}
		if gaps > 0 {
			f.Evidence = append(f.Evidence, detectors.Ev("driver time between the action's jobs (re-planning)", float64(gaps), "ms"))
			// Planning time grows with the plan: cut every `every` stages,
			// the plans are about every/chain of their size.
			if chain > every {
				saveTask, taskMs = float64(gaps)*(1-float64(every)/float64(chain)), 0
			}
		}
	}
	saveWall := int64(saveTask) // driver time saved (single action)
	if taskMs > 0 {
		saveWall = int64(saveTask * float64(wallMs) / float64(taskMs))
	} else {
		taskMs = act.taskMs
	}
	f.Impact = detectors.Impact{WallClockMs: wallMs, WallClockShare: detectors.ShareOf(wallMs, detectors.AppDuration(a)),
		TaskTimeMs: taskMs, TaskTimeShare: detectors.ShareOf(taskMs, detectors.TotalTaskTime(a)), SavingsMs: min(saveWall, wallMs)}
	if float64(f.Impact.SavingsMs) > p.Param("errorShare")*float64(detectors.AppDuration(a)) {
		f.Severity = detectors.Error
	}
	if act.sql != nil {
		f.Subject.SQLExecutionID = detectors.Ptr(act.sql.ID)
	}

	who := act.name
	if l := label(act); l != "" {
		who += " " + l
	}
	if job != nil {
		who = fmt.Sprintf("job %d of %s", job.ID, who)
	}
	rddPath := chain < int(p.Param("minStages")) && len(run) >= 2
	f.Message = fmt.Sprintf("Long lineage: %s runs a chain of %d dependent stages", who, chain)
	if rddPath {
		f.Message = fmt.Sprintf("Long lineage: the RDD chain of one stage grew from %d to %d RDDs over %d consecutive actions (%s … %s)",
			run[0].rdds, run[len(run)-1].rdds, len(run), run[0].name, act.name)
		f.Evidence = append(f.Evidence, detectors.Ev("most RDDs in one stage, first action", float64(run[0].rdds), "count"),
			detectors.EvT("most RDDs in one stage, last action", float64(run[len(run)-1].rdds), "count", "≥", p.Param("minStageRDDs")))
	}
	if job != nil && job.NumSkippedStages > 0 {
		f.Message += fmt.Sprintf(" (%d of its %d stages skipped: computed by the jobs before it)", job.NumSkippedStages, len(job.StageIDs))
	}
	if exchanges > 0 {
		f.Message += fmt.Sprintf("; its plan has %d operators and %d shuffles", act.nodes, exchanges)
		if replans > 1 {
			f.Message += fmt.Sprintf(", re-planned %d times", replans-1)
		}
	}
	switch {
	case rddPath:
		f.Message += fmt.Sprintf(", each recomputing the ones before it (about %s of task time)", units.Millis(int64(saveTask)))
	case len(run) >= 2:
		f.Message += fmt.Sprintf("; the lineage grew over %d consecutive actions, each recomputing the ones before it (about %s of task time)",
			len(run), units.Millis(int64(saveTask)))
	}
	f.Advice = detectors.Advice{Questions: []string{"Q21"},
		Explanation: fmt.Sprintf("An iterative loop that derives each round from the previous one without materializing it builds one ever longer "+
			"lineage: every action plans and runs the whole chain from the source, a failure late in the chain recomputes all of it, and "+
			"the plan grows until planning is slow. Cut the lineage every %d iterations (about the square root of the %d here, which balances "+
			"the cost of writing a checkpoint against what it saves): checkpoint() writes the data to the checkpoint directory and truncates "+
			"the plan; localCheckpoint() keeps it on the executors (faster, but lost with an executor). cache() alone does not shorten the plan.", every, iters),
		Changes: []detectors.Change{{Suggested: fmt.Sprintf("df = df.checkpoint() every %d iterations", every),
			Why: fmt.Sprintf("df = df.checkpoint() every %d iterations: %s", every, cutWhy(rddPath, every, chain, run))}},
		Snippet: fmt.Sprintf(`spark.sparkContext.setCheckpointDir("hdfs:///tmp/checkpoints")  # a local dir in local mode
for i in range(1, rounds + 1):
    df = step(df, i)
    if i %% %d == 0:
        df = df.checkpoint()   # or df.localCheckpoint(): cuts the lineage here`, every)}
	p.Report(f)
}

func cutWhy(rddPath bool, every, chain int, run []*unit) string {
	if rddPath {
		per := (run[len(run)-1].rdds - run[0].rdds) / max(len(run)-1, 1)
		return fmt.Sprintf("keeps every stage under about %d RDDs instead of %d", run[0].rdds+per*every, run[len(run)-1].rdds)
	}
	return fmt.Sprintf("keeps every job under about %d dependent stages instead of %d", every+2, chain)
}

// label is an action's description, when it has one.
func label(u *unit) string {
	d := ""
	if u.sql != nil {
		d = u.sql.Description
	}
	if d == "" && len(u.jobs) > 0 {
		d = u.jobs[0].Description
	}
	d = strings.TrimSpace(d)
	if i := strings.IndexByte(d, '\n'); i >= 0 {
		d = d[:i]
	}
	if len(d) > 40 {
		d = d[:40] + "…"
	}
	if d == "" {
		return ""
	}
	return fmt.Sprintf("%q", d)
}
