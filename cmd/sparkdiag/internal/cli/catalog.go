package cli

import (
	"bufio"
	"fmt"
	"strings"

	json "github.com/goccy/go-json"
	"github.com/spf13/cobra"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/all"
)

func newDetectorsCmd(s *Streams) *cobra.Command {
	var format string
	var asJSON bool
	c := &cobra.Command{
		Use:   "detectors",
		Short: "List the detectors: ID, name, category, default severity and title",
		Example: `  sparkdiag detectors
  sparkdiag detectors -f json | jq '.[].id'`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if asJSON {
				fmt.Fprintln(s.Err, "sparkdiag: --json is deprecated: use -f json")
				format = "json"
			}
			switch strings.ToLower(format) {
			case "json":
				b, err := json.MarshalIndent(all.Detectors, "", "  ")
				if err != nil {
					return err
				}
				_, err = s.Out.Write(append(b, '\n'))
				return err
			case "text", "txt":
			default:
				return usageErrorf("unknown --format %q (want text or json)", format)
			}
			t := newTable("id", "name", "category", "severity", "title")
			for _, d := range all.Detectors {
				t.add(d.ID, d.Name, d.Category, d.Severity.String(), d.Doc.Title)
			}
			return t.render(s.Out, s)
		},
	}
	c.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	// --json was the catalog's own flag before -f json; kept, hidden, with a
	// note on stderr (cobra's deprecation note would go to stdout, into
	// the JSON).
	c.Flags().BoolVar(&asJSON, "json", false, "deprecated: use -f json")
	_ = c.Flags().MarkHidden("json")
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
