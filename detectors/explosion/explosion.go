// Package explosion detects operators that multiply rows (EXPL001):
// cartesian products and nested-loop joins, explode (Generate), joins on
// duplicated keys, and collect_list / collect_set on a low-cardinality key.
package explosion

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Detector is EXPL001.
var Detector = &detectors.Detector{
	ID:       "EXPL001",
	Name:     "row-explosion",
	Category: "rows",
	Severity: detectors.Warning,
	Problems: []string{"row-explosion"},
	Doc: detectors.Doc{
		Title: "an operator multiplies the rows it reads",
		Text: `Compares each operator's output rows with the rows that flow into it (the "number of output
rows" of the nearest operators below each input) and reports the ones that blow the data up (Q12):

- **cartesian products and nested-loop joins** (CartesianProduct, BroadcastNestedLoopJoin): a join
  without an equality condition compares every row of one side with every row of the other; the
  work is the product of the input rows, whatever the condition keeps;
- **explode** (Generate): every input row becomes as many rows as its array has elements, and each
  copies the other selected columns;
- **joins on duplicated keys** (sort-merge, shuffled-hash and broadcast-hash joins): when many rows
  on both sides share a key the output is far larger than both inputs, often a wrong or missing join
  condition (Q12, Q2);
- **collect_list / collect_set on a low-cardinality key** (ObjectHashAggregate, SortAggregate):
  millions of values gathered into a handful of groups, each list built in one task's memory and
  shuffled as a single huge record (Q12, Q2, Q4).

The finding gives the rows in and out, the condition, generator or key from the plan, the stage and
its time, and the rewrite that avoids the blow-up.`,
		Thresholds: `Sparklens prints each stage's output/input ratio without a verdict, spark-advisor flags
shuffle writes over 3x the stage input, and DataFlint flags cross joins past 10 billion scanned rows
(a cluster-sized limit). We report an operator that produces (or, for nested loops, compares) at
least 10 M rows and at least 10 times the rows it reads, so that a small cross join in a test job
stays quiet while a 20 M-pair nested loop or a 30 M-row explode is reported; collect_list /
collect_set from 1 M input rows and 100,000 rows per group. The finding is an error when the stage
takes 30% of the application and the operator makes 100 M rows or more.`,
		Questions: []string{"Q12", "Q2", "Q4"},
	},
	Params: []detectors.Param{
		{Name: "minRows", Default: 10_000_000, Unit: "count", Doc: "least rows an operator must produce (or compare, for nested loops)"},
		{Name: "minRatio", Default: 10, Unit: "ratio", Doc: "output (or compared pairs) over input rows"},
		{Name: "minCollectRows", Default: 1_000_000, Unit: "count", Doc: "least input rows of a collect_list / collect_set aggregation"},
		{Name: "minRowsPerGroup", Default: 100_000, Unit: "count", Doc: "input rows per group of a collect_list / collect_set aggregation"},
		{Name: "errorShare", Default: 0.3, Unit: "share", Doc: "stage share of the application's duration from which a large explosion is an error"},
	},
	Run: run,
}

var (
	idSuffix    = regexp.MustCompile(`#\d+L?`)
	nlCondRe    = regexp.MustCompile(`^\w+ \w+, \w+(?:, (.*))?$`)
	generatorRe = regexp.MustCompile(`^Generate (\w+\(.*?\)), \[`)
	aggKeysRe   = regexp.MustCompile(`keys?=\[([^\]]*)\]`)
	collectRe   = regexp.MustCompile(`(?:^|[^_\w])(collect_list|collect_set)\(`)
)

// clean removes expression ids ("start#11L" → "start").
func clean(s string) string { return idSuffix.ReplaceAllString(s, "") }

func run(p *detectors.Pass) {
	a := p.App
	for _, x := range a.SQL {
		if x.FinalPlan() == nil {
			continue
		}
		for _, n := range detectors.Nodes(x, "") {
			name := n.Name
			switch {
			case strings.HasPrefix(name, "CartesianProduct") || strings.HasPrefix(name, "BroadcastNestedLoopJoin"):
				nestedLoop(p, x, n)
			case strings.HasPrefix(name, "Generate"):
				generate(p, x, n)
			case strings.HasPrefix(name, "SortMergeJoin") || strings.HasPrefix(name, "ShuffledHashJoin") || strings.HasPrefix(name, "BroadcastHashJoin"):
				join(p, x, n)
			case strings.HasPrefix(name, "ObjectHashAggregate") || strings.HasPrefix(name, "SortAggregate") || strings.HasPrefix(name, "HashAggregate"):
				collect(p, x, n)
			}
		}
	}
}

func inputs(n *appmodel.PlanNode) ([]int64, int64, bool) {
	ins := detectors.RowsInto(n)
	var total int64
	for _, v := range ins {
		if v < 0 {
			return nil, 0, false
		}
		total += v
	}
	return ins, total, len(ins) > 0
}

func opName(n *appmodel.PlanNode) string {
	op := n.Name
	if i := strings.IndexByte(op, '('); i > 0 {
		op = op[:i]
	}
	return strings.TrimSpace(op)
}

func nestedLoop(p *detectors.Pass, x *appmodel.SQLExecution, n *appmodel.PlanNode) {
	ins, total, ok := inputs(n)
	out := detectors.MetricValue(n, "number of output rows")
	if !ok || len(ins) != 2 || out < 0 {
		return
	}
	pairs := ins[0] * ins[1]
	work := max(pairs, out)
	ratio := float64(work) / float64(max(total, 1))
	if float64(work) < p.Param("minRows") || ratio < p.Param("minRatio") {
		return
	}
	cond := ""
	if m := nlCondRe.FindStringSubmatch(n.SimpleString); m != nil {
		cond = clean(m[1])
	}
	f := newFinding(p, x, n, work)
	f.Evidence = append(f.Evidence,
		detectors.Ev("left input rows", float64(ins[0]), "count"),
		detectors.Ev("right input rows", float64(ins[1]), "count"),
		detectors.EvT("row pairs compared", float64(pairs), "count", "≥", p.Param("minRows")),
		detectors.Ev("output rows", float64(out), "count"),
		detectors.EvT("pairs / input rows", ratio, "ratio", "≥", p.Param("minRatio")))
	left, right := names(n.Children[0]), names(n.Children[1])
	on := "with no join condition"
	if cond != "" {
		on = "on " + cond
	}
	f.Message = fmt.Sprintf("SQL %d %s compared %s rows (%s) × %s rows (%s) = %s row pairs %s, keeping %s",
		x.ID, opName(n), units.Count(ins[0]), left, units.Count(ins[1]), right, units.Count(pairs), on, units.Count(out))
	f.Advice = detectors.Advice{Questions: []string{"Q12", "Q2"},
		Explanation: fmt.Sprintf("A join without an equality condition cannot hash or sort its inputs: it compares every row of %s with every row of %s "+
			"(%s pairs here) and keeps those that pass the condition. The work grows with the product of the inputs. Add an equality condition "+
			"on a key both sides share; for a range condition, bin both sides on a coarse key (e.g. the range's bucket) and join on the bin plus the range; "+
			"or shrink both sides (filter, aggregate) before the join.", left, right, units.Count(pairs)),
		Changes: []detectors.Change{{Why: "join on an equality key (or a coarse bin of the range) so Spark can use a hash or sort-merge join instead of a nested loop"}},
		Snippet: `from pyspark.sql import functions as F
# bin both sides on a coarse key so the join has an equality condition
a = a.withColumn("bin", (F.col("opened") / 100).cast("int"))
b = b.withColumn("bin", F.explode(F.sequence(F.lit(0), (F.col("start") / 100).cast("int"))))
joined = a.join(b, "bin").where(F.col("start") >= F.col("opened"))`,
	}
	p.Report(f)
}

func generate(p *detectors.Pass, x *appmodel.SQLExecution, n *appmodel.PlanNode) {
	_, in, ok := inputs(n)
	out := detectors.MetricValue(n, "number of output rows")
	if !ok || out < 0 || in <= 0 {
		return
	}
	ratio := float64(out) / float64(in)
	if float64(out) < p.Param("minRows") || ratio < p.Param("minRatio") {
		return
	}
	gen := "the generator"
	if m := generatorRe.FindStringSubmatch(n.SimpleString); m != nil {
		gen = clean(m[1])
		if strings.Contains(gen, "UnsafeArrayData@") || strings.Contains(gen, "@") {
			gen = gen[:strings.IndexByte(gen, '(')] + "(array)"
		}
	}
	f := newFinding(p, x, n, out)
	f.Evidence = append(f.Evidence,
		detectors.Ev("input rows", float64(in), "count"),
		detectors.EvT("output rows", float64(out), "count", "≥", p.Param("minRows")),
		detectors.EvT("output / input rows", ratio, "ratio", "≥", p.Param("minRatio")))
	f.Message = fmt.Sprintf("SQL %d %s turned %s rows into %s (%s per row)", x.ID, gen, units.Count(in), units.Count(out), perRow(ratio))
	f.Advice = detectors.Advice{Questions: []string{"Q12"},
		Explanation: fmt.Sprintf("%s makes one output row per array element, copying the other selected columns into each: %s rows became %s. "+
			"Everything after it (shuffles, sorts, aggregations) handles the multiplied rows. Aggregate or filter the arrays without exploding them "+
			"(aggregate, filter, transform, size, array_contains), select only the columns needed before the explode, and explode as late as possible, "+
			"after filters and joins have reduced the rows.", gen, units.Count(in), units.Count(out)),
		Changes: []detectors.Change{{Why: fmt.Sprintf("reduce the rows before %s, or work on the arrays with higher-order functions instead of exploding them", gen)}},
		Snippet: `from pyspark.sql import functions as F
# instead of df.select("id", F.explode("items")).groupBy(...).count():
per_order = df.select("id", F.size("items").alias("n_items"),
                      F.aggregate("items", F.lit(0), lambda acc, x: acc + x).alias("items_sum"))`,
	}
	p.Report(f)
}

func join(p *detectors.Pass, x *appmodel.SQLExecution, n *appmodel.PlanNode) {
	ins, total, ok := inputs(n)
	out := detectors.MetricValue(n, "number of output rows")
	if !ok || out < 0 || total <= 0 {
		return
	}
	ratio := float64(out) / float64(total)
	if float64(out) < p.Param("minRows") || ratio < p.Param("minRatio") {
		return
	}
	keys := detectors.KeyColumns(n)
	on := "the join key"
	if len(keys) > 0 {
		on = strings.Join(keys, ", ")
	}
	f := newFinding(p, x, n, out)
	for i, v := range ins {
		f.Evidence = append(f.Evidence, detectors.Ev(fmt.Sprintf("input %d rows", i+1), float64(v), "count"))
	}
	f.Evidence = append(f.Evidence,
		detectors.EvT("output rows", float64(out), "count", "≥", p.Param("minRows")),
		detectors.EvT("output / input rows", ratio, "ratio", "≥", p.Param("minRatio")))
	f.Message = fmt.Sprintf("SQL %d %s on %s produced %s rows from %s input rows (%s): the key repeats on both sides",
		x.ID, opName(n), on, units.Count(out), units.Count(total), units.Ratio(ratio))
	f.Advice = detectors.Advice{Questions: []string{"Q12", "Q2"},
		Explanation: fmt.Sprintf("Each row matches every row of the other side with the same %s, so keys that repeat on both sides multiply: "+
			"%s rows came out of %s. Check that the join condition is complete (a missing key column joins far more rows than intended), "+
			"and deduplicate or aggregate one side to one row per key before the join.", on, units.Count(out), units.Count(total)),
		Changes: []detectors.Change{{Why: fmt.Sprintf("make %s unique on one side (dropDuplicates / groupBy before the join) or add the missing key columns to the condition", on)}},
	}
	p.Report(f)
}

func collect(p *detectors.Pass, x *appmodel.SQLExecution, n *appmodel.PlanNode) {
	s := n.SimpleString
	m := collectRe.FindStringSubmatch(s)
	if m == nil || strings.Contains(s, "partial_collect") || strings.Contains(s, "merge_collect") {
		return
	}
	groups := detectors.MetricValue(n, "number of output rows")
	if groups <= 0 {
		return
	}
	// The rows that were collected: the input of the partial aggregation
	// below, or this one's when it aggregates in one step.
	var partial *appmodel.PlanNode
	n.Walk(func(c *appmodel.PlanNode) bool {
		if partial == nil && c != n && strings.Contains(c.SimpleString, "partial_"+m[1]) {
			partial = c
		}
		return partial == nil
	})
	src := n
	if partial != nil {
		src = partial
	}
	_, in, ok := inputs(src)
	if !ok || float64(in) < p.Param("minCollectRows") || float64(in)/float64(groups) < p.Param("minRowsPerGroup") {
		return
	}
	perGroup := in / groups
	keys := detectors.KeyColumns(n)
	if len(keys) == 0 {
		if km := aggKeysRe.FindStringSubmatch(s); km != nil {
			keys = detectors.Columns(km[1])
		}
	}
	key := "the grouping key"
	if len(keys) > 0 {
		key = strings.Join(keys, ", ")
	}
	fn := fmt.Sprintf("%s(%s)", m[1], collectArg(s, m[1]))
	f := newFinding(p, x, n, in)
	f.Evidence = append(f.Evidence,
		detectors.EvT("rows collected", float64(in), "count", "≥", p.Param("minCollectRows")),
		detectors.Ev("groups", float64(groups), "count"),
		detectors.EvT("rows per group", float64(perGroup), "count", "≥", p.Param("minRowsPerGroup")))
	// The shuffle between the partial and the final aggregation carries the
	// partial lists: a few records of many MiB each.
	var recBytes int64
	if ex := exchangeBelow(n); ex != nil {
		recs := detectors.MetricValue(ex, "shuffle records written")
		bytes := detectors.FirstMetric(ex, "data size", "shuffle bytes written")
		if recs > 0 && bytes > 0 {
			recBytes = bytes / recs
			f.Evidence = append(f.Evidence,
				detectors.Ev("shuffled bytes", float64(bytes), "bytes"),
				detectors.Ev("bytes per shuffled record", float64(recBytes), "bytes"))
		}
	}
	if v := detectors.MetricValue(n, "spill size"); v > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("spill", float64(v), "bytes"))
	}
	if v := detectors.MetricValue(n, "peak memory"); v > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("peak memory", float64(v), "bytes"))
	}
	f.Message = fmt.Sprintf("SQL %d %s grouped by %s gathered %s rows into %s groups (%s values per list)",
		x.ID, fn, key, units.Count(in), units.Count(groups), units.Count(perGroup))
	if recBytes > 0 {
		f.Message += fmt.Sprintf("; the shuffle carried %s per record", units.Bytes(recBytes))
	}
	f.Advice = detectors.Advice{Questions: []string{"Q12", "Q2", "Q4"},
		Explanation: fmt.Sprintf("%s keeps every value of a group in one in-memory list: with only %s groups, each task builds lists of ~%s values "+
			"and the shuffle moves them as a few huge records, so the work cannot spread over more tasks than there are groups and memory grows with the data. "+
			"Aggregate to scalars instead (count, sum, approx_count_distinct, max_by), group by a higher-cardinality key, or cap the lists "+
			"(slice, or collect only a sample); when the lists are the output, write the rows partitioned by %s instead of collecting them.",
			fn, units.Count(groups), units.Count(perGroup), key),
		Changes: []detectors.Change{{Why: fmt.Sprintf("replace %s by a scalar aggregate or group by a finer key than %s", fn, key)}},
	}
	p.Report(f)
}

// exchangeBelow returns the first Exchange under an aggregation.
func exchangeBelow(n *appmodel.PlanNode) *appmodel.PlanNode {
	for _, c := range n.Children {
		if ex := detectors.FirstExchange(c); ex != nil {
			return ex
		}
	}
	return nil
}

func names(n *appmodel.PlanNode) string {
	ns := detectors.SourceNames(n)
	if len(ns) == 0 {
		return "its input"
	}
	return strings.Join(ns, ", ")
}

// newFinding fills what every EXPL001 finding has: where, the impact and
// the severity.
func newFinding(p *detectors.Pass, x *appmodel.SQLExecution, n *appmodel.PlanNode, rows int64) detectors.Finding {
	a := p.App
	stage := detectors.LongestStage(a, detectors.NodeStages(n))
	f := detectors.Finding{
		Subject:     detectors.NodeSubject(x, n, stage),
		CallSite:    detectors.SQLCallSite(a, x),
		SQLOperator: opName(n),
	}
	if stage != nil {
		f.Impact = detectors.StageImpact(a, stage, 0)
		f.CallSite = detectors.CallSite(a, stage)
	} else {
		f.Impact = detectors.SQLImpact(a, x, 0)
	}
	if f.Impact.WallClockShare >= p.Param("errorShare") && float64(rows) >= 10*p.Param("minRows") {
		f.Severity = detectors.Error
	}
	return f
}

func perRow(r float64) string {
	if r >= 10 {
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.1f", r)
}

// collectArg returns the collected expression of the first fn(...) call in
// s, without expression ids and with a struct's field names written once:
// "collect_list(struct(ts, ts#1, id, id#2L), 0, 0)" → "struct(ts, id)".
func collectArg(s, fn string) string {
	i := strings.Index(s, fn+"(")
	if i < 0 {
		return "…"
	}
	args := topLevel(s[i+len(fn)+1:])
	if len(args) == 0 {
		return "…"
	}
	arg := clean(strings.TrimSpace(args[0]))
	if strings.HasPrefix(arg, "named_struct(") || strings.HasPrefix(arg, "struct(") {
		open := strings.IndexByte(arg, '(')
		var fields []string
		for _, f := range topLevel(arg[open+1:]) {
			f = strings.TrimSpace(f)
			if len(fields) == 0 || fields[len(fields)-1] != f {
				fields = append(fields, f)
			}
		}
		arg = "struct(" + strings.Join(fields, ", ") + ")"
	}
	if len(arg) > 80 {
		arg = arg[:77] + "..."
	}
	return arg
}

// topLevel splits the arguments of a call, s starting right after its
// opening parenthesis, at the commas outside nested parentheses.
func topLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(', '[':
			depth++
		case ')', ']':
			if depth == 0 {
				return append(out, s[start:i])
			}
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}
