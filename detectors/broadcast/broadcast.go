// Package broadcast detects broadcast joins whose broadcast side is too
// large for the driver (BCAST001) and sort-merge joins that shuffle a large
// table to meet a small one that could have been broadcast (BCAST002).
package broadcast

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

const (
	mib              = 1 << 20
	defaultThreshold = 10 * mib
	thresholdKey     = "spark.sql.autoBroadcastJoinThreshold"
	timeoutKey       = "spark.sql.broadcastTimeout"
)

// TooLarge is BCAST001.
var TooLarge = &detectors.Detector{
	ID:       "BCAST001",
	Name:     "broadcast-too-large",
	Category: "joins",
	Severity: detectors.Warning,
	Problems: []string{"broadcast-too-large"},
	Doc: detectors.Doc{
		Title: "a broadcast join broadcasts a table too large for the driver",
		Text: `A broadcast join collects the whole build side to the driver, builds a hash table of it there and
ships a copy to every executor. That is cheap for a small dimension table and dangerous for a large
one: the driver must hold the rows and the hash table at once, every executor holds a copy, and the
join cannot start before the broadcast is done (Q8, Q2).

For every BroadcastExchange of an SQL execution the detector reads "data size" (the built
relation), "number of output rows" and the time to collect, build and broadcast it, and reports a
broadcast that is large, or slow against spark.sql.broadcastTimeout (default 300 s). It also
reports executions that failed in a broadcast (broadcast timeout, "Not enough memory to build and
broadcast the table", the 8 GB / 512M-row limits, a driver OutOfMemoryError in a query that
broadcasts) and, as info, a spark.sql.autoBroadcastJoinThreshold raised past a quarter of the
driver heap when no broadcast was large yet.

The advice names the broadcast table and join keys, and gives the threshold that sends this join
back to a sort-merge join (or the merge hint), or, when the broadcast should stay, the driver memory
and timeout it needs.`,
		Thresholds: `DataFlint warns about broadcasts over 1 GB, Compass about broadcasts of more than 5 M rows,
and spark-rapids-tools comments on thresholds over 100 MB; Spark's own default threshold is 10 MB.
We report a broadcast from 100 MiB (ten times Spark's default threshold and the size at which
spark-rapids-tools starts to comment: someone raised the threshold, and the driver collects and
builds it on every run; Spark 4's long-keyed hash relations of a few thousand rows already reach
64 MiB), from half of spark.sql.broadcastTimeout spent
collecting, building and sending it, and as an error from a quarter of the driver heap or 80% of
the timeout. A broadcast with over 16 KiB per row is judged by its time only: "data size" then
mostly counts the hash table's preallocated pages (a 50-row table shows 32 MiB), not data.`,
		Questions: []string{"Q8", "Q2", "Q7"},
	},
	Params: []detectors.Param{
		{Name: "minBytes", Default: 100 * mib, Unit: "bytes", Doc: "broadcast data size from which it is reported"},
		{Name: "maxBytesPerRow", Default: 16 << 10, Unit: "bytes", Doc: "above this data size per row the size is mostly hash-table pages and only the time is judged"},
		{Name: "slowShare", Default: 0.5, Unit: "share", Doc: "time to collect, build and broadcast as a share of spark.sql.broadcastTimeout from which it is reported"},
		{Name: "errorTimeoutShare", Default: 0.8, Unit: "share", Doc: "share of the broadcast timeout from which the finding is an error"},
		{Name: "errorDriverShare", Default: 0.25, Unit: "share", Doc: "data size as a share of the driver heap from which the finding is an error"},
		{Name: "thresholdDriverShare", Default: 0.25, Unit: "share", Doc: "a spark.sql.autoBroadcastJoinThreshold above this share of the driver heap is reported (info)"},
	},
	Run: runTooLarge,
}

// Missed is BCAST002.
var Missed = &detectors.Detector{
	ID:       "BCAST002",
	Name:     "broadcast-missed",
	Category: "joins",
	Severity: detectors.Warning,
	Problems: []string{"broadcast-missed"},
	Doc: detectors.Doc{
		Title: "a sort-merge join shuffles a large table to meet a small one",
		Text: `For every SortMergeJoin and ShuffledHashJoin of an SQL execution, measures what each side shuffled
(the "data size" of the Exchange below it, else its shuffle bytes written). When one side that the
join type allows to broadcast is small and the other is large, the large side was shuffled and
sorted only to meet a table that fits in every executor: a broadcast hash join would read the large
side once, without a shuffle (Q7).

The finding says why Spark did not broadcast: broadcast joins disabled
(spark.sql.autoBroadcastJoinThreshold=-1), a threshold below the small side, or a size estimate
above the threshold although the real size was below it. The advice gives a threshold above the
measured small side and the broadcast() hint with the table and key names from the plan, and
estimates the time saved from the shuffle write and sort time of the large side.`,
		Thresholds: `DataFlint proposes broadcasting when a sort-merge join's small side is under 10 MB (more
for much larger big sides); spark-advisor flags a disabled or under-10 MB threshold. We report a
small side of at most 10 MiB against a large side of at least 64 MiB and 10 times the small one, so
joins of two small tables in test jobs stay quiet. The finding is an error when the estimated saving
(the large side's shuffle write and sort time spread over the task slots) exceeds 30% of the
application's duration.`,
		Questions: []string{"Q7", "Q9"},
	},
	Params: []detectors.Param{
		{Name: "maxSmallBytes", Default: 10 * mib, Unit: "bytes", Doc: "largest small side that should have been broadcast"},
		{Name: "minLargeBytes", Default: 64 * mib, Unit: "bytes", Doc: "least data the large side must shuffle"},
		{Name: "minRatio", Default: 10, Unit: "ratio", Doc: "large side over small side"},
		{Name: "errorShare", Default: 0.3, Unit: "share", Doc: "raise to error when the estimated saving exceeds this share of the application's duration"},
	},
	Run: runMissed,
}

// --- BCAST001

var broadcastFailRe = regexp.MustCompile(`(?i)(could not execute broadcast|not enough memory to build and broadcast|cannot broadcast the table|` +
	`spark\.sql\.broadcastTimeout|BroadcastExchangeExec|broadcast.{0,40}(timeout|timed out|OutOfMemory))`)

func runTooLarge(p *detectors.Pass) {
	a := p.App
	driverHeap := detectors.HeapBytes(a, "spark.driver.memory", 1<<30)
	reported := false
	for _, x := range a.SQL {
		if x.FinalPlan() == nil {
			continue
		}
		bcasts := detectors.Nodes(x, "BroadcastExchange")
		bcasts = append(bcasts, detectors.Nodes(x, "GpuBroadcastExchange")...)
		if failed(p, x, bcasts) {
			reported = true
			continue
		}
		timeoutMs := broadcastTimeoutMs(a, x)
		for _, n := range bcasts {
			size := detectors.MetricValue(n, "data size")
			rows := detectors.MetricValue(n, "number of output rows")
			collect := max(detectors.MetricValue(n, "time to collect"), 0)
			build := max(detectors.MetricValue(n, "time to build"), 0)
			send := max(detectors.MetricValue(n, "time to broadcast"), 0)
			total := collect + build + send
			sizeReliable := size >= 0 && (rows <= 0 || float64(size)/float64(rows) <= p.Param("maxBytesPerRow"))
			big := sizeReliable && float64(size) >= p.Param("minBytes")
			slow := timeoutMs > 0 && float64(total) >= p.Param("slowShare")*float64(timeoutMs)
			if !big && !slow {
				continue
			}
			reportLarge(p, x, n, size, rows, collect, build, send, timeoutMs, driverHeap, big, slow)
			reported = true
		}
	}
	if !reported {
		reportThreshold(p, driverHeap)
	}
}

// broadcastTimeoutMs reads spark.sql.broadcastTimeout (seconds, or a
// duration such as "600s" or "10min"); 300 s by default. A timeout ≤ 0
// means no timeout (0 is returned).
func broadcastTimeoutMs(a *appmodel.Application, x *appmodel.SQLExecution) int64 {
	v, ok := detectors.SQLConf(a, x, timeoutKey)
	if !ok {
		return 300_000
	}
	v = strings.ToLower(strings.TrimSpace(v))
	mult := int64(1000)
	for _, u := range []struct {
		s string
		m int64
	}{{"ms", 1}, {"min", 60_000}, {"m", 60_000}, {"h", 3_600_000}, {"s", 1000}} {
		if strings.HasSuffix(v, u.s) {
			v, mult = strings.TrimSpace(strings.TrimSuffix(v, u.s)), u.m
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 300_000
	}
	if n <= 0 {
		return 0
	}
	return n * mult
}

// joinOf returns the join a broadcast feeds.
func joinOf(x *appmodel.SQLExecution, n *appmodel.PlanNode) *appmodel.PlanNode {
	parents := detectors.PlanParents(x.FinalPlan())
	for p := parents[n]; p != nil; p = parents[p] {
		if strings.Contains(p.Name, "Join") || strings.HasPrefix(p.Name, "CartesianProduct") {
			return p
		}
		if !strings.HasPrefix(p.Name, "BroadcastQueryStage") && !strings.HasPrefix(p.Name, "InputAdapter") &&
			!strings.HasPrefix(p.Name, "ReusedExchange") && !strings.HasPrefix(p.Name, "WholeStageCodegen") {
			return nil
		}
	}
	return nil
}

func reportLarge(p *detectors.Pass, x *appmodel.SQLExecution, n *appmodel.PlanNode, size, rows, collect, build, send, timeoutMs, driverHeap int64, big, slow bool) {
	a := p.App
	total := collect + build + send
	stage := detectors.LongestStage(a, detectors.NodeStages(n))
	join := joinOf(x, n)
	tables := detectors.SourceNames(n)
	var keys []string
	if join != nil {
		keys = detectors.KeyColumns(join)
	}
	thr := detectors.SQLConfInt(a, x, thresholdKey, defaultThreshold)

	f := detectors.Finding{
		Subject:     detectors.NodeSubject(x, n, stage),
		CallSite:    detectors.SQLCallSite(a, x),
		SQLOperator: "BroadcastExchange",
	}
	if size >= 0 {
		if big {
			f.Evidence = append(f.Evidence, detectors.EvT("broadcast data size", float64(size), "bytes", "≥", p.Param("minBytes")))
		} else {
			f.Evidence = append(f.Evidence, detectors.Ev("broadcast data size", float64(size), "bytes"))
		}
	}
	if rows >= 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("broadcast rows", float64(rows), "count"))
	}
	f.Evidence = append(f.Evidence,
		detectors.Ev("time to collect", float64(collect), "ms"),
		detectors.Ev("time to build", float64(build), "ms"),
		detectors.Ev("time to broadcast", float64(send), "ms"))
	if slow {
		f.Evidence = append(f.Evidence, detectors.EvT("broadcast time / timeout", float64(total)/float64(timeoutMs), "share", "≥", p.Param("slowShare")))
	} else if timeoutMs > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("broadcast time / timeout", float64(total)/float64(timeoutMs), "share"))
	}
	f.Evidence = append(f.Evidence,
		detectors.Ev("spark.sql.autoBroadcastJoinThreshold", float64(thr), "bytes"),
		detectors.Ev("driver heap", float64(driverHeap), "bytes"))
	if size >= 0 && driverHeap > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("data size / driver heap", float64(size)/float64(driverHeap), "share"))
	}
	f.Impact = detectors.Impact{WallClockMs: total, WallClockShare: share(total, detectors.AppDuration(a))}
	if stage != nil {
		f.Impact.TaskTimeMs = stage.Totals[appmodel.RunTime]
		f.Impact.TaskTimeShare = share(f.Impact.TaskTimeMs, detectors.TotalTaskTime(a))
	}
	if (size >= 0 && big && float64(size) >= p.Param("errorDriverShare")*float64(driverHeap)) ||
		(timeoutMs > 0 && float64(total) >= p.Param("errorTimeoutShare")*float64(timeoutMs)) {
		f.Severity = detectors.Error
	}

	what := "a table"
	if len(tables) > 0 {
		what = strings.Join(tables, ", ")
	}
	on := ""
	if len(keys) > 0 {
		on = " on " + strings.Join(keys, ", ")
	}
	sz := "a table"
	if size >= 0 && (big || float64(size) <= p.Param("maxBytesPerRow")*float64(max(rows, 1))) {
		sz = units.Bytes(size)
	}
	f.Message = fmt.Sprintf("SQL %d broadcast %s (%s rows of %s) for a join%s: %s to collect, build and send it from the driver",
		x.ID, sz, units.Count(max(rows, 0)), what, on, units.Millis(total))
	if thr > defaultThreshold {
		f.Message += fmt.Sprintf(" (spark.sql.autoBroadcastJoinThreshold=%s)", detectors.Current(a, thresholdKey))
	}

	adv := detectors.Advice{Questions: []string{"Q8", "Q2", "Q7"}}
	adv.Explanation = fmt.Sprintf("A broadcast join first collects the whole build side (%s) to the driver, builds a hash table of it there "+
		"and sends a copy to every executor; the join waits until that is done, and the driver and every executor must hold the table. "+
		"Here that took %s. Past a few tens of MiB a sort-merge join, which shuffles both sides but keeps no table in one JVM, is the safer plan; "+
		"if the broadcast is wanted, the driver needs room for the rows and the hash table together, and the timeout must cover the time it takes.",
		what, units.Millis(total))
	if big && size > 0 {
		if thr > size || thr > defaultThreshold {
			sugg := int64(defaultThreshold)
			adv.Changes = append(adv.Changes, detectors.Change{Key: thresholdKey, Current: detectors.Current(a, thresholdKey), Suggested: detectors.SizeSetting(sugg),
				Why: fmt.Sprintf("below the %s broadcast here, so this join is planned as a sort-merge join again", units.Bytes(size))})
		} else {
			adv.Changes = append(adv.Changes, detectors.Change{Suggested: "merge join hint",
				Why: fmt.Sprintf("Spark estimated %s below the threshold (%s) but it was %s: ask for a sort-merge join with the MERGE hint", what, units.Bytes(thr), units.Bytes(size))})
		}
		need := 4 * size // rows + hash table + serialized copy, with room to spare
		if need > driverHeap/2 {
			adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.driver.memory", Current: detectors.Current(a, "spark.driver.memory"),
				Suggested: detectors.HeapSetting(max(driverHeap, 2*need)),
				Why:       fmt.Sprintf("only if this broadcast must stay: the driver holds the collected rows and the %s hash table at once", units.Bytes(size))})
		}
	}
	if slow || (timeoutMs > 0 && float64(total) >= 0.3*float64(timeoutMs)) {
		sugg := max(ceilDiv(2*total, 60_000)*60, 600)
		adv.Changes = append(adv.Changes, detectors.Change{Key: timeoutKey, Current: detectors.Current(a, timeoutKey), Suggested: strconv.FormatInt(sugg, 10),
			Why: fmt.Sprintf("only if the broadcast must stay: it took %s of the %s allowed; a growing table will hit the timeout", units.Millis(total), units.Millis(timeoutMs))})
	}
	adv.Snippet = mergeHintSnippet(tables, keys)
	f.Advice = adv
	p.Report(f)
}

func mergeHintSnippet(tables, keys []string) string {
	small := "small"
	if len(tables) > 0 {
		small = identifier(tables[0])
	}
	on := `"key"`
	if len(keys) > 0 {
		q := make([]string, len(keys))
		for i, k := range keys {
			q[i] = strconv.Quote(k)
		}
		on = strings.Join(q, ", ")
		if len(keys) > 1 {
			on = "[" + on + "]"
		}
	}
	return fmt.Sprintf(`# ask for a sort-merge join instead of broadcasting %[1]s
joined = big.join(%[1]s.hint("merge"), %[2]s)
# or for the whole session: spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "10m")`, small, on)
}

// identifier makes a Python variable name of a table or path name.
func identifier(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c >= '0' && c <= '9' && b.Len() > 0:
			b.WriteRune(c)
		default:
			if b.Len() > 0 {
				b.WriteByte('_')
			}
		}
	}
	s = strings.Trim(b.String(), "_")
	if s == "" {
		return "small"
	}
	return s
}

// failed reports an execution that failed in a broadcast; it returns
// whether it did.
func failed(p *detectors.Pass, x *appmodel.SQLExecution, bcasts []*appmodel.PlanNode) bool {
	a := p.App
	msg := x.ErrorMessage
	if msg == "" {
		for _, id := range x.JobIDs {
			if j := jobByID(a, id); j != nil && j.Status == appmodel.JobFailed && j.FailureReason != "" {
				msg = j.FailureReason
				break
			}
		}
	}
	if msg == "" {
		return false
	}
	match := broadcastFailRe.MatchString(msg)
	if !match && len(bcasts) > 0 && strings.Contains(msg, "OutOfMemoryError") && !strings.Contains(msg, "stage failure") {
		// A driver-side OOM (not a task's) in a query that broadcasts.
		match = true
	}
	if !match {
		return false
	}
	var n *appmodel.PlanNode
	if len(bcasts) > 0 {
		n = bcasts[0]
		for _, b := range bcasts {
			if detectors.MetricValue(b, "data size") > detectors.MetricValue(n, "data size") {
				n = b
			}
		}
	}
	driverHeap := detectors.HeapBytes(a, "spark.driver.memory", 1<<30)
	thr := detectors.SQLConfInt(a, x, thresholdKey, defaultThreshold)
	f := detectors.Finding{
		Severity: detectors.Error,
		Subject:  detectors.NodeSubject(x, n, nil),
		CallSite: detectors.SQLCallSite(a, x),
		Evidence: []detectors.Evidence{
			detectors.Ev("spark.sql.autoBroadcastJoinThreshold", float64(thr), "bytes"),
			detectors.Ev("driver heap", float64(driverHeap), "bytes"),
			detectors.Ev("broadcast timeout", float64(broadcastTimeoutMs(a, x)), "ms"),
		},
		Impact: detectors.SQLImpact(a, x, 0),
	}
	if n != nil {
		f.SQLOperator = "BroadcastExchange"
		if v := detectors.MetricValue(n, "data size"); v >= 0 {
			f.Evidence = append(f.Evidence, detectors.Ev("broadcast data size", float64(v), "bytes"))
		}
		if v := detectors.MetricValue(n, "number of output rows"); v >= 0 {
			f.Evidence = append(f.Evidence, detectors.Ev("broadcast rows", float64(v), "count"))
		}
	}
	summary := exceptionLine(msg)
	f.Message = fmt.Sprintf("SQL %d failed while broadcasting a join side: %s", x.ID, summary)
	timeout := strings.Contains(strings.ToLower(msg), "timeout") || strings.Contains(strings.ToLower(msg), "could not execute broadcast")
	adv := detectors.Advice{Questions: []string{"Q8", "Q2"}}
	if timeout {
		adv.Explanation = "The broadcast side took longer to collect, build and send than spark.sql.broadcastTimeout allows. Usually the table grew past " +
			"what should be broadcast: plan a sort-merge join instead; raise the timeout only if the broadcast is wanted and merely slow."
	} else {
		adv.Explanation = "The driver could not hold the broadcast side: it collects all its rows and builds a hash table of them before sending it to the executors. " +
			"Let the join fall back to a sort-merge join (lower the threshold or use the MERGE hint), or give the driver more memory if the broadcast is wanted."
	}
	adv.Changes = append(adv.Changes, detectors.Change{Key: thresholdKey, Current: detectors.Current(a, thresholdKey), Suggested: detectors.SizeSetting(defaultThreshold),
		Why: "broadcast only small tables; larger joins fall back to a sort-merge join"})
	if timeout {
		adv.Changes = append(adv.Changes, detectors.Change{Key: timeoutKey, Current: detectors.Current(a, timeoutKey), Suggested: "900",
			Why: "only if the broadcast is wanted and merely slow"})
	} else {
		adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.driver.memory", Current: detectors.Current(a, "spark.driver.memory"), Suggested: detectors.HeapSetting(2 * driverHeap),
			Why: "only if the broadcast is wanted: room for the collected rows and the hash table"})
	}
	f.Advice = adv
	p.Report(f)
	return true
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// reportThreshold reports a threshold raised so high that a table the
// driver cannot hold may be broadcast.
func reportThreshold(p *detectors.Pass, driverHeap int64) {
	a := p.App
	v, ok := detectors.SQLConf(a, nil, thresholdKey)
	for _, x := range a.SQL {
		if w, set := x.ModifiedConfigs[thresholdKey]; set {
			v, ok = w, true
		}
	}
	if !ok {
		return
	}
	thr, err := detectors.ParseSize(v)
	if err != nil || thr <= defaultThreshold || float64(thr) < p.Param("thresholdDriverShare")*float64(driverHeap) {
		return
	}
	f := detectors.Finding{
		Severity: detectors.Info,
		Subject:  detectors.Subject{Kind: detectors.SubjectConfig, ConfigKey: thresholdKey, Name: thresholdKey},
		Evidence: []detectors.Evidence{
			detectors.Ev("spark.sql.autoBroadcastJoinThreshold", float64(thr), "bytes"),
			detectors.Ev("driver heap", float64(driverHeap), "bytes"),
			detectors.EvT("threshold / driver heap", float64(thr)/float64(driverHeap), "share", "≥", p.Param("thresholdDriverShare")),
		},
		Message: fmt.Sprintf("spark.sql.autoBroadcastJoinThreshold=%s lets Spark broadcast tables up to %s with a %s driver heap; no broadcast was large in this run",
			v, units.Bytes(thr), units.Bytes(driverHeap)),
		Advice: detectors.Advice{Questions: []string{"Q8", "Q7"},
			Explanation: "Every table estimated below the threshold is collected to the driver and copied to every executor. A threshold near the driver's heap " +
				"turns a table that grows into a driver OutOfMemoryError or a broadcast timeout. Keep the global threshold small and broadcast chosen tables with a hint.",
			Changes: []detectors.Change{{Key: thresholdKey, Current: v, Suggested: detectors.SizeSetting(max(defaultThreshold, driverHeap/16)),
				Why: "a sixteenth of the driver heap at most; use broadcast() for the tables you know are small"}},
		},
	}
	p.Report(f)
}

// --- BCAST002

var joinTypeRe = regexp.MustCompile(`^\w+(?:\([^)]*\))?\s+\[[^\]]*\],\s+\[[^\]]*\],\s+(\w+)`)

// buildable reports which sides a broadcast hash join could build for a
// join type: left, right.
func buildable(joinType string) (bool, bool) {
	switch joinType {
	case "Inner", "Cross", "":
		return true, true
	case "LeftOuter", "LeftSemi", "LeftAnti", "ExistenceJoin":
		return false, true
	case "RightOuter":
		return true, false
	default: // FullOuter
		return false, false
	}
}

type side struct {
	exchange *appmodel.PlanNode
	bytes    int64 // data size, else shuffle bytes written
	written  int64 // shuffle bytes written
	rows     int64
	names    []string
	build    bool
	child    *appmodel.PlanNode
}

func measure(child *appmodel.PlanNode, canBuild bool) side {
	s := side{bytes: -1, written: -1, rows: -1, build: canBuild, child: child}
	ex := detectors.FirstExchange(child)
	if ex == nil {
		return s
	}
	s.exchange = ex
	s.written = detectors.MetricValue(ex, "shuffle bytes written")
	s.bytes = detectors.MetricValue(ex, "data size")
	if s.bytes < 0 {
		s.bytes = s.written
	}
	s.rows = detectors.MetricValue(ex, "shuffle records written")
	s.names = detectors.SourceNames(ex)
	return s
}

func runMissed(p *detectors.Pass) {
	a := p.App
	for _, x := range a.SQL {
		if x.FinalPlan() == nil {
			continue
		}
		for _, n := range detectors.Nodes(x, "") {
			if !strings.HasPrefix(n.Name, "SortMergeJoin") && !strings.HasPrefix(n.Name, "ShuffledHashJoin") {
				continue
			}
			if len(n.Children) != 2 {
				continue
			}
			jt := ""
			if m := joinTypeRe.FindStringSubmatch(n.SimpleString); m != nil {
				jt = m[1]
			}
			bl, br := buildable(jt)
			l, r := measure(n.Children[0], bl), measure(n.Children[1], br)
			if l.bytes < 0 || r.bytes < 0 {
				continue
			}
			small, large := l, r
			if !l.build || (r.build && r.bytes < l.bytes) {
				small, large = r, l
			}
			if !small.build {
				continue
			}
			if float64(small.bytes) > p.Param("maxSmallBytes") || float64(large.bytes) < p.Param("minLargeBytes") ||
				float64(large.bytes) < p.Param("minRatio")*float64(max(small.bytes, 1)) {
				continue
			}
			reportMissed(p, x, n, jt, small, large)
		}
	}
}

func reportMissed(p *detectors.Pass, x *appmodel.SQLExecution, n *appmodel.PlanNode, jt string, small, large side) {
	a := p.App
	stage := detectors.LongestStage(a, detectors.NodeStages(n))
	thr := detectors.SQLConfInt(a, x, thresholdKey, defaultThreshold)
	keys := detectors.KeyColumns(n)
	op := n.Name
	if i := strings.IndexByte(op, '('); i > 0 {
		op = op[:i]
	}
	smallName, largeName := "the small side", "the large side"
	if len(small.names) > 0 {
		smallName = strings.Join(small.names, ", ")
	}
	if len(large.names) > 0 {
		largeName = strings.Join(large.names, ", ")
	}
	// Time the large side spent being shuffled and sorted for this join.
	var taskMs int64
	if large.exchange != nil {
		taskMs += max(detectors.MetricValue(large.exchange, "shuffle write time"), 0) / 1_000_000
	}
	large.child.Walk(func(c *appmodel.PlanNode) bool {
		if c == large.exchange {
			return false
		}
		if strings.HasPrefix(c.Name, "Sort") {
			taskMs += max(detectors.MetricValue(c, "sort time"), 0)
		}
		return true
	})
	savings := taskMs / int64(detectors.TaskSlots(a))

	f := detectors.Finding{
		Subject:     detectors.NodeSubject(x, n, stage),
		CallSite:    detectors.SQLCallSite(a, x),
		SQLOperator: op,
		Evidence: []detectors.Evidence{
			detectors.EvT("small side size", float64(small.bytes), "bytes", "≤", p.Param("maxSmallBytes")),
			detectors.EvT("large side size", float64(large.bytes), "bytes", "≥", p.Param("minLargeBytes")),
			detectors.EvT("large / small", float64(large.bytes)/float64(max(small.bytes, 1)), "ratio", "≥", p.Param("minRatio")),
		},
	}
	if small.rows >= 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("small side rows", float64(small.rows), "count"))
	}
	if large.rows >= 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("large side rows", float64(large.rows), "count"))
	}
	if large.written >= 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("large side shuffle bytes written", float64(large.written), "bytes"))
	}
	f.Evidence = append(f.Evidence,
		detectors.Ev("spark.sql.autoBroadcastJoinThreshold", float64(thr), "bytes"),
		detectors.Ev("shuffle write and sort time of the large side", float64(taskMs), "ms"))
	if stage != nil {
		f.Impact = detectors.StageImpact(a, stage, savings)
	} else {
		f.Impact = detectors.SQLImpact(a, x, savings)
	}
	if float64(f.Impact.SavingsMs) > p.Param("errorShare")*float64(detectors.AppDuration(a)) {
		f.Severity = detectors.Error
	}

	var why string
	switch {
	case thr < 0:
		why = "broadcast joins are disabled (spark.sql.autoBroadcastJoinThreshold=" + detectors.Current(a, thresholdKey) + ")"
	case thr < small.bytes:
		why = fmt.Sprintf("spark.sql.autoBroadcastJoinThreshold (%s) is below the small side", units.Bytes(thr))
	default:
		why = "Spark's size estimate of the small side was above the threshold, although the real size was below it"
	}
	on := ""
	if len(keys) > 0 {
		on = " on " + strings.Join(keys, ", ")
	}
	moved := large.bytes
	if large.written > 0 {
		moved = large.written
	}
	f.Message = fmt.Sprintf("SQL %d %s%s shuffled %s of %s (%s rows) to meet %s of %s (%s rows): %s",
		x.ID, op, on, units.Bytes(moved), largeName, units.Count(max(large.rows, 0)), units.Bytes(small.bytes), smallName, units.Count(max(small.rows, 0)), why)

	sugg := max(int64(defaultThreshold), roundUpMiB(2*small.bytes))
	adv := detectors.Advice{Questions: []string{"Q7", "Q9"}}
	adv.Explanation = fmt.Sprintf("One side of this join (%s, %s) fits easily in every executor, yet the other side (%s, %s) was shuffled "+
		"and sorted to meet it. A broadcast hash join sends the small side to every executor once and joins the large side where it is read, "+
		"with no shuffle of the large side; Spark plans one when the small side's estimated size is under spark.sql.autoBroadcastJoinThreshold, "+
		"or when the query asks for it with broadcast().", smallName, units.Bytes(small.bytes), largeName, units.Bytes(large.bytes))
	if thr < sugg {
		adv.Changes = append(adv.Changes, detectors.Change{Key: thresholdKey, Current: detectors.Current(a, thresholdKey), Suggested: detectors.SizeSetting(sugg),
			Why: fmt.Sprintf("above the %s small side, so Spark broadcasts it", units.Bytes(small.bytes))})
	}
	side := "right"
	if small.child == n.Children[0] {
		side = "left"
	}
	adv.Changes = append(adv.Changes, detectors.Change{Suggested: fmt.Sprintf("broadcast(%s)", identifier(smallName)),
		Why: fmt.Sprintf("or mark %s (the %s side of the %s join) for broadcast in the query, whatever the threshold", smallName, side, joinTypeName(jt))})
	adv.Snippet = broadcastSnippet(small.names, large.names, keys)
	f.Advice = adv
	p.Report(f)
}

func joinTypeName(jt string) string {
	if jt == "" {
		return "inner"
	}
	return strings.ToLower(jt)
}

func roundUpMiB(b int64) int64 {
	return (b + mib - 1) / mib * mib
}

func broadcastSnippet(small, large, keys []string) string {
	s, l := "small", "large"
	if len(small) > 0 {
		s = identifier(small[0])
	}
	if len(large) > 0 {
		l = identifier(large[0])
	}
	if s == l {
		s += "_small"
	}
	on := `"key"`
	if len(keys) > 0 {
		q := make([]string, len(keys))
		for i, k := range keys {
			q[i] = strconv.Quote(k)
		}
		on = strings.Join(q, ", ")
		if len(keys) > 1 {
			on = "[" + on + "]"
		}
	}
	return fmt.Sprintf(`from pyspark.sql.functions import broadcast
joined = %s.join(broadcast(%s), %s)`, l, s, on)
}

func share(x, total int64) float64 {
	if total <= 0 || x <= 0 {
		return 0
	}
	return min(float64(x)/float64(total), 1)
}

func ceilDiv(a, b int64) int64 {
	if b <= 0 {
		return 0
	}
	return (a + b - 1) / b
}

func jobByID(a *appmodel.Application, id int) *appmodel.Job {
	for _, j := range a.Jobs {
		if j.ID == id {
			return j
		}
	}
	return nil
}

// exceptionLine picks the line of a failure text that names the
// exception ("...Exception: ..." or "...Error: ..."), else its first line.
func exceptionLine(msg string) string {
	for _, l := range strings.Split(msg, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "at ") {
			continue
		}
		if strings.Contains(l, "Exception") || strings.Contains(l, "Error") || strings.Contains(l, "broadcast") {
			return firstLine(l)
		}
	}
	return firstLine(strings.TrimSpace(msg))
}
