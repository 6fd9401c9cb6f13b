package baseline

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/jobkey"
	"github.com/sparkdiag/sparkdiag/advice/units"
)

// Metric is one figure of a run that drift is checked on.
type Metric struct {
	Key   string
	Label string
	// Unit is "ms", "bytes", "count" or "ratio", for formatting.
	Unit string
	// Floor is the smallest change from the usual value that can count as
	// drift, so that noise on small jobs (a few seconds, a few MB) does
	// not raise alarms.
	Floor float64
	// Down says that a fall is also worth telling (input that shrinks
	// may mean missing upstream data).
	Down bool
	Get  func(*Run) float64
}

// Metrics are the figures checked, in report order.
var Metrics = []Metric{
	{Key: "duration", Label: "duration", Unit: "ms", Floor: 10_000, Get: func(r *Run) float64 { return float64(r.DurationMs) }},
	{Key: "taskTime", Label: "task time", Unit: "ms", Floor: 60_000, Get: func(r *Run) float64 { return float64(r.TaskTimeMs) }},
	{Key: "input", Label: "input", Unit: "bytes", Floor: 16 << 20, Down: true, Get: func(r *Run) float64 { return float64(r.InputBytes) }},
	{Key: "output", Label: "output", Unit: "bytes", Floor: 16 << 20, Down: true, Get: func(r *Run) float64 { return float64(r.OutputBytes) }},
	{Key: "shuffle", Label: "shuffle (read + write)", Unit: "bytes", Floor: 16 << 20, Get: func(r *Run) float64 { return float64(r.ShuffleReadBytes + r.ShuffleWriteBytes) }},
	{Key: "spill", Label: "spill (memory + disk)", Unit: "bytes", Floor: 16 << 20, Get: func(r *Run) float64 { return float64(r.MemoryBytesSpilled + r.DiskBytesSpilled) }},
	{Key: "tasks", Label: "tasks", Unit: "count", Floor: 50, Get: func(r *Run) float64 { return float64(r.Tasks) }},
	{Key: "failedTasks", Label: "failed tasks", Unit: "count", Floor: 1, Get: func(r *Run) float64 { return float64(r.FailedTasks) }},
	// Skew that appears on some days is Q4's "irregular slowdown": the
	// floor keeps ordinary jitter of a few x out.
	{Key: "skew", Label: "task skew (slowest / median task)", Unit: "ratio", Floor: 4, Get: func(r *Run) float64 { return r.TaskSkew }},
}

// MetricByKey finds a metric.
func MetricByKey(k string) *Metric {
	for i := range Metrics {
		if Metrics[i].Key == k {
			return &Metrics[i]
		}
	}
	return nil
}

// Policy says how many runs make a baseline and how far a run must be
// from it to drift.
type Policy struct {
	// MinRuns is the fewest earlier runs that make a baseline. Default 3.
	MinRuns int
	// Window is how many of the latest earlier runs the baseline uses.
	// Default 10.
	Window int
	// Ratio is how far above (or, for the metrics that check falls, below)
	// the median a value must be: 1.5 flags +50 %. Default 1.5.
	Ratio float64
	// MADs is how many robust standard deviations (1.4826 × the median
	// absolute deviation) above the median a value must also be, so that
	// a job whose runs always vary a lot is not flagged for its usual
	// swings. Default 3.
	MADs float64
	// MinSimilarity is how alike (jobkey.Compare: the share of stage and
	// SQL identities in common) an earlier run's shape must be to this
	// run's to count in its baseline: earlier runs of the job that did
	// other work are left out. Default 0.5; 0 < MinSimilarity <= 1.
	MinSimilarity float64
}

// DefaultPolicy is the policy used when none is given.
func DefaultPolicy() Policy {
	return Policy{MinRuns: 3, Window: 10, Ratio: 1.5, MADs: 3, MinSimilarity: DefaultMinSimilarity}
}

// DefaultMinSimilarity is the default Policy.MinSimilarity. Runs of one
// job share most of their stages and queries (the 14 nights of
// testdata/recurring, regressions included, have the same shape; one
// script run under Spark 3.5.9 and 4.3.0, testdata/spark, mostly 0.7 to
// 1), runs that only share a name share none or a few generic ones (two
// TPC-DS queries run by one benchmark harness: 0.33).
const DefaultMinSimilarity = 0.5

// WithDefaults is the policy with DefaultPolicy's value in every field
// left unset (or out of range).
func (p Policy) WithDefaults() Policy {
	p.defaults()
	return p
}

func (p *Policy) defaults() {
	d := DefaultPolicy()
	if p.MinRuns <= 0 {
		p.MinRuns = d.MinRuns
	}
	if p.Window <= 0 {
		p.Window = d.Window
	}
	if p.Ratio <= 1 {
		p.Ratio = d.Ratio
	}
	if p.MADs <= 0 {
		p.MADs = d.MADs
	}
	if p.MinSimilarity <= 0 || p.MinSimilarity > 1 {
		p.MinSimilarity = d.MinSimilarity
	}
}

// Drift is one figure of a run that is far from the job's usual runs.
type Drift struct {
	Metric string  `json:"metric"`
	Label  string  `json:"label"`
	Unit   string  `json:"unit"`
	Value  float64 `json:"value"`
	// Median and Spread (1.4826 × MAD) of the baseline runs.
	Median float64 `json:"median"`
	Spread float64 `json:"spread"`
	// Ratio is Value / Median (+Inf is written as 0 with FromZero set).
	Ratio    float64 `json:"ratio"`
	FromZero bool    `json:"fromZero,omitempty"`
	// Direction is "up" or "down".
	Direction string `json:"direction"`
	// Severity is "warning", or "error" when the value is 3x the usual
	// or more (or appeared from nothing for spill and failures).
	Severity string `json:"severity"`
	// Message is one line for people.
	Message string `json:"message"`
}

// Baseline is the comparison of a run with its job's earlier runs.
type Baseline struct {
	// Job is the job key the run was compared within ("" when the run has
	// no job identity: see Note).
	Job string `json:"job,omitempty"`
	// Note says, in plain words, why the run was not compared (no job
	// identity; earlier runs of the job that did different work) or which
	// earlier runs were left out.
	Note string `json:"note,omitempty"`
	// Unrelated is how many earlier runs of the job were left out because
	// they did different work (shape similarity below
	// Policy.MinSimilarity).
	Unrelated int `json:"unrelated,omitempty"`
	// Runs is how many earlier runs make the baseline (0: none yet).
	Runs int `json:"runs"`
	// Enough is false when there are fewer than Policy.MinRuns.
	Enough bool `json:"enough"`
	// Median is the usual value of each metric, by key.
	Median map[string]float64 `json:"median"`
	Drift  []Drift            `json:"drift"`
	// Verdict explains the duration drift, when there is one, in terms of
	// input growth (Q4): "proportional to input" or "faster than input".
	Verdict string `json:"verdict,omitempty"`
	// History is the baseline runs, oldest first, then this run.
	History []Run `json:"history"`
	// Reference is the latest baseline run that looks usual (every figure
	// within 25 % of its median or within its noise floor),
	// to compare the run with ('sparkdiag diff'); nil when the run does
	// not drift or no baseline run is usual enough.
	Reference *Run `json:"reference,omitempty"`
}

// Compare checks run against history (earlier runs of the same job,
// oldest first). The earlier runs that did different work (shape
// similarity below Policy.MinSimilarity) are left out first, then only the
// last Policy.Window are used.
func Compare(run *Run, history []Run, p Policy) *Baseline {
	p.defaults()
	all := len(history)
	history, unrelated, none := sameShape(run, history, p.MinSimilarity)
	if len(history) > p.Window {
		history = history[len(history)-p.Window:]
	}
	b := &Baseline{Job: JobOf(run), Runs: len(history), Unrelated: unrelated, Median: map[string]float64{}, Drift: []Drift{}}
	b.History = append(append(make([]Run, 0, len(history)+1), history...), *run)
	// The shapes have done their work: the review's records carry the
	// run's own (job.shape), and the store keeps every run's.
	for i := range b.History {
		b.History[i].Shape = nil
	}
	if unrelated > 0 {
		what := "no stage or query"
		if none < unrelated {
			what = fmt.Sprintf("less than %.0f %% of their stages and queries", 100*p.MinSimilarity)
		}
		if len(history) < p.MinRuns {
			b.Note = fmt.Sprintf("%s groups runs that did different work: %d of %d earlier runs share %s with this one; not compared",
				jobLabel(run), unrelated, all, what)
		} else {
			b.Note = fmt.Sprintf("%d of %d earlier runs of %s did different work (they share %s with this one) and are left out",
				unrelated, all, jobLabel(run), what)
		}
	}
	if len(history) < p.MinRuns {
		return b
	}
	b.Enough = true
	vals := make([]float64, len(history))
	for _, m := range Metrics {
		for i := range history {
			vals[i] = m.Get(&history[i])
		}
		med, spread := medianSpread(vals)
		b.Median[m.Key] = med
		v := m.Get(run)
		if d, ok := check(m, v, med, spread, p); ok {
			b.Drift = append(b.Drift, d)
		}
	}
	b.Verdict = verdict(b, run)
	if len(b.Drift) > 0 {
		b.Reference = reference(history, b.Median)
	}
	return b
}

// sameShape keeps the runs of history whose shape is alike run's (or
// unknown: runs recorded before shapes), and counts those left out and,
// among them, those that share nothing with it.
func sameShape(run *Run, history []Run, min float64) (kept []Run, unrelated, none int) {
	kept = make([]Run, 0, len(history))
	for _, h := range history {
		sim, shared, ok := jobkey.Compare(run.Shape, h.Shape)
		if ok && sim < min {
			unrelated++
			if shared == 0 {
				none++
			}
			continue
		}
		kept = append(kept, h)
	}
	return kept, unrelated, none
}

// jobLabel names a run's job for people: "the name 'N'" when the job is
// keyed by its name, else "the job 'KEY'".
func jobLabel(r *Run) string {
	if k := JobOf(r); k != "" && !strings.HasPrefix(k, "name=") && !strings.HasPrefix(k, "name~") {
		return fmt.Sprintf("the job '%s'", k)
	}
	return fmt.Sprintf("the name '%s'", r.Name)
}

// reference picks the latest run whose every figure is close to the usual
// one: within 25 % of the median, or within the metric's noise floor
// (so spill or failures the usual runs do not have rule a run out).
func reference(history []Run, med map[string]float64) *Run {
	usual := func(r *Run) bool {
		for _, m := range Metrics {
			v, md := m.Get(r), med[m.Key]
			if m.Key == "failedTasks" {
				if v > md {
					return false
				}
				continue
			}
			if math.Abs(v-md) > math.Max(m.Floor, 0.25*md) {
				return false
			}
		}
		return true
	}
	for i := len(history) - 1; i >= 0; i-- {
		if r := &history[i]; usual(r) {
			ref := *r
			ref.Shape = nil
			return &ref
		}
	}
	return nil
}

func check(m Metric, v, med, spread float64, p Policy) (Drift, bool) {
	d := Drift{Metric: m.Key, Label: m.Label, Unit: m.Unit, Value: v, Median: med, Spread: spread, Severity: "warning"}
	delta := v - med
	switch {
	case delta > 0:
		if delta < m.Floor || (med > 0 && v < med*p.Ratio) || (spread > 0 && delta < p.MADs*spread) {
			return d, false
		}
		d.Direction = "up"
		if med > 0 {
			d.Ratio = v / med
			if d.Ratio >= 3 {
				d.Severity = "error"
			}
			d.Message = fmt.Sprintf("%s %s is %.1fx the usual %s", m.Label, format(m.Unit, v), d.Ratio, format(m.Unit, med))
		} else {
			d.FromZero = true
			if m.Key == "spill" || m.Key == "failedTasks" {
				d.Severity = "error"
			}
			d.Message = fmt.Sprintf("%s %s where the usual runs have none", m.Label, format(m.Unit, v))
		}
	case delta < 0 && m.Down:
		if -delta < m.Floor || v > med/p.Ratio || (spread > 0 && -delta < p.MADs*spread) {
			return d, false
		}
		d.Direction = "down"
		d.Ratio = v / med
		d.Message = fmt.Sprintf("%s %s is %.2fx the usual %s: missing or late upstream data?", m.Label, format(m.Unit, v), d.Ratio, format(m.Unit, med))
	default:
		return d, false
	}
	return d, true
}

func verdict(b *Baseline, run *Run) string {
	var slow *Drift
	for i := range b.Drift {
		if d := &b.Drift[i]; d.Direction == "up" && (d.Metric == "duration" || d.Metric == "taskTime") && d.Ratio > 0 {
			if slow == nil || d.Ratio > slow.Ratio {
				slow = d
			}
		}
	}
	if slow == nil {
		return ""
	}
	data := float64(run.InputBytes + run.ShuffleReadBytes)
	usual := b.Median["input"] + medianOf(b.History[:len(b.History)-1], func(r *Run) float64 { return float64(r.ShuffleReadBytes) })
	if usual <= 0 {
		return fmt.Sprintf("%s rose %.1fx; the usual runs read no input to compare with", slow.Label, slow.Ratio)
	}
	dr := data / usual
	switch {
	case slow.Ratio <= dr*1.35:
		return fmt.Sprintf("%s rose %.1fx with data read %.1fx: proportional to the data's growth (Q4: scale the cluster and the partition count with the input)", slow.Label, slow.Ratio, dr)
	default:
		why := "join explosion, skew, spill or too many tasks"
		if d := b.drift("output"); d != nil && d.Direction == "up" && d.Ratio >= 2*dr {
			why = fmt.Sprintf("output is %.0fx the usual: rows multiplied, a join explosion", d.Ratio)
		} else if d := b.drift("skew"); d != nil && d.Direction == "up" {
			why = fmt.Sprintf("skew: the slowest task is %.0fx the median, the usual is %.0fx", d.Value, d.Median)
		} else if d := b.drift("spill"); d != nil {
			why = "spill appeared"
		} else if d := b.drift("tasks"); d != nil && d.Direction == "up" {
			why = fmt.Sprintf("%.0fx the usual tasks: too many small tasks", d.Ratio)
		} else if d := b.drift("failedTasks"); d != nil {
			why = "tasks failed and ran again"
		}
		return fmt.Sprintf("%s rose %.1fx while data read rose %.1fx: faster than the data (Q4: %s; see the findings)", slow.Label, slow.Ratio, dr, why)
	}
}

func (b *Baseline) drift(metric string) *Drift {
	for i := range b.Drift {
		if b.Drift[i].Metric == metric {
			return &b.Drift[i]
		}
	}
	return nil
}

func medianOf(runs []Run, get func(*Run) float64) float64 {
	v := make([]float64, len(runs))
	for i := range runs {
		v[i] = get(&runs[i])
	}
	m, _ := medianSpread(v)
	return m
}

// medianSpread returns the median and 1.4826 × the median absolute
// deviation (a robust standard deviation).
func medianSpread(v []float64) (float64, float64) {
	if len(v) == 0 {
		return 0, 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	med := median(s)
	for i := range s {
		s[i] = math.Abs(s[i] - med)
	}
	sort.Float64s(s)
	return med, 1.4826 * median(s)
}

func median(sorted []float64) float64 {
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// Format writes a metric value for people.
func format(unit string, v float64) string {
	switch unit {
	case "ms":
		return units.Millis(int64(v))
	case "bytes":
		return units.Bytes(int64(v))
	case "ratio":
		return fmt.Sprintf("%.1fx", v)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}

// FormatValue writes a value of metric key for people.
func FormatValue(key string, v float64) string {
	if m := MetricByKey(key); m != nil {
		return format(m.Unit, v)
	}
	return fmt.Sprintf("%g", v)
}

// Usual is the usual value (the median) of each metric over the last
// Policy.Window runs (oldest first), by metric key.
func Usual(runs []Run, p Policy) map[string]float64 {
	p.defaults()
	if len(runs) > p.Window {
		runs = runs[len(runs)-p.Window:]
	}
	out := map[string]float64{}
	for _, m := range Metrics {
		out[m.Key] = medianOf(runs, m.Get)
	}
	return out
}
