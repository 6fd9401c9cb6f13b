package appmodel

import "math"

// SketchThreshold is the number of task attempts above which a stage's
// quantiles (Quantiles, HSQuantiles, HSQuantilesFunc, Summarize) come from
// a quantile sketch instead of a sorted copy of the values: memory then
// stays flat (a few kilobytes instead of eight bytes per task) whatever the
// size of the stage. The sketch gives the exact minimum, maximum, count,
// mean and total, the exact value for every value up to sketchExact, and a
// value within SketchAccuracy (relative) of the exact one above that.
var SketchThreshold = 200_000

// SketchAccuracy is the relative accuracy of the sketch's quantiles: the
// buckets are half as wide, which leaves room for rounding the estimate to
// an integer.
const SketchAccuracy = 0.01

const (
	sketchAlpha = SketchAccuracy / 2
	sketchExact = 128 // values up to this get a bucket each
	// sketchMaxBuckets bounds the buckets of each sign; it covers every
	// int64 at sketchAlpha (about 3,800 are ever needed), so collapsing
	// never happens in practice.
	sketchMaxBuckets = 8192
)

var (
	sketchGamma    = (1 + sketchAlpha) / (1 - sketchAlpha)
	sketchLogGamma = math.Log(sketchGamma)
)

// sketch is a mergeable quantile sketch of int64 values with relative
// accuracy (after DDSketch, Masson et al., VLDB 2019): values go into
// buckets whose bounds grow geometrically by gamma = (1+a)/(1-a), so that
// any value of a bucket is within a of the bucket's representative. Small
// values (|v| <= sketchExact) get a bucket each and are exact. Two sketches
// merge by adding their bucket counts.
type sketch struct {
	pos, neg store // values > 0 and the magnitudes of values < 0
	zeros    int64
	n        int64
	min, max int64
	sum      float64
}

// store counts by bucket index: counts[i] is bucket offset+i.
type store struct {
	offset int
	counts []int64
}

func (s *store) add(idx int, c int64) {
	if len(s.counts) == 0 {
		s.offset = idx
		s.counts = append(s.counts, 0)
	}
	if idx < s.offset {
		grow := s.offset - idx
		if len(s.counts)+grow > sketchMaxBuckets {
			// Collapse the lowest buckets into the first one kept.
			idx = s.offset
		} else {
			s.counts = append(make([]int64, grow, grow+len(s.counts)), s.counts...)
			s.offset = idx
		}
	}
	for idx-s.offset >= len(s.counts) {
		if len(s.counts) >= sketchMaxBuckets {
			s.collapseLow()
			continue
		}
		s.counts = append(s.counts, 0)
	}
	s.counts[idx-s.offset] += c
}

// collapseLow merges the two lowest buckets to make room at the top.
func (s *store) collapseLow() {
	s.counts[1] += s.counts[0]
	s.counts = s.counts[1:]
	s.offset++
}

// bucketOf returns the bucket of a magnitude m > 0.
func bucketOf(m uint64) int {
	if m <= sketchExact {
		return int(m)
	}
	return sketchExact + int(math.Ceil(math.Log(float64(m)/sketchExact)/sketchLogGamma))
}

// valueOf returns the representative value of a bucket: the value itself
// for the exact ones, the point of least relative error otherwise.
func valueOf(idx int) float64 {
	if idx <= sketchExact {
		return float64(idx)
	}
	k := float64(idx - sketchExact)
	hi := sketchExact * math.Pow(sketchGamma, k)
	return math.Round(2 * hi / (sketchGamma + 1))
}

func (sk *sketch) add(v int64) {
	if sk.n == 0 || v < sk.min {
		sk.min = v
	}
	if sk.n == 0 || v > sk.max {
		sk.max = v
	}
	sk.n++
	sk.sum += float64(v)
	switch {
	case v > 0:
		sk.pos.add(bucketOf(uint64(v)), 1)
	case v < 0:
		sk.neg.add(bucketOf(uint64(-v)), 1) // -MinInt64 wraps to its own magnitude
	default:
		sk.zeros++
	}
}

// merge adds the values of o.
func (sk *sketch) merge(o *sketch) {
	if o.n == 0 {
		return
	}
	if sk.n == 0 || o.min < sk.min {
		sk.min = o.min
	}
	if sk.n == 0 || o.max > sk.max {
		sk.max = o.max
	}
	sk.n += o.n
	sk.sum += o.sum
	sk.zeros += o.zeros
	for i, c := range o.pos.counts {
		if c != 0 {
			sk.pos.add(o.pos.offset+i, c)
		}
	}
	for i, c := range o.neg.counts {
		if c != 0 {
			sk.neg.add(o.neg.offset+i, c)
		}
	}
}

// at returns the value of rank r (0-based, in ascending order); r must be
// in [0, n).
func (sk *sketch) at(r int64) float64 {
	if r <= 0 {
		return float64(sk.min)
	}
	if r >= sk.n-1 {
		return float64(sk.max)
	}
	v := sk.rank(r)
	return math.Max(float64(sk.min), math.Min(float64(sk.max), v))
}

func (sk *sketch) rank(r int64) float64 {
	seen := int64(0)
	// Negative values, the largest magnitude first.
	for i := len(sk.neg.counts) - 1; i >= 0; i-- {
		seen += sk.neg.counts[i]
		if r < seen {
			return -valueOf(sk.neg.offset + i)
		}
	}
	seen += sk.zeros
	if r < seen {
		return 0
	}
	for i, c := range sk.pos.counts {
		seen += c
		if r < seen {
			return valueOf(sk.pos.offset + i)
		}
	}
	return float64(sk.max)
}

// sketchPick is pick for a sketch: the values at min(floor(q*n), n-1).
func sketchPick(sk *sketch, qs []float64) []float64 {
	n := int(sk.n)
	out := make([]float64, len(qs))
	for i, q := range qs {
		idx := int(math.Floor(q * float64(n)))
		if idx > n-1 {
			idx = n - 1
		}
		if idx < 0 {
			idx = 0
		}
		out[i] = sk.at(int64(idx))
	}
	return out
}

// sketchHSPick is hsPick for a sketch of the population (n is the History
// Server's count, which may differ from the population's size).
func sketchHSPick(sk *sketch, n int, qs []float64) []float64 {
	vals := make([]float64, len(qs))
	for i, q := range qs {
		idx := int(math.Trunc(q * float64(n)))
		if idx > n-1 {
			idx = n - 1
		}
		if idx < 0 || int64(idx) >= sk.n {
			vals[i] = math.NaN()
			continue
		}
		vals[i] = sk.at(int64(idx))
	}
	return vals
}
