package cli

import (
	"io"
	"os"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"
	"github.com/spf13/cobra"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/advice/render"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/all"
)

type analyzeOptions struct {
	read       readFlags
	format     string
	compact    bool
	output     []string
	redact     bool
	redactKey  string
	failOn     string
	enable     []string
	disable    []string
	set        []string
	configFile string
	keepGoing  keepGoing
}

func newAnalyzeCmd(s *Streams) *cobra.Command {
	o := &analyzeOptions{}
	c := &cobra.Command{
		Use:   "analyze LOG...",
		Short: "Find what went wrong in each application, with the evidence and the remedy",
		Long: `Run every detector over each application in the logs and print the findings, most
costly first: what went wrong, the numbers that prove it, where it happened (stage,
SQL operator, code line), what it cost, and the remedy with values computed from
this log. 'sparkdiag detectors' lists the detectors; 'sparkdiag explain ID' documents one.

Reports come as text for the terminal, JSON (docs/report-json.md), Markdown for
tickets, or one self-contained HTML page with charts (timeline, executors, task
durations of the flagged stages, slowest stages). -o FILE writes a file in the
format its extension names, and can be given several times. Each finding has a
stable ID (SKEW001-stage6.0) that is the same in every format. The exit code
does not depend on the format.

Thresholds can be changed with --set ID.param=value or a JSON config file:

  {"disable": ["GC001"], "params": {"SKEW001": {"minExcessMs": 10000}}}`,
		Example: `  # post-mortem of one slow run
  sparkdiag analyze /var/log/spark/application_1700000000000_0042.zstd

  # as JSON, and fail (exit 1) when any finding is an error: for nightly jobs
  sparkdiag analyze --format json --fail-on error eventlog_v2_app-20240101

  # a self-contained HTML page and Markdown for the ticket, from one run,
  # with names, hosts, paths and SQL hashed so the report can leave the company
  sparkdiag analyze --redact -o report.html -o report.md app.zstd

  # only the skew and spill detectors, with a stricter skew threshold
  sparkdiag analyze --enable skew,spill --set SKEW001.maxOverMedian=10 app.lz4`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runAnalyze(o, args, s)
		},
	}
	o.read.register(c)
	o.keepGoing.register(c)
	c.Flags().StringVarP(&o.format, "format", "f", "text", "output format: text, json, markdown (md) or html")
	c.Flags().StringArrayVarP(&o.output, "output", "o", nil, "write the report to FILE, in the format its extension names (.txt .json .md .html); repeatable; - is standard output in --format")
	c.Flags().BoolVar(&o.compact, "compact", false, "JSON on one line without the charts section, for scripts and language models")
	c.Flags().BoolVar(&o.redact, "redact", false, "replace application names, users, hosts, paths, tables, columns, SQL text, plans and call sites with consistent hashes, so that the report can be shared")
	c.Flags().StringVar(&o.redactKey, "redact-key", "", "key for --redact (implies it): the same key gives the same hashes across runs (default: a random key per run)")
	c.Flags().StringVar(&o.failOn, "fail-on", "", "exit 1 when a finding has at least this severity: info, warning or error")
	c.Flags().StringSliceVar(&o.enable, "enable", nil, "run only these detectors (IDs, names or categories, comma-separated)")
	c.Flags().StringSliceVar(&o.disable, "disable", nil, "skip these detectors (IDs, names or categories)")
	c.Flags().StringArrayVar(&o.set, "set", nil, "override a threshold: ID.param=value (repeatable)")
	c.Flags().StringVar(&o.configFile, "config", "", "JSON file with enable, disable and params (see --help)")
	return c
}

// detectorConfig assembles the detector selection and thresholds from the
// config file and the flags (flags win).
func (o *analyzeOptions) detectorConfig() (*detectors.Config, error) {
	cfg := &detectors.Config{Params: map[string]map[string]float64{}}
	if o.configFile != "" {
		b, err := os.ReadFile(o.configFile)
		if err != nil {
			return nil, usageErrorf("--config: %v", err)
		}
		if err := json.Unmarshal(b, cfg); err != nil {
			return nil, usageErrorf("--config %s: %v", o.configFile, err)
		}
		if cfg.Params == nil {
			cfg.Params = map[string]map[string]float64{}
		}
	}
	cfg.Enable = append(cfg.Enable, o.enable...)
	cfg.Disable = append(cfg.Disable, o.disable...)
	for _, kv := range o.set {
		k, v, ok := strings.Cut(kv, "=")
		id, param, ok2 := strings.Cut(k, ".")
		if !ok || !ok2 {
			return nil, usageErrorf("--set %q: want ID.param=value", kv)
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return nil, usageErrorf("--set %q: %q is not a number", kv, v)
		}
		id = strings.ToUpper(strings.TrimSpace(id))
		if d := all.ByID(id); d != nil {
			id = d.ID
		}
		if cfg.Params[id] == nil {
			cfg.Params[id] = map[string]float64{}
		}
		cfg.Params[id][strings.TrimSpace(param)] = f
	}
	for _, sel := range append(append([]string{}, cfg.Enable...), cfg.Disable...) {
		if !knownSelector(sel) {
			return nil, usageErrorf("unknown detector, name or category %q (see 'sparkdiag detectors')", sel)
		}
	}
	if err := cfg.CheckParams(all.Detectors); err != nil {
		return nil, usageErrorf("%v", err)
	}
	return cfg, nil
}

func knownSelector(sel string) bool {
	for _, d := range all.Detectors {
		if strings.EqualFold(sel, d.ID) || strings.EqualFold(sel, d.Name) || strings.EqualFold(sel, d.Category) {
			return true
		}
	}
	return false
}

// outputs resolves --format and -o into where the reports go and in which
// format; a file's format comes from its extension.
func (o *analyzeOptions) outputs() ([]output, error) {
	if _, err := render.ByName(o.format, render.Options{}); err != nil {
		return nil, usageErrorf("--format: %v", err)
	}
	if len(o.output) == 0 {
		return []output{{path: "-", format: o.format}}, nil
	}
	var outs []output
	seen := map[string]bool{}
	for _, p := range o.output {
		if p == "" {
			return nil, usageErrorf("-o: empty file name")
		}
		if seen[p] {
			return nil, usageErrorf("-o %s given twice", p)
		}
		seen[p] = true
		if p == "-" {
			outs = append(outs, output{path: "-", format: o.format})
			continue
		}
		f, err := render.FormatOf(p)
		if err != nil {
			return nil, usageErrorf("-o: %v", err)
		}
		outs = append(outs, output{path: p, format: f})
	}
	return outs, nil
}

func runAnalyze(o *analyzeOptions, args []string, s *Streams) error {
	outs, err := o.outputs()
	if err != nil {
		return err
	}
	var failOn detectors.Severity
	if o.failOn != "" && o.failOn != "none" {
		sev, err := detectors.ParseSeverity(o.failOn)
		if err != nil {
			return usageErrorf("--fail-on: %v", err)
		}
		failOn = sev
	}
	cfg, err := o.detectorConfig()
	if err != nil {
		return err
	}
	ds := cfg.Select(all.Detectors)
	apps, failed, err := loadAll(args, &o.read, s)
	if err != nil {
		return err
	}
	reports := make([]*advice.Report, len(apps))
	for i, l := range apps {
		fs := detectors.Run(l.App, ds, cfg)
		reports[i] = advice.Build(l.App, l.Stats, fs, ds, tool())
	}
	if o.redact || o.redactKey != "" {
		red := advice.NewRedactor([]byte(o.redactKey))
		for _, l := range apps {
			red.Learn(l.App)
		}
		for i, r := range reports {
			reports[i] = red.Report(r)
		}
	}
	for _, out := range outs {
		if err := writeReports(out, reports, o, s); err != nil {
			return err
		}
	}
	// An input that could not be read outranks the findings: a nightly
	// job with a mistyped path must not pass.
	if err := o.keepGoing.check(failed, len(args)); err != nil {
		return err
	}
	if failOn > 0 {
		for _, r := range reports {
			if r.Worst() >= failOn {
				return &exitError{code: ExitFindings}
			}
		}
	}
	return nil
}

// writeReports renders the reports to one output. A file is written next
// to its final name and renamed, so that a failed run leaves no half
// report behind.
func writeReports(out output, reports []*advice.Report, o *analyzeOptions, s *Streams) error {
	opts := render.Options{Compact: o.compact}
	if out.toStdout() {
		opts.Terminal, opts.Color, opts.Width = s.OutTTY, s.Color, s.Width
	}
	rd, err := render.ByName(out.format, opts)
	if err != nil {
		return usageErrorf("%v", err)
	}
	return writeOutput(out, s, o.read.quiet, func(w io.Writer) error { return rd.RenderAll(w, reports) })
}
