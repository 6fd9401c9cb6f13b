package appmodel_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// t0 is 2024-03-01T00:00:00Z: the hand-written logs below start there.
const t0 = int64(1709251200000)

const day = int64(24 * 3600 * 1000)

func appStartAt(ts int64) string {
	return fmt.Sprintf(`{"Event":"SparkListenerApplicationStart","App Name":"a","App ID":"app-1","Timestamp":%d,"User":"u"}`, ts)
}

func appEndAt(ts int64) string {
	return fmt.Sprintf(`{"Event":"SparkListenerApplicationEnd","Timestamp":%d}`, ts)
}

func stageEvent(kind string, submitted, completed int64) string {
	done := ""
	if completed != 0 {
		done = fmt.Sprintf(`,"Completion Time":%d`, completed)
	}
	return fmt.Sprintf(`{"Event":"SparkListenerStage%s","Stage Info":{"Stage ID":1,"Stage Attempt ID":0,"Stage Name":"s","Number of Tasks":2,"RDD Info":[],"Parent IDs":[],"Details":"","Submission Time":%d%s,"Accumulables":[]},"Properties":{}}`,
		kind, submitted, done)
}

// task writes a task start (metrics "") or end of stage 1.0 on executor 1.
func task(id int, launch, finish int64, metrics string) string {
	kind, rest := "Start", ""
	if metrics != "" {
		kind = "End"
		rest = `"Task Type":"ResultTask","Task End Reason":{"Reason":"Success"},"Task Metrics":{` + metrics + `},`
	}
	return fmt.Sprintf(`{"Event":"SparkListenerTask%s","Stage ID":1,"Stage Attempt ID":0,%s"Task Info":{"Task ID":%d,"Index":%d,"Attempt":0,"Launch Time":%d,"Executor ID":"1","Host":"h","Locality":"PROCESS_LOCAL","Speculative":false,"Getting Result Time":0,"Finish Time":%d,"Failed":false,"Killed":false,"Accumulables":[]}}`,
		kind, rest, id, id, launch, finish)
}

// TestAnomalies reads small logs with impossible values: each is counted
// once, with its first example, in Application.Anomalies and in the input
// warnings, and kept out of the numbers.
func TestAnomalies(t *testing.T) {
	exec := `{"Event":"SparkListenerExecutorAdded","Timestamp":` + fmt.Sprint(t0+100) + `,"Executor ID":"1","Executor Info":{"Host":"h","Total Cores":4,"Log Urls":{}}}`
	job := func(submitted, completed int64) []string {
		return []string{
			fmt.Sprintf(`{"Event":"SparkListenerJobStart","Job ID":0,"Submission Time":%d,"Stage Infos":[],"Stage IDs":[1],"Properties":{}}`, submitted),
			fmt.Sprintf(`{"Event":"SparkListenerJobEnd","Job ID":0,"Completion Time":%d,"Job Result":{"Result":"JobSucceeded"}}`, completed),
		}
	}
	concat := func(parts ...[]string) []string {
		var out []string
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	tests := []struct {
		name   string
		events []string
		kinds  map[string]int // anomaly kind -> count
		check  func(t *testing.T, a *appmodel.Application)
	}{
		{
			name: "sound log",
			events: []string{appStartAt(t0), exec, stageEvent("Submitted", t0+1000, 0),
				task(1, t0+1100, 0, ""), task(1, t0+1100, t0+1600, `"Executor Run Time":400`),
				stageEvent("Completed", t0+1000, t0+2000), appEndAt(t0 + 3000)},
			kinds: map[string]int{},
			check: func(t *testing.T, a *appmodel.Application) {
				if a.Duration() != 3000 || a.TimesSuspect {
					t.Errorf("duration %d, suspect %v", a.Duration(), a.TimesSuspect)
				}
			},
		},
		{
			name: "task end before its start",
			events: []string{appStartAt(t0), exec, stageEvent("Submitted", t0+1000, 0),
				task(1, t0+1100, t0+1600, `"Executor Run Time":400`), task(1, t0+1100, 0, ""),
				task(2, t0+1200, 0, ""), task(2, t0+1200, t0+1500, `"Executor Run Time":200`),
				stageEvent("Completed", t0+1000, t0+2000), appEndAt(t0 + 3000)},
			kinds: map[string]int{appmodel.AnomalyTaskEndBeforeStart: 1},
			check: func(t *testing.T, a *appmodel.Application) {
				st := a.Stage(1, 0)
				var statuses []string
				st.Tasks(func(tk *appmodel.Task) bool {
					statuses = append(statuses, fmt.Sprintf("%d:%s", tk.TaskID, tk.Status))
					return true
				})
				if got := strings.Join(statuses, ","); got != "1:SUCCESS,2:SUCCESS" {
					t.Errorf("tasks %s, want each once", got)
				}
				if st.Totals[appmodel.RunTime] != 600 || st.NumActiveTasks != 0 || st.NumCompleteTasks != 2 {
					t.Errorf("stage run time %d (want 600), active %d, complete %d", st.Totals[appmodel.RunTime], st.NumActiveTasks, st.NumCompleteTasks)
				}
				if es := st.ExecutorSummaries["1"]; es == nil || es.TaskTime != 800 {
					t.Errorf("executor summary %+v", es)
				}
				if q, ok := st.HSQuantiles(appmodel.RunTime, []float64{0, 1}); !ok || q[0] != 200 || q[1] != 400 {
					t.Errorf("run time quantiles %v %v, want [200 400]", q, ok)
				}
				ex := a.Executor("1")
				if ex.TotalTasks != 2 || ex.ActiveTasks != 0 || ex.CompletedTasks != 2 {
					t.Errorf("executor total %d active %d completed %d", ex.TotalTasks, ex.ActiveTasks, ex.CompletedTasks)
				}
			},
		},
		{
			name: "task finished before its launch",
			events: []string{appStartAt(t0), exec, stageEvent("Submitted", t0+1000, 0),
				task(1, t0+1100, 0, ""), task(1, t0+1100, t0+1600, `"Executor Run Time":400`),
				task(2, t0+1900, 0, ""), task(2, t0+1900, t0+1200, `"Executor Run Time":200`),
				stageEvent("Completed", t0+1000, t0+2000), appEndAt(t0 + 3000)},
			kinds: map[string]int{appmodel.AnomalyTaskFinishBeforeLaunch: 1},
			check: func(t *testing.T, a *appmodel.Application) {
				st := a.Stage(1, 0)
				if s := st.Summarize(appmodel.Duration); s.Min < 0 || s.Max != 500 {
					t.Errorf("duration summary %+v", s)
				}
				if q, _ := st.HSQuantiles(appmodel.Duration, []float64{0, 0.5, 1}); q[0] < 0 {
					t.Errorf("duration quantiles %v", q)
				}
				if ex := a.Executor("1"); ex.TotalDuration != 500 {
					t.Errorf("executor task time %d, want 500", ex.TotalDuration)
				}
			},
		},
		{
			name: "negative task times",
			events: []string{appStartAt(t0), exec, stageEvent("Submitted", t0+1000, 0),
				task(1, t0+1100, 0, ""), task(1, t0+1100, t0+1600, `"Executor Run Time":-400,"Executor CPU Time":-7,"JVM GC Time":3`),
				task(2, t0+1200, 0, ""), task(2, t0+1200, t0+1500, `"Executor Run Time":-200`),
				stageEvent("Completed", t0+1000, t0+2000), appEndAt(t0 + 3000)},
			kinds: map[string]int{appmodel.AnomalyNegativeTaskMetric: 3},
			check: func(t *testing.T, a *appmodel.Application) {
				st := a.Stage(1, 0)
				if st.Totals[appmodel.RunTime] != 0 || st.Totals[appmodel.CPUTimeNs] != 0 || st.Totals[appmodel.GCTime] != 3 {
					t.Errorf("totals run %d cpu %d gc %d", st.Totals[appmodel.RunTime], st.Totals[appmodel.CPUTimeNs], st.Totals[appmodel.GCTime])
				}
				if s := st.Summarize(appmodel.RunTime); s.Min < 0 {
					t.Errorf("run time summary %+v", s)
				}
			},
		},
		{
			name:   "application of 930 days",
			events: []string{appStartAt(t0 - 930*day), appEndAt(t0)},
			kinds:  map[string]int{appmodel.AnomalyAppTooLong: 1},
			check: func(t *testing.T, a *appmodel.Application) {
				if a.Duration() != 0 || !a.TimesSuspect {
					t.Errorf("duration %d, suspect %v", a.Duration(), a.TimesSuspect)
				}
			},
		},
		{
			name:   "application ends before it starts",
			events: []string{appStartAt(t0), appEndAt(t0 - 5000)},
			kinds:  map[string]int{appmodel.AnomalyAppEndBeforeStart: 1},
			check: func(t *testing.T, a *appmodel.Application) {
				if a.Duration() != 0 || !a.TimesSuspect {
					t.Errorf("duration %d, suspect %v", a.Duration(), a.TimesSuspect)
				}
			},
		},
		{
			name:   "job and stage end before they start",
			events: concat([]string{appStartAt(t0)}, job(t0+5000, t0+1000), []string{stageEvent("Submitted", t0+4000, 0), stageEvent("Completed", t0+4000, t0+2000), appEndAt(t0 + 9000)}),
			kinds:  map[string]int{appmodel.AnomalyJobEndBeforeStart: 1, appmodel.AnomalyStageEndBeforeStart: 1},
			check: func(t *testing.T, a *appmodel.Application) {
				if d := a.Jobs[0].Duration(); d != 0 {
					t.Errorf("job duration %d", d)
				}
				if d := a.Stage(1, 0).Duration(); d != 0 {
					t.Errorf("stage duration %d", d)
				}
			},
		},
		{
			name: "timestamps before 2010 and in the future",
			events: concat([]string{appStartAt(t0), exec}, job(t0+1000, t0+9000),
				[]string{stageEvent("Submitted", 1500, 0), task(1, t0+1100, 0, ""),
					task(1, t0+1100, 4102444800000, `"Executor Run Time":400`), // 2100-01-01
					stageEvent("Completed", 1500, t0+2000), appEndAt(t0 + 10000)}),
			kinds: map[string]int{appmodel.AnomalyTimestampOutOfRange: 3},
			check: func(t *testing.T, a *appmodel.Application) {
				if a.LastEvent != t0+10000 || a.Duration() != 10000 {
					t.Errorf("last event %d, duration %d", a.LastEvent, a.Duration())
				}
				st := a.Stage(1, 0)
				if st.SubmissionTime != 0 || st.Duration() != 2000-1100 {
					t.Errorf("stage submitted %d, duration %d (want from its first task)", st.SubmissionTime, st.Duration())
				}
				var d int64 = -1
				st.Tasks(func(tk *appmodel.Task) bool { d = tk.M[appmodel.Duration]; return true })
				if d != 0 {
					t.Errorf("task duration %d, want 0 (unknown)", d)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := source.BytesLog("a.json", []byte(strings.Join(tt.events, "\n")+"\n"))
			app, st, err := appmodel.Load(log, eventlog.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if st.SkippedLines != 0 {
				t.Fatalf("skipped lines: %v", st.Problems)
			}
			got := map[string]int{}
			for _, a := range app.Anomalies {
				got[a.Kind] = a.Count
				if a.Example == "" {
					t.Errorf("%s: no example", a.Kind)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.kinds) {
				t.Errorf("anomalies %v, want %v", app.Anomalies, tt.kinds)
			}
			var warned int
			for _, w := range st.Warnings {
				if strings.HasPrefix(w, "data quality:") {
					warned++
				}
			}
			if warned != len(tt.kinds) {
				t.Errorf("warnings %q, want one per anomaly kind", st.Warnings)
			}
			tt.check(t, app)
		})
	}
}
