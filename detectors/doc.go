package detectors

import (
	"fmt"
	"io"
	"strconv"
	"strings"

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
	fmt.Fprintf(w, "Category: %s. Default severity: %s. Question bank: %s.\n\n", d.Category, d.Severity, strings.Join(d.Doc.Questions, ", "))
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

// paramValue prints a default as it would be typed on the command line,
// with the human form of byte sizes beside it ("33554432 (32.0 MiB)").
func paramValue(p Param) string {
	v := strconv.FormatFloat(p.Default, 'f', -1, 64)
	if p.Unit == "bytes" && p.Default >= 1024 {
		v += " (" + units.Bytes(int64(p.Default)) + ")"
	}
	return v
}
