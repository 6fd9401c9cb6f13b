package source

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/sparkdiag/sparkdiag/eventlog/store"
)

// Stores: a URL (s3://, s3a://, gs://, abfss://, wasbs://, azblob://,
// hdfs://, webhdfs://) is resolved in its store exactly as a local path is:
// one log (a file, or an application's directory in any layout) or a
// folder of applications, walked one level at a time with a delimiter.
// Its path may hold glob patterns (gs://bucket/*/spark-job-history), which
// are expanded one level at a time.

// openURL resolves a store URL.
func openURL(ctx context.Context, raw string) ([]*Log, []error) {
	fsys, p, err := store.Open(ctx, raw)
	if err != nil {
		return nil, []error{err}
	}
	if store.HasMeta(p) {
		matches, err := store.Glob(ctx, fsys, p)
		if err != nil {
			return nil, []error{err}
		}
		if len(matches) == 0 {
			return nil, []error{fmt.Errorf("%s: nothing matches", raw)}
		}
		var logs []*Log
		var errs []error
		for _, m := range matches {
			l, e := resolveIn(ctx, fsys, m)
			logs = append(logs, l...)
			errs = append(errs, e...)
		}
		sortLogs(logs)
		return logs, errs
	}
	return resolveIn(ctx, fsys, p)
}

// resolveIn resolves the path p of a store: a file or a directory.
func resolveIn(ctx context.Context, fsys store.FS, p string) ([]*Log, []error) {
	e, err := fsys.Stat(ctx, p)
	if err != nil {
		return nil, []error{err}
	}
	if e.Dir {
		t := &tree{remote: fsys, ctx: ctx, root: p}
		return t.discover(".")
	}
	dir, name := path.Split(p)
	t := &tree{remote: fsys, ctx: ctx, root: strings.TrimSuffix(dir, "/")}
	prefix, err := t.sniff(name)
	if err != nil {
		return nil, []error{err}
	}
	if isZip(name, prefix) {
		return nil, []error{fmt.Errorf("%s: a zip archive in a store is not read; copy it to a local folder first", t.label(name))}
	}
	return t.explicitFile(name, entryInfo{e}, prefix)
}

// remoteReadDir lists one level of a store as directory entries.
func (t *tree) remoteReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := t.remote.List(t.ctx, t.storePath(name))
	if err != nil {
		return nil, err
	}
	out := make([]fs.DirEntry, len(entries))
	for i, e := range entries {
		out[i] = entryInfo{e}
	}
	return out, nil
}

// entryInfo is a store's entry seen as fs.FileInfo and fs.DirEntry; Sys
// returns the store.Entry, with its ETag and version.
type entryInfo struct{ e store.Entry }

func (i entryInfo) Name() string       { return i.e.Name }
func (i entryInfo) Size() int64        { return i.e.Size }
func (i entryInfo) ModTime() time.Time { return i.e.ModTime }
func (i entryInfo) IsDir() bool        { return i.e.Dir }
func (i entryInfo) Sys() any           { return i.e }
func (i entryInfo) Mode() fs.FileMode {
	if i.e.Dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
func (i entryInfo) Type() fs.FileMode          { return i.Mode().Type() }
func (i entryInfo) Info() (fs.FileInfo, error) { return i, nil }
