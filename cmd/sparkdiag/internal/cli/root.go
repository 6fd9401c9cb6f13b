// Package cli implements the sparkdiag commands.
package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sparkdiag/sparkdiag/advice/sanitize"
)

// Main runs sparkdiag with args and returns the exit code.
func Main(args []string, s *Streams) int {
	root := newRootCmd(s)
	root.SetArgs(args)
	root.SetIn(s.In)
	root.SetOut(s.Out)
	root.SetErr(s.Err)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintln(s.Err, "sparkdiag: "+sanitize.Text(ee.msg))
		}
		return ee.code
	}
	// Anything else comes from cobra's own flag and argument checks.
	fmt.Fprintln(s.Err, "sparkdiag: "+sanitize.Text(err.Error()))
	fmt.Fprintln(s.Err, "Run 'sparkdiag --help' for usage.")
	return ExitUsage
}

func newRootCmd(s *Streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "sparkdiag",
		Short: "Diagnose Apache Spark applications from their event logs",
		Long: `sparkdiag reads Spark event logs (any codec, any layout, complete or still being
written) and tells what happened in the application and what went wrong.

Logs can be single files (plain, zstd, lz4, lzf, snappy, gzip), rolling
directories (eventlog_v2_*), Spark 1.x log directories, Databricks log
directories, zip downloads from the History Server, "-" for standard input,
or a named pipe such as <(aws s3 cp s3://bucket/log -).

Exit codes: 0 ok, 1 a finding reached --fail-on, 2 usage error,
3 an input could not be read (the others are still reported; --keep-going
exits 0 when one could), 4 internal error.`,
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("sparkdiag {{.Version}}\n")
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErrorf("%v\nRun '%s --help' for usage.", err, c.CommandPath())
	})
	root.AddCommand(newSummaryCmd(s), newAnalyzeCmd(s), newReviewCmd(s), newDiffCmd(s), newMergeCmd(s), newBaselineCmd(s), newDetectorsCmd(s), newExplainCmd(s), newVersionCmd(s))
	return root
}
