package diff

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/jobkey"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Pairing inside a group of items that share a key (stages with one name
// and call site, jobs with one name, SQL executions with one description).
//
// Each item has a signature: what it does, with no ids, times or amounts
// (those change from run to run). The two ordered groups are aligned like
// the lines of two files in a diff: identical signatures anchor the
// alignment, and between anchors the items pair with the most alike ones;
// an item with no partner is new or removed work. A group of the same
// length and the same signatures, position by position, is paired in order
// without any alignment.

// Pair scores. Every pair of one group scores at least 1, so an alignment
// never leaves a BASE item and a NEW item unpaired side by side. Identical
// signatures score sigEqual, more than two pairs of different signatures
// together (partial signature scores are at most partialMax, and context
// bonuses at most contextMax, in all less than sigEqual/2): an insertion
// never makes the alignment give up an identical pair for two lesser ones.
const (
	sigEqual   = 40
	partialMax = 10
	contextMax = 5
)

// alignMaxCells bounds the alignment table (BASE items × NEW items). A
// larger group (a loop that ran hundreds of stages) is first trimmed of its
// common first and last items; what is left, if still too large, is paired
// in order.
const alignMaxCells = 1 << 18

// groupMatcher describes the items of one kind for the alignment.
type groupMatcher struct {
	// sig is the item's signature (side 0 is BASE, 1 is NEW); nil pairs a
	// group in order.
	sig func(side, i int) string
	// score rates a pair of BASE item i and NEW item j of one group with
	// different signatures: from 1 to partialMax.
	score func(i, j int) int
	// bonus breaks ties between alike pairs: from 0 to contextMax. May be
	// nil.
	bonus func(i, j int) int
}

func (g *groupMatcher) pairScore(i, j int) int {
	s := sigEqual
	if g.sig(0, i) != g.sig(1, j) {
		s = min(max(g.score(i, j), 1), partialMax)
	}
	if g.bonus != nil {
		s += min(max(g.bonus(i, j), 0), contextMax)
	}
	return s
}

// align pairs the BASE items a with the NEW items b, both in order, all of
// one key, and returns the pairs.
func (g *groupMatcher) align(a, b []int) [][2]int {
	if len(a) == 0 || len(b) == 0 {
		return nil
	}
	if g.sig == nil || g.sameSigs(a, b) {
		return inOrder(a, b)
	}
	if len(a)*len(b) <= alignMaxCells {
		return g.finish(a, b, g.dp(a, b))
	}
	// Too large: trim the common head and tail, align the rest if it fits,
	// else pair it in order.
	lo := 0
	for lo < len(a) && lo < len(b) && g.sig(0, a[lo]) == g.sig(1, b[lo]) {
		lo++
	}
	ha, hb := len(a), len(b)
	for ha > lo && hb > lo && g.sig(0, a[ha-1]) == g.sig(1, b[hb-1]) {
		ha--
		hb--
	}
	out := inOrder(a[:lo], b[:lo])
	ma, mb := a[lo:ha], b[lo:hb]
	if len(ma)*len(mb) <= alignMaxCells {
		out = append(out, g.finish(ma, mb, g.dp(ma, mb))...)
	} else {
		out = append(out, inOrder(ma, mb)...)
	}
	return append(out, inOrder(a[ha:], b[hb:])...)
}

// sameSigs reports whether a and b have the same length and the same
// signatures, position by position.
func (g *groupMatcher) sameSigs(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if g.sig(0, a[k]) != g.sig(1, b[k]) {
			return false
		}
	}
	return true
}

// inOrder pairs the k-th of a with the k-th of b.
func inOrder(a, b []int) [][2]int {
	n := min(len(a), len(b))
	out := make([][2]int, n)
	for k := 0; k < n; k++ {
		out[k] = [2]int{a[k], b[k]}
	}
	return out
}

// dp is the alignment proper: the order-keeping pairing of a and b with
// the highest total score, unpaired items costing nothing. Ties leave the
// later items unpaired (a NEW item before a BASE one), so that among equal
// items the k-th still pairs with the k-th and the extra ones come last.
func (g *groupMatcher) dp(a, b []int) [][2]int {
	n, m := len(a), len(b)
	w := m + 1
	t := make([]int32, (n+1)*w)
	for i := 1; i <= n; i++ {
		for j := 1; j <= m; j++ {
			best := t[(i-1)*w+j]
			if v := t[i*w+j-1]; v > best {
				best = v
			}
			if v := t[(i-1)*w+j-1] + int32(g.pairScore(a[i-1], b[j-1])); v > best {
				best = v
			}
			t[i*w+j] = best
		}
	}
	var rev [][2]int
	for i, j := n, m; i > 0 && j > 0; {
		switch v := t[i*w+j]; {
		case v == t[i*w+j-1]:
			j--
		case v == t[(i-1)*w+j]:
			i--
		default:
			rev = append(rev, [2]int{a[i-1], b[j-1]})
			i--
			j--
		}
	}
	slices.Reverse(rev)
	return rev
}

// finish pairs what the alignment left on both sides: items whose partner
// went elsewhere in the order (two stages swapped). Identical signatures
// first, then the rest in order: they share the key.
func (g *groupMatcher) finish(a, b []int, pairs [][2]int) [][2]int {
	if len(pairs) == min(len(a), len(b)) {
		return pairs
	}
	usedA, usedB := map[int]bool{}, map[int]bool{}
	for _, p := range pairs {
		usedA[p[0]], usedB[p[1]] = true, true
	}
	var la, lb []int
	for _, i := range a {
		if !usedA[i] {
			la = append(la, i)
		}
	}
	for _, j := range b {
		if !usedB[j] {
			lb = append(lb, j)
		}
	}
	taken := make([]bool, len(la))
	var restB []int
	for _, j := range lb {
		found := false
		for k, i := range la {
			if !taken[k] && g.sig(0, i) == g.sig(1, j) {
				taken[k] = true
				pairs = append(pairs, [2]int{i, j})
				found = true
				break
			}
		}
		if !found {
			restB = append(restB, j)
		}
	}
	var restA []int
	for k, i := range la {
		if !taken[k] {
			restA = append(restA, i)
		}
	}
	return append(pairs, inOrder(restA, restB)...)
}

// Stage signatures.

// Flags of a stage's signature: what it reads and writes.
const (
	sigInput = 1 << iota
	sigShuffleRead
	sigShuffleWrite
	sigOutput
)

// stageSig is what a logical stage does, independent of ids, times and
// amounts.
type stageSig struct {
	flags   int      // sigInput... : which kinds of input and output it has
	parents int      // number of parent stages
	ops     []string // RDD kinds and operator scopes, digits masked, sorted, unique
	text    string   // all of the above, for equality
	job     int      // the job that ran it (-1 when none): context, not signature
	tasks   int      // partitions of the first attempt: a tie-breaker
}

// stageSigs computes the signatures of the groups of one application.
func stageSigs(app *appmodel.Application, gs []*stageGroup) []stageSig {
	rdds := map[int]*appmodel.RDD{}
	if app != nil {
		for _, r := range app.RDDs {
			rdds[r.ID] = r
		}
	}
	scopes := map[string]string{}
	out := make([]stageSig, len(gs))
	for k, g := range gs {
		s := stageSig{job: -1}
		ops := map[string]bool{}
		for n, a := range g.attempts {
			if n == 0 {
				s.tasks = a.NumTasks
			}
			m := &a.Totals
			if m[appmodel.InputBytes] > 0 || m[appmodel.InputRecords] > 0 {
				s.flags |= sigInput
			}
			if m.ShuffleReadBytes() > 0 || m[appmodel.ShuffleReadRecords] > 0 {
				s.flags |= sigShuffleRead
			}
			if m[appmodel.ShuffleWriteBytes] > 0 || m[appmodel.ShuffleWriteRecords] > 0 {
				s.flags |= sigShuffleWrite
			}
			if m[appmodel.OutputBytes] > 0 || m[appmodel.OutputRecords] > 0 {
				s.flags |= sigOutput
			}
			s.parents = max(s.parents, len(a.ParentIDs))
			for _, j := range a.JobIDs {
				if s.job < 0 || j < s.job {
					s.job = j
				}
			}
			for _, id := range a.RDDIDs {
				r := rdds[id]
				if r == nil {
					continue
				}
				if r.Name != "" {
					ops["rdd:"+jobkey.MaskDigits(r.Name)] = true
				}
				if r.Scope != "" {
					name, ok := scopes[r.Scope]
					if !ok {
						name = scopeName(r.Scope)
						scopes[r.Scope] = name
					}
					if name != "" {
						ops["op:"+name] = true
					}
				}
			}
		}
		for o := range ops {
			s.ops = append(s.ops, o)
		}
		slices.Sort(s.ops)
		s.text = strconv.Itoa(s.flags) + "|" + strconv.Itoa(s.parents) + "|" + strings.Join(s.ops, "\x01")
		out[k] = s
	}
	return out
}

// scopeName is the operator name of an RDD scope ({"id":"10","name":
// "Exchange"}), digits masked ("WholeStageCodegen (#)").
func scopeName(scope string) string {
	var v struct {
		Name string `json:"name"`
	}
	if json.Unmarshal([]byte(scope), &v) != nil {
		return ""
	}
	return jobkey.MaskDigits(strings.TrimSpace(v.Name))
}

// stageScore rates two stages of different signatures, 1 to partialMax:
// 1, one per kind of input or output both have or both lack (4), one for
// the same number of parents, and up to 4 for the operators in common.
func stageScore(a, b *stageSig) int {
	s := 1
	for f := sigInput; f <= sigOutput; f <<= 1 {
		if a.flags&f == b.flags&f {
			s++
		}
	}
	if a.parents == b.parents {
		s++
	}
	return s + jaccard4(a.ops, b.ops)
}

// taskBonus is 2 for the same number of partitions, 1 within a factor of
// two, else 0.
func taskBonus(a, b int) int {
	switch {
	case a == b:
		return 2
	case a > 0 && b > 0 && a <= 2*b && b <= 2*a:
		return 1
	}
	return 0
}

// jaccard4 is 4 × |a ∩ b| / |a ∪ b| of two sorted sets, rounded; 4 when
// both are empty.
func jaccard4(a, b []string) int {
	if len(a) == 0 && len(b) == 0 {
		return 4
	}
	inter := jobkey.Intersect(a, b)
	union := len(a) + len(b) - inter
	return (8*inter + union) / (2 * union)
}

// Job signatures: how many stages the job lists, how many it skipped (their
// output was already there), whether a SQL execution ran it.

func jobSig(j *appmodel.Job) string {
	return strconv.Itoa(len(j.StageIDs)) + "|" + strconv.Itoa(j.NumSkippedStages) + "|" + strconv.FormatBool(j.SQLExecutionID >= 0)
}

func jobScore(a, b *appmodel.Job) int {
	s := 1
	if len(a.StageIDs) == len(b.StageIDs) {
		s += 4
	}
	if a.NumSkippedStages == b.NumSkippedStages {
		s += 2
	}
	if (a.SQLExecutionID >= 0) == (b.SQLExecutionID >= 0) {
		s += 2
	}
	return s
}

// SQL signatures: whether the execution ran jobs, and the operators of its
// final plan.

type sqlSig struct {
	jobs bool
	ops  []string
	text string
}

func sqlSigs(xs []*appmodel.SQLExecution) []sqlSig {
	out := make([]sqlSig, len(xs))
	for k, x := range xs {
		s := sqlSig{jobs: len(x.JobIDs) > 0}
		ops := map[string]bool{}
		x.FinalPlan().Walk(func(n *appmodel.PlanNode) bool {
			ops[jobkey.MaskDigits(strings.TrimSpace(n.Name))] = true
			return true
		})
		for o := range ops {
			s.ops = append(s.ops, o)
		}
		slices.Sort(s.ops)
		s.text = strconv.FormatBool(s.jobs) + "|" + strings.Join(s.ops, "\x01")
		out[k] = s
	}
	return out
}

func sqlScore(a, b *sqlSig) int {
	s := 1
	if a.jobs == b.jobs {
		s += 2
	}
	return s + jaccard4(a.ops, b.ops)
}
