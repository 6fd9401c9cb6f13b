package historyserver

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		t.Errorf("%s left in %s", e.Name(), dir)
	}
}

// zipOf builds a zip archive from name/content pairs (a name ending in
// "/" is a directory entry), as the History Server's /logs does.
func zipOf(t *testing.T, entries ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := 0; i < len(entries); i += 2 {
		w, err := zw.Create(entries[i])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(entries[i+1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func emptyZip(t *testing.T) []byte { return zipOf(t) }

func TestDownload(t *testing.T) {
	full := zipOf(t, "local-1.zstd", strings.Repeat("x", 100_000))
	tests := []struct {
		desc, app, attempt string
		wantPath, wantFile string
		body               []byte
	}{
		{desc: "no attempt", app: "local-1", wantPath: "/api/v1/applications/local-1/logs", wantFile: "local-1.zip", body: full},
		{desc: "attempt", app: "application_1_2", attempt: "2", wantPath: "/api/v1/applications/application_1_2/2/logs",
			wantFile: "application_1_2_2.zip", body: full},
		{desc: "escaped", app: "a/../b c?d", attempt: "1#", wantPath: "/api/v1/applications/a%2F..%2Fb%20c%3Fd/1%23/logs",
			wantFile: "a_.._b_c_d_1_.zip", body: full},
		{desc: "empty zip", app: "app-2", wantPath: "/api/v1/applications/app-2/logs", wantFile: "app-2.zip", body: emptyZip(t)},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			var gotURI string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotURI = r.RequestURI
				w.Header().Set("Content-Type", "application/octet-stream")
				w.Write(tt.body)
			}))
			defer srv.Close()
			dir := t.TempDir()
			c, _ := testClient(t, srv.URL+"/api/v1/", Options{})
			path, err := c.Download(context.Background(), tt.app, tt.attempt, dir)
			if err != nil {
				t.Fatal(err)
			}
			if gotURI != tt.wantPath {
				t.Errorf("asked %q, want %q", gotURI, tt.wantPath)
			}
			if path != filepath.Join(dir, tt.wantFile) {
				t.Errorf("path %q, want %s in %s", path, tt.wantFile, dir)
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, tt.body) {
				t.Errorf("file holds %d bytes (%v), want %d", len(got), err, len(tt.body))
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 1 {
				t.Errorf("%d files in the directory, want 1", len(ents))
			}
		})
	}
}

func TestDownloadBadIDs(t *testing.T) {
	c, _ := testClient(t, "http://127.0.0.1:1", Options{})
	for _, ids := range [][2]string{{"", ""}, {"..", ""}, {"a", "."}} {
		if _, err := c.Download(context.Background(), ids[0], ids[1], t.TempDir()); err == nil {
			t.Errorf("Download(%q, %q): no error", ids[0], ids[1])
		}
	}
	missing := filepath.Join(t.TempDir(), "missing")
	if _, err := c.Download(context.Background(), "a", "", missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Download into a missing directory: %v", err)
	}
}

func TestDownloadErrors(t *testing.T) {
	full := zipOf(t, "local-1", strings.Repeat(`{"Event":"SparkListenerLogStart","Spark Version":"3.5.9"}`+"\n", 2000))
	tests := []struct {
		desc    string
		handler func(n int, w http.ResponseWriter, r *http.Request) // n counts from 0
		hits    int
		want    string // "" when the download succeeds with full
		notFoud bool
	}{
		{desc: "404 not retried", hits: 1, notFoud: true,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				http.Error(w, "unknown app: nope", http.StatusNotFound)
			},
			want: "application nope not found on the History Server (404): GET http://HOST/api/v1/applications/nope/logs: \"unknown app: nope\""},
		{desc: "login page", hits: 1,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html;charset=utf-8")
				fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Sign in - SSO</title></head><body>Log in</body></html>")
			},
			want: `the answer is not a zip archive (Content-Type "text/html;charset=utf-8"): "Sign in - SSO Log in"; is this the History Server's address, or a login page?`},
		{desc: "empty body", hits: 1,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {},
			want:    "empty answer, expected a zip archive"},
		{desc: "cut midway then whole", hits: 2,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(len(full)))
				if n == 0 {
					w.Write(full[:len(full)/2])
					w.(http.Flusher).Flush()
					panic(http.ErrAbortHandler)
				}
				w.Write(full)
			}},
		{desc: "cut in the magic then whole", hits: 2,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(len(full)))
				if n == 0 {
					w.Write(full[:2])
					w.(http.Flusher).Flush()
					panic(http.ErrAbortHandler)
				}
				w.Write(full)
			}},
		{desc: "chunked cut then whole", hits: 2,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 0 {
					w.Write(full[:len(full)/3])
					w.(http.Flusher).Flush()
					panic(http.ErrAbortHandler)
				}
				w.Write(full)
			}},
		{desc: "server gave up writing the zip then whole", hits: 2,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 0 {
					w.Write(full[:len(full)-30]) // no central directory
					return
				}
				w.Write(full)
			}},
		{desc: "503 then whole", hits: 2,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 0 {
					http.Error(w, "Event logs are not available for app: a.", http.StatusServiceUnavailable)
					return
				}
				w.Write(full)
			}},
		{desc: "always cut", hits: 4,
			handler: func(n int, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(len(full)))
				w.Write(full[:len(full)/2])
				w.(http.Flusher).Flush()
				panic(http.ErrAbortHandler)
			},
			want: "the answer broke off after"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tt.handler(int(hits.Add(1))-1, w, r)
			}))
			defer srv.Close()
			dir := t.TempDir()
			c, _ := testClient(t, srv.URL, Options{})
			app := "nope"
			path, err := c.Download(context.Background(), app, "", dir)
			if int(hits.Load()) != tt.hits {
				t.Errorf("%d requests, want %d", hits.Load(), tt.hits)
			}
			if tt.want != "" {
				want := strings.ReplaceAll(tt.want, "HOST", srv.Listener.Addr().String())
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("err = %v, want one containing %q", err, want)
				}
				if !strings.Contains(err.Error(), srv.URL) {
					t.Errorf("err = %v does not name the URL", err)
				}
				if errors.Is(err, ErrNotFound) != tt.notFoud {
					t.Errorf("errors.Is(err, ErrNotFound) = %v", !tt.notFoud)
				}
				assertEmptyDir(t, dir)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, full) {
				t.Fatalf("file holds %d bytes (%v), want %d", len(got), err, len(full))
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 1 {
				t.Errorf("%d files left in the directory, want 1", len(ents))
			}
		})
	}
}

// hsRecord reads the application id and name the real History Server gave
// for one of our logs.
func hsRecord(t *testing.T, version, log string) App {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testlogs.Root(), "testdata", "spark", "hs", version, log, "application.json"))
	if err != nil {
		t.Fatal(err)
	}
	var app App
	if err := json.Unmarshal(b, &app); err != nil {
		t.Fatal(err)
	}
	return app
}

// TestDownloadOpens downloads archives shaped like the History Server's
// (a single lz4 file, a rolling directory) holding real logs and checks
// that the reader opens them and finds the application.
func TestDownloadOpens(t *testing.T) {
	logs := filepath.Join(testlogs.Root(), "testdata", "spark", "logs", "3.5.9")
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(logs, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	single := hsRecord(t, "3.5.9", "skew_agg.lz4")
	rolling := hsRecord(t, "3.5.9", "partitions_too_many")
	rdir := "eventlog_v2_" + rolling.ID
	var rollingEntries []string
	rollingEntries = append(rollingEntries, rdir+"/", "")
	for _, f := range []string{"events_1_", "events_2_", "events_3_"} {
		rollingEntries = append(rollingEntries, rdir+"/"+f+rolling.ID+".zstd", read(filepath.Join("partitions_too_many", rdir, f+rolling.ID+".zstd")))
	}
	rollingEntries = append(rollingEntries, rdir+"/appstatus_"+rolling.ID, "")
	archives := map[string][]byte{
		single.ID:  zipOf(t, single.ID+".lz4", read("skew_agg.lz4")),
		rolling.ID: zipOf(t, rollingEntries...),
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/api/v1/applications/"), "/logs")
		b, ok := archives[id]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b)
	}))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, Options{})
	for _, want := range []App{single, rolling} {
		path, err := c.Download(context.Background(), want.ID, "", t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		app := openDownload(t, path)
		if app.ID != want.ID || app.Name != want.Name || !app.Complete {
			t.Errorf("%s: read %s %q complete %v, want %s %q", path, app.ID, app.Name, app.Complete, want.ID, want.Name)
		}
	}
}

// openDownload opens a downloaded archive with the reader and loads its
// one application.
func openDownload(t *testing.T, path string) *appmodel.Application {
	t.Helper()
	logs, err := source.Open(path)
	if err != nil {
		t.Fatalf("source.Open(%s): %v", path, err)
	}
	defer func() {
		for _, l := range logs {
			l.Close()
		}
	}()
	if len(logs) != 1 {
		t.Fatalf("source.Open(%s): %d logs, want 1", path, len(logs))
	}
	if logs[0].Layout != source.Zip {
		t.Errorf("%s: layout %s, want zip", path, logs[0].Layout)
	}
	app, _, err := appmodel.Load(logs[0], eventlog.Options{})
	if err != nil {
		t.Fatalf("appmodel.Load(%s): %v", path, err)
	}
	return app
}
