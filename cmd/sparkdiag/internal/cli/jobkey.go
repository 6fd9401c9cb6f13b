package cli

import (
	"github.com/spf13/cobra"

	"github.com/sparkdiag/sparkdiag/advice/jobkey"
)

// jobKeyFlag is --job-key: which job a run belongs to, for the baseline.
type jobKeyFlag struct{ spec string }

const jobKeyHelp = "with --baseline: what makes a run's job, a comma list of name, user, queue, conf:KEY, regex:EXPR, auto (a well-known job id, else the name) and shell-names (default names such as \"Spark shell\" are a job too); e.g. " +
	"'conf:spark.databricks.job.id' or 'regex:^(.*?)[-_]\\d{8}$,user' (default " + jobkey.DefaultSpec + ")"

func (f *jobKeyFlag) register(c *cobra.Command) {
	c.Flags().StringVar(&f.spec, "job-key", jobkey.DefaultSpec, jobKeyHelp)
}

// parse checks the flag; a bad spec is a usage error.
func (f *jobKeyFlag) parse() (*jobkey.Spec, error) {
	s, err := jobkey.Parse(f.spec)
	if err != nil {
		return nil, usageErrorf("--job-key: %v", err)
	}
	return s, nil
}
