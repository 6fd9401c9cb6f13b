package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	json "github.com/goccy/go-json"
	"github.com/spf13/cobra"

	"github.com/sparkdiag/sparkdiag/advice/baseline"
	"github.com/sparkdiag/sparkdiag/advice/sanitize"
	"github.com/sparkdiag/sparkdiag/advice/units"
)

func newBaselineCmd(s *Streams) *cobra.Command {
	c := &cobra.Command{
		Use:   "baseline",
		Short: "Look into and tidy the baseline store that 'review --baseline' keeps",
		Long: `The baseline store (a single file written by 'sparkdiag review --baseline FILE')
keeps the key figures of every run of each recurring job, keyed by job key
(see 'sparkdiag review --help', --job-key: by default "name=NAME | user=USER",
or a well-known job id such as "databricks-job=ID | user=USER"). These commands
list its jobs, show a job's runs with its usual values, and forget a job or some
of its runs (a run that should not count as usual, say a backfill). A JOB is
named by its key, as 'baseline jobs' lists it, or by an application name that
only one job has.`,
		Example: `  sparkdiag baseline jobs baseline.db
  sparkdiag baseline show baseline.db daily_orders_etl
  sparkdiag baseline show baseline.db 'name=Spark shell | user=ann'
  sparkdiag baseline forget baseline.db daily_orders_etl application_1700000000000_0042`,
	}
	var format string
	c.PersistentFlags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	// openRO checks --format, then opens the store for reading: what the
	// read-only subcommands start with.
	openRO := func(path string) (*baseline.Store, error) {
		if format != "text" && format != "json" {
			return nil, usageErrorf("--format %q: want text or json", format)
		}
		st, err := baseline.Open(path, baseline.Options{ReadOnly: true})
		if err != nil {
			return nil, noInputErrorf("%v", err)
		}
		return st, nil
	}
	jobs := &cobra.Command{
		Use:   "jobs STORE",
		Short: "List the jobs of the store, with their number of runs and their first and last run",
		Args:  cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			st, err := openRO(args[0])
			if err != nil {
				return err
			}
			defer st.Close()
			js, err := st.Jobs()
			if err != nil {
				return storeError(err)
			}
			w := bufio.NewWriter(s.Out)
			defer w.Flush()
			if format == "json" {
				if js == nil {
					js = []baseline.Job{}
				}
				return writeJSON(w, js)
			}
			if len(js) == 0 {
				fmt.Fprintln(w, "The store holds no job yet.")
				return nil
			}
			t := newTable("JOB KEY", "NAME", "RUNS", "FIRST RUN", "LAST RUN").alignRight(2)
			for _, j := range js {
				t.add(j.Key, j.Name, fmt.Sprint(j.Runs), units.Minute(j.First), units.Minute(j.Last))
			}
			return t.render(w, s)
		},
	}
	show := &cobra.Command{
		Use:   "show STORE JOB",
		Short: "Show a job's recorded runs, oldest first, and its usual values (the medians of the last runs)",
		Args:  cobra.ExactArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			st, err := openRO(args[0])
			if err != nil {
				return err
			}
			defer st.Close()
			runs, err := st.Runs(args[1])
			if errors.Is(err, baseline.ErrAmbiguous) {
				return noInputErrorf("%s: %v (see 'sparkdiag baseline jobs %s')", args[0], err, args[0])
			}
			if err != nil {
				return storeError(err)
			}
			if len(runs) == 0 {
				return noInputErrorf("%s: no job named %q (see 'sparkdiag baseline jobs %s')", args[0], args[1], args[0])
			}
			w := bufio.NewWriter(s.Out)
			defer w.Flush()
			usual := baseline.Usual(runs, baseline.DefaultPolicy())
			if format == "json" {
				return writeJSON(w, struct {
					Name  string             `json:"name"`
					Usual map[string]float64 `json:"usual"`
					Runs  []baseline.Run     `json:"runs"`
				}{args[1], usual, runs})
			}
			fmt.Fprintf(w, "%s: %s\n\n", sanitize.Line(args[1]), units.Plural(len(runs), "run"))
			t := newTable("RUN", "STARTED (UTC)", "DURATION", "TASK TIME", "INPUT", "OUTPUT", "SHUFFLE", "SPILL", "TASKS", "FAILED", "SKEW", "FINDINGS").alignRight(2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
			for _, r := range runs {
				findings := fmt.Sprint(r.Findings)
				if r.Worst != "" {
					findings += " (" + r.Worst + ")"
				}
				t.add(r.AppID, units.Minute(r.Start), units.Millis(r.DurationMs), units.Millis(r.TaskTimeMs), units.Bytes(r.InputBytes),
					units.Bytes(r.OutputBytes), units.Bytes(r.ShuffleReadBytes+r.ShuffleWriteBytes),
					units.Bytes(r.MemoryBytesSpilled+r.DiskBytesSpilled), fmt.Sprint(r.Tasks), fmt.Sprint(r.FailedTasks),
					baseline.FormatValue("skew", r.TaskSkew), findings)
			}
			v := func(k string) string { return baseline.FormatValue(k, usual[k]) }
			t.add("usual (median)", "", v("duration"), v("taskTime"), v("input"), v("output"), v("shuffle"), v("spill"), v("tasks"), v("failedTasks"), v("skew"), "")
			return t.render(w, s)
		},
	}
	forget := &cobra.Command{
		Use:   "forget STORE JOB [APP_ID...]",
		Short: "Remove a job from the store, or only the runs of these application IDs",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			st, err := baseline.Open(args[0], baseline.Options{})
			if err != nil {
				return noInputErrorf("%v", err)
			}
			defer st.Close()
			n, err := st.Forget(args[1], args[2:]...)
			if errors.Is(err, baseline.ErrAmbiguous) {
				return noInputErrorf("%s: %v (see 'sparkdiag baseline jobs %s')", args[0], err, args[0])
			}
			if err != nil {
				return storeError(err)
			}
			if n == 0 {
				return noInputErrorf("%s: nothing to forget for job %q", args[0], args[1])
			}
			fmt.Fprintf(s.Out, "forgot %s of %s\n", units.Plural(n, "run"), sanitize.Line(args[1]))
			return nil
		},
	}
	var keep int
	merge := &cobra.Command{
		Use:   "merge STORE SOURCE...",
		Short: "Record every run of the SOURCE stores into STORE (created when missing)",
		Long: `Combine baseline stores kept separately (say, by shards of a review that each
had their own --baseline) into one: every run of every job of each SOURCE is
recorded into STORE, replacing a run of the same application attempt, keeping
at most --keep runs per job. The SOURCE stores are only read.`,
		Example: `  sparkdiag baseline merge baseline.db shard-*.db`,
		Args:    cobra.MinimumNArgs(2),
		RunE: func(_ *cobra.Command, args []string) error {
			dst, err := baseline.Open(args[0], baseline.Options{})
			if err != nil {
				return noInputErrorf("%v", err)
			}
			defer dst.Close()
			total := 0
			for _, p := range args[1:] {
				if filepath.Clean(p) == filepath.Clean(args[0]) {
					return usageErrorf("%s is both the store and a source", p)
				}
				src, err := baseline.Open(p, baseline.Options{ReadOnly: true})
				if err != nil {
					return noInputErrorf("%v", err)
				}
				n, err := dst.MergeFrom(src, keep)
				src.Close()
				if err != nil {
					return storeError(err)
				}
				total += n
			}
			fmt.Fprintf(s.Out, "recorded %s from %s into %s\n", units.Plural(total, "run"), units.Plural(len(args)-1, "store"), sanitize.Line(args[0]))
			return nil
		},
	}
	merge.Flags().IntVar(&keep, "keep", 100, "runs kept per job (the newest)")
	c.AddCommand(jobs, show, forget, merge)
	return c
}

// storeError is the exit error of a failed read or write of the baseline
// store: a damaged store is bad input (exit 3, and the message says how to
// rebuild it), anything else a failure of ours.
func storeError(err error) error {
	if errors.Is(err, baseline.ErrDamaged) {
		return noInputErrorf("%v", err)
	}
	return &exitError{code: ExitInternal, msg: err.Error()}
}

func writeJSON(w io.Writer, v any) error {
	sw := sanitize.NewJSONWriter(w)
	enc := json.NewEncoder(sw)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return sw.Flush()
}
