package store

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sparkdiag/sparkdiag/eventlog/store/storetest"
)

func TestParseGCSURL(t *testing.T) {
	for _, c := range []struct {
		url     string
		want    gcsLocation
		wantErr string
	}{
		{url: "gs://logs/spark-events/", want: gcsLocation{Bucket: "logs", Path: "spark-events"}},
		{url: "gs://logs", want: gcsLocation{Bucket: "logs"}},
		{url: "GS://dataproc-temp-us/c1/spark-job-history", want: gcsLocation{Bucket: "dataproc-temp-us", Path: "c1/spark-job-history"}},
		{url: "gs:///x", wantErr: "no bucket"},
		{url: "gs://logs/x?endpoint=http://127.0.0.1:1", wantErr: "take no options"},
	} {
		u, err := url.Parse(c.url)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseGCSURL(u)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("parseGCSURL(%s) error = %v, want one saying %q", c.url, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("parseGCSURL(%s) = %+v, %v; want %+v", c.url, got, err, c.want)
		}
	}
}

func TestGCSBase(t *testing.T) {
	for _, c := range []struct{ env, want string }{
		{"", "https://storage.googleapis.com"},
		{"127.0.0.1:4443", "http://127.0.0.1:4443"},
		{"http://127.0.0.1:4443/", "http://127.0.0.1:4443"},
		{"https://gcs.local", "https://gcs.local"},
	} {
		t.Setenv("STORAGE_EMULATOR_HOST", c.env)
		if got, emu := gcsBase(); got != c.want || emu != (c.env != "") {
			t.Errorf("STORAGE_EMULATOR_HOST=%q: base %q emulator %v, want %q %v", c.env, got, emu, c.want, c.env != "")
		}
	}
}

func TestGCSStore(t *testing.T) {
	fixture := makeFixture(t, 25)
	srv := storetest.StartGCS(t, fixture)
	setEnv(t, srv.Env())
	fsys, _ := openURL(t, "gs://"+srv.Bucket)
	// Pages of 7: the 25 files of `paging` take 4 pages, the others 1 or 2.
	unwrap(fsys).(*gcsFS).pageSize = 7
	testObjectStore(t, fsys, fixture)

	t.Run("Paging", func(t *testing.T) {
		// The listing of 25 files in pages of 7 must take 4 requests.
		g := unwrap(fsys).(*gcsFS)
		counted := &countingTransport{base: http.DefaultTransport}
		paged := *g
		paged.client = &http.Client{Transport: counted}
		es, err := paged.List(context.Background(), fxPaging)
		if err != nil || len(es) != 25 || counted.n.Load() != 4 {
			t.Errorf("List(paging) = %d entries, %v, in %d requests; want 25 in 4", len(es), err, counted.n.Load())
		}
	})
	t.Run("MissingBucket", func(t *testing.T) {
		missing, _ := openURL(t, "gs://no-such-bucket/")
		checkMissingBucket(t, missing)
	})
	t.Run("Version", func(t *testing.T) {
		e, err := fsys.Stat(context.Background(), "spark-events/rp_sql_eventlog.zstd")
		if err != nil || e.Version == "" {
			t.Errorf("Stat = %+v, %v; want the generation as Version", e, err)
		}
	})
}

// TestGCSErrors checks the plain-words errors and the retries against a
// scripted server: 503s then success for a GET, 403 for bad credentials.
func TestGCSErrors(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		switch {
		case strings.Contains(r.URL.Path, "/o/flaky"):
			if n < 3 {
				http.Error(w, `{"error":{"message":"backend busy"}}`, http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, "event log bytes")
		case strings.Contains(r.URL.Path, "/o/down"):
			http.Error(w, `{"error":{"message":"backend down"}}`, http.StatusInternalServerError)
		case strings.Contains(r.URL.Path, "/o/secret"):
			http.Error(w, `{"error":{"message":"caller does not have storage.objects.get access"}}`, http.StatusForbidden)
		default:
			http.Error(w, `{"error":{"message":"No such object"}}`, http.StatusNotFound)
		}
	}))
	defer srv.Close()
	t.Setenv("STORAGE_EMULATOR_HOST", srv.URL)
	fsys, _ := openURL(t, "gs://b")
	unwrap(fsys).(*gcsFS).retryWait = time.Millisecond
	ctx := context.Background()

	rc, err := fsys.Open(ctx, "flaky")
	if err != nil {
		t.Fatalf("Open after two 503s: %v (want the third try to succeed)", err)
	}
	b, _ := io.ReadAll(rc)
	rc.Close()
	if string(b) != "event log bytes" || calls.Load() != 3 {
		t.Errorf("read %q in %d calls, want the body in 3", b, calls.Load())
	}

	calls.Store(0)
	_, err = fsys.Open(ctx, "down")
	if err == nil || !strings.Contains(err.Error(), "backend down") || calls.Load() != 4 {
		t.Errorf("Open of an object that always fails: %v after %d calls, want the server's message after 4", err, calls.Load())
	}

	_, err = fsys.Stat(ctx, "secret/app.zstd")
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "gs://b/secret/app.zstd: access denied (check credentials: GOOGLE_APPLICATION_CREDENTIALS") {
		t.Errorf("Stat of a forbidden object: %v; want access denied naming the URL and the credentials", err)
	}
	_, err = fsys.Open(ctx, "gone")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "gs://b/gone") {
		t.Errorf("Open of a missing object: %v; want not found naming gs://b/gone", err)
	}
}

// TestGCSCredentials: Open finds credentials unless told not to, says so
// when there are none, and a refused token is "access denied". Nothing
// leaves the machine: the token server is on loopback and fails first.
func TestGCSCredentials(t *testing.T) {
	t.Setenv("STORAGE_EMULATOR_HOST", "")
	t.Setenv("SPARKDIAG_GCS_ANONYMOUS", "")
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", filepath.Join(t.TempDir(), "missing.json"))
	ctx := context.Background()
	if _, _, err := Open(ctx, "gs://logs/x"); err == nil || !strings.Contains(err.Error(), "gs://logs: no Google credentials (set GOOGLE_APPLICATION_CREDENTIALS") {
		t.Errorf("Open with a missing credentials file: %v; want 'no Google credentials' and where they come from", err)
	}

	t.Setenv("SPARKDIAG_GCS_ANONYMOUS", "1")
	fsys, _, err := Open(ctx, "gs://logs/x")
	if err != nil || unwrap(fsys).(*gcsFS).client != http.DefaultClient {
		t.Errorf("Open with SPARKDIAG_GCS_ANONYMOUS=1 = %v; want no credentials looked up", err)
	}

	// A service account whose token request is refused.
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"invalid_grant","error_description":"Invalid JWT Signature."}`)
	}))
	defer tokens.Close()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	sa, _ := json.Marshal(map[string]string{"type": "service_account", "client_email": "sparkdiag@test.iam.gserviceaccount.com",
		"private_key_id": "1", "private_key": string(pemKey), "token_uri": tokens.URL + "/token"})
	saFile := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(saFile, sa, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SPARKDIAG_GCS_ANONYMOUS", "")
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", saFile)
	fsys, _ = openURL(t, "gs://logs/x")
	_, err = fsys.Stat(ctx, "spark-events/app.zstd")
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "gs://logs/spark-events/app.zstd: access denied (check credentials: GOOGLE_APPLICATION_CREDENTIALS") {
		t.Errorf("Stat with a refused token: %v; want access denied naming the URL", err)
	}
}
