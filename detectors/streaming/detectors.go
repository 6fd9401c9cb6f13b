package streaming

import (
	"fmt"
	"math"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
)

// SlowBatches is STREAM001.
var SlowBatches = &detectors.Detector{
	ID:       "STREAM001",
	Name:     "streaming-batch-slow",
	Category: "streaming",
	Severity: detectors.Warning,
	Problems: []string{"streaming-batch-slow"},
	Doc: detectors.Doc{
		Title: "micro-batches take longer than the trigger interval",
		Text: `A streaming query keeps up when each micro-batch finishes within its trigger interval; a batch
that overruns delays the next one, the next one has more data, and latency grows (Q28).

The trigger interval is not in the event log. The detector infers it from the batch start times: a
batch that finished early waits for the next trigger, so the spacing after such batches is the
interval. With an inferred interval, the query is reported when at least half of its batches took
longer than 1.2 times the interval. When no batch ever waited (each started as soon as the previous
one ended) the interval, if any, is shorter than every batch; the query is then reported only when it
is also falling behind: its input rate exceeds its processing rate in most batches, or its batches
grow (the median of the second half at least 1.5 times that of the first).

The finding gives the batch durations, the inferred interval and how it was inferred, the phase of the
batch that took the time (addBatch: running the query; getBatch / latestOffset: reading the source;
walCommit / commitOffsets: the checkpoint), and the interval the batches would need.

A query can also fall behind with batches that look fine: when a rate limit (maxOffsetsPerTrigger)
caps each batch below what arrives, every batch is on time and the lag grows. Sources that report
their offsets behind the latest available ones (Kafka: the latestOffset of a progress report, Spark
3.1+, or the avg/maxOffsetsBehindLatest metrics) show it: the query is also reported when, over the
last half of those batches (at least 5), the lag rose after 70% of them, ended at least 1.5 times
where it started, and grew by more than a median batch of input. The finding gives the offsets behind
at the end, their growth per batch and per hour, and, for capped batches, a limit above the arrival
rate. Any finding of a run with such offsets carries the lag as evidence.`,
		Thresholds: `Half of the batches over 1.2 times the trigger: a query that overruns now and then catches up;
one that overruns most batches does not. The corpus check uses half of the batches over 1.5 times the
trigger. At least 3 batches with data are needed: a query that falls behind makes ever longer
batches, so a short run has few of them (the corpus' falling-behind query ran batches of 3, 6 and
12 s in 35 s). No anchor tool has streaming rules (docs/anchors.md §3.7: the History Server draws
these metrics without judging them).`,
		Questions: []string{"Q28", "Q27"},
	},
	Params: []detectors.Param{
		{Name: "minBatches", Default: 3, Unit: "count", Doc: "batches with data a query run needs before it is judged"},
		{Name: "slowFactor", Default: 1.2, Unit: "ratio", Doc: "a batch is slow when it takes longer than this times the trigger interval"},
		{Name: "slowShare", Default: 0.5, Unit: "share", Doc: "share of slow batches that makes the query slow"},
		{Name: "growth", Default: 1.5, Unit: "ratio", Doc: "second-half over first-half median batch duration that counts as growing (no interval known)"},
		{Name: "minLagBatches", Default: 5, Unit: "count", Doc: "batches reporting their offsets behind the latest that the lag trend needs (the last half of them, at least this many)"},
		{Name: "lagRiseShare", Default: 0.7, Unit: "share", Doc: "share of those batches after which the offsets behind the latest rose"},
		{Name: "lagGrowth", Default: 1.5, Unit: "ratio", Doc: "offsets behind the latest at the last batch over the first of those batches"},
	},
	Run: runSlow,
}

func runSlow(p *detectors.Pass) {
	a := p.App
	for _, r := range runs(a) {
		bs := r.data()
		if len(bs) < int(p.Param("minBatches")) {
			continue
		}
		tr := inferTrigger(r.batches)
		var durs []int64
		for _, b := range bs {
			durs = append(durs, b.BatchDuration)
		}
		med := detectors.MedianInt64(durs)
		half := len(bs) / 2
		first, second := detectors.MedianInt64(durs[:half]), detectors.MedianInt64(durs[half:])
		behind := 0
		for _, b := range bs {
			if b.ProcessedRowsPerSec > 0 && b.InputRowsPerSec > 1.1*b.ProcessedRowsPerSec && rateSpansBatch(r, b) {
				behind++
			}
		}
		var slow int
		var slowMs int64
		slowRun := true
		if tr.intervalMs > 0 {
			for _, b := range bs {
				if float64(b.BatchDuration) > p.Param("slowFactor")*float64(tr.intervalMs) {
					slow++
					slowMs += b.BatchDuration - tr.intervalMs
				}
			}
			slowRun = float64(slow) >= p.Param("slowShare")*float64(len(bs))
		} else {
			growing := float64(second) >= p.Param("growth")*float64(max(first, 1))
			if tr.backToBack < len(bs)/2 || (!growing && float64(behind) < p.Param("slowShare")*float64(len(bs))) {
				slowRun = false
			}
			slow = len(bs)
		}
		lag, hasLag := trendOf(r, int(p.Param("minLagBatches")), p.Param("lagRiseShare"), p.Param("lagGrowth"))
		if !slowRun {
			if hasLag && lag.growing {
				p.Report(lagFinding(p, r, bs, tr, lag, med))
			}
			continue
		}
		f := detectors.Finding{Subject: r.subject(),
			Evidence: []detectors.Evidence{
				detectors.Ev("batches with data", float64(len(bs)), "count"),
				detectors.Ev("median batch duration", float64(med), "ms"),
				detectors.Ev("median batch duration, first half", float64(first), "ms"),
				detectors.Ev("median batch duration, second half", float64(second), "ms"),
				detectors.Ev("batches started right after the previous one", float64(tr.backToBack), "count"),
				detectors.Ev("batches with input rate above processing rate", float64(behind), "count"),
			},
		}
		phase, phaseMs := slowestPhase(bs)
		if phase != "" {
			f.Evidence = append(f.Evidence, detectors.Ev("time in "+phase, float64(phaseMs), "ms"))
		}
		if hasLag {
			f.Evidence = append(f.Evidence, lag.evidence()...)
		}
		if n := findOp(a, r, "BatchEvalPython", "ArrowEvalPython"); n != nil {
			f.SQLOperator = n.Name
		}
		adv := detectors.Advice{Questions: []string{"Q28", "Q27"}}
		if tr.intervalMs > 0 {
			f.Evidence = append(f.Evidence,
				detectors.Ev("inferred trigger interval", float64(tr.intervalMs), "ms"),
				detectors.EvT("slow batches (over the interval)", float64(slow), "count", "≥", math.Ceil(p.Param("slowShare")*float64(len(bs)))))
			f.Message = fmt.Sprintf("Streaming %s falls behind its trigger: %d of %d batches took longer than the %s interval (median %s; interval inferred from %s)",
				r.name(), slow, len(bs), units.Millis(tr.intervalMs), units.Millis(med), tr.how)
			f.Impact = r.impact(a, slowMs)
		} else {
			f.Message = fmt.Sprintf("Streaming %s cannot keep a trigger: its batches run back to back and grow from %s to %s (median); %s",
				r.name(), units.Millis(first), units.Millis(second), tr.how)
			f.Impact = r.impact(a, 0)
		}
		want := roundInterval(detectors.MedianInt64(durs[half:]) * 5 / 4)
		if float64(behind) >= p.Param("slowShare")*float64(len(bs)) {
			// Rows arrive faster than they are processed: a longer trigger
			// only makes bigger batches.
			adv.Explanation = fmt.Sprintf("Each batch takes longer than the time between triggers because rows arrive faster than the query "+
				"processes them (%d of %d batches; see STREAM002): the next batch starts late with more data and the batches keep growing. "+
				"A longer trigger would only make bigger batches. Make a batch cheaper (the %s phase took the most time: for addBatch, the "+
				"query itself — more cores or partitions, vectorized pandas UDFs instead of row-at-a-time Python UDFs; for "+
				"getBatch/latestOffset, the source) or cap the input per batch while capacity is added.", behind, len(bs), orDash(phase))
		} else {
			adv.Explanation = fmt.Sprintf("Each batch takes longer than the time between triggers, so the next batch starts late. The input "+
				"keeps up, so the time goes into work every batch repeats (the %s phase took the most time: planning, the state store, "+
				"the checkpoint, the sink). Trigger less often, so that each batch carries more rows for the same fixed cost: about %s "+
				"at the current batch durations.", orDash(phase), units.Millis(want))
			adv.Changes = append(adv.Changes, detectors.Change{Current: currentInterval(tr),
				Suggested: fmt.Sprintf(".trigger(processingTime=%q)", durationText(want)),
				Why: fmt.Sprintf(".trigger(processingTime=%q) (now %s): longer than the recent batches, so that batches stop overrunning",
					durationText(want), currentInterval(tr))})
		}
		f.Advice = adv
		p.Report(f)
	}
}

func orDash(s string) string {
	if s == "" {
		return "slowest"
	}
	return s
}

func currentInterval(tr trigger) string {
	if tr.intervalMs > 0 {
		return durationText(tr.intervalMs) + " (inferred)"
	}
	return "unknown (not in the log)"
}

// slowestPhase returns the durationMs phase with the most time over the
// batches (triggerExecution excluded: it is the whole batch).
func slowestPhase(bs []batch) (string, int64) {
	tot := map[string]int64{}
	for _, b := range bs {
		for k, v := range b.Durations {
			if k != "triggerExecution" {
				tot[k] += v
			}
		}
	}
	best, bestMs := "", int64(0)
	for k, v := range tot {
		if v > bestMs || v == bestMs && k < best {
			best, bestMs = k, v
		}
	}
	return best, bestMs
}

// InputOutpaces is STREAM002.
var InputOutpaces = &detectors.Detector{
	ID:       "STREAM002",
	Name:     "streaming-input-outpaces",
	Category: "streaming",
	Severity: detectors.Warning,
	Problems: []string{"streaming-input-outpaces"},
	Doc: detectors.Doc{
		Title: "rows arrive faster than the query processes them",
		Text: `Each progress report gives the rate at which rows arrived since the previous batch
(inputRowsPerSecond) and the rate at which the batch processed them (processedRowsPerSecond). When
rows arrive faster than they are processed over a run of batches, the query falls further behind with
every batch: its batches and its latency grow without bound (Q28, Q30).

The detector reports a query run when, in at least half of its batches with data (and at least 3),
the input rate exceeds 1.2 times the processing rate. The advice computes how much more processing
capacity the query needs (the median input over processing rate) and, with the inferred trigger
interval, a rate limit per batch that the query can process in time.`,
		Thresholds: `1.2 times, in half of the batches and at least 3: a short burst does not count, a steady excess
does. The corpus check uses the same ratio and share, and labels logs where fewer than 3 batches exceed
it as healthy; a query that falls behind makes ever longer batches, so a short run has few of them.`,
		Questions: []string{"Q28", "Q30"},
	},
	Params: []detectors.Param{
		{Name: "minBatches", Default: 3, Unit: "count", Doc: "batches over the ratio a run needs"},
		{Name: "ratio", Default: 1.2, Unit: "ratio", Doc: "input rate over processing rate that counts as outpacing"},
		{Name: "share", Default: 0.5, Unit: "share", Doc: "share of the batches with data that must outpace"},
	},
	Run: runOutpaces,
}

func runOutpaces(p *detectors.Pass) {
	a := p.App
	for _, r := range runs(a) {
		bs := r.data()
		var ratios, ins, procs []float64
		over := 0
		for _, b := range bs {
			if b.ProcessedRowsPerSec <= 0 || b.InputRowsPerSec <= 0 || !rateSpansBatch(r, b) {
				continue
			}
			x := b.InputRowsPerSec / b.ProcessedRowsPerSec
			ratios = append(ratios, x)
			ins = append(ins, b.InputRowsPerSec)
			procs = append(procs, b.ProcessedRowsPerSec)
			if x > p.Param("ratio") {
				over++
			}
		}
		if over < int(p.Param("minBatches")) || float64(over) < p.Param("share")*float64(len(bs)) {
			continue
		}
		medRatio := median(ratios)
		in, proc := median(ins), median(procs)
		f := detectors.Finding{Subject: r.subject(),
			Evidence: []detectors.Evidence{
				detectors.EvT("batches with input rate over processing rate", float64(over), "count", "≥", p.Param("minBatches")),
				detectors.Ev("batches with data", float64(len(bs)), "count"),
				detectors.Ev("median input rate", in, "rows/s"),
				detectors.Ev("median processing rate", proc, "rows/s"),
				detectors.EvT("median input / processing rate", medRatio, "ratio", ">", p.Param("ratio")),
			},
			Impact: r.impact(a, 0),
		}
		if lag, ok := trendOf(r, 5, 0, 0); ok {
			f.Evidence = append(f.Evidence, lag.evidence()...)
		}
		op := findOp(a, r, "BatchEvalPython", "ArrowEvalPython")
		if op != nil {
			f.SQLOperator = op.Name
		}
		f.Message = fmt.Sprintf("Streaming %s falls behind its input: rows arrive at %s/s but are processed at %s/s (%s) in %d of %d batches",
			r.name(), units.Count(int64(in)), units.Count(int64(proc)), units.Ratio(medRatio), over, len(bs))
		adv := detectors.Advice{Questions: []string{"Q28", "Q30"}}
		scale := math.Ceil(medRatio*1.25*10) / 10
		adv.Explanation = fmt.Sprintf("The query processes %s rows/s while %s rows/s arrive, so every batch leaves more behind than the last. It needs "+
			"about %.1f times its processing capacity (with 25%% headroom): more cores or executors for the stream, more shuffle partitions if the "+
			"batches shuffle, or cheaper per-row work.", units.Count(int64(proc)), units.Count(int64(in)), scale)
		if op != nil && op.Name == "BatchEvalPython" {
			adv.Explanation += " The plan runs a row-at-a-time Python UDF (BatchEvalPython): a vectorized pandas UDF processes whole Arrow batches and is usually several times faster."
			adv.Snippet = "import pandas as pd\nfrom pyspark.sql.functions import pandas_udf\n\n@pandas_udf(\"long\")\ndef lookup(v: pd.Series) -> pd.Series:\n    return v % 97  # vectorized: one call per batch of rows"
		}
		_, opt := sourceKind(r)
		if tr := inferTrigger(r.batches); tr.intervalMs > 0 && opt != "rowsPerSecond" {
			limit := int64(proc * float64(tr.intervalMs) / 1000 * 0.8)
			why := fmt.Sprintf("what the query processes in 80%% of the %s trigger: batches stay on time while capacity is added", units.Millis(tr.intervalMs))
			if opt == "maxOffsetsPerTrigger" {
				adv.Changes = append(adv.Changes, detectors.Change{Key: opt, Current: "(not in the log)", Suggested: fmt.Sprint(limit), Why: why})
			} else {
				adv.Changes = append(adv.Changes, detectors.Change{Suggested: fmt.Sprintf("%s for about %d rows per batch", opt, limit),
					Why: fmt.Sprintf("option(%q, ...) for about %s rows per batch: %s", opt, units.Count(limit), why)})
			}
		}
		f.Advice = adv
		p.Report(f)
	}
}

// rateSpansBatch reports whether a batch's input rate covers the time since
// the previous batch started. Spark divides the batch's rows by the time
// since the previous trigger, and a query that polls its source between
// batches (the default trigger) triggers many times without data: its input
// rate then covers a few milliseconds and means nothing.
func rateSpansBatch(r *queryRun, b batch) bool {
	var prev *batch
	for i := range r.batches {
		if r.batches[i].BatchID == b.BatchID-1 {
			prev = &r.batches[i]
		}
	}
	if prev == nil || prev.start == 0 || b.start == 0 || b.InputRowsPerSec <= 0 {
		return false
	}
	dt := float64(b.start - prev.start)
	window := float64(b.NumInputRows) / b.InputRowsPerSec * 1000
	return window >= 0.5*dt && window <= 2*dt
}

// StateGrowth is STREAM003.
var StateGrowth = &detectors.Detector{
	ID:       "STREAM003",
	Name:     "streaming-state-growth",
	Category: "streaming",
	Severity: detectors.Warning,
	Problems: []string{"streaming-state-growth"},
	Doc: detectors.Doc{
		Title: "streaming state grows without bound (no watermark)",
		Text: `A stateful streaming query (aggregation, deduplication, stream-stream join) keeps a row in its state
store for every group it has seen. Without an event-time watermark Spark can never tell that a group
is complete, so it never drops one: the state grows with every batch until memory runs out or the
state store's checkpoints make every batch slow (Q29).

The detector reports a stateful query run whose state rows grew in at least 70% of its batches and
ended at least twice the rows at the end of its first quarter, while the query has no watermark (the
progress reports carry none, or it never moves). It gives the growth in rows and memory per hour and
the memory the state would reach in a day at that rate, and names the grouping keys from the plan.`,
		Thresholds: `70% of the batches growing and 2x over the run: a bounded state rises while its first windows fill
and then levels off; an unbounded one keeps rising. The corpus check uses 70% and 2.5x; runs whose last
state is under 3x the minimum of their second half are labeled bounded. At least 5 stateful batches.`,
		Questions: []string{"Q29", "Q27"},
	},
	Params: []detectors.Param{
		{Name: "minBatches", Default: 5, Unit: "count", Doc: "stateful batches a run needs"},
		{Name: "growingShare", Default: 0.7, Unit: "share", Doc: "share of batches in which the state rows grew"},
		{Name: "growth", Default: 2, Unit: "ratio", Doc: "last state rows over the rows at the end of the first quarter"},
	},
	Run: runState,
}

func runState(p *detectors.Pass) {
	a := p.App
	for _, r := range runs(a) {
		var bs []batch
		for _, b := range r.batches {
			if b.HasState {
				bs = append(bs, b)
			}
		}
		if len(bs) < int(p.Param("minBatches")) {
			continue
		}
		// A watermark that moves bounds the state.
		wms := map[string]bool{}
		for _, b := range bs {
			if b.Watermark != "" && parseTime(b.Watermark) > 0 {
				wms[b.Watermark] = true
			}
		}
		if len(wms) > 1 {
			continue
		}
		up := 0
		for i := 1; i < len(bs); i++ {
			if bs[i].StateRows > bs[i-1].StateRows {
				up++
			}
		}
		q1 := bs[max(len(bs)/4-1, 0)]
		last := bs[len(bs)-1]
		growth := float64(last.StateRows) / float64(max(q1.StateRows, 1))
		if float64(up) < p.Param("growingShare")*float64(len(bs)-1) || growth < p.Param("growth") {
			continue
		}
		span := float64(max(last.start-bs[0].start, 1))
		rowsPerHour := float64(last.StateRows-bs[0].StateRows) / span * 3_600_000
		memPerHour := float64(last.StateMemory-bs[0].StateMemory) / span * 3_600_000
		f := detectors.Finding{Subject: r.subject(),
			Evidence: []detectors.Evidence{
				detectors.EvT("batches in which the state grew", float64(up), "count", "≥", math.Ceil(p.Param("growingShare")*float64(len(bs)-1))),
				detectors.Ev("stateful batches", float64(len(bs)), "count"),
				detectors.Ev("state rows at the end of the first quarter", float64(q1.StateRows), "count"),
				detectors.Ev("state rows at the end", float64(last.StateRows), "count"),
				detectors.EvT("growth", growth, "ratio", "≥", p.Param("growth")),
				detectors.Ev("state memory at the end", float64(last.StateMemory), "bytes"),
				detectors.Ev("state rows added per hour", rowsPerHour, "count"),
				detectors.Ev("state memory added per hour", memPerHour, "bytes"),
			},
			Impact: r.impact(a, 0),
		}
		wm := "no watermark"
		if len(wms) == 1 {
			wm = "a watermark that never moves"
		}
		op := findOp(a, r, "StateStoreSave", "StreamingDeduplicate", "StreamingSymmetricHashJoin", "FlatMapGroupsWithState", "TransformWithState", "SessionWindowStateStoreSave")
		var keys []string
		if op != nil {
			f.SQLOperator = op.Name
			if agg := findOp(a, r, "HashAggregate", "SortAggregate"); agg != nil {
				for _, k := range detectors.KeyColumns(agg) {
					if strings.HasPrefix(k, "_groupingexpression") {
						k = "an expression"
					}
					keys = append(keys, k)
				}
			}
		}
		col, winMs := windowInfo(a, r)
		f.Message = fmt.Sprintf("Streaming %s keeps state without bound (%s): its state store grew from %s to %s rows (%s) over %d batches, %s rows and %s per hour",
			r.name(), wm, units.Count(q1.StateRows), units.Count(last.StateRows), units.Bytes(last.StateMemory), len(bs),
			units.Count(int64(rowsPerHour)), units.Bytes(int64(memPerHour)))
		day := last.StateMemory + int64(memPerHour*24)
		keyTxt := ""
		if len(keys) > 0 {
			keyTxt = " (grouped by " + strings.Join(keys, ", ") + ")"
		}
		// A delay of a few windows (at least 10 s) accepts ordinary lateness;
		// the right value is how late the data may arrive.
		delay := int64(10_000)
		if winMs > 0 {
			delay = max(delay, roundInterval(3*winMs))
		}
		what := "the event-time column"
		if col == "" {
			col = "event_time"
		} else {
			what = fmt.Sprintf("the event-time column %q", col)
			if winMs > 0 {
				what += fmt.Sprintf(" of the %s windows", units.Millis(winMs))
			}
		}
		f.Advice = detectors.Advice{Questions: []string{"Q29", "Q27"},
			Explanation: fmt.Sprintf("Without a watermark Spark cannot know when a group%s is complete, so it keeps every group it has ever seen. "+
				"At this rate the state holds about %s after a day. Declare how late data may arrive with withWatermark on %s, before the "+
				"aggregation: groups older than the watermark are then finalized and dropped from the state. The delay is how late data may "+
				"arrive; %s (three windows, at least 10 s) is a starting point.", keyTxt, units.Bytes(day), what, durationText(delay)), Changes: []detectors.Change{{Suggested: fmt.Sprintf("df.withWatermark(%q, %q)", col, durationText(delay)),
				Why: fmt.Sprintf("df.withWatermark(%q, %q) before the aggregation: bounds the state to the groups that can still receive data instead of %s rows more every hour",
					col, durationText(delay), units.Count(int64(rowsPerHour)))}},
			Snippet: fmt.Sprintf("counts = (events\n    .withWatermark(%q, %q)   # rows later than this are dropped\n    .groupBy(F.window(%q, ...), ...)\n    .count())",
				col, durationText(delay), col)}
		p.Report(f)
	}
}

// WatermarkDrops is STREAM004.
var WatermarkDrops = &detectors.Detector{
	ID:       "STREAM004",
	Name:     "streaming-watermark-drops",
	Category: "streaming",
	Severity: detectors.Warning,
	Problems: []string{"streaming-watermark-drops"},
	Doc: detectors.Doc{
		Title: "late rows are dropped by the watermark",
		Text: `A stateful operator with a watermark drops input rows whose event time is older than the
watermark: they arrived too late to be counted (numRowsDroppedByWatermark, Spark 3.1+). The results
silently miss them (Q27).

The detector sums the dropped rows over a query run and compares them with its input. It estimates
the current watermark delay (the latest event time of a batch minus its watermark) and how far behind
the watermark the oldest rows were (the watermark minus the earliest event time), and suggests the
delay that would have kept them, with the cost: a longer delay keeps more groups in the state.`,
		Thresholds: `Any dropped row is reported (corpus check: numRowsDroppedByWatermark > 0): results that
silently lose data deserve a look. It is a warning when rows were dropped in at least 3 batches or
make at least 0.1% of the input rows, information otherwise. The count is taken at the stateful operator, after partial aggregation,
so one dropped row can stand for many late input rows.`,
		Questions: []string{"Q27", "Q29"},
	},
	Params: []detectors.Param{
		{Name: "minRows", Default: 1, Unit: "count", Doc: "dropped rows a run needs to be reported"},
		{Name: "warnShare", Default: 0.001, Unit: "share", Doc: "share of the input rows dropped from which the finding is a warning (also from 3 batches with drops)"},
	},
	Run: runDrops,
}

func runDrops(p *detectors.Pass) {
	a := p.App
	for _, r := range runs(a) {
		var dropped, input int64
		nb := 0
		var delays, lates []int64
		var prevMax int64
		for _, b := range r.batches {
			dropped += b.DroppedByWatermark
			input += b.NumInputRows
			wm, hi, lo := parseTime(b.Watermark), parseTime(b.EventTimeMax), parseTime(b.EventTimeMin)
			if b.DroppedByWatermark > 0 {
				nb++
				if wm > 0 && lo > 0 && wm > lo {
					lates = append(lates, wm-lo)
				}
			}
			// The watermark of a batch is the latest event time seen before
			// it minus the delay.
			if wm > 86_400_000 && prevMax > wm {
				delays = append(delays, prevMax-wm)
			}
			if hi > prevMax {
				prevMax = hi
			}
		}
		if dropped < int64(p.Param("minRows")) {
			continue
		}
		share := float64(dropped) / float64(max(input, 1))
		f := detectors.Finding{Subject: r.subject(),
			Evidence: []detectors.Evidence{
				detectors.EvT("rows dropped by the watermark", float64(dropped), "count", "≥", p.Param("minRows")),
				detectors.Ev("input rows", float64(input), "count"),
				detectors.Ev("share of the input dropped", share, "share"),
				detectors.Ev("batches that dropped rows", float64(nb), "count"),
			},
			Impact: r.impact(a, 0),
		}
		if share < p.Param("warnShare") && nb < 3 {
			f.Severity = detectors.Info
		}
		if op := findOp(a, r, "StateStoreSave", "StreamingDeduplicate", "StreamingSymmetricHashJoin", "EventTimeWatermark"); op != nil {
			f.SQLOperator = op.Name
		}
		delay := detectors.MedianInt64(delays)
		wcol, wdelay := watermarkInfo(a, r)
		var late int64
		for _, l := range lates {
			late = max(late, l)
		}
		f.Message = fmt.Sprintf("Streaming %s dropped late data in %d of %d batches: %s rows reached its stateful operator behind the watermark (after partial aggregation one row can stand for many input rows)",
			r.name(), nb, len(r.batches), units.Count(dropped))
		adv := detectors.Advice{Questions: []string{"Q27", "Q29"},
			Explanation: "Rows whose event time is behind the watermark are dropped by the stateful operator: the results do not count them. " +
				"If those rows matter, allow more lateness (a longer watermark delay keeps more groups in the state, so it costs memory); " +
				"if they do not, nothing needs to change, but monitor the count."}
		if delay > 0 {
			f.Evidence = append(f.Evidence, detectors.Ev("estimated current watermark delay", float64(delay), "ms"))
		}
		if late > 0 {
			f.Evidence = append(f.Evidence, detectors.Ev("oldest row behind the watermark", float64(late), "ms"))
			sugg := roundInterval(delay + late)
			f.Message += fmt.Sprintf(" (up to %s behind it; the watermark delay is about %s)", units.Millis(late), units.Millis(delay))
			col := wcol
			if col == "" {
				col = "event_time"
			}
			cur := durationText(roundInterval(delay))
			if wdelay != "" {
				cur = wdelay
			}
			adv.Changes = append(adv.Changes, detectors.Change{Current: fmt.Sprintf("withWatermark(%q, %q)", col, cur),
				Suggested: fmt.Sprintf("withWatermark(%q, %q)", col, durationText(sugg)),
				Why: fmt.Sprintf("withWatermark(%q, %q) instead of %q: the dropped rows were up to %s late; the state holds about %.0fx as many windows",
					col, durationText(sugg), cur, units.Millis(late), float64(sugg)/float64(max(delay, 1)))})
		}
		f.Advice = adv
		p.Report(f)
	}
}

// Backlog is STREAM005.
var Backlog = &detectors.Detector{
	ID:       "STREAM005",
	Name:     "streaming-backlog",
	Category: "streaming",
	Severity: detectors.Warning,
	Problems: []string{"streaming-backlog"},
	Doc: detectors.Doc{
		Title: "a (re)started query works through a backlog",
		Text: `When a streaming query restarts from its checkpoint after a stop, everything that arrived while it
was down is waiting (Q30). Without a limit the first batch takes all of it: one huge batch that can
run out of memory and holds up the results; with a limit (maxOffsetsPerTrigger, maxFilesPerTrigger)
the backlog is worked off over many full batches.

The detector compares the first batches of each run with the run's steady state (the median input of
its last quarter of batches, or of the previous run of the same query when that is lower) and reports
a run whose first batches carry at least 3 times the steady input. It counts the backlog batches,
their rows and the time they took, tells a capped backlog (many batches of the same size: a limit is
already set) from an uncapped one, and computes a per-batch limit from the steady-state rate.`,
		Thresholds: `3 times the steady batch: the corpus' restarted file stream runs about 5x its steady batch for
some 30 batches; rate sources ramp up from 0 rather than down. At least 2 backlog batches, or one of
10 times the steady size, and at least 8 batches in the run; the rows beyond the steady flow must
make at least 10 steady batches, so that the few files found at a first start are not a backlog.`,
		Questions: []string{"Q30"},
	},
	Params: []detectors.Param{
		{Name: "factor", Default: 3, Unit: "ratio", Doc: "input of a backlog batch over the steady-state batch"},
		{Name: "minRunBatches", Default: 8, Unit: "count", Doc: "batches with data a run needs"},
		{Name: "minExcessBatches", Default: 10, Unit: "count", Doc: "rows of the backlog beyond the steady flow, in steady batches"},
	},
	Run: runBacklog,
}

func runBacklog(p *detectors.Pass) {
	a := p.App
	for _, r := range runs(a) {
		bs := r.data()
		if len(bs) < int(p.Param("minRunBatches")) {
			continue
		}
		var tail []int64
		for _, b := range bs[len(bs)*3/4:] {
			tail = append(tail, b.NumInputRows)
		}
		steady := detectors.MedianInt64(tail)
		if r.prev != nil {
			var prev []int64
			for _, b := range r.prev.data() {
				prev = append(prev, b.NumInputRows)
			}
			if m := detectors.MedianInt64(prev); m > 0 && m < steady {
				steady = m
			}
		}
		if steady <= 0 {
			continue
		}
		// The backlog: from one of the first 3 batches, the batches of at
		// least factor × steady, allowing two smaller ones in between.
		high := func(b batch) bool { return float64(b.NumInputRows) >= p.Param("factor")*float64(steady) }
		i0 := -1
		for i := 0; i < min(3, len(bs)); i++ {
			if high(bs[i]) {
				i0 = i
				break
			}
		}
		if i0 < 0 {
			continue
		}
		n, end, gap := 0, i0, 0
		var rows, ms int64
		sizes := map[int64]int{}
		for i := i0; i < len(bs) && gap <= 2; i++ {
			if !high(bs[i]) {
				gap++
				continue
			}
			gap = 0
			n++
			end = i
			rows += bs[i].NumInputRows
			sizes[bs[i].NumInputRows]++
		}
		for i := i0; i <= end; i++ {
			ms += bs[i].BatchDuration
		}
		if end >= len(bs)-1 && (r.prev == nil || n < 3) {
			// Never back to a steady state and nothing to compare with: a
			// rising load, not a backlog. After a restart, the previous
			// run's flow is the baseline: a query still draining its
			// backlog when the log ends has one.
			continue
		}
		if n < 2 && float64(bs[i0].NumInputRows) < 10*float64(steady) {
			continue
		}
		// The backlog beyond the steady flow must be worth several batches.
		excess := rows - int64(n)*steady
		if float64(excess) < p.Param("minExcessBatches")*float64(steady) {
			continue
		}
		capSize, capN := int64(0), 0
		for s, c := range sizes {
			if c > capN || c == capN && s > capSize {
				capSize, capN = s, c
			}
		}
		capped := n >= 3 && float64(capN) >= 0.6*float64(n)
		f := detectors.Finding{Subject: r.subject(),
			Evidence: []detectors.Evidence{
				detectors.Ev("backlog batches", float64(n), "count"),
				detectors.Ev("rows in the backlog batches", float64(rows), "count"),
				detectors.Ev("time of the backlog batches", float64(ms), "ms"),
				detectors.Ev("steady-state rows per batch", float64(steady), "count"),
				detectors.EvT("largest backlog batch over steady state", float64(maxRows(bs[i0:end+1]))/float64(steady), "ratio", "≥", p.Param("factor")),
			},
			Impact: detectors.Impact{WallClockMs: ms, WallClockShare: detectors.ShareOf(ms, detectors.AppDuration(a)),
				TaskTimeMs: ms, TaskTimeShare: detectors.ShareOf(ms, detectors.AppDuration(a))},
		}
		// The offsets still behind the latest after the first backlog batch
		// and at its end (Kafka): what the backlog left to read.
		for _, pt := range r.lags() {
			switch pt.batchID {
			case bs[i0].BatchID:
				f.Evidence = append(f.Evidence, detectors.Ev("offsets behind the latest after the first backlog batch", float64(pt.behind), "count"))
			case bs[end].BatchID:
				if end != i0 {
					f.Evidence = append(f.Evidence, detectors.Ev("offsets behind the latest after the last backlog batch", float64(pt.behind), "count"))
				}
			}
		}
		restart := "started"
		if r.prev != nil {
			restart = "restarted"
		}
		kind, opt := sourceKind(r)
		if kind != "" {
			kind += " "
		}
		// A limit that drains the backlog at about three times the steady
		// rate while keeping each batch bounded.
		limit := steady * 3
		if capped {
			f.Evidence = append(f.Evidence, detectors.Ev("rows per capped batch", float64(capSize), "count"))
			f.Message = fmt.Sprintf("Streaming %s %s with a backlog: its first %d batches ran at the input limit (%s rows each, %s the steady %s), %s rows over %s before it caught up",
				r.name(), restart, n, units.Count(capSize), units.Ratio(float64(capSize)/float64(steady)), units.Count(steady), units.Count(rows), units.Millis(ms))
			perRow := float64(ms) / float64(max(rows, 1))
			f.Advice = detectors.Advice{Questions: []string{"Q30"},
				Explanation: fmt.Sprintf("The %ssource's rate limit (%s) kept each backlog batch bounded, so the restart did not overload the query; the "+
					"backlog took %d batches and %s to drain. Each batch processed about %s rows/s: if the results must catch up sooner, raise the "+
					"limit as far as one batch can process within the latency you accept; keep it if the query shares the cluster.",
					kind, opt, n, units.Millis(ms), units.Count(int64(1000/math.Max(perRow, 1e-9)))),
				Changes: []detectors.Change{{Current: fmt.Sprintf("≈ %s rows per batch", units.Count(capSize)), Suggested: "keep " + opt + ", or raise it",
					Why: fmt.Sprintf("keep %s (≈ %s rows per batch), or raise it to drain faster: the backlog of %s rows took %d capped batches",
						opt, units.Count(capSize), units.Count(rows), n)}}}
		} else {
			f.Message = fmt.Sprintf("Streaming %s %s with a backlog: its first %d batch(es) took %s rows (%s the steady %s rows per batch) in %s",
				r.name(), restart, n, units.Count(rows), units.Ratio(float64(maxRows(bs[i0:end+1]))/float64(steady)), units.Count(steady), units.Millis(ms))
			f.Advice = detectors.Advice{Questions: []string{"Q30"},
				Explanation: fmt.Sprintf("Everything that arrived while the query was down went into its first batch: one oversized batch that risks running "+
					"out of memory and delays all results until it ends. Cap the input per batch so the backlog is worked off in bounded batches; "+
					"%s rows per batch (three times the steady batch) drains it at three times the arrival rate.", units.Count(limit)),
				Changes: []detectors.Change{limitChange(opt, limit)}}
		}
		p.Report(f)
	}
}

func maxRows(bs []batch) int64 {
	var m int64
	for _, b := range bs {
		m = max(m, b.NumInputRows)
	}
	return m
}

// limitChange caps the input per batch at limit rows: an option value for
// Kafka-like sources, a description for file sources (rows per file are not
// in the log).
func limitChange(opt string, limit int64) detectors.Change {
	why := "bounded batches while the backlog drains at about three times the arrival rate"
	if opt == "maxFilesPerTrigger" {
		return detectors.Change{Suggested: fmt.Sprintf("maxFilesPerTrigger for about %d rows per batch", limit),
			Why: fmt.Sprintf("option(\"maxFilesPerTrigger\", n) with n files holding about %s rows (3 × a steady batch): %s", units.Count(limit), why)}
	}
	return detectors.Change{Key: opt, Current: "(not set)", Suggested: fmt.Sprint(limit), Why: why}
}
