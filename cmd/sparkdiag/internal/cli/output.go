package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
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
		f, err := format(strings.TrimPrefix(filepath.Ext(p), "."))
		if err != nil {
			return nil, usageErrorf("-o %s: the extension must be %s", p, exts)
		}
		outs = append(outs, output{path: p, format: f})
	}
	return outs, nil
}
