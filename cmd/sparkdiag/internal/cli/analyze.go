package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"
	"github.com/spf13/cobra"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/all"
)

type analyzeOptions struct {
	read       readFlags
	format     string
	failOn     string
	enable     []string
	disable    []string
	set        []string
	configFile string
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

Thresholds can be changed with --set ID.param=value or a JSON config file:

  {"disable": ["GC001"], "params": {"SKEW001": {"minExcessMs": 10000}}}`,
		Example: `  # post-mortem of one slow run
  sparkdiag analyze /var/log/spark/application_1700000000000_0042.zstd

  # as JSON, and fail (exit 1) when any finding is an error: for nightly jobs
  sparkdiag analyze --format json --fail-on error eventlog_v2_app-20240101

  # only the skew and spill detectors, with a stricter skew threshold
  sparkdiag analyze --enable skew,spill --set SKEW001.maxOverMedian=10 app.lz4`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runAnalyze(o, args, s)
		},
	}
	o.read.register(c)
	c.Flags().StringVarP(&o.format, "format", "f", "text", "output format: text or json")
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

func runAnalyze(o *analyzeOptions, args []string, s *Streams) error {
	switch o.format {
	case "text", "json":
	default:
		return usageErrorf("unknown --format %q (want text or json)", o.format)
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
	apps, err := loadAll(args, &o.read, s)
	if err != nil {
		return err
	}
	reports := make([]*advice.Report, len(apps))
	for i, l := range apps {
		fs := detectors.Run(l.App, ds, cfg)
		reports[i] = advice.Build(l.App, l.Stats, fs, ds, tool())
	}
	w := bufio.NewWriter(s.Out)
	switch o.format {
	case "json":
		var v any = reports
		if len(reports) == 1 {
			v = reports[0]
		}
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		w.Write(append(b, '\n'))
	default:
		for i, r := range reports {
			if i > 0 {
				fmt.Fprintln(w)
			}
			writeReportText(w, s, r)
		}
	}
	if err := w.Flush(); err != nil {
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

// writeReportText prints a report for a terminal or a pipe.
func writeReportText(w io.Writer, s *Streams, r *advice.Report) {
	a := r.App
	title := a.ID
	if a.Name != "" {
		title += "  " + strconv.Quote(a.Name)
	}
	fmt.Fprintf(w, "%s\n", title)
	status := "completed"
	if !r.Input.Complete {
		status = "incomplete"
	}
	fmt.Fprintf(w, "Spark %s, %s, %s, %d jobs, %d stages, %s tasks, %s task time\n",
		orUnknown(a.SparkVersion), status, units.Millis(a.DurationMs), a.Jobs, a.Stages,
		units.Count(int64(a.Totals.Tasks)), units.Millis(a.Totals.ExecutorRunTime))
	if len(r.Findings) == 0 {
		fmt.Fprintf(w, "\nNo problems found by %d detectors.\n", len(r.Detectors))
		return
	}
	fmt.Fprintf(w, "\n%d findings: %d errors, %d warnings, %d info\n", len(r.Findings), r.Counts.Error, r.Counts.Warning, r.Counts.Info)
	for i, f := range r.Findings {
		fmt.Fprintf(w, "\n%d. %s %s  %s\n", i+1, sevLabel(s, f.Severity), f.DetectorID, f.Message)
		var where []string
		if f.Subject.StageID != nil {
			where = append(where, fmt.Sprintf("stage %d.%d", *f.Subject.StageID, deref(f.Subject.StageAttempt)))
		}
		if f.Subject.JobID != nil {
			where = append(where, fmt.Sprintf("job %d", *f.Subject.JobID))
		}
		if f.Subject.SQLExecutionID != nil {
			where = append(where, fmt.Sprintf("SQL %d", *f.Subject.SQLExecutionID))
		}
		if f.SQLOperator != "" {
			where = append(where, f.SQLOperator)
		}
		if f.CallSite != "" {
			where = append(where, "at "+f.CallSite)
		}
		if f.Subject.ExecutorID != "" {
			where = append(where, "executor "+f.Subject.ExecutorID)
		}
		if f.Subject.QueryID != "" {
			where = append(where, "query "+f.Subject.QueryID)
		}
		if len(where) > 0 {
			fmt.Fprintf(w, "   where:    %s\n", strings.Join(where, ", "))
		}
		if f.Impact.WallClockMs > 0 || f.Impact.SavingsMs > 0 {
			imp := fmt.Sprintf("%s wall-clock (%s of the application), %s task time (%s)",
				units.Millis(f.Impact.WallClockMs), units.Percent(f.Impact.WallClockShare),
				units.Millis(f.Impact.TaskTimeMs), units.Percent(f.Impact.TaskTimeShare))
			if f.Impact.SavingsMs > 0 {
				imp += fmt.Sprintf("; a fix could save about %s", units.Millis(f.Impact.SavingsMs))
			}
			fmt.Fprintf(w, "   impact:   %s\n", imp)
		}
		var ev []string
		for _, e := range f.Evidence {
			x := e.Name + " " + formatValue(e.Value, e.Unit)
			if e.Threshold != nil {
				x += fmt.Sprintf(" (%s %s)", e.Op, formatValue(*e.Threshold, e.Unit))
			}
			ev = append(ev, x)
		}
		if len(ev) > 0 {
			fmt.Fprintf(w, "   evidence: %s\n", strings.Join(ev, "; "))
		}
		if f.Advice.Explanation != "" {
			fmt.Fprintf(w, "   why:      %s [%s]\n", f.Advice.Explanation, strings.Join(f.Advice.Questions, ", "))
		}
		for _, ch := range f.Advice.Changes {
			if ch.Key != "" {
				fmt.Fprintf(w, "   fix:      %s=%s  (now %s: %s)\n", ch.Key, ch.Suggested, ch.Current, ch.Why)
			} else {
				fmt.Fprintf(w, "   fix:      %s\n", ch.Why)
			}
		}
		if f.Advice.Snippet != "" {
			fmt.Fprintf(w, "   example:\n")
			for _, line := range strings.Split(f.Advice.Snippet, "\n") {
				fmt.Fprintf(w, "      %s\n", line)
			}
		}
	}
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown version)"
	}
	return s
}

func sevLabel(s *Streams, sev detectors.Severity) string {
	label := strings.ToUpper(sev.String())
	if !s.Color {
		return "[" + label + "]"
	}
	switch sev {
	case detectors.Error:
		return "\033[1;31m[" + label + "]\033[0m"
	case detectors.Warning:
		return "\033[1;33m[" + label + "]\033[0m"
	}
	return "\033[36m[" + label + "]\033[0m"
}

// formatValue renders an evidence number in its unit.
func formatValue(v float64, unit string) string {
	switch unit {
	case "ms":
		return units.Millis(int64(v))
	case "ns":
		return units.Millis(int64(v / 1e6))
	case "bytes":
		return units.Bytes(int64(v))
	case "ratio":
		return units.Ratio(v)
	case "share":
		return units.Percent(v)
	case "count":
		return units.Count(int64(v))
	default:
		if v == float64(int64(v)) {
			return units.Count(int64(v)) + " " + unit
		}
		return fmt.Sprintf("%.1f %s", v, unit)
	}
}
