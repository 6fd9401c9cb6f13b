package triage

import (
	"fmt"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// warmUp renames stragglers that are not skew. Two patterns look like a
// straggler and are not one:
//   - first-wave warm-up: every task of the first wave is slow by about
//     the same amount (JVM start, class loading, code generation), and the
//     later tasks are fast;
//   - executor cold start: every slow task is the first task its executor
//     ran (a new executor under dynamic allocation deserializes and loads
//     classes before its first task can run).
//
// Neither is helped by speculation or repartitioning, so the finding
// becomes info with what it is and what helps.
func warmUp(c *Context) {
	var first map[string]int64 // executor → launch time of its first task
	for i := range c.Findings {
		f := &c.Findings[i]
		if f.DetectorID != "SKEW001" || !strings.HasPrefix(f.Message, "Straggler") {
			continue
		}
		st := subjectStage(c.App, f)
		if st == nil {
			continue
		}
		w := waveOf(st)
		if w.n == 0 {
			continue
		}
		switch {
		case w.firstWave():
			f.Message = fmt.Sprintf("Not skew: first-wave warm-up in stage %d: the %d tasks of the first wave took %s to %s, the later ones a median of %s "+
				"(JVM start, class loading and code generation on fresh task threads)", st.ID, w.wave, units.Millis(w.waveMin), units.Millis(w.waveMax), units.Millis(w.laterMedian()))
			f.Advice = detectors.Advice{Questions: []string{"Q3"}, Changes: []detectors.Change{},
				Explanation: "The whole first wave of tasks was slow by about the same amount and the later tasks were fast: that is warm-up of fresh JVMs " +
					"and task threads, not a skewed partition or a slow host. Speculation cannot help (every copy would warm up too). Long-lived executors, " +
					"fewer short applications, or a warm-up query amortize it."}
			f.Subject.ExecutorID = ""
			note(f, reclassifiedNote+"first-wave warm-up, not skew")
			demote(f, detectors.Info, "first-wave warm-up, not skew")
		case w.coldStart(c.App, &first):
			f.Message = fmt.Sprintf("Not skew: executor cold start in stage %d: each of its %s was the first task of a new executor "+
				"(deserialization %s of the slowest task's %s)", st.ID, units.Plural(w.nSlow, "slow task"), units.Millis(w.slowDeser), units.Millis(w.slowDur))
			f.Advice = coldStartAdvice(c.App)
			f.Subject.ExecutorID = ""
			note(f, reclassifiedNote+"executor cold start, not skew")
			demote(f, detectors.Info, "executor cold start, not skew")
		}
	}
}

// reclassifiedNote starts the note of a finding that triage found is not
// the problem its detector looked for.
const reclassifiedNote = "reclassified: "

// Reclassified reports whether triage found that f is not the problem its
// detector looked for: warm-up or a cold start instead of skew, Spark's own
// work instead of the application's. Scoring counts it for no problem.
func Reclassified(f *detectors.Finding) bool {
	if isOwnWork(f) {
		return true
	}
	for _, n := range f.Triage {
		if strings.HasPrefix(n, reclassifiedNote) {
			return true
		}
	}
	return false
}

type wave struct {
	n                int   // successful tasks
	wave             int   // tasks launched before the first one finished
	waveMin, waveMax int64 // their durations
	later            []int64
	nSlow            int // tasks far slower than the median
	slowInWave       int
	slowDur          int64
	slowDeser        int64
	slowTasks        []slowTask
	median           int64
}

type slowTask struct {
	exec   string
	launch int64
}

// waveOf reads a stage's successful tasks in two passes over its task log,
// keeping their durations for the medians (bounded by the stage's task
// count) and the slow tasks.
func waveOf(st *appmodel.Stage) *wave {
	w := &wave{}
	var firstFinish, firstLaunch int64
	var durs []int64
	st.Tasks(func(t *appmodel.Task) bool {
		if t.Status != appmodel.TaskSuccess || t.FinishTime <= 0 {
			return true
		}
		w.n++
		if firstFinish == 0 || t.FinishTime < firstFinish {
			firstFinish = t.FinishTime
		}
		if firstLaunch == 0 || t.LaunchTime < firstLaunch {
			firstLaunch = t.LaunchTime
		}
		durs = append(durs, t.M[appmodel.Duration])
		return true
	})
	if w.n < 2 {
		w.n = 0
		return w
	}
	w.median = detectors.MedianInt64(durs)
	var slowest int64
	for _, d := range durs {
		slowest = max(slowest, d)
	}
	// A slow task is one whose excess over the median is at least half the
	// slowest task's excess.
	slowCut := w.median + (slowest-w.median)/2
	// The first wave: the tasks launched in the first half of the time
	// before any task finished (slots freed by early finishers start the
	// second wave).
	waveEnd := firstLaunch + (firstFinish-firstLaunch)/2 + 1
	st.Tasks(func(t *appmodel.Task) bool {
		if t.Status != appmodel.TaskSuccess || t.FinishTime <= 0 {
			return true
		}
		d := t.M[appmodel.Duration]
		inWave := t.LaunchTime < waveEnd
		if inWave {
			if w.wave == 0 || d < w.waveMin {
				w.waveMin = d
			}
			w.waveMax = max(w.waveMax, d)
			w.wave++
		} else {
			w.later = append(w.later, d)
		}
		if d >= slowCut && d > w.median {
			w.nSlow++
			if inWave {
				w.slowInWave++
			}
			w.slowTasks = append(w.slowTasks, slowTask{exec: t.Executor, launch: t.LaunchTime})
			if d >= w.slowDur {
				w.slowDur, w.slowDeser = d, t.M[appmodel.DeserializeTime]
			}
		}
		return true
	})
	return w
}

func (w *wave) laterMedian() int64 { return detectors.MedianInt64(w.later) }

// firstWave: the slow tasks are the first wave, the wave is even, and
// later tasks ran fast.
func (w *wave) firstWave() bool {
	if w.wave < 2 || w.nSlow == 0 || w.slowInWave != w.nSlow || len(w.later) < w.wave {
		return false
	}
	if float64(w.waveMin) < 0.5*float64(w.waveMax) {
		return false
	}
	return float64(w.laterMedian())*3 <= float64(w.waveMin)
}

// coldStart: every slow task was the first task its executor ran in the
// application, on a cluster with several executors.
func (w *wave) coldStart(a *appmodel.Application, first *map[string]int64) bool {
	if w.nSlow == 0 || w.nSlow > 8 {
		return false
	}
	if *first == nil {
		*first = firstTasks(a)
	}
	if len(*first) < 2 {
		return false
	}
	for _, t := range w.slowTasks {
		if l, ok := (*first)[t.exec]; !ok || l != t.launch {
			return false
		}
	}
	return true
}

// firstTasks is the launch time of the first task of every executor.
func firstTasks(a *appmodel.Application) map[string]int64 {
	m := map[string]int64{}
	for _, st := range a.Stages {
		st.Tasks(func(t *appmodel.Task) bool {
			if l, ok := m[t.Executor]; !ok || t.LaunchTime < l {
				m[t.Executor] = t.LaunchTime
			}
			return true
		})
	}
	return m
}

func coldStartAdvice(a *appmodel.Application) detectors.Advice {
	adv := detectors.Advice{Questions: []string{"Q3", "Q1"}, Changes: []detectors.Change{},
		Explanation: "The slow tasks were each the first task of a newly started executor: it had to fetch the application's jars and files, " +
			"load classes and deserialize the first task before running it. That is not skew and speculation does not help. Keep executors " +
			"alive between stages, start with enough executors, or broadcast large task closures instead of capturing them."}
	if detectors.PropBool(a, "spark.dynamicAllocation.enabled", false) {
		adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.dynamicAllocation.executorIdleTimeout", Current: detectors.Current(a, "spark.dynamicAllocation.executorIdleTimeout"),
			Suggested: "120s", Why: "executors that stay a little longer are reused instead of started again"})
	}
	return adv
}
