package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
)

// fuzzOpts keeps the block cap and the zstd window small so that fuzzing
// stays fast (a frame's window is allocated when the frame starts).
var fuzzOpts = Options{VerifyChecksums: true, MaxBlockSize: 1 << 20, MaxZstdWindow: 1 << 20}

// fuzzOutputCap stops reading a stream that decodes to more than this (zstd
// and gzip can legitimately expand a small input enormously).
const fuzzOutputCap = 8 << 20

var fuzzHints = []Codec{Unknown, Plain, Gzip, Zstd, LZ4, LZF, Snappy, Zip, Codec("bogus")}

// readCapped reads r to the end or to fuzzOutputCap. capped reports the
// latter, in which case err is meaningless.
func readCapped(r io.Reader) (out []byte, capped bool, err error) {
	buf := make([]byte, 3000)
	for zeros := 0; ; {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out, false, err
		}
		if len(out) > fuzzOutputCap {
			return out, true, nil
		}
		if n == 0 {
			if zeros++; zeros > 1000 {
				return out, false, errors.New("reader makes no progress")
			}
		}
	}
}

// checkReadErr fails unless err is one of the errors Read may return for an
// in-memory input: io.EOF, a truncation, or a *CorruptError.
func checkReadErr(t *testing.T, err error, inputLen int) {
	t.Helper()
	var ce *CorruptError
	switch {
	case err == io.EOF:
	case errors.Is(err, ErrTruncated):
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("truncation error %v does not match io.ErrUnexpectedEOF", err)
		}
	case errors.As(err, &ce):
		if ce.Offset < -1 || ce.Offset > int64(inputLen) || ce.Error() == "" {
			t.Fatalf("bad CorruptError %+v for a %d-byte input", ce, inputLen)
		}
	default:
		t.Fatalf("unexpected error %T: %v", err, err)
	}
}

type fuzzResult struct {
	codec  Codec
	out    []byte
	err    error
	capped bool
	newErr bool // NewReader failed
}

func fuzzDecode(t *testing.T, data []byte, hint Codec) fuzzResult {
	r, c, err := NewReader(bytes.NewReader(data), hint, fuzzOpts)
	if err != nil {
		var ce *CorruptError
		if !errors.Is(err, ErrContainer) && !errors.As(err, &ce) && !strings.Contains(err.Error(), "unknown codec") {
			t.Fatalf("NewReader: unexpected error %T: %v", err, err)
		}
		return fuzzResult{codec: c, err: err, newErr: true}
	}
	defer r.Close()
	out, capped, err := readCapped(r)
	if !capped {
		checkReadErr(t, err, len(data))
	}
	return fuzzResult{c, out, err, capped, false}
}

func addFixtureSeeds(f *testing.F, add func(data []byte)) {
	for _, fx := range fixtures {
		data := readFixture(f, fx.file)
		add(data)
		add(data[:min(len(data), 100)])
		add(data[:len(data)/3])
	}
}

// FuzzNewReader feeds arbitrary bytes through sniffing and every decoder,
// and checks that a cut of the input decodes to a prefix of the whole.
func FuzzNewReader(f *testing.F) {
	text := []byte(strings.Repeat(`{"Event":"SparkListenerTaskEnd","Stage ID":2}`+"\n", 30))
	addFixtureSeeds(f, func(data []byte) { f.Add(data, uint8(0), uint16(len(data)/2)) })
	for i, c := range []Codec{Plain, LZ4, LZF, Snappy, Zstd, Gzip} {
		data := encode(f, c, text)
		f.Add(data, uint8(i), uint16(len(data)-1))
		f.Add(data[:len(data)/2], uint8(i+1), uint16(7))
	}
	f.Add([]byte("PK\x03\x04"), uint8(0), uint16(0))
	f.Add(zstdBomb(0x00, 0xF8), uint8(3), uint16(9))
	f.Add(lz4Header(0x2F, 0xFFFFFFFF, 0xFFFFFFFF, 0), uint8(4), uint16(20))
	f.Add([]byte{}, uint8(4), uint16(0))
	// Frames whose window is over the limit (128 and 256 MiB).
	for _, name := range []string{"window-128MiB.zstd", "window-256MiB.zstd"} {
		data := readFixture(f, name)
		f.Add(data, uint8(0), uint16(len(data)/2))
	}

	f.Fuzz(func(t *testing.T, data []byte, hintIdx uint8, cut uint16) {
		hint := fuzzHints[int(hintIdx)%len(fuzzHints)]
		full := fuzzDecode(t, data, hint)

		k := int(cut) % (len(data) + 1)
		part := fuzzDecode(t, data[:k], hint)
		if full.newErr || part.newErr || full.capped || part.capped || full.codec != part.codec {
			return
		}
		switch full.codec {
		case Zstd, Gzip:
			// Library decoders may deliver a block's bytes at different
			// moments; the two outputs must still agree.
			if !bytes.HasPrefix(full.out, part.out) && !bytes.HasPrefix(part.out, full.out) {
				t.Fatalf("%s: outputs of the whole (%d bytes) and a %d-byte cut (%d bytes) disagree",
					full.codec, len(full.out), k, len(part.out))
			}
		default:
			if !bytes.HasPrefix(full.out, part.out) {
				t.Fatalf("%s: output of a %d-byte cut (%d bytes) is not a prefix of the whole (%d bytes)",
					full.codec, k, len(part.out), len(full.out))
			}
		}
		if full.err == io.EOF && k < len(data) && part.err != io.EOF && !errors.Is(part.err, ErrTruncated) {
			t.Fatalf("%s: valid stream cut at %d gave %v, want io.EOF or ErrTruncated", full.codec, k, part.err)
		}
	})
}

// decodeStream runs a hand-written block decoder directly (no sniffing).
func decodeStream(t *testing.T, dec blockDecoder, inputLen int) ([]byte, error) {
	r := newBlockReader(dec)
	defer r.Close()
	out, capped, err := readCapped(r)
	if capped {
		t.Fatalf("block decoder produced over %d bytes from %d", fuzzOutputCap, inputLen)
	}
	checkReadErr(t, err, inputLen)
	return out, err
}

// FuzzLZF checks the liblzf decoder on arbitrary payloads and output
// lengths, the chunk reader on arbitrary streams, and round trips through
// the test encoder.
func FuzzLZF(f *testing.F) {
	f.Add(lit(nil, "hello"), uint16(5))
	f.Add(lzfRef(lit(nil, "ab"), 264, 2), uint16(266))
	f.Add(lzfCompress([]byte(strings.Repeat(`{"Event":"x","n":12}`, 40))), uint16(800))
	f.Add([]byte{0xE0, 0xFF, 0x00}, uint16(300))
	addFixtureSeeds(f, func(data []byte) {
		if Sniff(data) == LZF {
			f.Add(data, uint16(len(data)))
		}
	})
	f.Fuzz(func(t *testing.T, data []byte, outLen uint16) {
		out := make([]byte, outLen)
		_ = lzfDecompress(data, out) // must not panic

		decodeStream(t, newLZFDecoder(bytes.NewReader(data), fuzzOpts), len(data))

		if len(data) > 1<<16 {
			return
		}
		chunk := 1 + int(outLen)%0xFFFF
		got, err := decodeStream(t, newLZFDecoder(bytes.NewReader(lzfStream(data, chunk)), fuzzOpts), len(data))
		if err != io.EOF || !bytes.Equal(got, data) {
			t.Fatalf("round trip with %d-byte chunks: %d bytes, err %v; want %d bytes", chunk, len(got), err, len(data))
		}
	})
}

// FuzzLZ4Block checks the lz4-java stream reader on arbitrary streams, the
// block decoder on arbitrary LZ4 payloads behind a valid header, and round
// trips.
func FuzzLZ4Block(f *testing.F) {
	text := []byte(strings.Repeat(`{"Event":"SparkListenerTaskEnd"}`+"\n", 20))
	f.Add(lz4Stream(text, 100), uint16(len(text)))
	f.Add(cat(lz4Block(nil, text, lz4MethodRaw), lz4Block(nil, nil, 0), lz4Block(nil, text, lz4MethodLZ4)), uint16(0))
	f.Add(lz4Block(nil, text, lz4MethodLZ4)[21:], uint16(len(text)))
	addFixtureSeeds(f, func(data []byte) {
		if Sniff(data) == LZ4 {
			f.Add(data, uint16(32<<10))
		}
	})
	f.Fuzz(func(t *testing.T, data []byte, rawLen uint16) {
		decodeStream(t, newLZ4Decoder(bytes.NewReader(data), fuzzOpts), len(data))

		// data as the payload of one compressed block; checksums off so the
		// LZ4 decoder itself is exercised.
		noSum := fuzzOpts
		noSum.VerifyChecksums = false
		block := cat(lz4Header(lz4MethodLZ4|0x0F, uint32(len(data)), uint32(rawLen), 0), data)
		decodeStream(t, newLZ4Decoder(bytes.NewReader(block), noSum), len(block))

		if len(data) > 1<<20 {
			return
		}
		blockSize := 64 + int(rawLen)
		got, err := decodeStream(t, newLZ4Decoder(bytes.NewReader(lz4Stream(data, blockSize)), fuzzOpts), len(data))
		if err != io.EOF || !bytes.Equal(got, data) {
			t.Fatalf("round trip with %d-byte blocks: %d bytes, err %v", blockSize, len(got), err)
		}
	})
}

// FuzzSnappyStream checks the snappy-java stream reader on arbitrary
// streams (with and without a leading stream header) and round trips,
// including concatenated streams.
func FuzzSnappyStream(f *testing.F) {
	text := []byte(strings.Repeat(`{"Event":"SparkListenerStageSubmitted"}`+"\n", 20))
	f.Add(snappyStream(text, 100), uint16(100))
	f.Add(cat(snappyStream(text, 64), snappyStream(text, 1000)), uint16(3))
	f.Add(binary.BigEndian.AppendUint32(nil, 0x7FFFFFFF), uint16(0))
	addFixtureSeeds(f, func(data []byte) {
		if Sniff(data) == Snappy {
			f.Add(data, uint16(32<<10))
		}
	})
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16) {
		decodeStream(t, newSnappyDecoder(bytes.NewReader(data), fuzzOpts), len(data))
		withHeader := cat(snappyHeader, data)
		decodeStream(t, newSnappyDecoder(bytes.NewReader(withHeader), fuzzOpts), len(withHeader))

		if len(data) > 1<<20 {
			return
		}
		size := 1 + int(chunk)
		half := len(data) / 2
		stream := cat(snappyStream(data[:half], size), snappyStream(data[half:], size))
		got, err := decodeStream(t, newSnappyDecoder(bytes.NewReader(stream), fuzzOpts), len(stream))
		if err != io.EOF || !bytes.Equal(got, data) {
			t.Fatalf("round trip with %d-byte chunks: %d bytes, err %v", size, len(got), err)
		}
	})
}
