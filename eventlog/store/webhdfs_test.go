package store

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sparkdiag/sparkdiag/eventlog/store/storetest"
)

// TestWebHDFS checks the WebHDFS backend (webhdfs://127.0.0.1:PORT/...)
// against the minicluster: the same checks as the RPC backend, the
// 1500-entry folder paged by LISTSTATUS_BATCH.
func TestWebHDFS(t *testing.T) {
	s := startHDFS(t)
	testHDFSBackend(t, s.WebHDFSURL, "/out-webhdfs")
}

// TestWebHDFSSameVersionAsRPC: both backends describe a file alike.
func TestWebHDFSSameVersionAsRPC(t *testing.T) {
	s := startHDFS(t)
	name := strings.TrimPrefix(storetest.HDFSFixtureDir, "/") + "/" + hdfsBigLog
	rpc, _ := openStore(t, s.RPCURL("/"))
	web, _ := openStore(t, s.WebHDFSURL("/"))
	a, err := rpc.Stat(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	b, err := web.Stat(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if a != b || a.Version == "" {
		t.Fatalf("RPC Stat = %+v\nWebHDFS Stat = %+v\nwant the same, with a Version", a, b)
	}
}

// fakeWebHDFS is an httptest server that answers WebHDFS requests with
// handle, and records them.
type fakeWebHDFS struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // "METHOD path?query"
}

func newFakeWebHDFS(t *testing.T, handle func(f *fakeWebHDFS, w http.ResponseWriter, r *http.Request)) (*fakeWebHDFS, FS) {
	t.Helper()
	t.Setenv("HADOOP_USER_NAME", "alice")
	t.Setenv("WEBHDFS_DELEGATION_TOKEN", "")
	f := &fakeWebHDFS{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.seen = append(f.seen, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		f.mu.Unlock()
		handle(f, w, r)
	}))
	t.Cleanup(f.Close)
	fsys, _ := openStore(t, "webhdfs://"+strings.TrimPrefix(f.URL, "http://")+"/")
	return f, fsys
}

// requests is what the server saw.
func (f *fakeWebHDFS) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.seen...)
}

func remoteException(w http.ResponseWriter, status int, exception, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"RemoteException":{"exception":%q,"javaClassName":"x.%s","message":%q}}`, exception, exception, msg)
}

// TestWebHDFSErrors turns server answers into errors that name the URL
// and the server's message, wrapping fs errors where they apply.
func TestWebHDFSErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		status  int
		body    string // raw body when exception is ""
		exc     string
		msg     string
		is      error
		wantMsg string
	}{
		{"not found", 404, "", "FileNotFoundException", "File /x does not exist.", fs.ErrNotExist, "File /x does not exist."},
		{"denied", 403, "", "AccessControlException", "Permission denied: user=alice", fs.ErrPermission, "Permission denied"},
		{"html 404", 404, "<html><body>HTTP ERROR 404 Not Found</body></html>", "", "", fs.ErrNotExist, "HTTP ERROR 404 Not Found"},
		{"server error", 500, "boom", "", "", nil, "HTTP 500 Internal Server Error: boom"},
		{"standby", 403, "", "StandbyException", "Operation category READ is not supported in state standby", fs.ErrPermission, "StandbyException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, fsys := newFakeWebHDFS(t, func(_ *fakeWebHDFS, w http.ResponseWriter, r *http.Request) {
				if tc.exc != "" {
					remoteException(w, tc.status, tc.exc, tc.msg)
					return
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			_, err := fsys.Stat(context.Background(), "logs/x")
			if err == nil {
				t.Fatal("Stat succeeded, want an error")
			}
			label := fsys.Label("logs/x")
			if !strings.Contains(err.Error(), label) || !strings.Contains(err.Error(), tc.wantMsg) || !strings.Contains(err.Error(), "GETFILESTATUS") {
				t.Errorf("error %q, want it to name %s, GETFILESTATUS and %q", err, label, tc.wantMsg)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q does not wrap %v", err, tc.is)
			}
			if tc.is == nil && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission)) {
				t.Errorf("error %q wraps an fs error, want none", err)
			}
		})
	}
}

// TestWebHDFSAuth sends user.name, or the delegation token instead.
func TestWebHDFSAuth(t *testing.T) {
	for _, tok := range []string{"", "tok123"} {
		var got url.Values
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = r.URL.Query()
			io.WriteString(w, `{"FileStatus":{"pathSuffix":"","type":"DIRECTORY","length":0,"modificationTime":0}}`)
		}))
		t.Setenv("HADOOP_USER_NAME", "bob")
		t.Setenv("WEBHDFS_DELEGATION_TOKEN", tok)
		fsys, _ := openStore(t, "webhdfs://"+strings.TrimPrefix(srv.URL, "http://")+"/")
		if _, err := fsys.Stat(context.Background(), "a b/c"); err != nil {
			t.Fatal(err)
		}
		srv.Close()
		want := url.Values{"op": {"GETFILESTATUS"}, "user.name": {"bob"}}
		if tok != "" {
			want = url.Values{"op": {"GETFILESTATUS"}, "delegation": {tok}}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("token %q: query %v, want %v", tok, got, want)
		}
	}
}

// batchServer serves LISTSTATUS_BATCH pages of size page over names.
func batchServer(names []string, page int) func(*fakeWebHDFS, http.ResponseWriter, *http.Request) {
	return func(_ *fakeWebHDFS, w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("op") != "LISTSTATUS_BATCH" {
			remoteException(w, 400, "IllegalArgumentException", "unexpected op "+q.Get("op"))
			return
		}
		start := 0
		if after := q.Get("startAfter"); after != "" {
			for start < len(names) && names[start] <= after {
				start++
			}
		}
		end := min(start+page, len(names))
		var sts []string
		for _, n := range names[start:end] {
			sts = append(sts, fmt.Sprintf(`{"accessTime":1,"pathSuffix":%q,"type":"FILE","length":7,"modificationTime":1700000000000,"owner":"x","extra":{"nested":[1,2]}}`, n))
		}
		fmt.Fprintf(w, `{"DirectoryListing":{"partialListing":{"FileStatuses":{"FileStatus":[%s]}},"remainingEntries":%d}}`,
			strings.Join(sts, ","), len(names)-end)
	}
}

// TestWebHDFSListPaging follows remainingEntries with startAfter.
func TestWebHDFSListPaging(t *testing.T) {
	var want []string
	for i := range 25 {
		want = append(want, fmt.Sprintf("app-%02d", i))
	}
	srv, fsys := newFakeWebHDFS(t, batchServer(want, 10))
	got, err := fsys.List(context.Background(), "logs")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(names(got), want) {
		t.Fatalf("List = %v, want %v", names(got), want)
	}
	if e := got[0]; e.Size != 7 || e.Dir || e.ModTime.UnixMilli() != 1700000000000 || e.Version != "1700000000000-7" {
		t.Errorf("entry = %+v, want a 7-byte file with its time and Version", e)
	}
	reqs := srv.requests()
	if len(reqs) != 3 || !strings.Contains(reqs[1], "startAfter=app-09") || !strings.Contains(reqs[2], "startAfter=app-19") {
		t.Errorf("requests = %q, want 3 pages after app-09 and app-19", reqs)
	}
}

// TestWebHDFSListFallback: a server without LISTSTATUS_BATCH (Hadoop before
// 2.9) is listed with LISTSTATUS, and not asked for batches again.
func TestWebHDFSListFallback(t *testing.T) {
	srv, fsys := newFakeWebHDFS(t, func(_ *fakeWebHDFS, w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("op") {
		case "LISTSTATUS_BATCH":
			remoteException(w, 400, "IllegalArgumentException", `Invalid value for webhdfs parameter "op": LISTSTATUS_BATCH`)
		case "LISTSTATUS":
			io.WriteString(w, `{"FileStatuses":{"FileStatus":[
				{"pathSuffix":"b","type":"DIRECTORY","length":0,"modificationTime":5},
				{"pathSuffix":"a","type":"FILE","length":3,"modificationTime":6}]}}`)
		}
	})
	for range 2 {
		got, err := fsys.List(context.Background(), "logs")
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"a", "b/"}; !reflect.DeepEqual(names(got), want) {
			t.Fatalf("List = %v, want %v (sorted)", names(got), want)
		}
	}
	if reqs := srv.requests(); len(reqs) != 3 {
		t.Errorf("requests = %q, want one LISTSTATUS_BATCH then two LISTSTATUS", reqs)
	}
}

// TestWebHDFSListBadAnswers: truncated or foreign JSON is an error naming
// the URL, and so is a listing of a file.
func TestWebHDFSListBadAnswers(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"truncated", `{"DirectoryListing":{"partialListing":{"FileStatuses":{"FileStatus":[{"pathSuffix":"a"`, "reading the JSON listing"},
		{"no list", `{"something":"else"}`, "no FileStatus list"},
		{"not json", `<html>`, "reading the JSON listing"},
		{"a file", `{"DirectoryListing":{"partialListing":{"FileStatuses":{"FileStatus":[{"pathSuffix":"","type":"FILE"}]}},"remainingEntries":0}}`, "a file, not a directory"},
		{"no progress", `{"DirectoryListing":{"partialListing":{"FileStatuses":{"FileStatus":[]}},"remainingEntries":4}}`, "empty page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, fsys := newFakeWebHDFS(t, func(_ *fakeWebHDFS, w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, tc.body)
			})
			_, err := fsys.List(context.Background(), "logs")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), fsys.Label("logs")) {
				t.Fatalf("List error = %v, want %q naming %s", err, tc.want, fsys.Label("logs"))
			}
		})
	}
}

// TestWebHDFSOpenRedirect follows the NameNode's redirect to a DataNode
// and streams its body; too many redirects are an error.
func TestWebHDFSOpenRedirect(t *testing.T) {
	payload := strings.Repeat("spark event log line\n", 5000)
	dn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("offset") != "0" || r.URL.Query().Get("user.name") != "alice" {
			http.Error(w, "bad query "+r.URL.RawQuery, 400)
			return
		}
		io.WriteString(w, payload)
	}))
	defer dn.Close()
	_, fsys := newFakeWebHDFS(t, func(f *fakeWebHDFS, w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/loop") {
			http.Redirect(w, r, f.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
			return
		}
		http.Redirect(w, r, dn.URL+r.URL.Path+"?op=OPEN&user.name=alice&offset=0", http.StatusTemporaryRedirect)
	})
	r, err := fsys.Open(context.Background(), "logs/app")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || string(got) != payload {
		t.Fatalf("read %d bytes, %v; want the DataNode's %d", len(got), err, len(payload))
	}
	if _, err := fsys.Open(context.Background(), "logs/loop"); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Fatalf("Open(loop) error = %v, want too many redirects", err)
	}
}

// TestWebHDFSCreateTwoStep: CREATE without a body to the NameNode, the
// body to the redirect's DataNode, then RENAME over the name; a failed
// upload deletes the temporary file and the file never appears.
func TestWebHDFSCreateTwoStep(t *testing.T) {
	for _, failUpload := range []bool{false, true} {
		t.Run(fmt.Sprintf("failUpload=%v", failUpload), func(t *testing.T) {
			var mu sync.Mutex
			var uploaded []byte
			dn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				if failUpload {
					remoteException(w, 500, "IOException", "disk full")
					return
				}
				mu.Lock()
				uploaded = b
				mu.Unlock()
				w.WriteHeader(http.StatusCreated)
			}))
			defer dn.Close()
			srv, fsys := newFakeWebHDFS(t, func(f *fakeWebHDFS, w http.ResponseWriter, r *http.Request) {
				switch r.URL.Query().Get("op") {
				case "CREATE":
					if b, _ := io.ReadAll(r.Body); len(b) != 0 {
						http.Error(w, "the NameNode step must have no body", 400)
						return
					}
					http.Redirect(w, r, dn.URL+r.URL.Path+"?op=CREATE&overwrite=true", http.StatusTemporaryRedirect)
				case "RENAME", "DELETE":
					w.WriteHeader(200)
				case "GETFILESTATUS": // after the DELETE
					remoteException(w, 404, "FileNotFoundException", "gone")
				}
			})
			w, err := fsys.Create(context.Background(), "out/app.zstd")
			if err != nil {
				t.Fatal(err)
			}
			data := strings.Repeat("x", 200000)
			_, werr := io.Copy(w, strings.NewReader(data))
			cerr := w.Close()
			reqs := strings.Join(srv.requests(), "\n")
			if failUpload {
				if werr == nil && cerr == nil {
					t.Fatal("a failed upload gave no error")
				}
				if err := errOr(cerr, werr); !strings.Contains(err.Error(), "disk full") {
					t.Errorf("error %v, want the DataNode's message", err)
				}
				if !strings.Contains(reqs, "DELETE /webhdfs/v1/out/app.zstd._COPYING_?op=DELETE") || strings.Contains(reqs, "RENAME") {
					t.Errorf("requests:\n%s\nwant a DELETE of the temporary file and no RENAME", reqs)
				}
				return
			}
			if werr != nil || cerr != nil {
				t.Fatalf("write %v, close %v", werr, cerr)
			}
			if string(uploaded) != data {
				t.Errorf("the DataNode got %d bytes, want %d", len(uploaded), len(data))
			}
			for _, want := range []string{
				"PUT /webhdfs/v1/out/app.zstd._COPYING_?op=CREATE&overwrite=true&user.name=alice",
				"PUT /webhdfs/v1/out/app.zstd._COPYING_?destination=%2Fout%2Fapp.zstd&op=RENAME&renameoptions=OVERWRITE&user.name=alice",
			} {
				if !strings.Contains(reqs, want) {
					t.Errorf("requests:\n%s\nwant %s", reqs, want)
				}
			}
		})
	}
}

// TestWebHDFSStreamsWithoutTotalTimeout: a slow body is read to its end
// (only connect and header timeouts apply), and a cancelled context stops
// it.
func TestWebHDFSStreamsWithoutTotalTimeout(t *testing.T) {
	_, fsys := newFakeWebHDFS(t, func(_ *fakeWebHDFS, w http.ResponseWriter, r *http.Request) {
		for i := range 5 {
			fmt.Fprintf(w, "chunk %d\n", i)
			w.(http.Flusher).Flush()
			time.Sleep(50 * time.Millisecond)
		}
	})
	r, err := fsys.Open(context.Background(), "slow")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	r.Close()
	if err != nil || strings.Count(string(b), "chunk") != 5 {
		t.Fatalf("read %q, %v; want 5 chunks", b, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r, err = fsys.Open(ctx, "slow")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cancel()
	if _, err := io.ReadAll(r); err == nil {
		t.Fatal("reading after cancel succeeded, want an error")
	}
}

// TestDecodeListing streams both listing shapes.
func TestDecodeListing(t *testing.T) {
	for _, tc := range []struct {
		body      string
		names     []string
		remaining int64
	}{
		{`{"FileStatuses":{"FileStatus":[{"pathSuffix":"a"},{"pathSuffix":"b"}]}}`, []string{"a", "b"}, 0},
		{`{"DirectoryListing":{"remainingEntries":3,"partialListing":{"FileStatuses":{"FileStatus":[{"pathSuffix":"c"}]}}}}`, []string{"c"}, 3},
		{`{"FileStatuses":{"FileStatus":[]}}`, nil, 0},
	} {
		var got []string
		rem, err := decodeListing(json.NewDecoder(strings.NewReader(tc.body)), func(s webhdfsStatus) error {
			got = append(got, s.PathSuffix)
			return nil
		})
		if err != nil || !reflect.DeepEqual(got, tc.names) || rem != tc.remaining {
			t.Errorf("decodeListing(%s) = %v, %d, %v; want %v, %d", tc.body, got, rem, err, tc.names, tc.remaining)
		}
	}
}

// TestWebHDFSEndpoint maps the URL schemes to HTTP or HTTPS and their
// default NameNode ports.
func TestWebHDFSEndpoint(t *testing.T) {
	t.Setenv("HADOOP_USER_NAME", "carol")
	t.Setenv("WEBHDFS_DELEGATION_TOKEN", "")
	for _, tc := range []struct{ url, want, label, path string }{
		{"webhdfs://nn/logs/app", "http://nn:9870/webhdfs/v1/logs/app?op=OPEN&user.name=carol", "webhdfs://nn/logs/app", "logs/app"},
		{"webhdfs://nn:50070/a", "http://nn:50070/webhdfs/v1/a?op=OPEN&user.name=carol", "webhdfs://nn:50070/a", "a"},
		{"swebhdfs://nn/a%20b", "https://nn:9871/webhdfs/v1/a%20b?op=OPEN&user.name=carol", "swebhdfs://nn/a b", "a b"},
		{"SWEBHDFS://[::1]:9999/", "https://[::1]:9999/webhdfs/v1/?op=OPEN&user.name=carol", "swebhdfs://[::1]:9999/", ""},
	} {
		fsys, p, err := Open(context.Background(), tc.url)
		if err != nil {
			t.Fatalf("Open(%s): %v", tc.url, err)
		}
		w := unwrap(fsys).(*webhdfsFS)
		if got := w.opURL(p, "OPEN", nil); got != tc.want || p != tc.path || w.Label(p) != tc.label {
			t.Errorf("Open(%s): path %q, OPEN URL %s, label %s; want %q, %s, %s", tc.url, p, got, w.Label(p), tc.path, tc.want, tc.label)
		}
		fsys.Close()
	}
	if _, _, err := Open(context.Background(), "webhdfs:///logs"); err == nil || !strings.Contains(err.Error(), "needs a NameNode") {
		t.Errorf("Open(webhdfs:///logs) error = %v, want needs a NameNode", err)
	}
}

// TestSWebHDFS lists and reads over HTTPS.
func TestSWebHDFS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("op") {
		case "LISTSTATUS_BATCH":
			io.WriteString(w, `{"DirectoryListing":{"partialListing":{"FileStatuses":{"FileStatus":[{"pathSuffix":"app","type":"FILE","length":5}]}},"remainingEntries":0}}`)
		case "OPEN":
			io.WriteString(w, "hello")
		}
	}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	webhdfsRootCAs = pool
	defer func() { webhdfsRootCAs = nil }()
	fsys, _ := openStore(t, "swebhdfs://"+strings.TrimPrefix(srv.URL, "https://")+"/")
	es, err := fsys.List(context.Background(), "logs")
	if err != nil || !reflect.DeepEqual(names(es), []string{"app"}) {
		t.Fatalf("List = %v, %v; want [app]", names(es), err)
	}
	r, err := fsys.Open(context.Background(), "logs/app")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, err := io.ReadAll(r); err != nil || string(b) != "hello" {
		t.Fatalf("read %q, %v; want hello", b, err)
	}
}
