package codec

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// allocated runs f and returns the bytes it allocated on the heap.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// zstdBomb returns a zstd frame header (magic, descriptor, window
// descriptor or content size) followed by one small raw last block.
func zstdBomb(fhd byte, rest ...byte) []byte {
	b := append(append([]byte{}, magicZstd...), fhd)
	b = append(b, rest...)
	// last raw block of 5 bytes
	return append(b, 5<<3|1, 0, 0, 'h', 'e', 'l', 'l', 'o')
}

// TestBombs feeds headers that declare huge sizes. Each must give a
// *CorruptError (or a truncation) without allocating anything like the
// declared size.
func TestBombs(t *testing.T) {
	const limit = 100 << 20
	tests := []struct {
		name string
		data []byte
	}{
		{"lz4 4 GiB block", lz4Header(0x2F, 0xFFFFFFFF, 0xFFFFFFFF, 0)},
		{"lz4 4 GiB decoded from 1 KiB", cat(lz4Header(0x2F, 1024, 0xFFFFFFFF, 0), make([]byte, 1024))},
		{"snappy 2 GiB chunk", cat(snappyHeader, []byte{0x7F, 0xFF, 0xFF, 0xFF})},
		{"snappy 4 GiB decoded varint", cat(snappyHeader, []byte{0, 0, 0, 6, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0})},
		// Window descriptor 0xF8: 2^41 bytes (2 TiB).
		{"zstd 2 TiB window", zstdBomb(0x00, 0xF8)},
		// Window 2^30 (1 GiB), over the 64 MiB default.
		{"zstd 1 GiB window", zstdBomb(0x00, 0xA0)},
		// Single segment with an 8-byte content size of 2^40: window = 1 TiB.
		{"zstd single segment 1 TiB", zstdBomb(0xE0, 0, 0, 0, 0, 0, 1, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out []byte
			var err error
			n := allocated(func() { out, _, err = decodeBytes(tt.data, Unknown, DefaultOptions()) })
			if n > limit {
				t.Errorf("allocated %d MiB", n>>20)
			}
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Errorf("err = %v, want *CorruptError", err)
			}
			if len(out) != 0 {
				t.Errorf("got %d bytes", len(out))
			}
			t.Logf("%v (%d KiB allocated)", err, n>>10)
		})
	}
}

// TestLargeDeclaredBlockInShortFile: a header declaring a block within the
// limit, in a file far shorter than the block, must report truncation
// without allocating the declared size.
func TestLargeDeclaredBlockInShortFile(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"lz4 30 MiB raw block", cat(lz4Header(0x1F, 30<<20, 30<<20, 0), make([]byte, 1000))},
		{"snappy 60 MiB chunk", cat(snappyHeader, []byte{0x03, 0xC0, 0, 0}, make([]byte, 1000))},
	}
	for _, tt := range tests {
		var err error
		n := allocated(func() { _, _, err = decodeBytes(tt.data, Unknown, DefaultOptions()) })
		if !errors.Is(err, ErrTruncated) {
			t.Errorf("%s: err = %v, want ErrTruncated", tt.name, err)
		}
		if n > 4<<20 {
			t.Errorf("%s: allocated %d KiB for a %d-byte file", tt.name, n>>10, len(tt.data))
		}
	}
}

func TestMaxBlockSizeOption(t *testing.T) {
	text := []byte(strings.Repeat(`{"Event":"SparkListenerTaskEnd"}`+"\n", 3000)) // ~100 KB
	opts := DefaultOptions()
	opts.MaxBlockSize = 16 << 10
	for _, c := range []Codec{LZ4, Snappy, LZF} {
		_, _, err := decodeBytes(encode(t, c, text), c, opts)
		var ce *CorruptError
		if !errors.As(err, &ce) || !strings.Contains(ce.Msg, "limit") {
			t.Errorf("%s: err = %v, want a limit *CorruptError", c, err)
		}
	}
	// MaxBlockSize does not limit zstd windows: MaxZstdWindow does. A
	// frame with a 1 MiB window is read under a 16 KiB block cap and
	// refused under a 16 KiB window cap.
	if _, _, err := decodeBytes(zstdBomb(0x00, 0x50), Zstd, opts); err != io.EOF {
		t.Errorf("zstd, 16 KiB MaxBlockSize: err = %v, want none", err)
	}
	opts.MaxZstdWindow = 16 << 10
	_, _, err := decodeBytes(zstdBomb(0x00, 0x50), Zstd, opts)
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Errorf("zstd: err = %v, want *CorruptError", err)
	}
}

// TestSteadyStateAllocs checks that the block decoders reuse their buffers:
// decoding ten concatenated copies of a stream allocates no more than
// decoding one.
func TestSteadyStateAllocs(t *testing.T) {
	text := []byte(strings.Repeat(`{"Event":"SparkListenerTaskEnd","Task Info":{"Task ID":1,"Attempt":0}}`+"\n", 3000))
	sink := make([]byte, 8192)
	for _, c := range []Codec{LZ4, LZF, Snappy} {
		one := encode(t, c, text)
		ten := bytes.Repeat(one, 10)
		run := func(data []byte) func() {
			return func() {
				r, _, err := NewReader(bytes.NewReader(data), c, DefaultOptions())
				if err != nil {
					t.Fatal(err)
				}
				for {
					if _, err := r.Read(sink); err != nil {
						if err != io.EOF {
							t.Fatal(err)
						}
						break
					}
				}
				r.Close()
			}
		}
		a1 := testing.AllocsPerRun(20, run(one))
		a10 := testing.AllocsPerRun(20, run(ten))
		if a10 > a1 {
			t.Errorf("%s: %v allocations for one stream, %v for ten", c, a1, a10)
		}
		t.Logf("%s: %v allocations for one stream, %v for ten", c, a1, a10)
	}
}
