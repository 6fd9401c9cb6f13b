package codec

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		want   Codec
	}{
		{"zstd", "\x28\xb5\x2f\xfd\x00\x48", Zstd},
		{"zstd skippable", "\x50\x2a\x4d\x18\x04\x00\x00\x00", Zstd},
		{"zstd skippable 5f", "\x5f\x2a\x4d\x18", Zstd},
		{"lz4", "LZ4Block\x25\x00\x00", LZ4},
		{"lzf stored", "ZV\x00\x00\x05{", LZF},
		{"lzf compressed", "ZV\x01\x00\x05\x00\x09", LZF},
		{"snappy", "\x82SNAPPY\x00\x00\x00\x00\x01\x00\x00\x00\x01", Snappy},
		{"gzip", "\x1f\x8b\x08\x00", Gzip},
		{"zip", "PK\x03\x04\x14\x00", Zip},
		{"empty zip", "PK\x05\x06\x00\x00", Zip},
		{"plain", `{"Event":"SparkListenerLogStart"}`, Plain},
		{"plain leading space", "  \r\n\t{\"Event\"", Plain},
		{"plain BOM", "\xef\xbb\xbf{\"Event\"", Plain},
		{"plain BOM and space", "\xef\xbb\xbf \n{", Plain},
		{"empty", "", Unknown},
		{"only space", "      ", Unknown},
		{"partial lz4 magic", "LZ4Bl", Unknown},
		{"partial zstd magic", "\x28\xb5", Unknown},
		{"lzf bad type", "ZV\x02", Unknown},
		{"lz4 frame format", "\x04\x22\x4d\x18", Unknown},
		{"snappy framing format", "\xff\x06\x00\x00sNaPpY", Unknown},
		{"json array", "[{\"Event\"", Unknown},
		{"text", "hello world", Unknown},
		{"BOM then text", "\xef\xbb\xbfhello", Unknown},
	}
	for _, tt := range tests {
		if got := Sniff([]byte(tt.prefix)); got != tt.want {
			t.Errorf("%s: Sniff(%q) = %q, want %q", tt.name, tt.prefix, got, tt.want)
		}
	}
}

func TestFromName(t *testing.T) {
	tests := []struct {
		name string
		want Codec
	}{
		{"local-1623876083964", Plain},
		{"app-20240101010101-0001.lz4", LZ4},
		{"app-20240101010101-0001.lzf", LZF},
		{"app-20240101010101-0001.snappy", Snappy},
		{"app-20240101010101-0001.zstd", Zstd},
		{"app-20240101010101-0001.zst", Zstd},
		{"eventlog-2021-06-15--15-00.gz", Gzip},
		{"logs.zip", Zip},
		{"application_1_0001_1.lz4.inprogress", LZ4},
		{"application_1_0001_1.inprogress", Plain},
		{"events_3_local-1.zstd.compact", Zstd},
		{"events_3_local-1.compact", Plain},
		{"/var/log/spark/apps/local-1.snappy.inprogress", Snappy},
		{`C:\logs\local-1.lz4`, LZ4},
		{"s3a://bucket/dir.with.dots/local-1", Plain},
		{"local-1.ZSTD", Zstd},
		{"local-1.json", Plain},
		{"", Plain},
	}
	for _, tt := range tests {
		if got := FromName(tt.name); got != tt.want {
			t.Errorf("FromName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestNewReaderSniffing(t *testing.T) {
	lz4Data := lz4Stream([]byte(`{"Event":"x"}`+"\n"), 1024)
	tests := []struct {
		name      string
		data      string
		hint      Codec
		wantCodec Codec
		wantOut   string
		wantErr   error // final Read error
	}{
		{"empty, no hint", "", Unknown, Plain, "", io.EOF},
		{"empty, lz4 hint", "", LZ4, LZ4, "", io.EOF},
		{"empty, zstd hint", "", Zstd, Zstd, "", io.EOF},
		{"empty, gzip hint", "", Gzip, Gzip, "", io.EOF},
		{"cut magic, no hint", "LZ4Bl", Unknown, LZ4, "", ErrTruncated},
		{"cut magic, wrong hint", "LZ4Bl", Snappy, LZ4, "", ErrTruncated},
		{"cut lzf magic", "Z", Unknown, LZF, "", ErrTruncated},
		{"cut snappy magic", "\x82SNAP", Unknown, Snappy, "", ErrTruncated},
		{"cut zstd magic", "\x28\xb5\x2f", Unknown, Zstd, "", ErrTruncated},
		{"cut gzip magic", "\x1f", Plain, Gzip, "", ErrTruncated},
		{"sniff beats hint", `{"Event":"x"}`, LZ4, Plain, `{"Event":"x"}`, io.EOF},
		{"compressed, plain hint", string(lz4Data), Plain, LZ4, `{"Event":"x"}` + "\n", io.EOF},
		{"whitespace only", "\n\n", LZ4, Plain, "\n\n", io.EOF},
		{"long leading whitespace", strings.Repeat(" \n", 100) + `{"a":1}`, Unknown, Plain, strings.Repeat(" \n", 100) + `{"a":1}`, io.EOF},
		{"BOM kept", "\xef\xbb\xbf{}", Unknown, Plain, "\xef\xbb\xbf{}", io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, c, err := NewReader(strings.NewReader(tt.data), tt.hint, DefaultOptions())
			if err != nil {
				t.Fatalf("NewReader: %v", err)
			}
			if c != tt.wantCodec {
				t.Errorf("codec = %q, want %q", c, tt.wantCodec)
			}
			out, err := decodeAll(r, 7)
			if string(out) != tt.wantOut {
				t.Errorf("output = %q, want %q", out, tt.wantOut)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestNewReaderErrors(t *testing.T) {
	_, c, err := NewReader(strings.NewReader("PK\x03\x04\x14\x00\x00\x00"), Plain, DefaultOptions())
	if c != Zip || !errors.Is(err, ErrContainer) {
		t.Errorf("zip: codec %q, err %v; want zip, ErrContainer", c, err)
	}

	_, c, err = NewReader(strings.NewReader("this is not an event log"), LZ4, DefaultOptions())
	var ce *CorruptError
	if c != Unknown || !errors.As(err, &ce) || ce.Codec != Unknown || !strings.Contains(err.Error(), "lz4") {
		t.Errorf("garbage: codec %q, err %v; want Unknown and a *CorruptError naming the hint", c, err)
	}

	_, _, err = NewReader(strings.NewReader("xy"), Unknown, DefaultOptions())
	if !errors.As(err, &ce) {
		t.Errorf("short garbage: err %v, want *CorruptError", err)
	}

	_, _, err = NewReader(strings.NewReader(""), Codec("brotli"), DefaultOptions())
	if err == nil {
		t.Error("unknown hint used for an empty file: no error")
	}

	ioErr := errors.New("disk on fire")
	_, _, err = NewReader(iotest.ErrReader(ioErr), LZ4, DefaultOptions())
	if err != ioErr {
		t.Errorf("failing reader: err %v, want %v", err, ioErr)
	}
}

// TestSourceErrors checks that an I/O error of the compressed input comes out
// of Read unchanged, after the data before it, for every codec.
func TestSourceErrors(t *testing.T) {
	plain := bytes.Repeat([]byte(`{"Event":"SparkListenerTaskEnd","Stage ID":1}`+"\n"), 2000)
	ioErr := errors.New("connection reset")
	for _, c := range []Codec{Plain, LZ4, LZF, Snappy, Zstd, Gzip} {
		t.Run(string(c), func(t *testing.T) {
			data := encode(t, c, plain)
			half := len(data) / 2
			src := io.MultiReader(bytes.NewReader(data[:half]), iotest.ErrReader(ioErr))
			r, got, err := NewReader(src, Unknown, DefaultOptions())
			if err != nil || got != c {
				t.Fatalf("NewReader: %q, %v", got, err)
			}
			out, err := decodeAll(r, 1000)
			if err != ioErr {
				t.Errorf("err = %v, want %v", err, ioErr)
			}
			if !bytes.HasPrefix(plain, out) {
				t.Error("output is not a prefix of the input")
			}
		})
	}
}

func TestClose(t *testing.T) {
	plain := bytes.Repeat([]byte(`{"Event":"x"}`+"\n"), 100)
	for _, c := range []Codec{Plain, LZ4, LZF, Snappy, Zstd, Gzip} {
		r, _, err := NewReader(bytes.NewReader(encode(t, c, plain)), Unknown, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 10)
		if _, err := r.Read(buf); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if err := r.Close(); err != nil {
			t.Errorf("%s: Close: %v", c, err)
		}
		if err := r.Close(); err != nil {
			t.Errorf("%s: second Close: %v", c, err)
		}
		if c == Plain {
			continue // pass-through: Close is a no-op
		}
		if _, err := r.Read(buf); err == nil {
			t.Errorf("%s: Read after Close succeeded", c)
		}
	}
}

func TestWriteTo(t *testing.T) {
	plain := bytes.Repeat([]byte(`{"Event":"SparkListenerTaskStart"}`+"\n"), 5000)
	for _, c := range []Codec{LZ4, LZF, Snappy} {
		r, _, err := NewReader(bytes.NewReader(encode(t, c, plain)), Unknown, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		n, err := io.Copy(&out, r)
		if err != nil || n != int64(len(plain)) || !bytes.Equal(out.Bytes(), plain) {
			t.Errorf("%s: io.Copy = %d, %v", c, n, err)
		}
		// Truncated: WriteTo reports the truncation after the complete blocks.
		data := encode(t, c, plain)
		r, _, _ = NewReader(bytes.NewReader(data[:len(data)-3]), Unknown, DefaultOptions())
		out.Reset()
		_, err = io.Copy(&out, r)
		if !errors.Is(err, ErrTruncated) || !bytes.HasPrefix(plain, out.Bytes()) || out.Len() == 0 {
			t.Errorf("%s truncated: io.Copy wrote %d bytes, err %v", c, out.Len(), err)
		}
	}
}

// encode compresses data with codec c the way Spark's writers frame it.
func encode(t testing.TB, c Codec, data []byte) []byte {
	t.Helper()
	switch c {
	case Plain:
		return data
	case LZ4:
		return lz4Stream(data, 32<<10)
	case LZF:
		return lzfStream(data, 0xFFFF)
	case Snappy:
		return snappyStream(data, 32<<10)
	case Zstd:
		return zstdFrames(t, data, 16<<10)
	case Gzip:
		var buf bytes.Buffer
		zw := newGzipWriter(&buf)
		zw.Write(data)
		zw.Close()
		return buf.Bytes()
	}
	t.Fatalf("encode: %q", c)
	return nil
}

// A file that is no event log at all is named for what it is: text shows
// its first line (cleaned and cut), binary data its first bytes.
func TestNotAnEventLogMessage(t *testing.T) {
	long := strings.Repeat("x", 200)
	tests := []struct {
		name, in, want string
	}{
		{"readme", "hello world\nsecond line\n", `not a Spark event log (first line: "hello world")`},
		{"crlf", "# notes\r\nmore\r\n", `not a Spark event log (first line: "# notes")`},
		{"long line", long + "\n", `not a Spark event log (first line: "` + long[:60] + `…")`},
		{"no newline", long + long + long, `not a Spark event log (first line: "` + long[:60] + `…")`},
		{"escapes and tabs", "ab\tc \u202e\x1b" + "[31mred\n", ``}, // ESC: binary
		{"bidi", "ab\tc\u202ed\n", `not a Spark event log (first line: "ab c d")`},
		{"utf-8", "été\n", `not a Spark event log (first line: "été")`},
		{"bom", "\ufeffname,count\n", `not a Spark event log (first line: "name,count")`},
		{"binary", "\x00\x01\x02garbage", `not a Spark event log: no known codec (first bytes 00 01 02 67 61 72 62 61 67 65)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c, err := NewReader(strings.NewReader(tt.in), Unknown, DefaultOptions())
			if err == nil || c != Unknown {
				t.Fatalf("codec %v, err %v; want an error", c, err)
			}
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Codec != Unknown {
				t.Errorf("error %T %v, want a *CorruptError with Codec Unknown", err, err)
			}
			if tt.want == "" {
				if !strings.Contains(err.Error(), "first bytes") || strings.ContainsRune(err.Error(), 0x1b) {
					t.Errorf("error %q: want the first bytes, without the escape", err)
				}
				return
			}
			if err.Error() != tt.want {
				t.Errorf("error\n %q, want\n %q", err, tt.want)
			}
		})
	}
}
