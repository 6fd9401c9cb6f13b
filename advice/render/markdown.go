package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/advice/remedies"
	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
)

// Markdown writes a report that pastes well into a GitHub issue or a Jira
// ticket: a summary table, the findings by severity with their evidence
// and remedy, and the long parts (examples, long evidence, input details)
// folded in <details>. Strings from the log are escaped so that they show
// as written and never turn into markup.
type Markdown struct{}

// maxOpenEvidence is the number of evidence rows shown unfolded.
const maxOpenEvidence = 8

// RenderAll writes the reports one after the other, separated by a rule.
func (m *Markdown) RenderAll(w io.Writer, rs []*advice.Report) error {
	bw := bufio.NewWriter(w)
	for i, r := range rs {
		if i > 0 {
			fmt.Fprint(bw, "\n---\n\n")
		}
		writeMarkdown(bw, r)
	}
	return bw.Flush()
}

// Render writes one report.
func (m *Markdown) Render(w io.Writer, r *advice.Report) error {
	return m.RenderAll(w, []*advice.Report{r})
}

var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, `|`, `\|`, `~`, `\~`,
	`<`, `&lt;`, `>`, `&gt;`, `&`, `&amp;`, `#`, `\#`,
)

// md escapes text from the log (or any text) for Markdown, on one line.
func md(s string) string { return mdEscaper.Replace(oneLine(s)) }

// codeCell writes s as an inline code span in a table cell, where a pipe
// would end the cell even inside the span.
func codeCell(s string) string {
	return strings.ReplaceAll(code(s), "|", `\|`)
}

// code writes s as an inline code span.
func code(s string) string {
	s = oneLine(s)
	if s == "" {
		return ""
	}
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	pad := ""
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		pad = " "
	}
	return fence + pad + s + pad + fence
}

// codeBlock writes a fenced block that s cannot close.
func codeBlock(w io.Writer, lang, s string) {
	fence := "```"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	fmt.Fprintf(w, "%s%s\n%s\n%s\n", fence, lang, strings.TrimRight(clean(s), "\n"), fence)
}

// snippetLang guesses the language of an example for highlighting.
func snippetLang(s string) string {
	t := strings.ToUpper(strings.TrimSpace(s))
	switch {
	case strings.Contains(s, "pyspark") || strings.Contains(s, "F.") || strings.Contains(s, "import "):
		return "python"
	case strings.HasPrefix(t, "SELECT") || strings.HasPrefix(t, "SET ") || strings.HasPrefix(t, "WITH ") ||
		strings.HasPrefix(t, "--") || strings.HasPrefix(t, "INSERT"):
		return "sql"
	case strings.Contains(s, "val ") || strings.Contains(s, "def "):
		return "scala"
	}
	return ""
}

func severityMark(s detectors.Severity) string {
	switch s {
	case detectors.Error:
		return "🔴 error"
	case detectors.Warning:
		return "🟠 warning"
	}
	return "🔵 info"
}

func writeMarkdown(w io.Writer, r *advice.Report) {
	a := r.App
	fmt.Fprintf(w, "## sparkdiag: %s\n\n", md(title(r)))
	verdict := "no problems found"
	if len(r.Findings) > 0 {
		verdict = units.Plural(len(r.Findings), "finding") + ": " + countsLine(r.Counts)
	}
	fmt.Fprintf(w, "%s · Spark %s · %s · %s · **%s**\n\n", code(a.ID), md(orUnknown(a.SparkVersion)),
		md(status(r)), units.Millis(a.DurationMs), verdict)

	fmt.Fprint(w, "| | |\n|---|---|\n")
	row := func(k, v string) { fmt.Fprintf(w, "| %s | %s |\n", k, v) }
	app := codeCell(a.ID)
	if a.Name != "" {
		app = md(a.Name) + " (" + codeCell(a.ID) + ")"
	}
	if a.AttemptID != "" {
		app += ", attempt " + md(a.AttemptID)
	}
	row("Application", app)
	row("Spark", md(orUnknown(a.SparkVersion))+", user "+md(orUnknown(a.SparkUser)))
	row("Status", md(status(r)))
	row("Duration", units.Millis(a.DurationMs))
	row("Work", md(fmt.Sprintf("%s (%d failed), %s, %s tasks, %s task time", units.Plural(a.Jobs, "job"), a.FailedJobs,
		units.Plural(a.Stages, "stage"), units.Count(int64(a.Totals.Tasks)), units.Millis(a.Totals.ExecutorRunTime))))
	row("Executors", md(executorsLine(r)))
	t := a.Totals
	row("Data", md(fmt.Sprintf("input %s, output %s, shuffle read %s, shuffle write %s, spill %s",
		units.Bytes(t.InputBytes), units.Bytes(t.OutputBytes), units.Bytes(t.ShuffleReadBytes),
		units.Bytes(t.ShuffleWriteBytes), units.Bytes(t.DiskBytesSpilled))))
	row("Findings", md(verdict))
	fmt.Fprintln(w)

	if len(r.Findings) > 0 {
		fmt.Fprint(w, "### Findings, most costly first\n\n")
		fmt.Fprint(w, "| # | Severity | ID | Where | Saves | Finding |\n|--:|---|---|---|--:|---|\n")
		for i := range r.Findings {
			f := &r.Findings[i]
			fmt.Fprintf(w, "| %d | %s | [%s](#%s) | %s | %s | %s |\n", i+1, severityMark(f.Severity), md(f.ID), f.ID,
				md(shortWhere(f)), savings(f), md(f.Message))
		}
		fmt.Fprintln(w)
	}

	n := 0
	for _, g := range findingsBySeverity(r) {
		fmt.Fprintf(w, "### %s\n\n", severityTitle(g[0].Severity))
		for _, f := range g {
			n++
			writeMarkdownFinding(w, n, f)
		}
	}

	if r.Charts != nil && len(r.Charts.TopStages) > 0 {
		fmt.Fprint(w, "<details><summary>Slowest stages</summary>\n\n")
		fmt.Fprint(w, "| Stage | Duration | Task time | Tasks | Status | Findings | Name |\n|---|--:|--:|--:|---|---|---|\n")
		for _, s := range r.Charts.TopStages {
			var ids []string
			for _, id := range s.Findings {
				ids = append(ids, "["+md(id)+"](#"+id+")")
			}
			fmt.Fprintf(w, "| %d.%d | %s | %s | %s | %s | %s | %s |\n", s.ID, s.Attempt, units.Millis(s.DurationMs),
				units.Millis(s.TaskTimeMs), units.Count(int64(s.Tasks)), md(s.Status), strings.Join(ids, " "), md(s.Name))
		}
		fmt.Fprint(w, "\n</details>\n\n")
	}

	fmt.Fprint(w, "<details><summary>Input and detectors</summary>\n\n")
	in := r.Input
	fmt.Fprintf(w, "- Log: %s (%s, %s events, %s skipped lines)\n", code(in.Path), md(in.Layout),
		units.Count(int64(in.Events)), units.Count(int64(in.SkippedLines)))
	for _, p := range in.Parts {
		fmt.Fprintf(w, "  - %s: %s, %s\n", code(p.Name), md(p.Codec), units.Bytes(p.RawBytes))
	}
	for _, p := range in.Problems {
		fmt.Fprintf(w, "- Problem: %s\n", md(p.String()))
	}
	if in.MoreProblems > 0 {
		fmt.Fprintf(w, "- ... and %d more problems\n", in.MoreProblems)
	}
	for _, x := range in.Warnings {
		fmt.Fprintf(w, "- Warning: %s\n", md(x))
	}
	ds := make([]string, len(r.Detectors))
	for i, d := range r.Detectors {
		ds[i] = code(d)
	}
	if len(ds) == 0 {
		ds = []string{"none"}
	}
	fmt.Fprintf(w, "- Detectors run (%d): %s\n", len(r.Detectors), strings.Join(ds, ", "))
	fmt.Fprint(w, "\n</details>\n\n")
	fmt.Fprintf(w, "<sub>Report by %s %s. `sparkdiag explain ID` documents each detector.</sub>\n",
		md(r.Tool.Name), md(r.Tool.Version))
}

func writeMarkdownFinding(w io.Writer, n int, f *advice.Finding) {
	fmt.Fprintf(w, "<a id=\"%s\"></a>\n\n", f.ID)
	fmt.Fprintf(w, "#### %d. %s %s\n\n", n, md(f.DetectorID), md(f.Message))
	fmt.Fprintf(w, "- **ID:** %s · %s · %s\n", code(f.ID), severityMark(f.Severity), md(f.Category))
	if wh := where(f); len(wh) > 0 {
		parts := make([]string, len(wh))
		for i, x := range wh {
			if strings.HasPrefix(x, "at ") {
				parts[i] = "at " + code(strings.TrimPrefix(x, "at "))
			} else {
				parts[i] = md(x)
			}
		}
		fmt.Fprintf(w, "- **Where:** %s\n", strings.Join(parts, ", "))
	}
	if im := impact(f); im != "" {
		fmt.Fprintf(w, "- **Impact:** %s\n", md(im))
	}
	for _, l := range relatedLines(f) {
		fmt.Fprintf(w, "- **Same cause:** %s\n", md(l))
	}
	for _, n := range f.Triage {
		fmt.Fprintf(w, "- **Triage:** %s\n", md(n))
	}
	fmt.Fprintln(w)
	if len(f.Evidence) > 0 {
		folded := len(f.Evidence) > maxOpenEvidence
		if folded {
			fmt.Fprintf(w, "<details><summary>Evidence (%d numbers)</summary>\n\n", len(f.Evidence))
		} else {
			fmt.Fprint(w, "**Evidence**\n\n")
		}
		fmt.Fprint(w, "| Evidence | Value | Threshold |\n|---|--:|--:|\n")
		for _, e := range f.Evidence {
			fmt.Fprintf(w, "| %s | %s | %s |\n", md(e.Name), md(evidenceValue(e)), md(evidenceThreshold(e)))
		}
		fmt.Fprintln(w)
		if folded {
			fmt.Fprint(w, "</details>\n\n")
		}
	}
	if f.Advice.Explanation != "" || len(f.Advice.Changes) > 0 {
		fmt.Fprint(w, "**Remedy:**")
		if f.Advice.Explanation != "" {
			fmt.Fprint(w, " "+md(f.Advice.Explanation))
		}
		if len(f.Advice.Questions) > 0 {
			fmt.Fprintf(w, " (remedies: %s)", md(strings.Join(remedies.Labels(f.Advice.Questions), "; ")))
		}
		fmt.Fprint(w, "\n\n")
		for _, c := range f.Advice.Changes {
			if c.Key == "" {
				fmt.Fprintf(w, "- %s\n", md(c.Why))
				continue
			}
			s := "- " + code(c.Key+"="+c.Suggested)
			if c.Current != "" {
				s += " (now " + code(c.Current) + ")"
			}
			if c.Why != "" {
				s += ": " + md(c.Why)
			}
			fmt.Fprintln(w, s)
		}
		if len(f.Advice.Changes) > 0 {
			fmt.Fprintln(w)
		}
	}
	if f.Advice.Snippet != "" {
		fmt.Fprint(w, "<details><summary>Example</summary>\n\n")
		codeBlock(w, snippetLang(f.Advice.Snippet), f.Advice.Snippet)
		fmt.Fprint(w, "\n</details>\n\n")
	}
}
