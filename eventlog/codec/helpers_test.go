package codec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// fixtureDir holds the real-Spark event logs made by generate.sh.
const fixtureDir = "../../testdata/codecs"

// fixture is one real-Spark event log.
type fixture struct {
	file    string
	codec   Codec
	version string // Spark version in SparkListenerLogStart
	lines   int    // JSON lines (events) in the decoded log
}

// fixtures lists the generated logs. Line counts were recorded from the
// decoded files; regenerating the fixtures may change them.
var fixtures = []fixture{
	{"spark-3.5.9.lz4", LZ4, "3.5.9", 31},
	{"spark-3.5.9.lzf", LZF, "3.5.9", 31},
	{"spark-3.5.9.snappy", Snappy, "3.5.9", 31},
	{"spark-3.5.9.zstd", Zstd, "3.5.9", 31},
	{"spark-3.5.9.plain", Plain, "3.5.9", 31},
	{"spark-4.3.0.lz4", LZ4, "4.3.0", 32},
	{"spark-4.3.0.lzf", LZF, "4.3.0", 32},
	{"spark-4.3.0.snappy", Snappy, "4.3.0", 32},
	{"spark-4.3.0.zstd", Zstd, "4.3.0", 32},
	{"spark-4.3.0.plain", Plain, "4.3.0", 32},
}

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, name))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// gzipFixture gzips a plain fixture as several concatenated members (as
// Databricks rolled logs may be) and returns the data and the member ends.
func gzipFixture(tb testing.TB, plainName string, members int) ([]byte, []boundary) {
	tb.Helper()
	plain := readFixture(tb, plainName)
	var out bytes.Buffer
	var ends []boundary
	step := len(plain)/members + 1
	for start := 0; start < len(plain); start += step {
		end := min(start+step, len(plain))
		zw := gzip.NewWriter(&out)
		if _, err := zw.Write(plain[start:end]); err != nil {
			tb.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			tb.Fatal(err)
		}
		ends = append(ends, boundary{off: out.Len(), decoded: end})
	}
	return out.Bytes(), ends
}

// decodeAll reads r to the end and returns the data and the final error,
// io.EOF included. It gives up (as an error) after far more reads than any
// valid input could need, so that a decoder that loops is caught.
func decodeAll(r io.Reader, bufLen int) ([]byte, error) {
	var out []byte
	buf := make([]byte, bufLen)
	for zeros := 0; ; {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out, err
		}
		if n == 0 {
			zeros++
			if zeros > 1000 {
				return out, fmt.Errorf("reader returned (0, nil) %d times", zeros)
			}
		}
	}
}

// decodeBytes runs NewReader over data and reads everything.
func decodeBytes(data []byte, hint Codec, opts Options) ([]byte, Codec, error) {
	r, c, err := NewReader(bytes.NewReader(data), hint, opts)
	if err != nil {
		return nil, c, err
	}
	defer r.Close()
	out, err := decodeAll(r, 4096)
	return out, c, err
}

// boundary is the end of a complete block/chunk/frame/member in the
// compressed data and the decoded length of everything up to it.
type boundary struct {
	off     int
	decoded int
}

// blockEnds walks the framing of a compressed stream independently of the
// decoders under test and returns the end of every complete block. The
// first boundary is {0, 0}.
func blockEnds(tb testing.TB, c Codec, data []byte) []boundary {
	tb.Helper()
	ends := []boundary{{0, 0}}
	decoded := 0
	add := func(off, n int) {
		decoded += n
		ends = append(ends, boundary{off, decoded})
	}
	switch c {
	case LZ4:
		for off := 0; off < len(data); {
			compLen := int(binary.LittleEndian.Uint32(data[off+9:]))
			rawLen := int(binary.LittleEndian.Uint32(data[off+13:]))
			off += 21 + compLen
			add(off, rawLen)
		}
	case LZF:
		for off := 0; off < len(data); {
			n := int(binary.BigEndian.Uint16(data[off+3:]))
			if data[off+2] == 0 {
				off += 5 + n
				add(off, n)
			} else {
				raw := int(binary.BigEndian.Uint16(data[off+5:]))
				off += 7 + n
				add(off, raw)
			}
		}
	case Snappy:
		for off := 0; off < len(data); {
			if bytes.HasPrefix(data[off:], magicSnappy) {
				off += 16
				add(off, 0)
				continue
			}
			n := int(binary.BigEndian.Uint32(data[off:]))
			raw, err := snappy.DecodedLen(data[off+4 : off+4+n])
			if err != nil {
				tb.Fatal(err)
			}
			off += 4 + n
			add(off, raw)
		}
	case Zstd:
		dec, err := zstd.NewReader(nil)
		if err != nil {
			tb.Fatal(err)
		}
		defer dec.Close()
		for off := 0; off < len(data); {
			end := zstdFrameEnd(tb, data, off)
			out, err := dec.DecodeAll(data[off:end], nil)
			if err != nil {
				tb.Fatalf("frame at %d: %v", off, err)
			}
			off = end
			add(off, len(out))
		}
	default:
		tb.Fatalf("blockEnds: no framing walker for %q", c)
	}
	return ends
}

// zstdFrameEnd returns the end offset of the zstd frame starting at off,
// following RFC 8878 (frame header, 3-byte block headers, optional checksum).
func zstdFrameEnd(tb testing.TB, data []byte, off int) int {
	tb.Helper()
	if isZstdSkippable(data[off:]) {
		return off + 8 + int(binary.LittleEndian.Uint32(data[off+4:]))
	}
	if !bytes.HasPrefix(data[off:], magicZstd) {
		tb.Fatalf("no zstd magic at %d", off)
	}
	p := off + 4
	fhd := data[p]
	p++
	single := fhd&0x20 != 0
	if !single {
		p++ // window descriptor
	}
	p += []int{0, 1, 2, 4}[fhd&3] // dictionary ID
	fcs := []int{0, 2, 4, 8}[fhd>>6]
	if fcs == 0 && single {
		fcs = 1
	}
	p += fcs
	for {
		h := int(data[p]) | int(data[p+1])<<8 | int(data[p+2])<<16
		p += 3
		size := h >> 3
		if (h>>1)&3 == 1 { // RLE block: one byte of content
			size = 1
		}
		p += size
		if h&1 != 0 {
			break
		}
	}
	if fhd&4 != 0 {
		p += 4 // content checksum
	}
	return p
}

// completeBefore returns the decoded length of the blocks that end at or
// before cut, and whether cut falls exactly on a block end.
func completeBefore(ends []boundary, cut int) (int, bool) {
	decoded, exact := 0, false
	for _, b := range ends {
		if b.off > cut {
			break
		}
		decoded = b.decoded
		exact = b.off == cut
	}
	return decoded, exact
}

// ---- test-only encoders, written to mimic the Java writers ----

// lz4Block appends one lz4-java block (header and payload) for data.
// method is lz4MethodRaw or lz4MethodLZ4; for LZ4 it falls back to raw when
// compression does not help, as LZ4BlockOutputStream does.
func lz4Block(dst, data []byte, method byte) []byte {
	// level = ceil(log2(block size)) - 10, at least 0: 5 for Spark's 32 KiB
	level := byte(max(0, bits.Len(uint(max(len(data), 1)-1))-10))
	payload := data
	if method == lz4MethodLZ4 && len(data) > 0 {
		buf := make([]byte, lz4.CompressBlockBound(len(data)))
		var c lz4.Compressor
		n, err := c.CompressBlock(data, buf)
		if err != nil {
			panic(err)
		}
		if n > 0 && n < len(data) {
			payload = buf[:n]
		} else {
			method = lz4MethodRaw
		}
	}
	if len(data) == 0 {
		method = lz4MethodRaw
	}
	sum := uint32(0)
	if len(data) > 0 {
		sum = xxh32(data, lz4ChecksumSeed) & lz4ChecksumMask
	}
	dst = append(dst, magicLZ4...)
	dst = append(dst, method|level)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(payload)))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(data)))
	dst = binary.LittleEndian.AppendUint32(dst, sum)
	return append(dst, payload...)
}

// lz4Stream encodes data as LZ4BlockOutputStream would with the given block
// size, including the empty end block.
func lz4Stream(data []byte, blockSize int) []byte {
	var out []byte
	for start := 0; start < len(data); start += blockSize {
		out = lz4Block(out, data[start:min(start+blockSize, len(data))], lz4MethodLZ4)
	}
	return lz4Block(out, nil, lz4MethodRaw)
}

// snappyHeader is the snappy-java stream header (version 1, compatible 1).
var snappyHeader = append(append([]byte{}, magicSnappy...), 0, 0, 0, 1, 0, 0, 0, 1)

// snappyStream encodes data as SnappyOutputStream would with the given chunk
// size.
func snappyStream(data []byte, chunk int) []byte {
	out := append([]byte{}, snappyHeader...)
	for start := 0; start < len(data); start += chunk {
		block := snappy.Encode(nil, data[start:min(start+chunk, len(data))])
		out = binary.BigEndian.AppendUint32(out, uint32(len(block)))
		out = append(out, block...)
	}
	return out
}

// lzfCompress is a simple greedy liblzf encoder with a one-entry hash table
// (literal runs of up to 32 bytes, back-references up to 8 KiB back and 264
// bytes long, overlapping when the data repeats).
func lzfCompress(data []byte) []byte {
	var out []byte
	lit := 0 // start of the pending literal run
	flush := func(end int) {
		for lit < end {
			n := min(end-lit, 32)
			out = append(out, byte(n-1))
			out = append(out, data[lit:lit+n]...)
			lit += n
		}
	}
	var table [1 << 13]int // last position+1 of each 3-byte hash
	for i := 0; i+2 < len(data); {
		h := (uint32(data[i])<<16 | uint32(data[i+1])<<8 | uint32(data[i+2])) * 2654435761 >> 19
		cand := table[h] - 1
		table[h] = i + 1
		dist := i - cand
		if cand < 0 || dist > 8192 || data[cand] != data[i] || data[cand+1] != data[i+1] || data[cand+2] != data[i+2] {
			i++
			continue
		}
		n := 3
		for n < 264 && i+n < len(data) && data[i+n] == data[cand+n] {
			n++
		}
		flush(i)
		out = lzfRef(out, n, dist)
		i += n
		lit = i
	}
	flush(len(data))
	return out
}

// lzfRef appends a liblzf back-reference of length n (3..264) to dist bytes
// back (1..8192).
func lzfRef(out []byte, n, dist int) []byte {
	l := n - 2
	d := dist - 1
	if l < 7 {
		return append(out, byte(l<<5|d>>8), byte(d))
	}
	return append(out, byte(7<<5|d>>8), byte(l-7), byte(d))
}

// lzfChunk appends an lzf chunk for data: compressed if that is smaller,
// stored otherwise (as ning's ChunkEncoder does).
func lzfChunk(out, data []byte) []byte {
	comp := lzfCompress(data)
	if len(comp) < len(data) {
		out = append(out, 'Z', 'V', lzfTypeCompressed)
		out = binary.BigEndian.AppendUint16(out, uint16(len(comp)))
		out = binary.BigEndian.AppendUint16(out, uint16(len(data)))
		return append(out, comp...)
	}
	out = append(out, 'Z', 'V', lzfTypeStored)
	out = binary.BigEndian.AppendUint16(out, uint16(len(data)))
	return append(out, data...)
}

// lzfStream encodes data as LZFOutputStream would with the given chunk size.
func lzfStream(data []byte, chunk int) []byte {
	var out []byte
	for start := 0; start < len(data); start += chunk {
		out = lzfChunk(out, data[start:min(start+chunk, len(data))])
	}
	return out
}

// zstdFrames encodes data as back-to-back zstd frames of frame bytes each,
// like Spark 3+ closing a frame on every flush.
func zstdFrames(tb testing.TB, data []byte, frame int) []byte {
	tb.Helper()
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	if err != nil {
		tb.Fatal(err)
	}
	defer enc.Close()
	var out []byte
	for start := 0; start < len(data); start += frame {
		out = enc.EncodeAll(data[start:min(start+frame, len(data))], out)
	}
	return out
}

func newGzipWriter(w io.Writer) *gzip.Writer { return gzip.NewWriter(w) }
