package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sparkdiag/sparkdiag/eventlog/codec"
	"github.com/sparkdiag/sparkdiag/eventlog/store"
)

// Layout names the way an application's event log is laid out on disk.
type Layout string

// The layouts Open and Discover recognise.
const (
	File       Layout = "file"       // one file: <appId>[_<attempt>][.<codec>][.inprogress]
	Rolling    Layout = "rolling"    // eventlog_v2_<appId>[_<attempt>]/events_<n>_... (Spark 3.0+)
	V1Dir      Layout = "v1dir"      // Spark 1.0-1.2 directory: EVENT_LOG_1 plus marker files
	Databricks Layout = "databricks" // eventlog plus rolled eventlog-YYYY-MM-DD--HH-MM[.gz]
	Zip        Layout = "zip"        // History Server "download logs" archive
	Stdin      Layout = "stdin"      // standard input, path "-"
)

// Part is one raw piece of an event log: a file, or an entry of a zip
// archive, or standard input. Its bytes are still compressed; the reader
// concatenates the decompressed parts of a Log in order.
type Part struct {
	// Name is the display name: a file path, "archive.zip!dir/entry" for a
	// zip entry, or "-" for standard input.
	Name string
	// Size is the raw size in bytes (for a zip entry, its size once
	// extracted from the archive), or -1 when unknown.
	Size int64
	// CodecHint is the codec the name (or, in a Spark 1.x directory, the
	// COMPRESSION_CODEC_ marker) points to. It is only a hint: the History
	// Server recompresses compacted files with its own codec and Databricks
	// names gzip files .gz, so readers should sniff the magic bytes.
	CodecHint codec.Codec
	// ModTime is the part's last modification time, and Version the
	// store's ETag, generation or version ID, where known: with Name and
	// Size they tell whether the part changed since it was last read.
	ModTime time.Time
	Version string

	open func() (io.ReadCloser, error)
}

// Open returns the raw bytes of the part. The caller must close them.
// Standard input can be opened only once.
func (p *Part) Open() (io.ReadCloser, error) {
	if p.open == nil {
		return nil, fmt.Errorf("event log part %s: nothing to open", p.Name)
	}
	return p.open()
}

// Log is one application attempt's event log, resolved into parts.
type Log struct {
	// Path is the file or directory of the log; for a log inside a zip
	// archive "archive.zip!entry"; "-" for standard input.
	Path string
	// Layout is how the log was stored. Logs read from a zip archive have
	// Layout Zip; Inner then says how the log is laid out inside it.
	Layout Layout
	// Inner is the layout of the log itself: equal to Layout, except for
	// Layout Zip, where it is File, Rolling, V1Dir or Databricks.
	Inner Layout
	// AppID and Attempt are read off the file or directory name when the
	// name has the shape Spark gives it, and are "" otherwise (the events
	// themselves carry the authoritative values).
	AppID   string
	Attempt string
	// SparkVersion is the version named by a Spark 1.x SPARK_VERSION_<v>
	// marker (those logs have no version event), "" otherwise.
	SparkVersion string
	// Parts lists the raw parts in replay order.
	Parts []*Part
	// InProgress reports a log that its writer had not finished when it was
	// listed: a .inprogress file name, an appstatus_*.inprogress marker (or
	// none at all), a Spark 1.x directory without APPLICATION_COMPLETE.
	// Databricks directories are always written live and report false.
	InProgress bool
	// Warnings lists non-fatal problems found while resolving the log.
	Warnings []string

	res *spool // temporary copy of standard input shared by its logs
}

// Close releases what the log holds beyond its open parts: for logs read
// from a zip archive that arrived on standard input, the temporary copy of
// the archive (see Open). For every other log it does nothing. Parts cannot
// be opened after Close.
func (l *Log) Close() error {
	res := l.res
	l.res = nil
	return res.release()
}

func (l *Log) warnf(format string, args ...any) {
	l.Warnings = append(l.Warnings, fmt.Sprintf(format, args...))
}

// Open resolves path into the event logs it holds.
//
// path may be:
//   - one event-log file (any codec, possibly .inprogress);
//   - the directory of one application in any layout: rolling
//     (eventlog_v2_*), Spark 1.x (EVENT_LOG_1 and markers) or Databricks
//     (eventlog and eventlog-YYYY-MM-DD--HH-MM.gz);
//   - a zip archive as downloaded from the History Server
//     (/api/v1/applications/<id>[/<attempt>]/logs), recognised by its magic
//     bytes or a .zip name; it yields one Log per attempt it holds;
//   - a named pipe or character device, such as /dev/stdin, /dev/fd/N or
//     bash's <(command): read once from the start like standard input (the
//     codec sniffed from its first bytes, nothing seeks), as a File log
//     named by the path;
//   - "-" for standard input. Plain or compressed event logs are streamed
//     as one part and never held in memory whole. A zip archive on standard input is
//     copied to a temporary file first (os.CreateTemp), because a zip
//     can only be read from a seekable file. On systems other than Windows
//     that file is deleted at once and only its open descriptor keeps it, so
//     the space comes back when the logs are closed or the process exits;
//     on Windows it is deleted by Log.Close.
//   - any other directory: it is taken as a folder holding many
//     applications, and Open returns what Discover(path) finds in it.
//
// Open only lists directories and reads at most 16 bytes of a file to
// recognise it; the parts are read later through Part.Open.
//
// When path holds no recognisable event log the error names path and what
// was expected. For a folder or an archive holding several logs, entries
// that cannot be resolved do not stop the others: Open then returns the
// logs it found together with a non-nil error joining one error per broken
// entry (see errors.Join); callers may report it and use the logs.
func Open(path string) ([]*Log, error) {
	logs, errs := resolve(path)
	return pack(path, logs, errs)
}

// OpenReader resolves a log streamed on r, as Open does for "-" with
// standard input.
func OpenReader(r io.Reader) ([]*Log, error) {
	logs, errs := openStdin(r)
	return pack(stdinName, logs, errs)
}

func pack(path string, logs []*Log, errs []error) ([]*Log, error) {
	if len(logs) == 0 {
		if len(errs) == 1 {
			return nil, errs[0]
		}
		if len(errs) > 1 {
			return nil, fmt.Errorf("%s: no readable Spark event log: %w", path, errors.Join(errs...))
		}
		return nil, fmt.Errorf("%s: no Spark event log found; expected %s", path, expected)
	}
	return logs, errors.Join(errs...)
}

// expected describes, for error messages, every input Open accepts.
const expected = "an event-log file, an eventlog_v2_<appId> rolling directory, " +
	"a Spark 1.x directory with EVENT_LOG_1, a Databricks directory with an eventlog file, " +
	"a History Server .zip download, or a folder holding these"

// Discover returns every event log under root, sorted by Path. root is
// normally a History-Server-style log directory holding many applications:
// single files, eventlog_v2_* directories, Spark 1.x directories,
// Databricks directories and zip archives. Other folders are searched too
// (down to 8 levels), which finds Databricks cluster-log trees such as
// <cluster>/eventlog/<cluster>_<ip>/<context-id>/eventlog. In a folder
// that is not an eventlog_v2_ directory, the files named after one layout
// (events_*/appstatus_*, EVENT_LOG_* and its markers, eventlog and
// eventlog-YYYY-MM-DD--HH-MM*) form one log of that layout and every other
// entry is resolved on its own, so a stray file never hides the other logs
// beside it.
//
// Hidden entries, checksums (*.crc), READMEs, driver logs (stdout, stderr,
// log4j*, *.log) and files that neither start with {"Event" nor with a
// compression header (and are not named like a Spark log) are skipped
// quietly. Every entry that should be a log but cannot be resolved
// (unreadable, an eventlog_v2_ directory without event files, a damaged
// zip) adds one error naming it, and the walk goes on. Symbolic links are
// followed, but every real file and directory (by device and inode) is
// visited once: a link back to a directory already searched (a cycle, or
// a second path to it) is not followed and adds a *LinkCycleError naming
// the link, and a second name for a file is skipped quietly. If root is itself
// one application's log, a file, a zip or "-", Discover resolves it as Open
// does. An empty folder yields no logs and no errors.
func Discover(root string) ([]*Log, []error) {
	return resolve(root)
}

// resolve is Open and Discover without the final error packaging.
func resolve(p string) ([]*Log, []error) {
	if p == stdinName {
		return openStdin(os.Stdin)
	}
	if store.IsURL(p) {
		return openURL(context.Background(), p)
	}
	info, err := os.Stat(p)
	if err != nil {
		return nil, []error{statError(p, err)}
	}
	if info.IsDir() {
		return osTree(p).discover(".")
	}
	if isStream(info) {
		// A named pipe, a terminal, /dev/stdin or /dev/fd/N (such as
		// bash's <(command)): read once, from the start.
		f, err := os.Open(p)
		if err != nil {
			return nil, []error{fmt.Errorf("cannot open event log: %w", err)}
		}
		return openStream(p, f, f)
	}
	if !info.Mode().IsRegular() {
		return nil, []error{fmt.Errorf("%s: not a regular file, directory or readable stream; expected %s", p, expected)}
	}
	t := osTree(filepath.Dir(p))
	name := filepath.Base(p)
	prefix, err := t.sniff(name)
	if err != nil {
		return nil, []error{err}
	}
	if isZip(name, prefix) {
		return openZipFile(p)
	}
	return t.explicitFile(name, info, prefix)
}

// explicitFile resolves a file named by the user: an event log, or a file
// of diagnostic-emitter envelopes holding one or more applications.
func (t *tree) explicitFile(name string, info fs.FileInfo, prefix []byte) ([]*Log, []error) {
	if emitterFile(name, prefix) {
		if logs, errs := t.emitter([]string{name}, []fs.FileInfo{info}); len(logs) > 0 {
			return logs, errs
		}
	}
	return []*Log{t.singleFile(name, info, prefix, true)}, nil
}

// isStream reports a file that can only be read once, from the start: a
// named pipe or a character device.
func isStream(info fs.FileInfo) bool {
	return info.Mode()&(fs.ModeNamedPipe|fs.ModeCharDevice) != 0
}

func isZip(name string, prefix []byte) bool {
	return codec.Sniff(prefix) == codec.Zip || strings.HasSuffix(strings.ToLower(name), zipExtension)
}

func sortLogs(logs []*Log) {
	sort.SliceStable(logs, func(i, j int) bool { return logs[i].Path < logs[j].Path })
}

// NewPart makes a part whose bytes come from open, for logs that do not live
// in files (an HTTP download, bytes in memory). size is -1 when unknown.
func NewPart(name string, size int64, hint codec.Codec, open func() (io.ReadCloser, error)) *Part {
	return &Part{Name: name, Size: size, CodecHint: hint, open: open}
}

// BytesLog makes a single-part log of b, for tests and in-memory data.
func BytesLog(name string, b []byte) *Log {
	p := NewPart(name, int64(len(b)), codec.FromName(name), func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	})
	return &Log{Path: name, Layout: File, Inner: File, Parts: []*Part{p}}
}

// statError says in plain words why path cannot be opened: "no such file:
// PATH" or "cannot read PATH: permission denied". It wraps err, so
// errors.Is(err, fs.ErrNotExist) still holds.
func statError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("no such file: %s%w", path, quiet{err})
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("cannot read %s: permission denied%w", path, quiet{err})
	}
	return fmt.Errorf("cannot open %s: %w", path, err)
}

// quiet wraps an error for errors.Is and errors.As without adding to the
// message.
type quiet struct{ err error }

func (quiet) Error() string   { return "" }
func (q quiet) Unwrap() error { return q.err }
