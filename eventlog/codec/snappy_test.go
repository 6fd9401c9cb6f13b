package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/snappy"
)

func TestSnappyStream(t *testing.T) {
	a := []byte(strings.Repeat(`{"Event":"SparkListenerJobStart","Job ID":0}`+"\n", 300))
	b := sanityBuffer(5000)
	tests := []struct {
		name string
		data []byte
		want []byte
	}{
		{"header only", snappyHeader, nil},
		{"one chunk", snappyStream(a, 1<<20), a},
		{"many chunks", snappyStream(a, 1000), a},
		{"incompressible", snappyStream(b, 32<<10), b},
		{"concatenated streams", cat(snappyStream(a, 4096), snappyStream(b, 4096)), cat(a, b)},
		{"concatenated empty streams", cat(snappyHeader, snappyHeader, snappyStream(a, 4096), snappyHeader), a},
		{"zero-length chunk skipped", cat(snappyStream(a, 8192), []byte{0, 0, 0, 0}, snappyStream(b, 8192)[16:]), cat(a, b)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, c, err := decodeBytes(tt.data, Unknown, DefaultOptions())
			if err != io.EOF || c != Snappy {
				t.Fatalf("codec %q, err %v", c, err)
			}
			if !bytes.Equal(out, tt.want) {
				t.Errorf("got %d bytes, want %d", len(out), len(tt.want))
			}
		})
	}
}

func TestSnappyCorrupt(t *testing.T) {
	text := []byte(strings.Repeat(`{"Event":"SparkListenerTaskStart"}`+"\n", 100))
	good := snappyStream(text, 1<<20)
	off := int64(len(good))
	chunk := func(block []byte) []byte {
		return append(binary.BigEndian.AppendUint32(nil, uint32(len(block))), block...)
	}
	varint := func(n uint64, rest ...byte) []byte { return append(binary.AppendUvarint(nil, n), rest...) }
	block := snappy.Encode(nil, text)

	tests := []struct {
		name string
		tail []byte
		msg  string
	}{
		{"negative length", []byte{0x80, 0, 0, 1, 0}, "bad chunk length"},
		{"2 GiB chunk", []byte{0x7F, 0xFF, 0xFF, 0xFF, 0}, "limit"},
		{"4 GiB decoded varint", chunk(varint(0xFFFFFFFF, 0)), "limit"},
		{"implausible decoded length", chunk(varint(1<<20, 0, 'x')), "from only"},
		{"bad varint", chunk([]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}), "varint"},
		{"decoded length too long", chunk(append(varint(uint64(len(text)+1)), block[2:]...)), "decode"},
		{"bad second header", cat([]byte("\x82SNAPPY\x01"), snappyHeader[8:]), "bad stream header"},
		{"garbage block", chunk(varint(10, 0xFE, 0xFF, 0xFF)), "decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := decodeBytes(cat(good, tt.tail), Snappy, DefaultOptions())
			if !bytes.Equal(out, text) {
				t.Errorf("got %d bytes, want the %d of the good chunk", len(out), len(text))
			}
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Codec != Snappy || ce.Offset != off || !strings.Contains(ce.Msg, tt.msg) {
				t.Errorf("err = %v, want snappy *CorruptError at offset %d with %q", err, off, tt.msg)
			}
		})
	}
}
