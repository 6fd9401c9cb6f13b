package appmodel

import (
	"math"
	"math/rand"
	"sort"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// within reports whether got is within SketchAccuracy of want.
func within(got, want float64) bool {
	if want == 0 {
		return got == 0
	}
	return math.Abs(got-want) <= SketchAccuracy*math.Abs(want)
}

func exactAt(sorted []int64, r int) float64 { return float64(sorted[r]) }

// TestSketchAccuracy: every rank of several distributions is within the
// promised accuracy; small values, the minimum and the maximum are exact.
func TestSketchAccuracy(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	dists := map[string]func() int64{
		"uniform ms":  func() int64 { return rng.Int63n(600_000) },
		"lognormal":   func() int64 { return int64(math.Exp(rng.NormFloat64()*2 + 8)) },
		"ns":          func() int64 { return rng.Int63n(1<<40) + 1 },
		"small ints":  func() int64 { return rng.Int63n(100) },
		"with zeros":  func() int64 { return rng.Int63n(3) * rng.Int63n(1e6) },
		"negative":    func() int64 { return rng.Int63n(2e6) - 1e6 },
		"extremes":    func() int64 { return []int64{math.MinInt64, -1, 0, 1, math.MaxInt64}[rng.Intn(5)] },
		"one value":   func() int64 { return 4242 },
		"heavy skew":  func() int64 { return int64(math.Pow(10, rng.Float64()*12)) },
		"near bucket": func() int64 { return 128 + rng.Int63n(3) },
	}
	for name, gen := range dists {
		var sk sketch
		xs := make([]int64, 20000)
		for i := range xs {
			xs[i] = gen()
			sk.add(xs[i])
		}
		sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
		if sk.at(0) != float64(xs[0]) || sk.at(int64(len(xs)-1)) != float64(xs[len(xs)-1]) {
			t.Errorf("%s: min/max %v %v, want %v %v", name, sk.at(0), sk.at(int64(len(xs)-1)), xs[0], xs[len(xs)-1])
		}
		for r := 0; r < len(xs); r += 7 {
			got, want := sk.at(int64(r)), exactAt(xs, r)
			if math.Abs(want) <= sketchExact && got != want {
				t.Fatalf("%s: rank %d: %v, want exactly %v", name, r, got, want)
			}
			if !within(got, want) {
				t.Fatalf("%s: rank %d: %v, want %v ± %.0f%%", name, r, got, want, 100*SketchAccuracy)
			}
		}
		if len(sk.pos.counts) > 5000 || len(sk.neg.counts) > 5000 {
			t.Errorf("%s: %d+%d buckets", name, len(sk.pos.counts), len(sk.neg.counts))
		}
	}
}

// TestSketchMerge: merging sketches of parts gives the sketch of the whole.
func TestSketchMerge(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	var whole, a, b, empty sketch
	for i := 0; i < 50000; i++ {
		v := int64(math.Exp(rng.NormFloat64()*3 + 5))
		if i%5 == 0 {
			v = -v
		}
		whole.add(v)
		if i%2 == 0 {
			a.add(v)
		} else {
			b.add(v)
		}
	}
	a.merge(&b)
	a.merge(&empty)
	empty.merge(&a)
	for _, m := range []*sketch{&a, &empty} {
		if m.n != whole.n || m.min != whole.min || m.max != whole.max || m.sum != whole.sum || m.zeros != whole.zeros {
			t.Fatalf("merged counts differ")
		}
		for r := int64(0); r < whole.n; r += 97 {
			if m.at(r) != whole.at(r) {
				t.Fatalf("rank %d: merged %v, whole %v", r, m.at(r), whole.at(r))
			}
		}
	}
}

// TestSketchedStageQuantiles lowers the threshold so that the stages of a
// real log are sketched, and compares with the exact answers.
func TestSketchedStageQuantiles(t *testing.T) {
	logs, err := source.Open(testlogs.Testdata("public", "nds_q86_test.zstd"))
	if err != nil {
		t.Fatal(err)
	}
	app, _, err := Load(logs[0], eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	qs := []float64{0, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 1}
	type answer struct {
		hs, q []float64
		ok    bool
		sum   Summary
	}
	exact := map[*Stage][]answer{}
	for _, st := range app.Stages {
		for m := Metric(0); m < NumMetrics; m++ {
			hs, ok := st.HSQuantiles(m, qs)
			q, _ := st.Quantiles(m, qs)
			exact[st] = append(exact[st], answer{hs, q, ok, st.Summarize(m)})
		}
	}
	defer func(old int) { SketchThreshold = old }(SketchThreshold)
	SketchThreshold = 0
	compared := 0
	for _, st := range app.Stages {
		for m := Metric(0); m < NumMetrics; m++ {
			want := exact[st][m]
			hs, ok := st.HSQuantiles(m, qs)
			q, _ := st.Quantiles(m, qs)
			sum := st.Summarize(m)
			if ok != want.ok || len(hs) != len(want.hs) || len(q) != len(want.q) {
				t.Fatalf("stage %d %v: shapes differ", st.ID, m)
			}
			for i := range hs {
				if (math.IsNaN(hs[i]) != math.IsNaN(want.hs[i])) || (!math.IsNaN(hs[i]) && !within(hs[i], want.hs[i])) {
					t.Fatalf("stage %d %v q%v: sketch %v, exact %v", st.ID, m, qs[i], hs[i], want.hs[i])
				}
				if !within(q[i], want.q[i]) {
					t.Fatalf("stage %d %v q%v: sketch %v, exact %v", st.ID, m, qs[i], q[i], want.q[i])
				}
				compared++
			}
			w := want.sum
			if sum.Count != w.Count || sum.Min != w.Min || sum.Max != w.Max || sum.Total != w.Total || sum.Mean != w.Mean ||
				!within(sum.Median, w.Median) || !within(sum.P95, w.P95) {
				t.Fatalf("stage %d %v: summary %+v, exact %+v", st.ID, m, sum, w)
			}
		}
	}
	t.Logf("%d quantiles compared", compared)
}
