package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
)

// fileFS is the local file system reached by a file:/// URL. It is read
// through the same code as the other stores (one level at a time, no
// links followed specially), which makes it the store of the tests that
// need no server.
type fileFS struct{ root string }

func init() {
	Register(func(_ context.Context, u *url.URL) (FS, string, error) {
		if u.Host != "" && u.Host != "localhost" {
			return nil, "", fmt.Errorf("%s: a file URL names a local path: file:///path", u.Redacted())
		}
		return fileFS{root: "/"}, u.Path, nil
	}, "file")
}

func (f fileFS) local(name string) string { return filepath.Join(f.root, filepath.FromSlash(name)) }

func (f fileFS) Label(name string) string { return "file:///" + name }

func (f fileFS) Close() error { return nil }

// wrap names a file error by the URL: "file:///a/b: no such file or
// directory", still wrapping fs.ErrNotExist and the like.
func (f fileFS) wrap(name string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("%s: %w", f.Label(name), err)
}

func (f fileFS) List(_ context.Context, dir string) ([]Entry, error) {
	des, err := os.ReadDir(f.local(dir))
	if err != nil {
		return nil, f.wrap(dir, err)
	}
	out := make([]Entry, 0, len(des))
	for _, d := range des {
		info, err := os.Stat(filepath.Join(f.local(dir), d.Name()))
		if err != nil {
			continue // a dangling link
		}
		out = append(out, entryOf(d.Name(), info))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func entryOf(name string, info os.FileInfo) Entry {
	e := Entry{Name: name, Dir: info.IsDir(), ModTime: info.ModTime()}
	if !e.Dir {
		e.Size = info.Size()
	}
	return e
}

func (f fileFS) Stat(_ context.Context, name string) (Entry, error) {
	info, err := os.Stat(f.local(name))
	if err != nil {
		return Entry{}, f.wrap(name, err)
	}
	return entryOf(path.Base("/"+name), info), nil
}

func (f fileFS) Open(_ context.Context, name string) (io.ReadCloser, error) {
	r, err := os.Open(f.local(name))
	if err != nil {
		return nil, f.wrap(name, err)
	}
	return r, nil
}

// Create writes to a temporary file beside the target and renames it into
// place on Close, so the file appears whole or not at all.
func (f fileFS) Create(_ context.Context, name string) (io.WriteCloser, error) {
	target := f.local(name)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), "."+filepath.Base(target)+".*.tmp")
	if err != nil {
		return nil, err
	}
	return &renameOnClose{File: tmp, target: target}, nil
}

type renameOnClose struct {
	*os.File
	target string
}

func (r *renameOnClose) Close() error {
	if err := r.File.Close(); err != nil {
		os.Remove(r.Name())
		return err
	}
	if err := os.Rename(r.Name(), r.target); err != nil {
		os.Remove(r.Name())
		return err
	}
	return nil
}
