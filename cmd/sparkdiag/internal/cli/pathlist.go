package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/fleet"
	"github.com/sparkdiag/sparkdiag/advice/sanitize"
	"github.com/sparkdiag/sparkdiag/eventlog/store"
)

// maxPathLine bounds one line of a --paths-from list.
const maxPathLine = 64 << 10

// readPathLists reads the paths of --paths-from lists: one path, URL or
// pattern per line; blank lines and lines starting with # are skipped. "-"
// is standard input (once).
func readPathLists(files []string, s *Streams) ([]string, error) {
	var out []string
	stdinUsed := false
	for _, f := range files {
		var r io.Reader
		name := f
		if f == "-" {
			if stdinUsed {
				return nil, usageErrorf("--paths-from - given twice")
			}
			stdinUsed, r, name = true, s.In, "standard input"
		} else {
			rc, err := openInput(context.Background(), f)
			if err != nil {
				return nil, noInputErrorf("--paths-from %s: %v", f, err)
			}
			defer rc.Close()
			r = rc
		}
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 4096), maxPathLine)
		n := 0
		for sc.Scan() {
			n++
			line := strings.TrimSpace(strings.TrimSuffix(sc.Text(), "\r"))
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			out = append(out, line)
		}
		if err := sc.Err(); err != nil {
			return nil, noInputErrorf("--paths-from %s: line %d: %v", name, n+1, err)
		}
	}
	return out, nil
}

// openInput opens a local file or a store URL for reading.
func openInput(ctx context.Context, p string) (io.ReadCloser, error) {
	if !store.IsURL(p) {
		return os.Open(p)
	}
	fsys, name, err := store.Open(ctx, p)
	if err != nil {
		return nil, err
	}
	return fsys.Open(ctx, name)
}

// loadPrevious reads --previous. A previous review that does not exist
// yet (the first night) is a warning: every log is read.
func loadPrevious(ctx context.Context, p string, s *Streams, quiet bool) (*fleet.Previous, error) {
	rc, err := openInput(ctx, p)
	if errors.Is(err, fs.ErrNotExist) {
		if !quiet {
			fmt.Fprintf(s.Err, "warning: --previous %s does not exist yet: every log is read\n", sanitize.Line(p))
		}
		return nil, nil
	}
	if err != nil {
		return nil, noInputErrorf("--previous %s: %v", p, err)
	}
	defer rc.Close()
	prev, err := fleet.LoadPrevious(rc, p)
	if err != nil {
		return nil, noInputErrorf("--previous: %v", err)
	}
	return prev, nil
}
