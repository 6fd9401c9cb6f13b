package appmodel_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// TestExclusionRules checks the History Server's exclusion flags and the
// model's exclusion history on a hand-written log: executor and node
// exclusions and their lifting (under both the 2.x and the 3.1+ names),
// the driver on an excluded node, exclusions from stages and their end at
// the stage's completion, and events for a removed executor.
func TestExclusionRules(t *testing.T) {
	stage := func(ev string, id int, extra string) string {
		return fmt.Sprintf(`{"Event":"SparkListenerStage%s","Stage Info":{"Stage ID":%d,"Stage Attempt ID":0,"Stage Name":"s","Number of Tasks":1,"RDD Info":[],"Parent IDs":[],"Details":"","Submission Time":1500%s,"Accumulables":[]},"Properties":{}}`, ev, id, extra)
	}
	events := []string{
		`{"Event":"SparkListenerApplicationStart","App Name":"ex","App ID":"app-1","Timestamp":1000,"User":"u"}`,
		`{"Event":"SparkListenerBlockManagerAdded","Block Manager ID":{"Executor ID":"driver","Host":"h1","Port":1},"Maximum Memory":1,"Timestamp":1001}`,
		`{"Event":"SparkListenerExecutorAdded","Timestamp":1100,"Executor ID":"1","Executor Info":{"Host":"h1","Total Cores":1,"Log Urls":{}}}`,
		`{"Event":"SparkListenerExecutorAdded","Timestamp":1100,"Executor ID":"2","Executor Info":{"Host":"h1","Total Cores":1,"Log Urls":{}}}`,
		`{"Event":"SparkListenerExecutorAdded","Timestamp":1100,"Executor ID":"3","Executor Info":{"Host":"h2","Total Cores":1,"Log Urls":{}}}`,
		`{"Event":"SparkListenerExecutorAdded","Timestamp":1100,"Executor ID":"4","Executor Info":{"Host":"h2","Total Cores":1,"Log Urls":{}}}`,
		`{"Event":"SparkListenerJobStart","Job ID":0,"Submission Time":1400,"Stage Infos":[],"Stage IDs":[0,1],"Properties":{}}`,
		stage("Submitted", 0, ""),
		stage("Submitted", 1, ""),
		`{"Event":"org.apache.spark.scheduler.SparkListenerExecutorBlacklistedForStage","time":2000,"executorId":"3","taskFailures":2,"stageId":0,"stageAttemptId":0}`,
		`{"Event":"SparkListenerNodeExcludedForStage","time":2001,"hostId":"h1","executorFailures":2,"stageId":1,"stageAttemptId":0}`,
		stage("Completed", 0, `,"Completion Time":2500`),
		// Executor 3 excluded for the application, then lifted; executor 4
		// excluded, never lifted, removed, then "lifted" too late.
		`{"Event":"SparkListenerExecutorExcluded","time":3000,"executorId":"3","taskFailures":4}`,
		`{"Event":"org.apache.spark.scheduler.SparkListenerExecutorBlacklisted","time":3000,"executorId":"4","taskFailures":5}`,
		`{"Event":"SparkListenerExecutorUnexcluded","time":4000,"executorId":"3"}`,
		`{"Event":"SparkListenerExecutorRemoved","Timestamp":4100,"Executor ID":"4","Removed Reason":"excluded"}`,
		`{"Event":"org.apache.spark.scheduler.SparkListenerExecutorUnblacklisted","time":4200,"executorId":"4"}`,
		// Node h1 excluded and lifted, then excluded again.
		`{"Event":"SparkListenerNodeExcluded","time":5000,"hostId":"h1","executorFailures":2}`,
		`{"Event":"org.apache.spark.scheduler.SparkListenerNodeUnblacklisted","time":6000,"hostId":"h1"}`,
		`{"Event":"org.apache.spark.scheduler.SparkListenerNodeBlacklisted","time":7000,"hostId":"h1","executorFailures":3}`,
		`{"Event":"SparkListenerApplicationEnd","Timestamp":9000}`,
	}
	log := source.BytesLog("ex.json", []byte(strings.Join(events, "\n")+"\n"))
	app, st, err := appmodel.Load(log, eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.UnknownEvents) > 0 {
		t.Errorf("unknown events: %v", st.UnknownEvents)
	}
	ex := func(id string) *appmodel.Executor {
		t.Helper()
		e := app.Executor(id)
		if e == nil {
			t.Fatalf("no executor %s", id)
		}
		return e
	}
	for id, want := range map[string]struct {
		excluded bool
		inStages []int
	}{
		// The driver follows its node (the server compares host names), and
		// keeps stage 1: it was never excluded from the stage itself.
		"driver": {true, []int{1}},
		"1":      {true, []int{1}},
		"2":      {true, []int{1}},
		"3":      {false, nil}, // lifted; stage 0 completed
		"4":      {true, nil},  // removed before it was lifted
	} {
		e := ex(id)
		if e.Excluded != want.excluded {
			t.Errorf("executor %s isExcluded = %v, want %v", id, e.Excluded, want.excluded)
		}
		if !slices.Equal(e.ExcludedInStages, want.inStages) {
			t.Errorf("executor %s excludedInStages = %v, want %v", id, e.ExcludedInStages, want.inStages)
		}
	}
	// Stage summaries: the node exclusion of stage 1 covers the executors
	// added on h1, not the driver.
	for _, c := range []struct {
		stage int
		execs []string
	}{{0, []string{"3"}}, {1, []string{"1", "2"}}} {
		s := app.Stage(c.stage, 0)
		var got []string
		for id, es := range s.ExecutorSummaries {
			if es.ExcludedForStage {
				got = append(got, id)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, c.execs) {
			t.Errorf("stage %d isExcludedForStage: %v, want %v", c.stage, got, c.execs)
		}
	}
	// The history.
	eq := func(what string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	eq("executor 3 exclusions", ex("3").Exclusions, []appmodel.Exclusion{{From: 3000, To: 4000, TaskFailures: 4}})
	eq("executor 4 exclusions", ex("4").Exclusions, []appmodel.Exclusion{{From: 3000, To: 4200, TaskFailures: 5}})
	eq("executor 1 exclusions", ex("1").Exclusions, []appmodel.Exclusion{
		{From: 5000, To: 6000, Node: "h1", ExecutorFailures: 2}, {From: 7000, Node: "h1", ExecutorFailures: 3}})
	eq("driver exclusions", len(ex("driver").Exclusions)+len(ex("driver").StageExclusions), 0)
	eq("executor 3 stage exclusions", ex("3").StageExclusions, []appmodel.StageExclusion{{StageID: 0, Time: 2000, TaskFailures: 2}})
	eq("executor 2 stage exclusions", ex("2").StageExclusions, []appmodel.StageExclusion{{StageID: 1, Time: 2001, Node: "h1", ExecutorFailures: 2}})
}
