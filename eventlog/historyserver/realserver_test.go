//go:build unix

package historyserver

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sparkdiag/sparkdiag/eventlog/historyserver/hstest"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// TestRealHistoryServer starts the real Spark History Server (from a
// pyspark installation) over a few of our real logs and reads them back
// through the client: List with each filter, Download of every attempt,
// and source.Open plus appmodel.Load on each archive.
//
// Spark is SPARKDIAG_SPARK_HOME (the pyspark package directory, holding
// bin/spark-class and jars/), else the pyspark of the Python in
// SPARKDIAG_PYSPARK_PYTHON. The test skips without Spark or java unless
// SPARKDIAG_REQUIRE_HISTORY_SERVER=1. .ci/install-pyspark installs Spark.
func TestRealHistoryServer(t *testing.T) {
	sparkHome, version := hstest.FindSpark(t)
	logVersion := "3.5.9"
	if _, err := os.Stat(filepath.Join(testlogs.Root(), "testdata", "spark", "logs", version)); err == nil {
		logVersion = version
	}
	t.Logf("Spark %s at %s, logs of Spark %s", version, sparkHome, logVersion)

	tmp := t.TempDir()
	logDir := filepath.Join(tmp, "logs")
	want := stageLogs(t, logVersion, logDir)
	url, exited := hstest.Start(t, sparkHome, logDir)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := New(url+"/", Options{Timeout: 20 * time.Second, IdleTimeout: 20 * time.Second, Backoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	apps := waitListed(ctx, t, c, want, exited)

	t.Run("List", func(t *testing.T) {
		byID := map[string]App{}
		for _, a := range apps {
			byID[a.ID] = a
		}
		if len(byID) != len(want) {
			t.Errorf("listed %v, want %d applications", ids(apps), len(want))
		}
		for _, w := range want {
			a, ok := byID[w.id]
			if !ok {
				t.Errorf("%s (%s) not listed", w.id, w.log)
				continue
			}
			if a.Name != w.name || a.Completed() != w.completed || len(a.Attempts) != len(w.attempts) {
				t.Errorf("%s: listed %q completed %v with %d attempts; want %q, %v, %d", w.id, a.Name, a.Completed(),
					len(a.Attempts), w.name, w.completed, len(w.attempts))
				continue
			}
			var attemptIDs []string
			for _, at := range a.Attempts {
				attemptIDs = append(attemptIDs, at.ID)
			}
			// Attempts are newest first; ours start at the same time.
			if slices.Sort(attemptIDs); !slices.Equal(attemptIDs, w.attempts) {
				t.Errorf("%s: attempts %q, want %q", w.id, attemptIDs, w.attempts)
			}
			for i, at := range a.Attempts {
				if at.StartTime.IsZero() || at.StartTime.IsZero() || at.SparkUser == "" || at.AppSparkVersion != logVersion ||
					at.LastUpdated.IsZero() || at.Completed != (at.EndTimeEpoch > 0) || (at.Completed && at.Duration <= 0) {
					t.Errorf("%s: attempt %d %+v", w.id, i, at)
				}
			}
		}
	})

	t.Run("filters", func(t *testing.T) {
		checkFilters(ctx, t, c, apps)
	})

	t.Run("Download", func(t *testing.T) {
		dir := t.TempDir()
		for _, a := range apps {
			attempts := []string{""}
			if len(a.Attempts) > 1 {
				attempts = nil
				for _, at := range a.Attempts {
					attempts = append(attempts, at.ID)
				}
			}
			for _, attempt := range attempts {
				path, err := c.Download(ctx, a.ID, attempt, dir)
				if err != nil {
					t.Errorf("Download(%s, %q): %v", a.ID, attempt, err)
					continue
				}
				checkRealDownload(t, path, a, attempt)
				os.Remove(path)
			}
		}
		// A multi-attempt application without an attempt id: the server
		// zips every attempt.
		for _, a := range apps {
			if len(a.Attempts) < 2 {
				continue
			}
			path, err := c.Download(ctx, a.ID, "", dir)
			if err != nil {
				t.Fatalf("Download(%s, all attempts): %v", a.ID, err)
			}
			logs, err := source.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range logs {
				got = append(got, l.Attempt)
				l.Close()
			}
			if slices.Sort(got); !slices.Equal(got, []string{"1", "2"}) {
				t.Errorf("%s: all-attempts archive holds attempts %q, want 1 and 2", path, got)
			}
			os.Remove(path)
		}
		assertEmptyDir(t, dir)
	})

	t.Run("not found", func(t *testing.T) {
		dir := t.TempDir()
		for _, tt := range []struct{ app, attempt, want string }{
			{"no-such-app", "", "application no-such-app not found on the History Server (404)"},
			{apps[0].ID, "7", "application " + apps[0].ID + " attempt 7 not found on the History Server (404)"},
		} {
			_, err := c.Download(ctx, tt.app, tt.attempt, dir)
			if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Download(%s, %q) error = %v, want %q", tt.app, tt.attempt, err, tt.want)
			} else {
				t.Logf("%v", err)
			}
		}
		assertEmptyDir(t, dir)
	})
}

// stagedApp is one application put in the History Server's log directory.
type stagedApp struct {
	log       string // the log's name in testdata/spark/logs/<version>
	id, name  string
	completed bool
	attempts  []string // attempt ids, sorted; "" for none
}

// stageLogs copies real logs into dir as Spark names them (the History
// Server lists any file, but a real directory holds <appId>[.<codec>]
// files and eventlog_v2_<appId>/ directories, which is also what its zip
// downloads then hold): plain, zstd, lz4, snappy and lzf single files, a
// rolling directory, an .inprogress log, and an application with two
// attempts made from the plain log (its id changed to a YARN-style one and
// an attempt id added to its start event).
func stageLogs(t *testing.T, version, dir string) []stagedApp {
	t.Helper()
	src := filepath.Join(testlogs.Root(), "testdata", "spark", "logs", version)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var apps []stagedApp
	for _, log := range []string{"healthy", "skew_join_on.zstd", "skew_agg.lz4", "broadcast_missed.snappy",
		"small_files_write.lzf", "killed_driver.zstd.inprogress", "partitions_too_many"} {
		rec := hsRecord(t, version, log)
		a := stagedApp{log: log, id: rec.ID, name: rec.Name, completed: rec.Completed(), attempts: []string{""}}
		if log == "partitions_too_many" {
			name := "eventlog_v2_" + rec.ID
			copyTree(t, filepath.Join(src, log, name), filepath.Join(dir, name))
		} else {
			ext := ""
			if i := strings.IndexByte(log, '.'); i >= 0 {
				ext = log[i:]
			}
			copyFile(t, filepath.Join(src, log), filepath.Join(dir, rec.ID+ext))
		}
		apps = append(apps, a)
	}

	// Two attempts of one application, from the plain log.
	plain := hsRecord(t, version, "healthy")
	b, err := os.ReadFile(filepath.Join(src, "healthy"))
	if err != nil {
		t.Fatal(err)
	}
	yarnID := "application_" + strings.TrimPrefix(plain.ID, "local-") + "_0001"
	b = bytes.ReplaceAll(b, []byte(plain.ID), []byte(yarnID))
	start := regexp.MustCompile(`(\{"Event":"SparkListenerApplicationStart",[^\n]*"App ID":"` + yarnID + `")`)
	if !start.Match(b) {
		t.Fatalf("no application start event with the app id in %s/healthy", src)
	}
	for _, attempt := range []string{"1", "2"} {
		out := start.ReplaceAll(b, []byte(`${1},"App Attempt ID":"`+attempt+`"`))
		p := filepath.Join(dir, yarnID+"_"+attempt)
		if err := os.WriteFile(p, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	apps = append(apps, stagedApp{log: "healthy (2 attempts)", id: yarnID, name: plain.Name, completed: true, attempts: []string{"1", "2"}})
	return apps
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
	// Keep the modification time: the server's lastUpdated.
	if fi, err := os.Stat(from); err == nil {
		os.Chtimes(to, fi.ModTime(), fi.ModTime())
	}
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		copyFile(t, filepath.Join(from, e.Name()), filepath.Join(to, e.Name()))
	}
}

// waitListed polls the list until every staged application is there (the
// server takes 10-30 s to start and scan), and returns it.
func waitListed(ctx context.Context, t *testing.T, c *Client, want []stagedApp, exited <-chan struct{}) []App {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	probe := *c
	probe.retries = 0
	var (
		apps    []App
		lastErr error
	)
	for {
		select {
		case <-exited:
			t.Fatal("the History Server exited")
		default:
		}
		apps, lastErr = probe.List(ctx, ListOptions{})
		if lastErr == nil {
			listed := ids(apps)
			done := true
			for _, w := range want {
				if !slices.Contains(listed, w.id) {
					done = false
				}
			}
			if done {
				return apps
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the History Server did not list every application within 90 s: listed %v (%v)", ids(apps), lastErr)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func ids(apps []App) []string {
	var out []string
	for _, a := range apps {
		out = append(out, a.ID)
	}
	slices.Sort(out)
	return out
}

// checkFilters asks the server with each filter and compares with what
// the server's rules give on the full list: an application passes when
// any attempt is in range; a running one passes the end filters only when
// MaxEndDate is unset or in the future.
func checkFilters(ctx context.Context, t *testing.T, c *Client, all []App) {
	var completed, running []App
	for _, a := range all {
		if a.Completed() {
			completed = append(completed, a)
		} else {
			running = append(running, a)
		}
	}
	if len(running) == 0 || len(completed) < 3 {
		t.Fatalf("need running and completed applications, have %d and %d", len(running), len(completed))
	}
	// The start and end of a completed application in the middle.
	starts := []time.Time{}
	for _, a := range all {
		for _, at := range a.Attempts {
			starts = append(starts, at.StartTime)
		}
	}
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	mid := starts[len(starts)/2]
	var midEnd time.Time
	for _, a := range completed {
		if e := a.Attempts[0].EndTime; midEnd.IsZero() || e.Sub(mid).Abs() < midEnd.Sub(mid).Abs() {
			midEnd = e
		}
	}
	anyAttempt := func(a App, ok func(Attempt) bool) bool { return slices.ContainsFunc(a.Attempts, ok) }
	filter := func(ok func(App) bool) []string {
		var out []App
		for _, a := range all {
			if ok(a) {
				out = append(out, a)
			}
		}
		return ids(out)
	}
	tests := []struct {
		desc string
		opts ListOptions
		want []string
	}{
		{"completed", ListOptions{Status: Completed}, ids(completed)},
		{"running", ListOptions{Status: Running}, ids(running)},
		{"minDate", ListOptions{MinDate: mid}, filter(func(a App) bool {
			return anyAttempt(a, func(at Attempt) bool { return !at.StartTime.Before(mid) })
		})},
		{"maxDate", ListOptions{MaxDate: mid}, filter(func(a App) bool {
			return anyAttempt(a, func(at Attempt) bool { return !at.StartTime.After(mid) })
		})},
		{"minDate=maxDate", ListOptions{MinDate: mid, MaxDate: mid}, filter(func(a App) bool {
			return anyAttempt(a, func(at Attempt) bool { return at.StartTime.Equal(mid) })
		})},
		{"minEndDate", ListOptions{MinEndDate: midEnd}, filter(func(a App) bool {
			return !a.Completed() || anyAttempt(a, func(at Attempt) bool { return !at.EndTime.Before(midEnd) })
		})},
		{"maxEndDate", ListOptions{MaxEndDate: midEnd}, filter(func(a App) bool {
			return a.Completed() && anyAttempt(a, func(at Attempt) bool { return !at.EndTime.After(midEnd) })
		})},
		{"running, minDate", ListOptions{Status: Running, MinDate: mid}, filter(func(a App) bool {
			return !a.Completed() && anyAttempt(a, func(at Attempt) bool { return !at.StartTime.Before(mid) })
		})},
		{"future", ListOptions{MinDate: time.Now().Add(24 * time.Hour)}, nil},
	}
	for _, tt := range tests {
		got, err := c.List(ctx, tt.opts)
		if err != nil {
			t.Errorf("%s: %v", tt.desc, err)
			continue
		}
		if !slices.Equal(ids(got), tt.want) {
			t.Errorf("%s: listed %v, want %v", tt.desc, ids(got), tt.want)
		}
		if len(tt.want) == 0 || len(tt.want) == len(all) {
			if tt.desc != "future" {
				t.Errorf("%s: the filter keeps %d of %d applications; pick a better bound", tt.desc, len(tt.want), len(all))
			}
		}
	}
	got, err := c.List(ctx, ListOptions{Limit: 2})
	if err != nil || len(got) != 2 {
		t.Errorf("limit 2: %d applications, %v", len(got), err)
	}
}

// checkRealDownload opens an archive the server sent and checks it holds
// the listed application.
func checkRealDownload(t *testing.T, path string, a App, attempt string) {
	t.Helper()
	want := filepath.Base(path)
	if attempt == "" && want != fileName(a.ID)+".zip" || attempt != "" && want != fileName(a.ID)+"_"+attempt+".zip" {
		t.Errorf("file name %s", want)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 4)
	io.ReadFull(f, head)
	f.Close()
	if !bytes.Equal(head, zipMagic) {
		t.Errorf("%s starts with %q", path, head)
	}
	if zr, err := zip.OpenReader(path); err == nil {
		var names []string
		for _, f := range zr.File {
			names = append(names, f.Name)
		}
		zr.Close()
		t.Logf("%s: %v", filepath.Base(path), names)
	}
	app := openDownload(t, path)
	if app.ID != a.ID || app.Name != a.Name || app.AttemptID != attempt || app.Complete != a.Completed() {
		t.Errorf("%s: read %s attempt %q %q complete %v; listed %s attempt %q %q complete %v", path,
			app.ID, app.AttemptID, app.Name, app.Complete, a.ID, attempt, a.Name, a.Completed())
	}
	var at Attempt
	for _, x := range a.Attempts {
		if x.ID == attempt {
			at = x
		}
	}
	if app.Start != at.StartTimeEpoch {
		t.Errorf("%s: start %d, listed %d", path, app.Start, at.StartTimeEpoch)
	}
	if app.Complete && app.End != at.EndTimeEpoch {
		t.Errorf("%s: end %d, listed %d", path, app.End, at.EndTimeEpoch)
	}
}
