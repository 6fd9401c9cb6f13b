package render

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/skew"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// sensitiveStrings collects, independently of the Redactor, what in a
// model identifies its owner: the application's name and user, hosts,
// the log's path, SQL text and descriptions, the user's source files,
// paths and table directories in plans, column names and plan strings.
// Short or common words are left out: they identify nobody and could
// appear in any text.
func sensitiveStrings(app *appmodel.Application, logPath string) []string {
	set := map[string]bool{}
	add := func(s string) {
		s = strings.TrimSpace(s)
		if len([]rune(s)) >= 5 {
			set[s] = true
		}
	}
	add(app.Name)
	add(app.User)
	add(logPath)
	for _, e := range app.Executors {
		add(e.Host)
		if h, _, ok := strings.Cut(e.HostPort, ":"); ok {
			add(h)
		}
	}
	jvm := map[string]bool{"NativeMethodAccessorImpl.java": true, "DelegatingMethodAccessorImpl.java": true,
		"FutureTask.java": true, "Thread.java": true, "Method.java": true}
	sourceFile := regexp.MustCompile(`[\w$-]+\.(?:py|scala|java)\b`)
	files := func(s string) {
		for _, f := range sourceFile.FindAllString(s, -1) {
			if !jvm[f] {
				add(f)
			}
		}
	}
	uri := regexp.MustCompile(`[a-z]+://[^\]\s]+`)
	attr := regexp.MustCompile(`([A-Za-z_]\w*)#\d+`)
	generic := map[string]bool{"count": true, "value": true, "amount": true, "index": true, "items": true}
	plan := func(s string) {
		for _, u := range uri.FindAllString(s, -1) {
			add(u)
			parts := strings.Split(strings.TrimRight(u, "/"), "/")
			if last := parts[len(parts)-1]; !strings.ContainsAny(last, "=.") {
				add(last)
			}
		}
		for _, m := range attr.FindAllStringSubmatch(s, -1) {
			if !generic[m[1]] {
				add(m[1])
			}
		}
	}
	for _, x := range app.SQL {
		add(x.Description)
		for _, p := range x.Plans {
			p.Walk(func(n *appmodel.PlanNode) bool {
				if len(n.SimpleString) > 40 {
					add(n.SimpleString)
				}
				plan(n.SimpleString)
				for _, v := range n.Metadata {
					plan(v)
				}
				return true
			})
		}
	}
	for _, j := range app.Jobs {
		add(j.Description)
		files(j.Name)
	}
	for _, s := range app.Stages {
		files(s.Name)
		files(s.Details)
	}
	out := make([]string, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// found reports whether s appears in out as a whole word (when it starts
// and ends with one).
func found(out, s string) bool {
	re := regexp.QuoteMeta(s)
	if regexp.MustCompile(`^\w`).MatchString(s) {
		re = `(?:^|[^\w])` + re
	}
	if regexp.MustCompile(`\w$`).MatchString(s) {
		re += `(?:[^\w]|$)`
	}
	return regexp.MustCompile(re).MatchString(out)
}

// redactionLogs are real logs to redact: the bundled public ones and, when
// present, a few of our Spark corpus.
func redactionLogs() []string {
	logs := []string{rpSQLLog, ndsLog}
	for _, name := range []string{"skew_join_off.lzf", "small_files_write.lzf", "broadcast_too_large.zstd"} {
		p := filepath.Join("../../testdata/spark/logs/3.5.9", name)
		if _, err := os.Stat(p); err == nil {
			logs = append(logs, p)
		}
	}
	return logs
}

func TestRedactionLeavesNothingSensitive(t *testing.T) {
	sv := loadSchema(t)
	for _, path := range redactionLogs() {
		t.Run(filepath.Base(path), func(t *testing.T) {
			app, st := loadLog(t, path)
			fs := append(detectors.Run(app, []*detectors.Detector{skew.Detector}, &detectors.Config{}), sampleFindings(app)...)
			r := advice.Build(app, st, fs, demoDetectors, testTool)
			red := advice.NewRedactor([]byte("test key"))
			red.Learn(app)
			rr := red.Report(r)

			secrets := sensitiveStrings(app, path)
			if len(secrets) < 3 {
				t.Fatalf("only %d sensitive strings collected: %q", len(secrets), secrets)
			}
			outs := map[string]string{}
			for _, gf := range goldenFormats {
				outs[gf.suffix] = render(t, gf.format, gf.opts, rr)
			}
			for suffix, out := range outs {
				for _, s := range secrets {
					if found(out, s) {
						t.Errorf("%s output still holds %q", suffix, s)
					}
				}
			}
			validateReportJSON(t, sv, "redacted "+path, []byte(outs[".json"]))

			// The report still reads: finding IDs, detectors and numbers
			// are kept, and a name gets the same token in every format.
			if len(rr.Findings) != len(r.Findings) || rr.Findings[0].ID != r.Findings[0].ID || rr.App.DurationMs != r.App.DurationMs {
				t.Error("redaction changed the findings or the numbers")
			}
			if !strings.HasPrefix(rr.App.Name, "app-") || !strings.HasPrefix(rr.App.SparkUser, "user-") {
				t.Errorf("name %q, user %q: want tokens", rr.App.Name, rr.App.SparkUser)
			}
			for suffix, out := range outs {
				if !strings.Contains(out, rr.App.Name) {
					t.Errorf("%s output lacks the application's token %s", suffix, rr.App.Name)
				}
			}
			// The original report is left as it was.
			if r.App.Name != app.Name {
				t.Error("Report changed its input")
			}
			// The same key gives the same report.
			again := advice.NewRedactor([]byte("test key"))
			again.Learn(app)
			a, _ := json.Marshal(again.Report(r))
			b, _ := json.Marshal(rr)
			if string(a) != string(b) {
				t.Error("the same key gave a different redacted report")
			}
		})
	}
}
