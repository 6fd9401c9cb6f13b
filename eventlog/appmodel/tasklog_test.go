package appmodel

import (
	"math/rand"
	"reflect"
	"testing"
)

// TestTaskLogRoundTrip writes tasks of every shape to a task log and reads
// them back.
func TestTaskLogRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	strs := newStrtab()
	execs := []string{"", "driver", "1", "2", "exec-with-a-long-name"}
	for _, e := range execs {
		strs.id(e)
	}
	for _, n := range []int{0, 1, 2, 50, 5000} {
		var l taskLog
		var want []Task
		launch := int64(1_700_000_000_000)
		for i := 0; i < n; i++ {
			tk := Task{
				TaskID:      int64(1000 + i*3 - rng.Intn(5)),
				Index:       rng.Intn(n + 1),
				Attempt:     rng.Intn(3) * rng.Intn(2) * 40,
				Status:      TaskStatus(rng.Intn(5)),
				Speculative: rng.Intn(7) == 0,
				HasMetrics:  rng.Intn(9) != 0,
				HadStart:    rng.Intn(9) != 0,
				Locality:    localities[rng.Intn(len(localities))],
				Executor:    execs[rng.Intn(len(execs))],
				Host:        execs[rng.Intn(len(execs))],
				Reason:      execs[rng.Intn(2)],
			}
			switch rng.Intn(3) {
			case 0:
				tk.PartitionID = tk.Index
			case 1:
				tk.PartitionID = -1
			default:
				tk.PartitionID = rng.Intn(100000) - 50
			}
			launch += int64(rng.Intn(2000) - 500)
			tk.LaunchTime = launch
			if rng.Intn(10) != 0 {
				tk.FinishTime = launch + int64(rng.Intn(100000))
			}
			for m := range tk.M {
				switch rng.Intn(4) {
				case 0:
				case 1:
					tk.M[m] = int64(rng.Intn(100))
				case 2:
					tk.M[m] = rng.Int63n(1 << 40)
				default:
					tk.M[m] = -rng.Int63n(1 << 20)
				}
			}
			// Mostly the derived values, as the builder writes them.
			if rng.Intn(4) != 0 {
				tk.M[Duration] = derivedDuration(tk.LaunchTime, tk.FinishTime)
			}
			if rng.Intn(4) != 0 {
				tk.M[SchedulerDelay] = derivedSchedulerDelay(&tk.M)
			}
			want = append(want, tk)
			if rng.Intn(3) == 0 {
				strs.setHost(strs.id(tk.Executor), strs.id(tk.Host))
			}
			l.add(strs, &tk, strs.id(tk.Executor), strs.id(tk.Host), strs.id(tk.Reason))
			if rng.Intn(500) == 0 {
				l.seal() // tasks may still come after a stage is closed
			}
		}
		if n%2 == 0 {
			l.seal()
		}
		var got []Task
		l.each(strs, func(tk *Task) bool {
			got = append(got, *tk)
			return true
		})
		if len(got) != len(want) || l.n != n {
			t.Fatalf("%d tasks: read %d back (n %d)", n, len(got), l.n)
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("%d tasks: task %d:\n got %+v\nwant %+v", n, i, got[i], want[i])
			}
		}
		if n > 0 && l.bytes() > n*300+maxChunk {
			t.Errorf("%d tasks take %d bytes", n, l.bytes())
		}
	}
}
