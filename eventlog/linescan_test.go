package eventlog

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTopLevelEventName(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{`{"Event":"SparkListenerTaskEnd","x":1}`, "SparkListenerTaskEnd", true},
		{"\xef\xbb\xbf { \"Event\" : \"A\" }", "A", true},
		{`{"Spark Version":"3.5","Event":"SparkListenerLogStart"}`, "SparkListenerLogStart", true},
		{`{"a":{"Event":"Nested"},"Event":"Top"}`, "Top", true},
		{`{"a":["Event",{"Event":"x"}],"b":"\"Event\":\"y\"","Event":"Top"`, "Top", true},
		{`{"a":{"Event":"Nested"}`, "", false},
		{`{"a":"unterminated`, "", false},
		{`{"Event":"esc\"aped"}`, "", false},
		{`{"Event":1}`, "", false},
		{`{"Event":"cut`, "", false},
		{`["Event","x"]`, "", false},
		{`xx{"Event":"A"}`, "", false},
		{`{"a":1}{"Event":"A"}`, "", false},
		{``, "", false},
	}
	for _, tt := range tests {
		name, ok := topLevelEventName([]byte(tt.in))
		if ok != tt.ok || string(name) != tt.want {
			t.Errorf("topLevelEventName(%q) = %q, %v; want %q, %v", tt.in, name, ok, tt.want, tt.ok)
		}
	}
}

// compact runs the compactor over in, fed in pieces of n bytes.
func compact(in []byte, n int) ([]byte, int) {
	var c compactor
	c.reset()
	var out []byte
	for len(in) > 0 {
		k := min(n, len(in))
		out = c.write(out, in[:k])
		in = in[k:]
	}
	return out, c.shortened
}

func TestCompactor(t *testing.T) {
	long := strings.Repeat("ab\\\"c\\u00e9é", 200000) // 2.6 MB with escapes and UTF-8
	tests := []struct {
		name    string
		in      string
		same    bool // output equals the input without white space
		shorten int
	}{
		{"short", `{"Event":"A", "b" : [1, 2, "x y"]}`, true, 0},
		{"long string", `{"Event":"A","Plan":"` + long + `","z":"end"}`, false, 1},
		{"two long strings", `{"Event":"A","p":"` + long + `","q":["` + long + `"]}`, false, 2},
		{"string just under the head", `{"s":"` + strings.Repeat("x", stringHead-1) + `"}`, true, 0},
		{"string in the tail", `{"s":"` + strings.Repeat("x", stringHead+stringTail) + `"}`, true, 0},
		{"white space", "{ \"a\" :\t\r 1 ,\n \"b\":\"  kept  \" }", true, 0},
		{"backslash at the end", `{"a":"\\","b":"\\\\"}`, true, 0},
	}
	for _, tt := range tests {
		for _, n := range []int{1, 3, 7, 4096, 1 << 20} {
			if n == 1 && len(tt.in) > 1<<20 {
				continue
			}
			out, shortened := compact([]byte(tt.in), n)
			if !json.Valid(out) && json.Valid([]byte(tt.in)) {
				t.Fatalf("%s, pieces of %d: output is not valid JSON: %.200q", tt.name, n, out)
			}
			if shortened != tt.shorten {
				t.Errorf("%s, pieces of %d: %d strings shortened, want %d", tt.name, n, shortened, tt.shorten)
			}
			if tt.same {
				var want bytes.Buffer
				if err := json.Compact(&want, []byte(tt.in)); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(out, want.Bytes()) {
					t.Errorf("%s, pieces of %d: %.200q, want %.200q", tt.name, n, out, want.Bytes())
				}
				continue
			}
			if len(out) > len(tt.in)/2 {
				t.Errorf("%s, pieces of %d: %d bytes out of %d", tt.name, n, len(out), len(tt.in))
			}
			// Both ends of each long string survive, and the other members.
			var v map[string]any
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatal(err)
			}
			s, _ := v["Plan"].(string)
			if q, ok := v["q"].([]any); ok {
				s = q[0].(string)
			}
			want, _ := v["z"].(string)
			if tt.name == "long string" && want != "end" {
				t.Errorf("%s: member after the long string lost: %v", tt.name, v["z"])
			}
			var full string
			if err := json.Unmarshal([]byte(`"`+long+`"`), &full); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(full, s[:stringHead/2]) || !strings.HasSuffix(full, s[len(s)-stringTail/2:]) || !strings.Contains(s, elision) {
				t.Errorf("%s, pieces of %d: the ends of the long string are not kept", tt.name, n)
			}
		}
	}
}

// FuzzCompactor: whatever the input and however it is cut into pieces, the
// compactor's output is valid JSON when its input is, decodes to the same
// value when no string was shortened, and is never longer than its input.
func FuzzCompactor(f *testing.F) {
	f.Add([]byte(`{"Event":"A","b":[1,"x\"y",{"c":"\u00e9"}]}`), uint16(3))
	f.Add([]byte("{ \"a\" : \"\\\\\" , \"b\":\"é\" }"), uint16(1))
	f.Add([]byte(`not json "at \ all`), uint16(2))
	f.Fuzz(func(t *testing.T, in []byte, n uint16) {
		out, shortened := compact(in, int(n%64)+1)
		if len(out) > len(in) {
			t.Fatalf("%d bytes out of %d", len(out), len(in))
		}
		if !json.Valid(in) {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("invalid output %q from %q", out, in)
		}
		if shortened == 0 {
			var a, b any
			json.Unmarshal(in, &a)
			json.Unmarshal(out, &b)
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if !bytes.Equal(ja, jb) {
				t.Fatalf("value changed: %s -> %s", ja, jb)
			}
		}
	})
}

func FuzzTopLevelEventName(f *testing.F) {
	f.Add([]byte(`{"Spark Version":"3.5","Event":"SparkListenerLogStart"}`))
	f.Add([]byte(`{"a":{"Event":"Nested"},"Event":"Top"}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		name, ok := topLevelEventName(in)
		if !ok {
			return
		}
		if bytes.ContainsAny(name, `"\`) {
			t.Fatalf("name %q", name)
		}
		// On a whole valid object, the name is the "Event" member's value
		// (encoding/json replaces invalid UTF-8, which the scan keeps).
		var v map[string]json.RawMessage
		if utf8.Valid(name) && json.Unmarshal(in, &v) == nil {
			var s string
			if raw, has := v["Event"]; has && json.Unmarshal(raw, &s) == nil && s != string(name) {
				// Duplicate keys: encoding/json keeps the last, we the first.
				if bytes.Count(in, []byte(`"Event"`)) < 2 {
					t.Fatalf("name %q, want %q", name, s)
				}
			}
		}
	})
}

// FuzzLineReader runs the line reader with a tiny buffer (so that short
// inputs have long lines) and a tiny cap over arbitrary data, wanting some
// events and not others, and checks every line against the input: line
// numbers, sizes, what is kept (the line, or its compaction for a long
// line) and what is dropped.
func FuzzLineReader(f *testing.F) {
	f.Add([]byte(`{"Event":"SparkListenerTaskEnd","a":"`+strings.Repeat("x", 100)+`"}`+"\n"+`{"Event":"Other"}`+"\n"), uint8(16), uint16(64))
	f.Add([]byte(`{"b":1,"Event":"SparkListenerJobStart","p":{"k":"v v"}}`+"\r\n\n  \n"+"garbage garbage garbage garbage\n{\"a\":1}"), uint8(20), uint16(40))
	f.Add([]byte("{\"Event\":\"SparkListenerTaskStart\",\"s\":\"\\\"\\u00e9\\\\\"}\n"), uint8(0), uint16(1000))
	f.Fuzz(func(t *testing.T, data []byte, bufSize uint8, maxLen uint16) {
		size := 16 + int(bufSize)%64
		limit := 1 + int(maxLen)%512
		wanted := func(k Kind, name []byte) bool {
			if k == KindUnknown {
				return name == nil
			}
			return k == KindTaskEnd || k == KindJobStart || k == KindTaskStart
		}
		lr := newLineReaderSize(bytes.NewReader(data), size, limit, wanted)
		// The reference: the input's lines, numbered, blank ones left out.
		type refLine struct {
			no   int
			text []byte
		}
		var ref []refLine
		for i, s := range bytes.Split(data, []byte("\n")) {
			s = bytes.TrimSuffix(s, []byte("\r"))
			if len(bytes.TrimSpace(s)) > 0 {
				ref = append(ref, refLine{i + 1, s})
			}
		}
		var l line
		n := 0
		for {
			err := lr.next(&l)
			if l.No > 0 && (l.Data != nil || l.Dropped) {
				if n >= len(ref) {
					t.Fatalf("line %d: more lines than the input has", l.No)
				}
				r := ref[n]
				n++
				if l.No != r.no {
					t.Fatalf("line number %d, want %d", l.No, r.no)
				}
				if l.Size != int64(len(r.text)) && !bytes.HasSuffix(r.text, []byte("\r")) {
					t.Fatalf("line %d: size %d, want %d", l.No, l.Size, len(r.text))
				}
				if l.TooLong != (l.Dropped && l.Size > int64(limit) && !l.NoEvent) && !(l.TooLong && l.Size > int64(limit)) {
					t.Fatalf("line %d: TooLong %v, size %d, cap %d", l.No, l.TooLong, l.Size, limit)
				}
				if !l.Dropped {
					if len(l.Data) > limit {
						t.Fatalf("line %d: kept %d bytes over the cap %d", l.No, len(l.Data), limit)
					}
					c, _ := compact(r.text, 7)
					if !bytes.Equal(l.Data, r.text) && !bytes.Equal(l.Data, c) {
						t.Fatalf("line %d: kept %q, want %q or %q", l.No, l.Data, r.text, c)
					}
				}
			}
			if err != nil {
				if err != io.EOF {
					t.Fatal(err)
				}
				break
			}
		}
		if n != len(ref) {
			t.Fatalf("%d lines read, the input has %d", n, len(ref))
		}
	})
}
