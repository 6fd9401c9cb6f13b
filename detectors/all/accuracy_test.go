package all_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/all"
	"github.com/sparkdiag/sparkdiag/detectors/triage"
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

var update = flag.Bool("update", false, "rewrite docs/accuracy.md")

// label is one log of a labels file (testdata/spark/labels.json,
// testdata/public/labels.json).
type label struct {
	Path     string `json:"path"`
	Scenario string `json:"scenario"`
	Spark    string `json:"spark"`
	// Mode is "cluster" for the runs on a standalone cluster (scored on
	// their own); empty for local-mode runs and public logs.
	Mode   string `json:"mode"`
	Expect []struct {
		Problem string   `json:"problem"`
		Q       []string `json:"q"`
		Stages  []int    `json:"stages"`
	} `json:"expect"`
	Absent []string `json:"absent"`
}

type labelFile struct {
	Logs []label `json:"logs"`
}

type labeledLog struct {
	label
	file string // absolute path
	set  string // "spark" (our corpus) or "public"
}

func loadLabels(t *testing.T) []labeledLog {
	var out []labeledLog
	read := func(path, base, set string) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("labels: %v", err)
		}
		var lf labelFile
		if err := json.Unmarshal(b, &lf); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, l := range lf.Logs {
			out = append(out, labeledLog{label: l, file: filepath.Join(base, l.Path), set: set})
		}
	}
	read(testlogs.Testdata("spark", "labels.json"), testlogs.Testdata("spark"), "spark")
	// The public logs are copied into testdata/public (provenance in its
	// README.md), so the scores do not depend on ../shared being there.
	read(testlogs.Testdata("public", "labels.json"), testlogs.Testdata("public"), "public")
	return out
}

type score struct{ tp, fp, fn, quietOK int }

func (s score) precision() float64 {
	if s.tp+s.fp == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fp)
}

func (s score) recall() float64 {
	if s.tp+s.fn == 0 {
		return 1
	}
	return float64(s.tp) / float64(s.tp+s.fn)
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestAccuracy runs every detector on every labeled log and scores it: a
// true positive when it reports a problem the label expects (at one of the
// labeled stages when both name stages), a false negative when it stays
// quiet, a false positive when it reports a problem the label says is
// absent. On the local-mode runs and the public logs, precision and recall
// must be at least 0.95 for every detector, each detector needs a log where
// it must fire and one where it must stay quiet, and the healthy job must get
// no warning. The cluster runs (label mode "cluster") are scored separately
// with the same gate (clusterGate).
func TestAccuracy(t *testing.T) {
	labels := loadLabels(t)
	if len(labels) == 0 {
		t.Skip("no labeled logs")
	}
	var local, cluster []labeledLog
	for _, l := range labels {
		if l.Mode == "cluster" {
			cluster = append(cluster, l)
		} else {
			local = append(local, l)
		}
	}
	scores, details, warnings := scoreLogs(t, local)
	sort.Strings(details)
	for _, d := range details {
		t.Log(d)
	}
	for _, w := range warnings {
		t.Error(w)
	}
	table := accuracyTable(local, scores)
	t.Log("\n" + table)
	for _, d := range all.Detectors {
		s := scores[d.ID]
		if s.tp+s.fn == 0 {
			t.Errorf("%s: no labeled log where it must fire", d.ID)
		}
		if s.quietOK+s.fp == 0 {
			t.Errorf("%s: no labeled log where it must stay quiet", d.ID)
		}
		if s.precision() < 0.95 || s.recall() < 0.95 {
			t.Errorf("%s: precision %.2f, recall %.2f (want both ≥ 0.95)", d.ID, s.precision(), s.recall())
		}
	}
	if len(cluster) > 0 {
		cscores, cdetails, cwarnings := scoreLogs(t, cluster)
		sort.Strings(cdetails)
		report := t.Logf
		if clusterGate {
			report = t.Errorf
		}
		for _, d := range cdetails {
			t.Log("cluster: " + d)
		}
		for _, w := range cwarnings {
			report("cluster: %s", w)
		}
		ctable := clusterTable(cluster, cscores, cdetails)
		t.Log("\n" + ctable)
		for _, d := range all.Detectors {
			s := cscores[d.ID]
			if s.precision() < 0.95 || s.recall() < 0.95 {
				report("cluster runs: %s: precision %.2f, recall %.2f (want both ≥ 0.95)", d.ID, s.precision(), s.recall())
			}
		}
		table += ctable
	}
	path := filepath.Join(testlogs.Root(), "docs", "accuracy.md")
	if *update {
		if err := os.WriteFile(path, []byte(table), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if b, err := os.ReadFile(path); err != nil || string(b) != table {
		t.Errorf("docs/accuracy.md is out of date: run go test ./detectors/all -update")
	}
}

// clusterGate makes the cluster runs' scores fail the test like the local
// ones: every detector at 0.95 precision and recall on them too, and no
// warning on the healthy cluster jobs.
const clusterGate = true

// scoreLogs runs every detector on the logs and scores them; details lists
// every false positive and false negative, warnings every warning a healthy
// job got (scenario "healthy" or "cluster_healthy_*").
func scoreLogs(t *testing.T, labels []labeledLog) (map[string]*score, []string, []string) {
	scores := map[string]*score{}
	for _, d := range all.Detectors {
		scores[d.ID] = &score{}
	}
	var details, warnings []string
	for _, l := range labels {
		logs, err := source.Open(l.file)
		if err != nil {
			t.Errorf("%s: %v", l.Path, err)
			continue
		}
		app, _, err := appmodel.Load(logs[0], eventlog.Options{})
		if err != nil {
			t.Errorf("%s: %v", l.Path, err)
			continue
		}
		// Scored as users see them: after the triage chain, with the
		// findings that triage folded into another counted for their own
		// detector.
		findings := triage.Run(app, detectors.Run(app, all.Detectors, &detectors.Config{}))
		if l.Scenario == "healthy" || strings.HasPrefix(l.Scenario, "cluster_healthy") {
			for _, f := range findings {
				if f.Severity >= detectors.Warning {
					warnings = append(warnings, fmt.Sprintf("%s: the healthy job got a %s: %s %s", l.Path, f.Severity, f.DetectorID, f.Message))
				}
			}
		}
		for _, d := range all.Detectors {
			var mine []claim
			for _, f := range findings {
				if f.DetectorID == d.ID {
					mine = append(mine, claim{f, claimed(d, &f)})
				}
				for _, r := range f.Related {
					if r.DetectorID == d.ID {
						rf := detectors.Finding{DetectorID: r.DetectorID, Subject: r.Subject, Message: r.Message}
						mine = append(mine, claim{rf, claimed(d, &rf)})
					}
				}
			}
			s := scores[d.ID]
			for _, e := range l.Expect {
				if !contains(d.Problems, e.Problem) {
					continue
				}
				if matchesStage(claiming(mine, e.Problem), e.Stages) {
					s.tp++
				} else {
					s.fn++
					details = append(details, fmt.Sprintf("%s missed %s in %s (stages %v)", d.ID, e.Problem, l.Path, e.Stages))
				}
			}
			absent, fired := false, ""
			for _, p := range d.Problems {
				if contains(l.Absent, p) {
					absent = true
					if fs := claiming(mine, p); len(fs) > 0 && fired == "" {
						fired = fs[0].Message
					}
				}
			}
			if absent {
				if fired != "" {
					s.fp++
					details = append(details, fmt.Sprintf("%s fired on %s, labeled without it: %s", d.ID, l.Path, fired))
				} else {
					s.quietOK++
				}
			}
		}
	}
	return scores, details, warnings
}

// claim is a finding of a detector with the problems it claims.
type claim struct {
	f        detectors.Finding
	problems []string
}

// claimed are the problems a finding claims: none when triage found it is
// not what its detector looked for (warm-up, Spark's own work); for the
// skew detector, a skewed partition is skew, a straggler with ordinary data
// a straggler, and a slow executor behind several stragglers a slow host;
// otherwise the detector's problems.
func claimed(d *detectors.Detector, f *detectors.Finding) []string {
	if triage.Reclassified(f) {
		return nil
	}
	if d.ID == "SKEW001" {
		switch {
		case strings.HasPrefix(f.Message, "Slow executor"):
			return []string{"slow-host", "straggler"}
		case strings.HasPrefix(f.Message, "Straggler"):
			return []string{"straggler"}
		case strings.HasPrefix(f.Message, "Not skew"):
			return nil
		default:
			return []string{"skew"}
		}
	}
	return d.Problems
}

func claiming(cs []claim, problem string) []detectors.Finding {
	var out []detectors.Finding
	for _, c := range cs {
		if contains(c.problems, problem) {
			out = append(out, c.f)
		}
	}
	return out
}

func matchesStage(fs []detectors.Finding, stages []int) bool {
	for _, f := range fs {
		if len(stages) == 0 || f.Subject.StageID == nil {
			return true
		}
		for _, s := range stages {
			if *f.Subject.StageID == s {
				return true
			}
		}
	}
	return false
}

func accuracyTable(labels []labeledLog, scores map[string]*score) string {
	var b strings.Builder
	nSpark, nPublic := 0, 0
	for _, l := range labels {
		if l.set == "spark" {
			nSpark++
		} else {
			nPublic++
		}
	}
	fmt.Fprintf(&b, "# Detector accuracy\n\n")
	fmt.Fprintf(&b, "Generated by `go test ./detectors/all -run TestAccuracy -update` from %d labeled logs of real Spark runs "+
		"(testdata/spark/labels.json) and %d public logs (testdata/public/labels.json). A true positive is a finding for a "+
		"problem the label expects (at a labeled stage when the label names stages); a false negative a labeled problem "+
		"with no finding; a false positive a finding on a log labeled without that problem; \"quiet\" counts the logs "+
		"labeled without the problem where the detector rightly said nothing.\n\n", nSpark, nPublic)
	fmt.Fprintf(&b, "| detector | problems | TP | FN | FP | quiet | precision | recall |\n|---|---|---|---|---|---|---|---|\n")
	for _, d := range all.Detectors {
		s := scores[d.ID]
		fmt.Fprintf(&b, "| %s %s | %s | %d | %d | %d | %d | %.2f | %.2f |\n", d.ID, d.Name, strings.Join(d.Problems, ", "),
			s.tp, s.fn, s.fp, s.quietOK, s.precision(), s.recall())
	}
	// The hand-checked precision on real public logs (docs/accuracy-real-logs.md)
	// follows the generated table.
	if real, err := os.ReadFile(filepath.Join(testlogs.Root(), "docs", "accuracy-real-logs.md")); err == nil {
		b.WriteString("\n")
		b.Write(real)
	}
	return b.String()
}

// clusterTable is the cluster section of docs/accuracy.md: the scores on the
// cluster runs alone, and every false positive and false negative.
func clusterTable(labels []labeledLog, scores map[string]*score, details []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Cluster runs\n\n")
	fmt.Fprintf(&b, "The %d labeled logs of runs on a real Spark standalone cluster (testdata/spark/labels.json, "+
		"`\"mode\": \"cluster\"`; master and three 1-core workers on loopback addresses), scored on their own. "+
		"The test holds them to the same gate as the local runs: precision and recall of at least 0.95 for every detector "+
		"and no warning on the healthy jobs. SKEW001 answers for skew (a skewed partition), straggler (a slow task with "+
		"ordinary data) and slow-host (the stragglers of several stages on one executor); a finding that triage found to be "+
		"warm-up, an executor's cold start or Spark's own work claims no problem. Problem ids no detector declares "+
		"(executor-warmup, driver-stall, spark-listing, schema-inference, waiting-for-executors) are not scored.\n\n", len(labels))
	fmt.Fprintf(&b, "| detector | problems | TP | FN | FP | quiet | precision | recall |\n|---|---|---|---|---|---|---|---|\n")
	for _, d := range all.Detectors {
		s := scores[d.ID]
		if s.tp+s.fn+s.fp+s.quietOK == 0 {
			continue
		}
		fmt.Fprintf(&b, "| %s %s | %s | %d | %d | %d | %d | %.2f | %.2f |\n", d.ID, d.Name, strings.Join(d.Problems, ", "),
			s.tp, s.fn, s.fp, s.quietOK, s.precision(), s.recall())
	}
	if len(details) > 0 {
		fmt.Fprintf(&b, "\nFalse negatives and false positives:\n\n")
		for _, d := range details {
			fmt.Fprintf(&b, "- %s\n", strings.ReplaceAll(d, "\n", " "))
		}
	}
	return b.String()
}
