package cli

import (
	"bufio"

	json "github.com/goccy/go-json"
	"github.com/spf13/cobra"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/all"
)

func newDetectorsCmd(s *Streams) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "detectors",
		Short: "List the detectors: ID, name, category, default severity and title",
		Example: `  sparkdiag detectors
  sparkdiag detectors --json | jq '.[].id'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if asJSON {
				b, err := json.MarshalIndent(all.Detectors, "", "  ")
				if err != nil {
					return err
				}
				_, err = s.Out.Write(append(b, '\n'))
				return err
			}
			t := newTable("id", "name", "category", "severity", "title")
			for _, d := range all.Detectors {
				t.add(d.ID, d.Name, d.Category, d.Severity.String(), d.Doc.Title)
			}
			return t.render(s.Out, s)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the catalog as JSON")
	return c
}

func newExplainCmd(s *Streams) *cobra.Command {
	return &cobra.Command{
		Use:     "explain ID",
		Short:   "Print a detector's documentation: what it checks, its thresholds and why",
		Example: "  sparkdiag explain SKEW001\n  sparkdiag explain task-skew",
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			d := all.ByID(args[0])
			if d == nil {
				return usageErrorf("unknown detector %q (see 'sparkdiag detectors')", args[0])
			}
			w := bufio.NewWriter(s.Out)
			detectors.WriteDoc(w, d, false)
			return w.Flush()
		},
	}
}
