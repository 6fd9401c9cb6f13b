package cli

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"
	"github.com/spf13/cobra"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

type summaryOptions struct {
	read   readFlags
	format string
	top    int
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
docs/model-json.md). Several applications give a JSON array.`,
		Example: `  # a single log, any codec
  sparkdiag summary /var/log/spark/application_1700000000000_0042.zstd

  # a rolling-log directory, and a log still being written
  sparkdiag summary eventlog_v2_local-1700000000000 app-20240101.inprogress

  # the model as JSON, from standard input
  zstd -dc app.zstd | sparkdiag summary --format json -`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			switch o.format {
			case "text", "json":
			default:
				return usageErrorf("unknown --format %q (want text or json)", o.format)
			}
			apps, err := loadAll(args, &o.read, s)
			if err != nil {
				return err
			}
			if o.format == "json" {
				return writeModelJSON(s.Out, apps)
			}
			w := bufio.NewWriter(s.Out)
			for i, a := range apps {
				if i > 0 {
					fmt.Fprintln(w)
				}
				if err := writeSummary(w, s, a, o.top); err != nil {
					return err
				}
			}
			return w.Flush()
		},
	}
	o.read.register(c)
	c.Flags().StringVarP(&o.format, "format", "f", "text", "output format: text or json")
	c.Flags().IntVar(&o.top, "top", 10, "how many of the slowest stages to list")
	return c
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
	_, err = w.Write(append(b, '\n'))
	return err
}

func writeSummary(w io.Writer, s *Streams, l loaded, top int) error {
	a, st := l.App, l.Stats
	kv := func(k, v string) { fmt.Fprintf(w, "%-12s %s\n", k, v) }

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
	fmt.Fprintf(w, "\nSlowest stages (task durations over successful tasks):\n")
	t := newTable("stage", "status", "tasks", "duration", "task time", "min", "median", "p75", "max", "input", "shuffle r/w", "spill", "name").
		alignRight(2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
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
			spill, firstLineOf(stg.Name, 60))
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
