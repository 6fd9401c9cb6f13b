package config

import (
	"fmt"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// BroadcastOff is CONF003.
var BroadcastOff = &detectors.Detector{
	ID:       "CONF003",
	Name:     "broadcast-threshold",
	Category: "configuration",
	Severity: detectors.Info,
	Problems: []string{"config-broadcast-disabled"},
	Doc: detectors.Doc{
		Title: "automatic broadcast joins are disabled or the threshold is extreme",
		Text: `Reports ` + "`spark.sql.autoBroadcastJoinThreshold`" + ` set to -1 (or any value ≤ 0): Spark then never broadcasts a
join side on its own and shuffles both sides of every join, however small one of them is. When a
sort-merge join of the application has a side whose shuffled data is under the default 10 MiB
threshold, the finding is a warning and names the join and both sides' sizes.

Also reports, as information, a threshold above 1 GiB: a broadcast side is collected to the driver and
copied to every executor, and sides that large risk out-of-memory errors (Q8).`,
		Thresholds: `-1 is what users set to switch broadcasts off; spark-advisor's broadcast rule flags a disabled
broadcast as well. The 10 MiB "would have been broadcast" size is Spark's default threshold. The 1 GiB
upper limit follows DataFlint, which warns about broadcasts over 1 GB; spark-rapids-tools comments on
thresholds over 100 MB.`,
		Questions: []string{"Q7", "Q8"},
	},
	Params: []detectors.Param{
		{Name: "smallSideBytes", Default: 10 << 20, Unit: "bytes", Doc: "a sort-merge join side under this size would have been broadcast by default"},
		{Name: "maxThresholdBytes", Default: 1 << 30, Unit: "bytes", Doc: "a threshold above this is reported as too high"},
	},
	Run: runBroadcast,
}

type smj struct {
	x            *appmodel.SQLExecution
	node         *appmodel.PlanNode
	small, large int64
}

func runBroadcast(p *detectors.Pass) {
	a := p.App
	s := lookup(a, "spark.sql.autoBroadcastJoinThreshold")
	if !s.set {
		return
	}
	v, err := detectors.ParseSize(s.value)
	if err != nil {
		return
	}
	if v > int64(p.Param("maxThresholdBytes")) {
		p.Report(detectors.Finding{
			Subject:  detectors.ConfigSubject("spark.sql.autoBroadcastJoinThreshold"),
			Message:  fmt.Sprintf("The broadcast join threshold is %s (spark.sql.autoBroadcastJoinThreshold=%s in %s): tables that large are collected to the driver and copied to every executor", units.Bytes(v), s.value, s.where),
			Severity: detectors.Info,
			Evidence: []detectors.Evidence{detectors.EvT("spark.sql.autoBroadcastJoinThreshold", float64(v), "bytes", ">", p.Param("maxThresholdBytes"))},
			Advice: detectors.Advice{Questions: []string{"Q8"},
				Explanation: "A broadcast side is built on the driver and held whole by every executor. Beyond a few hundred MiB this costs driver " +
					"memory, network and executor memory, and fails with out-of-memory errors as the table grows. Keep the threshold near the sizes you mean to broadcast.",
				Changes: []detectors.Change{{Key: "spark.sql.autoBroadcastJoinThreshold", Current: s.value, Suggested: "100m",
					Why: "broadcast only tables that comfortably fit in driver and executor memory"}}},
		})
		return
	}
	if v > 0 {
		return
	}
	f := detectors.Finding{Subject: detectors.ConfigSubject("spark.sql.autoBroadcastJoinThreshold")}
	f.Message = fmt.Sprintf("Automatic broadcast joins are disabled (spark.sql.autoBroadcastJoinThreshold=%s in %s)", s.value, s.where)
	f.Evidence = append(f.Evidence, detectors.EvT("spark.sql.autoBroadcastJoinThreshold", float64(v), "bytes", "≤", 0))
	adv := detectors.Advice{Questions: []string{"Q7", "Q8"},
		Explanation: "With the threshold at -1 every join shuffles and sorts both sides, even when one side is a small dimension table " +
			"that could be sent whole to every executor. Restore a threshold (the default is 10 MiB), or broadcast chosen tables " +
			"with a hint (F.broadcast(df)) if the setting protects against one oversized table.",
		Changes: []detectors.Change{{Key: "spark.sql.autoBroadcastJoinThreshold", Current: s.value, Suggested: "10m",
			Why: "let Spark broadcast join sides under 10 MiB"}}}
	// A sort-merge join with a side small enough to broadcast.
	var best *smj
	for _, x := range a.SQL {
		if x.FinalPlan() == nil {
			continue
		}
		for _, n := range detectors.Nodes(x, "SortMergeJoin") {
			if len(n.Children) != 2 {
				continue
			}
			l, r := sizeOf(exchangeBelow(n.Children[0])), sizeOf(exchangeBelow(n.Children[1]))
			if l < 0 || r < 0 {
				continue
			}
			small, large := min(l, r), max(l, r)
			if small > int64(p.Param("smallSideBytes")) {
				continue
			}
			if best == nil || large > best.large {
				best = &smj{x: x, node: n, small: small, large: large}
			}
		}
	}
	if best != nil {
		f.Severity = detectors.Warning
		f.SQLOperator = best.node.Name
		x := *best.x
		f.Subject.SQLExecutionID = detectors.Ptr(x.ID)
		f.Evidence = append(f.Evidence,
			detectors.EvT("smaller join side (shuffled)", float64(best.small), "bytes", "≤", p.Param("smallSideBytes")),
			detectors.Ev("larger join side (shuffled)", float64(best.large), "bytes"))
		f.Message += fmt.Sprintf(": SQL execution %d shuffles %s to join it with a %s side that could have been broadcast", x.ID,
			units.Bytes(best.large), units.Bytes(best.small))
		// Impact: the stages of that execution.
		var st *appmodel.Stage
		for _, s := range a.Stages {
			if s.SQLExecutionID == x.ID && s.Status == appmodel.StageComplete && (st == nil || s.Duration() > st.Duration()) {
				st = s
			}
		}
		if st != nil {
			f.Impact = detectors.StageImpact(a, st, 0)
			f.CallSite = detectors.CallSite(a, st)
		}
		sugg := max(detectors.RoundCount(detectors.CeilDiv(best.small*2, 1<<20)), 10)
		adv.Changes[0].Suggested = fmt.Sprintf("%dm", sugg)
		adv.Changes[0].Why = fmt.Sprintf("the %s side of SQL execution %d's join would be broadcast instead of shuffling %s", units.Bytes(best.small), x.ID, units.Bytes(best.large))
	}
	f.Advice = adv
	p.Report(f)
}
