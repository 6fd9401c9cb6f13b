package source

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/eventlog/codec"
)

// Emitter is the layout of the Azure Synapse and Microsoft Fabric Spark
// diagnostic emitter writing to a storage account: JSON Lines files where
// every line is an envelope
//
//	{"timestamp":…,"category":"EventLog","applicationId":"application_…",
//	 "applicationName":…,"properties":{<a Spark event>}}
//
// mixed with other categories ("Log", "Metrics"). One file can hold
// several applications and one application can span several files of a
// folder. Discover reads such files once to list the applications they
// hold (this layout cannot be recognised from names); each application
// becomes one Log whose parts are its files in name order, and reading a
// part yields only that application's Spark events, unwrapped.
const Emitter Layout = "emitter"

// emitterMaxLine bounds one envelope line. Lines above it are skipped
// (like the reader's --max-line-size, a line is never held beyond it).
const emitterMaxLine = 128 << 20

// emitterSniffLines is how many lines of a candidate file are looked at
// to decide whether it holds envelopes.
const emitterSniffLines = 64

type envelope struct {
	Category      string          `json:"category"`
	ApplicationID string          `json:"applicationId"`
	Properties    json.RawMessage `json:"properties"`
}

// eventProperties returns the Spark event of an EventLog envelope line,
// and its application; ok is false for other lines.
func eventProperties(line []byte) (app string, event []byte, ok bool) {
	if !bytes.Contains(line, []byte(`"properties"`)) {
		return "", nil, false
	}
	var e envelope
	if json.Unmarshal(line, &e) != nil || !strings.EqualFold(e.Category, "EventLog") || e.ApplicationID == "" || len(e.Properties) == 0 {
		return "", nil, false
	}
	p := bytes.TrimSpace(e.Properties)
	if len(p) > 0 && p[0] == '"' {
		// Some destinations serialize properties as a JSON string.
		var s string
		if json.Unmarshal(p, &s) != nil {
			return "", nil, false
		}
		p = []byte(s)
	}
	if len(p) == 0 || p[0] != '{' {
		return "", nil, false
	}
	return e.ApplicationID, p, true
}

// emitterCandidate reports a file that may hold envelopes: a JSON Lines
// name (or none) starting with a JSON object, or compressed.
func emitterCandidate(name string, prefix []byte) bool {
	lower := strings.ToLower(name)
	for _, c := range []string{"log4j", "stdout", "stderr"} {
		if strings.Contains(lower, c) {
			return false
		}
	}
	ext := strings.TrimPrefix(path.Ext(strings.TrimSuffix(strings.TrimSuffix(lower, ".gz"), ".zst")), ".")
	switch ext {
	case "json", "jsonl", "ndjson", "log", "txt", "":
	default:
		return false
	}
	if isCompressed(prefix) {
		return true
	}
	p := bytes.TrimLeft(bytes.TrimPrefix(prefix, []byte(utf8ByteOrderMark)), " \t\r\n")
	return len(p) >= 2 && p[0] == '{' && p[1] == '"'
}

// emitterFile reports a file to read as diagnostic-emitter envelopes
// rather than as an event log: a candidate (emitterCandidate) that does not
// start like Spark's events, and is either plain or compressed under a JSON
// Lines name (a compressed file of another name is an event log).
func emitterFile(name string, prefix []byte) bool {
	return emitterCandidate(name, prefix) && !startsLikeEvents(prefix) && (!isCompressed(prefix) || jsonLinesName(name))
}

// maybeEmitterName reports a name that skipName would skip but that an
// emitter may write (*.log).
func maybeEmitterName(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasSuffix(lower, ".log") && !strings.Contains(lower, "log4j") && name[0] != '.'
}

// jsonLinesName reports a JSON Lines name, possibly compressed.
func jsonLinesName(name string) bool {
	lower := strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(name), ".gz"), ".zst")
	return strings.HasSuffix(lower, ".json") || strings.HasSuffix(lower, ".jsonl") || strings.HasSuffix(lower, ".ndjson")
}

// envLines reads lines of at most max bytes; longer lines are skipped
// whole (and counted) without being held.
type envLines struct {
	br      *bufio.Reader
	buf     []byte
	skipped int
}

func (l *envLines) next() ([]byte, error) {
	for {
		l.buf = l.buf[:0]
		tooLong := false
		for {
			frag, err := l.br.ReadSlice('\n')
			if !tooLong {
				if len(l.buf)+len(frag) > emitterMaxLine {
					tooLong, l.buf = true, l.buf[:0]
				} else {
					l.buf = append(l.buf, frag...)
				}
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil && (err != io.EOF || (len(l.buf) == 0 && !tooLong)) {
				return nil, err
			}
			break
		}
		if tooLong {
			l.skipped++
			continue
		}
		return bytes.TrimRight(l.buf, "\r\n"), nil
	}
}

// emitterApps lists the applications of a candidate file in the order
// they first appear; none when it holds no envelope among its first lines.
func (t *tree) emitterApps(name string) ([]string, error) {
	rc, err := t.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	dec, _, err := codec.NewReader(rc, codec.Unknown, codec.DefaultOptions())
	if err != nil {
		return nil, nil // not something we can decode: not ours
	}
	defer dec.Close()
	lines := &envLines{br: bufio.NewReaderSize(dec, 64<<10)}
	var apps []string
	seen := map[string]bool{}
	for n := 0; ; n++ {
		line, err := lines.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(apps) == 0 {
				return nil, nil
			}
			return apps, fmt.Errorf("%s: %w", t.label(name), err)
		}
		app, _, ok := eventProperties(line)
		if !ok {
			if len(apps) == 0 && n >= emitterSniffLines {
				return nil, nil
			}
			continue
		}
		if !seen[app] {
			seen[app] = true
			apps = append(apps, app)
		}
	}
	return apps, nil
}

// emitter resolves the candidate files of one folder into one log per
// application they hold.
func (t *tree) emitter(files []string, infos []fs.FileInfo) ([]*Log, []error) {
	type appFiles struct {
		files []int
	}
	byApp := map[string]*appFiles{}
	var order []string
	var errs []error
	idx := make([]int, len(files))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return files[idx[a]] < files[idx[b]] })
	for _, i := range idx {
		apps, err := t.emitterApps(files[i])
		if err != nil {
			errs = append(errs, err)
		}
		for _, a := range apps {
			if byApp[a] == nil {
				byApp[a] = &appFiles{}
				order = append(order, a)
			}
			byApp[a].files = append(byApp[a].files, i)
		}
	}
	var logs []*Log
	for _, app := range order {
		dir := path.Dir(files[byApp[app].files[0]])
		l := t.newLog(dir, Emitter)
		l.Path = t.label(dir) + "#" + app
		l.AppID = app
		if id, attempt, ok := splitAppAttempt(app); ok {
			l.AppID, l.Attempt = id, attempt
		}
		for _, i := range byApp[app].files {
			name := files[i]
			p := t.part(name, infos[i].Size(), codec.Plain).versioned(infos[i])
			p.Name = t.label(name) + "#" + app
			app := app
			p.open = func() (io.ReadCloser, error) { return t.openEmitterPart(name, app) }
			l.Parts = append(l.Parts, p)
		}
		logs = append(logs, l)
	}
	return logs, errs
}

// openEmitterPart streams the Spark events of app out of an emitter file,
// one per line.
func (t *tree) openEmitterPart(name, app string) (io.ReadCloser, error) {
	rc, err := t.openPart(name)
	if err != nil {
		return nil, err
	}
	dec, _, err := codec.NewReader(rc, codec.Unknown, codec.DefaultOptions())
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("%s: %w", t.label(name), err)
	}
	return &unwrapReader{lines: &envLines{br: bufio.NewReaderSize(dec, 64<<10)}, app: app, closers: []io.Closer{dec, rc}}, nil
}

// unwrapReader yields the properties of one application's EventLog
// envelopes, a line each.
type unwrapReader struct {
	lines   *envLines
	app     string
	pending []byte
	err     error
	closers []io.Closer
}

func (u *unwrapReader) Read(p []byte) (int, error) {
	for len(u.pending) == 0 {
		if u.err != nil {
			return 0, u.err
		}
		line, err := u.lines.next()
		if err != nil {
			u.err = err
			continue
		}
		if app, ev, ok := eventProperties(line); ok && app == u.app {
			u.pending = append(append(u.pending[:0], ev...), '\n')
		}
	}
	n := copy(p, u.pending)
	u.pending = u.pending[n:]
	return n, nil
}

func (u *unwrapReader) Close() error {
	var errs []error
	for _, c := range u.closers {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}
