package store

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFileStore: file:/// URLs through the FS view, errors naming the URL.
func TestFileStore(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755)
	os.WriteFile(filepath.Join(dir, "a", "log"), []byte("x"), 0o644)
	ctx := context.Background()
	fsys, p, err := Open(ctx, "file://"+dir+"/a")
	if err != nil {
		t.Fatal(err)
	}
	es, err := fsys.List(ctx, p)
	if err != nil || len(es) != 2 || !es[0].Dir || es[0].Name != "b" || es[1].Name != "log" || es[1].Size != 1 {
		t.Fatalf("List = %+v, %v", es, err)
	}
	for _, name := range []string{p + "/missing", p + "/b/missing"} {
		_, err := fsys.Stat(ctx, name)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "file:///"+name+": ") {
			t.Errorf("Stat(%s) = %v; want a not-found error naming the URL", name, err)
		}
		if _, err := fsys.Open(ctx, name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%s) = %v", name, err)
		}
	}
	w, err := fsys.Create(ctx, p+"/out/part-0.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "{}\n")
	if _, err := os.Stat(filepath.Join(dir, "a", "out", "part-0.jsonl")); err == nil {
		t.Error("the output is visible before Close")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "a", "out", "part-0.jsonl")); err != nil || string(b) != "{}\n" {
		t.Errorf("read back %q, %v", b, err)
	}
	if _, _, err := Open(ctx, "file://host/x"); err == nil {
		t.Error("a file URL with a host is accepted")
	}
	if _, _, err := Open(ctx, "nope://x/y"); !errors.Is(err, ErrUnknownScheme) {
		t.Errorf("unknown scheme: %v", err)
	}
}

func TestIsURL(t *testing.T) {
	for in, want := range map[string]bool{
		"s3://b/k": true, "gs://b": true, "hdfs:///x": true, "file:///tmp": true,
		"/tmp/x": false, "C:\\logs": false, "c://x": false, "-": false, "logs/app://x": false,
	} {
		if got := IsURL(in); got != want {
			t.Errorf("IsURL(%q) = %v, want %v", in, got, want)
		}
	}
}
