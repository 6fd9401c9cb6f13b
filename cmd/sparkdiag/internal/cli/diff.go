package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/sparkdiag/sparkdiag/advice/diff"
	"github.com/sparkdiag/sparkdiag/advice/render"
	"github.com/sparkdiag/sparkdiag/advice/sanitize"
	"github.com/sparkdiag/sparkdiag/detectors"
)

type diffOptions struct {
	read           readFlags
	format         string
	compact        bool
	failOnSlowdown string
	failOn         string
	hs             hsFlags
}

func newDiffCmd(s *Streams) *cobra.Command {
	o := &diffOptions{}
	c := &cobra.Command{
		Use:   "diff BASE NEW",
		Short: "Compare two runs of the same job: where the time moved and why",
		Long: `Compare two runs of the same job (BASE, the reference, and NEW) and say where the
time moved and why.

Stages are matched by what they are, not by id: their name and call site (the
first frame of the stage's stack) and, when several share them, their order
(the 2nd with the 2nd); attempts of a stage are merged and skipped stages left
out. Jobs are matched the same way, SQL executions by description. For each
matched stage the diff shows duration, task time, input, shuffle, spill, rows,
tasks, failures, task skew (slowest over median task) and GC, ranks the stages
by the wall-clock time they moved and gives the reasons with numbers ("input
grew 2.1x", "spill appeared", "skew appeared: slowest task 14x the median",
"3 failed tasks (was 0)", "tasks 16 → 1,000").

The verdict classifies the change (question Q4: a job slower every day):
proportional (the time grew like the input), faster-than-input, join-explosion
(rows produced grew much faster than rows read), skew, spill, failures, config
(a performance setting changed), new-work, faster or unchanged. Spark
properties that differ are listed, the performance ones first; keys that change
on every run (ids, ports, hosts, times, temporary paths) are ignored. The
detectors run on both logs and their findings are compared: new, worse, gone,
better, same.

Each of BASE and NEW must hold exactly one application. docs/diff.md documents
the rules and the JSON form.

Exit codes: 0 ok; 1 NEW's duration ratio exceeds --fail-on-slowdown, or a new or
worse finding reaches --fail-on; 2 usage error; 3 a log could not be read.`,
		Example: `  # yesterday's run against today's
  sparkdiag diff runs/2024-03-08.zstd runs/2024-03-09.zstd

  # as JSON for a dashboard, one line
  sparkdiag diff -f json --compact base.zstd new.zstd

  # Markdown for the incident ticket
  sparkdiag diff -f markdown base.zstd new.zstd > diff.md

  # in a nightly pipeline: fail when the job got 1.5 times slower, or when
  # a new or worse finding is an error
  sparkdiag diff --fail-on-slowdown 1.5 --fail-on error last_good.zstd tonight.zstd

  # two runs known to a History Server, by application ID
  sparkdiag diff --history-server http://spark-history:18080 \
      application_1700000000000_0041 application_1700000000000_0042`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageErrorf("diff takes two logs, BASE and NEW (got %d)\nRun 'sparkdiag diff --help' for usage.", len(args))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			return runDiff(o, args, s)
		},
	}
	o.read.register(c)
	c.Flags().StringVarP(&o.format, "format", "f", "text", "output format: text, json or markdown (md)")
	c.Flags().BoolVar(&o.compact, "compact", false, "JSON on one line")
	c.Flags().StringVar(&o.failOnSlowdown, "fail-on-slowdown", "", "exit 1 when NEW's duration is more than RATIO times BASE's (e.g. 1.5)")
	c.Flags().StringVar(&o.failOn, "fail-on", "", "exit 1 when a new or worse finding has at least this severity: info, warning or error")
	c.Flags().StringVar(&o.hs.url, "history-server", "", "BASE and NEW are application IDs (APP_ID or APP_ID/ATTEMPT) on this History Server (http://host:18080): their logs are downloaded, compared and deleted")
	o.hs.registerConn(c)
	return c
}

func runDiff(o *diffOptions, args []string, s *Streams) error {
	switch strings.ToLower(o.format) {
	case "text", "txt", "json", "markdown", "md":
	default:
		return usageErrorf("--format: unknown format %q (want %s)", o.format, strings.Join(diff.Formats, ", "))
	}
	var slowdown float64
	if o.failOnSlowdown != "" {
		v, err := strconv.ParseFloat(strings.TrimSpace(o.failOnSlowdown), 64)
		if err != nil || v <= 0 {
			return usageErrorf("--fail-on-slowdown %q: want a ratio greater than 0 (e.g. 1.5)", o.failOnSlowdown)
		}
		slowdown = v
	}
	var failOn detectors.Severity
	if o.failOn != "" && o.failOn != "none" {
		sev, err := detectors.ParseSeverity(o.failOn)
		if err != nil {
			return usageErrorf("--fail-on: %v", err)
		}
		failOn = sev
	}
	if o.hs.url != "" {
		c, err := o.hs.client()
		if err != nil {
			return err
		}
		dir, err := os.MkdirTemp(o.hs.tempDir, "sparkdiag-hs-")
		if err != nil {
			return usageErrorf("--hs-download-dir: %v", err)
		}
		defer os.RemoveAll(dir)
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		args = append([]string(nil), args...)
		for i, spec := range args {
			p, err := o.hs.fetch(ctx, c, spec, dir)
			if err != nil {
				var ee *exitError
				if asExit(err, &ee) {
					ee.msg = fmt.Sprintf("%s: %s", label(i), ee.msg)
				}
				return err
			}
			args[i] = p
		}
	}
	if args[0] == "-" && args[1] == "-" {
		return usageErrorf("BASE and NEW cannot both be standard input")
	}
	var sides [2]diff.Side
	for i, p := range args {
		apps, _, err := loadAll([]string{p}, &o.read, s)
		if err != nil {
			var ee *exitError
			if asExit(err, &ee) {
				ee.msg = fmt.Sprintf("%s: %s", label(i), ee.msg)
			}
			return err
		}
		if len(apps) != 1 {
			return usageErrorf("%s %s holds %d applications; diff compares one application with one other (give the log of one application)", label(i), p, len(apps))
		}
		sides[i] = diff.Side{Path: p, App: apps[0].App, Stats: apps[0].Stats, Findings: diff.Detect(apps[0].App)}
	}
	d := diff.Compare(sides[0], sides[1], diff.Options{Tool: tool()})
	if !o.read.quiet {
		for _, w := range d.Warnings {
			fmt.Fprintf(s.Err, "warning: %s\n", sanitize.Line(w))
		}
	}
	opts := render.Options{Compact: o.compact, Terminal: s.OutTTY, Color: s.Color, Width: s.Width}
	w := bufio.NewWriter(s.Out)
	if err := diff.Render(w, d, o.format, opts); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if slowdown > 0 && d.Base.DurationMs > 0 {
		if r := float64(d.New.DurationMs) / float64(d.Base.DurationMs); r > slowdown {
			return &exitError{code: ExitFindings, msg: fmt.Sprintf("NEW took %.2fx BASE's time, more than --fail-on-slowdown %s", r, o.failOnSlowdown)}
		}
	}
	if failOn > 0 && d.Findings.Worst() >= failOn {
		return &exitError{code: ExitFindings}
	}
	return nil
}

func label(i int) string {
	if i == 0 {
		return "BASE"
	}
	return "NEW"
}

func asExit(err error, target **exitError) bool {
	ee, ok := err.(*exitError)
	if ok {
		*target = ee
	}
	return ok
}
