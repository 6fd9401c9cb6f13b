package source

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/eventlog/codec"
	"github.com/sparkdiag/sparkdiag/eventlog/store"
)

// tree is a place logs are resolved in: the operating system's file system
// below a directory, or the inside of a zip archive. Names inside a tree
// are slash-separated and relative to it ("." is its top).
type tree struct {
	// archive is the zip's file system; nil for the OS file system.
	archive fs.FS
	// root is, for the OS, the directory names are relative to; for an
	// archive, its display name ("logs.zip", or "-" for standard input).
	root string
	// openEntry, when set, opens an archive entry for a Part (archive may
	// be closed by then).
	openEntry func(name string) (io.ReadCloser, error)
	// res is handed to every log resolved in the tree.
	res *spool
	// remote is the store of a tree read from a URL (S3, GCS, Azure,
	// HDFS); root is then the path inside it ("" for its top).
	remote store.FS
	ctx    context.Context
}

// local reports a tree on the operating system's file system.
func (t *tree) local() bool { return t.archive == nil && t.remote == nil }

// storePath is the path inside the store of the tree's name.
func (t *tree) storePath(name string) string {
	switch {
	case name == "." || name == "":
		return t.root
	case t.root == "":
		return name
	}
	return t.root + "/" + name
}

func osTree(dir string) *tree { return &tree{root: filepath.Clean(dir)} }

// label is the display name of name: an OS path, or "archive!entry".
func (t *tree) label(name string) string {
	if t.remote != nil {
		return t.remote.Label(t.storePath(name))
	}
	if t.archive == nil {
		if name == "." {
			return t.root
		}
		return filepath.Join(t.root, filepath.FromSlash(name))
	}
	if name == "." {
		return t.root
	}
	return t.root + zipEntrySeparator + name
}

// baseName is the last element of name's display path.
func (t *tree) baseName(name string) string {
	if t.remote != nil {
		return path.Base("/" + t.storePath(name))
	}
	if t.archive == nil {
		return filepath.Base(t.label(name))
	}
	return path.Base(name)
}

func (t *tree) readDir(name string) ([]fs.DirEntry, error) {
	if t.remote != nil {
		return t.remoteReadDir(name)
	}
	if t.archive == nil {
		return os.ReadDir(t.label(name))
	}
	entries, err := fs.ReadDir(t.archive, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.label(name), err)
	}
	return entries, nil
}

// stat follows symbolic links.
func (t *tree) stat(name string) (fs.FileInfo, error) {
	if t.remote != nil {
		e, err := t.remote.Stat(t.ctx, t.storePath(name))
		if err != nil {
			return nil, err
		}
		return entryInfo{e}, nil
	}
	if t.archive == nil {
		return os.Stat(t.label(name))
	}
	info, err := fs.Stat(t.archive, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.label(name), err)
	}
	return info, nil
}

func (t *tree) open(name string) (io.ReadCloser, error) {
	if t.remote != nil {
		return t.remote.Open(t.ctx, t.storePath(name))
	}
	if t.archive == nil {
		return os.Open(t.label(name))
	}
	rc, err := t.archive.Open(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.label(name), err)
	}
	return rc, nil
}

func (t *tree) openPart(name string) (io.ReadCloser, error) {
	if t.openEntry == nil {
		return t.open(name)
	}
	rc, err := t.openEntry(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.label(name), err)
	}
	return rc, nil
}

// sniff returns the first codec.SniffLen bytes of a file, or all of a
// shorter file.
func (t *tree) sniff(name string) ([]byte, error) {
	rc, err := t.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	buf := make([]byte, codec.SniffLen)
	n, err := io.ReadFull(rc, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return nil, fmt.Errorf("%s: %w", t.label(name), err)
	}
	return buf[:n], nil
}

func (t *tree) part(name string, size int64, hint codec.Codec) *Part {
	return &Part{
		Name:      t.label(name),
		Size:      size,
		CodecHint: hint,
		open:      func() (io.ReadCloser, error) { return t.openPart(name) },
	}
}

// versioned sets what identifies the part's content from its file info:
// the modification time, and the store's ETag or version.
func (p *Part) versioned(info fs.FileInfo) *Part {
	if info == nil {
		return p
	}
	p.ModTime = info.ModTime()
	if e, ok := info.Sys().(store.Entry); ok {
		p.Version = e.Version
		if p.Version == "" {
			p.Version = e.ETag
		}
	}
	return p
}

func (t *tree) newLog(name string, inner Layout) *Log {
	l := &Log{Path: t.label(name), Layout: inner, Inner: inner, res: t.res}
	if t.archive != nil {
		l.Layout = Zip
	}
	return l
}

// discover resolves the directory dir: one log if dir is an application's
// log directory, else every log found below it.
func (t *tree) discover(dir string) ([]*Log, []error) {
	entries, err := t.readDir(dir)
	if err != nil {
		return nil, []error{err}
	}
	w := walker{t: t, seen: map[fileID]string{}}
	if !t.local() {
		// An object store has no links; its top needs no stat.
	} else if info, err := t.stat(dir); err == nil {
		w.visit(dir, info)
	}
	w.dir(dir, entries, 0)
	// Symbolic links last, so that what can be reached without them is
	// found under its real name.
	for len(w.links) > 0 {
		l := w.links[0]
		w.links = w.links[1:]
		w.entry(l.name, l.depth)
	}
	w.resolveEmitter()
	sortLogs(w.logs)
	return w.logs, w.errs
}

// resolveEmitter reads the candidate emitter files, folder by folder.
func (w *walker) resolveEmitter() {
	byDir := map[string][]pendingFile{}
	var dirs []string
	for _, f := range w.emitter {
		d := path.Dir(f.name)
		if byDir[d] == nil {
			dirs = append(dirs, d)
		}
		byDir[d] = append(byDir[d], f)
	}
	for _, d := range dirs {
		var names []string
		var infos []fs.FileInfo
		for _, f := range byDir[d] {
			names, infos = append(names, f.name), append(infos, f.info)
		}
		logs, errs := w.t.emitter(names, infos)
		w.logs = append(w.logs, logs...)
		w.errs = append(w.errs, errs...)
	}
}

type walker struct {
	t    *tree
	logs []*Log
	errs []error
	// seen maps every directory and file met on the operating system's
	// file system, by device and inode, to its display name, so that
	// symbolic links (or hard links) never make the walk visit a real
	// file or directory twice: k links in a cycle would otherwise give
	// k^maxDiscoverDepth copies of the same logs.
	seen map[fileID]string
	// links are the symbolic links met, resolved after everything else.
	links []pendingLink
	// emitter are the files that may hold diagnostic-emitter envelopes,
	// resolved by folder once the walk is done.
	emitter []pendingFile
}

type pendingFile struct {
	name string
	info fs.FileInfo
}

type pendingLink struct {
	name  string
	depth int
}

// fileID names a file on the operating system: its device and inode.
type fileID struct{ dev, ino uint64 }

// LinkCycleError reports a directory that the walk met again through a
// symbolic link (a link to one of its parents, or a second path to a
// directory already searched): the link is not followed. Discover returns
// it among its errors as a warning; the logs are all found anyway.
type LinkCycleError struct {
	Link   string // the path through the link
	Target string // the path the directory was first searched under
}

func (e *LinkCycleError) Error() string {
	return fmt.Sprintf("%s: symbolic link to %s, a directory already searched (a link cycle or a second path to it): not followed", e.Link, e.Target)
}

// visit records name as seen and reports whether it was new. Entries of
// archives, and files whose identity the system does not give, are always
// new.
func (w *walker) visit(name string, info fs.FileInfo) (first string, isNew bool) {
	if !w.t.local() {
		return "", true
	}
	id, ok := idOf(info)
	if !ok {
		return "", true
	}
	if first, ok := w.seen[id]; ok {
		return first, false
	}
	w.seen[id] = w.t.label(name)
	return "", true
}

func (w *walker) add(l *Log, err error) {
	if err != nil {
		w.errs = append(w.errs, err)
		return
	}
	w.logs = append(w.logs, l)
}

// dir resolves the directory dir. An eventlog_v2_ directory is one rolling
// log. In any other directory, the files of each single-application layout
// (rolling parts, Spark 1.x files and markers, Databricks files) make one
// log per layout, and every other entry is looked at on its own: a folder
// is searched (down to maxDiscoverDepth), a zip archive opened, and a file
// that looks like an event log taken as one.
func (w *walker) dir(dir string, entries []fs.DirEntry, depth int) {
	t := w.t
	if strings.HasPrefix(t.baseName(dir), rollingDirPrefix) {
		w.add(t.rolling(dir, entries))
		return
	}
	var rolling, v1, db, rest []fs.DirEntry
	for _, e := range entries {
		switch name := e.Name(); {
		case name == "" || name[0] == '.':
		case e.IsDir():
			rest = append(rest, e)
		case isRollingName(name):
			rolling = append(rolling, e)
		case isV1Name(name):
			v1 = append(v1, e)
		case isDatabricksName(name):
			db = append(db, e)
		default:
			rest = append(rest, e)
		}
	}
	if len(rolling) > 0 {
		w.add(t.rolling(dir, rolling))
	}
	if len(v1) > 0 {
		w.add(t.v1(dir, v1))
	}
	if len(db) > 0 {
		w.add(t.databricks(dir, db))
	}
	for _, e := range rest {
		p := path.Join(dir, e.Name())
		if e.Type()&fs.ModeSymlink != 0 && t.local() {
			w.links = append(w.links, pendingLink{p, depth})
			continue
		}
		w.entry(p, depth)
	}
}

// entry resolves one entry of a folder that is not part of a layout.
func (w *walker) entry(p string, depth int) {
	t := w.t
	info, err := t.stat(p)
	if err != nil {
		w.errs = append(w.errs, err)
		return
	}
	first, isNew := w.visit(p, info)
	if info.IsDir() {
		if !isNew {
			w.errs = append(w.errs, &LinkCycleError{Link: t.label(p), Target: first})
			return
		}
		if depth >= maxDiscoverDepth {
			return
		}
		sub, err := t.readDir(p)
		if err != nil {
			w.errs = append(w.errs, err)
			return
		}
		w.dir(p, sub, depth+1)
		return
	}
	name := path.Base(p)
	if !info.Mode().IsRegular() || !isNew {
		return // a file seen under another name is read once
	}
	skip := skipName(name)
	if skip && !maybeEmitterName(name) {
		return
	}
	prefix, err := t.sniff(p)
	if err != nil {
		w.errs = append(w.errs, err)
		return
	}
	// A *.log name (skipped otherwise) is an emitter file if its content
	// says so.
	if skip && emitterCandidate(name, prefix) || emitterFile(name, prefix) {
		w.emitter = append(w.emitter, pendingFile{p, info})
		return
	}
	if skip {
		return
	}
	if isZip(name, prefix) {
		if t.archive != nil {
			return // archives inside archives are not opened
		}
		if t.remote != nil {
			w.errs = append(w.errs, fmt.Errorf("%s: a zip archive in a store is not read; copy it to a local folder first", t.label(p)))
			return
		}
		logs, errs := openZipFile(t.label(p))
		w.logs = append(w.logs, logs...)
		w.errs = append(w.errs, errs...)
		return
	}
	if looksLikeLog(name, prefix) {
		w.logs = append(w.logs, t.singleFile(p, info, prefix, false))
	}
}

// looksLikeLog decides whether a file met while walking a folder is an
// event log: it starts with a compression header or with {"Event", or its
// name is one Spark would give a log.
func looksLikeLog(name string, prefix []byte) bool {
	if isCompressed(prefix) || startsLikeEvents(prefix) {
		return true
	}
	fn := parseFileName(name)
	if len(prefix) == 0 && fn.inProgress {
		return true // created by a running application, nothing written yet
	}
	if _, _, ok := splitAppAttempt(fn.base); ok {
		return true
	}
	switch fn.ext {
	case "lz4", "lzf", "snappy", "zstd":
		return true
	}
	return false
}

// startsLikeEvents reports a prefix that begins the way every line Spark
// writes begins: {"Event". A prefix cut short by the end of the file only
// needs to agree as far as it goes.
func startsLikeEvents(prefix []byte) bool {
	whole := len(prefix) < codec.SniffLen
	p := bytes.TrimPrefix(prefix, []byte(utf8ByteOrderMark))
	p = bytes.TrimLeft(p, " \t\r\n")
	if len(p) >= len(eventJSONPrefix) {
		return bytes.HasPrefix(p, []byte(eventJSONPrefix))
	}
	return whole && len(p) > 0 && strings.HasPrefix(eventJSONPrefix, string(p))
}

// singleFile resolves one event-log file. explicit marks a file the user
// named directly, which gets warnings about its content and about being
// only one part of a larger log.
func (t *tree) singleFile(name string, info fs.FileInfo, prefix []byte, explicit bool) *Log {
	size := info.Size()
	base := t.baseName(name)
	fn := parseFileName(base)
	l := t.newLog(name, File)
	l.InProgress = fn.inProgress
	if app, attempt, ok := splitAppAttempt(fn.base); ok {
		l.AppID, l.Attempt = app, attempt
	}
	l.Parts = []*Part{t.part(name, size, codec.FromName(base)).versioned(info)}
	if !explicit {
		return l
	}
	switch {
	case size == 0:
		l.warnf("%s is empty", l.Path)
	case !startsLikeEvents(prefix) && !isCompressed(prefix):
		l.warnf("%s does not start like a Spark event log (neither {\"Event\" nor a known compression header)", l.Path)
	}
	dir := path.Dir(name)
	if strings.HasPrefix(t.baseName(dir), rollingDirPrefix) && strings.HasPrefix(base, eventsPrefix) {
		l.warnf("%s is one part of the rolling event log %s; give the directory to read all of it", l.Path, t.label(dir))
	}
	if _, ok := parseV1LogName(base); ok {
		l.warnf("%s is the event file of a Spark 1.x log directory; give the directory to read its codec and completion markers", l.Path)
		siblings, _ := t.readDir(dir)
		for _, e := range siblings {
			if v, ok := strings.CutPrefix(e.Name(), v1VersionPrefix); ok {
				l.SparkVersion = v
			}
		}
	}
	if isDatabricksName(base) {
		siblings, _ := t.readDir(dir)
		for _, e := range siblings {
			if e.Name() != base && isDatabricksName(e.Name()) {
				l.warnf("%s is one part of the Databricks event log %s; give the directory to read all of it", l.Path, t.label(dir))
				break
			}
		}
	}
	return l
}

// isCompressed reports a prefix that starts with the header of a codec
// event logs are compressed with.
func isCompressed(prefix []byte) bool {
	switch codec.Sniff(prefix) {
	case codec.Gzip, codec.Zstd, codec.LZ4, codec.LZF, codec.Snappy:
		return true
	}
	return false
}

// rolling resolves an eventlog_v2_ directory the way Spark's History Server
// does (RollingEventLogFilesFileReader), except that a gap in the indices is
// a warning rather than an error: every part present is kept.
func (t *tree) rolling(dir string, entries []fs.DirEntry) (*Log, error) {
	type eventFile struct {
		eventsName
		name string
		info fs.FileInfo
	}
	l := t.newLog(dir, Rolling)
	var files []eventFile
	var statuses []fileName
	for _, e := range entries {
		n := e.Name()
		if n == "" || n[0] == '.' {
			continue
		}
		if e.IsDir() {
			l.warnf("%s: unexpected directory %s skipped", l.Path, n)
			continue
		}
		if en, ok := parseEventsName(n); ok {
			p := path.Join(dir, n)
			if info, ok := t.partInfo(l, p, e); ok {
				files = append(files, eventFile{en, p, info})
			}
		} else if st, ok := parseAppStatusName(n); ok {
			statuses = append(statuses, st)
		} else {
			l.warnf("%s: unexpected file %s skipped", l.Path, n)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: rolling event-log directory holds no readable events_<index>_<appId> file", l.Path)
	}
	sort.SliceStable(files, func(i, j int) bool {
		a, b := files[i], files[j]
		if a.index != b.index {
			return a.index < b.index
		}
		if a.compact != b.compact {
			return !a.compact // the compact file replaces the plain one with its index
		}
		return a.name < b.name
	})
	for i := len(files) - 1; i > 0; i-- {
		if files[i].compact {
			files = files[i:] // a compact file replaces everything before it
			break
		}
	}
	if first := files[0]; !first.compact && first.index != 1 {
		l.warnf("%s: event files before index %d are missing; the start of the application is not in the log", l.Path, first.index)
	}
	for i := 1; i < len(files); i++ {
		prev, cur := files[i-1].index, files[i].index
		switch {
		case cur == prev:
			l.warnf("%s: two event files with index %d; both are read", l.Path, cur)
		case cur == prev+2:
			l.warnf("%s: event file with index %d is missing; reading on without it (Spark's History Server would reject this log)", l.Path, prev+1)
		case cur > prev+2:
			l.warnf("%s: event files with indices %d to %d are missing; reading on without them (Spark's History Server would reject this log)", l.Path, prev+1, cur-1)
		}
	}

	dirName := t.baseName(dir)
	app, named := strings.CutPrefix(dirName, rollingDirPrefix)
	if !named || app == "" {
		app = files[0].base
		l.warnf("%s: directory name is not %s<appId>; application taken from %s", l.Path, rollingDirPrefix, path.Base(files[0].name))
	}
	for _, f := range files {
		if f.base != app {
			l.warnf("%s: %s names application %q, the directory %q", l.Path, path.Base(f.name), f.base, app)
		}
		l.Parts = append(l.Parts, t.part(f.name, f.info.Size(), codec.FromName(f.name)).versioned(f.info))
	}
	if id, attempt, ok := splitAppAttempt(app); ok {
		l.AppID, l.Attempt = id, attempt
	} else {
		l.AppID = app
	}

	switch len(statuses) {
	case 0:
		l.InProgress = true
		l.warnf("%s: no %s file; treating the application as in progress", l.Path, appStatusPrefix+app)
	case 1:
		l.InProgress = statuses[0].inProgress
	default:
		l.InProgress = true
		for _, s := range statuses {
			l.InProgress = l.InProgress && s.inProgress
		}
		l.warnf("%s: %d appstatus files; the application counts as completed if any says so", l.Path, len(statuses))
	}
	return l, nil
}

// v1 resolves a Spark 1.0-1.2 log directory: EVENT_LOG_<n> files (replayed
// in index order), SPARK_VERSION_<v>, an optional COMPRESSION_CODEC_<codec>
// and APPLICATION_COMPLETE once the application finished.
func (t *tree) v1(dir string, entries []fs.DirEntry) (*Log, error) {
	type logFile struct {
		index int64
		name  string
		info  fs.FileInfo
	}
	l := t.newLog(dir, V1Dir)
	var files []logFile
	hint := codec.Plain
	complete, versioned := false, false
	for _, e := range entries {
		n := e.Name()
		if index, ok := parseV1LogName(n); ok {
			p := path.Join(dir, n)
			if info, ok := t.partInfo(l, p, e); ok {
				files = append(files, logFile{index, p, info})
			}
			continue
		}
		switch c, isCodec := v1CodecName(n); {
		case n == v1Complete:
			complete = true
		case strings.HasPrefix(n, v1VersionPrefix):
			versioned = true
			l.SparkVersion = strings.TrimPrefix(n, v1VersionPrefix)
		case isCodec:
			if hint = codec.FromName("." + c); hint == codec.Plain {
				hint = codec.Unknown
				l.warnf("%s: unknown codec in %s", l.Path, n)
			}
		default:
			l.warnf("%s: unrecognised marker %s skipped", l.Path, n)
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: Spark 1.x event-log directory holds no readable %s<n> file", l.Path, v1LogPrefix)
	}
	if !versioned {
		l.warnf("%s: no %s<version> marker", l.Path, v1VersionPrefix)
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i].index < files[j].index })
	for _, f := range files {
		l.Parts = append(l.Parts, t.part(f.name, f.info.Size(), hint).versioned(f.info))
	}
	l.InProgress = !complete
	if app, attempt, ok := splitAppAttempt(t.baseName(dir)); ok {
		l.AppID, l.Attempt = app, attempt
	}
	return l, nil
}

// partInfo describes the part file p of l, met as the directory entry e;
// a part that cannot be found is left out of l with a warning, as if it
// were missing. A store's listing already describes its objects, so no
// request is made for them.
func (t *tree) partInfo(l *Log, p string, e fs.DirEntry) (fs.FileInfo, bool) {
	if t.remote != nil && e != nil {
		if info, err := e.Info(); err == nil {
			return info, true
		}
	}
	info, err := t.stat(p)
	if err != nil {
		l.warnf("event file skipped: %v", err)
		return nil, false
	}
	return info, true
}

// databricks resolves a Databricks event-log directory: rolled files
// eventlog-YYYY-MM-DD--HH-MM[.gz] oldest first, then the live eventlog.
func (t *tree) databricks(dir string, entries []fs.DirEntry) (*Log, error) {
	type dbFile struct {
		dbName
		name string
		info fs.FileInfo
	}
	l := t.newLog(dir, Databricks)
	var rolled []dbFile
	var live *dbFile
	for _, e := range entries {
		n := e.Name()
		d, _ := parseDatabricksName(n)
		p := path.Join(dir, n)
		info, ok := t.partInfo(l, p, e)
		if !ok {
			continue
		}
		f := dbFile{d, p, info}
		if d.live {
			live = &f
		} else {
			rolled = append(rolled, f)
		}
	}
	sort.SliceStable(rolled, func(i, j int) bool {
		if !rolled[i].at.Equal(rolled[j].at) {
			return rolled[i].at.Before(rolled[j].at)
		}
		return rolled[i].name < rolled[j].name
	})
	for i := 1; i < len(rolled); i++ {
		if rolled[i].at.Equal(rolled[i-1].at) {
			l.warnf("%s: %s and %s were rolled at the same minute; read in name order", l.Path, path.Base(rolled[i-1].name), path.Base(rolled[i].name))
		}
	}
	if live != nil {
		rolled = append(rolled, *live)
	} else if len(rolled) > 0 {
		l.warnf("%s: no live %s file; the newest events may be missing", l.Path, dbLiveName)
	}
	if len(rolled) == 0 {
		return nil, fmt.Errorf("%s: Databricks event-log directory holds no readable eventlog file", l.Path)
	}
	for _, f := range rolled {
		l.Parts = append(l.Parts, t.part(f.name, f.info.Size(), codec.FromName(f.name)).versioned(f.info))
	}
	return l, nil
}
