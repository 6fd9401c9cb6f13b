//go:build unix

package cli

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/eventlog/historyserver"
	"github.com/sparkdiag/sparkdiag/eventlog/historyserver/hstest"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// TestReviewHistoryServer reviews the applications of a real Spark History
// Server through --history-server: listed by its REST API, downloaded as
// zips, analyzed, deleted. It needs Spark (see hstest.FindSpark).
func TestReviewHistoryServer(t *testing.T) {
	sparkHome, _ := hstest.FindSpark(t)
	src := testlogs.Testdata("spark", "logs", "3.5.9")
	logDir := filepath.Join(t.TempDir(), "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	logs := map[string]string{ // file in the server's directory -> application name
		"local-1795476364189":                 "healthy",
		"local-1795476321943.lz4":             "skew_agg",
		"local-1795476488096.snappy":          "join_spill",
		"local-1795477328945.zstd.inprogress": "killed_driver",
	}
	for dst, name := range logs {
		from := filepath.Join(src, name)
		if ext := filepath.Ext(dst); ext == ".lz4" || ext == ".snappy" {
			from += ext
		} else if strings.HasSuffix(dst, ".inprogress") {
			from += ".zstd.inprogress"
		}
		copyTree(t, from, filepath.Join(logDir, dst))
	}
	copyTree(t, filepath.Join(src, "partitions_too_many"), logDir) // eventlog_v2_local-1795476552477/
	url, exited := hstest.Start(t, sparkHome, logDir)

	// Wait until the server has scanned every log.
	c, err := historyserver.New(url, historyserver.Options{Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		apps, err := c.List(context.Background(), historyserver.ListOptions{})
		if err == nil && len(apps) == 5 {
			break
		}
		select {
		case <-exited:
			t.Fatal("the History Server exited")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("the History Server lists %d applications after 90 s (%v)", len(apps), err)
		}
		time.Sleep(500 * time.Millisecond)
	}

	dl := t.TempDir()
	out, errs, code := run(t, nil, "review", "--history-server", url, "--hs-status", "all", "--hs-download-dir", dl, "-f", "jsonl")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	recs := readJSONL(t, out)
	var names []string
	start := map[string]int64{}
	for _, r := range recs {
		if r.Status != "ok" {
			t.Errorf("%s: %s", r.Source, r.Error)
			continue
		}
		names = append(names, r.App.Name)
		start[r.App.Name] = r.App.StartEpoch
		if !strings.HasPrefix(r.Source, url+"/api/v1/applications/"+r.App.ID) {
			t.Errorf("source %q does not name the server and the application", r.Source)
		}
		if r.App.Name == "killed_driver" && r.App.Completed {
			t.Error("the in-progress application is shown as completed")
		}
	}
	slices.Sort(names)
	if want := []string{"healthy", "join_spill", "killed_driver", "partitions_too_many", "skew_agg"}; !slices.Equal(names, want) {
		t.Errorf("reviewed %v, want %v", names, want)
	}
	if left, _ := os.ReadDir(dl); len(left) != 0 {
		t.Errorf("downloads left behind in %s: %d entries", dl, len(left))
	}

	// The next night: --previous takes every unchanged attempt from the
	// first review without downloading it again.
	first := filepath.Join(t.TempDir(), "first.jsonl")
	if err := os.WriteFile(first, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	again, errs, code := run(t, nil, "review", "--history-server", url, "--hs-status", "all", "--hs-download-dir", dl, "--previous", first)
	if code != ExitOK || !strings.Contains(again, "5 unchanged since the previous review") {
		t.Errorf("incremental review of the server: exit %d: %s\n%s", code, errs, firstLines(again, 3))
	}

	// The default is completed applications only, and --since is passed to
	// the server: the two latest of the four completed ones.
	since := time.UnixMilli(start["join_spill"]).UTC().Format(time.RFC3339Nano)
	out, errs, code = run(t, nil, "review", "--history-server", url, "--since", since, "-f", "jsonl")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	names = nil
	for _, r := range readJSONL(t, out) {
		names = append(names, r.App.Name)
	}
	slices.Sort(names)
	if want := []string{"join_spill", "partitions_too_many"}; !slices.Equal(names, want) {
		t.Errorf("--since %s reviewed %v, want %v", since, names, want)
	}

	// diff by application ID: both logs downloaded, compared, deleted.
	dl2 := t.TempDir()
	out, errs, code = run(t, nil, "diff", "--history-server", url, "--hs-download-dir", dl2, "-f", "json",
		"local-1795476364189", "local-1795476321943")
	if code != ExitOK {
		t.Fatalf("diff --history-server: exit %d: %s", code, errs)
	}
	var d struct {
		Base, New struct {
			AppID string `json:"appId"`
			Name  string `json:"name"`
		}
		Headline string `json:"headline"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if d.Base.Name != "healthy" || d.New.Name != "skew_agg" || d.Headline == "" {
		t.Errorf("diff of the server's applications: base %+v, new %+v, headline %q", d.Base, d.New, d.Headline)
	}
	if left, _ := os.ReadDir(dl2); len(left) != 0 {
		t.Errorf("diff left %d entries in %s", len(left), dl2)
	}
	_, errs, code = run(t, nil, "diff", "--history-server", url, "--hs-retries", "0", "local-1795476364189", "no-such-app")
	if code != ExitNoInput || !strings.Contains(errs, "NEW") || !strings.Contains(errs, "not found") {
		t.Errorf("diff with a missing application: exit %d, %s", code, errs)
	}

	// A server that is not there: exit 3 with the reason.
	_, errs, code = run(t, nil, "review", "--history-server", "http://127.0.0.1:1", "--hs-retries", "0")
	if code != ExitNoInput || !strings.Contains(errs, "127.0.0.1:1") {
		t.Errorf("unreachable server: exit %d, %s", code, errs)
	}
}
