package streaming

import (
	"fmt"
	"math"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
)

// lagFinding reports a run whose batches look healthy while its sources'
// lag (offsets available but not yet read) grows: each batch reads less
// than arrives, usually because a rate limit caps it.
func lagFinding(p *detectors.Pass, r *queryRun, bs []batch, tr trigger, lag lagTrend, med int64) detectors.Finding {
	a := p.App
	steps := lag.last.batchID - lag.first.batchID
	f := detectors.Finding{Subject: r.subject(),
		Evidence: append(lag.evidence(),
			detectors.EvT("batches after which the lag rose", float64(lag.rose), "count", "≥", math.Ceil(p.Param("lagRiseShare")*float64(len(lag.window)-1))),
			detectors.EvT("lag growth over those batches", float64(lag.last.behind)/float64(max(lag.first.behind, 1)), "ratio", "≥", p.Param("lagGrowth")),
			detectors.Ev("median batch duration", float64(med), "ms"),
			detectors.Ev("median rows per batch, last batches", float64(lag.medRows), "count"),
		),
		Impact: r.impact(a, 0),
	}
	if tr.intervalMs > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("inferred trigger interval", float64(tr.intervalMs), "ms"))
	}
	hour := ""
	if lag.perHour > 0 {
		hour = fmt.Sprintf(", %s per hour", units.Count(int64(lag.perHour)))
	}
	f.Message = fmt.Sprintf("Streaming %s falls behind its source although its batches look healthy (median %s): it ended %s offsets behind the latest, up from %s %d batches earlier (%s more per batch%s)",
		r.name(), units.Millis(med), units.Count(lag.last.behind), units.Count(lag.first.behind), steps, units.Count(int64(lag.perBatch)), hour)
	// A rate limit shows as batches of the same size.
	sizes := map[int64]int{}
	for _, pt := range lag.window {
		if pt.rows > 0 {
			sizes[pt.rows]++
		}
	}
	capSize, capN := int64(0), 0
	for s, c := range sizes {
		if c > capN || c == capN && s > capSize {
			capSize, capN = s, c
		}
	}
	capped := capN >= 3 && float64(capN) >= 0.6*float64(len(lag.window))
	kind, opt := sourceKind(r)
	if kind != "" {
		kind += " "
	}
	adv := detectors.Advice{Questions: []string{"Q28", "Q30"}}
	arrive := float64(lag.medRows) + lag.perBatch // offsets that arrive per batch
	if capped {
		f.Evidence = append(f.Evidence, detectors.Ev("rows per capped batch", float64(capSize), "count"))
		limit := int64(math.Ceil(arrive*1.5/1000) * 1000)
		need := float64(med) * float64(limit) / float64(capSize)
		adv.Explanation = fmt.Sprintf("Every batch reads the same %s rows — the %ssource's rate limit (%s) — while about %s arrive per batch, so the "+
			"query ends each batch further behind: the data it reports on is older every batch, and a restart would start with the whole backlog. "+
			"The batches themselves are fine, which is why the batch durations do not show it. Raise the limit above the arrival rate "+
			"(%s per batch, 1.5 times the arrival, drains the backlog)",
			units.Count(capSize), kind, opt, units.Count(int64(arrive)), units.Count(limit))
		if tr.intervalMs > 0 && need > 0.8*float64(tr.intervalMs) {
			adv.Explanation += fmt.Sprintf("; at the current speed such a batch would take about %s, too close to the %s trigger, so add processing capacity as well (more cores or executors, more partitions)",
				units.Millis(int64(need)), units.Millis(tr.intervalMs))
		}
		adv.Explanation += "."
		if opt == "maxOffsetsPerTrigger" {
			adv.Changes = append(adv.Changes, detectors.Change{Key: opt, Current: fmt.Sprintf("≈ %d (batches of %s rows)", capSize, units.Count(capSize)),
				Suggested: fmt.Sprint(limit),
				Why:       fmt.Sprintf("above the %s offsets that arrive per batch: the lag stops growing and the backlog of %s drains", units.Count(int64(arrive)), units.Count(lag.last.behind))})
		}
	} else {
		adv.Explanation = fmt.Sprintf("The %ssource gains about %s offsets more per batch than the query reads, so it ends each batch further behind "+
			"and the data it reports on is older every batch, although each batch finishes in time. Let the batches read more (a rate "+
			"limit such as %s, if set, is below the arrival rate) and make sure the query can process the arrival rate: more cores or "+
			"executors, more partitions.", kind, units.Count(int64(lag.perBatch)), opt)
	}
	f.Advice = adv
	return f
}
