package detectors

import (
	"math/bits"
	"slices"
	"sort"

	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// rankBuffer is how many values a TaskRanks keeps before it stops copying
// them (512 KiB). Stages with at most this many values are ranked from a
// sorted copy, in the pass that feeds them; larger ones from a histogram
// and further passes over the stage's task log. A variable for the tests.
var rankBuffer = 1 << 16

// rankBuckets is the number of buckets of each histogram pass: every pass
// narrows a rank's window by this factor (12 bits of an int64).
const rankBuckets = 1 << 12

// TaskRanks computes exact order statistics (the median, the 75th
// percentile, the k-th smallest value) of a per-task value of a stage
// without copying the stage's tasks: memory stays bounded (about 600 KiB
// per TaskRanks) whatever the number of tasks.
//
// Feed it the stage's tasks with Add (in the detector's own pass over
// Stage.Tasks, or with FeedTasks), then ask At or Median. Up to rankBuffer
// values the answer comes from a sorted copy; beyond that At counts the
// values in a coarse histogram kept while they were added, then re-reads
// the task log (usually once, rarely more than three times) counting ever
// narrower windows around each rank until the values in a window fit in
// memory. The values are the same either way: the result is exact, and
// equal to sorting every value and indexing the sorted slice.
type TaskRanks struct {
	st    *appmodel.Stage
	value func(*appmodel.Task) (int64, bool)
	sel   rankSelect
	known map[int]int64 // ranks found by re-reading the task log
}

// NewTaskRanks returns a TaskRanks over the values value reports for the
// tasks of st; tasks for which it returns false are left out. value must
// not depend on anything but the task: it is called again for every task
// when the values did not fit in memory.
func NewTaskRanks(st *appmodel.Stage, value func(*appmodel.Task) (int64, bool)) *TaskRanks {
	return &TaskRanks{st: st, value: value}
}

// Add feeds one task (every task of the stage must be added, in the order
// Stage.Tasks gives them).
func (r *TaskRanks) Add(t *appmodel.Task) {
	if v, ok := r.value(t); ok {
		r.sel.add(v)
		r.known = nil
	}
}

// N is the number of values added.
func (r *TaskRanks) N() int { return r.sel.n }

// Max is the largest value added (0 when none).
func (r *TaskRanks) Max() int64 { return r.sel.max }

// Min is the smallest value added (0 when none).
func (r *TaskRanks) Min() int64 { return r.sel.min }

// At returns the values of ranks ks (0-based, in ascending order: rank
// N()-1 is the largest value); ranks outside [0, N()) are clamped. All
// zero when no value was added.
func (r *TaskRanks) At(ks ...int) []int64 {
	if r.sel.hist == nil {
		return r.sel.at(nil, ks)
	}
	// Re-read the task log only for the ranks not found before.
	out := make([]int64, len(ks))
	var missing []int
	for i, k := range ks {
		k = min(max(k, 0), r.sel.n-1)
		if v, ok := r.known[k]; ok {
			out[i] = v
		} else {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		vals := r.sel.at(func(yield func(int64)) {
			r.st.Tasks(func(t *appmodel.Task) bool {
				if v, ok := r.value(t); ok {
					yield(v)
				}
				return true
			})
		}, missing)
		if r.known == nil {
			r.known = map[int]int64{}
		}
		for i, k := range missing {
			r.known[k] = vals[i]
		}
		for i, k := range ks {
			out[i] = r.known[min(max(k, 0), r.sel.n-1)]
		}
	}
	return out
}

// Median is the value of rank N()/2, the upper median: the element at
// len/2 of the sorted values. 0 when no value was added.
func (r *TaskRanks) Median() int64 { return r.At(r.sel.n / 2)[0] }

// FeedTasks adds every task of st to each of rs, in one pass.
func FeedTasks(st *appmodel.Stage, rs ...*TaskRanks) {
	st.Tasks(func(t *appmodel.Task) bool {
		for _, r := range rs {
			r.Add(t)
		}
		return true
	})
}

// StageMedian is the upper median (see TaskRanks.Median) of value over the
// tasks of st, and the number of values; 0, 0 when there is none.
func StageMedian(st *appmodel.Stage, value func(*appmodel.Task) (int64, bool)) (median int64, n int) {
	r := NewTaskRanks(st, value)
	FeedTasks(st, r)
	return r.Median(), r.N()
}

// TaskDuration is a task's duration: the duration metric, or its finish
// minus launch time when the metric is not positive.
func TaskDuration(t *appmodel.Task) int64 {
	d := t.M[appmodel.Duration]
	if d <= 0 && t.FinishTime > t.LaunchTime {
		d = t.FinishTime - t.LaunchTime
	}
	return d
}

// rankSelect is the selection behind TaskRanks, over any replayable stream
// of int64 values.
type rankSelect struct {
	n        int
	min, max int64
	buf      []int64  // the values, while n <= rankBuffer
	hist     []uint32 // by coarseBucket, once n > rankBuffer
	sorted   bool
}

func (s *rankSelect) add(v int64) {
	if s.n == 0 || v < s.min {
		s.min = v
	}
	if s.n == 0 || v > s.max {
		s.max = v
	}
	s.n++
	if s.hist == nil {
		if len(s.buf) < rankBuffer {
			s.buf = append(s.buf, v)
			s.sorted = false
			return
		}
		// Too many to copy: count them by coarse bucket from now on.
		s.hist = make([]uint32, 2*magBuckets)
		for _, x := range s.buf {
			s.hist[coarseBucket(x)]++
		}
		s.buf = nil
	}
	s.hist[coarseBucket(v)]++
}

// at returns the values of ranks ks; replay must yield the values added,
// in the same order.
func (s *rankSelect) at(replay func(yield func(int64)), ks []int) []int64 {
	out := make([]int64, len(ks))
	if s.n == 0 {
		return out
	}
	clamp := func(k int) int { return min(max(k, 0), s.n-1) }
	if s.hist == nil {
		if !s.sorted {
			slices.Sort(s.buf)
			s.sorted = true
		}
		for i, k := range ks {
			out[i] = s.buf[clamp(k)]
		}
		return out
	}
	// One window per rank: the values in [lo, hi], of which there are cnt,
	// below of all the values being smaller.
	ws := make([]rankWindow, len(ks))
	for i, k := range ks {
		w := &ws[i]
		w.rank = clamp(k)
		switch {
		case w.rank == 0:
			w.done, w.val = true, s.min
			continue
		case w.rank == s.n-1:
			w.done, w.val = true, s.max
			continue
		}
		b, below := 0, 0
		for ; b < len(s.hist); b++ {
			if c := int(s.hist[b]); below+c > w.rank {
				break
			}
			below += int(s.hist[b])
		}
		w.lo, w.hi = coarseBounds(b)
		w.lo, w.hi = max(w.lo, s.min), min(w.hi, s.max)
		w.below, w.cnt = below, int(s.hist[b])
	}
	for {
		var open []*rankWindow
		for i := range ws {
			w := &ws[i]
			if w.done {
				continue
			}
			if w.lo >= w.hi {
				w.done, w.val = true, w.lo
				continue
			}
			w.values, w.counts = nil, nil
			if w.cnt <= rankBuffer {
				w.values = make([]int64, 0, w.cnt)
			} else {
				w.width = (uint64(w.hi)-uint64(w.lo))/rankBuckets + 1
				w.counts = make([]uint32, rankBuckets)
			}
			open = append(open, w)
		}
		if len(open) == 0 {
			break
		}
		replay(func(v int64) {
			for _, w := range open {
				if v < w.lo || v > w.hi {
					continue
				}
				if w.counts == nil {
					w.values = append(w.values, v)
				} else {
					w.counts[(uint64(v)-uint64(w.lo))/w.width]++
				}
			}
		})
		for _, w := range open {
			if w.counts == nil {
				w.done = true
				if len(w.values) == 0 {
					w.val = w.lo // cannot happen: replay gave other values
					continue
				}
				slices.Sort(w.values)
				w.val = w.values[min(max(w.rank-w.below, 0), len(w.values)-1)]
				w.values = nil
				continue
			}
			b, below := 0, w.below
			for ; b < rankBuckets-1; b++ {
				if c := int(w.counts[b]); below+c > w.rank {
					break
				}
				below += int(w.counts[b])
			}
			span := uint64(w.hi) - uint64(w.lo)
			off := uint64(b) * w.width
			end := span
			if w.width-1 <= span-off {
				end = off + w.width - 1
			}
			w.lo, w.hi = int64(uint64(w.lo)+off), int64(uint64(w.lo)+end)
			w.below, w.cnt = below, int(w.counts[b])
			w.counts = nil
		}
	}
	for i := range ws {
		out[i] = ws[i].val
	}
	return out
}

type rankWindow struct {
	rank       int
	lo, hi     int64
	below, cnt int
	width      uint64
	counts     []uint32
	values     []int64
	done       bool
	val        int64
}

// The coarse histogram: magnitudes below 128 get a bucket each, larger
// ones 128 buckets per power of two (the 7 bits after the leading one).
// Negative values mirror the positive ones below them, so that bucket order
// is value order.
const magBuckets = 128 + 56*128 + 128

func magBucket(u uint64) int {
	if u < 128 {
		return int(u)
	}
	e := bits.Len64(u) // 8 to 64
	return 128 + (e-8)*128 + int(u>>(e-8)&127)
}

// magBounds is the range of magnitudes in bucket b.
func magBounds(b int) (lo, hi uint64) {
	if b < 128 {
		return uint64(b), uint64(b)
	}
	e := (b-128)/128 + 8
	m := uint64((b - 128) % 128)
	lo = (128 + m) << (e - 8)
	return lo, lo + (1 << (e - 8)) - 1
}

func coarseBucket(v int64) int {
	if v >= 0 {
		return magBuckets + magBucket(uint64(v))
	}
	return magBuckets - 1 - magBucket(uint64(-v)) // -MinInt64 wraps to its magnitude
}

// coarseBounds is the range of values in coarse bucket b.
func coarseBounds(b int) (lo, hi int64) {
	if b >= magBuckets {
		l, h := magBounds(b - magBuckets)
		if h > 1<<63-1 {
			h = 1<<63 - 1
		}
		return int64(l), int64(h)
	}
	l, h := magBounds(magBuckets - 1 - b)
	h = min(h, 1<<63)
	return -int64(h), -int64(l) // h = 1<<63 is MinInt64's magnitude
}

// MedianInt64 is the upper median of xs (xs[n/2] once sorted), 0 when xs is
// empty; xs is not changed.
func MedianInt64(xs []int64) int64 {
	if len(xs) == 0 {
		return 0
	}
	c := slices.Clone(xs)
	slices.Sort(c)
	return c[len(c)/2]
}

// MedianExcluding is the upper median of the multiset all minus mine, both
// sorted, mine drawn from all; 0 when nothing is left. It costs
// O(log len(all) · log len(mine)), so that each executor of a stage can be
// compared with all the others without copying the others' values.
func MedianExcluding(all, mine []int64) int64 {
	left := len(all) - len(mine)
	if left <= 0 {
		return 0
	}
	rank := left / 2 // the (rank+1)-th smallest value that is not mine
	// The smallest value v of all with count(all ≤ v) − count(mine ≤ v) > rank.
	i := sort.Search(len(all), func(i int) bool {
		v := all[i]
		inAll := sort.Search(len(all), func(k int) bool { return all[k] > v })
		inMine := sort.Search(len(mine), func(k int) bool { return mine[k] > v })
		return inAll-inMine > rank
	})
	return all[i]
}
