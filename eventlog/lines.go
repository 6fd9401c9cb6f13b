package eventlog

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// lineReader splits a decoded event stream into lines with bounded memory.
//
// A line is buffered whole only when the caller wants its event: lines of
// unwanted events (and lines longer than the cap) are read through in chunks
// and dropped, so a 1 GB line of an event we do not use costs one buffer.
type lineReader struct {
	br     *bufio.Reader
	buf    []byte
	lineNo int
	max    int
	// wanted reports whether a line whose "Event" is name must be kept
	// whole. A line whose prefix has no recognisable name is always kept
	// (up to max).
	wanted func(k Kind, name []byte) bool
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
	Size      int64  // length of the whole line
	LastByte  byte   // last non-space byte of the line, for a cheap shape check
	NoNewline bool   // the stream ended before a newline
}

const readerBufSize = 1 << 20

func newLineReader(r io.Reader, max int, wanted func(Kind, []byte) bool) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, readerBufSize), max: max, wanted: wanted}
}

func (lr *lineReader) reset(r io.Reader) {
	lr.br.Reset(r)
	lr.lineNo = 0
	lr.BOM = false
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
			if err != nil && errors.Is(err, io.EOF) {
				return nil // deliver the unterminated last line; EOF comes next call
			}
			return err
		}
		// Long line: decide from its prefix whether to keep it.
		lr.classify(l, chunk)
		keep := lr.wanted == nil || lr.wanted(l.Kind, l.Name)
		if keep {
			lr.buf = append(lr.buf[:0], chunk...)
			l.Name = nil // chunk is about to be overwritten
		} else {
			l.Dropped = true
			l.Name = append([]byte(nil), l.Name...)
		}
		size := int64(len(chunk))
		var last []byte = chunk
		for err == bufio.ErrBufferFull {
			chunk, err = lr.br.ReadSlice('\n')
			size += int64(len(chunk))
			if len(bytes.TrimSpace(chunk)) > 0 {
				last = chunk
			}
			if keep {
				if len(lr.buf)+len(chunk) > lr.max {
					keep = false
					l.Dropped = true
					l.TooLong = true
					lr.buf = lr.buf[:0]
					if cap(lr.buf) > 4*readerBufSize {
						lr.buf = nil // give a huge buffer back
					}
				} else {
					lr.buf = append(lr.buf, chunk...)
				}
			}
		}
		l.Size = size
		l.LastByte = lastNonSpace(last)
		l.NoNewline = err != nil
		if keep {
			l.Data = trimEOL(lr.buf)
			if l.Name == nil {
				if name, ok := eventName(l.Data); ok {
					l.Name = name
				}
			}
		} else {
			l.LastByte = lastNonSpace(last)
		}
		if err != nil && errors.Is(err, io.EOF) {
			return nil
		}
		return err
	}
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
