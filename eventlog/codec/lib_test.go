package codec

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func TestZstdFrames(t *testing.T) {
	text := []byte(strings.Repeat(`{"Event":"SparkListenerExecutorAdded"}`+"\n", 2000))
	// Frames with a skippable frame in the middle.
	skippable := []byte{0x5A, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 'a', 'b', 'c'}
	data := cat(zstdFrames(t, text[:40000], 4096), skippable, zstdFrames(t, text[40000:], 4096))
	out, c, err := decodeBytes(data, Unknown, DefaultOptions())
	if err != io.EOF || c != Zstd || !bytes.Equal(out, text) {
		t.Fatalf("codec %q, err %v, %d bytes (want %d)", c, err, len(out), len(text))
	}
	// A file that starts with a skippable frame is still zstd.
	out, c, err = decodeBytes(cat(skippable, data), Unknown, DefaultOptions())
	if err != io.EOF || c != Zstd || !bytes.Equal(out, text) {
		t.Fatalf("leading skippable frame: codec %q, err %v", c, err)
	}
	// Garbage after the frames is corrupt, not truncated.
	out, _, err = decodeBytes(cat(data, []byte("garbage!")), Zstd, DefaultOptions())
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Codec != Zstd || !bytes.Equal(out, text) {
		t.Errorf("trailing garbage: err %v, %d bytes", err, len(out))
	}
}

func TestGzipMembers(t *testing.T) {
	text := []byte(strings.Repeat(`{"Event":"SparkListenerBlockManagerAdded"}`+"\n", 2000))
	var data []byte
	for i := 0; i < len(text); i += 10000 {
		data = append(data, encode(t, Gzip, text[i:min(i+10000, len(text))])...)
	}
	out, c, err := decodeBytes(data, Unknown, DefaultOptions())
	if err != io.EOF || c != Gzip || !bytes.Equal(out, text) {
		t.Fatalf("codec %q, err %v, %d bytes", c, err, len(out))
	}
	bad := bytes.Clone(data)
	bad[len(bad)-6] ^= 0xFF // CRC of the last member
	out, _, err = decodeBytes(bad, Gzip, DefaultOptions())
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Codec != Gzip {
		t.Errorf("bad CRC: err %v, want gzip *CorruptError", err)
	}
	if !bytes.HasPrefix(text, out) {
		t.Error("bad CRC: output is not a prefix")
	}
}

// TestZstdLargeContentSize: frames written by the zstd CLI declare their
// content size. A frame larger than MaxBlockSize with a small window must
// stream, not be refused.
func TestZstdLargeContentSize(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses 80 MiB")
	}
	const size = 80 << 20
	line := []byte(`{"Event":"SparkListenerTaskEnd","Task Info":{"Task ID":12345}}` + "\n")
	chunk := bytes.Repeat(line, 1<<14)
	var comp bytes.Buffer
	enc, err := zstd.NewWriter(nil, zstd.WithWindowSize(1<<20), zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	enc.ResetContentSize(&comp, size)
	for left := size; left > 0; left -= len(chunk) {
		if _, err := enc.Write(chunk[:min(left, len(chunk))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	if fhd := comp.Bytes()[4]; fhd>>6 == 0 || fhd&0x20 != 0 {
		t.Fatalf("frame header descriptor %#x: want a content size and a window", fhd)
	}
	r, c, err := NewReader(&comp, Unknown, DefaultOptions())
	if err != nil || c != Zstd {
		t.Fatal(c, err)
	}
	n, err := io.Copy(io.Discard, r)
	if err != nil || n != size {
		t.Errorf("decoded %d bytes, err %v; want %d", n, err, size)
	}
}
