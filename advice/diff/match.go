package diff

import (
	"sort"
	"strconv"

	"github.com/sparkdiag/sparkdiag/advice/jobkey"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// How a pair was matched.
const (
	// MatchedExact: same name and call site; among several of them, paired
	// by an alignment of their signatures (see groupMatcher).
	MatchedExact = "exact"
	// MatchedName: same name, among the stages (or jobs) left over by the
	// exact pass, paired likewise; the call site differs (another Spark
	// version reports another internal frame, a line moved in the code).
	MatchedName = "name"
)

// stageGroup is one logical stage: every attempt of one stage id, skipped
// attempts left out.
type stageGroup struct {
	app      *appmodel.Application // the run it belongs to
	id       int
	attempts []*appmodel.Stage
	name     string
	// display is the name reports show (appmodel.DisplayName); name, the
	// raw one, is what stages are matched by.
	display  string
	callSite string
	first    int64 // first submission (or task launch), for the order
	occ      int   // occurrence of its identity (name and call site), from 1
}

// identity is the stage's name and call site.
func (g *stageGroup) identity() string { return g.name + "\x00" + g.callSite }

// stageGroups merges the attempts of each stage, drops skipped stages and
// stages that never ran, and returns them in the order they ran (first
// submission, then id), each with its occurrence number.
func stageGroups(app *appmodel.Application) []*stageGroup {
	byID := map[int]*stageGroup{}
	var out []*stageGroup
	for _, s := range app.Stages {
		if skipped(s) {
			continue
		}
		g := byID[s.ID]
		if g == nil {
			g = &stageGroup{app: app, id: s.ID, name: s.Name, display: app.DisplayName(s), callSite: jobkey.FirstFrame(s.Details)}
			byID[s.ID] = g
			out = append(out, g)
		}
		g.attempts = append(g.attempts, s)
		t := s.SubmissionTime
		if t == 0 {
			t = s.FirstTaskLaunchedTime
		}
		if t != 0 && (g.first == 0 || t < g.first) {
			g.first = t
		}
	}
	for _, g := range out {
		sort.Slice(g.attempts, func(i, j int) bool { return g.attempts[i].Attempt < g.attempts[j].Attempt })
		if g.callSite == "" {
			for _, a := range g.attempts {
				if f := jobkey.FirstFrame(a.Details); f != "" {
					g.callSite = f
					break
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if (a.first == 0) != (b.first == 0) {
			return a.first != 0 // stages with a time first
		}
		if a.first != b.first {
			return a.first < b.first
		}
		return a.id < b.id
	})
	seen := map[string]int{}
	for _, g := range out {
		seen[g.identity()]++
		g.occ = seen[g.identity()]
	}
	return out
}

// skipped reports whether a stage attempt did not run: skipped by the
// scheduler (its output was already there) or never submitted.
func skipped(s *appmodel.Stage) bool {
	if s.Status == appmodel.StageSkipped {
		return true
	}
	return s.Status == appmodel.StagePending && s.SubmissionTime == 0 && s.NumTasksSeen() == 0
}

// pairing is the result of matching two ordered lists: pairs of indexes,
// how each pair was matched, and the indexes left on each side.
type pairing struct {
	pairs   [][2]int
	how     []string
	onlyA   []int
	onlyB   []int
	aToPair map[int]int
	bToPair map[int]int
}

// match pairs the items of two ordered lists: first the items of each
// exact key with those of the same key on the other side, then, among what
// is left, the items of each loose key likewise. Inside a key the items are
// aligned by their signatures (see groupMatcher); with no signatures (g nil
// or g.sig nil) the i-th is paired with the i-th. Pairs come in the order of
// list b (then a) so that the output follows the new run.
func match(na, nb int, exact, loose func(side, i int) string, g *groupMatcher) pairing {
	if g == nil {
		g = &groupMatcher{}
	}
	p := pairing{aToPair: map[int]int{}, bToPair: map[int]int{}}
	usedA := make([]bool, na)
	usedB := make([]bool, nb)
	type pr struct {
		a, b int
		how  string
	}
	var prs []pr
	pass := func(key func(side, i int) string, how string) {
		if key == nil {
			return
		}
		// The groups of each key, in order of their first NEW item.
		groupA := map[string][]int{}
		for i := 0; i < na; i++ {
			if !usedA[i] {
				k := key(0, i)
				groupA[k] = append(groupA[k], i)
			}
		}
		groupB := map[string][]int{}
		var keys []string
		for j := 0; j < nb; j++ {
			if usedB[j] {
				continue
			}
			k := key(1, j)
			if _, ok := groupA[k]; !ok {
				continue
			}
			if _, ok := groupB[k]; !ok {
				keys = append(keys, k)
			}
			groupB[k] = append(groupB[k], j)
		}
		for _, k := range keys {
			for _, q := range g.align(groupA[k], groupB[k]) {
				usedA[q[0]], usedB[q[1]] = true, true
				prs = append(prs, pr{q[0], q[1], how})
			}
		}
	}
	pass(exact, MatchedExact)
	pass(loose, MatchedName)
	sort.Slice(prs, func(x, y int) bool { return prs[x].b < prs[y].b })
	for _, q := range prs {
		p.aToPair[q.a] = len(p.pairs)
		p.bToPair[q.b] = len(p.pairs)
		p.pairs = append(p.pairs, [2]int{q.a, q.b})
		p.how = append(p.how, q.how)
	}
	for i, u := range usedA {
		if !u {
			p.onlyA = append(p.onlyA, i)
		}
	}
	for j, u := range usedB {
		if !u {
			p.onlyB = append(p.onlyB, j)
		}
	}
	return p
}

// matchStages pairs the logical stages of two runs by name and call site,
// then by name alone; inside a group, by the stages' signatures, the job
// that ran them (when the jobs were paired) and their partitions.
func matchStages(a, b []*stageGroup) pairing {
	var appA, appB *appmodel.Application
	if len(a) > 0 {
		appA = a[0].app
	}
	if len(b) > 0 {
		appB = b[0].app
	}
	sa, sb := stageSigs(appA, a), stageSigs(appB, b)
	// The jobs' pairing, by job id.
	jobPair := map[int]int{}
	if appA != nil && appB != nil {
		ja, jb := jobsInOrder(appA), jobsInOrder(appB)
		for _, pr := range matchJobs(ja, jb).pairs {
			jobPair[ja[pr[0]].ID] = jb[pr[1]].ID
		}
	}
	sigs := [2][]stageSig{sa, sb}
	g := &groupMatcher{
		sig:   func(side, i int) string { return sigs[side][i].text },
		score: func(i, j int) int { return stageScore(&sa[i], &sb[j]) },
		bonus: func(i, j int) int {
			s := taskBonus(sa[i].tasks, sb[j].tasks)
			if sa[i].job >= 0 {
				if nj, ok := jobPair[sa[i].job]; ok && nj == sb[j].job {
					s += 3
				}
			}
			return s
		},
	}
	return match(len(a), len(b),
		func(side, i int) string {
			if side == 0 {
				return a[i].identity()
			}
			return b[i].identity()
		},
		func(side, i int) string {
			if side == 0 {
				return a[i].name
			}
			return b[i].name
		}, g)
}

// jobsInOrder returns the jobs by submission time, then id.
func jobsInOrder(app *appmodel.Application) []*appmodel.Job {
	js := append([]*appmodel.Job(nil), app.Jobs...)
	sort.SliceStable(js, func(i, j int) bool {
		if js[i].SubmissionTime != js[j].SubmissionTime {
			return js[i].SubmissionTime < js[j].SubmissionTime
		}
		return js[i].ID < js[j].ID
	})
	return js
}

func jobKey(j *appmodel.Job) string { return j.Name + "\x00" + j.CallSite }

// matchJobs pairs jobs by name and call site, then by name alone; inside a
// group, by the jobs' signatures and their tasks.
func matchJobs(a, b []*appmodel.Job) pairing {
	var sigs [2][]string
	for side, js := range [2][]*appmodel.Job{a, b} {
		for _, j := range js {
			sigs[side] = append(sigs[side], jobSig(j))
		}
	}
	g := &groupMatcher{
		sig:   func(side, i int) string { return sigs[side][i] },
		score: func(i, j int) int { return jobScore(a[i], b[j]) },
		bonus: func(i, j int) int { return taskBonus(a[i].NumTasks, b[j].NumTasks) },
	}
	return match(len(a), len(b),
		func(side, i int) string {
			if side == 0 {
				return jobKey(a[i])
			}
			return jobKey(b[i])
		},
		func(side, i int) string {
			if side == 0 {
				return a[i].Name
			}
			return b[i].Name
		}, g)
}

// sqlInOrder returns the SQL executions by start time, then id.
func sqlInOrder(app *appmodel.Application) []*appmodel.SQLExecution {
	xs := append([]*appmodel.SQLExecution(nil), app.SQL...)
	sort.SliceStable(xs, func(i, j int) bool {
		if xs[i].StartTime != xs[j].StartTime {
			return xs[i].StartTime < xs[j].StartTime
		}
		return xs[i].ID < xs[j].ID
	})
	return xs
}

// matchSQL pairs SQL executions by description; inside a group, by the
// executions' signatures.
func matchSQL(a, b []*appmodel.SQLExecution) pairing {
	desc := func(side, i int) string {
		if side == 0 {
			return jobkey.FirstLine(a[i].Description)
		}
		return jobkey.FirstLine(b[i].Description)
	}
	sigs := [2][]sqlSig{sqlSigs(a), sqlSigs(b)}
	g := &groupMatcher{
		sig:   func(side, i int) string { return sigs[side][i].text },
		score: func(i, j int) int { return sqlScore(&sigs[0][i], &sigs[1][j]) },
	}
	// Recurring jobs often put the day, a batch number or a path with a
	// date in the description: the loose pass ignores the digits.
	return match(len(a), len(b), desc, func(side, i int) string { return jobkey.MaskDigits(desc(side, i)) }, g)
}

// occKey is "identity #occ" for display and finding keys.
func occKey(ident string, occ int) string {
	return ident + " #" + strconv.Itoa(occ)
}
