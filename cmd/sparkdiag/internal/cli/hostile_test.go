package cli

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// hostileName is a file name a log could have on disk: terminal escapes
// (window title, clear screen), a carriage return and a newline, Markdown
// and HTML.
const hostileName = "log \x1b]0;file title\x07\x1b[2J\r\nFAKE`|<script>x*_#.zstd"

// hostileLogs copies testdata/hostile's two logs (application name, user,
// stage names, SQL descriptions, call sites and a configuration value
// full of escapes, controls and markup) under hostile file names.
func hostileLogs(t *testing.T) (base, newer, dir string) {
	t.Helper()
	dir = t.TempDir()
	for i, name := range []string{"base.zstd", "new.zstd"} {
		b, err := os.ReadFile(testlogs.Testdata("hostile", name))
		if err != nil {
			t.Fatal(err)
		}
		sub := filepath.Join(dir, name[:len(name)-5])
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(sub, hostileName)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			base = p
		} else {
			newer = p
		}
	}
	return base, newer, dir
}

// rawControl returns the first control character in s that no output may
// carry: anything below space but newline and tab, DEL, the C1 controls,
// the line separators and the bidirectional overrides; and invalid UTF-8.
func rawControl(s string) (rune, int, bool) {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f, r == '\u2028', r == '\u2029',
			r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			return r, i - n, true
		case r == utf8.RuneError && n == 1:
			return r, i - n, true
		}
	}
	return 0, 0, false
}

func context80(s string, i int) string {
	lo, hi := max(0, i-40), min(len(s), i+40)
	return strings.ToValidUTF8(s[lo:hi], "")
}

// checkOutput asserts what every output of every command must hold for a
// hostile log.
func checkOutput(t *testing.T, what, format, out string) {
	t.Helper()
	if r, i, bad := rawControl(out); bad {
		t.Errorf("%s: raw %U at byte %d: %q", what, r, i, context80(out, i))
	}
	switch format {
	case "json":
		if !json.Valid([]byte(out)) {
			t.Errorf("%s: not valid JSON", what)
		} else if !strings.Contains(out, `\u001b]0;pwned title\u0007`) {
			// JSON keeps the value as the log has it, escaped.
			t.Errorf("%s: the hostile value is not kept, escaped, in the JSON", what)
		}
	case "jsonl":
		sc := bufio.NewScanner(strings.NewReader(out))
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			if !json.Valid(sc.Bytes()) {
				t.Errorf("%s: a line is not valid JSON", what)
			}
		}
	case "markdown":
		checkMarkdownTables(t, what, out)
		// Markup is live outside code spans (inside, it shows as written).
		prose := stripCodeSpans(out)
		for _, live := range []string{"<script", "<b>", "[link](http"} {
			if i := strings.Index(prose, live); i >= 0 {
				t.Errorf("%s: live markup %q: %q", what, live, context80(out, i))
			}
		}
	case "html":
		for _, live := range []string{"<script>alert", "<b>bold", "<script>x"} {
			if strings.Contains(out, live) {
				t.Errorf("%s: live tag %q", what, live)
			}
		}
	case "text":
		if strings.Contains(out, "\nFAKE") {
			t.Errorf("%s: a log string starts a line of its own", what)
		}
	}
}

// stripCodeSpans removes the inline code spans of Markdown text: a run of
// backticks up to the next run of the same length.
func stripCodeSpans(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] == '\\' && i+1 < len(s) {
			b.WriteString(s[i : i+2])
			i += 2
			continue
		}
		if s[i] != '`' {
			b.WriteByte(s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] == '`' {
			j++
		}
		fence := s[i:j]
		end := -1
		for k := j; k < len(s); {
			m := strings.Index(s[k:], fence)
			if m < 0 {
				break
			}
			k += m
			e := k + len(fence)
			if (k == 0 || s[k-1] != '`') && (e >= len(s) || s[e] != '`') {
				end = e
				break
			}
			for k < len(s) && s[k] == '`' {
				k++
			}
		}
		if end < 0 {
			b.WriteString(fence)
			i = j
			continue
		}
		i = end
	}
	return b.String()
}

// checkMarkdownTables asserts that every row of a table has as many cells
// as its header: no pipe from a log string splits a cell.
func checkMarkdownTables(t *testing.T, what, out string) {
	t.Helper()
	cells := func(line string) int {
		n := 0
		for i := 0; i < len(line); i++ {
			switch line[i] {
			case '\\':
				i++
			case '|':
				n++
			}
		}
		return n
	}
	want := -1
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "|") {
			want = -1
			continue
		}
		if want < 0 {
			want = cells(line)
			continue
		}
		if got := cells(line); got != want {
			t.Errorf("%s: table row with %d pipes, header has %d: %q", what, got, want, line)
		}
	}
}

// TestHostileLog runs every command in every format on logs whose strings
// and file names carry terminal escapes, controls and markup.
func TestHostileLog(t *testing.T) {
	base, newer, dir := hostileLogs(t)
	db := filepath.Join(t.TempDir(), "b.db")
	if _, errs, code := run(t, nil, "review", "-q", "--baseline", db, filepath.Join(dir, "base")); code != ExitOK {
		t.Fatalf("review --baseline: exit %d: %s", code, errs)
	}
	var job string
	{
		out, _, _ := run(t, nil, "baseline", "jobs", "-f", "json", db)
		var js []struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal([]byte(out), &js); err != nil || len(js) != 1 {
			t.Fatalf("baseline jobs -f json: %v: %s", err, out)
		}
		job = js[0].Name
		if !strings.Contains(job, "\x1b]0;pwned") {
			t.Fatalf("job name %q: not the hostile one", job)
		}
	}
	for _, c := range []struct {
		format string
		args   []string
	}{
		{"text", []string{"summary", base}},
		{"json", []string{"summary", "-f", "json", base}},
		{"text", []string{"analyze", base}},
		{"json", []string{"analyze", "-f", "json", base}},
		{"markdown", []string{"analyze", "-f", "markdown", base}},
		{"html", []string{"analyze", "-f", "html", base}},
		{"text", []string{"review", "--no-record", "--baseline", db, filepath.Join(dir, "new")}},
		{"json", []string{"review", "-f", "json", "--no-record", "--baseline", db, filepath.Join(dir, "new")}},
		{"jsonl", []string{"review", "-f", "jsonl", "--no-record", "--baseline", db, filepath.Join(dir, "new")}},
		{"markdown", []string{"review", "-f", "markdown", "--no-record", "--baseline", db, filepath.Join(dir, "new")}},
		{"html", []string{"review", "-f", "html", "--no-record", "--baseline", db, filepath.Join(dir, "new")}},
		{"text", []string{"diff", base, newer}},
		{"json", []string{"diff", "-f", "json", base, newer}},
		{"markdown", []string{"diff", "-f", "markdown", base, newer}},
		{"text", []string{"baseline", "jobs", db}},
		{"json", []string{"baseline", "jobs", "-f", "json", db}},
		{"text", []string{"baseline", "show", db, job}},
		{"json", []string{"baseline", "show", "-f", "json", db, job}},
		{"text", []string{"summary", filepath.Join(dir, "missing "+hostileName)}},
	} {
		what := strings.Join(c.args[:min(3, len(c.args))], " ")
		out, errs, code := run(t, nil, c.args...)
		if code != ExitOK && code != ExitFindings && !strings.Contains(what, "missing") {
			t.Errorf("%s: exit %d: %s", what, code, errs)
		}
		checkOutput(t, what, c.format, out)
		checkOutput(t, what+" (stderr)", "stderr", errs)
		if c.format == "json" && (c.args[0] == "summary" || c.args[0] == "diff") {
			// The hostile strings reach the JSON, escaped.
			if !bytes.Contains([]byte(out), []byte(`\u001b]0;pwned`)) {
				t.Errorf("%s: hostile name missing from the JSON", what)
			}
		}
	}
}
