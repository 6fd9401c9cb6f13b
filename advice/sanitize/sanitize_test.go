package sanitize

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

const hostile = "a\x1b]0;title\x07b\x1b[2Jc\r\nd\x00e\x7ff\u009bg\u202eh\u2028i\tj `k` |l| <m> *n* _o_ [p](q) #r &s ~t \\u"

func TestText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"two\nlines\tand tab", "two\nlines\tand tab"},
		{"\x1b]0;t\x07", "\uFFFD]0;t\uFFFD"},
		{"cr\r\n", "cr\uFFFD\n"},
		{"nul\x00 del\x7f c1\u0085 bidi\u202e\u2066 ls\u2028", "nul\uFFFD del\uFFFD c1\uFFFD bidi\uFFFD\uFFFD ls\uFFFD"},
		{"bad \xff utf8", "bad \uFFFD utf8"},
		{"é ü 日本 \U0001F600", "é ü 日本 \U0001F600"},
	} {
		if got := Text(tc.in); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestLine(t *testing.T) {
	if got, want := Line("a\r\n b\n\tc  d"), "a\uFFFD b c d"; got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
}

func TestMarkdown(t *testing.T) {
	got := Markdown(hostile)
	for _, bad := range []string{"\x1b", "\x07", "\x00", "\r", "\n", "<m>", "[p](q)"} {
		if strings.Contains(got, bad) {
			t.Errorf("Markdown keeps %q: %q", bad, got)
		}
	}
	// Every pipe is escaped: a table cell stays one cell.
	if strings.Count(got, "|") != strings.Count(got, `\|`) {
		t.Errorf("unescaped pipe: %q", got)
	}
	if c := CodeCell("a|b`c"); c != "``a\\|b`c``" {
		t.Errorf("CodeCell = %q", c)
	}
	if c := CodeBlock("sql", "x\n```\ny\x1b"); c != "````sql\nx\n```\ny\uFFFD\n````\n" {
		t.Errorf("CodeBlock = %q", c)
	}
}

func TestHTML(t *testing.T) {
	if got, want := HTML("<b>\x1b</b>&"), "&lt;b&gt;\uFFFD&lt;/b&gt;&amp;"; got != want {
		t.Errorf("HTML = %q, want %q", got, want)
	}
}

// The Writer gives what Text gives, however the input is cut into writes.
func TestWriterSplits(t *testing.T) {
	in := []byte(hostile + " 日本\u202e\u009b")
	want := Text(string(in))
	for step := 1; step <= 5; step++ {
		var out bytes.Buffer
		w := NewWriter(&out)
		for i := 0; i < len(in); i += step {
			if _, err := w.Write(in[i:min(i+step, len(in))]); err != nil {
				t.Fatal(err)
			}
		}
		w.Flush()
		if out.String() != want {
			t.Errorf("step %d: %q, want %q", step, out.String(), want)
		}
	}
}

// JSON escapes what encoders leave raw, and decodes to the same values.
func TestJSON(t *testing.T) {
	b, err := json.Marshal(map[string]string{"v": hostile})
	if err != nil {
		t.Fatal(err)
	}
	got := JSON(b)
	for i := 0; i < len(got); {
		r, n := utf8.DecodeRune(got[i:])
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u202e' || r == '\u2028' {
			t.Fatalf("raw %U in %q", r, got)
		}
		i += n
	}
	var back map[string]string
	if err := json.Unmarshal(got, &back); err != nil || back["v"] != hostile {
		t.Errorf("decodes to %q (%v), want the original", back["v"], err)
	}
	var out bytes.Buffer
	w := NewJSONWriter(&out)
	for i := range b {
		w.Write(b[i : i+1])
	}
	w.Flush()
	if !bytes.Equal(out.Bytes(), got) {
		t.Errorf("JSON writer: %q, want %q", out.Bytes(), got)
	}
}

func FuzzText(f *testing.F) {
	f.Add(hostile)
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{Text(s), Line(s), Markdown(s)} {
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 from %q", s)
			}
			for _, r := range out {
				if r != '\n' && r != '\t' && control(r) && r != utf8.RuneError {
					t.Fatalf("control %U kept from %q", r, s)
				}
			}
		}
		if strings.ContainsAny(Line(s), "\n\r") {
			t.Fatalf("Line kept a line break: %q", s)
		}
	})
}
