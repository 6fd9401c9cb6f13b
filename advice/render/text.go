package render

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/advice/sanitize"
	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
)

// Text writes a report for a terminal: the summary, the findings by what
// they cost with their evidence and remedy. On a terminal (Options.Terminal)
// tables get box lines, long lines wrap to the width and, with
// Options.Color, severities are coloured; otherwise the output is plain and
// stable, for pipes and files.
type Text struct {
	Options Options
}

// RenderAll writes the reports one after the other.
func (t *Text) RenderAll(w io.Writer, rs []*advice.Report) error {
	bw := bufio.NewWriter(w)
	for i, r := range rs {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		t.write(bw, r)
	}
	return bw.Flush()
}

// Render writes one report.
func (t *Text) Render(w io.Writer, r *advice.Report) error {
	return t.RenderAll(w, []*advice.Report{r})
}

const (
	ansiReset  = "\033[0m"
	ansiBold   = "\033[1m"
	ansiRed    = "\033[1;31m"
	ansiYellow = "\033[1;33m"
	ansiCyan   = "\033[36m"
	ansiDim    = "\033[2m"
)

func (t *Text) paint(code, s string) string {
	if !t.Options.Color {
		return s
	}
	return code + s + ansiReset
}

func (t *Text) sev(s detectors.Severity) string {
	label := "[" + strings.ToUpper(s.String()) + "]"
	switch s {
	case detectors.Error:
		return t.paint(ansiRed, label)
	case detectors.Warning:
		return t.paint(ansiYellow, label)
	}
	return t.paint(ansiCyan, label)
}

// width is the wrapping width (0: no wrapping), on a terminal or not: the
// CLI gives piped output a default width too.
func (t *Text) width() int {
	if t.Options.Width < 40 {
		return 0
	}
	return t.Options.Width
}

// field writes "   label:    text", wrapping text under itself.
func (t *Text) field(w io.Writer, label, text string) {
	prefix := fmt.Sprintf("   %-9s ", label+":")
	t.para(w, prefix, strings.Repeat(" ", len(prefix)), text)
}

// para writes text after first, wrapping continuation lines after indent.
func (t *Text) para(w io.Writer, first, indent, text string) {
	Para(w, first, indent, text, t.width())
}

// Para writes text after first, wrapped at spaces to width columns (0: no
// wrapping, nor under 40), continuation lines after indent; the text's own
// line breaks are kept and control characters replaced.
func Para(w io.Writer, first, indent, text string, width int) {
	text = sanitize.Text(text)
	if width < 40 {
		width = 0
	}
	for i, line := range strings.Split(text, "\n") {
		p := first
		if i > 0 {
			p = indent
		}
		if width == 0 {
			fmt.Fprintln(w, strings.TrimRight(p+line, " "))
			continue
		}
		for _, l := range wrap(line, width-visibleLen(p), width-visibleLen(indent)) {
			fmt.Fprintln(w, strings.TrimRight(p+l, " "))
			p = indent
		}
	}
}

// code writes lines of code after indent, never wrapped: a line broken
// inside a string literal could not be copied back.
func (t *Text) code(w io.Writer, indent, text string) {
	for _, line := range strings.Split(sanitize.Text(text), "\n") {
		fmt.Fprintln(w, strings.TrimRight(indent+line, " "))
	}
}

// visibleLen is the number of columns s takes, colour codes aside.
func visibleLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// wrap cuts s into lines at spaces: the first of at most first runes, the
// others of at most rest (a longer word is cut).
func wrap(s string, first, rest int) []string {
	return wrapWords(s, max(first, 10), max(rest, 10), func(_ []rune, limit int) int { return limit })
}

// wrapWords breaks s at spaces into lines, the first of at most first
// runes and the others of at most rest, keeping numbers with their units
// (glueUnits). A word longer than a line is cut at cut(word, limit) runes
// (0 < cut <= limit), and its rest goes on the next lines.
func wrapWords(s string, first, rest int, cut func(word []rune, limit int) int) []string {
	var lines []string
	var cur []rune
	limit := first
	flush := func(line []rune) {
		lines = append(lines, string(line))
		limit = rest
	}
	for _, word := range glueUnits(strings.Fields(s)) {
		wr := []rune(word)
		if len(cur) > 0 && len(cur)+1+len(wr) > limit {
			flush(cur)
			cur = cur[:0]
		}
		for len(cur) == 0 && len(wr) > limit {
			n := cut(wr, limit)
			flush(wr[:n])
			wr = wr[n:]
		}
		if len(cur) > 0 {
			cur = append(cur, ' ')
		}
		cur = append(cur, wr...)
	}
	if len(cur) > 0 || len(lines) == 0 {
		lines = append(lines, string(cur))
	}
	return lines
}

// unitWords follow a number and stay on its line.
var unitWords = map[string]bool{"B": true, "KiB": true, "MiB": true, "GiB": true, "TiB": true, "PiB": true,
	"ms": true, "s": true, "min": true, "h": true, "tasks": true, "cores": true}

// glueUnits joins "12.3" and "MiB" into one word, so that a line never
// ends between a number and its unit.
func glueUnits(words []string) []string {
	out := words[:0:0]
	for _, w := range words {
		if n := len(out); n > 0 && unitWords[strings.TrimRight(w, ",.;:)")] {
			if last := out[n-1]; last != "" && last[len(last)-1] >= '0' && last[len(last)-1] <= '9' {
				out[n-1] = last + " " + w
				continue
			}
		}
		out = append(out, w)
	}
	return out
}

func (t *Text) write(w io.Writer, r *advice.Report) {
	a := r.App
	head := a.ID
	if a.Name != "" {
		head = strconv.Quote(a.Name) + "  " + a.ID
	}
	fmt.Fprintln(w, t.paint(ansiBold, sanitize.Text(head)))
	kv := func(k, v string) { t.para(w, fmt.Sprintf("  %-11s ", k), strings.Repeat(" ", 14), v) }
	kv("spark", fmt.Sprintf("%s, user %s", orUnknown(a.SparkVersion), orUnknown(a.SparkUser)))
	kv("status", status(r))
	kv("duration", units.Millis(a.DurationMs))
	kv("work", fmt.Sprintf("%s (%d failed), %s, %s tasks, %s task time", units.Plural(a.Jobs, "job"), a.FailedJobs,
		units.Plural(a.Stages, "stage"), units.Count(int64(a.Totals.Tasks)), units.Millis(a.Totals.ExecutorRunTime)))
	kv("executors", executorsLine(r))
	tot := a.Totals
	kv("data", fmt.Sprintf("input %s, output %s, shuffle read %s, shuffle write %s, spill %s",
		units.Bytes(tot.InputBytes), units.Bytes(tot.OutputBytes), units.Bytes(tot.ShuffleReadBytes),
		units.Bytes(tot.ShuffleWriteBytes), units.Bytes(tot.DiskBytesSpilled)))
	if len(r.Findings) == 0 {
		kv("findings", fmt.Sprintf("none: no problems found by %s", units.Plural(len(r.Detectors), "detector")))
		return
	}
	kv("findings", fmt.Sprintf("%d: %s", len(r.Findings), countsLine(r.Counts)))

	fmt.Fprintln(w)
	fmt.Fprintln(w, t.paint(ansiBold, "Findings, most costly first"))
	// The ID heads the finding's cell, on its own line, so that a long ID
	// does not narrow the message's column.
	tb := NewTable("#", "severity", "where", "saves", "id / finding").AlignRight(0, 3).Wrap(2, 4)
	for i := range r.Findings {
		f := &r.Findings[i]
		tb.Add(strconv.Itoa(i+1), f.Severity.String(), shortWhere(f), savings(f), f.ID+"\n"+f.Message)
	}
	tb.Render(w, t.Options.Terminal, t.Options.Width)

	for i := range r.Findings {
		f := &r.Findings[i]
		fmt.Fprintln(w)
		t.para(w, fmt.Sprintf("%d. %s %s  ", i+1, t.sev(f.Severity), f.DetectorID), "   ", f.Message)
		t.field(w, "id", f.ID)
		if wh := where(f); len(wh) > 0 {
			t.field(w, "where", strings.Join(wh, ", "))
		}
		if im := impact(f); im != "" {
			t.field(w, "impact", im)
		}
		for _, l := range relatedLines(f) {
			t.field(w, "also", l)
		}
		for _, n := range f.Triage {
			t.field(w, "triage", n)
		}
		if len(f.Evidence) > 0 {
			fmt.Fprintln(w, "   evidence:")
			et := NewTable("evidence", "value", "threshold").AlignRight(1, 2).Wrap(0)
			for _, e := range f.Evidence {
				et.Add(e.Name, evidenceValue(e), evidenceThreshold(e))
			}
			var sb strings.Builder
			width := t.Options.Width
			if width > 0 {
				width -= 5
			}
			et.Render(&sb, t.Options.Terminal, width)
			for _, line := range strings.Split(strings.TrimRight(sb.String(), "\n"), "\n") {
				fmt.Fprintln(w, strings.TrimRight("     "+line, " "))
			}
		}
		if f.Advice.Explanation != "" {
			t.field(w, "why", f.Advice.Explanation)
		}
		if len(f.Advice.Questions) > 0 {
			t.field(w, "remedies", remediesLine(f.Advice.Questions))
		}
		for _, c := range f.Advice.Changes {
			t.field(w, "fix", change(c))
		}
		if f.Advice.Snippet != "" {
			fmt.Fprintln(w, "   example:")
			t.code(w, "      ", f.Advice.Snippet)
		}
	}
}
