package appmodel_test

import (
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

func loadNamed(t *testing.T, path string) *appmodel.Application {
	t.Helper()
	logs, err := source.Open(path)
	if err != nil || len(logs) == 0 {
		t.Fatalf("%s: %v", path, err)
	}
	app, _, err := appmodel.Load(logs[0], eventlog.Options{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return app
}

// TestDisplayNameRealLogs: the names of stages of real logs, PySpark
// (py4j call sites), Spark 3.0 and 4.x adaptive stages started from a
// thread pool, and Scala call sites that are kept.
func TestDisplayNameRealLogs(t *testing.T) {
	for _, tc := range []struct {
		log       []string
		stage     int
		raw, want string
	}{
		// PySpark with a job description (setJobDescription).
		{[]string{"spark", "logs", "3.5.9", "scan_csv.zstd"}, 0, "csv at NativeMethodAccessorImpl.java:0", "csv: revenue per country from CSV"},
		{[]string{"spark", "logs", "4.3.0", "append_writes.zstd"}, 3, "parquet at NativeMethodAccessorImpl.java:0", "parquet: append day 3"},
		// A Python call site is kept as it is.
		{[]string{"spark", "logs", "3.5.9", "scan_csv.zstd"}, 2, "collect at /work/main/testdata/spark/scenarios/scan_csv.py:25", "collect at /work/main/testdata/spark/scenarios/scan_csv.py:25"},
		// PySpark with no description: the API the call came in by.
		{[]string{"naming", "pyspark_4.1.0.zstd"}, 0, "parquet at NativeMethodAccessorImpl.java:0", "DataFrameWriter.parquet (from PySpark)"},
		{[]string{"naming", "pyspark_4.1.0.zstd"}, 6, "count at NativeMethodAccessorImpl.java:0", "Dataset.count (from PySpark)"},
		// An adaptive stage started from a thread pool: its SQL
		// execution's API.
		{[]string{"naming", "pyspark_4.1.0.zstd"}, 1, "$anonfun$withThreadLocalCaptured$2 at CompletableFuture.java:1768", "DataFrameWriter.parquet (from PySpark)"},
		{[]string{"naming", "pyspark_4.1.0.zstd"}, 4, "collect at /app/generate_events.py:40", "collect at /app/generate_events.py:40"},
		// Spark 3.0 broadcast stage: the job's description.
		{[]string{"public", "nds_q86_test.zstd"}, 31, "$anonfun$withThreadLocalCaptured$1 at FutureTask.java:266", "broadcast exchange (runId 9f3a4d35-d6b1-4d70-a4e5-263097945e6b)"},
		// Scala call sites are kept.
		{[]string{"public", "nds_q86_test.zstd"}, 33, "parquet at BenchUtils.scala:226", "parquet at BenchUtils.scala:226"},
		{[]string{"public", "rp_sql_eventlog.zstd"}, 1, "count at <console>:29", "count at <console>:29"},
	} {
		app := loadNamed(t, testlogs.Testdata(tc.log...))
		st := app.Stage(tc.stage, 0)
		if st == nil {
			t.Fatalf("%v: no stage %d", tc.log, tc.stage)
		}
		if st.Name != tc.raw {
			t.Errorf("%v stage %d: raw name %q, want %q", tc.log, tc.stage, st.Name, tc.raw)
		}
		if got := app.DisplayName(st); got != tc.want {
			t.Errorf("%v stage %d: DisplayName = %q, want %q", tc.log, tc.stage, got, tc.want)
		}
	}
}

// TestDisplayNameRules: each rule on its own.
func TestDisplayNameRules(t *testing.T) {
	py4j := "org.apache.spark.sql.DataFrameWriter.parquet(DataFrameWriter.scala:369)\njava.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)\npy4j.Gateway.invoke(Gateway.java:282)"
	for _, tc := range []struct {
		name  string
		stage appmodel.Stage
		job   appmodel.Job
		sql   *appmodel.SQLExecution
		want  string
	}{
		{"kept", appmodel.Stage{Name: "map at Job.scala:10"}, appmodel.Job{}, nil, "map at Job.scala:10"},
		{"first line only", appmodel.Stage{Name: "map at Job.scala:10\nmore"}, appmodel.Job{}, nil, "map at Job.scala:10"},
		{"python call site of the job", appmodel.Stage{Name: "csv at NativeMethodAccessorImpl.java:0", Description: "desc"}, appmodel.Job{CallSite: "csv at etl.py:12"}, nil, "csv at etl.py:12"},
		{"python frame in the details", appmodel.Stage{Name: "csv at NativeMethodAccessorImpl.java:0", Details: "x\n  File \"/jobs/etl.py:33\""}, appmodel.Job{}, nil, "csv at /jobs/etl.py:33"},
		{"stage description", appmodel.Stage{Name: "csv at NativeMethodAccessorImpl.java:0", Description: "load\nsecond line"}, appmodel.Job{}, nil, "csv: load"},
		{"job description", appmodel.Stage{Name: "csv at NativeMethodAccessorImpl.java:0"}, appmodel.Job{Description: "nightly"}, nil, "csv: nightly"},
		{"SQL description", appmodel.Stage{Name: "$anonfun$x$1 at FutureTask.java:266", SQLExecutionID: 7}, appmodel.Job{}, &appmodel.SQLExecution{ID: 7, Description: "SELECT 1"}, "SELECT 1"},
		{"placeholder description skipped", appmodel.Stage{Name: "parquet at NativeMethodAccessorImpl.java:0", SQLExecutionID: 7, Details: py4j}, appmodel.Job{}, &appmodel.SQLExecution{ID: 7, Description: "parquet at NativeMethodAccessorImpl.java:0"}, "DataFrameWriter.parquet (from PySpark)"},
		{"SQL details", appmodel.Stage{Name: "$anonfun$x$1 at FutureTask.java:266", SQLExecutionID: 7}, appmodel.Job{}, &appmodel.SQLExecution{ID: 7, Details: "org.apache.spark.sql.Dataset.count(Dataset.scala:1)"}, "Dataset.count"},
		{"nothing better", appmodel.Stage{Name: "run at ThreadPoolExecutor.java:1149", Details: "java.base/java.lang.Thread.run(Thread.java:840)"}, appmodel.Job{}, nil, "run at ThreadPoolExecutor.java:1149"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.stage
			if tc.sql == nil && st.SQLExecutionID == 0 {
				st.SQLExecutionID = -1
			}
			job := tc.job
			job.ID = 1
			st.JobIDs = []int{1}
			app := &appmodel.Application{Jobs: []*appmodel.Job{&job}, Stages: []*appmodel.Stage{&st}}
			if tc.sql != nil {
				app.SQL = []*appmodel.SQLExecution{tc.sql}
			}
			if got := app.DisplayName(&st); got != tc.want {
				t.Errorf("DisplayName = %q, want %q", got, tc.want)
			}
		})
	}
}
