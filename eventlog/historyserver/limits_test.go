package historyserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// hugeList answers with a list of n small entries, generated as they are
// written: about 45 bytes each.
func hugeList(n int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		bw := io.Writer(w)
		io.WriteString(bw, "[")
		buf := make([]byte, 0, 64<<10)
		for i := 0; i < n; i++ {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = fmt.Appendf(buf, `{"id":"app-%09d","name":"n","attempts":[]}`, i)
			if len(buf) > 60<<10 {
				if _, err := bw.Write(buf); err != nil {
					return
				}
				buf = buf[:0]
			}
		}
		buf = append(buf, ']')
		bw.Write(buf)
	}
}

// peakHeap samples the heap while f runs and returns the largest value
// above the heap before.
func peakHeap(f func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > base && ms.HeapAlloc-base > peak.Load() {
				peak.Store(ms.HeapAlloc - base)
			}
		}
	}()
	f()
	close(done)
	return peak.Load()
}

// A list longer than MaxApps is refused once MaxApps entries are read,
// without reading (or holding) the rest.
func TestListTooLong(t *testing.T) {
	srv := httptest.NewServer(hugeList(2_000_000)) // 90 MB
	defer srv.Close()
	c, err := New(srv.URL, Options{Retries: -1, MaxApps: 50_000})
	if err != nil {
		t.Fatal(err)
	}
	var lerr error
	peak := peakHeap(func() { _, lerr = c.List(context.Background(), ListOptions{}) })
	if !errors.Is(lerr, ErrListTooLong) || !strings.Contains(lerr.Error(), "more than 50000 entries") {
		t.Fatalf("err = %v, want ErrListTooLong", lerr)
	}
	t.Logf("peak heap %.1f MB", float64(peak)/(1<<20))
	if peak > 64<<20 {
		t.Errorf("peak heap %d MB for 50,000 entries", peak>>20)
	}
}

// Under the cap, a long list is read in full, with memory in proportion to
// the entries kept, not to the answer.
func TestListLongStreamed(t *testing.T) {
	srv := httptest.NewServer(hugeList(200_000))
	defer srv.Close()
	c, err := New(srv.URL, Options{Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	var apps []App
	var lerr error
	peak := peakHeap(func() { apps, lerr = c.List(context.Background(), ListOptions{}) })
	if lerr != nil || len(apps) != 200_000 || apps[199_999].ID != "app-000199999" {
		t.Fatalf("%d apps, %v", len(apps), lerr)
	}
	t.Logf("peak heap %.1f MB for %d entries", float64(peak)/(1<<20), len(apps))
}

// One entry larger than maxEntryBytes is refused before the decoder holds
// it all.
func TestListEntryTooLarge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `[{"id":"a","attempts":[]},{"id":"b","name":"`)
		chunk := strings.Repeat("x", 64<<10)
		for i := 0; i < 1000; i++ { // 64 MB
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
		io.WriteString(w, `"}]`)
	}))
	defer srv.Close()
	c, _ := New(srv.URL, Options{Retries: -1})
	_, err := c.List(context.Background(), ListOptions{})
	if !errors.Is(err, ErrListTooLong) || !strings.Contains(err.Error(), "entry 2 of the application list is larger than") {
		t.Fatalf("err = %v", err)
	}
}

// An entry that cannot be read is skipped and reported; the others are
// kept.
func TestListSkipsBadEntry(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `[
 {"id":"app-1","name":"a","attempts":[{"startTimeEpoch":1700000000000,"duration":1000,"completed":true}]},
 {"id":"app-2","name":"b","attempts":[{"startTimeEpoch":1700000000000,"duration":"NaN","completed":true}]},
 {"id":"app-3","name":"c","attempts":[{"startTime":"yesterday","completed":true}]},
 {"id":"app-4","name":"d","attempts":[{"startTimeEpoch":1700000000000,"duration":2000,"completed":true}]}
]`)
	}))
	defer srv.Close()
	c, _ := New(srv.URL, Options{Retries: -1})
	var skipped []SkippedApp
	apps, err := c.List(context.Background(), ListOptions{OnSkip: func(s SkippedApp) { skipped = append(skipped, s) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 2 || apps[0].ID != "app-1" || apps[1].ID != "app-4" {
		t.Errorf("apps = %+v, want app-1 and app-4", apps)
	}
	if len(skipped) != 2 || skipped[0].Index != 1 || skipped[0].ID != "app-2" || skipped[1].ID != "app-3" {
		t.Fatalf("skipped = %+v", skipped)
	}
	if s := skipped[0].String(); !strings.Contains(s, "entry 2 (app-2)") || !strings.Contains(s, "NaN") {
		t.Errorf("skipped[0] = %q", s)
	}
	// Without OnSkip, the good entries are still returned.
	if apps, err := c.List(context.Background(), ListOptions{}); err != nil || len(apps) != 2 {
		t.Errorf("without OnSkip: %d apps, %v", len(apps), err)
	}
}

// drip answers with a byte every interval, never idle long enough for the
// idle timeout, until the client goes away.
func drip(first string, interval time.Duration, hits *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/octet-stream")
		io.WriteString(w, first)
		w.(http.Flusher).Flush()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(interval):
			}
			if _, err := io.WriteString(w, " "); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}
}

// A server that drips its answer is cut off by MaxTime, and not tried
// again.
func TestMaxTime(t *testing.T) {
	for _, tc := range []struct {
		name, first string
		call        func(*Client) error
	}{
		{"list", "[", func(c *Client) error { _, err := c.List(context.Background(), ListOptions{}); return err }},
		{"logs", "PK\x03\x04", func(c *Client) error {
			_, err := c.Download(context.Background(), "app-1", "", t.TempDir())
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(drip(tc.first, 20*time.Millisecond, &hits))
			defer srv.Close()
			c, _ := New(srv.URL, Options{IdleTimeout: time.Second, MaxTime: 400 * time.Millisecond, Backoff: time.Millisecond})
			start := time.Now()
			err := tc.call(c)
			if err == nil || !strings.Contains(err.Error(), "no complete answer within 400ms") {
				t.Fatalf("err = %v", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v", d)
			}
			if n := hits.Load(); n != 1 {
				t.Errorf("%d requests, want 1 (not retried)", n)
			}
		})
	}
}

// An endless /logs answer is cut off at MaxDownload and its partial file
// removed; one that announces a larger length is refused before reading.
func TestDownloadTooLarge(t *testing.T) {
	for _, tc := range []struct {
		name   string
		length bool
	}{{"endless", false}, {"announced", true}} {
		t.Run(tc.name, func(t *testing.T) {
			var sent atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.length {
					w.Header().Set("Content-Length", fmt.Sprint(int64(1)<<40))
				}
				io.WriteString(w, "PK\x03\x04")
				zero := make([]byte, 64<<10)
				for {
					n, err := w.Write(zero)
					sent.Add(int64(n))
					if err != nil {
						return
					}
				}
			}))
			defer srv.Close()
			c, _ := New(srv.URL, Options{MaxDownload: 1 << 20})
			dir := t.TempDir()
			_, err := c.Download(context.Background(), "app-1", "", dir)
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "larger than 1048576 bytes") {
				t.Fatalf("err = %v", err)
			}
			assertEmptyDir(t, dir)
			srv.CloseClientConnections()
			if tc.length && sent.Load() > 8<<20 {
				t.Errorf("read %d bytes of an answer announced too large", sent.Load())
			}
		})
	}
}

// A download cancelled midway (what an interrupt does) leaves no file.
func TestDownloadCancelledCleansUp(t *testing.T) {
	started := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "PK\x03\x04")
		w.Write(make([]byte, 100<<10))
		w.(http.Flusher).Flush()
		close(started)
		<-r.Context().Done()
	}))
	defer srv.Close()
	c, _ := New(srv.URL, Options{})
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	_, err := c.Download(ctx, "app-1", "", dir)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	assertEmptyDir(t, dir)
}
