package source

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog/codec"
)

func TestOpenZip(t *testing.T) {
	tests := []struct {
		name    string
		entries []zipFile
		want    []summary // in Path order; Parts relative to the archive's name
		paths   []string  // Log.Path relative to the archive's name
		content []string
	}{
		{
			name:    "single file",
			entries: []zipFile{{"application_1_2_1.zstd", ev("a")}},
			paths:   []string{"x.zip!application_1_2_1.zstd"},
			want: []summary{{Layout: Zip, Inner: File, AppID: "application_1_2", Attempt: "1",
				Parts: []string{"x.zip!application_1_2_1.zstd"}}},
			content: []string{evs("a")},
		},
		{
			name: "rolling directory",
			entries: []zipFile{
				{"eventlog_v2_local-1/", ""},
				{"eventlog_v2_local-1/appstatus_local-1", ""},
				{"eventlog_v2_local-1/events_2_local-1.zstd", ev("2")},
				{"eventlog_v2_local-1/events_1_local-1.zstd", ev("1")},
			},
			paths: []string{"x.zip!eventlog_v2_local-1"},
			want: []summary{{Layout: Zip, Inner: Rolling, AppID: "local-1", Parts: []string{
				"x.zip!eventlog_v2_local-1/events_1_local-1.zstd",
				"x.zip!eventlog_v2_local-1/events_2_local-1.zstd",
			}}},
			content: []string{evs("1", "2")},
		},
		{
			name: "two attempts, rolling",
			entries: []zipFile{
				{"eventlog_v2_application_1_2_2/", ""},
				{"eventlog_v2_application_1_2_2/events_1_application_1_2_2", ev("2.1")},
				{"eventlog_v2_application_1_2_2/appstatus_application_1_2_2.inprogress", ""},
				{"eventlog_v2_application_1_2_1/", ""},
				{"eventlog_v2_application_1_2_1/events_1_application_1_2_1", ev("1.1")},
				{"eventlog_v2_application_1_2_1/events_2_application_1_2_1", ev("1.2")},
				{"eventlog_v2_application_1_2_1/appstatus_application_1_2_1", ""},
			},
			paths: []string{"x.zip!eventlog_v2_application_1_2_1", "x.zip!eventlog_v2_application_1_2_2"},
			want: []summary{
				{Layout: Zip, Inner: Rolling, AppID: "application_1_2", Attempt: "1", Parts: []string{
					"x.zip!eventlog_v2_application_1_2_1/events_1_application_1_2_1",
					"x.zip!eventlog_v2_application_1_2_1/events_2_application_1_2_1",
				}},
				{Layout: Zip, Inner: Rolling, AppID: "application_1_2", Attempt: "2", InProgress: true, Parts: []string{
					"x.zip!eventlog_v2_application_1_2_2/events_1_application_1_2_2",
				}},
			},
			content: []string{evs("1.1", "1.2"), evs("2.1")},
		},
		{
			name: "two attempts, single files",
			entries: []zipFile{
				{"local-5_2.inprogress", ev("b")},
				{"local-5_1", ev("a")},
			},
			paths: []string{"x.zip!local-5_1", "x.zip!local-5_2.inprogress"},
			want: []summary{
				{Layout: Zip, Inner: File, AppID: "local-5", Attempt: "1", Parts: []string{"x.zip!local-5_1"}},
				{Layout: Zip, Inner: File, AppID: "local-5", Attempt: "2", InProgress: true, Parts: []string{"x.zip!local-5_2.inprogress"}},
			},
			content: []string{evs("a"), evs("b")},
		},
		{
			name: "contents of a rolling directory at the top",
			entries: []zipFile{
				{"events_1_local-6", ev("1")},
				{"appstatus_local-6", ""},
			},
			paths: []string{"x.zip"},
			want: []summary{{Layout: Zip, Inner: Rolling, AppID: "local-6", Warnings: 1,
				WarningContains: "directory name is not eventlog_v2_<appId>", Parts: []string{"x.zip!events_1_local-6"}}},
			content: []string{evs("1")},
		},
		{
			name: "databricks folder and readme",
			entries: []zipFile{
				{"README.txt", "downloaded logs"},
				{"cluster/eventlog/0123/eventlog", ev("live")},
				{"cluster/eventlog/0123/eventlog-2024-01-01--00-00.gz", ev("old")},
			},
			paths: []string{"x.zip!cluster/eventlog/0123"},
			want: []summary{{Layout: Zip, Inner: Databricks, Parts: []string{
				"x.zip!cluster/eventlog/0123/eventlog-2024-01-01--00-00.gz", "x.zip!cluster/eventlog/0123/eventlog",
			}}},
			content: []string{evs("old", "live")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			zipPath := filepath.Join(root, "x.zip")
			writeZipFile(t, zipPath, tt.entries)
			logs, err := Open(zipPath)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if len(logs) != len(tt.want) {
				t.Fatalf("Open = %q, want %d logs", paths(logs), len(tt.want))
			}
			for i, l := range logs {
				if want := filepath.Join(root, tt.paths[i]); l.Path != want {
					t.Errorf("log %d: Path = %q, want %q", i, l.Path, want)
				}
				checkLog(t, root, l, tt.want[i])
				if got := readAll(t, l); got != tt.content[i] {
					t.Errorf("%s read back %q, want %q", l.Path, got, tt.content[i])
				}
				for _, p := range l.Parts {
					rc, err := p.Open()
					if err != nil {
						t.Fatal(err)
					}
					n, _ := io.Copy(io.Discard, rc)
					rc.Close()
					if n != p.Size {
						t.Errorf("%s: Size = %d, read %d bytes", p.Name, p.Size, n)
					}
				}
			}
		})
	}
}

func TestOpenZipHints(t *testing.T) {
	root := t.TempDir()
	zipPath := filepath.Join(root, "download") // recognised by its magic bytes, not its name
	writeZipFile(t, zipPath, []zipFile{{"app-20240101000000-0001.lz4", "LZ4Block..."}})
	l := openOne(t, zipPath)
	if l.Layout != Zip || l.Inner != File || l.AppID != "app-20240101000000-0001" {
		t.Errorf("got %+v", summarize(root, l))
	}
	if !slices.Equal(hints(l), []codec.Codec{codec.LZ4}) {
		t.Errorf("hints = %v", hints(l))
	}
}

func TestOpenZipErrors(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{"damaged.zip": "PK\x03\x04 this is not really a zip"})
	writeZipFile(t, filepath.Join(root, "nologs.zip"), []zipFile{{"README", "nothing"}})
	writeZipFile(t, filepath.Join(root, "partial.zip"), []zipFile{
		{"eventlog_v2_local-1/", ""},
		{"local-2", ev("ok")},
	})
	tests := []struct {
		name     string
		logs     int
		contains string
	}{
		{"damaged.zip", 0, "not a readable zip archive"},
		{"nologs.zip", 0, "holds no Spark event log"},
		{"partial.zip", 1, "partial.zip!eventlog_v2_local-1: rolling event-log directory holds no readable events_"},
	}
	for _, tt := range tests {
		logs, err := Open(filepath.Join(root, tt.name))
		if len(logs) != tt.logs || err == nil || !strings.Contains(err.Error(), tt.contains) {
			t.Errorf("Open(%s) = %q, %v; want %d logs and an error containing %q", tt.name, paths(logs), err, tt.logs, tt.contains)
		}
	}
}

// withStdin runs fn with os.Stdin reading data from a pipe.
func withStdin(t *testing.T, data []byte, fn func()) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := w.Write(data)
		done <- err
		w.Close()
	}()
	saved := os.Stdin
	os.Stdin = r
	defer func() {
		os.Stdin = saved
		r.Close()
		if err := <-done; err != nil {
			t.Errorf("writing to the pipe: %v", err)
		}
	}()
	fn()
}

func TestOpenStdin(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		warnings int
	}{
		{"plain", evs("a", "b"), 0},
		{"compressed", "\x28\xb5\x2f\xfd rest of a zstd frame", 0},
		{"large", strings.Repeat(ev("x"), 20000), 0},
		{"empty", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			withStdin(t, []byte(tt.data), func() {
				l := openOne(t, "-")
				want := summary{Layout: Stdin, Inner: Stdin, Parts: []string{"-"}, Warnings: tt.warnings}
				checkLog(t, "", l, want)
				if l.Path != "-" || l.Parts[0].Size != -1 || l.Parts[0].CodecHint != codec.Unknown {
					t.Errorf("got Path %q, part %+v", l.Path, *l.Parts[0])
				}
				if got := readAll(t, l); got != tt.data {
					t.Errorf("read back %d bytes, want %d", len(got), len(tt.data))
				}
				if _, err := l.Parts[0].Open(); err == nil {
					t.Errorf("standard input opened twice")
				}
			})
		})
	}
}

func TestOpenStdinZip(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var buf bytes.Buffer
	writeZip(t, &buf, []zipFile{
		{"eventlog_v2_local-1/", ""},
		{"eventlog_v2_local-1/events_1_local-1.zstd", ev("1")},
		{"eventlog_v2_local-1/events_2_local-1.zstd", ev("2")},
		{"eventlog_v2_local-1/appstatus_local-1", ""},
		{"local-2_1.lz4", ev("single")},
	})
	withStdin(t, buf.Bytes(), func() {
		logs, err := Open("-")
		if err != nil {
			t.Fatal(err)
		}
		if got := paths(logs); !slices.Equal(got, []string{"-!eventlog_v2_local-1", "-!local-2_1.lz4"}) {
			t.Fatalf("paths = %q", got)
		}
		checkLog(t, "", logs[0], summary{Layout: Zip, Inner: Rolling, AppID: "local-1", Parts: []string{
			"-!eventlog_v2_local-1/events_1_local-1.zstd", "-!eventlog_v2_local-1/events_2_local-1.zstd"}})
		checkLog(t, "", logs[1], summary{Layout: Zip, Inner: File, AppID: "local-2", Attempt: "1",
			Parts: []string{"-!local-2_1.lz4"}})
		if got := readAll(t, logs[0]); got != evs("1", "2") {
			t.Errorf("read back %q", got)
		}
		if got := readAll(t, logs[1]); got != evs("single") {
			t.Errorf("read back %q", got)
		}
		left, _ := filepath.Glob(filepath.Join(tmp, "sparkdiag-stdin-*"))
		if runtime.GOOS != "windows" && len(left) != 0 {
			t.Errorf("temporary copy still has a name while open: %q", left)
		}
		if err := logs[0].Close(); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, logs[1]); got != evs("single") {
			t.Errorf("after closing the other log, read back %q", got)
		}
		if err := logs[1].Close(); err != nil {
			t.Fatal(err)
		}
		if err := logs[1].Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
		if _, err := logs[1].Parts[0].Open(); err == nil {
			t.Errorf("part opened after Close")
		}
		if left, _ := filepath.Glob(filepath.Join(tmp, "sparkdiag-stdin-*")); len(left) != 0 {
			t.Errorf("temporary copy left behind: %q", left)
		}
	})
}

func TestOpenStdinZipWithoutLogs(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var buf bytes.Buffer
	writeZip(t, &buf, []zipFile{{"README", "no logs"}})
	withStdin(t, buf.Bytes(), func() {
		if logs, err := Open("-"); err == nil || len(logs) != 0 {
			t.Errorf("Open = %q, %v; want an error", paths(logs), err)
		}
	})
	if left, _ := filepath.Glob(filepath.Join(tmp, "sparkdiag-stdin-*")); len(left) != 0 {
		t.Errorf("temporary copy left behind: %q", left)
	}
}
