package appmodel

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sparkdiag/sparkdiag/eventlog"
)

func TestFailureMessage(t *testing.T) {
	frames := strings.Repeat("\tat org.apache.spark.rdd.RDD.iterator(RDD.scala:329)\n", 40)
	pyFrames := strings.Repeat("  File \"/opt/spark/python/pyspark/worker.py\", line 1247, in process\n    serializer.dump_stream(out_iter, outfile)\n", 30)
	hugePy := "Traceback (most recent call last):\n" + strings.Repeat(pyFrames, 200) + "KeyError: 'rate_eur'\n"
	cases := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"blank lines", "\n \n\t\n", ""},
		{"JVM one line", "rates service timeout (partition 3, attempt 0; failing partitions 3, 7, 11)",
			"rates service timeout (partition 3, attempt 0; failing partitions 3, 7, 11)"},
		{"JVM heap", "Java heap space", "Java heap space"},
		{"JVM first line of many", "Task failed while writing rows.\nsecond line of detail\n", "Task failed while writing rows."},
		{"Python traceback", "Traceback (most recent call last):\n  File \"/jobs/etl.py\", line 18, in parse\n    raise ValueError(f\"corrupt record {x}\")\nValueError: corrupt record 194999\n",
			"ValueError: corrupt record 194999"},
		{"Python traceback after a JVM prefix (Spark 4)",
			"[PYTHON_EXCEPTION] An exception was thrown from the Python worker: Traceback (most recent call last):\n  File \"/jobs/etl.py\", line 18, in parse\n    raise ValueError(f\"corrupt record {x}\")\nValueError: corrupt record 194999\n SQLSTATE: 38000",
			"ValueError: corrupt record 194999"},
		{"Python chained exceptions: the last one",
			"Traceback (most recent call last):\n  File \"a.py\", line 3, in f\n    x = d[k]\nKeyError: 'k'\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File \"a.py\", line 5, in f\n    raise RuntimeError(\"rates service timeout for partition 3\")\nRuntimeError: rates service timeout for partition 3\n",
			"RuntimeError: rates service timeout for partition 3"},
		{"Python error with a qualified class", "Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\npyspark.errors.exceptions.base.PySparkValueError: [CANNOT_CONVERT] bad value\n",
			"PySparkValueError: [CANNOT_CONVERT] bad value"},
		{"Python multi-line message: its first line", "Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nValueError: bad row\nrow = {'id': 3}\n",
			"ValueError: bad row"},
		{"Python traceback without an error line", "Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\n", "File \"a.py\", line 1, in <module>"},
		{"huge Python traceback", hugePy, "KeyError: 'rate_eur'"},
		{"JVM with Caused by: the root cause",
			"org.apache.spark.SparkException: Task failed while writing rows.\n" + frames + "Caused by: java.io.IOException: Failed to rename\n" + frames +
				"Caused by: java.io.FileNotFoundException: File does not exist: /warehouse/t/_temporary/0\n" + frames + "\t... 12 more\n",
			"SparkException: Task failed while writing rows. (caused by FileNotFoundException: File does not exist: /warehouse/t/_temporary/0)"},
		{"bare exception class: its cause says it",
			"org.apache.spark.shuffle.FetchFailedException\n" + frames + "Caused by: org.apache.spark.ExecutorDeadException: [INTERNAL_ERROR_NETWORK] The relative remote executor(Id: 0), which maintains the block data to fetch is dead.\n" + frames,
			"FetchFailedException, caused by ExecutorDeadException: [INTERNAL_ERROR_NETWORK] The relative remote executor(Id: 0), which maintains the block data to fetch is dead."},
		{"cause already in the first line",
			"java.io.IOException: Connection reset by peer\n" + frames + "Caused by: java.io.IOException: Connection reset by peer\n",
			"IOException: Connection reset by peer"},
		{"metadata fetch failure", "org.apache.spark.shuffle.MetadataFetchFailedException: Missing an output location for shuffle 1 partition 1\n" + frames,
			"MetadataFetchFailedException: Missing an output location for shuffle 1 partition 1"},
		{"white space collapsed", "  Container killed   on request.\tExit code is 137  ", "Container killed on request. Exit code is 137"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := failureMessage(c.in); got != c.want {
				t.Errorf("failureMessage:\n got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestFailureMessageCap(t *testing.T) {
	for _, in := range []string{
		strings.Repeat("x", 1<<20), // one huge line
		strings.Repeat("é", 1<<16), // multi-byte runes
		"Traceback (most recent call last):\nValueError: " + strings.Repeat("ab ", 1<<16), // huge Python error
	} {
		got := failureMessage(in)
		if len(got) > MaxFailureMessage || !strings.HasSuffix(got, "…") || !utf8.ValidString(got) {
			t.Errorf("failureMessage of %d bytes: %d bytes %q…, want at most %d, ending with …, valid UTF-8",
				len(in), len(got), got[:min(len(got), 20)], MaxFailureMessage)
		}
	}
}

// taskEndLine is a failed task's end as Spark 3.5 writes it.
func taskEndLine(t *testing.T, taskID int64, exec string, reason map[string]any) []byte {
	t.Helper()
	e := map[string]any{
		"Event": "SparkListenerTaskEnd", "Stage ID": 1, "Stage Attempt ID": 0, "Task Type": "ResultTask",
		"Task End Reason": reason,
		"Task Info": map[string]any{"Task ID": taskID, "Index": taskID, "Attempt": 0, "Partition ID": taskID,
			"Launch Time": 1000, "Executor ID": exec, "Host": "host-" + exec, "Locality": "PROCESS_LOCAL",
			"Speculative": false, "Getting Result Time": 0, "Finish Time": 2000 + taskID, "Failed": true, "Killed": false,
			"Accumulables": []any{}},
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestFailureDetails feeds failed task ends through the builder: the
// first of each reason is kept, fetch failures are counted by source, and a
// huge Python traceback still yields its error line.
func TestFailureDetails(t *testing.T) {
	b := NewBuilder()
	handle := func(line []byte) {
		t.Helper()
		if err := b.Handle(eventlog.KindTaskEnd, line); err != nil {
			t.Fatal(err)
		}
	}
	hugeTB := "Traceback (most recent call last):\n" +
		strings.Repeat("  File \"/opt/spark/python/pyspark/worker.py\", line 1247, in process\n    return func(*args)\n", 3000) +
		"ValueError: corrupt record 194999\n"
	exc := func(msg string) map[string]any {
		return map[string]any{"Reason": "ExceptionFailure", "Class Name": "org.apache.spark.api.python.PythonException",
			"Description": msg, "Stack Trace": []any{}, "Full Stack Trace": "org.apache.spark.api.python.PythonException: " + msg,
			"Accumulator Updates": []any{}}
	}
	fetch := func(bm map[string]any) map[string]any {
		r := map[string]any{"Reason": "FetchFailed", "Shuffle ID": 1, "Map ID": -1, "Map Index": -1, "Reduce ID": 4,
			"Message": "org.apache.spark.shuffle.MetadataFetchFailedException: Missing an output location for shuffle 1 partition 4\n\tat x.y(Z.scala:1)"}
		if bm != nil {
			r["Block Manager Address"] = bm
			r["Map ID"], r["Map Index"] = 17, 2
			r["Message"] = "org.apache.spark.shuffle.FetchFailedException: Failed to connect to host-3/10.0.0.3:7337\n\tat x.y(Z.scala:1)"
		}
		return r
	}
	handle(taskEndLine(t, 1, "1", exc(hugeTB)))
	handle(taskEndLine(t, 2, "2", exc("Traceback (most recent call last):\nKeyError: 'other'\n")))
	handle(taskEndLine(t, 3, "2", fetch(nil)))
	handle(taskEndLine(t, 4, "2", fetch(map[string]any{"Executor ID": "3", "Host": "host-3", "Port": 7337})))
	handle(taskEndLine(t, 5, "1", fetch(map[string]any{"Executor ID": "3", "Host": "host-3", "Port": 7337})))
	handle(taskEndLine(t, 6, "4", fetch(map[string]any{"Executor ID": "5", "Host": "host-5", "Port": 7337})))
	handle(taskEndLine(t, 7, "3", map[string]any{"Reason": "ExecutorLostFailure", "Executor ID": "3",
		"Exit Caused By App": false, "Loss Reason": "Container container_1_0003 on host: host-3 was preempted."}))
	handle(taskEndLine(t, 8, "3", map[string]any{"Reason": "TaskKilled", "Kill Reason": "another attempt succeeded"}))
	app := b.Finish()
	st := app.Stage(1, 0)
	if st == nil {
		t.Fatal("no stage 1.0")
	}
	pe := st.FailureDetails["ExceptionFailure: org.apache.spark.api.python.PythonException"]
	if pe == nil || pe.Message != "ValueError: corrupt record 194999" || pe.TaskID != 1 || pe.ExecutorID != "1" || pe.Host != "host-1" {
		t.Errorf("exception detail: %+v", pe)
	}
	ff := st.FailureDetails["FetchFailed"]
	switch {
	case ff == nil || ff.Fetch == nil:
		t.Fatalf("fetch detail: %+v", ff)
	case ff.TaskID != 4 || ff.Fetch.ExecutorID != "3" || ff.Fetch.Host != "host-3" || ff.Fetch.Port != 7337 ||
		ff.Fetch.ShuffleID != 1 || ff.Fetch.MapID != 17 || ff.Fetch.MapIndex != 2 || ff.Fetch.ReduceID != 4:
		t.Errorf("fetch detail: the first with a block manager, got %+v %+v", ff, ff.Fetch)
	case ff.Message != "FetchFailedException: Failed to connect to host-3/10.0.0.3:7337":
		t.Errorf("fetch message %q", ff.Message)
	case fmt.Sprint(ff.Fetch.Sources) != "map[3:2 5:1]" || ff.Fetch.NoLocation != 1:
		t.Errorf("fetch sources %v, no location %d", ff.Fetch.Sources, ff.Fetch.NoLocation)
	}
	el := st.FailureDetails["ExecutorLostFailure: Container container_1_0003 on host: host-3 was preempted."]
	if el == nil || el.ExitCausedByApp == nil || *el.ExitCausedByApp || el.LostExecutorID != "3" ||
		el.Message != "Container container_1_0003 on host: host-3 was preempted." {
		t.Errorf("executor lost detail: %+v", el)
	}
	if len(st.FailureDetails) != 3 {
		t.Errorf("%d details, want 3 (killed tasks have none): %v", len(st.FailureDetails), st.FailureDetails)
	}
	if st.FailureReasons["FetchFailed"] != 4 {
		t.Errorf("FailureReasons %v", st.FailureReasons)
	}
}

// TestFailureDetailsBounded: one detail per reason, however many reasons.
func TestFailureDetailsBounded(t *testing.T) {
	b := NewBuilder()
	for i := range 200 {
		line := taskEndLine(t, int64(i), "1", map[string]any{"Reason": "ExceptionFailure", "Class Name": fmt.Sprintf("com.example.E%d", i),
			"Description": "boom"})
		if err := b.Handle(eventlog.KindTaskEnd, line); err != nil {
			t.Fatal(err)
		}
	}
	st := b.Finish().Stage(1, 0)
	if n := len(st.FailureDetails); n != maxFailureReasons {
		t.Errorf("%d details, want %d", n, maxFailureReasons)
	}
}
