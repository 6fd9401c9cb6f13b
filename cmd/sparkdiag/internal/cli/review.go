package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/sparkdiag/sparkdiag/advice/baseline"
	"github.com/sparkdiag/sparkdiag/advice/fleet"
	"github.com/sparkdiag/sparkdiag/advice/sanitize"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/all"
)

type reviewOptions struct {
	read    readFlags
	det     analyzeOptions // only the detector selection flags are used
	format  string
	output  []string
	workers int
	limit   int
	since   string
	until   string
	failOn  string

	baselinePath string
	noRecord     bool
	diffDrift    bool
	keep         int
	policy       baseline.Policy
	jobKey       jobKeyFlag

	hs        hsFlags
	keepGoing keepGoing

	pathsFrom []string
	shard     string
	previous  string

	now func() time.Time // for tests
}

func newReviewCmd(s *Streams) *cobra.Command {
	o := &reviewOptions{now: time.Now}
	c := &cobra.Command{
		Use:   "review PATH|URL...",
		Short: "Review many applications at once: ranked worst first, with fleet-wide findings and drift",
		Long: `Analyze every application found in the paths (log files, directories searched
for every log layout, such as a whole History Server log directory with its
rolling and in-progress logs, or glob patterns), in parallel, and rank them worst
first: by severity, then by the wall-clock time the fixes would save and the
core-hours at stake. A log that cannot be read is reported, with why, and the
review goes on. The most frequent findings across the fleet come after the ranking.

With --baseline FILE, each application's key figures (duration, task time,
input, output, shuffle, spill, tasks, failed tasks, task skew) are recorded in a local
store (one file, no server), keyed by job (--job-key: by default the
application name and user, or a Databricks job id, spark.app.jobName or an
Airflow dag and task when the run has one), and each run is compared with the
usual runs of its job that did the same work (the same stages and queries): a
figure that drifts (by default +50 % above the median of the last 10 runs and
3 robust deviations away) is flagged, with the job's history and the
'sparkdiag diff' command that compares it with a usual run (--diff-drift runs
that comparison). Incomplete runs are compared but never recorded. Runs with a
default name ("Spark shell", "pyspark-shell", "Databricks Shell", ...) are no
job: they are reported, neither recorded nor compared. Attempts of one
application are shown as "attempt 2 of application_..." and never compared
with each other.

--format jsonl writes one JSON object per application (docs/review.md), for
warehouses and dashboards; html is one self-contained page with the history
charts of the drifting jobs; -o FILE writes a format by its extension (.txt .md
.html .json .jsonl) and can be given several times.

Paths can be store URLs: s3:// (s3a://), gs://, abfss:// (wasbs://, azblob://),
hdfs:// and webhdfs://, with patterns such as 'gs://bucket/*/spark-job-history'
(docs/stores.md). -o can write to a store URL too.

For a large fleet, --shard i/N reviews one of N parts (by a stable hash of the
application ID), --paths-from FILE|- takes the inputs from a list, and
'sparkdiag merge' combines the parts' JSON Lines into one review. --previous
PART.jsonl takes the applications whose logs are unchanged (same parts, sizes,
times and ETags) from an earlier review instead of reading them again.

With --history-server URL the applications are listed through the server's REST
API and their logs downloaded (the /logs zip) to a temporary directory, analyzed
and deleted.`,
		Example: `  # last night's applications of a History Server log directory, worst first
  sparkdiag review --since 24h /var/log/spark-history

  # nightly: record into a baseline, keep a JSON Lines file, fail on errors
  sparkdiag review --since 24h --baseline /var/lib/sparkdiag/baseline.db \
      -o review-$(date +%F).jsonl -o - --fail-on error /var/log/spark-history

  # straight from a running History Server
  sparkdiag review --history-server http://spark-history:18080 --since 2024-06-01

  # jobs named with a date ("orders_20240601"), per YARN queue
  sparkdiag review --baseline baseline.db --job-key 'regex:^(.*?)[-_]\d{8}$,queue' /var/log/spark-history

  # a few logs by pattern, as Markdown for a ticket
  sparkdiag review -f markdown 'logs/app-202406*'

  # every Dataproc cluster's logs in a bucket
  sparkdiag review --since 24h 'gs://dataproc-logs/*/spark-job-history'

  # shard 3 of 8, incremental, written to S3
  # (then: sparkdiag merge 's3://ops/2024-06-02/part-*.jsonl')
  sparkdiag review --shard 3/8 --previous s3://ops/2024-06-01/part-3.jsonl \
      -o s3://ops/2024-06-02/part-3.jsonl s3://spark-logs/history/`,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 && o.hs.url == "" && len(o.pathsFrom) == 0 {
				return usageErrorf("review needs log paths, --paths-from FILE or --history-server URL\nRun 'sparkdiag review --help' for usage.")
			}
			if o.shard != "" && !c.Flags().Changed("format") {
				o.format = "jsonl" // a shard's output is a part for 'merge'
			}
			return runReview(c.Context(), o, args, s)
		},
	}
	o.read.register(c)
	o.keepGoing.register(c)
	f := c.Flags()
	f.StringVarP(&o.format, "format", "f", "text", "output format: text, json, jsonl (one object per application), markdown (md) or html (one self-contained page)")
	f.StringArrayVarP(&o.output, "output", "o", nil, "write to FILE in the format its extension names (.txt .json .jsonl .md .html); repeatable; - is standard output in --format")
	f.IntVarP(&o.workers, "workers", "j", 0, "logs analyzed at once (default: CPUs, at most 4); memory grows with the workers, not the logs")
	f.IntVar(&o.limit, "limit", 50, "applications listed in the text and Markdown table (0: all); JSON and JSON Lines always have all")
	f.StringVar(&o.since, "since", "", "only applications that started at or after this time: 2024-06-01, 2024-06-01T02:00:00Z, or a duration ago (36h, 7d)")
	f.StringVar(&o.until, "until", "", "only applications that started before this time (same forms as --since)")
	f.StringVar(&o.failOn, "fail-on", "", "exit 1 when an application has a finding or a drift of at least this severity: info, warning or error")
	f.StringSliceVar(&o.det.enable, "enable", nil, "run only these detectors (IDs, names or categories, comma-separated)")
	f.StringSliceVar(&o.det.disable, "disable", nil, "skip these detectors (IDs, names or categories)")
	f.StringArrayVar(&o.det.set, "set", nil, "override a threshold: ID.param=value (repeatable)")
	f.StringVar(&o.det.configFile, "config", "", "JSON file with enable, disable and params (see 'sparkdiag analyze --help')")
	f.StringVar(&o.baselinePath, "baseline", "", "baseline store FILE (created when missing): compare each run with its job's usual runs, and record it")
	f.BoolVar(&o.noRecord, "no-record", false, "with --baseline: compare only, do not record the runs")
	f.BoolVar(&o.diffDrift, "diff-drift", false, "with --baseline: compare each drifting run with a usual run of its job (as 'sparkdiag diff' does) when both logs are local")
	f.IntVar(&o.keep, "keep", 100, "with --baseline: runs kept per job (the newest)")
	f.IntVar(&o.policy.Window, "baseline-window", 10, "with --baseline: how many of the job's latest runs make its baseline")
	f.IntVar(&o.policy.MinRuns, "baseline-min-runs", 3, "with --baseline: fewest earlier runs needed to judge drift")
	f.Float64Var(&o.policy.Ratio, "drift-ratio", 1.5, "with --baseline: a figure drifts when it is this many times the usual (1.5 = +50 %)")
	f.StringArrayVar(&o.pathsFrom, "paths-from", nil, "read more paths, URLs or patterns from FILE, one per line (- is standard input; # starts a comment); repeatable")
	f.StringVar(&o.shard, "shard", "", "review only shard i of N (0 <= i < N): the applications whose ID hashes to i, so N processes review a fleet between them; standard output is then JSON Lines unless --format says otherwise (docs/review.md)")
	f.StringVar(&o.previous, "previous", "", "JSON Lines of an earlier review (FILE or URL): applications whose logs are unchanged are taken from it, not read again")
	o.jobKey.register(c)
	o.hs.register(c)
	return c
}

// parseWhen reads --since and --until: an RFC 3339 time, a date, a date
// and time (UTC), or a duration before now ("36h", "7d").
func parseWhen(flag, v string, now time.Time) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if strings.HasSuffix(v, "d") {
		if n, err := strconv.ParseFloat(strings.TrimSuffix(v, "d"), 64); err == nil && n >= 0 {
			return now.Add(-time.Duration(n * 24 * float64(time.Hour))), nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageErrorf("--%s %q: want a date (2024-06-01), a time (2024-06-01T02:00:00Z) or a duration ago (36h, 7d)", flag, v)
}

func reviewFormat(name string) (string, error) {
	switch strings.ToLower(name) {
	case "text", "txt":
		return "text", nil
	case "json":
		return "json", nil
	case "jsonl", "ndjson":
		return "jsonl", nil
	case "markdown", "md":
		return "markdown", nil
	case "html", "htm":
		return "html", nil
	}
	return "", fmt.Errorf("unknown format %q: want text, json, jsonl, markdown or html", name)
}

func (o *reviewOptions) outputs() ([]output, error) {
	return resolveOutputs(o.format, o.output, reviewFormat, ".txt, .json, .jsonl, .md or .html")
}

func runReview(ctx context.Context, o *reviewOptions, args []string, s *Streams) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	outs, err := o.outputs()
	if err != nil {
		return err
	}
	failOn, err := parseFailOn(o.failOn)
	if err != nil {
		return err
	}
	now := o.now()
	since, err := parseWhen("since", o.since, now)
	if err != nil {
		return err
	}
	until, err := parseWhen("until", o.until, now)
	if err != nil {
		return err
	}
	if !since.IsZero() && !until.IsZero() && !since.Before(until) {
		return usageErrorf("--since %s is not before --until %s", since.Format(time.RFC3339), until.Format(time.RFC3339))
	}
	cfg, err := o.det.detectorConfig()
	if err != nil {
		return err
	}
	if o.workers < 0 {
		return usageErrorf("--workers must be at least 1")
	}
	jobKey, err := o.jobKey.parse()
	if err != nil {
		return err
	}
	opts := fleet.Options{JobKey: jobKey,
		Workers: o.workers, Read: o.read.options(s), Detectors: cfg.Select(all.Detectors), Config: cfg,
		Tool: tool(), Since: since, Until: until, Record: !o.noRecord, Keep: o.keep, Policy: o.policy,
		DiffDrift: o.diffDrift,
	}
	if o.baselinePath != "" {
		st, err := baseline.Open(o.baselinePath, baseline.Options{ReadOnly: o.noRecord})
		if err != nil {
			return noInputErrorf("%v", err)
		}
		defer st.Close()
		opts.Store = st
	}

	for _, a := range args {
		for _, f := range o.pathsFrom {
			if a == "-" && f == "-" {
				return usageErrorf("standard input cannot be both a log (-) and --paths-from -")
			}
		}
	}
	more, err := readPathLists(o.pathsFrom, s)
	if err != nil {
		return err
	}
	args = append(args, more...)
	// An empty list is an empty review: a Spark partition or a shard of
	// a list can be empty.
	emptyList := len(args) == 0 && o.hs.url == ""
	if emptyList && !o.read.quiet {
		fmt.Fprintln(s.Err, "warning: --paths-from gave no path: nothing to review")
	}
	var shard fleet.Shard
	if o.shard != "" {
		if shard, err = fleet.ParseShard(o.shard); err != nil {
			return usageErrorf("%v", err)
		}
	}
	if o.previous != "" {
		prev, err := loadPrevious(ctx, o.previous, s, o.read.quiet)
		if err != nil {
			return err
		}
		opts.Previous = prev
	}

	items := fleet.Resolve(args)
	if o.hs.url != "" {
		hsItems, cleanup, err := o.hs.items(ctx, since, until, s)
		defer cleanup()
		if err != nil {
			return err
		}
		items = append(items, hsItems...)
	}
	if shard.Count > 1 {
		kept := items[:0]
		for i := range items {
			if shard.Has(&items[i]) {
				kept = append(kept, items[i])
			} else if items[i].Log != nil {
				items[i].Log.Close()
			}
		}
		items = kept
	}
	if len(items) == 0 && shard.Count <= 1 && !emptyList {
		return noInputErrorf("no Spark event log found")
	}
	if s.ErrTTY && !o.read.quiet {
		opts.Progress = func(done, total int, rec *fleet.Record) {
			fmt.Fprintf(s.Err, "\r\033[Kreviewed %d of %d logs", done, total)
			if done == total {
				fmt.Fprint(s.Err, "\r\033[K")
			}
		}
	}
	res, err := fleet.Review(ctx, items, opts)
	if err != nil {
		if ctx.Err() != nil {
			return &exitError{code: ExitInternal, msg: "interrupted"}
		}
		return storeError(err)
	}
	if !o.read.quiet {
		// Every log that could not be read, whether it failed to resolve
		// or to load, once, after the progress line.
		for _, r := range res.Records {
			if r.Status != fleet.StatusOK {
				fmt.Fprintf(s.Err, "sparkdiag: %s\n", sanitize.Line(r.Error))
			}
		}
	}
	for _, out := range outs {
		if err := writeReview(out, res, o, s); err != nil {
			return err
		}
	}
	if res.Apps == 0 && res.Unreadable > 0 {
		return noInputErrorf("nothing usable could be read from %d log(s)", res.Unreadable)
	}
	// A broken log in a directory is reported and skipped; a path named on
	// the command line that is missing or unreadable fails the review.
	if err := o.keepGoing.check(failedArgs(args, res.Records), len(args)); err != nil {
		return err
	}
	return failOnExit(res, failOn)
}

// failedArgs counts the command-line paths that are not directories (files,
// missing paths, patterns) and could not be read: a directory's broken logs
// are part of a review, a mistyped path is not.
func failedArgs(args []string, recs []*fleet.Record) int {
	bad := map[string]bool{}
	for _, r := range recs {
		if r.Status != fleet.StatusOK {
			bad[filepath.Clean(r.Source)] = true
		}
	}
	n := 0
	for _, a := range args {
		if st, err := os.Stat(a); err == nil && st.IsDir() {
			continue
		}
		if bad[filepath.Clean(a)] {
			n++
		}
	}
	return n
}

func writeReview(out output, res *fleet.Result, o *reviewOptions, s *Streams) error {
	terminal, width := false, 0
	if out.toStdout() {
		terminal, width = s.OutTTY, s.Width
	}
	return writeOutput(out, s, o.read.quiet, func(w io.Writer) error {
		switch out.format {
		case "json":
			return fleet.WriteJSON(w, res)
		case "jsonl":
			return fleet.WriteJSONL(w, res)
		case "markdown":
			return fleet.WriteMarkdown(w, res, fleet.TextOptions{Limit: o.limit})
		case "html":
			return fleet.WriteHTML(w, res, fleet.TextOptions{Limit: o.limit})
		default:
			return fleet.WriteText(w, res, fleet.TextOptions{Terminal: terminal, Width: width, Limit: o.limit})
		}
	})
}

// parseFailOn reads --fail-on: 0 for none.
func parseFailOn(v string) (detectors.Severity, error) {
	if v == "" || v == "none" {
		return 0, nil
	}
	sev, err := detectors.ParseSeverity(v)
	if err != nil {
		return 0, usageErrorf("--fail-on: %v", err)
	}
	return sev, nil
}

// failOnExit is exit 1 when an application of the review has a finding or
// a drift of at least failOn (0: never).
func failOnExit(res *fleet.Result, failOn detectors.Severity) error {
	if failOn == 0 {
		return nil
	}
	for _, r := range res.Records {
		if sev, err := detectors.ParseSeverity(r.EffectiveWorst()); err == nil && sev >= failOn {
			return &exitError{code: ExitFindings}
		}
	}
	return nil
}
