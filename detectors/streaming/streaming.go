// Package streaming holds the Structured Streaming detectors. They read the
// queries' progress reports (QueryProgressEvent in the event log): batch
// durations and start times, input and processing rates, state store rows
// and memory, the event-time watermark and the rows it dropped.
//
// The trigger interval of a query is not in the log. The detectors infer
// it from the batch start times: with a processing-time trigger a batch
// that ends early waits for the next trigger, so the spacing of batches
// that had idle time before the next one is the interval; batches that
// start right after the previous one ended show that the query is busy all
// the time (its trigger, if any, is shorter than its batches).
package streaming

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// batch is one micro-batch with its parsed start time.
type batch struct {
	*appmodel.StreamingBatch
	start int64 // epoch ms, 0 when unknown
}

// queryRun is one run (run id) of a streaming query.
type queryRun struct {
	q       *appmodel.StreamingQuery
	batches []batch // in batch order
	prev    *queryRun
}

func parseTime(s string) int64 {
	if s == "" {
		return 0
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UnixMilli()
		}
	}
	return 0
}

// runs returns the query runs of the application, each linked to the
// previous run of the same query (a restart).
func runs(a *appmodel.Application) []*queryRun {
	var out []*queryRun
	last := map[string]*queryRun{}
	for _, q := range a.Streaming {
		r := &queryRun{q: q}
		for i := range q.Batches {
			b := &q.Batches[i]
			r.batches = append(r.batches, batch{StreamingBatch: b, start: parseTime(b.Timestamp)})
		}
		sort.SliceStable(r.batches, func(i, j int) bool { return r.batches[i].BatchID < r.batches[j].BatchID })
		r.prev = last[q.ID]
		last[q.ID] = r
		out = append(out, r)
	}
	return out
}

// data returns the batches that processed input (progress reports of idle
// queries have none).
func (r *queryRun) data() []batch {
	var out []batch
	for _, b := range r.batches {
		if b.NumInputRows > 0 {
			out = append(out, b)
		}
	}
	return out
}

func (r *queryRun) name() string {
	if r.q.Name != "" {
		return fmt.Sprintf("%q", r.q.Name)
	}
	id := r.q.ID
	if len(id) > 8 {
		id = id[:8]
	}
	return "query " + id
}

func (r *queryRun) subject() detectors.Subject {
	n := r.q.Name
	if n == "" {
		n = r.q.ID
	}
	return detectors.Subject{Kind: detectors.SubjectStreaming, QueryID: r.q.ID, Name: n}
}

// span is the wall-clock time the run's batches cover, in ms.
func (r *queryRun) span() int64 {
	if len(r.batches) == 0 {
		return 0
	}
	first, last := r.batches[0], r.batches[len(r.batches)-1]
	if first.start == 0 || last.start == 0 {
		var t int64
		for _, b := range r.batches {
			t += b.BatchDuration
		}
		return t
	}
	return last.start + last.BatchDuration - first.start
}

// busy is the summed batch duration of the run.
func (r *queryRun) busy() int64 {
	var t int64
	for _, b := range r.batches {
		t += b.BatchDuration
	}
	return t
}

// impact spreads a streaming problem over the run's span; the task time
// is that of the stages of the run's micro-batch SQL executions.
func (r *queryRun) impact(a *appmodel.Application, savings int64) detectors.Impact {
	span := r.span()
	ids := map[int64]bool{}
	for _, x := range batchSQL(a, r) {
		ids[x.ID] = true
	}
	var task int64
	for _, st := range a.Stages {
		if ids[st.SQLExecutionID] {
			task += st.Totals[appmodel.RunTime]
		}
	}
	return detectors.Impact{WallClockMs: span, WallClockShare: detectors.ShareOf(span, detectors.AppDuration(a)),
		TaskTimeMs: task, TaskTimeShare: detectors.ShareOf(task, detectors.TotalTaskTime(a)),
		SavingsMs: min(max(savings, 0), span)}
}

// trigger is what the batch spacing says about the trigger interval.
type trigger struct {
	intervalMs int64 // inferred interval, 0 when unknown
	idleGaps   int   // batches followed by idle time
	backToBack int   // batches followed at once by the next one
	how        string
}

// inferTrigger reads the trigger interval off the batch start times: the
// median spacing of the batches that ended before the next one started
// (rounded to 100 ms), when at least two do and agree within 10%.
func inferTrigger(bs []batch) trigger {
	var tr trigger
	var idle []int64
	for i := 0; i+1 < len(bs); i++ {
		a, b := bs[i], bs[i+1]
		if a.start == 0 || b.start == 0 || b.BatchID != a.BatchID+1 {
			continue
		}
		dt := b.start - a.start
		slack := max(int64(50), dt/20)
		if dt > a.BatchDuration+slack {
			tr.idleGaps++
			idle = append(idle, dt)
		} else {
			tr.backToBack++
		}
	}
	if len(idle) >= 2 {
		sort.Slice(idle, func(i, j int) bool { return idle[i] < idle[j] })
		med := idle[len(idle)/2]
		// A batch that overran waits for the next multiple of the interval:
		// the smallest spacings are the interval itself.
		lo := idle[0]
		agree := 0
		for _, d := range idle {
			if math.Abs(float64(d-lo)) <= 0.1*float64(lo) {
				agree++
			}
		}
		if agree >= 2 {
			tr.intervalMs = (lo + 50) / 100 * 100
			tr.how = fmt.Sprintf("the spacing of the %d batches that waited for their next trigger (%d ms; median spacing %d ms)", agree, lo, med)
		}
	}
	if tr.intervalMs == 0 {
		if tr.backToBack > 0 {
			tr.how = fmt.Sprintf("every batch started as soon as the one before it ended (%d of %d), so the interval, if any, is shorter than the batches", tr.backToBack, tr.backToBack+tr.idleGaps)
		} else {
			tr.how = "the log does not record the trigger and the batch times do not show it"
		}
	}
	return tr
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	ys := append([]float64(nil), xs...)
	sort.Float64s(ys)
	return ys[len(ys)/2]
}

// batchSQL returns the SQL executions of a run's micro-batches (their
// description names the run id).
func batchSQL(a *appmodel.Application, r *queryRun) []*appmodel.SQLExecution {
	var out []*appmodel.SQLExecution
	if r.q.RunID == "" {
		return nil
	}
	for _, x := range a.SQL {
		if strings.Contains(x.Description, r.q.RunID) || strings.Contains(x.Details, r.q.RunID) {
			out = append(out, x)
		}
	}
	return out
}

// findOp returns the first node, in the run's micro-batch plans, whose name
// starts with one of the prefixes.
func findOp(a *appmodel.Application, r *queryRun, prefixes ...string) *appmodel.PlanNode {
	for _, x := range batchSQL(a, r) {
		if x.FinalPlan() == nil {
			continue
		}
		if n := detectors.FindNode(detectors.Nodes(x, ""), prefixes...); n != nil {
			return n
		}
	}
	return nil
}

// sourceKind names the rate-limit option of a run's source.
func sourceKind(r *queryRun) (kind, option string) {
	for _, b := range r.batches {
		for _, s := range b.Sources {
			ls := strings.ToLower(s)
			switch {
			case strings.Contains(ls, "kafka"):
				return "Kafka", "maxOffsetsPerTrigger"
			case strings.Contains(ls, "filestream") || strings.Contains(ls, "cloudfiles"):
				return "file", "maxFilesPerTrigger"
			case strings.Contains(ls, "kinesis"):
				return "Kinesis", "maxRecordsPerFetch"
			case strings.Contains(ls, "rate"):
				return "rate", "rowsPerSecond"
			}
		}
	}
	return "", "maxOffsetsPerTrigger"
}

// durationText writes ms as a Spark interval ("2 minutes", "30 seconds").
func durationText(ms int64) string {
	switch {
	case ms >= 3_600_000 && ms%3_600_000 == 0:
		return fmt.Sprintf("%d hours", ms/3_600_000)
	case ms >= 60_000 && ms%60_000 == 0:
		return fmt.Sprintf("%d minutes", ms/60_000)
	default:
		return fmt.Sprintf("%d seconds", (ms+999)/1000)
	}
}

// roundInterval rounds ms up to a duration people configure: whole
// seconds below a minute, whole minutes below an hour.
func roundInterval(ms int64) int64 {
	switch {
	case ms <= 60_000:
		return (ms + 999) / 1000 * 1000
	case ms <= 3_600_000:
		return (ms + 59_999) / 60_000 * 60_000
	default:
		return (ms + 3_599_999) / 3_600_000 * 3_600_000
	}
}

var (
	windowColRe = regexp.MustCompile(`precisetimestampconversion\(([A-Za-z_]\w*)#\d+, TimestampType`)
	windowLenRe = regexp.MustCompile(`% (\d+)\)`)
	watermarkRe = regexp.MustCompile(`^EventTimeWatermark ([A-Za-z_]\w*)#\d+: \w+, (.+)$`)
)

// windowInfo reads the event-time column and the window length (ms) of a
// windowed aggregation from the run's plans.
func windowInfo(a *appmodel.Application, r *queryRun) (col string, lengthMs int64) {
	for _, x := range batchSQL(a, r) {
		if x.FinalPlan() == nil {
			continue
		}
		x.FinalPlan().Walk(func(n *appmodel.PlanNode) bool {
			if col != "" {
				return false
			}
			if m := windowColRe.FindStringSubmatch(n.SimpleString); m != nil {
				col = m[1]
				if l := windowLenRe.FindStringSubmatch(n.SimpleString); l != nil {
					if us, err := strconv.ParseInt(l[1], 10, 64); err == nil {
						lengthMs = us / 1000
					}
				}
			}
			return true
		})
		if col != "" {
			return col, lengthMs
		}
	}
	return "", 0
}

// watermarkInfo reads the watermark column and delay ("10 seconds") of the
// run's plans (EventTimeWatermark).
func watermarkInfo(a *appmodel.Application, r *queryRun) (col, delay string) {
	for _, x := range batchSQL(a, r) {
		if x.FinalPlan() == nil {
			continue
		}
		for _, n := range detectors.Nodes(x, "EventTimeWatermark") {
			if m := watermarkRe.FindStringSubmatch(strings.TrimSpace(n.SimpleString)); m != nil {
				return m[1], m[2]
			}
		}
	}
	return "", ""
}

// lagPoint is how far a batch ended behind the latest offsets of its
// sources (the sum over the sources that say).
type lagPoint struct {
	batchID int64
	start   int64 // epoch ms, 0 when unknown
	behind  int64
	rows    int64
}

// lags returns the batches of the run whose sources report how far they
// were behind the latest offsets (Kafka: from the offsets or the
// offsetsBehindLatest metrics), in batch order.
func (r *queryRun) lags() []lagPoint {
	var out []lagPoint
	for _, b := range r.batches {
		var n int64
		ok := false
		for i := range b.SourceProgress {
			if v, has := b.SourceProgress[i].OffsetsBehind(); has {
				n += v
				ok = true
			}
		}
		if ok {
			out = append(out, lagPoint{batchID: b.BatchID, start: b.start, behind: n, rows: b.NumInputRows})
		}
	}
	return out
}

// lagTrend is the lag over the last batches of a run: the last half of the
// batches that report it.
type lagTrend struct {
	window      []lagPoint
	first, last lagPoint
	rose        int     // steps of the window in which the lag rose
	perBatch    float64 // offsets added per batch over the window
	perHour     float64 // offsets added per hour, 0 when the times are unknown
	medRows     int64   // median input rows per batch of the window
	growing     bool
}

// trendOf measures the lag of the run's last batches. The lag grows when,
// over at least minPoints batches, it rose in riseShare of the steps, ended
// at least growth times where it started, and grew by more than a median
// batch of input.
func trendOf(r *queryRun, minPoints int, riseShare, growth float64) (lagTrend, bool) {
	pts := r.lags()
	if len(pts) == 0 {
		return lagTrend{}, false
	}
	n := max(len(pts)/2, minPoints)
	if n > len(pts) {
		n = len(pts)
	}
	t := lagTrend{window: pts[len(pts)-n:]}
	t.first, t.last = t.window[0], t.window[len(t.window)-1]
	var rows []int64
	for i, p := range t.window {
		rows = append(rows, p.rows)
		if i > 0 && p.behind > t.window[i-1].behind {
			t.rose++
		}
	}
	t.medRows = detectors.MedianInt64(rows)
	added := float64(t.last.behind - t.first.behind)
	if steps := t.last.batchID - t.first.batchID; steps > 0 {
		t.perBatch = added / float64(steps)
	}
	if t.first.start > 0 && t.last.start > t.first.start {
		t.perHour = added / float64(t.last.start-t.first.start) * 3_600_000
	}
	t.growing = len(t.window) >= minPoints && len(t.window) >= 2 &&
		float64(t.rose) >= riseShare*float64(len(t.window)-1) &&
		float64(t.last.behind) >= growth*float64(max(t.first.behind, 1)) &&
		t.last.behind-t.first.behind > max(t.medRows, 1)
	return t, true
}

// evidence describes the lag.
func (t lagTrend) evidence() []detectors.Evidence {
	ev := []detectors.Evidence{
		detectors.Ev("offsets behind the latest, last batch", float64(t.last.behind), "count"),
		detectors.Ev(fmt.Sprintf("offsets behind the latest, %d batches earlier", t.last.batchID-t.first.batchID), float64(t.first.behind), "count"),
		detectors.Ev("offsets behind the latest, added per batch", t.perBatch, "count"),
	}
	if t.perHour != 0 {
		ev = append(ev, detectors.Ev("offsets behind the latest, added per hour", t.perHour, "count"))
	}
	return ev
}
