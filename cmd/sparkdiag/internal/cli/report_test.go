package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
)

// skewArgs make SKEW001 report a stage of the public log, so that the
// reports have a finding.
var skewArgs = []string{"--set", "SKEW001.minExcessMs=500"}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAnalyzeSeveralOutputs(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{}
	args := []string{"analyze"}
	for _, ext := range []string{".txt", ".json", ".md", ".html"} {
		p := filepath.Join(dir, "report"+ext)
		files[ext] = p
		args = append(args, "-o", p)
	}
	out, errs, code := run(t, nil, append(append(args, skewArgs...), publicLog)...)
	if code != ExitOK || out != "" || errs != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q: want 0 and nothing printed", code, out, errs)
	}
	txt, js, md, page := readFile(t, files[".txt"]), readFile(t, files[".json"]), readFile(t, files[".md"]), readFile(t, files[".html"])
	var doc map[string]any
	if err := json.Unmarshal([]byte(js), &doc); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	if !strings.HasPrefix(md, "## sparkdiag: ") || !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.Contains(txt, "application_1603128018386_7759") {
		t.Error("a file is not in the format its extension names")
	}
	// Every format names the same findings by the same IDs.
	findings := doc["findings"].([]any)
	if len(findings) == 0 {
		t.Fatal("no finding to compare")
	}
	for _, f := range findings {
		id := f.(map[string]any)["id"].(string)
		for name, s := range map[string]string{"text": txt, "markdown": md, "html": page} {
			if !strings.Contains(s, id) {
				t.Errorf("%s report lacks finding %s", name, id)
			}
		}
	}
	// The same format on standard output gives the same bytes.
	for ext, format := range map[string]string{".txt": "text", ".json": "json", ".md": "markdown", ".html": "html"} {
		stdout, _, _ := run(t, nil, append(append([]string{"analyze", "--format", format}, skewArgs...), publicLog)...)
		if stdout != readFile(t, files[ext]) {
			t.Errorf("--format %s on stdout differs from -o report%s", format, ext)
		}
	}
	// "-o -" is standard output, next to files.
	stdout, _, code := run(t, nil, "analyze", "-f", "md", "-o", "-", "-o", filepath.Join(dir, "again.json"), publicLog)
	if code != ExitOK || !strings.HasPrefix(stdout, "## sparkdiag: ") || readFile(t, filepath.Join(dir, "again.json")) == "" {
		t.Errorf("-o - with a file: exit %d, stdout %.40q", code, stdout)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestAnalyzeExitCodeIgnoresFormat(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"text", "json", "markdown", "html"} {
		_, errs, code := run(t, nil, append(append([]string{"analyze", "-f", format, "--fail-on", "info"}, skewArgs...), publicLog)...)
		if code != ExitFindings {
			t.Errorf("--format %s --fail-on info: exit %d, want %d (%s)", format, code, ExitFindings, errs)
		}
		_, _, code = run(t, nil, "analyze", "-f", format, "--fail-on", "info", publicLog)
		if code != ExitOK {
			t.Errorf("--format %s without findings: exit %d, want 0", format, code)
		}
	}
	_, _, code := run(t, nil, append(append([]string{"analyze", "--fail-on", "info", "--compact", "-o", filepath.Join(dir, "r.json"), "-o", filepath.Join(dir, "r.html")}, skewArgs...), publicLog)...)
	if code != ExitFindings {
		t.Errorf("files only: exit %d, want %d", code, ExitFindings)
	}
}

func TestAnalyzeUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for name, tt := range map[string]struct {
		args   []string
		stderr string
	}{
		"format":          {[]string{"-f", "xml"}, "unknown format"},
		"extension":       {[]string{"-o", filepath.Join(dir, "r.pdf")}, "cannot tell the format"},
		"no extension":    {[]string{"-o", filepath.Join(dir, "report")}, "cannot tell the format"},
		"twice":           {[]string{"-o", "x.json", "-o", "x.json"}, "given twice"},
		"unwritable":      {[]string{"-o", filepath.Join(dir, "missing", "r.html")}, "cannot write"},
		"unknown setting": {[]string{"--set", "SKEW001.nope=1"}, "nope"},
	} {
		t.Run(name, func(t *testing.T) {
			_, errs, code := run(t, nil, append(append([]string{"analyze"}, tt.args...), publicLog)...)
			if code != ExitUsage || !strings.Contains(errs, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errs, ExitUsage, tt.stderr)
			}
		})
	}
}

func TestAnalyzeCompact(t *testing.T) {
	full, _, _ := run(t, nil, "analyze", "-f", "json", publicLog)
	compact, _, code := run(t, nil, "analyze", "-f", "json", "--compact", publicLog)
	if code != ExitOK || strings.Count(compact, "\n") != 1 || strings.Contains(compact, `"charts"`) || !strings.Contains(full, `"charts"`) {
		t.Errorf("compact JSON should be one line without charts:\n%.300s", compact)
	}
	if len(compact)*2 > len(full) {
		t.Errorf("compact JSON is %d bytes, full %d", len(compact), len(full))
	}
}

func TestAnalyzeRedact(t *testing.T) {
	secrets := []string{"Spark shell", "user1", "host9", "host10..com", "rp_sql_eventlog", "<console>"}
	for _, format := range []string{"text", "json", "markdown", "html"} {
		out, errs, code := run(t, nil, append(append([]string{"analyze", "--redact", "-f", format}, skewArgs...), publicLog)...)
		if code != ExitOK {
			t.Fatalf("exit %d: %s", code, errs)
		}
		for _, s := range secrets[:5] {
			if strings.Contains(out, s) {
				t.Errorf("--redact --format %s still shows %q", format, s)
			}
		}
		if !strings.Contains(out, "app-") || !strings.Contains(out, "SKEW001-stage") {
			t.Errorf("--redact --format %s: want tokens and the finding IDs kept", format)
		}
	}
	// A key gives the same tokens on every run; without one they change.
	a, _, _ := run(t, nil, "analyze", "-f", "json", "--redact-key", "s3cret", publicLog)
	b, _, _ := run(t, nil, "analyze", "-f", "json", "--redact-key", "s3cret", publicLog)
	c, _, _ := run(t, nil, "analyze", "-f", "json", "--redact", publicLog)
	if a != b || a == c {
		t.Error("--redact-key should give stable tokens, --redact alone fresh ones")
	}
}

func TestProgressLine(t *testing.T) {
	got := progressLine("app.zstd", 50<<20, 200<<20, 2)
	for _, want := range []string{"reading app.zstd: 50.0 MiB of 200 MiB (25%)", "26.2 MB/s", "6.0 s left"} {
		if !strings.Contains(got, want) {
			t.Errorf("progress %q lacks %q", got, want)
		}
	}
	if got := progressLine("-", 5<<20, 0, 1); strings.Contains(got, "left") || strings.Contains(got, "%") {
		t.Errorf("progress without a size %q should not guess", got)
	}
}
