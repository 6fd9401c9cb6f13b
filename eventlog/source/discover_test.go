package source

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// mixedFolder builds a History-Server-style folder holding every layout,
// some files that are not logs, and three broken entries.
func mixedFolder(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"local-1":                                 ev("single"),
		"app-20240101000000-0001.zstd":            "\x28\xb5\x2f\xfd...",
		"application_1_2_1.lz4.inprogress":        "LZ4Block...",
		"renamed_log":                             ev("renamed"),
		"query.txt":                               ev("txt"),
		"eventlog_v2_local-2/events_1_local-2":    ev("r1"),
		"eventlog_v2_local-2/events_2_local-2":    ev("r2"),
		"eventlog_v2_local-2/appstatus_local-2":   "",
		"eventlog_v2_local-3/":                    "", // broken: no event files
		"local-4/EVENT_LOG_1":                     ev("v1"),
		"local-4/SPARK_VERSION_1.2.0":             "",
		"local-4/APPLICATION_COMPLETE":            "",
		"archive/2023/local-10":                   ev("nested"),
		"bad.zip":                                 "PK\x03\x04 damaged", // broken
		".hidden-app":                             ev("hidden"),
		".eventlog_v2_local-11/events_1_local-11": ev("hidden"),
		"README.md":                               "# logs",
		"local-1.crc":                             "crc",
		"notes.json":                              `{"id": "local-1", "name": "x"}`,
		"empty-notes":                             "",
		// A Databricks cluster-log delivery folder.
		"0123-456789-abcde/eventlog/0123-456789-abcde_10_0_0_1/5555/eventlog":                      ev("db-live"),
		"0123-456789-abcde/eventlog/0123-456789-abcde_10_0_0_1/5555/eventlog-2024-03-02--10-00.gz": ev("db-2"),
		"0123-456789-abcde/eventlog/0123-456789-abcde_10_0_0_1/5555/eventlog-2024-03-01--23-00.gz": ev("db-1"),
		"0123-456789-abcde/driver/stdout":                                                          "driver says hi",
		"0123-456789-abcde/driver/log4j-active.log":                                                "INFO",
		"0123-456789-abcde/driver/log4j-2024.log.gz":                                               "\x1f\x8b...",
		"0123-456789-abcde/executor/app-1/0/stderr":                                                "executor says hi",
		"0123-456789-abcde/init_scripts/setup.sh.out":                                              "ok",
	})
	var zbuf bytes.Buffer
	writeZip(t, &zbuf, []zipFile{
		{"eventlog_v2_application_9_9_1/", ""},
		{"eventlog_v2_application_9_9_1/events_1_application_9_9_1", ev("z1")},
		{"eventlog_v2_application_9_9_1/appstatus_application_9_9_1", ""},
		{"eventlog_v2_application_9_9_2/", ""},
		{"eventlog_v2_application_9_9_2/events_1_application_9_9_2", ev("z2")},
		{"eventlog_v2_application_9_9_2/appstatus_application_9_9_2.inprogress", ""},
	})
	if err := os.WriteFile(filepath.Join(root, "download.zip"), zbuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, "nowhere"), filepath.Join(root, "gone")); err != nil { // broken
		t.Fatal(err)
	}
	// A second name for local-1: the file is read once, under its own name.
	if err := os.Symlink(filepath.Join(root, "local-1"), filepath.Join(root, "linked")); err != nil {
		t.Fatal(err)
	}
	return root
}

var mixedWant = []struct {
	path   string
	layout Layout
	inner  Layout
	parts  int
}{
	{"0123-456789-abcde/eventlog/0123-456789-abcde_10_0_0_1/5555", Databricks, Databricks, 3},
	{"app-20240101000000-0001.zstd", File, File, 1},
	{"application_1_2_1.lz4.inprogress", File, File, 1},
	{"archive/2023/local-10", File, File, 1},
	{"download.zip!eventlog_v2_application_9_9_1", Zip, Rolling, 1},
	{"download.zip!eventlog_v2_application_9_9_2", Zip, Rolling, 1},
	{"eventlog_v2_local-2", Rolling, Rolling, 2},
	{"local-1", File, File, 1},
	{"local-4", V1Dir, V1Dir, 1},
	{"query.txt", File, File, 1},
	{"renamed_log", File, File, 1},
}

var mixedBroken = []string{"bad.zip", "eventlog_v2_local-3", "gone"}

func TestDiscoverMixedFolder(t *testing.T) {
	root := mixedFolder(t)
	logs, errs := Discover(root)
	var got []string
	for _, l := range logs {
		got = append(got, relName(root, l.Path))
	}
	var want []string
	for _, w := range mixedWant {
		want = append(want, w.path)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Discover paths:\n got  %q\n want %q", got, want)
	}
	for i, l := range logs {
		w := mixedWant[i]
		if l.Layout != w.layout || l.Inner != w.inner || len(l.Parts) != w.parts || len(l.Warnings) != 0 {
			t.Errorf("%s: layout %s/%s, %d parts, warnings %q; want %s/%s, %d parts", w.path, l.Layout, l.Inner, len(l.Parts), l.Warnings, w.layout, w.inner, w.parts)
		}
	}
	if len(errs) != len(mixedBroken) {
		t.Fatalf("Discover errors = %v, want one for each of %q", errs, mixedBroken)
	}
	for _, b := range mixedBroken {
		found := false
		for _, err := range errs {
			found = found || strings.Contains(err.Error(), filepath.Join(root, b))
		}
		if !found {
			t.Errorf("no error names %s; errors: %v", b, errs)
		}
	}

	db := logs[0]
	if got := readAll(t, db); got != evs("db-1", "db-2", "db-live") {
		t.Errorf("databricks parts read back %q", got)
	}
	if !logs[5].InProgress || logs[4].InProgress || logs[4].Attempt != "1" || logs[5].Attempt != "2" {
		t.Errorf("zip attempts: %+v / %+v", summarize(root, logs[4]), summarize(root, logs[5]))
	}
}

func TestOpenFolderOfApplications(t *testing.T) {
	root := mixedFolder(t)
	logs, err := Open(root)
	if len(logs) != len(mixedWant) {
		t.Errorf("Open(folder) = %d logs, want %d", len(logs), len(mixedWant))
	}
	if err == nil {
		t.Fatal("Open(folder) reported no broken entries")
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != len(mixedBroken) {
		t.Errorf("Open(folder) error = %v, want %d joined errors", err, len(mixedBroken))
	}
}

func TestDiscoverRoots(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"empty/":                                "",
		"eventlog_v2_local-1/events_1_local-1":  ev("1"),
		"eventlog_v2_local-1/appstatus_local-1": "",
		"one/local-2":                           ev("2"),
		"deep/1/2/3/4/5/6/7/8/local-3":          ev("3"), // within reach: 8 folders down
		"deeper/1/2/3/4/5/6/7/8/9/local-4":      ev("4"), // too deep
		"shared-dir/eventlog":                   ev("db"),
		"shared-dir/eventlog-2024-01-01--00-00": ev("db0"),
		"shared-dir/local-5":                    ev("5"),
		"shared-dir/EVENT_LOG_1":                ev("v1"),
		"shared-dir/SPARK_VERSION_1.2.0":        "",
	})
	tests := []struct {
		root  string
		paths []string
		errs  int
	}{
		{"empty", nil, 0},
		{"eventlog_v2_local-1", []string{"eventlog_v2_local-1"}, 0},
		{"one", []string{"one/local-2"}, 0},
		{"one/local-2", []string{"one/local-2"}, 0},
		{"deep", []string{"deep/1/2/3/4/5/6/7/8/local-3"}, 0},
		{"deeper", nil, 0},
		// Layout files sharing a folder with other logs: one log per layout.
		{"shared-dir", []string{"shared-dir", "shared-dir", "shared-dir/local-5"}, 0},
		{"missing", nil, 1},
	}
	for _, tt := range tests {
		logs, errs := Discover(filepath.Join(root, tt.root))
		var got []string
		for _, l := range logs {
			got = append(got, relName(root, l.Path))
		}
		if !slices.Equal(got, tt.paths) || len(errs) != tt.errs {
			t.Errorf("Discover(%s) = %q, %v; want %q and %d errors", tt.root, got, errs, tt.paths, tt.errs)
		}
	}
}
