package appmodel

import "math"

// MaxStreamingBatches bounds the progress reports a streaming query run
// keeps in full (StreamingQuery.Batches). A run with more (a query that ran
// for weeks reports a batch every few seconds: a million in a month) keeps
// its first and its last MaxStreamingBatches/2, and a StreamingSummary of
// all of them: counts and totals exact, quantiles from sketches within
// SketchAccuracy. Memory then stays flat whatever the length of the run.
var MaxStreamingBatches = 10_000

// StreamingSummary aggregates every progress report of a query run, kept
// in Batches or not.
type StreamingSummary struct {
	// Batches counts the progress reports; KeptBatches those in
	// StreamingQuery.Batches (the first and the last ones).
	Batches     int `json:"batches"`
	KeptBatches int `json:"keptBatches"`
	// BatchesWithData counts the batches that read input rows.
	BatchesWithData int `json:"batchesWithData"`
	// FirstBatchID and LastBatchID are the smallest and largest batch
	// ids; FirstTimestamp and LastTimestamp the start times of the first
	// and last reports (as logged).
	FirstBatchID   int64  `json:"firstBatchId"`
	LastBatchID    int64  `json:"lastBatchId"`
	FirstTimestamp string `json:"firstTimestamp,omitempty"`
	LastTimestamp  string `json:"lastTimestamp,omitempty"`
	// Totals over every batch.
	TotalBatchDuration int64 `json:"totalBatchDurationMs"`
	TotalInputRows     int64 `json:"totalInputRows"`
	TotalOutputRows    int64 `json:"totalOutputRows"`
	DroppedByWatermark int64 `json:"rowsDroppedByWatermark"`
	MaxStateRows       int64 `json:"maxStateRowsTotal"`
	MaxStateMemory     int64 `json:"maxStateMemoryUsedBytes"`
	// Distributions over every batch (rates rounded to whole rows per
	// second; OffsetsBehind over the batches whose sources report it, see
	// SourceProgress.OffsetsBehind).
	BatchDuration       Summary `json:"batchDurationMs"`
	InputRows           Summary `json:"numInputRows"`
	InputRowsPerSec     Summary `json:"inputRowsPerSecond"`
	ProcessedRowsPerSec Summary `json:"processedRowsPerSecond"`
	OffsetsBehind       Summary `json:"offsetsBehindLatest"`
}

// streamAgg accumulates a StreamingSummary while the model is built: a
// few kilobytes per query run, whatever its length.
type streamAgg struct {
	s                                   StreamingSummary
	dur, rows, inRate, procRate, behind sketch
}

func (g *streamAgg) add(b *StreamingBatch) {
	s := &g.s
	if s.Batches == 0 || b.BatchID < s.FirstBatchID {
		s.FirstBatchID = b.BatchID
	}
	if s.Batches == 0 || b.BatchID > s.LastBatchID {
		s.LastBatchID = b.BatchID
	}
	if s.Batches == 0 {
		s.FirstTimestamp = b.Timestamp
	}
	s.LastTimestamp = b.Timestamp
	s.Batches++
	if b.NumInputRows > 0 {
		s.BatchesWithData++
	}
	s.TotalBatchDuration += b.BatchDuration
	s.TotalInputRows += b.NumInputRows
	s.TotalOutputRows += b.NumOutputRows
	s.DroppedByWatermark += b.DroppedByWatermark
	s.MaxStateRows = max(s.MaxStateRows, b.StateRows)
	s.MaxStateMemory = max(s.MaxStateMemory, b.StateMemory)
	g.dur.add(b.BatchDuration)
	g.rows.add(b.NumInputRows)
	g.inRate.add(roundRate(b.InputRowsPerSec))
	g.procRate.add(roundRate(b.ProcessedRowsPerSec))
	var behind int64
	has := false
	for i := range b.SourceProgress {
		if v, ok := b.SourceProgress[i].OffsetsBehind(); ok {
			behind += v
			has = true
		}
	}
	if has {
		g.behind.add(behind)
	}
}

func roundRate(f float64) int64 {
	if math.IsNaN(f) || f <= 0 {
		return 0
	}
	if f >= math.MaxInt64/2 {
		return math.MaxInt64 / 2
	}
	return int64(math.Round(f))
}

// summarize is a sketch's Summary (all zeros when empty).
func (sk *sketch) summarize() Summary {
	if sk.n == 0 {
		return Summary{}
	}
	q := sketchPick(sk, []float64{0, 0.25, 0.5, 0.75, 0.95, 1})
	return Summary{Count: int(sk.n), Min: q[0], P25: q[1], Median: q[2], P75: q[3], P95: q[4], Max: q[5],
		Mean: sk.sum / float64(sk.n), Total: sk.sum}
}

// addBatch records one progress report of the run: kept in full while the
// run is short, otherwise the first half of the bound stays and the last
// half is a ring of the latest reports.
func (q *StreamingQuery) addBatch(b StreamingBatch) {
	if q.agg == nil {
		q.agg = &streamAgg{}
	}
	q.agg.add(&b)
	head := MaxStreamingBatches - MaxStreamingBatches/2
	tail := MaxStreamingBatches / 2
	switch {
	case len(q.Batches) < head:
		q.Batches = append(q.Batches, b)
	case len(q.tail) < tail:
		q.tail = append(q.tail, b)
	case tail > 0:
		q.tail[q.tailNext] = b
		q.tailNext = (q.tailNext + 1) % tail
		q.dropped++
	default:
		q.dropped++
	}
}

// finish puts the kept batches in log order and, when some were dropped,
// sets the summary.
func (q *StreamingQuery) finish() {
	if len(q.tail) > 0 {
		q.Batches = append(q.Batches, q.tail[q.tailNext:]...)
		q.Batches = append(q.Batches, q.tail[:q.tailNext]...)
	}
	if q.dropped > 0 && q.agg != nil {
		g := q.agg
		g.s.KeptBatches = len(q.Batches)
		g.s.BatchDuration = g.dur.summarize()
		g.s.InputRows = g.rows.summarize()
		g.s.InputRowsPerSec = g.inRate.summarize()
		g.s.ProcessedRowsPerSec = g.procRate.summarize()
		g.s.OffsetsBehind = g.behind.summarize()
		s := g.s
		q.Summary = &s
	}
	q.agg, q.tail, q.tailNext, q.dropped = nil, nil, 0, 0
}
