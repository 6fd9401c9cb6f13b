package codec

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// checkEventLog checks that data is a complete Spark event log: UTF-8 JSON
// lines, each an object with an "Event" key, from SparkListenerLogStart of
// the given version to SparkListenerApplicationEnd. It returns the number of
// lines.
func checkEventLog(t *testing.T, data []byte, version string) int {
	t.Helper()
	if !utf8.Valid(data) {
		t.Fatal("decoded log is not valid UTF-8")
	}
	if !bytes.HasSuffix(data, []byte("\n")) {
		t.Fatal("decoded log does not end with a newline")
	}
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	var first, last string
	for i, line := range lines {
		var ev map[string]any
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		name, ok := ev["Event"].(string)
		if !ok {
			t.Fatalf("line %d has no \"Event\" string", i+1)
		}
		if i == 0 {
			first = name
			if got := ev["Spark Version"]; got != version {
				t.Errorf("LogStart Spark Version = %v, want %s", got, version)
			}
		}
		last = name
	}
	if first != "SparkListenerLogStart" {
		t.Errorf("first event = %s, want SparkListenerLogStart", first)
	}
	if last != "SparkListenerApplicationEnd" {
		t.Errorf("last event = %s, want SparkListenerApplicationEnd", last)
	}
	return len(lines)
}

func TestFixtures(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.file, func(t *testing.T) {
			data := readFixture(t, fx.file)
			if got := FromName(fx.file); got != fx.codec {
				t.Errorf("FromName = %q, want %q", got, fx.codec)
			}
			if got := Sniff(data[:min(len(data), SniffLen)]); got != fx.codec {
				t.Errorf("Sniff = %q, want %q", got, fx.codec)
			}
			// The hint must not matter for a complete file.
			out, c, err := decodeBytes(data, Unknown, DefaultOptions())
			if err != io.EOF {
				t.Fatalf("decode: %v", err)
			}
			if c != fx.codec {
				t.Errorf("NewReader codec = %q, want %q", c, fx.codec)
			}
			if fx.codec == Plain && !bytes.Equal(out, data) {
				t.Error("plain pass-through changed the bytes")
			}
			if n := checkEventLog(t, out, fx.version); n != fx.lines {
				t.Errorf("%d events, want %d", n, fx.lines)
			}
			if fx.codec != Plain {
				ends := blockEnds(t, fx.codec, data)
				if last := ends[len(ends)-1]; last.off != len(data) || last.decoded != len(out) {
					t.Errorf("framing walk ends at %+v, want {%d %d}", last, len(data), len(out))
				}
				t.Logf("%d bytes -> %d bytes in %d blocks", len(data), len(out), len(ends)-1)
			}
		})
	}
}

// TestGzipFixture decodes a plain fixture gzipped as concatenated members.
func TestGzipFixture(t *testing.T) {
	data, _ := gzipFixture(t, "spark-4.3.0.plain", 5)
	out, c, err := decodeBytes(data, Unknown, DefaultOptions())
	if err != io.EOF || c != Gzip {
		t.Fatalf("decode: codec %q, err %v", c, err)
	}
	if !bytes.Equal(out, readFixture(t, "spark-4.3.0.plain")) {
		t.Error("multistream gzip output differs from the plain fixture")
	}
}

// cutCase is a compressed stream to cut at many offsets.
type cutCase struct {
	name string
	data []byte
	ends []boundary
	hint Codec
}

func cutCases(t *testing.T) []cutCase {
	var cases []cutCase
	for _, fx := range fixtures {
		if fx.codec == Plain {
			continue
		}
		data := readFixture(t, fx.file)
		cases = append(cases, cutCase{fx.file, data, blockEnds(t, fx.codec, data), FromName(fx.file)})
	}
	gz, ends := gzipFixture(t, "spark-3.5.9.plain", 4)
	cases = append(cases, cutCase{"spark-3.5.9.plain.gz", gz, append([]boundary{{0, 0}}, ends...), Gzip})
	return cases
}

// allCuts makes TestCut cut at every byte offset (slow: minutes).
var allCuts = flag.Bool("allcuts", false, "TestCut: cut the fixtures at every byte offset")

// cutOffsets returns the offsets to cut a stream of n bytes at: every offset
// in the first 256 bytes (the magic and first headers) and within 32 bytes
// of each block end, plus a stride elsewhere chosen to give about 4000 cuts
// (400 in -short), or every offset with -allcuts.
func cutOffsets(n int, ends []boundary) []int {
	stride := max(1, n/4000)
	switch {
	case *allCuts:
		stride = 1
	case testing.Short():
		stride = max(1, n/400)
	}
	near := make(map[int]bool)
	for _, b := range ends {
		for d := -32; d <= 32; d++ {
			near[b.off+d] = true
		}
	}
	var offs []int
	for c := 0; c <= n; c++ {
		if c < 256 || near[c] || c%stride == 0 || c == n {
			offs = append(offs, c)
		}
	}
	return offs
}

// TestCut cuts every compressed fixture at (nearly) every byte offset, as an
// in-progress log may be, and checks that the decoder returns a prefix of
// the full output that holds at least every block complete before the cut,
// then io.EOF (cut on a block end) or ErrTruncated, and never panics.
func TestCut(t *testing.T) {
	for _, tc := range cutCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			full, _, err := decodeBytes(tc.data, tc.hint, DefaultOptions())
			if err != io.EOF {
				t.Fatalf("full decode: %v", err)
			}
			offs := cutOffsets(len(tc.data), tc.ends)
			for _, cut := range offs {
				if err := checkCut(tc, full, cut); err != nil {
					t.Fatalf("cut at %d of %d: %v", cut, len(tc.data), err)
				}
			}
			t.Logf("%d cuts, %d block ends", len(offs), len(tc.ends)-1)
		})
	}
}

func checkCut(tc cutCase, full []byte, cut int) error {
	hints := []Codec{tc.hint}
	if cut < SniffLen {
		hints = append(hints, Unknown) // cut inside the magic: sniffing must still work
	}
	for _, hint := range hints {
		out, _, err := decodeBytes(tc.data[:cut], hint, DefaultOptions())
		if !bytes.HasPrefix(full, out) {
			return fmt.Errorf("hint %q: output (%d bytes) is not a prefix of the full output", hint, len(out))
		}
		want, exact := completeBefore(tc.ends, cut)
		if len(out) < want {
			return fmt.Errorf("hint %q: got %d bytes, but %d bytes of blocks were complete", hint, len(out), want)
		}
		switch {
		case exact && err != io.EOF:
			return fmt.Errorf("hint %q: cut on a block end: err = %v, want io.EOF", hint, err)
		case !exact && !errors.Is(err, ErrTruncated):
			return fmt.Errorf("hint %q: cut inside a block: err = %v, want ErrTruncated", hint, err)
		case !exact && !errors.Is(err, io.ErrUnexpectedEOF):
			return fmt.Errorf("hint %q: truncation error %v does not match io.ErrUnexpectedEOF", hint, err)
		}
	}
	return nil
}

// TestOddReaders decodes every fixture through sources that return short
// reads or data together with io.EOF.
func TestOddReaders(t *testing.T) {
	wrappers := map[string]func(io.Reader) io.Reader{
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
		"data+EOF": iotest.DataErrReader,
	}
	for _, fx := range fixtures {
		data := readFixture(t, fx.file)
		want, _, err := decodeBytes(data, fx.codec, DefaultOptions())
		if err != io.EOF {
			t.Fatal(err)
		}
		for name, wrap := range wrappers {
			r, c, err := NewReader(wrap(bytes.NewReader(data)), Unknown, DefaultOptions())
			if err != nil || c != fx.codec {
				t.Fatalf("%s/%s: NewReader: %q, %v", fx.file, name, c, err)
			}
			out, err := decodeAll(r, 1000)
			if err != io.EOF || !bytes.Equal(out, want) {
				t.Errorf("%s/%s: %d bytes (want %d), err %v", fx.file, name, len(out), len(want), err)
			}
		}
	}
}
