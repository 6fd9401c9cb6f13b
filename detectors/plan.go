package detectors

import (
	"regexp"
	"strings"

	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// StageNodes returns the plan nodes of the stage's SQL execution that ran in
// the stage: the nodes whose metrics were updated by the stage's tasks. When
// the log does not tell (no task metric updates), it returns every node of
// the final plan.
func StageNodes(a *appmodel.Application, st *appmodel.Stage) []*appmodel.PlanNode {
	x := SQLExecution(a, st)
	if x == nil || x.FinalPlan() == nil {
		return nil
	}
	var ran, all []*appmodel.PlanNode
	x.FinalPlan().Walk(func(n *appmodel.PlanNode) bool {
		all = append(all, n)
		for _, m := range n.Metrics {
			if m.RanIn(st.ID) {
				ran = append(ran, n)
				break
			}
		}
		return true
	})
	if len(ran) > 0 {
		return ran
	}
	return all
}

// FindNode returns the first node among nodes whose name starts with one of
// the prefixes.
func FindNode(nodes []*appmodel.PlanNode, prefixes ...string) *appmodel.PlanNode {
	for _, n := range nodes {
		for _, p := range prefixes {
			if strings.HasPrefix(n.Name, p) {
				return n
			}
		}
	}
	return nil
}

var (
	attrRe    = regexp.MustCompile(`([A-Za-z_][\w.]*)#\d+L?`)
	hashPart  = regexp.MustCompile(`hashpartitioning\(([^)]*)\)`)
	aggKeys   = regexp.MustCompile(`keys=\[([^\]]*)\]`)
	joinKeys  = regexp.MustCompile(`^\w+Join \[([^\]]*)\], \[([^\]]*)\]`)
	windowPby = regexp.MustCompile(`windowspecdefinition\(([^,)]*)`)
)

// Columns returns the column names referenced in a plan fragment
// ("country#1, id#0L" → country, id), without duplicates.
func Columns(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range attrRe.FindAllStringSubmatch(s, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

// KeyColumns returns the grouping, join or partitioning key columns of a
// node, read from its simpleString.
func KeyColumns(n *appmodel.PlanNode) []string {
	s := n.SimpleString
	for _, re := range []*regexp.Regexp{joinKeys, aggKeys, hashPart, windowPby} {
		if m := re.FindStringSubmatch(s); m != nil {
			return Columns(m[1])
		}
	}
	return nil
}
