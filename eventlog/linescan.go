package eventlog

import (
	"bytes"
	"unicode/utf8"
)

// This file holds what the line reader uses on lines longer than its
// buffer, whose shape is unknown: finding the "Event" key in their first
// bytes, and shortening their long strings while they are read, so that a
// huge line never has to be held whole.

// topLevelEventName finds the value of the "Event" key of the JSON object
// that b starts (after a UTF-8 BOM and white space), wherever the key is
// among the object's members, without decoding the rest. b may be only the
// start of the line. ok is false when b does not start an object, when the
// key is not in b at the top level, or when its value is not a plain string
// (one without escapes) that ends in b.
func topLevelEventName(b []byte) (name []byte, ok bool) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	depth := 0
	for i < len(b) {
		switch c := b[i]; c {
		case '{', '[':
			depth++
			i++
		case '}', ']':
			depth--
			i++
			if depth <= 0 {
				return nil, false
			}
		case '"':
			end := stringEnd(b, i+1)
			if end < 0 {
				return nil, false
			}
			key := b[i+1 : end]
			i = skipSpace(b, end+1)
			if depth != 1 || i >= len(b) || b[i] != ':' {
				continue // a value, or a key of a nested object
			}
			if string(key) != "Event" {
				i++
				continue
			}
			i = skipSpace(b, i+1)
			if i >= len(b) || b[i] != '"' {
				return nil, false
			}
			end = stringEnd(b, i+1)
			if end < 0 || bytes.IndexByte(b[i+1:end], '\\') >= 0 {
				return nil, false
			}
			return b[i+1 : end], true
		default:
			i++
		}
	}
	return nil, false
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// stringEnd returns the index of the quote that closes the JSON string
// whose content starts at i, or -1 when b ends first.
func stringEnd(b []byte, i int) int {
	for i < len(b) {
		j := bytes.IndexAny(b[i:], `"\`)
		if j < 0 {
			return -1
		}
		i += j
		if b[i] == '"' {
			return i
		}
		i += 2 // a backslash and the byte it escapes
	}
	return -1
}

// Long strings of a long line are shortened to their first stringHead
// bytes, a marker, and their last stringTail to 2*stringTail bytes. The
// model keeps at most MaxCapped bytes of the strings that can be huge (both
// ends, for EndsString), so what it reads is unchanged.
const (
	stringHead = 256 << 10
	stringTail = 128 << 10
)

// elision marks where bytes of a shortened string were left out.
const elision = "…"

// compactor appends a line to a buffer piece by piece, leaving out the
// white space between JSON tokens and the middle of long strings. The line
// need not be valid JSON: whatever it is, the output has the same tokens
// as far as a JSON decoder is concerned, with long strings shortened. An
// escape sequence or a UTF-8 sequence is never cut.
type compactor struct {
	inStr   bool
	esc     bool // the previous byte was a backslash in a string
	uLeft   int  // hex digits of a \u escape still to come
	strLen  int  // bytes of the current string's content so far
	tailing bool // the string's head is full: its bytes go to the tail
	dropped bool // bytes of the current string were left out
	prev    []byte
	cur     []byte
	// shortened counts the strings shortened in this line.
	shortened int
}

func (c *compactor) reset() {
	c.inStr, c.esc, c.uLeft, c.strLen, c.tailing, c.dropped = false, false, 0, 0, false, false
	c.prev, c.cur = c.prev[:0], c.cur[:0]
	c.shortened = 0
}

// write appends the next piece of the line to dst.
func (c *compactor) write(dst, p []byte) []byte {
	for len(p) > 0 {
		if !c.inStr {
			j := bytes.IndexByte(p, '"')
			seg := p
			if j >= 0 {
				seg = p[:j]
			}
			dst = appendNoSpace(dst, seg)
			if j < 0 {
				return dst
			}
			dst = append(dst, '"')
			c.inStr, c.esc, c.uLeft, c.strLen, c.tailing, c.dropped = true, false, 0, 0, false, false
			p = p[j+1:]
			continue
		}
		if c.esc {
			// The byte after a backslash (c.esc keeps it with the
			// backslash), then maybe 4 hex digits.
			dst = c.content(dst, p[:1])
			c.esc = false
			if p[0] == 'u' {
				c.uLeft = 4
			}
			p = p[1:]
			continue
		}
		j := bytes.IndexAny(p, `"\`)
		if j < 0 {
			return c.content(dst, p)
		}
		dst = c.content(dst, p[:j])
		if p[j] == '"' {
			dst = c.closeString(dst)
			p = p[j+1:]
			continue
		}
		dst = c.content(dst, p[j:j+1])
		c.esc = true
		p = p[j+1:]
	}
	return dst
}

// appendNoSpace appends seg without its JSON white space.
func appendNoSpace(dst, seg []byte) []byte {
	if bytes.IndexAny(seg, " \t\r\n") < 0 {
		return append(dst, seg...)
	}
	for _, b := range seg {
		if !isSpace(b) {
			dst = append(dst, b)
		}
	}
	return dst
}

// content handles bytes inside a string (an escape sequence's included).
func (c *compactor) content(dst, p []byte) []byte {
	for len(p) > 0 {
		if !c.tailing {
			room := stringHead - c.strLen
			if len(p) <= room {
				c.strLen += len(p)
				c.uLeft = max(0, c.uLeft-len(p))
				return append(dst, p...)
			}
			k := safeCut(p, room, c.uLeft, c.esc)
			dst = append(dst, p[:k]...)
			c.strLen += k
			c.uLeft = max(0, c.uLeft-k)
			p = p[k:]
			if len(p) > 0 {
				c.tailing = true // p starts at a safe cut
			}
			continue
		}
		// Tail: keep the last stringTail to 2*stringTail bytes in two
		// buffers, starting a new one only at a safe cut.
		room := stringTail - len(c.cur)
		if len(p) <= room {
			c.cur = append(c.cur, p...)
			c.uLeft = max(0, c.uLeft-len(p))
			return dst
		}
		k := safeCut(p, room, c.uLeft, c.esc)
		c.cur = append(c.cur, p[:k]...)
		c.uLeft = max(0, c.uLeft-k)
		p = p[k:]
		if len(p) > 0 {
			// p starts at a safe cut: the full buffer becomes the
			// previous one, and the one before is left out.
			c.dropped = c.dropped || len(c.prev) > 0
			c.prev, c.cur = c.cur, c.prev[:0]
		}
	}
	return dst
}

// safeCut returns where to cut p, at or after want bytes, so that no
// escape sequence is split (uLeft hex digits of a \u escape are still due;
// esc: p starts with the byte a backslash escapes) and no UTF-8 sequence
// either: the byte after the cut starts a rune. It returns len(p) when there
// is no such place. A backslash always comes alone (see write), so a cut
// never separates it from the byte it escapes.
func safeCut(p []byte, want, uLeft int, esc bool) int {
	k := max(want, uLeft, 0)
	if esc {
		k = max(k, 1)
	}
	for k < len(p) && !utf8.RuneStart(p[k]) {
		k++
	}
	return min(k, len(p))
}

// closeString ends the current string: the kept tail, if any, after a
// marker, then the closing quote.
func (c *compactor) closeString(dst []byte) []byte {
	if c.tailing {
		if c.dropped {
			dst = append(dst, elision...)
			c.shortened++
		}
		dst = append(dst, c.prev...)
		dst = append(dst, c.cur...)
	}
	c.inStr, c.tailing, c.dropped = false, false, false
	c.prev, c.cur = c.prev[:0], c.cur[:0]
	return append(dst, '"')
}
