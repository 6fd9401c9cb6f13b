package cli

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// Build stamps, set by the documented build (README, .ci/run) with
//
//	go build -ldflags "$(.ci/ldflags)" ./cmd/sparkdiag
//
// which passes -X github.com/sparkdiag/sparkdiag/cmd/sparkdiag/internal/cli.Version=...
// (and Commit, Date). Each one left empty comes from the build info that
// the Go toolchain records (the module version, and vcs.revision and
// vcs.time unless the build ran with -buildvcs=false).
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// buildStamp is what the binary knows of its build.
type buildStamp struct {
	version, commit, date string
}

func readBuildStamp(bi *debug.BuildInfo, ok bool) buildStamp {
	b := buildStamp{version: Version, commit: Commit, date: Date}
	if ok {
		if b.version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			b.version = bi.Main.Version
		}
		var rev, at string
		dirty := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if b.commit == "" && rev != "" {
			b.commit = rev
			if dirty {
				b.commit += "-dirty"
			}
		}
		if b.date == "" {
			b.date = at
		}
	}
	if b.version == "" {
		b.version = "devel"
	}
	return b
}

// String is "v1.2.3 (commit 0123456789ab, built 2024-06-01T02:00:00Z)",
// with "unknown" for what the build did not record.
func (b buildStamp) String() string {
	commit := b.commit
	if commit == "" {
		commit = "unknown"
	} else if len(commit) > 12 && !strings.Contains(commit[:12], "-") {
		commit = commit[:12] + strings.TrimLeft(commit[12:], "0123456789abcdef")
	}
	date := b.date
	if date == "" {
		date = "unknown"
	}
	return fmt.Sprintf("%s (commit %s, built %s)", b.version, commit, date)
}

// version is the version string of `sparkdiag version`, --version and the
// reports' footer (appmodel.Tool).
func version() string { return readBuildStamp(debug.ReadBuildInfo()).String() }

func newVersionCmd(s *Streams) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(s.Out, "sparkdiag "+version())
			return err
		},
	}
}
