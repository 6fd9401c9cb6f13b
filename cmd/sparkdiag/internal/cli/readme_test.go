package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// The README's first command analyzes a bundled log and prints findings;
// every finding ID of the excerpt the README shows is in the real output.
func TestReadmeQuickStart(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testlogs.Root(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	i := strings.Index(readme, "## Quick start")
	if i < 0 {
		t.Fatal("README has no Quick start section")
	}
	quick := readme[i:]
	if j := strings.Index(quick[1:], "\n## "); j >= 0 {
		quick = quick[:j+1]
	}
	block := func(lang string) string {
		k := strings.Index(quick, "```"+lang+"\n")
		if k < 0 {
			t.Fatalf("Quick start has no ```%s block", lang)
		}
		rest := quick[k+len(lang)+4:]
		return rest[:strings.Index(rest, "```")]
	}
	cmd := strings.TrimSpace(block("sh"))
	if !strings.HasPrefix(cmd, "go build -o sparkdiag ./cmd/sparkdiag && ./sparkdiag ") {
		t.Fatalf("the first command does not build and run sparkdiag: %q", cmd)
	}
	args := strings.Fields(cmd[strings.Index(cmd, "./sparkdiag ")+len("./sparkdiag "):])
	if args[0] != "analyze" {
		t.Fatalf("the first command is %q, want analyze", args[0])
	}
	for k, a := range args {
		if p := filepath.Join(testlogs.Root(), a); !strings.HasPrefix(a, "-") && k > 0 {
			if _, err := os.Stat(p); err != nil {
				t.Fatalf("the README's log %s is not in the repository: %v", a, err)
			}
			args[k] = p
		}
	}
	out, errs, code := run(t, nil, args...)
	if code != ExitOK {
		t.Fatalf("%s: exit %d, stderr %s", cmd, code, errs)
	}
	ids := regexp.MustCompile(`(?m)^\s+id:\s+(\S+)$`)
	got := ids.FindAllStringSubmatch(out, -1)
	if len(got) == 0 {
		t.Fatalf("%s printed no finding:\n%s", cmd, out)
	}
	shown := ids.FindAllStringSubmatch(block("text"), -1)
	if len(shown) == 0 {
		t.Fatal("the README's excerpt shows no finding ID")
	}
	for _, m := range shown {
		if !regexp.MustCompile(`(?m)^\s+id:\s+` + regexp.QuoteMeta(m[1]) + `$`).MatchString(out) {
			t.Errorf("the README shows finding %s, which the command no longer prints", m[1])
		}
	}
}
