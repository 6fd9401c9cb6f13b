package storetest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Expect is one application a Layouts folder holds.
type Expect struct {
	// Path is the log's path relative to the folder (for an emitter log,
	// "folder#applicationId").
	Path   string
	Layout string
	AppID  string
	Parts  int
}

// repoRoot is the module's top folder.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

func testdata(parts ...string) string {
	return filepath.Join(append([]string{repoRoot(), "testdata"}, parts...)...)
}

// Layouts writes, into a new folder, real event logs laid out the ways
// clusters store them, and returns the folder with what it holds:
//
//   - EMR on EC2 (spark.eventLog.dir=s3://…/spark-logs): single files,
//     compressed and plain, with an in-progress one;
//   - EMR Serverless: applications/<id>/jobs/<run>/sparklogs/eventlog_v2_<app>/;
//   - Dataproc and Dataproc Serverless: <cluster-or-batch>/spark-job-history/,
//     for patterns such as */spark-job-history;
//   - Databricks cluster log delivery:
//     <cluster>/eventlog/<cluster>_<ip>/<context>/eventlog plus a rolled
//     eventlog-YYYY-MM-DD--HH-MM.gz;
//   - the Synapse / Fabric diagnostic emitter: JSON Lines envelopes of two
//     applications spread over two files, among log and metric lines;
//   - a Spark 1.x log directory.
//
// The logs come from testdata (real Spark runs; see the READMEs there).
func Layouts(t testing.TB) (string, []Expect) {
	t.Helper()
	root := t.TempDir()
	put := func(rel string, b []byte) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	read := func(parts ...string) []byte {
		t.Helper()
		b, err := os.ReadFile(testdata(parts...))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var want []Expect

	// EMR on EC2.
	put("emr/spark-logs/local-1795471432455.zstd", read("codecs", "spark-3.5.9.zstd"))
	put("emr/spark-logs/local-1795471491062.lz4", read("codecs", "spark-4.3.0.lz4"))
	put("emr/spark-logs/local-1795471432455.inprogress", read("codecs", "spark-3.5.9.plain")[:4000])
	put("emr/spark-logs/_SUCCESS", nil)
	want = append(want,
		Expect{"emr/spark-logs/local-1795471432455.inprogress", "file", "local-1795471432455", 1},
		Expect{"emr/spark-logs/local-1795471432455.zstd", "file", "local-1795471432455", 1},
		Expect{"emr/spark-logs/local-1795471491062.lz4", "file", "local-1795471491062", 1})

	// EMR Serverless: a rolling log in its run's folder.
	rolling := "eventlog_v2_local-1795476552477"
	src := testdata("spark", "logs", "3.5.9", "partitions_too_many", rolling)
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	base := "emr-serverless/applications/00fkt3ab1c2d3e4f/jobs/00fkt3cd5e6f7g8h/sparklogs/" + rolling
	n := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		put(base+"/"+e.Name(), read("spark", "logs", "3.5.9", "partitions_too_many", rolling, e.Name()))
		if strings.HasPrefix(e.Name(), "events_") {
			n++
		}
	}
	want = append(want, Expect{base, "rolling", "local-1795476552477", n})

	// Dataproc: a cluster and a serverless batch, and a folder without logs.
	put("dataproc/cluster-etl/spark-job-history/local-1795471491062.zstd", read("codecs", "spark-4.3.0.zstd"))
	put("dataproc/batch-7f3a/spark-job-history/local-1795471432455.snappy", read("codecs", "spark-3.5.9.snappy"))
	put("dataproc/notes/README.txt", []byte("not a log\n"))
	want = append(want,
		Expect{"dataproc/batch-7f3a/spark-job-history/local-1795471432455.snappy", "file", "local-1795471432455", 1},
		Expect{"dataproc/cluster-etl/spark-job-history/local-1795471491062.zstd", "file", "local-1795471491062", 1})

	// Databricks cluster log delivery: the older half rolled and gzipped.
	plain := read("codecs", "spark-4.3.0.plain")
	lines := bytes.SplitAfter(plain, []byte("\n"))
	half := len(lines) / 2
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(bytes.Join(lines[:half], nil))
	zw.Close()
	db := "databricks/0601-182128-dcbte59m/eventlog/0601-182128-dcbte59m_10_139_64_5/3284934226245178224"
	put(db+"/eventlog-2026-11-23--23-00.gz", gz.Bytes())
	put(db+"/eventlog", bytes.Join(lines[half:], nil))
	put("databricks/0601-182128-dcbte59m/driver/stdout", []byte("driver output\n"))
	put("databricks/0601-182128-dcbte59m/driver/log4j-active.log", []byte("INFO log line\n"))
	want = append(want, Expect{db, "databricks", "", 2})

	// The Synapse / Fabric diagnostic emitter: two applications'
	// envelopes interleaved over two files, with other categories.
	a, b := read("codecs", "spark-3.5.9.plain"), read("codecs", "spark-4.3.0.plain")
	la, lb := nonEmptyLines(a), nonEmptyLines(b)
	var f1, f2 bytes.Buffer
	envelope := func(w io.Writer, category, app string, props []byte) {
		line, err := json.Marshal(map[string]any{
			"timestamp": "2026-11-23T23:00:00.000Z", "category": category, "workspaceName": "ws-analytics",
			"sparkPool": "pool1", "livyId": "42", "applicationId": app, "applicationName": "nightly",
			"executorId": "driver", "properties": json.RawMessage(props),
		})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(append(line, '\n'))
	}
	for i := 0; i < max(len(la), len(lb)); i++ {
		w := &f1
		if i >= len(la)/2 {
			w = &f2
		}
		if i < len(la) {
			envelope(w, "EventLog", "local-1795471432455", la[i])
		}
		if i%5 == 0 {
			envelope(w, "Log", "local-1795471432455", []byte(`{"message":"Registering signal handler for TERM","level":"INFO"}`))
			envelope(w, "Metrics", "local-1795471491062", []byte(`{"name":"jvm.heap.used","value":12345}`))
		}
		if i < len(lb) {
			envelope(w, "EventLog", "local-1795471491062", lb[i])
		}
	}
	em := "synapse/ws-analytics/pool1/2026/11/23"
	put(em+"/part-00000.jsonl", f1.Bytes())
	put(em+"/part-00001.jsonl", f2.Bytes())
	want = append(want,
		Expect{em + "#local-1795471432455", "emitter", "local-1795471432455", 2},
		Expect{em + "#local-1795471491062", "emitter", "local-1795471491062", 2})

	// Spark 1.x directory (Spark 1.4 wrote this log).
	put("spark1/local-1430917381534/EVENT_LOG_1", read("public", "labeled", "spark_local-1430917381534"))
	put("spark1/local-1430917381534/SPARK_VERSION_1.4.0", nil)
	put("spark1/local-1430917381534/APPLICATION_COMPLETE", nil)
	want = append(want, Expect{"spark1/local-1430917381534", "v1dir", "local-1430917381534", 1})
	return root, want
}

func nonEmptyLines(b []byte) [][]byte {
	var out [][]byte
	for _, l := range bytes.Split(b, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			out = append(out, l)
		}
	}
	return out
}

// String is how test messages show an expectation.
func (e Expect) String() string {
	return fmt.Sprintf("%s (%s, app %q, %d parts)", e.Path, e.Layout, e.AppID, e.Parts)
}
