package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/eventlog/store"
)

// output is one place a report goes: a file, or stdout for "-".
type output struct {
	path   string
	format string
}

// toStdout reports whether the output is standard output, where
// renderers may fit a terminal.
func (out output) toStdout() bool { return out.path == "-" }

// writeOutput writes one output: standard output through a buffer, or a
// file written whole (writeFileAtomic); on a terminal, a written file is
// announced on stderr unless quiet.
func writeOutput(out output, s *Streams, quiet bool, write func(io.Writer) error) error {
	if out.toStdout() {
		w := bufio.NewWriter(s.Out)
		if err := write(w); err != nil {
			return err
		}
		return w.Flush()
	}
	if store.IsURL(out.path) {
		return writeURL(out, s, quiet, write)
	}
	if err := writeFileAtomic(out.path, write); err != nil {
		return err
	}
	if s.ErrTTY && !quiet {
		if st, err := os.Stat(out.path); err == nil {
			fmt.Fprintf(s.Err, "sparkdiag: wrote %s (%s, %s)\n", out.path, out.format, units.Bytes(st.Size()))
		}
	}
	return nil
}

// writeFileAtomic writes a report file next to its final name and renames
// it when complete, so that a failed run leaves no half report behind.
// Errors are usage errors that name the file.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the temporary name would only confuse
		}
		return usageErrorf("cannot write %s: %v", path, err)
	}
	defer os.Remove(f.Name())
	w := bufio.NewWriter(f)
	err = write(w)
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return usageErrorf("cannot write %s: %v", path, err)
	}
	return nil
}

// writeURL writes an output to a store (s3://, gs://, abfss://, hdfs://
// ...): the object appears whole when the write completes, or not at all,
// so a retried shard replaces its output rather than leaving a half one.
func writeURL(out output, s *Streams, quiet bool, write func(io.Writer) error) error {
	ctx := context.Background()
	fsys, p, err := store.Open(ctx, out.path)
	if err != nil {
		return usageErrorf("-o %s: %v", out.path, err)
	}
	wc, err := fsys.Create(ctx, p)
	if err != nil {
		return usageErrorf("cannot write %s: %v", out.path, err)
	}
	cw := &countWriter{w: wc}
	bw := bufio.NewWriterSize(cw, 1<<20)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := wc.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return usageErrorf("cannot write %s: %v", out.path, err)
	}
	if s.ErrTTY && !quiet {
		fmt.Fprintf(s.Err, "sparkdiag: wrote %s (%s, %s)\n", fsys.Label(p), out.format, units.Bytes(cw.n))
	}
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// outputExt is the extension of an output path or URL (without a URL's
// query).
func outputExt(p string) string {
	if store.IsURL(p) {
		if u, err := url.Parse(p); err == nil {
			return path.Ext(u.Path)
		}
	}
	return filepath.Ext(p)
}

// resolveOutputs turns --format and the -o paths of a command into outputs:
// standard output in --format when no -o is given, else each -o file in
// the format its extension names ("-" is standard output in --format).
// format canonicalizes a format or extension name, or says why not; exts
// lists the extensions for the error message.
func resolveOutputs(def string, paths []string, format func(string) (string, error), exts string) ([]output, error) {
	def, err := format(def)
	if err != nil {
		return nil, usageErrorf("--format: %v", err)
	}
	if len(paths) == 0 {
		return []output{{path: "-", format: def}}, nil
	}
	var outs []output
	seen := map[string]bool{}
	for _, p := range paths {
		if p == "" || seen[p] {
			return nil, usageErrorf("-o %q: empty or given twice", p)
		}
		seen[p] = true
		if p == "-" {
			outs = append(outs, output{path: "-", format: def})
			continue
		}
		f, err := format(strings.TrimPrefix(outputExt(p), "."))
		if err != nil {
			return nil, usageErrorf("-o %s: the extension must be %s", p, exts)
		}
		outs = append(outs, output{path: p, format: f})
	}
	return outs, nil
}
