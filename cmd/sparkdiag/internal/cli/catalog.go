package cli

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	json "github.com/goccy/go-json"
	"github.com/spf13/cobra"

	"github.com/sparkdiag/sparkdiag/advice/remedies"
	"github.com/sparkdiag/sparkdiag/advice/render"
	"github.com/sparkdiag/sparkdiag/advice/units"
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
		Use:   "explain [Qn | ID | name | category]",
		Short: "Print a remedy (Q1 to Q30), a detector's documentation, or the detectors of a category",
		Long: `Print what a finding refers to:

  Qn        a remedy: the symptom, how the event log shows it, the fixes
            with their settings, and examples in PySpark and Scala
  ID, name  a detector's documentation: what it checks, its thresholds
            and why
  category  the detectors of a category, with their titles

Findings cite remedies by number ("Q6 Skewed join keys"); all of them are
in docs/remedies.md.`,
		Example: `  sparkdiag explain Q6
  sparkdiag explain SKEW001
  sparkdiag explain task-skew
  sparkdiag explain joins`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			w := bufio.NewWriter(s.Out)
			if err := explain(w, args, s.Width); err != nil {
				return err
			}
			return w.Flush()
		},
	}
}

// explain writes what its argument names: a remedy, a detector (by ID or
// name) or a category; with no argument, where to start.
func explain(w io.Writer, args []string, width int) error {
	if len(args) == 0 {
		fmt.Fprintf(w, "Name what to explain: a remedy (Q1 to Q%d), a detector ID or name, or a category.\n", len(remedies.All()))
		fmt.Fprintln(w, "'sparkdiag detectors' lists the detectors and their categories.")
		fmt.Fprintln(w, "For example: sparkdiag explain Q6, sparkdiag explain SKEW001, sparkdiag explain joins.")
		fmt.Fprintln(w, "\nRemedies:")
		for _, r := range remedies.All() {
			fmt.Fprintf(w, "  %-4s %s\n", r.ID, r.Title)
		}
		return nil
	}
	arg := strings.TrimSpace(args[0])
	if r, ok := remedies.Get(arg); ok && strings.HasPrefix(strings.ToUpper(arg), "Q") {
		r.WriteText(w, min(width, 100))
		return nil
	}
	if d := all.ByID(arg); d != nil {
		var b strings.Builder
		detectors.WriteDoc(&b, d, false)
		reflow(w, b.String(), min(width, 100))
		return nil
	}
	var inCat []*detectors.Detector
	for _, d := range all.Detectors {
		if strings.EqualFold(d.Category, arg) {
			inCat = append(inCat, d)
		}
	}
	if len(inCat) > 0 {
		fmt.Fprintf(w, "Category %s: %s\n\n", inCat[0].Category, units.Plural(len(inCat), "detector"))
		t := render.NewTable("id", "name", "title").Wrap(2)
		for _, d := range inCat {
			t.Add(d.ID, d.Name, d.Doc.Title)
		}
		if err := t.Render(w, false, width); err != nil {
			return err
		}
		fmt.Fprintf(w, "\n'sparkdiag explain %s' prints a detector's documentation.\n", inCat[0].ID)
		return nil
	}
	var cats []string
	seen := map[string]bool{}
	for _, d := range all.Detectors {
		if !seen[d.Category] {
			seen[d.Category] = true
			cats = append(cats, d.Category)
		}
	}
	return usageErrorf("unknown remedy, detector or category %q: want Q1 to Q%d, a detector ID or name (see 'sparkdiag detectors'), or one of the categories %s",
		arg, len(remedies.All()), strings.Join(cats, ", "))
}

// reflow writes the plain text of a detector's documentation wrapped to
// width columns (80 when unknown): paragraphs and "- " list items are
// refilled, indented lines (the parameters) wrap under their own indent,
// headings stay as they are, and Markdown marks are dropped.
func reflow(w io.Writer, text string, width int) {
	if width < 40 {
		width = 80
	}
	type item struct {
		first, indent string
		words         []string
		list          bool
	}
	var items []*item
	flush := func() {
		for _, it := range items {
			render.Para(w, it.first, it.indent, strings.Join(it.words, " "), width)
		}
		items = nil
	}
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.NewReplacer("**", "", "`", "").Replace(lines[i])
		trimmed := strings.TrimLeft(l, " ")
		var cur *item
		if len(items) > 0 {
			cur = items[len(items)-1]
		}
		switch {
		case trimmed == "":
			flush()
			fmt.Fprintln(w)
		case i+1 < len(lines) && lines[i+1] != "" && strings.Trim(lines[i+1], "=-") == "":
			flush()
			var hb strings.Builder
			render.Para(&hb, "", "", l, width)
			long := 0
			for _, hl := range strings.Split(strings.TrimRight(hb.String(), "\n"), "\n") {
				long = max(long, utf8.RuneCountInString(hl))
			}
			fmt.Fprint(w, hb.String())
			fmt.Fprintln(w, strings.Repeat(lines[i+1][:1], long))
			i++
		case strings.HasPrefix(l, "- "):
			items = append(items, &item{first: "- ", indent: "  ", words: []string{l[2:]}, list: true})
		case cur != nil && cur.list && strings.HasPrefix(l, "  "):
			cur.words = append(cur.words, trimmed)
		case trimmed != l:
			pad := l[:len(l)-len(trimmed)]
			items = append(items, &item{first: pad, indent: pad, words: []string{trimmed}})
		case cur != nil && !cur.list && cur.first == "":
			cur.words = append(cur.words, l)
		default:
			items = append(items, &item{words: []string{l}})
		}
	}
	flush()
}
