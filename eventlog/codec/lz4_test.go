package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestLZ4Stream(t *testing.T) {
	text := []byte(strings.Repeat(`{"Event":"SparkListenerTaskEnd","Task Info":{"Task ID":1}}`+"\n", 50))
	random := sanityBuffer(3000) // does not compress: stored raw
	end := lz4Block(nil, nil, lz4MethodRaw)
	tests := []struct {
		name string
		data []byte
		want []byte
	}{
		{"compressed block", lz4Block(nil, text, lz4MethodLZ4), text},
		{"raw block", lz4Block(nil, text, lz4MethodRaw), text},
		{"incompressible falls back to raw", lz4Block(nil, random, lz4MethodLZ4), random},
		{"raw then compressed then end", cat(lz4Block(nil, random, lz4MethodRaw), lz4Block(nil, text, lz4MethodLZ4), end), cat(random, text)},
		{"only the end block", end, nil},
		{"end block then a second stream", cat(lz4Block(nil, text, lz4MethodLZ4), end, lz4Block(nil, random, lz4MethodLZ4), end), cat(text, random)},
		{"several empty end blocks", cat(end, end, lz4Block(nil, text, lz4MethodLZ4), end, end), text},
		{"stream of many 64-byte blocks", lz4Stream(text, 64), text},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, c, err := decodeBytes(tt.data, Unknown, DefaultOptions())
			if err != io.EOF || c != LZ4 {
				t.Fatalf("codec %q, err %v", c, err)
			}
			if !bytes.Equal(out, tt.want) {
				t.Errorf("got %d bytes, want %d", len(out), len(tt.want))
			}
		})
	}
}

// lz4Header builds a raw 21-byte lz4-java block header.
func lz4Header(token byte, compLen, rawLen, sum uint32) []byte {
	h := append([]byte{}, magicLZ4...)
	h = append(h, token)
	h = binary.LittleEndian.AppendUint32(h, compLen)
	h = binary.LittleEndian.AppendUint32(h, rawLen)
	return binary.LittleEndian.AppendUint32(h, sum)
}

func TestLZ4Corrupt(t *testing.T) {
	text := []byte(strings.Repeat(`{"Event":"SparkListenerStageCompleted"}`+"\n", 40))
	first := lz4Block(nil, text, lz4MethodLZ4)
	second := lz4Block(nil, text, lz4MethodLZ4)
	off := int64(len(first)) // the bad block is always the second one

	flipped := bytes.Clone(second)
	flipped[len(flipped)-1] ^= 0x01 // last literal byte: decodes fine, checksum differs
	badSum := bytes.Clone(second)
	badSum[17] ^= 0x40

	tests := []struct {
		name  string
		block []byte
		msg   string
	}{
		{"payload byte flipped", flipped, "checksum mismatch"},
		{"checksum field changed", badSum, "checksum mismatch"},
		{"bad magic", append([]byte("LZ4Blocc"), second[8:]...), "bad block magic"},
		{"unknown method", lz4Header(0x35, 10, 10, 0), "unknown block method"},
		{"raw with different lengths", lz4Header(0x15, 10, 11, 0), "stored block"},
		{"zero compressed, non-zero decoded", lz4Header(0x25, 0, 10, 0), "declares"},
		{"decoded over level block size", lz4Header(0x20, 100, 2000, 0), "over its block size"},
		{"4 GiB declared", lz4Header(0x2F, 0xFFFFFFFF, 0xFFFFFFFF, 0), "limit"},
		{"implausible ratio", lz4Header(0x2F, 10, 1<<20, 0), "from only"},
		{"decodes short", cat(lz4Header(0x25, uint32(len(second)-21), uint32(len(text)+5), 0), second[21:]), "decode"},
		{"payload garbage", cat(lz4Header(0x25, 4, 100, 0), []byte{0xF0, 0xFF, 0xFF, 0xFF}), "decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := decodeBytes(cat(first, tt.block), LZ4, DefaultOptions())
			if !bytes.Equal(out, text) {
				t.Errorf("got %d bytes, want the %d of the first block", len(out), len(text))
			}
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *CorruptError", err)
			}
			if ce.Codec != LZ4 || ce.Offset != off || !strings.Contains(ce.Msg, tt.msg) {
				t.Errorf("got %+v, want lz4 at offset %d with %q", ce, off, tt.msg)
			}
			if want := fmt.Sprintf("at offset %d", off); !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not mention %q", err, want)
			}
		})
	}
}

func TestLZ4ChecksumMessage(t *testing.T) {
	data := readFixture(t, "spark-3.5.9.lz4")
	ends := blockEnds(t, LZ4, data)
	bad := bytes.Clone(data)
	hdr := ends[2].off // third block
	bad[hdr+21+100] ^= 0x20
	_, _, err := decodeBytes(bad, LZ4, DefaultOptions())
	want := fmt.Sprintf("lz4 checksum mismatch at offset %d", hdr)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to contain %q", err, want)
	}
	// Without verification the same data decodes (to slightly different text,
	// or fails to decode if the flip hit a token).
	opts := DefaultOptions()
	opts.VerifyChecksums = false
	out, _, err := decodeBytes(bad, LZ4, opts)
	var ce *CorruptError
	if errors.As(err, &ce) && strings.Contains(ce.Msg, "checksum") {
		t.Errorf("checksum checked with VerifyChecksums off: %v", err)
	}
	if len(out) < ends[2].decoded {
		t.Errorf("got %d bytes, want at least the %d of the good blocks", len(out), ends[2].decoded)
	}
}
