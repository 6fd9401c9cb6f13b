package eventlog_test

import (
	"encoding/json"
	"strings"
	"testing"

	gojson "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/eventlog"
)

func quoted(t *testing.T, s string) []byte {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCappedString(t *testing.T) {
	small := "a\nb \"q\" \\ é"
	var c eventlog.CappedString
	if err := gojson.Unmarshal(quoted(t, small), &c); err != nil || string(c) != small {
		t.Errorf("small: %q, %v", c, err)
	}
	huge := strings.Repeat("x", eventlog.MaxCapped*3)
	if err := gojson.Unmarshal(quoted(t, huge), &c); err != nil || len(c) > eventlog.MaxCapped+8 || !strings.HasSuffix(string(c), "…") {
		t.Errorf("huge: %d bytes, %v", len(c), err)
	}
	// A cut at an escaped backslash keeps it whole; a cut in an escape
	// drops the escape.
	for pad := range 8 {
		s := strings.Repeat("y", eventlog.MaxCapped-pad) + strings.Repeat(`\`, 10) + strings.Repeat("\n", 10) + strings.Repeat("z", eventlog.MaxCapped)
		if err := gojson.Unmarshal(quoted(t, s), &c); err != nil {
			t.Fatal(err)
		}
		body := strings.TrimSuffix(string(c), "…")
		if !strings.HasPrefix(s, body) || strings.Contains(body, `"`) {
			t.Errorf("pad %d: %q… is not a prefix of the string", pad, body[max(0, len(body)-12):])
		}
	}
}

func TestEndsString(t *testing.T) {
	var e eventlog.EndsString
	small := "Traceback (most recent call last):\nValueError: x\n"
	if err := gojson.Unmarshal(quoted(t, small), &e); err != nil || string(e) != small {
		t.Errorf("small: %q, %v", e, err)
	}
	frame := "  File \"/opt/spark/python/pyspark/worker.py\", line 1247, in process \\ \"quoted\"\n"
	huge := "Traceback (most recent call last):\n" + strings.Repeat(frame, 5000) + "ValueError: corrupt record 194999\n"
	if err := gojson.Unmarshal(quoted(t, huge), &e); err != nil {
		t.Fatal(err)
	}
	s := string(e)
	if len(s) > eventlog.MaxCapped+8 {
		t.Errorf("%d bytes kept, want at most about %d", len(s), eventlog.MaxCapped)
	}
	if !strings.HasPrefix(s, "Traceback (most recent call last):\n") || !strings.HasSuffix(s, "\nValueError: corrupt record 194999\n") ||
		!strings.Contains(s, "\n…\n"+frame) {
		t.Errorf("both ends, the tail from a line start, joined by a line …: head %q, tail %q", s[:60], s[len(s)-200:])
	}
	// A huge single line keeps its head only.
	line := strings.Repeat("w", eventlog.MaxCapped*2)
	if err := gojson.Unmarshal(quoted(t, line), &e); err != nil || !strings.HasSuffix(string(e), "w…") || len(e) > eventlog.MaxCapped {
		t.Errorf("one huge line: %d bytes, %v", len(e), err)
	}
	// Not a string.
	if err := gojson.Unmarshal([]byte(`null`), &e); err != nil || e != "" {
		t.Errorf("null: %q, %v", e, err)
	}
}
