package baseline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"time"
)

// ErrDamaged is wrapped by every error that says the store file is damaged
// (cut short, overwritten, not a bbolt file at all). The store cannot be
// repaired in place: move it aside and rebuild it from the logs (see
// Damaged.Error for the commands).
var ErrDamaged = errors.New("the baseline store is damaged")

// DamagedError says where a store is damaged and how to recover.
type DamagedError struct {
	Path   string
	Detail string
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("baseline store %s is damaged (%s).\n"+
		"It cannot be repaired in place: move it aside and rebuild it from the logs, e.g.\n"+
		"  mv %s %s.damaged\n"+
		"  sparkdiag review -q --baseline %s LOG_DIR...",
		e.Path, e.Detail, e.Path, e.Path, e.Path)
}

func (e *DamagedError) Unwrap() error { return ErrDamaged }

func damaged(path, format string, args ...any) error {
	return &DamagedError{Path: path, Detail: fmt.Sprintf(format, args...)}
}

// The on-disk layout of a bbolt file (go.etcd.io/bbolt, format version 2),
// as far as the check below needs it. Integers are in the machine's byte
// order, as bbolt writes them.
const (
	pageHeaderSize = 16 // id u64, flags u16, count u16, overflow u32
	elemSize       = 16 // branch: pos u32, ksize u32, pgid u64; leaf: flags u32, pos u32, ksize u32, vsize u32
	bucketHeader   = 16 // root pgid u64, sequence u64

	branchPage   = 0x01
	leafPage     = 0x02
	metaPage     = 0x04
	freelistPage = 0x10
	bucketLeaf   = 0x01

	boltMagic   = 0xED0CDAED
	boltVersion = 2
	noFreelist  = ^uint64(0)

	metaSize = 64 // magic, version, pageSize, flags, root (16), freelist, pgid, txid, checksum

	maxDepth = 64 // a B+tree of a baseline store is never this deep
)

var ne = binary.NativeEndian

type meta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	hwm      uint64 // high-water mark: pages [0, hwm) are in use or free
	txid     uint64
}

func parseMeta(b []byte) (meta, error) {
	if len(b) < pageHeaderSize+metaSize {
		return meta{}, errors.New("meta page cut short")
	}
	if ne.Uint16(b[8:])&metaPage == 0 {
		return meta{}, errors.New("not a meta page")
	}
	m := b[pageHeaderSize : pageHeaderSize+metaSize]
	if ne.Uint32(m[0:]) != boltMagic {
		return meta{}, errors.New("no bbolt magic number")
	}
	if v := ne.Uint32(m[4:]); v != boltVersion {
		return meta{}, fmt.Errorf("bbolt format version %d", v)
	}
	h := fnv.New64a()
	h.Write(m[:56])
	if h.Sum64() != ne.Uint64(m[56:]) {
		return meta{}, errors.New("meta page checksum mismatch")
	}
	return meta{pageSize: ne.Uint32(m[8:]), root: ne.Uint64(m[16:]), freelist: ne.Uint64(m[32:]),
		hwm: ne.Uint64(m[40:]), txid: ne.Uint64(m[48:])}, nil
}

// checkFile walks the whole bbolt file at path with plain reads (no
// memory map, so a cut file cannot fault) and returns a *DamagedError when
// it is not sound: both meta pages valid, every page the tree reaches
// inside the file and of the right type, every element inside its page,
// keys in order, no page reached twice, every page accounted for as used
// or free. An empty file gives its own clear error. It is what Open runs
// before it hands the file to bbolt, whose reads of a memory-mapped page
// that does not exist fault, and whose page assertions panic.
func checkFile(path string, wait time.Duration) (err error) {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	unlock, err := lockShared(f, wait)
	if err != nil {
		return err
	}
	defer unlock()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	defer func() {
		// The walk checks every offset; this is for a case it misses.
		if r := recover(); r != nil {
			err = damaged(path, "%v", r)
		}
	}()
	return checkReader(f, fi.Size(), path)
}

// errEmpty is returned for a file of 0 bytes.
var errEmpty = errors.New("empty")

func checkReader(r io.ReaderAt, size int64, path string) error {
	if size == 0 {
		return errEmpty
	}
	// Meta page 0 gives the page size; meta page 1 follows it.
	head := make([]byte, pageHeaderSize+metaSize)
	if n, _ := r.ReadAt(head, 0); n < len(head) {
		return damaged(path, "the file is %d bytes, too short for a baseline store", size)
	}
	m0, err := parseMeta(head)
	if err != nil {
		return damaged(path, "meta page 0: %v", err)
	}
	ps := int64(m0.pageSize)
	if ps < 512 || ps > 1<<20 || ps&(ps-1) != 0 {
		return damaged(path, "meta page 0: page size %d", ps)
	}
	if size < 2*ps {
		return damaged(path, "the file is %d bytes, shorter than its two meta pages", size)
	}
	if n, _ := r.ReadAt(head, ps); n < len(head) {
		return damaged(path, "meta page 1 cannot be read")
	}
	m1, err := parseMeta(head)
	if err != nil {
		return damaged(path, "meta page 1: %v", err)
	}
	if m1.pageSize != m0.pageSize {
		return damaged(path, "the meta pages disagree on the page size (%d, %d)", m0.pageSize, m1.pageSize)
	}
	m := m0
	if m1.txid > m0.txid {
		m = m1
	}
	if m.hwm < 4 || m.hwm > uint64(size/ps) {
		return damaged(path, "the file is %d bytes but its pages reach %d bytes (cut short?)", size, m.hwm*uint64(ps))
	}
	c := &checker{r: r, ps: ps, hwm: m.hwm, path: path, seen: map[uint64]bool{}, free: map[uint64]bool{},
		budget: size/elemSize + 1}
	if m.freelist != noFreelist {
		if err := c.freelist(m.freelist); err != nil {
			return err
		}
	}
	if err := c.bucket(m.root, nil, 0); err != nil {
		return err
	}
	for id := uint64(2); id < m.hwm && m.freelist != noFreelist; id++ { // without a free list, free pages are not listed
		if !c.seen[id] && !c.free[id] {
			return damaged(path, "page %d is neither used nor free", id)
		}
	}
	return nil
}

type checker struct {
	r    io.ReaderAt
	ps   int64
	hwm  uint64
	path string
	seen map[uint64]bool // pages reached (tree and freelist)
	free map[uint64]bool
	// budget is how many more elements the walk may visit: every element
	// takes 16 bytes of the file, so a sound file has at most size/16.
	// Inline buckets are not pages, so elements that overlap could
	// otherwise make the walk exponential.
	budget int64
}

// page reads page id with its overflow pages, marking them as seen.
func (c *checker) page(id uint64, want uint16) ([]byte, error) {
	if id < 2 || id >= c.hwm {
		return nil, damaged(c.path, "page %d is outside the file's %d pages", id, c.hwm)
	}
	hdr := make([]byte, pageHeaderSize)
	if _, err := c.r.ReadAt(hdr, int64(id)*c.ps); err != nil {
		return nil, damaged(c.path, "page %d: %v", id, err)
	}
	if got := ne.Uint64(hdr); got != id {
		return nil, damaged(c.path, "page %d says it is page %d", id, got)
	}
	if fl := ne.Uint16(hdr[8:]); fl&want == 0 || fl&^(branchPage|leafPage|metaPage|freelistPage) != 0 {
		return nil, damaged(c.path, "page %d has type %#x", id, fl)
	}
	over := uint64(ne.Uint32(hdr[12:]))
	if over >= c.hwm-id {
		return nil, damaged(c.path, "page %d runs past the end of the file", id)
	}
	for i := id; i <= id+over; i++ {
		if c.seen[i] {
			return nil, damaged(c.path, "page %d is reached twice", i)
		}
		if c.free[i] {
			return nil, damaged(c.path, "page %d is both used and free", i)
		}
		c.seen[i] = true
	}
	b := make([]byte, int64(over+1)*c.ps)
	if _, err := c.r.ReadAt(b, int64(id)*c.ps); err != nil {
		return nil, damaged(c.path, "page %d: %v", id, err)
	}
	return b, nil
}

func (c *checker) freelist(id uint64) error {
	b, err := c.page(id, freelistPage)
	if err != nil {
		return err
	}
	n, off := uint64(ne.Uint16(b[10:])), pageHeaderSize
	if n == 0xFFFF {
		if len(b) < pageHeaderSize+8 {
			return damaged(c.path, "freelist page %d cut short", id)
		}
		n, off = ne.Uint64(b[pageHeaderSize:]), pageHeaderSize+8
	}
	if n > uint64(len(b)-off)/8 {
		return damaged(c.path, "freelist page %d lists %d pages, more than it holds", id, n)
	}
	for i := uint64(0); i < n; i++ {
		p := ne.Uint64(b[off+int(i)*8:])
		if p < 2 || p >= c.hwm || c.free[p] || c.seen[p] {
			return damaged(c.path, "freelist page %d lists page %d wrongly", id, p)
		}
		c.free[p] = true
	}
	return nil
}

// bucket checks a bucket whose header is hdr's root (a page), or, for an
// inline bucket (root 0), the page held in inline.
func (c *checker) bucket(root uint64, inline []byte, depth int) error {
	if depth > maxDepth {
		return damaged(c.path, "buckets nested too deep")
	}
	if root == 0 {
		if len(inline) < pageHeaderSize {
			return damaged(c.path, "inline bucket cut short")
		}
		if ne.Uint16(inline[8:])&leafPage == 0 {
			return damaged(c.path, "inline bucket is not a leaf")
		}
		_, err := c.elements(inline, "inline bucket", nil, nil, depth)
		return err
	}
	_, err := c.node(root, nil, nil, depth, 0)
	return err
}

// node checks the subtree at page id, whose keys must be >= lo and, unless
// hi is nil, < hi. It returns the subtree's first key.
func (c *checker) node(id uint64, lo, hi []byte, depth, level int) ([]byte, error) {
	if level > maxDepth {
		return nil, damaged(c.path, "tree too deep at page %d", id)
	}
	b, err := c.page(id, branchPage|leafPage)
	if err != nil {
		return nil, err
	}
	if ne.Uint16(b[8:])&leafPage != 0 {
		return c.elements(b, fmt.Sprintf("page %d", id), lo, hi, depth)
	}
	n := int(ne.Uint16(b[10:]))
	if n == 0 || pageHeaderSize+n*elemSize > len(b) {
		return nil, damaged(c.path, "branch page %d has %d elements", id, n)
	}
	var first, prev []byte
	for i := 0; i < n; i++ {
		e := pageHeaderSize + i*elemSize
		key, err := c.span(b, e, ne.Uint32(b[e:]), ne.Uint32(b[e+4:]), 0, id)
		if err != nil {
			return nil, err
		}
		if (prev != nil && bytes.Compare(key, prev) <= 0) || bytes.Compare(key, lo) < 0 || (hi != nil && bytes.Compare(key, hi) >= 0) {
			return nil, damaged(c.path, "branch page %d: keys out of order", id)
		}
		next := hi
		if i+1 < n {
			e2 := pageHeaderSize + (i+1)*elemSize
			if next, err = c.span(b, e2, ne.Uint32(b[e2:]), ne.Uint32(b[e2+4:]), 0, id); err != nil {
				return nil, err
			}
		}
		// The child's keys lie between this key and the next.
		if _, err := c.node(ne.Uint64(b[e+8:]), key, next, depth, level+1); err != nil {
			return nil, err
		}
		if i == 0 {
			first = key
		}
		prev = key
	}
	return first, nil
}

// elements checks the elements of a leaf page b (a page of the file or an
// inline bucket) and the buckets they hold; it returns the first key.
func (c *checker) elements(b []byte, what string, lo, hi []byte, depth int) ([]byte, error) {
	n := int(ne.Uint16(b[10:]))
	if pageHeaderSize+n*elemSize > len(b) {
		return nil, damaged(c.path, "%s has more elements (%d) than it holds", what, n)
	}
	if c.budget -= int64(n); c.budget < 0 {
		return nil, damaged(c.path, "%s: elements overlap", what)
	}
	var first, prev []byte
	for i := 0; i < n; i++ {
		e := pageHeaderSize + i*elemSize
		flags, pos, ks, vs := ne.Uint32(b[e:]), ne.Uint32(b[e+4:]), ne.Uint32(b[e+8:]), ne.Uint32(b[e+12:])
		kv, err := c.span(b, e, pos, ks, vs, 0)
		if err != nil {
			return nil, damaged(c.path, "%s: element %d lies outside it", what, i)
		}
		key, val := kv[:ks], kv[ks:]
		if (prev != nil && bytes.Compare(key, prev) <= 0) || bytes.Compare(key, lo) < 0 || (hi != nil && bytes.Compare(key, hi) >= 0) {
			return nil, damaged(c.path, "%s: keys out of order", what)
		}
		if flags&^bucketLeaf != 0 {
			return nil, damaged(c.path, "%s: element %d has flags %#x", what, i, flags)
		}
		if flags&bucketLeaf != 0 {
			if len(val) < bucketHeader {
				return nil, damaged(c.path, "%s: bucket %d cut short", what, i)
			}
			if err := c.bucket(ne.Uint64(val), val[bucketHeader:], depth+1); err != nil {
				return nil, err
			}
		}
		if i == 0 {
			first = key
		}
		prev = key
	}
	return first, nil
}

// span returns the key (and value) of an element at offset e of b, whose
// data starts pos bytes after the element.
func (c *checker) span(b []byte, e int, pos, ks, vs uint32, id uint64) ([]byte, error) {
	start := uint64(e) + uint64(pos)
	end := start + uint64(ks) + uint64(vs)
	if start < pageHeaderSize || end > uint64(len(b)) {
		return nil, damaged(c.path, "page %d: an element lies outside its page", id)
	}
	return b[start:end], nil
}
