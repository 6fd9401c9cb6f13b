package codec

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
)

// lit appends a liblzf literal run (1..32 bytes).
func lit(out []byte, s string) []byte {
	return append(append(out, byte(len(s)-1)), s...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestLZFDecompress(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"one literal", lit(nil, "a"), "a"},
		{"32-byte literal run", lit(nil, strings.Repeat("x", 32)), strings.Repeat("x", 32)},
		{"two literal runs", lit(lit(nil, "hello "), "world"), "hello world"},
		{"back-reference, no overlap", lzfRef(lit(nil, "abcdef"), 3, 6), "abcdefabc"},
		{"back-reference, overlap distance 1", lzfRef(lit(nil, "z"), 8, 1), strings.Repeat("z", 9)},
		{"back-reference, overlap distance 2", lzfRef(lit(nil, "ab"), 7, 2), "ababababa"},
		{"back-reference, overlap distance 3", lzfRef(lit(nil, "xyz"), 8, 3), "xyzxyzxyzxy"},
		{"length 9 (first long form, extra byte 0)", lzfRef(lit(nil, "0123456789"), 9, 10), "0123456789012345678"},
		{"long match 264, overlap", lzfRef(lit(nil, "ab"), 264, 2), strings.Repeat("ab", 133)},
		{"distance 61 over two literal runs", lzfRef(lit(lit(nil, strings.Repeat("q", 30)+"A"), strings.Repeat("r", 30)), 3, 61),
			strings.Repeat("q", 30) + "A" + strings.Repeat("r", 30) + "qqq"},
		{"match then literal", lit(lzfRef(lit(nil, "{\"Event\":"), 4, 9), "}"), "{\"Event\":{\"Ev}"},
		{"empty", nil, ""},
	}
	for _, tt := range tests {
		out := make([]byte, len(tt.want))
		if err := lzfDecompress(tt.in, out); err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if string(out) != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, out, tt.want)
		}
	}
}

func TestLZFDecompressLongDistance(t *testing.T) {
	// Distance 8192 (the maximum) and the long form with a high distance byte.
	prefix := make([]byte, 8192)
	for i := range prefix {
		prefix[i] = byte(i * 7)
	}
	var in []byte
	for i := 0; i < len(prefix); i += 32 {
		in = lit(in, string(prefix[i:i+32]))
	}
	in = lzfRef(in, 100, 8192)
	out := make([]byte, 8192+100)
	if err := lzfDecompress(in, out); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out[8192:], prefix[:100]) {
		t.Error("distance 8192 copied the wrong bytes")
	}
}

func TestLZFDecompressCorrupt(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		outLen int
	}{
		{"literal past input", []byte{5, 'a', 'b'}, 6},
		{"literal past output", lit(nil, "abcd"), 3},
		{"reference before start", lzfRef(lit(nil, "ab"), 3, 3), 5},
		{"reference with no output", lzfRef(nil, 3, 1), 3},
		{"reference past output", lzfRef(lit(nil, "ab"), 10, 2), 5},
		{"missing distance byte", []byte{0, 'a', 0x20}, 4},
		{"missing long length byte", []byte{0, 'a', 0xE0}, 12},
		{"missing distance after long length", []byte{0, 'a', 0xE0, 5}, 12},
		{"output short", lit(nil, "abc"), 4},
		{"no input, output expected", nil, 1},
	}
	for _, tt := range tests {
		if err := lzfDecompress(tt.in, make([]byte, tt.outLen)); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

func TestLZFRoundTrip(t *testing.T) {
	inputs := []string{
		"",
		"a",
		strings.Repeat("a", 70000),
		strings.Repeat(`{"Event":"SparkListenerTaskEnd","Stage ID":3,"Task Info":{"Task ID":17}}`+"\n", 2000),
		string(sanityBuffer(100000)),
	}
	for _, in := range inputs {
		for _, chunk := range []int{1, 100, 8192, 0xFFFF} {
			data := lzfStream([]byte(in), chunk)
			out, c, err := decodeBytes(data, LZF, DefaultOptions())
			if err != io.EOF || c != LZF && len(in) > 0 {
				t.Fatalf("len %d chunk %d: codec %q err %v", len(in), chunk, c, err)
			}
			if string(out) != in {
				t.Errorf("len %d chunk %d: round trip differs", len(in), chunk)
			}
		}
	}
}

func TestLZFStream(t *testing.T) {
	stored := func(s string) []byte {
		return append(binary.BigEndian.AppendUint16([]byte("ZV\x00"), uint16(len(s))), s...)
	}
	compressed := func(payload []byte, rawLen int) []byte {
		h := binary.BigEndian.AppendUint16([]byte("ZV\x01"), uint16(len(payload)))
		h = binary.BigEndian.AppendUint16(h, uint16(rawLen))
		return append(h, payload...)
	}
	tests := []struct {
		name    string
		data    []byte
		want    string
		wantErr error
		corrupt bool
		offset  int64
	}{
		{"stored", stored(`{"a":1}`), `{"a":1}`, io.EOF, false, 0},
		{"stored, compressed, stored",
			cat(stored("{"), compressed(lzfRef(lit(nil, "ab"), 6, 2), 8), stored("}")),
			"{abababab}", io.EOF, false, 0},
		{"empty stored chunk skipped", cat(stored("{"), stored(""), stored("}")), "{}", io.EOF, false, 0},
		{"truncated header", cat(stored("{}"), []byte("ZV\x01\x00")), "{}", ErrTruncated, false, 0},
		{"truncated payload", cat(stored("{}"), stored("abc")[:6]), "{}", ErrTruncated, false, 0},
		{"bad magic", cat(stored("{}"), []byte("ZW\x00\x00\x01x")), "{}", nil, true, 7},
		{"bad type", cat(stored("{}"), []byte("ZV\x02\x00\x01x")), "{}", nil, true, 7},
		{"wrong decoded length", cat(stored("{}"), compressed(lit(nil, "abc"), 4)), "{}", nil, true, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := decodeBytes(tt.data, LZF, DefaultOptions())
			if string(out) != tt.want {
				t.Errorf("output %q, want %q", out, tt.want)
			}
			if tt.corrupt {
				var ce *CorruptError
				if !errors.As(err, &ce) || ce.Codec != LZF || ce.Offset != tt.offset {
					t.Errorf("err = %v, want *CorruptError at offset %d", err, tt.offset)
				}
			} else if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
