package cli

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sparkdiag/sparkdiag/advice/baseline"
	"github.com/sparkdiag/sparkdiag/advice/fleet"
	"github.com/sparkdiag/sparkdiag/eventlog/store"
)

func newMergeCmd(s *Streams) *cobra.Command {
	o := &reviewOptions{}
	c := &cobra.Command{
		Use:   "merge PART.jsonl...",
		Short: "Combine the JSON Lines of review shards into one review (ranking, totals, drift)",
		Long: `Read the JSON Lines written by several 'sparkdiag review' runs, such as the
shards of one review (--shard i/N, a Kubernetes Indexed Job, a Spark job that
pipes paths to sparkdiag), and write them as one review: the same ranking, fleet
totals and most frequent findings as one process reviewing every log would give.
An application attempt met in two parts (a retried shard) is kept once.

With --baseline FILE the runs are compared with their jobs' usual runs and
recorded here, once, instead of in each shard: shards run without --baseline
and the merge applies it, so drift is judged over the whole fleet.

Parts are local files, glob patterns or store URLs (s3://, gs://, abfss://,
hdfs://, webhdfs://, with patterns such as s3://bucket/review/2024-06-01/part-*.jsonl).`,
		Example: `  # four shards, then one review with drift
  for i in 0 1 2 3; do sparkdiag review --shard $i/4 -o part-$i.jsonl /var/log/spark-history & done; wait
  sparkdiag merge --baseline baseline.db -o review.html -o review.jsonl part-*.jsonl

  # shards written to S3 by a Kubernetes Indexed Job
  sparkdiag merge -f markdown 's3://ops/sparkdiag/2024-06-01/part-*.jsonl'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runMerge(c.Context(), o, args, s)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.format, "format", "f", "text", "output format: text, json, jsonl, markdown (md) or html")
	f.StringArrayVarP(&o.output, "output", "o", nil, "write to FILE or URL in the format its extension names (.txt .json .jsonl .md .html); repeatable")
	f.IntVar(&o.limit, "limit", 50, "applications listed in the text and Markdown table (0: all)")
	f.StringVar(&o.failOn, "fail-on", "", "exit 1 when an application has a finding or a drift of at least this severity: info, warning or error")
	f.StringVar(&o.baselinePath, "baseline", "", "baseline store FILE: compare each run with its job's usual runs, and record it")
	f.BoolVar(&o.noRecord, "no-record", false, "with --baseline: compare only, do not record the runs")
	f.IntVar(&o.keep, "keep", 100, "with --baseline: runs kept per job (the newest)")
	f.IntVar(&o.policy.Window, "baseline-window", 10, "with --baseline: how many of the job's latest runs make its baseline")
	f.IntVar(&o.policy.MinRuns, "baseline-min-runs", 3, "with --baseline: fewest earlier runs needed to judge drift")
	f.Float64Var(&o.policy.Ratio, "drift-ratio", 1.5, "with --baseline: a figure drifts when it is this many times the usual (1.5 = +50 %)")
	f.BoolVarP(&o.read.quiet, "quiet", "q", false, "do not print warnings on stderr")
	return c
}

func runMerge(ctx context.Context, o *reviewOptions, args []string, s *Streams) error {
	if ctx == nil {
		ctx = context.Background()
	}
	outs, err := o.outputs()
	if err != nil {
		return err
	}
	failOn, err := parseFailOn(o.failOn)
	if err != nil {
		return err
	}
	parts, err := expandParts(ctx, args)
	if err != nil {
		return err
	}
	var recs []*fleet.Record
	for _, p := range parts {
		rc, err := openInput(ctx, p)
		if err != nil {
			return noInputErrorf("%s: %v", p, err)
		}
		err = fleet.ReadJSONL(rc, p, func(rec *fleet.Record, _ []byte) error {
			r := *rec
			recs = append(recs, &r)
			return nil
		})
		rc.Close()
		if err != nil {
			return noInputErrorf("%v", err)
		}
	}
	opts := fleet.Options{Record: !o.noRecord, Keep: o.keep, Policy: o.policy}
	if o.baselinePath != "" {
		st, err := baseline.Open(o.baselinePath, baseline.Options{ReadOnly: o.noRecord})
		if err != nil {
			return noInputErrorf("%v", err)
		}
		defer st.Close()
		opts.Store = st
	}
	res, err := fleet.Merge(recs, opts)
	if err != nil {
		return storeError(err)
	}
	for _, out := range outs {
		if err := writeReview(out, res, o, s); err != nil {
			return err
		}
	}
	return failOnExit(res, failOn)
}

// expandParts expands local glob patterns and store URL patterns into the
// files they match; a pattern that matches nothing is an error.
func expandParts(ctx context.Context, args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		switch {
		case a == "-":
			return nil, usageErrorf("merge reads files or URLs, not standard input")
		case store.IsURL(a):
			fsys, p, err := store.Open(ctx, a)
			if err != nil {
				return nil, noInputErrorf("%v", err)
			}
			if !store.HasMeta(p) {
				out = append(out, a)
				continue
			}
			matches, err := store.Glob(ctx, fsys, p)
			if err != nil {
				return nil, noInputErrorf("%v", err)
			}
			if len(matches) == 0 {
				return nil, noInputErrorf("%s: nothing matches", a)
			}
			for _, m := range matches {
				out = append(out, fsys.Label(m))
			}
		case strings.ContainsAny(a, "*?["):
			matches, err := filepath.Glob(a)
			if err != nil {
				return nil, usageErrorf("%s: bad pattern: %v", a, err)
			}
			if len(matches) == 0 {
				return nil, noInputErrorf("%s: no file matches", a)
			}
			out = append(out, matches...)
		default:
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, noInputErrorf("nothing to merge")
	}
	return out, nil
}
