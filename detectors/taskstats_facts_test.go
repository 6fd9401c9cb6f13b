package detectors

import (
	"math"
	"math/rand"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// TestRankSelect checks the selection against a sorted copy, with the
// buffer small enough that most cases take the histogram passes.
func TestRankSelect(t *testing.T) {
	defer func(b int) { rankBuffer = b }(rankBuffer)
	rng := rand.New(rand.NewSource(7))
	gens := map[string]func(i int) int64{
		"small":      func(int) int64 { return int64(rng.Intn(100)) },
		"equal":      func(int) int64 { return 4242 },
		"durations":  func(int) int64 { return int64(math.Exp(rng.NormFloat64()*2 + 6)) },
		"bytes":      func(int) int64 { return rng.Int63n(1 << 34) },
		"negative":   func(int) int64 { return rng.Int63n(1<<40) - 1<<39 },
		"extremes":   func(i int) int64 { return []int64{math.MinInt64, math.MaxInt64, 0, -1, 1}[i%5] },
		"wide":       func(int) int64 { return int64(rng.Uint64()) },
		"repeated":   func(i int) int64 { return int64(i/500) * 1_000_003 },
		"clustered":  func(int) int64 { return 1<<40 + rng.Int63n(3000) },
		"two values": func(i int) int64 { return int64(i%2) * (1 << 50) },
	}
	for _, buf := range []int{1 << 16, 64, 1} {
		rankBuffer = buf
		for name, gen := range gens {
			for _, n := range []int{1, 2, 3, 10, 1000, 20000} {
				xs := make([]int64, n)
				var s rankSelect
				for i := range xs {
					xs[i] = gen(i)
					s.add(xs[i])
				}
				replays := 0
				replay := func(yield func(int64)) {
					replays++
					for _, x := range xs {
						yield(x)
					}
				}
				sorted := slices.Clone(xs)
				slices.Sort(sorted)
				ks := []int{0, n / 4, n / 2, n * 3 / 4, n - 2, n - 1, n, -1}
				got := s.at(replay, ks)
				for i, k := range ks {
					want := sorted[min(max(k, 0), n-1)]
					if got[i] != want {
						t.Fatalf("buffer %d, %s, n=%d: rank %d = %d, want %d", buf, name, n, k, got[i], want)
					}
				}
				if n <= buf && replays > 0 {
					t.Errorf("buffer %d, %s, n=%d: %d replays for values that fit", buf, name, n, replays)
				}
				if replays > 8 {
					t.Errorf("buffer %d, %s, n=%d: %d replays", buf, name, n, replays)
				}
				if s.min != sorted[0] || s.max != sorted[n-1] {
					t.Errorf("buffer %d, %s, n=%d: min, max %d, %d", buf, name, n, s.min, s.max)
				}
			}
		}
	}
	var empty rankSelect
	if got := empty.at(func(func(int64)) {}, []int{0, 3}); got[0] != 0 || got[1] != 0 {
		t.Errorf("empty: %v", got)
	}
}

func TestCoarseBuckets(t *testing.T) {
	vals := []int64{math.MinInt64, math.MinInt64 + 1, -1 << 62, -12345678, -129, -128, -127, -1, 0, 1, 127, 128, 129, 255, 256, 12345678, 1 << 62, math.MaxInt64}
	prev := -1
	for _, v := range vals {
		b := coarseBucket(v)
		if b < prev {
			t.Errorf("bucket of %d (%d) below the previous one (%d)", v, b, prev)
		}
		prev = b
		lo, hi := coarseBounds(b)
		if v < lo || v > hi {
			t.Errorf("%d in bucket %d = [%d, %d]", v, b, lo, hi)
		}
		if coarseBucket(lo) != b || coarseBucket(hi) != b {
			t.Errorf("bounds [%d, %d] of bucket %d are in %d, %d", lo, hi, b, coarseBucket(lo), coarseBucket(hi))
		}
	}
}

// TestTaskRanksStage compares TaskRanks with sorted copies on a real stage,
// through the histogram passes over the task log.
func TestTaskRanksStage(t *testing.T) {
	defer func(b int) { rankBuffer = b }(rankBuffer)
	logs, err := source.Open(filepath.Join("..", "testdata", "public", "rp_sql_eventlog.zstd"))
	if err != nil {
		t.Skip(err)
	}
	a, _, err := appmodel.Load(logs[0], eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	values := map[string]func(*appmodel.Task) (int64, bool){
		"duration": func(t *appmodel.Task) (int64, bool) { return TaskDuration(t), t.Status == appmodel.TaskSuccess },
		"data":     func(t *appmodel.Task) (int64, bool) { return t.M[appmodel.InputBytes] + t.M.ShuffleReadBytes(), true },
	}
	checked := 0
	for _, buf := range []int{1 << 16, 8} {
		rankBuffer = buf
		for _, st := range a.Stages {
			for name, value := range values {
				var xs []int64
				st.Tasks(func(t *appmodel.Task) bool {
					if v, ok := value(t); ok {
						xs = append(xs, v)
					}
					return true
				})
				r := NewTaskRanks(st, value)
				FeedTasks(st, r)
				if r.N() != len(xs) {
					t.Fatalf("stage %d %s: N %d, want %d", st.ID, name, r.N(), len(xs))
				}
				if len(xs) == 0 {
					continue
				}
				slices.Sort(xs)
				n := len(xs)
				got := r.At(n/2, min(n*3/4, n-1), 0, n-1)
				want := []int64{xs[n/2], xs[min(n*3/4, n-1)], xs[0], xs[n-1]}
				if !slices.Equal(got, want) {
					t.Errorf("buffer %d, stage %d %s: %v, want %v", buf, st.ID, name, got, want)
				}
				// Again, partly from the ranks already found.
				if again := r.At(n-1, n/2, n/3); again[0] != xs[n-1] || again[1] != xs[n/2] || again[2] != xs[n/3] {
					t.Errorf("buffer %d, stage %d %s: again %v", buf, st.ID, name, again)
				}
				if m, _ := StageMedian(st, value); m != xs[n/2] || r.Max() != xs[n-1] || r.Min() != xs[0] {
					t.Errorf("buffer %d, stage %d %s: median %d max %d min %d", buf, st.ID, name, m, r.Max(), r.Min())
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no stage with tasks")
	}
}

// TestMedianExcluding against the median of the copied remainder.
func TestMedianExcluding(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for n := 1; n < 60; n++ {
		all := make([]int64, n)
		for i := range all {
			all[i] = int64(rng.Intn(8)) // many equal values
		}
		slices.Sort(all)
		for k := 0; k < n; k++ {
			pick := rng.Perm(n)[:k]
			slices.Sort(pick)
			var mine, rest []int64
			j := 0
			for i, v := range all {
				if j < len(pick) && pick[j] == i {
					mine = append(mine, v)
					j++
				} else {
					rest = append(rest, v)
				}
			}
			if got, want := MedianExcluding(all, mine), MedianInt64(rest); got != want {
				t.Fatalf("all %v mine %v: %d, want %d", all, mine, got, want)
			}
		}
	}
}
