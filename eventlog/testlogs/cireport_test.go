package testlogs

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// .ci/gotest-report fails CI on a skip that .ci/allowed-skips does not list
// (with a reason), and on a failed test; it lists every skip with why.
func TestCIGotestReport(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed (.ci/run needs it)")
	}
	allow := filepath.Join(t.TempDir(), "allowed")
	if err := os.WriteFile(allow, []byte("# comment\neventlog/source:TestRoot  runs as root\nTestSub/*  subtests may skip\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ev := func(action, pkg, test, output string) string {
		return `{"Action":"` + action + `","Package":"github.com/sparkdiag/sparkdiag/` + pkg + `","Test":"` + test + `","Output":` + quote(output) + "}\n"
	}
	pass := ev("pass", "eventlog/source", "", "")
	skipped := func(pkg, test, why string) string {
		return ev("run", pkg, test, "") + ev("output", pkg, test, "    x_test.go:9: "+why+"\n") + ev("skip", pkg, test, "")
	}
	tests := []struct {
		name, in string
		ok       bool
		want     []string
	}{
		{"allowed skips", skipped("eventlog/source", "TestRoot", "permissions") + skipped("advice", "TestSub/a", "no") + pass, true,
			[]string{"eventlog/source TestRoot: x_test.go:9: permissions  [allowed", "TestSub/a"}},
		{"same name, other package", skipped("advice", "TestRoot", "permissions") + pass, false,
			[]string{"NOT ALLOWED", "1 tests skipped that CI must run"}},
		{"missing tool", skipped("cmd/sparkdiag/internal/cli", "TestBrowser", "chromium not installed") + pass, false,
			[]string{"TestBrowser: x_test.go:9: chromium not installed  [NOT ALLOWED]"}},
		{"failed test", ev("run", "advice", "TestX", "") + ev("output", "advice", "TestX", "boom\n") + ev("fail", "advice", "TestX", "") + ev("fail", "advice", "", ""), false,
			[]string{"boom", "FAILED: 1 tests; packages: advice"}},
	}
	script := filepath.Join(Root(), ".ci", "gotest-report")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(py, script, allow)
			cmd.Stdin = strings.NewReader(tt.in)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			if (err == nil) != tt.ok {
				t.Errorf("exit error %v, want ok=%v\n%s", err, tt.ok, out.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output has no %q:\n%s", w, out.String())
				}
			}
		})
	}
	// Every entry of the real allow-list has a reason.
	cmd := exec.Command(py, script, filepath.Join(Root(), ".ci", "allowed-skips"))
	cmd.Stdin = strings.NewReader(pass)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf(".ci/allowed-skips: %v\n%s", err, out)
	}
}

func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
