package config

import (
	"fmt"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
)

// SkewJoinOff is CONF002.
var SkewJoinOff = &detectors.Detector{
	ID:       "CONF002",
	Name:     "skew-join-off",
	Category: "configuration",
	Severity: detectors.Info,
	Problems: []string{"config-skew-join-off"},
	Doc: detectors.Doc{
		Title: "AQE's skew-join handling is switched off",
		Text: `With ` + "`spark.sql.adaptive.skewJoin.enabled`" + ` (on by default) adaptive execution splits a join partition
that is much larger than the others into several tasks, duplicating the matching rows of the other
side. The detector reports the flag set to false, in the configuration or at run time.

When a sort-merge or shuffled-hash join stage of the application is skewed (its longest task at least 5
times the median and at least 2 s longer, having read at least 3 times the median task's data and at
least 8 MiB), the finding is a warning: it names the stage, the size of
the largest partition and a ` + "`skewedPartitionThresholdInBytes`" + ` under it, so that AQE would split it. With AQE
itself off, CONF001 applies as well.`,
		Thresholds: `A join stage is skewed by SKEW001's defaults (longest / median ≥ 5, excess ≥ 2 s; see SKEW001 for
the anchors: DataFlint 10x and 5 s, spark-advisor 5x). Setting the flag to false is otherwise reported
as information: it is a deliberate choice that only costs when a join is skewed.`,
		Questions: []string{"Q6", "Q3"},
	},
	Run: runSkewJoin,
}

func runSkewJoin(p *detectors.Pass) {
	a := p.App
	s := lookup(a, "spark.sql.adaptive.skewJoin.enabled")
	if !s.isFalse() {
		return
	}
	f := detectors.Finding{Subject: detectors.ConfigSubject("spark.sql.adaptive.skewJoin.enabled")}
	f.Message = "AQE's skew-join handling is off (spark.sql.adaptive.skewJoin.enabled=false in " + s.where + ")"
	adv := detectors.Advice{Questions: []string{"Q6", "Q3"},
		Explanation: "Adaptive execution can split an oversized join partition into several tasks when both sides are shuffled; with the flag off " +
			"one task joins all the rows of a hot key while the others wait. Switch it on; salting the key is the manual alternative.",
		Changes: []detectors.Change{{Key: "spark.sql.adaptive.skewJoin.enabled", Current: s.value, Suggested: "true",
			Why: "let AQE split skewed join partitions"}}}
	var worst *stageSkew
	for _, st := range detectors.ShuffleStages(a) {
		sk := measureSkew(a, st)
		if !sk.skewed() || sk.joinNode == nil {
			continue
		}
		if worst == nil || sk.excessMs > worst.excessMs {
			worst = sk
		}
	}
	if worst != nil {
		st := worst.st
		f.Severity = detectors.Warning
		f.Subject = detectors.StageSubject(st)
		f.Subject.ConfigKey = "spark.sql.adaptive.skewJoin.enabled"
		f.SQLOperator = worst.joinNode.Name
		f.CallSite = detectors.CallSite(a, st)
		f.Impact = detectors.StageImpact(a, st, worst.excessMs)
		f.Evidence = append(f.Evidence,
			detectors.EvT("longest / median task", worst.ratio, "ratio", "≥", 5),
			detectors.EvT("longest task minus median", float64(worst.excessMs), "ms", "≥", 2000),
			detectors.Ev("data of the slowest task", float64(worst.maxData), "bytes"),
			detectors.Ev("median task data", float64(worst.medData), "bytes"))
		f.Message += fmt.Sprintf(", and the %s of stage %d is skewed: its longest task took %s (%s the median) on %s of data",
			worst.joinNode.Name, st.ID, units.Millis(worst.max), units.Ratio(worst.ratio), units.Bytes(worst.maxData))
		threshold := detectors.PropInt(a, "spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes", 256<<20)
		if worst.maxData > 0 && worst.maxData < threshold {
			sugg := max(worst.maxData/2, 4*worst.medData, 16<<20)
			adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes",
				Current: units.Bytes(threshold), Suggested: fmt.Sprintf("%dm", (sugg+(1<<20)-1)>>20),
				Why: fmt.Sprintf("the skewed partition (%s) is under the current threshold; AQE only splits partitions above it", units.Bytes(worst.maxData))})
		}
		if !detectors.AQEEnabled(a) {
			adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.sql.adaptive.enabled", Current: detectors.Current(a, "spark.sql.adaptive.enabled"),
				Suggested: "true", Why: "skew-join handling is part of adaptive execution"})
		}
	}
	f.Advice = adv
	p.Report(f)
}
