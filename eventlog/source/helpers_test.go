package source

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog/codec"
)

// writeTree creates files below root. A name ending in "/" is an empty
// directory; every other name is a file holding its value.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type zipFile struct{ name, content string }

// writeZip writes a zip archive the way the History Server does: a
// directory entry "dir/" before the files inside it.
func writeZip(t *testing.T, w io.Writer, files []zipFile) {
	t.Helper()
	zw := zip.NewWriter(w)
	for _, f := range files {
		fw, err := zw.Create(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(fw, f.content); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

func writeZipFile(t *testing.T, path string, files []zipFile) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	writeZip(t, f, files)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// summary is what the tests compare of a Log.
type summary struct {
	Layout, Inner   Layout
	AppID, Attempt  string
	InProgress      bool
	Parts           []string // Part names relative to the test root
	Warnings        int
	WarningContains string // a text one of the warnings must contain
}

func summarize(root string, l *Log) summary {
	s := summary{Layout: l.Layout, Inner: l.Inner, AppID: l.AppID, Attempt: l.Attempt,
		InProgress: l.InProgress, Warnings: len(l.Warnings)}
	for _, p := range l.Parts {
		s.Parts = append(s.Parts, relName(root, p.Name))
	}
	return s
}

func relName(root, name string) string {
	if rel, err := filepath.Rel(root, name); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(strings.TrimPrefix(name, root+string(filepath.Separator)))
}

func checkLog(t *testing.T, root string, l *Log, want summary) {
	t.Helper()
	got := summarize(root, l)
	if !equalSummary(got, want) {
		t.Errorf("%s:\n got  %+v\n want %+v\n warnings: %q", l.Path, got, want, l.Warnings)
	}
	if want.WarningContains != "" && !anyContains(l.Warnings, want.WarningContains) {
		t.Errorf("%s: no warning contains %q; warnings: %q", l.Path, want.WarningContains, l.Warnings)
	}
}

// equalSummary compares everything but WarningContains.
func equalSummary(a, b summary) bool {
	return slices.Equal(a.Parts, b.Parts) && a.Layout == b.Layout && a.Inner == b.Inner && a.AppID == b.AppID && a.Attempt == b.Attempt &&
		a.InProgress == b.InProgress && a.Warnings == b.Warnings
}

func anyContains(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// readAll concatenates the raw bytes of all parts of l.
func readAll(t *testing.T, l *Log) string {
	t.Helper()
	var b strings.Builder
	for _, p := range l.Parts {
		rc, err := p.Open()
		if err != nil {
			t.Fatalf("open part %s: %v", p.Name, err)
		}
		if _, err := io.Copy(&b, rc); err != nil {
			t.Fatalf("read part %s: %v", p.Name, err)
		}
		if err := rc.Close(); err != nil {
			t.Fatalf("close part %s: %v", p.Name, err)
		}
	}
	return b.String()
}

func hints(l *Log) []codec.Codec {
	var hs []codec.Codec
	for _, p := range l.Parts {
		hs = append(hs, p.CodecHint)
	}
	return hs
}

func paths(logs []*Log) []string {
	var ps []string
	for _, l := range logs {
		ps = append(ps, l.Path)
	}
	return ps
}

func openOne(t *testing.T, path string) *Log {
	t.Helper()
	logs, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	if len(logs) != 1 {
		t.Fatalf("Open(%s) = %d logs %q, want 1", path, len(logs), paths(logs))
	}
	return logs[0]
}
