package historyserver

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testClient is a client of srv whose waits between tries are recorded
// instead of slept, with no jitter (the longest wait of each step).
func testClient(t *testing.T, rawURL string, opts Options) (*Client, *[]time.Duration) {
	t.Helper()
	c, err := New(rawURL, opts)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		waits []time.Duration
	)
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	c.jitter = func(n int64) int64 { return n - 1 }
	return c, &waits
}

func TestNewURL(t *testing.T) {
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	tests := []struct {
		desc, in string
		base     string // Client.URL()
		list     string // the URL List asks
		auth     string
		err      string
	}{
		{desc: "plain", in: "http://host:18080", base: "http://host:18080", list: "http://host:18080/api/v1/applications"},
		{desc: "trailing slash", in: "http://host:18080/", base: "http://host:18080", list: "http://host:18080/api/v1/applications"},
		{desc: "api", in: "http://host:18080/api/v1", base: "http://host:18080", list: "http://host:18080/api/v1/applications"},
		{desc: "api slash", in: "http://host:18080/api/v1/", base: "http://host:18080", list: "http://host:18080/api/v1/applications"},
		{desc: "applications", in: "http://host:18080/api/v1/applications/", base: "http://host:18080", list: "http://host:18080/api/v1/applications"},
		{desc: "no scheme", in: "host:18080", base: "http://host:18080", list: "http://host:18080/api/v1/applications"},
		{desc: "spaces", in: "  http://host:18080\n", base: "http://host:18080", list: "http://host:18080/api/v1/applications"},
		{desc: "https", in: "HTTPS://shs.example.com", base: "https://shs.example.com", list: "https://shs.example.com/api/v1/applications"},
		{desc: "ipv6", in: "http://[::1]:18080/", base: "http://[::1]:18080", list: "http://[::1]:18080/api/v1/applications"},
		{desc: "userinfo", in: "https://alice:s3cr%40t@host/", base: "https://host", list: "https://host/api/v1/applications", auth: basic("alice", "s3cr@t")},
		{desc: "user only", in: "https://alice@host", base: "https://host", list: "https://host/api/v1/applications", auth: basic("alice", "")},
		{desc: "proxy prefix", in: "https://gw.example.com/gateway/sparkhistory/api/v1", base: "https://gw.example.com/gateway/sparkhistory",
			list: "https://gw.example.com/gateway/sparkhistory/api/v1/applications"},
		{desc: "escaped prefix", in: "http://gw/a%20b/", base: "http://gw/a%20b", list: "http://gw/a%20b/api/v1/applications"},
		{desc: "query kept", in: "https://gw/knox/?doAs=bob#frag", base: "https://gw/knox", list: "https://gw/knox/api/v1/applications?doAs=bob"},
		{desc: "empty", in: " ", err: "no History Server address"},
		{desc: "scheme", in: "ftp://bob:hunter2@host", err: `scheme "ftp"`},
		{desc: "no host", in: "http://", err: "has no host"},
		{desc: "port only", in: "http://:18080", err: "has no host"},
		{desc: "bad escape", in: "http://bob:hunter2@host/%zz", err: "invalid URL escape"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			c, err := New(tt.in, Options{})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("New(%q) error = %v, want one containing %q", tt.in, err, tt.err)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", tt.in, err)
			}
			if got := c.URL(); got != tt.base {
				t.Errorf("URL() = %q, want %q", got, tt.base)
			}
			if got := c.endpoint(nil, "applications").String(); got != tt.list {
				t.Errorf("list URL = %q, want %q", got, tt.list)
			}
			if c.auth != tt.auth {
				t.Errorf("auth = %q, want %q", c.auth, tt.auth)
			}
		})
	}
}

func TestOptionsDefaults(t *testing.T) {
	c, err := New("http://h", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.retries != DefaultRetries || c.opts.Timeout != DefaultTimeout || c.opts.IdleTimeout != DefaultIdleTimeout ||
		c.opts.Backoff != DefaultBackoff || c.opts.UserAgent != "sparkdiag" {
		t.Errorf("defaults: retries %d, %+v", c.retries, c.opts)
	}
	c, _ = New("http://h", Options{Retries: -1})
	if c.retries != 0 {
		t.Errorf("Retries -1: %d retries, want 0", c.retries)
	}
}

func TestRequestHeaders(t *testing.T) {
	tests := []struct {
		desc, url string
		opts      Options
		wantAuth  string
		wantUA    string
		wantExtra string
	}{
		{desc: "basic from URL", url: "http://u:p@%s", wantAuth: "Basic dTpw", wantUA: "sparkdiag"},
		{desc: "token wins", url: "http://u:p@%s", opts: Options{Headers: map[string]string{"Authorization": "Bearer tok", "X-Extra": "1"}, UserAgent: "ua/2"},
			wantAuth: "Bearer tok", wantUA: "ua/2", wantExtra: "1"},
		{desc: "none", url: "http://%s", wantUA: "sparkdiag"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			var got http.Header
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = r.Header.Clone()
				fmt.Fprint(w, "[]")
			}))
			defer srv.Close()
			c, _ := testClient(t, fmt.Sprintf(tt.url, srv.Listener.Addr()), tt.opts)
			apps, err := c.List(context.Background(), ListOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if apps == nil || len(apps) != 0 {
				t.Errorf("apps = %#v, want an empty list", apps)
			}
			if got.Get("Authorization") != tt.wantAuth || got.Get("User-Agent") != tt.wantUA || got.Get("X-Extra") != tt.wantExtra {
				t.Errorf("headers %v", got)
			}
		})
	}
}

func TestRetryStatuses(t *testing.T) {
	tests := []struct {
		desc     string
		statuses []int  // answers before a 200
		retry    string // Retry-After on them
		wantErr  string // "" when the List succeeds
		hits     int
		waits    []time.Duration
	}{
		{desc: "503 twice", statuses: []int{503, 503}, hits: 3, waits: []time.Duration{500 * time.Millisecond, time.Second}},
		{desc: "each retryable status", statuses: []int{429, 500, 502}, hits: 4,
			waits: []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second}},
		{desc: "504 then ok", statuses: []int{504}, hits: 2, waits: []time.Duration{500 * time.Millisecond}},
		{desc: "Retry-After seconds", statuses: []int{429}, retry: "7", hits: 2, waits: []time.Duration{7 * time.Second}},
		{desc: "Retry-After capped", statuses: []int{503}, retry: "86400", hits: 2, waits: []time.Duration{maxRetryAfter}},
		{desc: "Retry-After past date", statuses: []int{503}, retry: "Sun, 06 Nov 1994 08:49:37 GMT", hits: 2, waits: []time.Duration{0}},
		{desc: "Retry-After garbage", statuses: []int{503}, retry: "soon", hits: 2, waits: []time.Duration{500 * time.Millisecond}},
		{desc: "gives up", statuses: []int{503, 503, 503, 503, 503}, hits: 4,
			waits:   []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second},
			wantErr: "the History Server answered 503 Service Unavailable: GET http://HOST/api/v1/applications: \"busy\" (gave up after 4 tries)"},
		{desc: "404 not retried", statuses: []int{404}, hits: 1,
			wantErr: "not found (404): is this the address of a Spark History Server?: GET http://HOST/api/v1/applications"},
		{desc: "401 not retried", statuses: []int{401}, hits: 1, wantErr: "the History Server refused access (401 Unauthorized): check the credentials"},
		{desc: "400 not retried", statuses: []int{400}, hits: 1, wantErr: "the History Server answered 400 Bad Request"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(hits.Add(1)) - 1
				if n < len(tt.statuses) {
					if tt.retry != "" {
						w.Header().Set("Retry-After", tt.retry)
					}
					w.WriteHeader(tt.statuses[n])
					fmt.Fprint(w, "busy")
					return
				}
				fmt.Fprint(w, `[{"id":"a","name":"n","attempts":[]}]`)
			}))
			defer srv.Close()
			c, waits := testClient(t, srv.URL, Options{})
			apps, err := c.List(context.Background(), ListOptions{})
			if tt.wantErr != "" {
				want := strings.ReplaceAll(tt.wantErr, "HOST", srv.Listener.Addr().String())
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("err = %v, want one containing %q", err, want)
				}
			} else if err != nil || len(apps) != 1 {
				t.Fatalf("List = %v, %v", apps, err)
			}
			if int(hits.Load()) != tt.hits {
				t.Errorf("%d requests, want %d", hits.Load(), tt.hits)
			}
			if fmt.Sprint(*waits) != fmt.Sprint(tt.waits) && !(len(*waits) == 0 && len(tt.waits) == 0) {
				t.Errorf("waits %v, want %v", *waits, tt.waits)
			}
		})
	}
}

func TestBackoffBounds(t *testing.T) {
	c, err := New("http://h", Options{Backoff: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for n := range 12 {
		want := min(100*time.Millisecond<<n, maxBackoff)
		for range 50 {
			if d := c.backoff(n); d < want/2 || d > want {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, want/2, want)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{" 12 ", 12 * time.Second, true},
		{"99999999999999999999999", maxRetryAfter, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"", 0, false},
		{"-5", 0, false},
		{"1.5", 0, false},
		{"tomorrow", 0, false},
	}
	for _, tt := range tests {
		d, ok := parseRetryAfter(tt.in, now)
		if ok != tt.ok || (ok && d != tt.want) {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, d, ok, tt.want, tt.ok)
		}
	}
}

func TestNetworkErrorRetried(t *testing.T) {
	// A server that closes the connection without answering, then
	// answers.
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			panic(http.ErrAbortHandler)
		}
		fmt.Fprint(w, "[]")
	}))
	defer srv.Close()
	c, waits := testClient(t, srv.URL, Options{})
	if _, err := c.List(context.Background(), ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 2 || len(*waits) != 1 {
		t.Errorf("%d requests, waits %v; want 2 requests, 1 wait", hits.Load(), *waits)
	}

	// Nothing listening: every try fails, the error names the URL.
	addr := srv.Listener.Addr().String()
	srv.Close()
	c, waits = testClient(t, "http://bob:hunter2@"+addr, Options{Retries: 2})
	_, err := c.List(context.Background(), ListOptions{})
	if err == nil || !strings.Contains(err.Error(), "GET http://"+addr+"/api/v1/applications") ||
		!strings.Contains(err.Error(), "gave up after 3 tries") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("err = %v", err)
	}
	if len(*waits) != 2 {
		t.Errorf("waits %v, want 2", *waits)
	}
}

// stall answers headers and the start of a body, then nothing until the
// client goes away.
func stall(first string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, first)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}
}

func TestTimeouts(t *testing.T) {
	tests := []struct {
		desc    string
		handler http.HandlerFunc
		opts    Options
		want    string
	}{
		{desc: "stalled body", handler: stall(`[{"id":"a",`), opts: Options{IdleTimeout: 50 * time.Millisecond, Retries: -1},
			want: "the answer stalled: no data for 50ms"},
		{desc: "no headers", opts: Options{Timeout: 50 * time.Millisecond, Retries: -1},
			handler: func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			want:    "no answer within 50ms"},
		{desc: "stalled every try", handler: stall(`[`), opts: Options{IdleTimeout: 20 * time.Millisecond, Retries: 1},
			want: "the answer stalled: no data for 20ms (gave up after 2 tries)"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			c, _ := testClient(t, srv.URL, tt.opts)
			_, err := c.List(context.Background(), ListOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestIdleTimeoutThenSuccess(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) == 1 {
			stall("[")(w, r)
			return
		}
		fmt.Fprint(w, `[{"id":"a","name":"n"}]`)
	}))
	defer srv.Close()
	c, _ := testClient(t, srv.URL, Options{IdleTimeout: 200 * time.Millisecond})
	apps, err := c.List(context.Background(), ListOptions{})
	if err != nil || len(apps) != 1 || apps[0].ID != "a" || hits.Load() != 2 {
		t.Fatalf("List = %v, %v after %d requests", apps, err, hits.Load())
	}
}

func TestCancel(t *testing.T) {
	tests := []struct {
		desc string
		// handler gets the cancel function of the client's context.
		handler func(cancel context.CancelFunc) http.HandlerFunc
	}{
		{desc: "while the body stalls", handler: func(cancel context.CancelFunc) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, "[")
				w.(http.Flusher).Flush()
				cancel()
				<-r.Context().Done()
			}
		}},
		{desc: "while waiting for headers", handler: func(cancel context.CancelFunc) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				cancel()
				<-r.Context().Done()
			}
		}},
		{desc: "while waiting to retry", handler: func(cancel context.CancelFunc) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				cancel()
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			for _, op := range []string{"List", "Download"} {
				ctx, cancel := context.WithCancel(context.Background())
				srv := httptest.NewServer(tt.handler(cancel))
				// Real sleeps and the default (long) timeouts: only the
				// cancellation can end this test in time.
				c, err := New(srv.URL, Options{})
				if err != nil {
					t.Fatal(err)
				}
				dir := t.TempDir()
				if op == "List" {
					_, err = c.List(ctx, ListOptions{})
				} else {
					_, err = c.Download(ctx, "app-1", "", dir)
				}
				cancel()
				srv.Close()
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("%s: err = %v, want context.Canceled", op, err)
				}
				assertEmptyDir(t, dir)
			}
		})
	}
	t.Run("before the start", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		c, _ := New("http://127.0.0.1:1", Options{})
		if _, err := c.List(ctx, ListOptions{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestExcerpt(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n<body><p>Please   log in</p></body></html>", "Sign in Please log in"},
		{"unknown app: x\n", "unknown app: x"},
		{"\x00\x01abc", "abc"},
		{strings.Repeat("a", 300), strings.Repeat("a", 200) + "..."},
		{"", ""},
	}
	for _, tt := range tests {
		if got := excerpt([]byte(tt.in), 200); got != tt.want {
			t.Errorf("excerpt(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
