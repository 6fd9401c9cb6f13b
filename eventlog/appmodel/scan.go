package appmodel

import (
	"bytes"
	"encoding/binary"
)

// scanner is a small validating JSON scanner for the hot events (task start
// and end). It never allocates. It accepts only what the reference decoder
// (goccy/go-json into the eventlog structs) accepts and decodes the same
// values; whenever a line is outside the simple shapes it knows (escapes in
// a string it keeps, null where a value is kept, duplicate keys, keys that
// match a field only case-insensitively, ...) it gives up, and the line goes
// through the reference decoder. fastdecode_test.go checks both decoders
// agree on every task line of the corpus.
type scanner struct {
	b        []byte
	i        int
	keyStart int       // where the last object key began
	lastKey  []byte    // the last key members returned as memberExtra
	rec      *recorder // when set, values are recorded for a template
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, 0 at the end.
func (s *scanner) peek() byte {
	if s.i < len(s.b) && s.b[s.i] > ' ' {
		return s.b[s.i]
	}
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// eat consumes c (after spaces).
func (s *scanner) eat(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// null consumes a null literal.
func (s *scanner) null() bool {
	if s.peek() == 'n' && bytes.HasPrefix(s.b[s.i:], litNull) {
		s.i += 4
		return true
	}
	return false
}

var (
	litNull  = []byte("null")
	litTrue  = []byte("true")
	litFalse = []byte("false")
)

// more is called after a member or element: it consumes ',' (more) or the
// closing byte (done).
func (s *scanner) more(closing byte) (more, ok bool) {
	switch s.peek() {
	case ',':
		s.i++
		return true, true
	case closing:
		s.i++
		return false, true
	}
	return false, false
}

// plainString reads a string without escapes whose bytes are printable
// ASCII: the bytes are the decoded value.
func (s *scanner) plainString() ([]byte, bool) {
	if s.peek() != '"' {
		return nil, false
	}
	start := s.i + 1
	end := special(s.b, start, true)
	if end >= len(s.b) || s.b[end] != '"' {
		return nil, false
	}
	s.i = end + 1
	return s.b[start:end], true
}

const (
	lo7  = 0x0101010101010101
	hi7  = 0x8080808080808080
	x20  = 0x2020202020202020
	xq   = 0x2222222222222222 // "
	xbsl = 0x5c5c5c5c5c5c5c5c // \\
)

// special returns the index of the first byte at or after i that is a
// quote, a backslash or a control character (or, when ascii is set, not
// ASCII), or len(b). It looks at eight bytes at a time.
func special(b []byte, i int, ascii bool) int {
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q := x ^ xq
		bs := x ^ xbsl
		m := ((q - lo7) &^ q) | ((bs - lo7) &^ bs) | ((x - x20) &^ x)
		if ascii {
			m |= x
		}
		if m&hi7 != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		c := b[i]
		if c == '"' || c == '\\' || c < 0x20 || (ascii && c >= 0x80) {
			return i
		}
	}
	return i
}

// key reads an object key and its colon.
func (s *scanner) key() ([]byte, bool) {
	k, ok := s.plainString()
	if !ok || !s.eat(':') {
		return nil, false
	}
	return k, true
}

// skipString validates and skips a string.
func (s *scanner) skipString() bool {
	if s.peek() != '"' {
		return false
	}
	i := s.i + 1
	b := s.b
	for {
		i = special(b, i, false)
		if i >= len(b) {
			return false
		}
		switch c := b[i]; {
		case c == '"':
			s.i = i + 1
			return true
		case c < 0x20:
			return false
		default: // backslash
			i++
			if i >= len(b) {
				return false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if i+5 > len(b) {
					return false
				}
				for _, c := range b[i+1 : i+5] {
					if !isHex(c) {
						return false
					}
				}
				i += 5
			default:
				return false
			}
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// skipNumber validates and skips a number (JSON grammar).
func (s *scanner) skipNumber() bool {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i >= len(b) {
		return false
	}
	switch {
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	s.i = i
	return true
}

// skipValue validates and skips any value.
func (s *scanner) skipValue(depth int) bool {
	if depth > 64 {
		return false
	}
	switch c := s.peek(); {
	case c == '"':
		return s.skipString()
	case c == '{':
		s.i++
		if s.eat('}') {
			return true
		}
		for {
			if !s.skipString() || !s.eat(':') || !s.skipValue(depth+1) {
				return false
			}
			more, ok := s.more('}')
			if !ok {
				return false
			}
			if !more {
				return true
			}
		}
	case c == '[':
		s.i++
		if s.eat(']') {
			return true
		}
		for {
			if !s.skipValue(depth + 1) {
				return false
			}
			more, ok := s.more(']')
			if !ok {
				return false
			}
			if !more {
				return true
			}
		}
	case c == '-' || c >= '0' && c <= '9':
		return s.skipNumber()
	case c == 't':
		return s.lit(litTrue)
	case c == 'f':
		return s.lit(litFalse)
	case c == 'n':
		return s.lit(litNull)
	}
	return false
}

func (s *scanner) lit(l []byte) bool {
	if bytes.HasPrefix(s.b[s.i:], l) {
		s.i += len(l)
		return true
	}
	return false
}

// int reads an integer that fits int64: no fraction, no exponent (those
// are errors for the reference decoder's integer fields).
func (s *scanner) int() (int64, bool) {
	b, i := s.b, s.i
	if i < len(b) && b[i] <= ' ' {
		s.ws()
		i = s.i
	}
	if i+1 < len(b) && b[i] == '0' && b[i+1]-'0' > 9 && b[i+1] != '.' && b[i+1] != 'e' && b[i+1] != 'E' {
		s.i = i + 1 // 0, the commonest value
		return 0, true
	}
	neg := false
	if i < len(b) && b[i] == '-' {
		neg = true
		i++
	}
	start := i
	var u uint64
	// Eight digits at a time while they last (timestamps, nanoseconds).
	for i+8 <= len(b) && i-start < 16 && b[i+7]-'0' <= 9 {
		w := binary.LittleEndian.Uint64(b[i:])
		if !eightDigits(w) {
			break
		}
		u = u*100000000 + parseEight(w)
		i += 8
	}
	for i < len(b) {
		c := b[i] - '0'
		if c > 9 {
			break
		}
		if i-start >= 18 {
			return 0, false // may overflow: let the reference decoder decide
		}
		u = u*10 + uint64(c)
		i++
	}
	n := i - start
	if n == 0 || n > 18 || (n > 1 && b[start] == '0') {
		return 0, false
	}
	if i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E') {
		return 0, false
	}
	s.i = i
	if neg {
		return -int64(u), true
	}
	return int64(u), true
}

// eightDigits reports whether the eight bytes of w are ASCII digits.
func eightDigits(w uint64) bool {
	return (w&0xF0F0F0F0F0F0F0F0)|(((w+0x0606060606060606)&0xF0F0F0F0F0F0F0F0)>>4) == 0x3333333333333333
}

// parseEight converts eight ASCII digits (the first in the low byte).
func parseEight(w uint64) uint64 {
	w -= 0x3030303030303030
	w = (w * 10) + (w >> 8)
	w = (((w & 0x000000FF000000FF) * (100 + (1000000 << 32))) +
		(((w >> 16) & 0x000000FF000000FF) * (1 + (10000 << 32)))) >> 32
	return w
}

// boolean reads true or false.
func (s *scanner) boolean() (bool, bool) {
	switch s.peek() {
	case 't':
		return true, s.lit(litTrue)
	case 'f':
		return false, s.lit(litFalse)
	}
	return false, false
}

// rawValue skips a value and returns its bytes.
func (s *scanner) rawValue() ([]byte, bool) {
	s.ws()
	start := s.i
	if !s.skipValue(0) {
		return nil, false
	}
	return s.b[start:s.i], true
}

// end checks nothing but spaces follows the top-level value.
func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// lit is a literal expected on the line.
type lit struct {
	n int
	s string
}

func newLit(s string) lit { return lit{n: len(s), s: s} }

// at reports whether b holds the literal at i.
func (l *lit) at(b []byte, i int) bool {
	return len(b)-i >= l.n && string(b[i:i+l.n]) == l.s
}

// fields names the keys of one JSON object in the order Spark writes them,
// for a quick lookup: the key after the last one found is tried first.
type fields struct {
	names []string
	// first and comma are the names as Spark writes them: "name": for the
	// first member, ,"name": for the others.
	first, comma []lit
	// ignored marks the names that are no field of the decoded struct:
	// keys the reference decoder skips (they need no case-insensitive
	// check).
	ignored uint64
}

// expect consumes the key at hint when the line has it verbatim (quotes and
// colon, no spaces), as Spark writes it, and returns its index; -1 otherwise.
func (f *fields) expect(s *scanner, hint *int) int {
	h := *hint
	if h < len(f.first) && f.first[h].at(s.b, s.i) {
		s.i += f.first[h].n
		*hint = h + 1
		return h
	}
	return -1
}

// newFields lists the keys of an object; names starting with "-" are keys
// the reference decoder ignores.
func newFields(names ...string) fields {
	f := fields{}
	for i, n := range names {
		if n[0] == '-' {
			n = n[1:]
			f.ignored |= 1 << uint(i)
		}
		f.names = append(f.names, n)
	}
	names = f.names
	for _, n := range names {
		f.first = append(f.first, newLit(`"`+n+`":`))
		f.comma = append(f.comma, newLit(`,"`+n+`":`))
	}
	return f
}

// lookup returns the index of k in f.names, or -1; hint is the index to try
// first and is moved past the match.
func (f *fields) lookup(k []byte, hint *int) int {
	if h := *hint; h < len(f.names) && string(k) == f.names[h] {
		*hint = h + 1
		return h
	}
	for i, n := range f.names {
		if string(k) == n {
			*hint = i + 1
			return i
		}
	}
	return -1
}

// unknownOK reports whether a key matching no name can be skipped: the
// reference decoder would match it to a field case-insensitively.
func (f *fields) unknownOK(k []byte) bool {
	for i, n := range f.names {
		if f.ignored&(1<<uint(i)) == 0 && foldEqual(n, k) {
			return false
		}
	}
	return true
}

// foldEqual compares an ASCII name and key case-insensitively.
func foldEqual(n string, k []byte) bool {
	if len(n) != len(k) {
		return false
	}
	for i := 0; i < len(k); i++ {
		a, b := n[i], k[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}
