package cli

import (
	"path/filepath"
	"strings"
	"testing"
)

// summary writes Markdown, and -o writes each file in the format its
// extension names, the same bytes as standard output in that format.
func TestSummaryMarkdownAndOutputs(t *testing.T) {
	md, errs, code := run(t, nil, "summary", "-f", "markdown", publicLog)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %s", code, errs)
	}
	golden(t, "summary_rp_sql.md", md)
	if !strings.Contains(md, "\n| stage | status | tasks |") || !strings.Contains(md, "count at &lt;console&gt;:29") {
		t.Errorf("Markdown without the escaped stage table:\n%s", md)
	}
	dir := t.TempDir()
	files := map[string]string{"s.md": "markdown", "s.json": "json", "s.txt": "text"}
	args := []string{"summary"}
	for f := range files {
		args = append(args, "-o", filepath.Join(dir, f))
	}
	out, errs, code := run(t, nil, append(args, publicLog)...)
	if code != ExitOK || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errs)
	}
	for f, format := range files {
		want, _, _ := run(t, nil, "summary", "-f", format, publicLog)
		if got := readFile(t, filepath.Join(dir, f)); got != want {
			t.Errorf("%s differs from -f %s on standard output", f, format)
		}
	}
	for _, bad := range [][]string{{"-o", filepath.Join(dir, "s.html")}, {"-o", "x.md", "-o", "x.md"}, {"-f", "html"}} {
		if _, errs, code := run(t, nil, append(append([]string{"summary"}, bad...), publicLog)...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", bad, code, ExitUsage, errs)
		}
	}
}
