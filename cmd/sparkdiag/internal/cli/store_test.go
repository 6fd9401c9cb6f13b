package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog/store/storetest"
)

var (
	sourceRE = regexp.MustCompile(`"source":"[^"]*?/(emr|emr-serverless|dataproc|databricks|synapse|spark1)/`)
	fpRE     = regexp.MustCompile(`,"fingerprint":"[0-9a-f]+"`)
	probRE   = regexp.MustCompile(`"problems":\["[^"]*?/(emr|emr-serverless|dataproc|databricks|synapse|spark1)/`)
)

// normalizeReview strips what depends on where the logs were read from:
// the sources' prefixes and the fingerprints.
func normalizeReview(s string) string {
	s = sourceRE.ReplaceAllString(s, `"source":"<top>/$1/`)
	s = probRE.ReplaceAllString(s, `"problems":["<top>/$1/`)
	return fpRE.ReplaceAllString(s, "")
}

// assertStoreReview reviews the Layouts folder from its local copy and
// from a store URL holding the same files (env: the store's settings) and
// checks that both reviews are the same application by application, and
// that analyze reads an emitter log and a Databricks log from the store.
func assertStoreReview(t *testing.T, local, url string, env []string) {
	t.Helper()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	want, errs, code := run(t, nil, "review", "-q", "-f", "jsonl", local)
	if code != ExitOK {
		t.Fatalf("local review: exit %d: %s", code, errs)
	}
	got, errs, code := run(t, nil, "review", "-q", "-f", "jsonl", url)
	if code != ExitOK {
		t.Fatalf("review %s: exit %d: %s", url, code, errs)
	}
	if g, w := normalizeReview(got), normalizeReview(want); g != w {
		t.Errorf("review of %s differs from the local review:\n got %.2000s\nwant %.2000s", url, g, w)
	}
	if n := strings.Count(got, "\n"); n != 10 {
		t.Errorf("review of %s: %d applications, want 10", url, n)
	}
	top := strings.TrimSuffix(url, "/")
	for _, p := range []string{"/synapse/ws-analytics/pool1/2026/11/23", "/databricks", "/dataproc/*/spark-job-history", "/emr/spark-logs/local-1795471491062.lz4"} {
		out, errs, code := run(t, nil, "analyze", "-q", "--format", "json", top+p)
		if code != ExitOK {
			t.Errorf("analyze %s: exit %d: %s", top+p, code, errs)
			continue
		}
		if !strings.Contains(out, `"sparkVersion"`) {
			t.Errorf("analyze %s: no application in the report", top+p)
		}
	}
}

// TestReviewFileURL: the store code path, over file:// URLs.
func TestReviewFileURL(t *testing.T) {
	dir, _ := storetest.Layouts(t)
	assertStoreReview(t, dir, "file://"+dir+"/", nil)
}

// TestMain stops the HDFS minicluster the store tests share.
func TestMain(m *testing.M) {
	code := m.Run()
	storetest.StopHDFS()
	os.Exit(code)
}

// TestReviewHDFS: review and analyze read every layout from a real HDFS
// (a NameNode and a DataNode started by the test) over RPC, over WebHDFS,
// and through an HA nameservice whose first NameNode is down; -o writes
// the JSON Lines to HDFS and merge reads them back.
func TestReviewHDFS(t *testing.T) {
	dir, _ := storetest.Layouts(t)
	srv := storetest.StartHDFS(t, dir)
	t.Run("rpc", func(t *testing.T) { assertStoreReview(t, dir, srv.RPCURL("fixture/"), srv.Env()) })
	t.Run("webhdfs", func(t *testing.T) { assertStoreReview(t, dir, srv.WebHDFSURL("fixture/"), srv.Env()) })
	t.Run("nameservice", func(t *testing.T) {
		env := append(srv.Env(), "HADOOP_CONF_DIR="+srv.HAConfDir(t))
		assertStoreReview(t, dir, "hdfs://"+storetest.HDFSNameservice+"/fixture/", env)
	})
	t.Run("output", func(t *testing.T) {
		for _, kv := range srv.Env() {
			k, v, _ := strings.Cut(kv, "=")
			t.Setenv(k, v)
		}
		part := srv.RPCURL("reviews/2026-11-24/part-0.jsonl")
		if _, errs, code := run(t, nil, "review", "-q", "-o", part, srv.RPCURL("fixture/")); code != ExitOK {
			t.Fatalf("review -o %s: exit %d: %s", part, code, errs)
		}
		out, errs, code := run(t, nil, "merge", "-f", "jsonl", srv.WebHDFSURL("reviews/*/part-*.jsonl"))
		if code != ExitOK || strings.Count(out, "\n") != 10 {
			t.Fatalf("merge from WebHDFS: exit %d, %d records: %s", code, strings.Count(out, "\n"), errs)
		}
	})
}

// TestReviewS3: every layout read from a real S3 server (versitygw),
// with -o to the bucket and --previous from it.
func TestReviewS3(t *testing.T) {
	dir, _ := storetest.Layouts(t)
	srv := storetest.StartS3(t, dir)
	assertStoreReview(t, dir, srv.URL(""), srv.Env())
	part := srv.URL("reviews/2026-11-24/part-0.jsonl")
	if _, errs, code := run(t, nil, "review", "-q", "-o", part, srv.URL("")); code != ExitOK {
		t.Fatalf("review -o %s: exit %d: %s", part, code, errs)
	}
	out, errs, code := run(t, nil, "review", "--previous", part, srv.URL(""))
	if code != ExitOK || !strings.Contains(out, "10 unchanged since the previous review") {
		t.Fatalf("incremental review from S3: exit %d: %s\n%s", code, errs, firstLines(out, 3))
	}
	// Query options name an S3-compatible server without the environment.
	t.Setenv("AWS_ENDPOINT_URL", "")
	q := srv.URL("dataproc/") + "?endpoint=" + srv.Endpoint + "&region=us-east-1"
	if out, errs, code := run(t, nil, "review", "-q", "-f", "jsonl", q); code != ExitOK || strings.Count(out, "\n") != 2 {
		t.Errorf("review %s: exit %d, %d records: %s", q, code, strings.Count(out, "\n"), errs)
	}
}

// TestReviewGCS: every layout read from a GCS emulator (fake-gcs-server),
// and the Dataproc pattern gs://bucket/dataproc/*/spark-job-history.
func TestReviewGCS(t *testing.T) {
	dir, _ := storetest.Layouts(t)
	srv := storetest.StartGCS(t, dir)
	assertStoreReview(t, dir, srv.URL(""), srv.Env())
	out, errs, code := run(t, nil, "review", "-q", "-f", "jsonl", srv.URL("dataproc/*/spark-job-history"))
	if code != ExitOK || strings.Count(out, "\n") != 2 {
		t.Errorf("review of the Dataproc pattern: exit %d, %d records: %s", code, strings.Count(out, "\n"), errs)
	}
	if _, errs, code := run(t, nil, "review", "-q", "-o", srv.URL("reviews/part-0.jsonl"), srv.URL("emr/")); code != ExitOK {
		t.Errorf("review -o gs://: exit %d: %s", code, errs)
	}
}

// TestReviewAzure: every layout read from Azurite, through azblob:// and
// wasb:// URLs.
func TestReviewAzure(t *testing.T) {
	dir, _ := storetest.Layouts(t)
	srv := storetest.StartAzure(t, dir)
	assertStoreReview(t, dir, srv.URL(""), srv.Env())
	if _, errs, code := run(t, nil, "review", "-q", "-o", srv.URL("reviews/part-0.jsonl"), srv.URL("synapse/")); code != ExitOK {
		t.Errorf("review -o azblob://: exit %d: %s", code, errs)
	}
	out, errs, code := run(t, nil, "merge", "-f", "jsonl", srv.URL("reviews/part-*.jsonl"))
	if code != ExitOK || strings.Count(out, "\n") != 2 {
		t.Errorf("merge from Azure: exit %d, %d records: %s", code, strings.Count(out, "\n"), errs)
	}
}
