package cli

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"
	"github.com/spf13/cobra"

	"github.com/sparkdiag/sparkdiag/advice/render"
	"github.com/sparkdiag/sparkdiag/advice/sanitize"
	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

type summaryOptions struct {
	read      readFlags
	keepGoing keepGoing
	format    string
	output    []string
	top       int
}

func newSummaryCmd(s *Streams) *cobra.Command {
	o := &summaryOptions{}
	c := &cobra.Command{
		Use:   "summary LOG...",
		Short: "Print an overview of each application: jobs, stages, tasks, executors, I/O",
		Long: `Print an overview of each application in the logs: duration, jobs, stages,
tasks, executors, totals of input, output, shuffle and spill, and the slowest
stages with the distribution of their task durations.

With --format json, print the application model instead: a versioned object
whose field names follow the Spark History Server REST API (see
docs/model-json.md). Several applications give a JSON array. --format markdown
writes the overview as Markdown tables, for a ticket. -o FILE writes a file in
the format its extension names (.txt .json .md), and can be given several times.`,
		Example: `  # a single log, any codec
  sparkdiag summary /var/log/spark/application_1700000000000_0042.zstd

  # a rolling-log directory, and a log still being written
  sparkdiag summary eventlog_v2_local-1700000000000 app-20240101.inprogress

  # the model as JSON, from standard input
  zstd -dc app.zstd | sparkdiag summary -f json -

  # Markdown for a ticket, and the model as JSON, from one read
  sparkdiag summary -o summary.md -o model.json app.zstd`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			outs, err := o.outputs()
			if err != nil {
				return err
			}
			apps, failed, err := loadAll(args, &o.read, s)
			if err != nil {
				return err
			}
			for _, out := range outs {
				err := writeOutput(out, s, o.read.quiet, func(w io.Writer) error {
					return writeSummaries(w, out, s, apps, o.top)
				})
				if err != nil {
					return err
				}
			}
			return o.keepGoing.check(failed, len(args))
		},
	}
	o.read.register(c)
	o.keepGoing.register(c)
	c.Flags().StringVarP(&o.format, "format", "f", "text", "output format: text, json or markdown (md)")
	c.Flags().StringArrayVarP(&o.output, "output", "o", nil, "write to FILE in the format its extension names (.txt .json .md); repeatable; - is standard output in --format")
	c.Flags().IntVar(&o.top, "top", 10, "how many of the slowest stages to list")
	return c
}

// summaryFormat is the canonical name of a summary format.
func summaryFormat(name string) (string, error) {
	switch strings.ToLower(name) {
	case "text", "txt":
		return "text", nil
	case "json":
		return "json", nil
	case "markdown", "md":
		return "markdown", nil
	}
	return "", fmt.Errorf("unknown format %q: want text, json or markdown", name)
}

// outputs resolves --format and -o into where the summaries go.
func (o *summaryOptions) outputs() ([]output, error) {
	return resolveOutputs(o.format, o.output, summaryFormat, ".txt, .json or .md")
}

// writeSummaries writes every application's summary to one output.
func writeSummaries(w io.Writer, out output, s *Streams, apps []loaded, top int) error {
	if out.format == "json" {
		return writeModelJSON(w, apps)
	}
	// A file gets plain columns; standard output fits the terminal.
	ts := *s
	if !out.toStdout() {
		ts.OutTTY, ts.Width = false, 0
	}
	for i, a := range apps {
		if i > 0 {
			if out.format == "markdown" {
				fmt.Fprint(w, "\n---\n\n")
			} else {
				fmt.Fprintln(w)
			}
		}
		if err := writeSummary(w, &ts, a, top, out.format == "markdown"); err != nil {
			return err
		}
	}
	return nil
}

func tool() appmodel.Tool { return appmodel.Tool{Name: "sparkdiag", Version: version()} }

func writeModelJSON(w io.Writer, apps []loaded) error {
	docs := make([]*appmodel.Document, len(apps))
	for i, a := range apps {
		docs[i] = appmodel.NewDocument(a.App, a.Stats, tool())
	}
	var v any = docs
	if len(docs) == 1 {
		v = docs[0]
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(sanitize.JSON(b), '\n'))
	return err
}

// writeSummary writes one application's overview: as aligned text, or as
// Markdown tables.
func writeSummary(w io.Writer, s *Streams, l loaded, top int, markdown bool) error {
	a, st := l.App, l.Stats
	kv := func(k, v string) {
		render.Para(w, fmt.Sprintf("%-12s ", k), strings.Repeat(" ", 13), sanitize.Line(v), s.Width)
	}
	if markdown {
		fmt.Fprintf(w, "## sparkdiag summary: %s\n\n| | |\n|---|---|\n", render.MarkdownText(a.ID))
		kv = func(k, v string) { fmt.Fprintf(w, "| %s | %s |\n", k, render.MarkdownText(v)) }
	}

	title := a.ID
	if a.AttemptID != "" {
		title += " (attempt " + a.AttemptID + ")"
	}
	if a.Name != "" {
		title += "  " + strconv.Quote(a.Name)
	}
	kv("Application", title)
	ver := a.SparkVersion
	if ver == "" {
		ver = "unknown (no version in the log)"
	}
	kv("Spark", ver)
	if a.User != "" {
		kv("User", a.User)
	}
	status := "completed"
	switch {
	case st.Truncated:
		status = "incomplete (log cut off)"
	case st.InProgress:
		status = "in progress"
	case !a.Complete:
		status = "incomplete (no application end)"
	}
	kv("Status", status)
	dur := units.Millis(a.Duration())
	if a.Start > 0 {
		dur += "  (" + appmodel.FormatTime(a.Start)
		if a.End > 0 {
			dur += " to " + appmodel.FormatTime(a.End)
		}
		dur += ")"
	}
	kv("Duration", dur)

	var raw, dec int64
	codecs := map[string]bool{}
	for _, p := range st.Parts {
		raw += p.RawBytes
		dec += p.DecodedBytes
		if p.Codec != "" {
			codecs[p.Codec] = true
		}
	}
	logDesc := fmt.Sprintf("%s (%s, %s", st.Path, st.Layout, strings.Join(sortedKeys(codecs), "+"))
	if len(st.Parts) > 1 {
		logDesc += fmt.Sprintf(", %d files", len(st.Parts))
	}
	logDesc += fmt.Sprintf(", %s read, %s decoded, %s events", units.Bytes(raw), units.Bytes(dec), units.Count(int64(st.Events)))
	if st.SkippedLines > 0 {
		logDesc += fmt.Sprintf(", %s lines skipped", units.Count(int64(st.SkippedLines)))
	}
	kv("Log", logDesc+")")

	// Jobs, stages, tasks.
	var jobOK, jobFailed int
	for _, j := range a.Jobs {
		switch j.Status {
		case appmodel.JobSucceeded:
			jobOK++
		case appmodel.JobFailed:
			jobFailed++
		}
	}
	kv("Jobs", fmt.Sprintf("%d (%d succeeded, %d failed, %d other)", len(a.Jobs), jobOK, jobFailed, len(a.Jobs)-jobOK-jobFailed))
	byStatus := map[appmodel.StageStatus]int{}
	for _, stg := range a.Stages {
		byStatus[stg.Status]++
	}
	kv("Stages", fmt.Sprintf("%d attempts (%d complete, %d failed, %d skipped, %d active or pending)", len(a.Stages),
		byStatus[appmodel.StageComplete], byStatus[appmodel.StageFailed], byStatus[appmodel.StageSkipped],
		byStatus[appmodel.StageActive]+byStatus[appmodel.StagePending]))
	tot := a.Totals()
	var spec int
	for _, stg := range a.Stages {
		spec += stg.NumSpeculative
	}
	kv("Tasks", fmt.Sprintf("%s (%s failed, %s killed, %s speculative)", units.Count(int64(tot.Tasks)),
		units.Count(int64(tot.FailedTasks)), units.Count(int64(tot.KilledTasks)), units.Count(int64(spec))))
	var nexec, removed, cores int
	for _, e := range a.Executors {
		if e.IsDriver() {
			continue
		}
		nexec++
		cores += e.TotalCores
		if e.RemoveTime > 0 {
			removed++
		}
	}
	if nexec == 0 {
		master := a.SparkProps["spark.master"]
		if master == "" {
			master = "unknown master"
		}
		kv("Executors", fmt.Sprintf("none: the driver ran the tasks (%s)", master))
	} else {
		kv("Executors", fmt.Sprintf("%d (%d removed), %d cores", nexec, removed, cores))
	}
	if len(a.SQL) > 0 {
		kv("SQL", fmt.Sprintf("%d executions", len(a.SQL)))
	}
	if len(a.Streaming) > 0 {
		nb := 0
		for _, q := range a.Streaming {
			nb += q.NumBatches()
		}
		kv("Streaming", fmt.Sprintf("%d query runs, %d batches", len(a.Streaming), nb))
	}
	kv("Task time", fmt.Sprintf("%s run, %s CPU, %s GC", units.Millis(tot.ExecutorRunTime),
		units.Millis(tot.ExecutorCPUTime/1_000_000), units.Millis(tot.JVMGCTime)))
	kv("Input", fmt.Sprintf("%s, %s records", units.Bytes(tot.InputBytes), units.Count(tot.InputRecords)))
	kv("Output", fmt.Sprintf("%s, %s records", units.Bytes(tot.OutputBytes), units.Count(tot.OutputRecords)))
	kv("Shuffle", fmt.Sprintf("%s read, %s written", units.Bytes(tot.ShuffleReadBytes), units.Bytes(tot.ShuffleWriteBytes)))
	kv("Spill", fmt.Sprintf("%s memory, %s disk", units.Bytes(tot.MemoryBytesSpill), units.Bytes(tot.DiskBytesSpilled)))

	// Slowest stages.
	stages := append([]*appmodel.Stage(nil), a.Stages...)
	sort.SliceStable(stages, func(i, j int) bool {
		di, dj := stages[i].Duration(), stages[j].Duration()
		if di != dj {
			return di > dj
		}
		return stages[i].Totals[appmodel.RunTime] > stages[j].Totals[appmodel.RunTime]
	})
	if len(stages) > top {
		stages = stages[:top]
	}
	if len(stages) == 0 {
		return nil
	}
	if markdown {
		fmt.Fprintf(w, "\n### Slowest stages (task durations over successful tasks)\n\n")
	} else {
		fmt.Fprintf(w, "\nSlowest stages (task durations over successful tasks):\n")
	}
	t := newTable("stage", "status", "tasks", "duration", "task time", "min", "median", "p75", "max", "input", "shuffle r/w", "spill", "name").
		alignRight(2, 3, 4, 5, 6, 7, 8, 9, 10, 11).wrap(10, 12).optional(5, 7, 4, 9, 6, 11)
	for _, stg := range stages {
		sum := stg.Summarize(appmodel.Duration)
		id := strconv.Itoa(stg.ID)
		if stg.Attempt > 0 {
			id += "." + strconv.Itoa(stg.Attempt)
		}
		tasks := units.Count(int64(stg.NumTasks))
		if stg.NumFailedTasks > 0 {
			tasks += fmt.Sprintf(" (%d failed)", stg.NumFailedTasks)
		}
		m := &stg.Totals
		spill := "-"
		if m[appmodel.DiskBytesSpilled] > 0 || m[appmodel.MemoryBytesSpilled] > 0 {
			spill = units.Bytes(m[appmodel.DiskBytesSpilled])
		}
		q := func(v float64) string {
			if sum.Count == 0 {
				return "-"
			}
			return units.Millis(int64(v))
		}
		t.add(id, strings.ToLower(string(stg.Status)), tasks, units.Millis(stg.Duration()), units.Millis(m[appmodel.RunTime]),
			q(sum.Min), q(sum.Median), q(sum.P75), q(sum.Max),
			units.Bytes(m[appmodel.InputBytes]),
			units.Bytes(m.ShuffleReadBytes())+" / "+units.Bytes(m[appmodel.ShuffleWriteBytes]),
			spill, firstLineOf(a.DisplayName(stg), 60))
	}
	if markdown {
		return t.t.Markdown(w)
	}
	return t.render(w, s)
}

func firstLineOf(s string, max int) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len([]rune(s)) > max {
		s = string([]rune(s)[:max-1]) + "…"
	}
	return s
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
