package failures

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/detectortest"
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// corpus is a log of the labeled corpus (Spark 3.5.9).
func corpus(name string) string { return testlogs.Testdata("spark", "logs", "3.5.9", name) }

// local is a hand-written log of this package's testdata (see
// testdata/README.md).
func local(name string) string { return filepath.Join("testdata", name) }

var load = detectortest.Load

func run(t *testing.T, path string, d *detectors.Detector) []detectors.Finding {
	t.Helper()
	return detectors.Run(load(t, path), []*detectors.Detector{d}, &detectors.Config{})
}

func evidence(f detectors.Finding, name string) (float64, bool) {
	for _, e := range f.Evidence {
		if e.Name == name {
			return e.Value, true
		}
	}
	return 0, false
}

func TestDetectors(t *testing.T) {
	cases := []struct {
		name     string
		path     string
		d        *detectors.Detector
		want     int      // findings
		severity string   // of the first finding, when set
		contains []string // in the first finding's message
		stage    int      // the first finding's stage, when ≥ 0
	}{
		// Must fire.
		{"retried UDF failures", corpus("task_retries.zstd"), TaskFailures, 1, "warning", []string{"3 failed task attempt(s)",
			"PythonException ×3 — RuntimeError: lookup service timeout (partition 3)", "every failed task succeeded on a retry"}, -1},
		{"retried JVM failures", testlogs.Testdata("recurring", "logs", "day14_failure.zstd"), TaskFailures, 1, "warning",
			[]string{"RuntimeException ×3 — rates service timeout (partition 3"}, 6},
		{"aborted stage", corpus("stage_failure.zstd"), TaskFailures, 1, "error", []string{"failed 4 time(s)", "ValueError: corrupt record"}, -1},
		{"failed job at 95%", corpus("stage_failure.zstd"), StageFailures, 1, "error", []string{"19 of 20 tasks (95.0%)", "ValueError: corrupt record"}, -1},
		{"lost executor: task failures", corpus("executor_loss.zstd"), TaskFailures, 1, "", []string{"ExecutorLostFailure", "FetchFailed"}, -1},
		{"lost executor: fetch failures", corpus("executor_loss.zstd"), FetchFailures, 1, "", []string{"shuffle fetch failure",
			"the map output was on executor 0 (127.0.0.1), lost at the time (\"Command exited with code 137\")", "ran again"}, -1},
		{"lost executor", corpus("executor_loss.zstd"), ExecutorLoss, 1, "", []string{"code 137", "exit caused by the application"}, -1},
		{"lost executor (Spark 4): fetch source", testlogs.Testdata("spark", "logs", "4.3.0", "executor_loss.zstd"), TaskFailures, 1, "",
			[]string{"FetchFailed ×2 — from executor 0 (127.0.0.1)"}, 5},
		{"preempted executor", local("preempted_yarn.json"), ExecutorLoss, 1, "error", []string{"executor 3 lost (executor or host lost",
			"was preempted.\"; not caused by the application)"}, 1},
		{"preempted executor: task failures", local("preempted_yarn.json"), TaskFailures, 1, "", []string{"executor lost: ExecutorLostFailure",
			"FetchFailed ×2 — from executor 2 (node2)"}, 1},
		{"fetch failures from a live executor", local("preempted_yarn.json"), FetchFailures, 1, "", []string{
			"fetches from executor 2 (node2) failed although it was not lost"}, 1},
		{"preempted executor: the job survived", local("preempted_yarn.json"), StageFailures, 0, "", nil, -1},
		{"OOM retried", local("oom_yarn.json"), TaskFailures, 2, "warning", []string{"out of memory: OutOfMemoryError ×2"}, 0},
		{"YARN container kill, idle release ignored", local("oom_yarn.json"), ExecutorLoss, 1, "warning", []string{"executor 2 lost", "container killed for memory"}, -1},
		{"executors excluded from a stage", local("excluded_for_stage_yarn.json"), TaskFailures, 1, "warning", []string{
			"4 failed task attempt(s) in stage 0", "Spark excluded executor 5 (apiros-2.gce.test.com) after 1 failed attempt(s), " +
				"node apiros-2.gce.test.com (executor(s) 3, 4, 5) after 1 of its executor(s) were excluded from the stage"}, 0},
		{"executors and node excluded: stage and exclusions", local("excluded_node_unexcluded.json"), TaskFailures, 2, "warning",
			[]string{"10 failed task attempt(s) in stage 0"}, 0},
		{"exclusions are not losses", local("excluded_node_unexcluded.json"), ExecutorLoss, 0, "", nil, -1},
		// Must stay quiet.
		{"healthy: tasks", corpus("healthy"), TaskFailures, 0, "", nil, -1},
		{"healthy: stages", corpus("healthy"), StageFailures, 0, "", nil, -1},
		{"healthy: fetch", corpus("healthy"), FetchFailures, 0, "", nil, -1},
		{"healthy: executors", corpus("healthy"), ExecutorLoss, 0, "", nil, -1},
		{"retries are not a failed job", corpus("task_retries.zstd"), StageFailures, 0, "", nil, -1},
		{"no fetch failure in a failed job", corpus("stage_failure.zstd"), FetchFailures, 0, "", nil, -1},
		{"stopping a stream cancels its job", corpus("stream_falling_behind.zstd"), StageFailures, 0, "", nil, -1},
		{"killed driver: nothing failed", corpus("killed_driver.zstd.inprogress"), StageFailures, 0, "", nil, -1},
		{"OOM log has no fetch failure", local("oom_yarn.json"), FetchFailures, 0, "", nil, -1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := run(t, c.path, c.d)
			if len(fs) != c.want {
				for _, f := range fs {
					t.Log(f.Message)
				}
				t.Fatalf("%s: %d findings, want %d", c.d.ID, len(fs), c.want)
			}
			if c.want == 0 {
				return
			}
			f := fs[0]
			if c.severity != "" && f.Severity.String() != c.severity {
				t.Errorf("severity %s, want %s", f.Severity, c.severity)
			}
			for _, s := range c.contains {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message %q lacks %q", f.Message, s)
				}
			}
			if c.stage >= 0 && (f.Subject.StageID == nil || *f.Subject.StageID != c.stage) {
				t.Errorf("subject %+v, want stage %d", f.Subject, c.stage)
			}
			if f.Advice.Explanation == "" || len(f.Advice.Questions) == 0 {
				t.Errorf("no advice: %+v", f.Advice)
			}
		})
	}
}

// TestFailureDetails checks what the failure details add to the findings'
// evidence and advice.
func TestFailureDetails(t *testing.T) {
	explains := func(f detectors.Finding, parts ...string) {
		t.Helper()
		for _, p := range parts {
			if !strings.Contains(f.Advice.Explanation, p) {
				t.Errorf("%s: advice %q lacks %q", f.DetectorID, f.Advice.Explanation, p)
			}
		}
	}
	hasEvidence := func(f detectors.Finding, name string, want float64) {
		t.Helper()
		if v, ok := evidence(f, name); !ok || v != want {
			var names []string
			for _, e := range f.Evidence {
				names = append(names, e.Name)
			}
			t.Errorf("%s: evidence %q = %v (present %v), want %v; have %q", f.DetectorID, name, v, ok, want, names)
		}
	}
	// A deterministic Python error: named once in the message, in the
	// evidence and in the advice.
	fs := run(t, corpus("stage_failure.zstd"), TaskFailures)
	if len(fs) != 1 {
		t.Fatalf("FAIL001: %d findings", len(fs))
	}
	if n := strings.Count(fs[0].Message, "ValueError: corrupt record 194999"); n != 1 {
		t.Errorf("FAIL001 names the error %d times: %q", n, fs[0].Message)
	}
	hasEvidence(fs[0], "failed attempts: PythonException (first: ValueError: corrupt record 194999)", 4)
	explains(fs[0], "threw (ValueError: corrupt record 194999) on the same task on every attempt")
	fs = run(t, corpus("stage_failure.zstd"), StageFailures)
	if len(fs) != 1 {
		t.Fatalf("FAIL002: %d findings", len(fs))
	}
	hasEvidence(fs[0], "failed task attempts: PythonException (first: ValueError: corrupt record 194999)", 4)

	// Fetch failures: counted by the executor they fetched from.
	fs = run(t, corpus("executor_loss.zstd"), FetchFailures)
	if len(fs) != 1 {
		t.Fatalf("FAIL003: %d findings", len(fs))
	}
	hasEvidence(fs[0], "fetch failures from executor 0 (127.0.0.1)", 1)
	hasEvidence(fs[0], "fetch failures of map output with no location", 2)
	explains(fs[0], "When that executor goes")
	fs = run(t, local("preempted_yarn.json"), FetchFailures)
	if len(fs) != 1 {
		t.Fatalf("FAIL003: %d findings", len(fs))
	}
	hasEvidence(fs[0], "fetch failures from executor 2 (node2)", 2)
	explains(fs[0], "The executors serving the shuffle blocks were not lost")
	if len(fs[0].Advice.Changes) == 0 || fs[0].Advice.Changes[0].Key != "spark.shuffle.io.maxRetries" {
		t.Errorf("FAIL003 changes %+v, want more fetch retries", fs[0].Advice.Changes)
	}

	// "Exit Caused By App": an application exit against an infrastructure
	// loss.
	fs = run(t, corpus("executor_loss.zstd"), ExecutorLoss)
	if len(fs) != 1 {
		t.Fatalf("EXEC001: %d findings", len(fs))
	}
	hasEvidence(fs[0], "lost attempts Spark blamed on the application (exit caused by app)", 1)
	explains(fs[0], "Spark recorded the exit as caused by the application", "count toward spark.task.maxFailures")
	fs = run(t, local("preempted_yarn.json"), ExecutorLoss)
	if len(fs) != 1 {
		t.Fatalf("EXEC001: %d findings", len(fs))
	}
	hasEvidence(fs[0], "lost attempts not blamed on the application", 1)
	explains(fs[0], "not caused by the application", "infrastructure loss")
	fs = run(t, local("preempted_yarn.json"), TaskFailures)
	if len(fs) != 1 {
		t.Fatalf("FAIL001: %d findings", len(fs))
	}
	explains(fs[0], "infrastructure loss", "not counted toward spark.task.maxFailures")
	if !strings.Contains(strings.Join(fs[0].Advice.Questions, ","), "Q19") {
		t.Errorf("FAIL001 questions %v", fs[0].Advice.Questions)
	}
}

func TestFailureNotes(t *testing.T) {
	a := &appmodel.Application{}
	cases := []struct {
		reason string
		d      *appmodel.FailureDetail
		want   string
	}{
		{"ExceptionFailure: java.lang.RuntimeException", nil, ""},
		{"ExceptionFailure: java.lang.RuntimeException", &appmodel.FailureDetail{Message: "boom"}, "boom"},
		{"ExceptionFailure: java.lang.RuntimeException", &appmodel.FailureDetail{Message: strings.Repeat("é", 200)}, strings.Repeat("é", 80) + "…"},
		{"ExecutorLostFailure: Command exited with code 137", &appmodel.FailureDetail{Message: "Command exited with code 137"}, ""},
		{"FetchFailed", &appmodel.FailureDetail{Fetch: &appmodel.FetchFailure{NoLocation: 3}}, "the map output had no location"},
		{"FetchFailed", &appmodel.FailureDetail{Fetch: &appmodel.FetchFailure{ExecutorID: "7", Host: "h7", Sources: map[string]int{"7": 2}}}, "from executor 7 (h7)"},
		{"FetchFailed", &appmodel.FailureDetail{Fetch: &appmodel.FetchFailure{ExecutorID: "7", Host: "h7",
			Sources: map[string]int{"7": 2, "8": 5, "9": 1}, NoLocation: 1}}, "5 from executor 8, 2 from executor 7 (h7), … 1 more executors, 1 with no map output location"},
	}
	for _, c := range cases {
		if got := errorNote(a, c.reason, c.d); got != c.want {
			t.Errorf("errorNote(%q, %+v) = %q, want %q", c.reason, c.d, got, c.want)
		}
	}
	for _, c := range []struct {
		x    exitFlags
		note string
	}{
		{exitFlags{}, ""},
		{exitFlags{byApp: 2}, "; exit caused by the application"},
		{exitFlags{notByApp: 1}, "; not caused by the application"},
		{exitFlags{byApp: 1, notByApp: 2}, "; 1 of 3 exits caused by the application"},
	} {
		if got := c.x.note(); got != c.note {
			t.Errorf("%+v note %q, want %q", c.x, got, c.note)
		}
		if (c.x.sentence() == "") != (c.note == "") {
			t.Errorf("%+v sentence %q", c.x, c.x.sentence())
		}
	}
}

func TestAdviceValues(t *testing.T) {
	fs := run(t, local("oom_yarn.json"), TaskFailures)
	if len(fs) != 2 {
		t.Fatalf("%d findings", len(fs))
	}
	// Stage 0: OOM: 50% more of the 4g heap, half the input split.
	changes := map[string]string{}
	for _, c := range fs[0].Advice.Changes {
		changes[c.Key] = c.Suggested
	}
	if changes["spark.executor.memory"] != "6g" || changes["spark.sql.files.maxPartitionBytes"] != "64m" {
		t.Errorf("OOM changes %v", changes)
	}
	if v, _ := evidence(fs[0], "run time of failed attempts"); v != 8000 {
		t.Errorf("failed attempt time %v, want 8000", v)
	}
	// Stage 1: container killed: overhead from the 410m default (10% of 4g)
	// to max(2x, 20% of the heap) = 820 MiB, rounded to 896m.
	c := fs[1].Advice.Changes[0]
	if c.Key != "spark.executor.memoryOverhead" || c.Suggested != "896m" || !strings.HasPrefix(c.Current, "410m") {
		t.Errorf("overhead change %+v", c)
	}
}

func TestClassify(t *testing.T) {
	cases := map[string]Cause{
		"ExceptionFailure: java.lang.OutOfMemoryError":                                                            CauseOOM,
		"ExceptionFailure: org.apache.spark.memory.SparkOutOfMemoryError":                                         CauseOOM,
		"java.lang.OutOfMemoryError: GC overhead limit exceeded":                                                  CauseOOM,
		"ExecutorLostFailure: Container killed by YARN for exceeding memory limits. 5 GB of 5 GB":                 CauseContainerMemory,
		"ExecutorLostFailure: Command exited with code 137":                                                       CauseContainerMemory,
		"Container from a bad node: container_1 on host: h. Exit status: 143.":                                    CauseContainerMemory,
		"ExecutorLostFailure: The executor with id 7 exited with exit code 137(SIGKILL, possible container OOM).": CauseContainerMemory,
		"FetchFailed": CauseFetch,
		"org.apache.spark.shuffle.FetchFailedException: Failed to connect to host":       CauseFetch,
		"ExecutorLostFailure: Executor heartbeat timed out after 125000 ms":              CauseExecutorLost,
		"Remote RPC client disassociated. Likely due to containers exceeding thresholds": CauseExecutorLost,
		"ExceptionFailure: org.apache.spark.api.python.PythonException":                  CauseException,
		"TaskResultLost": CauseOther,
	}
	for text, want := range cases {
		if got := classify(text); got != want {
			t.Errorf("classify(%q) = %s, want %s", text, got, want)
		}
	}
	for _, r := range []string{"Executor killed by driver.", "Container container_e87_01 exited from explicit termination request.",
		"Executor decommission."} {
		if !benignRemoval(r) {
			t.Errorf("%q should be a normal release", r)
		}
	}
	if benignRemoval("Command exited with code 137") {
		t.Error("exit 137 is not a normal release")
	}
}

func TestMaxTaskFailures(t *testing.T) {
	for master, want := range map[string]int64{"local[2]": 1, "local[*]": 1, "local": 1, "local[2,4]": 4, "yarn": 4, "local-cluster[2,1,1024]": 4} {
		a := &appmodel.Application{SparkProps: map[string]string{"spark.master": master}}
		if got := detectors.MaxTaskFailures(a); got != want {
			t.Errorf("%s: %d, want %d", master, got, want)
		}
	}
}

// TestPublicLogs runs the detectors over the shared corpus of public logs:
// they must not fail, and the tiny test applications with no failures must
// stay quiet.
func TestPublicLogs(t *testing.T) {
	dir := testlogs.Shared(t)
	quiet := []string{
		"spark-rapids-tools/core/src/test/resources/spark-events-profiling/rp_sql_eventlog.zstd", // DA release only
		"spark/core/src/test/resources/spark-events/application_1628109047826_1317105",           // 6 DA releases
		"spark-rapids-tools/core/src/test/resources/spark-events-profiling/eventlog_minimal_events",
	}
	for _, rel := range quiet {
		fs := detectors.Run(load(t, filepath.Join(dir, rel)), []*detectors.Detector{TaskFailures, StageFailures, FetchFailures, ExecutorLoss}, &detectors.Config{})
		for _, f := range fs {
			t.Errorf("%s: %s %s", rel, f.DetectorID, f.Message)
		}
	}
	// Executors that die before running a task, again and again.
	fs := run(t, filepath.Join(dir, "spark-rapids/tools/src/test/resources/spark-events-profiling/executors_removed_eventlog_compressed.zstd"), ExecutorLoss)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "47 executors") || !strings.Contains(fs[0].Message, "before running a single task") {
		t.Errorf("crash loop: %v", fs)
	}
}

// TestExclusions checks the finding on executors and nodes excluded for the
// application: a log of apache/spark's tests where executors 0 and 2 and
// their node are excluded after 4 failures each, then lifted 10.7 s later.
func TestExclusions(t *testing.T) {
	fs := run(t, local("excluded_node_unexcluded.json"), TaskFailures)
	if len(fs) != 2 {
		t.Fatalf("%d findings", len(fs))
	}
	f := fs[1]
	for _, s := range []string{
		"Spark excluded 4 executor(s) and 1 node(s) (172.22.0.111) after repeated task failures",
		"node 172.22.0.111 (executor(s) 0, 1, 2, 3) excluded at 7.9 s into the application after 2 of its executor(s) were excluded, for 10.7 s (then lifted); it had run 26 task attempt(s), 10 failed, before",
		"executor 0 (172.22.0.111) excluded at 7.9 s into the application after 4 task failures, for 10.7 s (then lifted); it had run 4 task attempt(s), 4 failed, before",
		"executor 2 (172.22.0.111) excluded",
	} {
		if !strings.Contains(f.Message, s) {
			t.Errorf("message %q lacks %q", f.Message, s)
		}
	}
	if f.Subject.Kind != detectors.SubjectExecutor || f.Subject.ExecutorID != "0" {
		t.Errorf("subject %+v", f.Subject)
	}
	for name, want := range map[string]float64{
		"exclusions for the application": 3, "executors excluded": 4, "nodes excluded": 1,
		"task failures that excluded the executors": 8, "longest exclusion": 10705, "exclusions never lifted": 0,
	} {
		if v, ok := evidence(f, name); !ok || v != want {
			t.Errorf("evidence %q = %v (%v), want %v", name, v, ok, want)
		}
	}
	if !strings.Contains(f.Advice.Explanation, "decommission") || !strings.Contains(f.Advice.Explanation, "spark.excludeOnFailure.task.maxTaskAttemptsPerExecutor") {
		t.Errorf("advice %q", f.Advice.Explanation)
	}
	if len(f.Advice.Changes) != 0 {
		t.Errorf("lifted exclusions need no change: %+v", f.Advice.Changes)
	}
}

// TestExclusionNeverLifted: an executor excluded until the end gets the
// advice to kill excluded executors.
func TestExclusionNeverLifted(t *testing.T) {
	app := load(t, local("excluded_node_unexcluded.json"))
	for _, ex := range app.Executors {
		for i := range ex.Exclusions {
			ex.Exclusions[i].To = 0
		}
	}
	fs := detectors.Run(app, []*detectors.Detector{TaskFailures}, &detectors.Config{})
	f := fs[len(fs)-1]
	if !strings.Contains(f.Message, "never lifted") {
		t.Errorf("message %q", f.Message)
	}
	if len(f.Advice.Changes) != 1 || f.Advice.Changes[0].Key != "spark.excludeOnFailure.killExcludedExecutors" {
		t.Errorf("changes %+v", f.Advice.Changes)
	}
}

// TestSuggestExclusion: failures of different tasks that all ran on one
// executor of several, with exclusion off, get the suggestion to turn it
// on; with exclusion on (the real log), or spread over executors, not.
func TestSuggestExclusion(t *testing.T) {
	orig, err := os.ReadFile(filepath.Join("testdata", "excluded_for_stage_yarn.json"))
	if err != nil {
		t.Fatal(err)
	}
	variant := func(oneExecutor, exclusionOn bool) []byte {
		lines := strings.Split(string(orig), "\n")
		for i, l := range lines {
			if oneExecutor && strings.Contains(l, `"Reason":"ExceptionFailure"`) {
				lines[i] = strings.ReplaceAll(l, `"Executor ID":"5"`, `"Executor ID":"4"`)
			}
			if !exclusionOn {
				lines[i] = strings.ReplaceAll(lines[i], `"spark.blacklist.enabled":"true"`, `"spark.blacklist.enabled":"false"`)
			}
		}
		return []byte(strings.Join(lines, "\n"))
	}
	for _, c := range []struct {
		name                     string
		oneExecutor, exclusionOn bool
		want                     bool
	}{
		{"clustered, exclusion off", true, false, true},
		{"clustered, exclusion on", true, true, false},
		{"spread over two executors", false, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			app, _, err := appmodel.Load(source.BytesLog("x.json", variant(c.oneExecutor, c.exclusionOn)), eventlog.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := false
			for _, f := range detectors.Run(app, []*detectors.Detector{TaskFailures}, &detectors.Config{}) {
				for _, ch := range f.Advice.Changes {
					if ch.Key == "spark.excludeOnFailure.enabled" && ch.Suggested == "true" {
						got = true
						if !strings.Contains(ch.Why, "4 of the 4 failed attempts ran on executor 4") {
							t.Errorf("why: %s", ch.Why)
						}
					}
				}
			}
			if got != c.want {
				t.Errorf("suggested exclusion: %v, want %v", got, c.want)
			}
		})
	}
}
