package source

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/sparkdiag/sparkdiag/eventlog/codec"
)

// openZipFile resolves a zip archive on disk, such as the History Server
// writes for /api/v1/applications/<id>[/<attempt>]/logs: single log files
// at the top, or eventlog_v2_<app>/ directories, one per attempt. The
// entries are resolved with the same rules as directories on disk. The
// archive is closed again once listed; each Part.Open reopens it, so no
// file stays open between reads.
func openZipFile(p string) ([]*Log, []error) {
	zr, err := zip.OpenReader(p)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, []error{fmt.Errorf("%s: not a readable zip archive: %w", p, err)}
	}
	defer zr.Close()
	t := &tree{
		archive:   &zr.Reader,
		root:      p,
		openEntry: func(name string) (io.ReadCloser, error) { return openZipEntry(p, name) },
	}
	return zipLogs(t)
}

func zipLogs(t *tree) ([]*Log, []error) {
	logs, errs := t.discover(".")
	if len(logs) == 0 && len(errs) == 0 {
		errs = []error{fmt.Errorf("%s: the zip archive holds no Spark event log; expected event-log files or eventlog_v2_<appId>/ directories", t.root)}
	}
	return logs, errs
}

func openZipEntry(zipPath, name string) (io.ReadCloser, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, err
	}
	f, err := zr.Open(name)
	if err != nil {
		zr.Close()
		return nil, err
	}
	return &zipEntry{ReadCloser: f, archive: zr}, nil
}

// zipEntry closes the archive it was opened from along with itself.
type zipEntry struct {
	io.ReadCloser
	archive *zip.ReadCloser
}

func (e *zipEntry) Close() error {
	return errors.Join(e.ReadCloser.Close(), e.archive.Close())
}

// openStdin resolves standard input: a zip archive is spooled to a
// temporary file and resolved like one on disk; anything else is one part
// streamed straight from r.
func openStdin(r io.Reader) ([]*Log, []error) {
	return openStream(stdinName, r, nil)
}

// openStream resolves a log that arrives as a stream, read once from the
// start: standard input (name "-", closer nil) or a named pipe, character
// device or /dev/fd/N that the caller opened (closer closes it once the
// part is read, or at once when it yields no log). The codec is sniffed
// from the first bytes, which are kept: nothing is read twice and nothing
// seeks. A zip archive is spooled to a temporary file, as on standard
// input; anything else is one part streamed from r.
func openStream(name string, r io.Reader, closer io.Closer) ([]*Log, []error) {
	what := name
	if name == stdinName {
		what = "standard input"
	}
	closeSource := func() {
		if closer != nil {
			closer.Close()
		}
	}
	br := bufio.NewReader(r)
	prefix, err := br.Peek(codec.SniffLen)
	if err != nil && err != io.EOF {
		closeSource()
		return nil, []error{fmt.Errorf("reading %s: %w", what, err)}
	}
	if codec.Sniff(prefix) == codec.Zip {
		defer closeSource()
		return spoolZip(br, name, what)
	}
	l := &Log{Path: name, Layout: Stdin, Inner: Stdin}
	hint := codec.Unknown
	if name != stdinName {
		l.Layout, l.Inner = File, File
		hint = codec.FromName(name)
		fn := parseFileName(filepath.Base(name))
		l.InProgress = fn.inProgress
		if app, attempt, ok := splitAppAttempt(fn.base); ok {
			l.AppID, l.Attempt = app, attempt
		}
	}
	if len(prefix) == 0 {
		l.warnf("%s is empty", what)
	}
	var used atomic.Bool
	l.Parts = []*Part{{
		Name:      name,
		Size:      -1,
		CodecHint: hint,
		open: func() (io.ReadCloser, error) {
			if used.Swap(true) {
				return nil, fmt.Errorf("%s is a stream: it can be read only once", what)
			}
			return &streamReader{Reader: br, closer: closer}, nil
		},
	}}
	return []*Log{l}, nil
}

// streamReader reads a stream's part and closes the stream with it.
type streamReader struct {
	io.Reader
	closer io.Closer
}

func (s *streamReader) Close() error {
	if s.closer == nil {
		return nil
	}
	return s.closer.Close()
}

// spoolZip copies a zip archive arriving on r into a temporary file, which
// archive/zip needs to seek in, and resolves it. See Open for when the
// file is deleted. name is the archive's display name ("-" for standard
// input), what how messages call it.
func spoolZip(r io.Reader, name, what string) ([]*Log, []error) {
	f, err := os.CreateTemp("", "sparkdiag-stdin-*.zip")
	if err != nil {
		return nil, []error{fmt.Errorf("%s holds a zip archive; copying it to a temporary file: %w", what, err)}
	}
	sp := &spool{f: f}
	fail := func(err error) ([]*Log, []error) {
		return nil, []error{errors.Join(err, sp.destroy())}
	}
	size, err := io.Copy(f, r)
	if err != nil {
		return fail(fmt.Errorf("%s holds a zip archive; copying it to %s: %w", what, f.Name(), err))
	}
	if runtime.GOOS != "windows" && os.Remove(f.Name()) == nil {
		sp.removed = true // the open descriptor keeps the data until closed
	}
	zr, err := zip.NewReader(f, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return fail(fmt.Errorf("%s: not a readable zip archive: %w", what, err))
	}
	t := &tree{archive: zr, root: name, res: sp}
	logs, errs := zipLogs(t)
	if len(logs) == 0 {
		if err := sp.destroy(); err != nil {
			errs = append(errs, err)
		}
		return nil, errs
	}
	sp.refs = len(logs)
	return logs, errs
}

// spool is the temporary copy of a zip archive read from standard input,
// shared by the logs resolved from it and deleted when the last is closed.
type spool struct {
	mu      sync.Mutex
	f       *os.File
	refs    int
	removed bool
}

func (s *spool) release() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	s.refs--
	last := s.refs <= 0
	s.mu.Unlock()
	if !last {
		return nil
	}
	return s.destroy()
}

func (s *spool) destroy() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	err := s.f.Close()
	if !s.removed {
		err = errors.Join(err, os.Remove(s.f.Name()))
		s.removed = true
	}
	s.f = nil
	return err
}
