package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"

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
			WriteDetectorDoc(w, d, false)
			return w.Flush()
		},
	}
}

// WriteDetectorDoc writes a detector's documentation as Markdown (md) or
// plain text.
func WriteDetectorDoc(w io.Writer, d *detectors.Detector, md bool) {
	h := func(level int, s string) {
		if md {
			fmt.Fprintf(w, "%s %s\n\n", strings.Repeat("#", level), s)
		} else {
			fmt.Fprintf(w, "%s\n%s\n\n", s, strings.Repeat("=-"[level-2:level-1], len(s)))
		}
	}
	h(2, fmt.Sprintf("%s %s: %s", d.ID, d.Name, d.Doc.Title))
	fmt.Fprintf(w, "Category: %s. Default severity: %s. Question bank: %s.\n\n", d.Category, d.Severity, strings.Join(d.Doc.Questions, ", "))
	fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(d.Doc.Text))
	h(3, "Thresholds")
	fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(d.Doc.Thresholds))
	if len(d.Params) > 0 {
		if md {
			fmt.Fprintf(w, "| parameter | default | unit | meaning |\n|---|---|---|---|\n")
			for _, p := range d.Params {
				fmt.Fprintf(w, "| `%s.%s` | %g | %s | %s |\n", d.ID, p.Name, p.Default, p.Unit, p.Doc)
			}
			fmt.Fprintln(w)
		} else {
			for _, p := range d.Params {
				fmt.Fprintf(w, "  %s.%s = %g %s\n      %s\n", d.ID, p.Name, p.Default, p.Unit, p.Doc)
			}
			fmt.Fprintln(w)
		}
	}
}
