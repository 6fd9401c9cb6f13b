// Package detectortest holds what detector tests share: loading a log into
// the model and checking one detector's findings against a table of cases.
package detectortest

import (
	"os"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// Load reads a log into the model, skipping the test when the log is absent.
func Load(t *testing.T, path string) *appmodel.Application {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("log not available: %v", err) // testdata is part of the repository
	}
	logs, err := source.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	app, _, err := appmodel.Load(logs[0], eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// Corpus is the path of a run of the real-Spark corpus.
func Corpus(version, name string) string { return testlogs.Testdata("spark", "logs", version, name) }

// Case is one log and what the detector must report on it.
type Case struct {
	Name     string
	Path     string
	D        *detectors.Detector
	Want     int                // findings expected
	Severity detectors.Severity // of the first finding, when want > 0 (0: any)
	Contains []string           // in the first finding's message or advice
	Stage    int                // expected subject stage, -1 for any
}

// Check runs each case's detector on its log and checks the findings.
func Check(t *testing.T, cases []Case) {
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			app := Load(t, c.Path)
			fs := detectors.Run(app, []*detectors.Detector{c.D}, &detectors.Config{})
			if len(fs) != c.Want {
				for _, f := range fs {
					t.Log(f.Message)
				}
				t.Fatalf("%s: %d findings, want %d", c.D.ID, len(fs), c.Want)
			}
			if c.Want == 0 {
				return
			}
			f := fs[0]
			if c.Severity != 0 && f.Severity != c.Severity {
				t.Errorf("severity %s, want %s", f.Severity, c.Severity)
			}
			text := f.Message + "\n" + f.Advice.Explanation + "\n" + f.Advice.Snippet
			for _, ch := range f.Advice.Changes {
				text += "\n" + ch.Key + "=" + ch.Suggested + " " + ch.Why
			}
			for _, s := range c.Contains {
				if !strings.Contains(text, s) {
					t.Errorf("finding lacks %q:\n%s", s, text)
				}
			}
			if c.Stage >= 0 && (f.Subject.StageID == nil || *f.Subject.StageID != c.Stage) {
				t.Errorf("subject %+v, want stage %d", f.Subject, c.Stage)
			}
			if len(f.Evidence) == 0 || f.Advice.Explanation == "" || len(f.Advice.Changes) == 0 {
				t.Errorf("finding without evidence or advice: %+v", f)
			}
		})
	}
}
