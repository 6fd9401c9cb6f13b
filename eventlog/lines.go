package eventlog

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// lineReader splits a decoded event stream into lines with bounded memory.
//
// A line that fits in the reader's buffer (1 MiB) is returned in place. A
// longer line is classified from its first buffer: its "Event" is read off
// the {"Event":"... prefix or, failing that, found among the top-level keys
// of the object the buffer starts (topLevelEventName). Only a line of an
// event the caller wants is kept, and then without the white space between
// tokens and with its long strings shortened (compactor), up to max bytes;
// every other long line (unwanted, not an object, no "Event" key in its
// first buffer, or over max once shortened) is read through in chunks and
// dropped. So a line of any size and shape costs at most max bytes, and
// only an event we decode costs more than the buffer.
type lineReader struct {
	br     *bufio.Reader
	buf    []byte
	lineNo int
	max    int
	// wanted reports whether a line whose "Event" is name must be kept
	// whole. A short line whose prefix has no recognisable name is always
	// kept (up to max): the caller decodes it to find the key.
	wanted func(k Kind, name []byte) bool
	comp   compactor
	// BOM is set when the part began with a UTF-8 byte-order mark, which
	// was dropped.
	BOM bool
}

// line is one line of the stream. Data is valid until the next call to next.
type line struct {
	Data      []byte // without the trailing newline (and \r)
	No        int    // 1-based line number in this part
	Kind      Kind
	Name      []byte // "Event" value when read off the prefix; may alias Data
	Dropped   bool   // read through without keeping it (unwanted or too long)
	TooLong   bool   // dropped because it exceeded the cap
	NoEvent   bool   // a long line dropped because its first buffer names no event
	Size      int64  // length of the whole line
	LastByte  byte   // last non-space byte of the line, for a cheap shape check
	NoNewline bool   // the stream ended before a newline
	// Own is set when Data is the reader's own buffer (a long line): the
	// caller may keep it with detach instead of copying it.
	Own bool
}

const readerBufSize = 1 << 20

func newLineReader(r io.Reader, max int, wanted func(Kind, []byte) bool) *lineReader {
	return newLineReaderSize(r, readerBufSize, max, wanted)
}

// newLineReaderSize is newLineReader with another buffer size, for tests
// that need long lines without megabytes of data.
func newLineReaderSize(r io.Reader, size, max int, wanted func(Kind, []byte) bool) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, size), max: max, wanted: wanted}
}

func (lr *lineReader) reset(r io.Reader) {
	lr.br.Reset(r)
	lr.lineNo = 0
	lr.BOM = false
}

// detach hands the buffer of the last line (one with Own set) over to the
// caller: the reader starts a new buffer for the next long line.
func (lr *lineReader) detach() []byte {
	b := lr.buf
	lr.buf = nil
	return b
}

// next returns the next non-empty line. err is io.EOF at a clean end and the
// underlying error (after any data it delivered) otherwise; a line returned
// together with a non-nil error has NoNewline set.
func (lr *lineReader) next(l *line) error {
	if cap(lr.buf) > 4*readerBufSize {
		lr.buf = nil // the previous line was huge: give its room back
	}
	for {
		*l = line{}
		lr.lineNo++
		l.No = lr.lineNo
		if lr.lineNo == 1 {
			lr.skipBOM()
		}
		chunk, err := lr.br.ReadSlice('\n')
		if err == nil || (err != bufio.ErrBufferFull) {
			// Common case: the whole line fits in the buffer.
			data := trimEOL(chunk)
			if len(bytes.TrimSpace(data)) == 0 {
				if err != nil {
					return err
				}
				continue
			}
			l.Data = data
			l.Size = int64(len(data))
			l.NoNewline = err != nil
			lr.classify(l, data)
			if lr.wanted != nil && !lr.wanted(l.Kind, l.Name) {
				l.Dropped = true
			}
			if len(data) > lr.max {
				l.Data, l.Dropped, l.TooLong = nil, true, true
			}
			if err != nil && errors.Is(err, io.EOF) {
				return nil // deliver the unterminated last line; EOF comes next call
			}
			return err
		}
		return lr.long(l, chunk)
	}
}

// long reads the rest of a line whose first bufferful is chunk.
func (lr *lineReader) long(l *line, chunk []byte) error {
	lr.classify(l, chunk)
	if l.Name == nil {
		if name, ok := topLevelEventName(chunk); ok {
			l.Name = name
			l.Kind = KindOf(name)
		}
	}
	keep := lr.wanted == nil || (l.Name != nil && lr.wanted(l.Kind, l.Name))
	if l.Name == nil {
		l.NoEvent = true
	}
	if keep {
		lr.comp.reset()
		lr.buf = lr.comp.write(growFor(lr.buf[:0], len(chunk), lr.max), chunk)
		l.Name = nil // chunk is about to be overwritten
	} else {
		l.Dropped = true
		l.Name = append([]byte(nil), l.Name...)
	}
	var err error = bufio.ErrBufferFull
	size := int64(len(chunk))
	last := chunk
	var prevLast byte // last byte of the chunk before
	for err == bufio.ErrBufferFull {
		if keep && len(lr.buf) > lr.max {
			keep = false
			lr.buf = nil // give the room back at once
		}
		prevLast = chunk[len(chunk)-1]
		chunk, err = lr.br.ReadSlice('\n')
		size += int64(len(chunk))
		if len(bytes.TrimSpace(chunk)) > 0 {
			last = chunk
		}
		if keep {
			lr.buf = lr.comp.write(growFor(lr.buf, len(chunk), lr.max), chunk)
		}
	}
	// The line's end, "\n", "\r\n" or "\r" at the end of the stream,
	// may straddle two chunks.
	eol := len(chunk) - len(trimEOL(chunk))
	if eol == len(chunk) && prevLast == '\r' && (len(chunk) == 0 || chunk[0] == '\n') {
		eol++
	}
	size -= int64(eol)
	l.Size = size
	l.LastByte = lastNonSpace(last)
	l.NoNewline = err != nil
	if keep && len(lr.buf) > lr.max {
		keep = false
		lr.buf = nil
	}
	switch {
	case keep:
		l.Data = trimEOL(lr.buf)
		l.Own = true
		if name, ok := eventName(l.Data); ok {
			l.Name, l.Kind = name, KindOf(name)
		} else if name, ok := topLevelEventName(l.Data[:min(len(l.Data), lr.br.Size())]); ok {
			l.Name, l.Kind = name, KindOf(name)
		}
	case l.Size > int64(lr.max):
		l.Dropped, l.TooLong = true, true
	default:
		l.Dropped = true
	}
	if err != nil && errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// growFor returns b with room for n more bytes. It doubles b's capacity,
// but once that passes a sixteenth of limit it goes straight to the most a
// kept line can need (limit plus a chunk), so that a line at the cap costs
// little more than the cap at the peak, not twice it. (The pages of a
// large buffer are touched only as they are written.)
func growFor(b []byte, n, limit int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	c := 2 * cap(b)
	if c > limit/16 {
		c = limit + readerBufSize
	}
	c = max(c, len(b)+n, 64<<10)
	nb := make([]byte, len(b), c)
	copy(nb, b)
	return nb
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// skipBOM drops a UTF-8 byte-order mark at the start of a part (editors
// on Windows add one); otherwise line 1, the log-start event, would not
// parse.
func (lr *lineReader) skipBOM() {
	if p, _ := lr.br.Peek(len(utf8BOM)); bytes.Equal(p, utf8BOM) {
		lr.br.Discard(len(utf8BOM))
		lr.BOM = true
	}
}

func (lr *lineReader) classify(l *line, data []byte) {
	l.LastByte = lastNonSpace(data)
	if name, ok := eventName(data); ok {
		l.Name = name
		l.Kind = KindOf(name)
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

func lastNonSpace(b []byte) byte {
	for i := len(b) - 1; i >= 0; i-- {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b[i]
	}
	return 0
}
