// Command sparkdiag diagnoses Apache Spark applications from their event
// logs. Run `sparkdiag --help` for the commands.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"runtime/pprof"

	"github.com/sparkdiag/sparkdiag/cmd/sparkdiag/internal/cli"
)

// gcPercent is the garbage collector's target unless GOGC or GOMEMLIMIT is
// set: the model of a big log is long-lived and mostly pointer-free (the
// compact task data), so collecting at 20% growth instead of 100% keeps the
// heap, and the peak RSS, close to the model, for about 5% of CPU time
// (docs/performance.md).
const gcPercent = 20

func main() {
	if os.Getenv("GOGC") == "" && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetGCPercent(gcPercent)
	}
	// SPARKDIAG_CPUPROFILE=FILE writes a CPU profile of the whole run, for
	// `go tool pprof` (docs/performance.md).
	if p := os.Getenv("SPARKDIAG_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			if err := pprof.StartCPUProfile(f); err == nil {
				code := cli.Main(os.Args[1:], cli.StdStreams())
				pprof.StopCPUProfile()
				f.Close()
				os.Exit(code)
			}
			f.Close()
		}
		fmt.Fprintln(os.Stderr, "sparkdiag: cannot write the CPU profile", p)
	}
	os.Exit(cli.Main(os.Args[1:], cli.StdStreams()))
}
