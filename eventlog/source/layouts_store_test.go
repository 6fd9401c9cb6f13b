package source

import (
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog/codec"
	"github.com/sparkdiag/sparkdiag/eventlog/store/storetest"
)

// TestStoreLayouts resolves the layouts clusters write (EMR, EMR
// Serverless, Dataproc, Databricks, the Synapse emitter, Spark 1.x) from a
// local folder and through a store URL (file://, read one level at a time
// like S3 or HDFS): both find exactly the expected logs.
func TestStoreLayouts(t *testing.T) {
	root, want := storetest.Layouts(t)
	for _, c := range []struct{ name, top, prefix string }{
		{"local", root, root + "/"},
		{"url", "file://" + root, "file://" + root + "/"},
		{"url-slash", "file://" + root + "/", "file://" + root + "/"},
	} {
		t.Run(c.name, func(t *testing.T) {
			logs, errs := Discover(c.top)
			for _, err := range errs {
				t.Errorf("unexpected error: %v", err)
			}
			var got []storetest.Expect
			for _, l := range logs {
				rel := strings.TrimPrefix(filepath.ToSlash(l.Path), filepath.ToSlash(c.prefix))
				app := l.AppID
				if l.Attempt != "" {
					app += "_" + l.Attempt
				}
				got = append(got, storetest.Expect{Path: rel, Layout: string(l.Layout), AppID: app, Parts: len(l.Parts)})
			}
			sort.Slice(got, func(i, j int) bool { return got[i].Path < got[j].Path })
			sort.Slice(want, func(i, j int) bool { return want[i].Path < want[j].Path })
			if len(got) != len(want) {
				t.Fatalf("found %d logs, want %d:\n got %v\nwant %v", len(got), len(want), got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("log %d: got %v, want %v", i, got[i], want[i])
				}
			}
		})
	}
}

// TestEmitterUnwrap: the parts of an emitter log yield exactly the Spark
// events of its application, in order, one per line.
func TestEmitterUnwrap(t *testing.T) {
	root, _ := storetest.Layouts(t)
	logs, errs := Discover("file://" + root + "/synapse")
	if len(errs) > 0 || len(logs) != 2 {
		t.Fatalf("%d logs, errors %v", len(logs), errs)
	}
	for _, l := range logs {
		var all strings.Builder
		for _, p := range l.Parts {
			rc, err := p.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			all.Write(b)
		}
		lines := strings.Split(strings.TrimSuffix(all.String(), "\n"), "\n")
		if !strings.HasPrefix(lines[0], `{"Event":"SparkListenerLogStart"`) {
			t.Errorf("%s: first event %.80s", l.Path, lines[0])
		}
		for i, line := range lines {
			if !strings.HasPrefix(line, `{"Event":`) {
				t.Fatalf("%s: line %d is not a Spark event: %.80s", l.Path, i+1, line)
			}
			if strings.Contains(line, `"category"`) || strings.Contains(line, "jvm.heap.used") {
				t.Fatalf("%s: line %d is an envelope or another category: %.80s", l.Path, i+1, line)
			}
		}
		if l.Parts[0].CodecHint != codec.Plain {
			t.Errorf("%s: codec hint %v, want plain (unwrapped)", l.Path, l.Parts[0].CodecHint)
		}
	}
}

// TestGlobStore: a pattern in a store URL is expanded level by level.
func TestGlobStore(t *testing.T) {
	root, _ := storetest.Layouts(t)
	logs, errs := Discover("file://" + root + "/dataproc/*/spark-job-history")
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	if len(logs) != 2 {
		t.Fatalf("%d logs, want the 2 of dataproc/*/spark-job-history", len(logs))
	}
	if _, errs := Discover("file://" + root + "/nothing-*/x"); len(errs) == 0 {
		t.Error("a pattern matching nothing gives no error")
	}
}
