package appmodel_test

import (
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// TestHistoryServerRulesUnverified checks, on a hand-written log, the
// History Server rules that no expectation file exercises (marked [C] in
// docs/history-server-semantics.md): a Resubmitted end, a task still
// running when the log ends, a skipped stage's job counters, stage
// executor metrics for an unknown stage, speculation counts and the
// push-based shuffle metrics.
func TestHistoryServerRulesUnverified(t *testing.T) {
	events := []string{
		`{"Event":"SparkListenerLogStart","Spark Version":"3.5.1"}`,
		`{"Event":"SparkListenerApplicationStart","App Name":"rules","App ID":"local-1","Timestamp":1000,"User":"u"}`,
		`{"Event":"SparkListenerExecutorAdded","Timestamp":1100,"Executor ID":"1","Executor Info":{"Host":"h","Total Cores":4,"Log Urls":{}}}`,
		`{"Event":"SparkListenerJobStart","Job ID":0,"Submission Time":1500,"Stage Infos":[` +
			`{"Stage ID":0,"Stage Attempt ID":0,"Stage Name":"map","Number of Tasks":2,"RDD Info":[],"Parent IDs":[],"Details":"","Accumulables":[]},` +
			`{"Stage ID":1,"Stage Attempt ID":0,"Stage Name":"collect","Number of Tasks":3,"RDD Info":[],"Parent IDs":[0],"Details":"","Accumulables":[]}],` +
			`"Stage IDs":[0,1],"Properties":{}}`,
		`{"Event":"SparkListenerStageSubmitted","Stage Info":{"Stage ID":1,"Stage Attempt ID":0,"Stage Name":"collect","Number of Tasks":3,"RDD Info":[],"Parent IDs":[0],"Details":"","Submission Time":1600,"Accumulables":[]},"Properties":{}}`,
		taskEvent("Start", 1, 0, false, 2000, 0, ""),
		taskEvent("Start", 2, 1, true, 2100, 0, ""),
		taskEvent("End", 1, 0, false, 2000, 2500, `"Task End Reason":{"Reason":"Success"},"Task Metrics":{"Executor Run Time":400,"JVM GC Time":7,`+
			`"Shuffle Read Metrics":{"Remote Blocks Fetched":1,"Local Blocks Fetched":2,"Fetch Wait Time":0,"Remote Bytes Read":10,"Local Bytes Read":20,"Total Records Read":5,`+
			`"Push Based Shuffle": {"Corrupt Merged Block Chunks":3,"Merged Fetch Fallback Count":4,"Merged Remote Blocks Fetched":5,"Merged Local Blocks Fetched":6,`+
			`"Merged Remote Chunks Fetched":7,"Merged Local Chunks Fetched":8,"Merged Remote Bytes Read":9,"Merged Local Bytes Read":10,"Merged Remote Requests Duration":11}}}`),
		// The map output of task 1 is lost: it ends a second time.
		taskEvent("End", 1, 0, false, 2000, 2500, `"Task End Reason":{"Reason":"Resubmitted"},"Task Metrics":{"Executor Run Time":400,"JVM GC Time":7}`),
		`{"Event":"SparkListenerStageExecutorMetrics","Executor ID":"1","Stage ID":9,"Stage Attempt ID":0,"Executor Metrics":{"JVMHeapMemory":5}}`,
		`{"Event":"SparkListenerStageCompleted","Stage Info":{"Stage ID":1,"Stage Attempt ID":0,"Stage Name":"collect","Number of Tasks":3,"RDD Info":[],"Parent IDs":[0],"Details":"","Submission Time":1600,"Completion Time":3000,"Accumulables":[]}}`,
		`{"Event":"SparkListenerJobEnd","Job ID":0,"Completion Time":3100,"Job Result":{"Result":"JobSucceeded"}}`,
		// No application end: task 2 is still running.
	}
	log := source.BytesLog("rules.json", []byte(strings.Join(events, "\n")+"\n"))
	app, _, err := appmodel.Load(log, eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}

	st := app.Stage(1, 0)
	if st == nil {
		t.Fatal("no stage 1.0")
	}
	// The Resubmitted end counts as failed and adds no metrics; the
	// running task keeps the stage active.
	check("stage status", st.Status, appmodel.StageComplete)
	check("numCompleteTasks", st.NumCompleteTasks, 1)
	check("numFailedTasks", st.NumFailedTasks, 1)
	check("numActiveTasks", st.NumActiveTasks, 1)
	check("executorRunTime", st.Totals[appmodel.RunTime], int64(400))
	check("shuffleReadBytes", st.Totals.ShuffleReadBytes(), int64(30))
	for m, want := range map[appmodel.Metric]int64{
		appmodel.ShuffleCorruptMergedBlockChunks: 3, appmodel.ShuffleMergedFetchFallbackCount: 4,
		appmodel.ShuffleMergedRemoteBlocksFetched: 5, appmodel.ShuffleMergedLocalBlocksFetched: 6,
		appmodel.ShuffleMergedRemoteChunksFetched: 7, appmodel.ShuffleMergedLocalChunksFetched: 8,
		appmodel.ShuffleMergedRemoteBytesRead: 9, appmodel.ShuffleMergedLocalBytesRead: 10,
		appmodel.ShuffleMergedRemoteReqsDuration: 11,
	} {
		check(m.String(), st.Totals[m], want)
	}
	es := st.ExecutorSummaries["1"]
	if es == nil {
		t.Fatal("no executor summary for executor 1")
	}
	check("esummary taskTime", es.TaskTime, int64(1000)) // the Resubmitted end adds its duration again
	check("esummary succeeded", es.SucceededTasks, 1)
	check("esummary failed", es.FailedTasks, 1)
	check("esummary shuffleRead", es.ShuffleRead, int64(30))
	if sp := st.Speculation; sp == nil {
		t.Error("no speculation summary")
	} else {
		check("speculation", *sp, appmodel.SpeculationSummary{NumTasks: 1, NumActiveTasks: 1})
	}

	// Task records: the success, the Resubmitted repeat, the running task.
	var statuses []string
	st.Tasks(func(tk *appmodel.Task) bool {
		statuses = append(statuses, tk.Status.String())
		if tk.Status == appmodel.TaskRunning {
			check("running task id", tk.TaskID, int64(2))
			check("running task duration", tk.M[appmodel.Duration], app.LastEvent-2100)
			check("running task has metrics", tk.HasMetrics, false)
		}
		return true
	})
	check("task statuses", strings.Join(statuses, ","), "SUCCESS,RESUBMITTED,RUNNING")
	// n = 1 successful task; the duration population also holds the
	// running task (its duration is longer here).
	if q, ok := st.HSQuantiles(appmodel.Duration, []float64{0, 1}); !ok || q[0] != 500 || q[1] != 500 {
		t.Errorf("duration quantiles = %v %v, want [500 500]", q, ok)
	}

	// Stage executor metrics for a stage the log never started create no
	// stage.
	if app.Stage(9, 0) != nil {
		t.Error("stage 9.0 was created by a stage executor-metrics event")
	}

	// The skipped stage is not taken off the job's active stages (3.4+).
	check("stage 0.0 status", app.Stage(0, 0).Status, appmodel.StageSkipped)
	j := app.Jobs[0]
	check("numActiveStages", j.NumActiveStages, 0)
	check("numCompletedStages", j.NumCompletedStages, 1)
	check("numSkippedStages", j.NumSkippedStages, 1)
	check("numSkippedTasks", j.NumSkippedTasks, 2)
	check("job numActiveTasks", j.NumActiveTasks, 1)

	ex := app.Executor("1")
	check("executor completedTasks", ex.CompletedTasks, 1)
	check("executor failedTasks", ex.FailedTasks, 1)
	check("executor activeTasks", ex.ActiveTasks, 1)
	check("executor totalDuration", ex.TotalDuration, int64(1000))
	check("executor totalGCTime", ex.TotalGCTime, int64(7)) // not for the Resubmitted end
	check("executor maxTasks", ex.MaxTasks, 4)
}

// taskEvent writes a task start or end of stage 1.0 on executor 1.
func taskEvent(kind string, id, index int, speculative bool, launch, finish int64, rest string) string {
	spec := "false"
	if speculative {
		spec = "true"
	}
	s := `{"Event":"SparkListenerTask` + kind + `","Stage ID":1,"Stage Attempt ID":0,`
	if rest != "" {
		s += `"Task Type":"ShuffleMapTask",` + rest + ","
	}
	return s + `"Task Info":{"Task ID":` + itoa(id) + `,"Index":` + itoa(index) + `,"Attempt":0,"Launch Time":` +
		itoa(int(launch)) + `,"Executor ID":"1","Host":"h","Locality":"PROCESS_LOCAL","Speculative":` + spec +
		`,"Getting Result Time":0,"Finish Time":` + itoa(int(finish)) + `,"Failed":false,"Killed":false,"Accumulables":[]}}`
}
