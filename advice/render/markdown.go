package render

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/advice/remedies"
	"github.com/sparkdiag/sparkdiag/advice/sanitize"
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
	fmt.Fprintf(w, "## sparkdiag: %s\n\n", sanitize.Markdown(title(r)))
	verdict := "no problems found"
	if len(r.Findings) > 0 {
		verdict = units.Plural(len(r.Findings), "finding") + ": " + countsLine(r.Counts)
	}
	fmt.Fprintf(w, "%s · Spark %s · %s · %s · **%s**\n\n", sanitize.Code(a.ID), sanitize.Markdown(orUnknown(a.SparkVersion)),
		sanitize.Markdown(status(r)), units.Millis(a.DurationMs), verdict)

	fmt.Fprint(w, "| | |\n|---|---|\n")
	row := func(k, v string) { fmt.Fprintf(w, "| %s | %s |\n", k, v) }
	app := sanitize.CodeCell(a.ID)
	if a.Name != "" {
		app = sanitize.Markdown(a.Name) + " (" + sanitize.CodeCell(a.ID) + ")"
	}
	if a.AttemptID != "" {
		app += ", attempt " + sanitize.Markdown(a.AttemptID)
	}
	row("Application", app)
	row("Spark", sanitize.Markdown(orUnknown(a.SparkVersion))+", user "+sanitize.Markdown(orUnknown(a.SparkUser)))
	row("Status", sanitize.Markdown(status(r)))
	row("Duration", units.Millis(a.DurationMs))
	row("Work", sanitize.Markdown(fmt.Sprintf("%s (%d failed), %s, %s tasks, %s task time", units.Plural(a.Jobs, "job"), a.FailedJobs,
		units.Plural(a.Stages, "stage"), units.Count(int64(a.Totals.Tasks)), units.Millis(a.Totals.ExecutorRunTime))))
	row("Executors", sanitize.Markdown(executorsLine(r)))
	t := a.Totals
	row("Data", sanitize.Markdown(fmt.Sprintf("input %s, output %s, shuffle read %s, shuffle write %s, spill %s",
		units.Bytes(t.InputBytes), units.Bytes(t.OutputBytes), units.Bytes(t.ShuffleReadBytes),
		units.Bytes(t.ShuffleWriteBytes), units.Bytes(t.DiskBytesSpilled))))
	row("Findings", sanitize.Markdown(verdict))
	fmt.Fprintln(w)

	if len(r.Findings) > 0 {
		fmt.Fprint(w, "### Findings, most costly first\n\n")
		fmt.Fprint(w, "| # | Severity | ID | Where | Saves | Finding |\n|--:|---|---|---|--:|---|\n")
		for i := range r.Findings {
			f := &r.Findings[i]
			fmt.Fprintf(w, "| %d | %s | [%s](#%s) | %s | %s | %s |\n", i+1, severityMark(f.Severity), sanitize.Markdown(f.ID), f.ID,
				sanitize.Markdown(shortWhere(f)), savings(f), sanitize.Markdown(f.Message))
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
				ids = append(ids, "["+sanitize.Markdown(id)+"](#"+id+")")
			}
			fmt.Fprintf(w, "| %d.%d | %s | %s | %s | %s | %s | %s |\n", s.ID, s.Attempt, units.Millis(s.DurationMs),
				units.Millis(s.TaskTimeMs), units.Count(int64(s.Tasks)), sanitize.Markdown(s.Status), strings.Join(ids, " "), sanitize.Markdown(s.Name))
		}
		fmt.Fprint(w, "\n</details>\n\n")
	}

	fmt.Fprint(w, "<details><summary>Input and detectors</summary>\n\n")
	in := r.Input
	fmt.Fprintf(w, "- Log: %s (%s, %s events, %s skipped lines)\n", sanitize.Code(in.Path), sanitize.Markdown(in.Layout),
		units.Count(int64(in.Events)), units.Count(int64(in.SkippedLines)))
	for _, p := range in.Parts {
		fmt.Fprintf(w, "  - %s: %s, %s\n", sanitize.Code(p.Name), sanitize.Markdown(p.Codec), units.Bytes(p.RawBytes))
	}
	for _, p := range in.Problems {
		fmt.Fprintf(w, "- Problem: %s\n", sanitize.Markdown(p.String()))
	}
	if in.MoreProblems > 0 {
		fmt.Fprintf(w, "- ... and %d more problems\n", in.MoreProblems)
	}
	for _, x := range in.Warnings {
		fmt.Fprintf(w, "- Warning: %s\n", sanitize.Markdown(x))
	}
	ds := make([]string, len(r.Detectors))
	for i, d := range r.Detectors {
		ds[i] = sanitize.Code(d)
	}
	if len(ds) == 0 {
		ds = []string{"none"}
	}
	fmt.Fprintf(w, "- Detectors run (%d): %s\n", len(r.Detectors), strings.Join(ds, ", "))
	fmt.Fprint(w, "\n</details>\n\n")
	fmt.Fprintf(w, "<sub>Report by %s %s. `sparkdiag explain ID` documents each detector.</sub>\n",
		sanitize.Markdown(r.Tool.Name), sanitize.Markdown(r.Tool.Version))
}

func writeMarkdownFinding(w io.Writer, n int, f *advice.Finding) {
	fmt.Fprintf(w, "<a id=\"%s\"></a>\n\n", f.ID)
	fmt.Fprintf(w, "#### %d. %s %s\n\n", n, sanitize.Markdown(f.DetectorID), sanitize.Markdown(f.Message))
	fmt.Fprintf(w, "- **ID:** %s · %s · %s\n", sanitize.Code(f.ID), severityMark(f.Severity), sanitize.Markdown(f.Category))
	if wh := where(f); len(wh) > 0 {
		parts := make([]string, len(wh))
		for i, x := range wh {
			if strings.HasPrefix(x, "at ") {
				parts[i] = "at " + sanitize.Code(strings.TrimPrefix(x, "at "))
			} else {
				parts[i] = sanitize.Markdown(x)
			}
		}
		fmt.Fprintf(w, "- **Where:** %s\n", strings.Join(parts, ", "))
	}
	if im := impact(f); im != "" {
		fmt.Fprintf(w, "- **Impact:** %s\n", sanitize.Markdown(im))
	}
	for _, l := range relatedLines(f) {
		fmt.Fprintf(w, "- **Same cause:** %s\n", sanitize.Markdown(l))
	}
	for _, n := range f.Triage {
		fmt.Fprintf(w, "- **Triage:** %s\n", sanitize.Markdown(n))
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
			fmt.Fprintf(w, "| %s | %s | %s |\n", sanitize.Markdown(e.Name), sanitize.Markdown(evidenceValue(e)), sanitize.Markdown(evidenceThreshold(e)))
		}
		fmt.Fprintln(w)
		if folded {
			fmt.Fprint(w, "</details>\n\n")
		}
	}
	if f.Advice.Explanation != "" || len(f.Advice.Changes) > 0 {
		fmt.Fprint(w, "**Remedy:**")
		if f.Advice.Explanation != "" {
			fmt.Fprint(w, " "+sanitize.Markdown(f.Advice.Explanation))
		}
		if len(f.Advice.Questions) > 0 {
			fmt.Fprintf(w, " (remedies: %s)", sanitize.Markdown(strings.Join(remedies.Labels(f.Advice.Questions), "; ")))
		}
		fmt.Fprint(w, "\n\n")
		for _, c := range f.Advice.Changes {
			if c.Key == "" {
				fmt.Fprintf(w, "- %s\n", sanitize.Markdown(c.Why))
				continue
			}
			s := "- " + sanitize.Code(c.Key+"="+c.Suggested)
			if c.Current != "" {
				s += " (now " + sanitize.Code(c.Current) + ")"
			}
			if c.Why != "" {
				s += ": " + sanitize.Markdown(c.Why)
			}
			fmt.Fprintln(w, s)
		}
		if len(f.Advice.Changes) > 0 {
			fmt.Fprintln(w)
		}
	}
	if f.Advice.Snippet != "" {
		fmt.Fprint(w, "<details><summary>Example</summary>\n\n")
		fmt.Fprint(w, sanitize.CodeBlock(snippetLang(f.Advice.Snippet), f.Advice.Snippet))
		fmt.Fprint(w, "\n</details>\n\n")
	}
}
