package appmodel

import (
	"encoding/binary"
	"sort"
)

// The string maps of executors (log links, YARN attributes) are kept
// packed: a long dynamic-allocation application adds hundreds of thousands
// of executors, and a map of nine short strings per executor costs a
// kilobyte. Keys and values are cut into tokens (runs of letters and
// digits, and single separators), each token is interned in the strtab,
// and a map is a run of varint token ids in the strtab's arena. Hosts,
// ports, users and key names then cost a byte or two; what is new per
// executor (a container number) costs one token.

// kvRef locates a packed map in the arena: offset+1, 0 for none.
type kvRef uint32

// isTokenSep reports whether c separates tokens.
func isTokenSep(c byte) bool {
	switch c {
	case '/', ':', '.', '_', '?', '=', '&', '-', ',', '@', ' ', '"', '\'', '[', ']', '(', ')', '{', '}':
		return true
	}
	return false
}

// packString appends s as a token count and the token ids.
func (t *strtab) packString(b []byte, s string) []byte {
	var ids [64]uint32
	toks := ids[:0]
	var long []uint32
	for i := 0; i < len(s); {
		j := i + 1
		if !isTokenSep(s[i]) {
			for j < len(s) && !isTokenSep(s[j]) {
				j++
			}
		}
		id := t.id(s[i:j])
		if len(toks) < cap(toks) {
			toks = append(toks, id)
		} else {
			long = append(long, id)
		}
		i = j
	}
	b = binary.AppendUvarint(b, uint64(len(toks)+len(long)))
	for _, id := range toks {
		b = binary.AppendUvarint(b, uint64(id))
	}
	for _, id := range long {
		b = binary.AppendUvarint(b, uint64(id))
	}
	return b
}

// pack stores m (keys in order) and returns its reference; 0 for nil.
func (t *strtab) pack(m map[string]string) kvRef {
	if m == nil {
		return 0
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	ref := kvRef(len(t.arena) + 1)
	t.arena = binary.AppendUvarint(t.arena, uint64(len(keys)))
	for _, k := range keys {
		t.arena = t.packString(t.arena, k)
		t.arena = t.packString(t.arena, m[k])
	}
	return ref
}

// unpack rebuilds the map of ref (nil for 0).
func (t *strtab) unpack(ref kvRef) map[string]string {
	if ref == 0 || t == nil || int(ref) > len(t.arena) {
		return nil
	}
	b := t.arena[ref-1:]
	n, k := binary.Uvarint(b)
	b = b[k:]
	m := make(map[string]string, n)
	str := func() string {
		c, k := binary.Uvarint(b)
		b = b[k:]
		if c == 1 {
			id, k := binary.Uvarint(b)
			b = b[k:]
			return t.get(uint32(id))
		}
		var out []byte
		for ; c > 0; c-- {
			id, k := binary.Uvarint(b)
			b = b[k:]
			out = append(out, t.get(uint32(id))...)
		}
		return string(out)
	}
	for ; n > 0; n-- {
		key := str()
		m[key] = str()
	}
	return m
}

// LogURLs are the executor's log links (stdout, stderr) from its
// executor-added event (for the driver: the application start's driver
// logs); nil when the log has none. Each call builds a new map.
func (e *Executor) LogURLs() map[string]string { return e.strs.unpack(e.logs) }

// Attributes are the executor's attributes (YARN: container id, node
// manager address, user, ...); nil when the log has none. Each call builds
// a new map.
func (e *Executor) Attributes() map[string]string { return e.strs.unpack(e.attrs) }
