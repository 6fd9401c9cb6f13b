// Command sparkdiag diagnoses Apache Spark applications from their event
// logs. Run `sparkdiag --help` for the commands.
package main

import (
	"os"

	"github.com/sparkdiag/sparkdiag/cmd/sparkdiag/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.StdStreams()))
}
