package appmodel_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// TestFailureDetailsCorpus checks the failure details the model keeps for
// the corpus logs with failed tasks.
func TestFailureDetailsCorpus(t *testing.T) {
	type want struct {
		stage   int
		reason  string
		message string
		check   func(d *appmodel.FailureDetail) string // "" when fine
	}
	onExecutor := func(exec, host string) func(d *appmodel.FailureDetail) string {
		return func(d *appmodel.FailureDetail) string {
			if d.ExecutorID != exec || d.Host != host {
				return fmt.Sprintf("ran on %s/%s, want %s/%s", d.ExecutorID, d.Host, exec, host)
			}
			return ""
		}
	}
	exitByApp := func(d *appmodel.FailureDetail) string {
		if d.ExitCausedByApp == nil || !*d.ExitCausedByApp || d.LostExecutorID != "0" {
			return fmt.Sprintf("exit caused by app %v, lost executor %q", d.ExitCausedByApp, d.LostExecutorID)
		}
		return ""
	}
	fetchFrom := func(sources string, noLocation int) func(d *appmodel.FailureDetail) string {
		return func(d *appmodel.FailureDetail) string {
			f := d.Fetch
			if f == nil || f.ExecutorID != "0" || f.Host != "127.0.0.1" || f.ShuffleID != 1 ||
				fmt.Sprint(f.Sources) != sources || f.NoLocation != noLocation {
				return fmt.Sprintf("fetch %+v", f)
			}
			return ""
		}
	}
	const python = "ExceptionFailure: org.apache.spark.api.python.PythonException"
	cases := []struct {
		path  string
		wants []want
	}{
		{testlogs.Testdata("spark", "logs", "3.5.9", "task_retries.zstd"), []want{
			{0, python, "RuntimeError: lookup service timeout (partition 3)", onExecutor("driver", "localhost")}}},
		{testlogs.Testdata("spark", "logs", "4.3.0", "task_retries.zstd"), []want{
			{0, python, "RuntimeError: lookup service timeout (partition 3)", nil}}},
		{testlogs.Testdata("spark", "logs", "3.5.9", "stage_failure.zstd"), []want{
			{3, python, "ValueError: corrupt record 194999", nil}}},
		{testlogs.Testdata("spark", "logs", "4.3.0", "stage_failure.zstd"), []want{
			{3, python, "ValueError: corrupt record 194999", nil}}},
		{testlogs.Testdata("spark", "logs", "3.5.9", "executor_loss.zstd"), []want{
			{5, "ExecutorLostFailure: Command exited with code 137", "Command exited with code 137", exitByApp},
			{5, "FetchFailed", "FetchFailedException, caused by ExecutorDeadException: [INTERNAL_ERROR_NETWORK] The relative remote executor(Id: 0), which maintains the block data to fetch is dead.",
				fetchFrom("map[0:1]", 2)}}},
		{testlogs.Testdata("spark", "logs", "4.3.0", "executor_loss.zstd"), []want{
			{5, "ExecutorLostFailure: Command exited with code 137", "Command exited with code 137", exitByApp},
			{5, "FetchFailed", "", fetchFrom("map[0:2]", 0)}}},
		{testlogs.Testdata("recurring", "logs", "day14_failure.zstd"), []want{
			{6, "ExceptionFailure: java.lang.RuntimeException", "rates service timeout (partition 3, attempt 0; failing partitions 3, 7, 11)", nil}}},
	}
	for _, c := range cases {
		name := strings.TrimPrefix(c.path, testlogs.Testdata()+"/")
		t.Run(name, func(t *testing.T) {
			app := loadApp(t, c.path).App
			details := 0
			for _, st := range app.Stages {
				details += len(st.FailureDetails)
				for r := range st.FailureDetails {
					if _, ok := st.FailureReasons[r]; !ok {
						t.Errorf("stage %d.%d: detail of %q, which FailureReasons does not count", st.ID, st.Attempt, r)
					}
				}
			}
			if details != len(c.wants) {
				t.Errorf("%d failure details, want %d", details, len(c.wants))
			}
			for _, w := range c.wants {
				st := app.Stage(w.stage, 0)
				if st == nil {
					t.Fatalf("no stage %d", w.stage)
				}
				d := st.FailureDetails[w.reason]
				if d == nil {
					t.Fatalf("stage %d: no detail for %q (have %v)", w.stage, w.reason, st.FailureDetails)
				}
				if w.message != "" && d.Message != w.message {
					t.Errorf("stage %d %q: message %q, want %q", w.stage, w.reason, d.Message, w.message)
				}
				if d.TaskID == 0 && d.FinishTime == 0 {
					t.Errorf("stage %d %q: no task", w.stage, w.reason)
				}
				if w.check != nil {
					if msg := w.check(d); msg != "" {
						t.Errorf("stage %d %q: %s", w.stage, w.reason, msg)
					}
				}
			}
			// The model's JSON has them under the stage.
			doc, err := json.Marshal(appmodel.NewDocument(app, nil, appmodel.Tool{}))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(doc), `"failureDetails":{`) {
				t.Error("no failureDetails in the model's JSON")
			}
		})
	}
	// Logs without failures have none, and no key in the JSON.
	app := loadApp(t, testlogs.Testdata("spark", "logs", "3.5.9", "scan_parquet.zstd")).App
	doc, err := json.Marshal(appmodel.NewDocument(app, nil, appmodel.Tool{}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), "failureDetails") {
		t.Error("failureDetails in the JSON of a log without failures")
	}
}
