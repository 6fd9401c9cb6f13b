package detectors

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/remedies"
	"github.com/sparkdiag/sparkdiag/advice/units"
)

// WriteDoc writes a detector's documentation as Markdown (md) or
// plain text.
func WriteDoc(w io.Writer, d *Detector, md bool) {
	h := func(level int, s string) {
		if md {
			fmt.Fprintf(w, "%s %s\n\n", strings.Repeat("#", level), s)
		} else {
			fmt.Fprintf(w, "%s\n%s\n\n", s, strings.Repeat("=-"[level-2:level-1], len(s)))
		}
	}
	h(2, fmt.Sprintf("%s %s: %s", d.ID, d.Name, d.Doc.Title))
	fmt.Fprintf(w, "Category: %s. Default severity: %s.\n\n", d.Category, d.Severity)
	fmt.Fprintf(w, "Remedies: %s.\n\n", remedyRefs(d.Doc.Questions, md))
	fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(d.Doc.Text))
	h(3, "Thresholds")
	fmt.Fprintf(w, "%s\n\n", strings.TrimSpace(d.Doc.Thresholds))
	if len(d.Params) > 0 {
		if md {
			fmt.Fprintf(w, "| parameter | default | unit | meaning |\n|---|---|---|---|\n")
			for _, p := range d.Params {
				fmt.Fprintf(w, "| `%s.%s` | %s | %s | %s |\n", d.ID, p.Name, paramValue(p), p.Unit, p.Doc)
			}
			fmt.Fprintln(w)
		} else {
			for _, p := range d.Params {
				fmt.Fprintf(w, "  %s.%s = %s %s\n      %s\n", d.ID, p.Name, paramValue(p), p.Unit, p.Doc)
			}
			fmt.Fprintln(w)
		}
	}
}

// remedyRefs names the remedies a detector cites: "Q3 One task far slower
// than the rest, Q6 Skewed join keys (sparkdiag explain Q3)", or, in
// Markdown, links into docs/remedies.md.
func remedyRefs(qs []string, md bool) string {
	var parts []string
	for _, q := range qs {
		r, ok := remedies.Get(q)
		switch {
		case !ok:
			parts = append(parts, q)
		case md:
			parts = append(parts, fmt.Sprintf("[%s](remedies.md#%s)", r.Label(), r.DocAnchor()))
		default:
			parts = append(parts, r.Label())
		}
	}
	s := strings.Join(parts, "; ")
	if !md && len(qs) > 0 {
		s += " (sparkdiag explain " + qs[0] + ")"
	}
	return s
}

// paramValue prints a default as it would be typed on the command line,
// with the human form of byte sizes beside it ("33554432 (32.0 MiB)").
func paramValue(p Param) string {
	v := strconv.FormatFloat(p.Default, 'f', -1, 64)
	if p.Unit == "bytes" && p.Default >= 1024 {
		v += " (" + units.Bytes(int64(p.Default)) + ")"
	}
	return v
}
