package eventlog

import (
	"errors"
	"fmt"
	"io"
	"sort"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/eventlog/codec"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// Options control reading.
type Options struct {
	// MaxLineBytes caps the size of a line that is kept for decoding, once
	// the white space between its tokens is left out and its strings longer
	// than 512 KiB are shortened to both ends (lines longer than 1 MiB only;
	// the model keeps at most 64 KiB of such strings anyway). Such lines,
	// and lines of any other event longer than the cap, are read through
	// and reported as skipped. Default DefaultMaxLineBytes.
	MaxLineBytes int
	// Codec options (checksums, decompression-bomb cap).
	Codec codec.Options
	// MaxProblems caps how many skipped lines are listed one by one; the
	// rest are only counted. Default 100.
	MaxProblems int
	// Progress, when set, is called now and then with the raw bytes read so far.
	Progress func(rawBytes int64)
	// Decoders is how many goroutines decode events ahead when the handler
	// is a Predecoder: 0 means GOMAXPROCS, 1 decodes every event on the
	// calling goroutine. The handler sees events in log order either way.
	Decoders int
}

// DefaultMaxLineBytes is the default for Options.MaxLineBytes: 64 MiB,
// so that a line of any size costs at most that much memory.
const DefaultMaxLineBytes = 64 << 20

func (o *Options) defaults() {
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.Codec == (codec.Options{}) {
		o.Codec = codec.DefaultOptions()
	}
	if o.MaxProblems <= 0 {
		o.MaxProblems = 100
	}
}

// Handler receives events in log order. Wants says which kinds it decodes;
// lines of other kinds are counted but never buffered whole nor decoded.
// Handle returns an error when the line cannot be decoded: the line is then
// reported as skipped and not counted as an event.
type Handler interface {
	Wants(k Kind) bool
	Handle(k Kind, data []byte) error
}

// Problem is one thing that went wrong while reading: a skipped line, a
// truncated or corrupt compressed stream, a part that could not be opened.
type Problem struct {
	File string `json:"file"`
	Line int    `json:"line,omitempty"` // 0 when not about a line
	Msg  string `json:"message"`
}

func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Msg)
}

// PartStats describes one file of a log.
type PartStats struct {
	Name         string `json:"name"`
	Codec        string `json:"codec"`
	RawBytes     int64  `json:"rawBytes"`
	DecodedBytes int64  `json:"decodedBytes"`
	Lines        int    `json:"lines"`
	Events       int    `json:"events"`
	Truncated    bool   `json:"truncated,omitempty"`
}

// Stats is what reading a log produced, apart from the events.
type Stats struct {
	Path          string         `json:"path"`
	Layout        string         `json:"layout"`
	Parts         []PartStats    `json:"parts"`
	Events        int            `json:"events"`
	SkippedLines  int            `json:"skippedLines"`
	Problems      []Problem      `json:"problems"`
	MoreProblems  int            `json:"moreProblems,omitempty"`
	UnknownEvents map[string]int `json:"unknownEvents"`
	// Truncated is set when a part ended in the middle of a compressed block
	// or of a line: the log was cut off (typically an in-progress log).
	Truncated bool `json:"truncated"`
	// InProgress comes from the layout (".inprogress" names, appstatus
	// markers, missing APPLICATION_COMPLETE).
	InProgress bool     `json:"inProgress"`
	Warnings   []string `json:"warnings"`
}

func (s *Stats) problem(max int, p Problem) {
	if len(s.Problems) < max {
		s.Problems = append(s.Problems, p)
	} else {
		s.MoreProblems++
	}
}

const maxUnknownNames = 256

// Read reads every part of log in order and hands each event to h. It
// returns an error only when nothing at all could be read; everything else
// (skipped lines, truncation, unreadable parts) is described in Stats.
func Read(log *source.Log, h Handler, opts Options) (*Stats, error) {
	opts.defaults()
	st := &Stats{
		Path:          log.Path,
		Layout:        string(log.Layout),
		UnknownEvents: map[string]int{},
		InProgress:    log.InProgress,
		Warnings:      append([]string{}, log.Warnings...),
		Problems:      []Problem{},
		Parts:         []PartStats{},
	}
	var rawTotal int64
	lr := newLineReader(nil, opts.MaxLineBytes, func(k Kind, name []byte) bool {
		if k == KindUnknown {
			// No recognisable prefix: keep a short line to find the
			// name (long lines are classified by the reader).
			return name == nil
		}
		return h.Wants(k)
	})
	var pl *pipeline
	if pd, ok := h.(Predecoder); ok && decoders(opts) > 1 {
		pl = newPipeline(pd, decoders(opts))
		defer pl.close()
	}
	var firstErr error
	for _, part := range log.Parts {
		ps, err := readPart(part, h, pl, opts, lr, st, &rawTotal)
		st.Parts = append(st.Parts, ps)
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if st.Events == 0 {
		if firstErr != nil {
			return st, firstErr
		}
		if len(st.Problems) > 0 {
			return st, fmt.Errorf("%s: no event could be read (%s)", log.Path, st.Problems[0].String())
		}
		return st, fmt.Errorf("%s: the log holds no events", log.Path)
	}
	return st, nil
}

// countingReader counts the raw bytes read from a part.
type countingReader struct {
	r        io.Reader
	n        *int64
	total    *int64
	progress func(int64)
	last     int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	*c.total += int64(n)
	if c.progress != nil && *c.total-c.last >= 8<<20 {
		c.last = *c.total
		c.progress(*c.total)
	}
	return n, err
}

// decodedCounter counts decoded bytes.
type decodedCounter struct {
	r io.Reader
	n int64
}

func (d *decodedCounter) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	d.n += int64(n)
	return n, err
}

func readPart(part *source.Part, h Handler, pl *pipeline, opts Options, lr *lineReader, st *Stats, rawTotal *int64) (ps PartStats, err error) {
	ps = PartStats{Name: part.Name}
	raw, err := part.Open()
	if err != nil {
		st.problem(opts.MaxProblems, Problem{File: part.Name, Msg: "cannot open: " + err.Error()})
		return ps, fmt.Errorf("%s: %w", part.Name, err)
	}
	defer raw.Close()
	cr := &countingReader{r: raw, n: &ps.RawBytes, total: rawTotal, progress: opts.Progress}
	dec, c, err := codec.NewReader(cr, part.CodecHint, opts.Codec)
	ps.Codec = string(c)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return ps, nil // empty part
		}
		st.problem(opts.MaxProblems, Problem{File: part.Name, Msg: "cannot decode: " + err.Error()})
		return ps, fmt.Errorf("%s: %w", part.Name, err)
	}
	defer dec.Close()
	dc := &decodedCounter{r: dec}
	lr.reset(dc)
	defer func() { ps.DecodedBytes = dc.n }()

	var rerr error
	var lineNo int
	if pl != nil {
		rerr, lineNo = pl.readLines(part.Name, lr, opts, st, &ps)
	} else {
		rerr, lineNo = readLines(part.Name, lr, h, opts, st, &ps)
	}
	if lr.BOM {
		st.Warnings = append(st.Warnings, part.Name+": starts with a UTF-8 byte-order mark (ignored)")
	}
	if errors.Is(rerr, io.EOF) {
		return ps, nil
	}
	// The decoder failed: everything before was delivered.
	ps.Truncated = true
	st.Truncated = true
	var ce *codec.CorruptError
	switch {
	case errors.As(rerr, &ce):
		st.problem(opts.MaxProblems, Problem{File: part.Name, Line: lineNo, Msg: "corrupt compressed data, rest of file skipped: " + rerr.Error()})
	case errors.Is(rerr, codec.ErrTruncated) || errors.Is(rerr, io.ErrUnexpectedEOF):
		st.Warnings = append(st.Warnings, fmt.Sprintf("%s: compressed stream cut off after line %d (log still being written or truncated)", part.Name, lineNo-1))
	default:
		st.problem(opts.MaxProblems, Problem{File: part.Name, Line: lineNo, Msg: "read error, rest of file skipped: " + rerr.Error()})
	}
	return ps, nil
}

// readLines hands the lines of a part to h one by one. It returns the
// reader's final error (io.EOF at a clean end) and line count.
func readLines(name string, lr *lineReader, h Handler, opts Options, st *Stats, ps *PartStats) (error, int) {
	var l line
	for {
		rerr := lr.next(&l)
		if l.No > 0 && (l.Data != nil || l.Dropped) {
			ps.Lines++
			if handleLineWith(name, &l, h, nil, opts, st, rerr != nil || l.NoNewline) {
				ps.Events++
				st.Events++
			}
		}
		if rerr != nil {
			return rerr, lr.lineNo
		}
	}
}

// handleLineWith decodes one line and reports whether it counted as an
// event. atEnd is set for the last line of a part that had no newline (or
// that the decoder cut): if it does not parse, the log was cut in the middle
// of it. d is the line's predecoded holder (nil when not predecoded).
func handleLineWith(file string, l *line, h Handler, d any, opts Options, st *Stats, atEnd bool) bool {
	skip := func(msg string) bool {
		st.SkippedLines++
		st.problem(opts.MaxProblems, Problem{File: file, Line: l.No, Msg: msg})
		return false
	}
	if l.NoEvent {
		return skip(fmt.Sprintf(`line of %d bytes with no "Event" key in its first MiB: skipped`, l.Size))
	}
	if l.TooLong {
		return skip(fmt.Sprintf("line of %d bytes exceeds --max-line-size (%s): skipped", l.Size, mib(opts.MaxLineBytes)))
	}
	if l.Dropped {
		// Read through without decoding: count it when it has the shape of
		// a complete JSON object.
		if l.LastByte != '}' {
			if atEnd {
				st.Truncated = true
				return skip("last line cut off (incomplete event): skipped")
			}
			return skip("malformed line (not a complete JSON object): skipped")
		}
		if l.Kind == KindUnknown {
			st.unknown(string(l.Name))
		}
		return true
	}
	kind := l.Kind
	if l.Name == nil {
		// No {"Event":"...  prefix: find the key the slow way.
		var ae anyEvent
		if err := json.Unmarshal(l.Data, &ae); err != nil || ae.Event == "" {
			if atEnd {
				st.Truncated = true
				return skip("last line cut off (incomplete event): skipped")
			}
			if err != nil {
				return skip("malformed JSON: " + shortErr(err))
			}
			return skip(`JSON object without an "Event" key: skipped`)
		}
		kind = KindOf([]byte(ae.Event))
		if kind == KindUnknown || !h.Wants(kind) {
			if kind == KindUnknown {
				st.unknown(ae.Event)
			}
			return true
		}
	} else if kind == KindUnknown {
		if !json.Valid(l.Data) {
			if atEnd {
				st.Truncated = true
				return skip("last line cut off (incomplete event): skipped")
			}
			return skip("malformed JSON: skipped")
		}
		st.unknown(string(l.Name))
		return true
	}
	var err error
	if d != nil {
		err = h.(Predecoder).HandleDecoded(kind, l.Data, d)
	} else {
		err = h.Handle(kind, l.Data)
	}
	if err != nil {
		if atEnd {
			st.Truncated = true
			return skip("last line cut off (incomplete " + kind.String() + " event): skipped")
		}
		return skip("malformed " + kind.String() + " event: " + shortErr(err))
	}
	return true
}

func (s *Stats) unknown(name string) {
	if _, ok := s.UnknownEvents[name]; ok || len(s.UnknownEvents) < maxUnknownNames {
		s.UnknownEvents[name]++
	}
}

// mib formats a byte count in MiB when it is a whole number of them.
func mib(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// UnknownEventNames returns the unknown event names, sorted.
func (s *Stats) UnknownEventNames() []string {
	names := make([]string, 0, len(s.UnknownEvents))
	for n := range s.UnknownEvents {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
