package fleet

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// Fingerprint identifies what a log holds without reading it: its path,
// and for each part its name, size, modification time and the store's
// ETag or version. A log whose fingerprint has not changed since an
// earlier review holds the same events (Spark only ever appends to a log,
// rolls a new part, or rewrites a compacted one: each changes a part's
// size, time or version).
func Fingerprint(l *source.Log) string {
	h := sha256.New()
	var b [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(b[:], uint64(len(s)))
		h.Write(b[:])
		io.WriteString(h, s)
	}
	put("sparkdiag-log/1")
	put(l.Path)
	put(l.AppID)
	put(l.Attempt)
	put(strconv.FormatBool(l.InProgress))
	for _, p := range l.Parts {
		put(p.Name)
		put(strconv.FormatInt(p.Size, 10))
		if !p.ModTime.IsZero() {
			put(strconv.FormatInt(p.ModTime.UnixNano(), 10))
		} else {
			put("")
		}
		put(p.Version)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Previous holds the records of an earlier review (its JSON Lines), by
// the fingerprint of the log they were read from: an application whose log
// is unchanged is taken from there instead of being read again
// (incremental review).
type Previous struct {
	byPrint map[string][]byte // the record's JSON line
}

// LoadPrevious reads the JSON Lines of an earlier review. Records without
// a fingerprint (unreadable logs, reviews of older versions) are ignored,
// so those logs are read again.
func LoadPrevious(r io.Reader, name string) (*Previous, error) {
	p := &Previous{byPrint: map[string][]byte{}}
	err := ReadJSONL(r, name, func(rec *Record, line []byte) error {
		if rec.Status == StatusOK && rec.Input != nil && rec.Input.Fingerprint != "" {
			p.byPrint[rec.Input.Fingerprint] = bytes.Clone(line)
		}
		return nil
	})
	return p, err
}

// Len is the number of records that can be reused.
func (p *Previous) Len() int {
	if p == nil {
		return 0
	}
	return len(p.byPrint)
}

// take returns the earlier record of an unchanged log, or nil.
func (p *Previous) take(print string) *Record {
	if p == nil || print == "" {
		return nil
	}
	line, ok := p.byPrint[print]
	if !ok {
		return nil
	}
	var rec Record
	if err := json.Unmarshal(line, &rec); err != nil {
		return nil
	}
	rec.Rank = 0
	return &rec
}

// maxRecordLine bounds one JSON Lines record: a record holds a summary of
// each finding, far below this.
const maxRecordLine = 64 << 20

// ReadJSONL decodes review records, one JSON object per line, calling fn
// with each record and its line (valid only during the call). Blank lines
// are skipped; a line that is not a record is an error naming name and the
// line number.
func ReadJSONL(r io.Reader, name string, fn func(rec *Record, line []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxRecordLine)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		var rec Record
		if err := json.Unmarshal(line, &rec); err != nil {
			return fmt.Errorf("%s:%d: not a review record: %v", name, n, err)
		}
		if rec.Kind != "application" || rec.SchemaVersion == 0 {
			return fmt.Errorf("%s:%d: not a review record (want kind \"application\" with a schemaVersion; is it 'review --format jsonl' output?)", name, n)
		}
		if rec.SchemaVersion > SchemaVersion {
			return fmt.Errorf("%s:%d: record of schema version %d, newer than this sparkdiag reads (%d): upgrade sparkdiag", name, n, rec.SchemaVersion, SchemaVersion)
		}
		if err := fn(&rec, line); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: %w", name, n+1, err)
	}
	return nil
}

// Shard is one part of a review split across processes: the applications
// whose key hashes to Index modulo Count (0 <= Index < Count).
type Shard struct{ Index, Count int }

// ParseShard reads "i/N".
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return Shard{}, fmt.Errorf("--shard %q: want i/N with 0 <= i < N, such as 0/4 (a Kubernetes JOB_COMPLETION_INDEX is such an i)", s)
	}
	return Shard{i, n}, nil
}

// Has reports whether the item belongs to the shard. The key is the
// application ID read off the log's name when it has Spark's shape (so
// every attempt of an application lands in the same shard), else the
// log's path; it does not depend on the order or the number of inputs.
func (s Shard) Has(it *Item) bool {
	if s.Count <= 1 {
		return true
	}
	return int(hashKey(ShardKey(it))%uint64(s.Count)) == s.Index
}

// ShardKey is what Shard hashes for an item.
func ShardKey(it *Item) string {
	if it.Log != nil {
		if it.Log.AppID != "" {
			return it.Log.AppID
		}
		return it.Log.Path
	}
	return it.Name
}

func hashKey(k string) uint64 {
	h := fnv.New64a()
	io.WriteString(h, k)
	return h.Sum64()
}
