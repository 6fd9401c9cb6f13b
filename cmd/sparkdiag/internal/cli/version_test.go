package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildStamp(t *testing.T) {
	vcs := func(kv ...string) []debug.BuildSetting {
		var out []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			out = append(out, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return out
	}
	rev := "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name                  string
		version, commit, date string // the -X stamps
		bi                    *debug.BuildInfo
		want                  string
	}{
		{"nothing known", "", "", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			"devel (commit unknown, built unknown)"},
		{"module version and vcs", "", "", "", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"},
			Settings: vcs("vcs.revision", rev, "vcs.time", "2024-06-01T02:00:00Z", "vcs.modified", "true")},
			"v1.2.3 (commit 0123456789ab-dirty, built 2024-06-01T02:00:00Z)"},
		{"stamps win (-buildvcs=false)", "v1.3.0", rev, "2024-07-01T00:00:00Z", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			"v1.3.0 (commit 0123456789ab, built 2024-07-01T00:00:00Z)"},
		{"no build info", "", "", "", nil, "devel (commit unknown, built unknown)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func(v, c, d string) { Version, Commit, Date = v, c, d }(Version, Commit, Date)
			Version, Commit, Date = tt.version, tt.commit, tt.date
			if got := readBuildStamp(tt.bi, tt.bi != nil).String(); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

// The documented build stamps the binary even with -buildvcs=false:
// `sparkdiag version`, --version and the HTML report's footer show the same
// version, commit and date.
func TestVersionStampedBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "sparkdiag")
	pkg := "github.com/sparkdiag/sparkdiag/cmd/sparkdiag/internal/cli"
	ldflags := "-X " + pkg + ".Version=v9.8.7-test -X " + pkg + ".Commit=fedcba9876543210fedcba9876543210fedcba98 -X " + pkg + ".Date=2001-02-03T04:05:06Z"
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-buildvcs=false", "-ldflags", ldflags, "-o", bin, "../..")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	want := "sparkdiag v9.8.7-test (commit fedcba987654, built 2001-02-03T04:05:06Z)\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := exec.Command(bin, args...).Output()
		if err != nil || string(out) != want {
			t.Errorf("sparkdiag %s: %q, %v; want %q", args[0], out, err, want)
		}
	}
	html := filepath.Join(t.TempDir(), "r.html")
	if out, err := exec.Command(bin, "analyze", "-o", html, publicLog).CombinedOutput(); err != nil {
		t.Fatalf("analyze: %v\n%s", err, out)
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if footer := "Report by sparkdiag " + strings.TrimPrefix(strings.TrimSpace(want), "sparkdiag "); !strings.Contains(string(b), footer) {
		t.Errorf("the HTML report has no %q", footer)
	}
}
