package render

import (
	"bytes"
	"flag"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/advice"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/all"
	"github.com/sparkdiag/sparkdiag/detectors/skew"
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// testTool keeps the goldens independent of the build's version.
var testTool = appmodel.Tool{Name: "sparkdiag", Version: "test"}

const (
	rpSQLLog = "../../testdata/public/rp_sql_eventlog.zstd"
	ndsLog   = "../../testdata/public/nds_q86_test.zstd"
)

func loadLog(t testing.TB, path string) (*appmodel.Application, *eventlog.Stats) {
	t.Helper()
	logs, err := source.Open(path)
	if err != nil || len(logs) == 0 {
		t.Fatalf("%s: %v", path, err)
	}
	app, st, err := appmodel.Load(logs[0], eventlog.Options{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return app, st
}

// longestStage is the stage attempt that took the longest.
func longestStage(app *appmodel.Application) *appmodel.Stage {
	var best *appmodel.Stage
	for _, st := range app.Stages {
		if best == nil || st.Duration() > best.Duration() {
			best = st
		}
	}
	return best
}

// sampleFindings are hand-made findings of every severity and subject
// kind, with text that needs escaping in every format, so that the
// goldens cover every path of the renderers whatever the detectors find.
func sampleFindings(app *appmodel.Application) []detectors.Finding {
	st := longestStage(app)
	stageSubj := detectors.StageSubject(st)
	var evs []detectors.Evidence
	for i := 0; i < 10; i++ {
		evs = append(evs, detectors.Ev(fmt.Sprintf("measure %d", i), float64(i*1500), "ms"))
	}
	evs = append(evs, detectors.EvT("longest / median", 12.5, "ratio", "≥", 5))
	sqlID := int64(2)
	return []detectors.Finding{
		{
			DetectorID: "DEMO001", Detector: "demo-stage", Category: "skew", Severity: detectors.Warning,
			Message: "Stage is slow: the longest task took 12.5x the median", Subject: stageSubj,
			CallSite: "etl_job.py:42", SQLOperator: "HashAggregate", Evidence: evs,
			Impact: detectors.Impact{WallClockMs: st.Duration(), WallClockShare: 0.25, TaskTimeMs: 120000, TaskTimeShare: 0.3, SavingsMs: 4200},
			Advice: detectors.Advice{Questions: []string{"Q3"}, Explanation: "A few keys hold most rows.",
				Changes: []detectors.Change{{Why: "salt the key before grouping"}},
				Snippet: "from pyspark.sql import functions as F\ndf = df.withColumn(\"salt\", (F.rand() * 16).cast(\"int\"))"},
		},
		{
			DetectorID: "DEMO002", Detector: "demo-job", Category: "reliability", Severity: detectors.Error,
			Message:  "Job failed: <b>not bold</b> | a pipe, *stars*, _underscores_ and `ticks`",
			Subject:  detectors.Subject{Kind: detectors.SubjectJob, JobID: detectors.Ptr(st.JobIDs[0])},
			Evidence: []detectors.Evidence{detectors.EvT("failed tasks", 4, "count", "≥", 1), detectors.Ev("shuffle read", 3<<20, "bytes")},
			Impact:   detectors.Impact{WallClockMs: 1000, WallClockShare: 0.05, SavingsMs: 9000},
			Advice: detectors.Advice{Questions: []string{"Q12", "Q13"}, Explanation: "Tasks ran out of memory & were retried.",
				Changes: []detectors.Change{{Key: "spark.task.maxFailures", Current: "4", Suggested: "8", Why: "retry | longer"}},
				Snippet: "SELECT `a|b`, count(*) FROM t GROUP BY 1 -- ``` fence"},
		},
		{
			DetectorID: "DEMO003", Detector: "demo-config", Category: "configuration", Severity: detectors.Info,
			Message:  "spark.sql.shuffle.partitions is left at its default",
			Subject:  detectors.Subject{Kind: detectors.SubjectConfig, ConfigKey: "spark.sql.shuffle.partitions"},
			Evidence: []detectors.Evidence{detectors.Ev("share of small tasks", 0.875, "share"), detectors.Ev("rate", 1234.5, "rows/s")},
			Advice:   detectors.Advice{Questions: []string{}, Changes: []detectors.Change{}},
		},
		{
			DetectorID: "DEMO004", Detector: "demo-sql", Category: "dataflow", Severity: detectors.Info,
			Message:  "SQL execution scans every partition",
			Subject:  detectors.Subject{Kind: detectors.SubjectSQL, SQLExecutionID: &sqlID, PlanNodeID: detectors.Ptr(3)},
			Evidence: []detectors.Evidence{},
			Advice:   detectors.Advice{Questions: []string{}, Changes: []detectors.Change{}},
		},
		{
			DetectorID: "DEMO005", Detector: "demo-app", Category: "resources", Severity: detectors.Info,
			Message: "The application is fine", Subject: detectors.Subject{Kind: detectors.SubjectApp},
			Evidence: []detectors.Evidence{}, Advice: detectors.Advice{Questions: []string{}, Changes: []detectors.Change{}},
		},
	}
}

var demoDetectors = []*detectors.Detector{{ID: "DEMO001"}, {ID: "DEMO002"}, {ID: "DEMO003"}, {ID: "DEMO004"}, {ID: "DEMO005"}}

// fixtures are the reports the goldens are made of: a real log with the
// skew detector (no findings), and a bigger real log with sample findings.
func fixtures(t testing.TB) map[string]*advice.Report {
	rpApp, rpSt := loadLog(t, rpSQLLog)
	skewOnly := []*detectors.Detector{skew.Detector}
	rp := advice.Build(rpApp, rpSt, detectors.Run(rpApp, skewOnly, &detectors.Config{}), skewOnly, testTool)
	ndsApp, ndsSt := loadLog(t, ndsLog)
	nds := advice.Build(ndsApp, ndsSt, sampleFindings(ndsApp), demoDetectors, testTool)
	return map[string]*advice.Report{"rp_sql": rp, "nds_q86": nds}
}

// render writes r in a format.
func render(t testing.TB, format string, o Options, rs ...*advice.Report) string {
	t.Helper()
	rd, err := ByName(format, o)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if len(rs) == 1 {
		err = rd.Render(&b, rs[0])
	} else {
		err = rd.RenderAll(&b, rs)
	}
	if err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return b.String()
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	testlogs.Golden(t, filepath.Join("testdata", name), got, *update)
}

// goldenFormats are the files each fixture has.
var goldenFormats = []struct {
	suffix, format string
	opts           Options
}{
	{".txt", "text", Options{}},
	{".term.txt", "text", Options{Terminal: true, Color: true, Width: 100}},
	{".json", "json", Options{}},
	{".compact.json", "json", Options{Compact: true}},
	{".md", "markdown", Options{}},
	{".html", "html", Options{}},
}

func TestGoldens(t *testing.T) {
	sv := loadSchema(t)
	for name, r := range fixtures(t) {
		for _, gf := range goldenFormats {
			t.Run(name+gf.suffix, func(t *testing.T) {
				out := render(t, gf.format, gf.opts, r)
				if render(t, gf.format, gf.opts, r) != out {
					t.Error("two renderings of one report differ")
				}
				if gf.format == "json" {
					validateReportJSON(t, sv, name+gf.suffix, []byte(out))
					if strings.Contains(out, "null") {
						t.Error("JSON has null")
					}
				}
				golden(t, name+gf.suffix, out)
			})
		}
	}
}

func TestCompactJSON(t *testing.T) {
	r := fixtures(t)["nds_q86"]
	out := render(t, "json", Options{Compact: true}, r)
	if strings.Count(out, "\n") != 1 || strings.Contains(out, `"charts"`) {
		t.Errorf("compact JSON should be one line without charts: %.200s", out)
	}
	full := render(t, "json", Options{}, r)
	if len(out)*3 > len(full) {
		t.Logf("compact %d bytes, full %d bytes", len(out), len(full))
	}
	// Compact mode must not change the report itself.
	if r.Charts == nil {
		t.Error("compact rendering dropped the report's charts")
	}
}

func TestByExtension(t *testing.T) {
	for path, want := range map[string]string{"a.txt": "*render.Text", "b.JSON": "*render.JSON", "c/d.md": "*render.Markdown",
		"e.markdown": "*render.Markdown", "f.html": "*render.HTML", "g.htm": "*render.HTML"} {
		rd, err := ByExtension(path, Options{})
		if err != nil || fmt.Sprintf("%T", rd) != want {
			t.Errorf("ByExtension(%q) = %T, %v; want %s", path, rd, err, want)
		}
	}
	for _, bad := range []string{"report", "report.pdf", "x.json.gz"} {
		if _, err := ByExtension(bad, Options{}); err == nil {
			t.Errorf("ByExtension(%q) accepted", bad)
		}
	}
	if _, err := ByName("xml", Options{}); err == nil {
		t.Error("ByName(xml) accepted")
	}
}

var ansiRe = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestTextFitsTerminal(t *testing.T) {
	for name, r := range fixtures(t) {
		for _, width := range []int{60, 80, 120} {
			out := render(t, "text", Options{Terminal: true, Color: true, Width: width}, r)
			if name == "nds_q86" && !ansiRe.MatchString(out) {
				t.Errorf("%s: no colour on a terminal", name)
			}
			inCode := false
			for _, line := range strings.Split(out, "\n") {
				// Code examples are printed whole, never wrapped.
				switch {
				case line == "   example:":
					inCode = true
					continue
				case !strings.HasPrefix(line, "      "):
					inCode = false
				}
				if n := utf8.RuneCountInString(ansiRe.ReplaceAllString(line, "")); n > width && !inCode {
					t.Errorf("%s width %d: line of %d columns: %q", name, width, n, line)
				}
			}
			for i := range r.Findings {
				for _, l := range strings.Split(r.Findings[i].Advice.Snippet, "\n") {
					if l != "" && !strings.Contains(out, "      "+l+"\n") {
						t.Errorf("%s width %d: code line %q was broken", name, width, l)
					}
				}
			}
		}
		plain := render(t, "text", Options{}, r)
		if ansiRe.MatchString(plain) || strings.Contains(plain, "─") {
			t.Errorf("%s: piped text has colour or box lines", name)
		}
	}
}

func TestSeveralReports(t *testing.T) {
	fx := fixtures(t)
	rs := []*advice.Report{fx["rp_sql"], fx["nds_q86"], fx["nds_q86"]}
	var arr []map[string]any
	if err := json.Unmarshal([]byte(render(t, "json", Options{}, rs...)), &arr); err != nil || len(arr) != 3 {
		t.Fatalf("JSON of 3 reports: %v, %d", err, len(arr))
	}
	page := render(t, "html", Options{}, rs...)
	if strings.Count(page, "<html") != 1 || strings.Count(page, `<main class="report"`) != 3 {
		t.Error("several reports should make one page with one section each")
	}
	ids := regexp.MustCompile(`id="([^"]+)"`).FindAllStringSubmatch(page, -1)
	seen := map[string]bool{}
	for _, m := range ids {
		if seen[m[1]] {
			t.Errorf("anchor %q is not unique on the page", m[1])
		}
		seen[m[1]] = true
	}
	for _, href := range regexp.MustCompile(`href="#([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if !seen[href[1]] {
			t.Errorf("link to #%s has no target", href[1])
		}
	}
	md := render(t, "markdown", Options{}, rs...)
	if strings.Count(md, "\n---\n") != 2 {
		t.Error("Markdown reports should be separated by rules")
	}
}

// TestEveryLogEveryFormat renders each log of the test data (the bundled
// public logs and our Spark corpus) in every format from one report, with
// every detector.
func TestEveryLogEveryFormat(t *testing.T) {
	sv := loadSchema(t)
	dirs := []string{"../../testdata/public", "../../testdata/spark/logs"}
	if testing.Short() {
		dirs = dirs[:1]
	}
	var logs []*source.Log
	for _, d := range dirs {
		ls, err := source.Open(d)
		if err != nil && len(ls) == 0 {
			t.Logf("%s: %v", d, err)
			continue
		}
		logs = append(logs, ls...)
	}
	if len(logs) < 2 {
		t.Fatalf("only %d logs found", len(logs))
	}
	for _, lg := range logs {
		t.Run(filepath.Base(lg.Path), func(t *testing.T) {
			app, st, err := appmodel.Load(lg, eventlog.Options{})
			if err != nil {
				t.Skipf("unreadable: %v", err)
			}
			cfg := &detectors.Config{}
			r := advice.Build(app, st, detectors.Run(app, all.Detectors, cfg), all.Detectors, testTool)
			outs := map[string]string{}
			for _, f := range Names() {
				outs[f] = render(t, f, Options{}, r)
			}
			validateReportJSON(t, sv, lg.Path, []byte(outs["json"]))
			if strings.Contains(outs["json"], ": null") {
				t.Error("JSON has a null")
			}
			for _, f := range r.Findings {
				for format, out := range outs {
					if !strings.Contains(out, f.ID) {
						t.Errorf("%s output lacks finding %s", format, f.ID)
					}
				}
			}
			checkHTMLInert(t, outs["html"])
		})
	}
}

// checkHTMLInert checks a page has no script, external resource, event
// handler or link out of the page. It looks at the markup only: text and
// attribute values may hold anything once escaped.
func checkHTMLInert(t *testing.T, page string) {
	t.Helper()
	for _, tag := range regexp.MustCompile(`<[^>]*>`).FindAllString(page, -1) {
		values := regexp.MustCompile(`"[^"]*"|'[^']*'`)
		bare := strings.ToLower(values.ReplaceAllString(tag, `""`))
		name := strings.TrimLeft(strings.Fields(strings.Trim(bare, "<>/"))[0], "/")
		switch name {
		case "script", "img", "iframe", "object", "embed", "link", "image", "use", "foreignobject", "audio", "video", "source", "base", "form":
			t.Errorf("HTML has a <%s> element: %s", name, tag)
		}
		if m := regexp.MustCompile(`\s(on[a-z]+|src|srcset|xlink:href|formaction)\s*=`).FindString(bare); m != "" {
			t.Errorf("HTML has attribute %s: %s", m, tag)
		}
		for _, h := range regexp.MustCompile(`\shref="([^"]*)"`).FindAllStringSubmatch(tag, -1) {
			if !strings.HasPrefix(h[1], "#") {
				t.Errorf("HTML links out of the page: %s", tag)
			}
		}
	}
	lower := strings.ToLower(page)
	for _, bad := range []string{"@import", "url("} {
		if strings.Contains(lower, bad) {
			t.Errorf("HTML contains %q", bad)
		}
	}
}

// outsideCode removes the code spans and fenced blocks of Markdown, where
// any text is shown as written.
func outsideCode(md string) string {
	var b strings.Builder
	fence := ""
	for _, line := range strings.SplitAfter(md, "\n") {
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			if trimmed == fence {
				fence = ""
			}
			continue
		}
		if strings.HasPrefix(trimmed, "```") {
			fence = strings.TrimRight(trimmed, "abcdefghijklmnopqrstuvwxyz")
			continue
		}
		for line != "" {
			i := strings.IndexByte(line, '`')
			if i < 0 || (i > 0 && line[i-1] == '\\') {
				if i < 0 {
					b.WriteString(line)
					break
				}
				b.WriteString(line[:i+1])
				line = line[i+1:]
				continue
			}
			b.WriteString(line[:i])
			n := i
			for n < len(line) && line[n] == '`' {
				n++
			}
			run := line[i:n]
			end := strings.Index(line[n:], run)
			if end < 0 {
				b.WriteString(line[i:])
				break
			}
			line = line[n+end+len(run):]
		}
	}
	return b.String()
}

// hostile is what an attacker could put in an application name, SQL text,
// stage name or anything else the log holds.
var hostile = []string{
	`<script>window.__pwned=1</script>`,
	`"><img src=x onerror="window.__pwned=2">`,
	`'><svg onload=window.__pwned=3>`,
	"\x1b]0;title\x07\x1b[2J",
	"a | b *c* _d_ [e](javascript:alert(1)) `f` <!-- g -->",
}

// hostileReport puts hostile strings everywhere a log string can reach.
func hostileReport(t testing.TB) *advice.Report {
	r := fixtures(t)["nds_q86"]
	h := strings.Join(hostile, " ")
	r.App.Name = h
	r.App.SparkUser = h
	r.Input.Path = h
	r.Input.Warnings = []string{h}
	for i := range r.Findings {
		f := &r.Findings[i]
		f.Message += " " + h
		f.CallSite = h
		f.Subject.Name = h
		f.Advice.Explanation = h
		f.Advice.Snippet = h
		for j := range f.Evidence {
			f.Evidence[j].Name = h
		}
		for j := range f.Advice.Changes {
			f.Advice.Changes[j].Current = h
		}
	}
	c := r.Charts
	for i := range c.Timeline.SQL {
		c.Timeline.SQL[i].Description = h
	}
	for i := range c.Timeline.Jobs {
		c.Timeline.Jobs[i].Name = h
	}
	for i := range c.Timeline.Stages {
		c.Timeline.Stages[i].Name = h
	}
	for i := range c.TopStages {
		c.TopStages[i].Name = h
	}
	for i := range c.TaskDistributions {
		c.TaskDistributions[i].Name = h
	}
	return r
}

func TestHostileStringsStayInert(t *testing.T) {
	r := hostileReport(t)
	page := render(t, "html", Options{}, r)
	checkHTMLInert(t, page)
	if !strings.Contains(page, "&lt;script&gt;window.__pwned=1&lt;/script&gt;") {
		t.Error("the hostile application name is not shown escaped")
	}
	md := outsideCode(render(t, "markdown", Options{}, r))
	for _, bad := range []string{"<script", "<img", "<svg", "<!--"} {
		if strings.Contains(md, bad) {
			t.Errorf("Markdown contains %q", bad)
		}
	}
	if regexp.MustCompile(`[^\\]\]\(javascript`).MatchString(md) {
		t.Error("Markdown has a javascript: link")
	}
	for _, o := range []Options{{}, {Terminal: true, Color: true, Width: 80}} {
		txt := render(t, "text", o, r)
		if strings.Contains(ansiRe.ReplaceAllString(txt, ""), "\x1b") || strings.Contains(txt, "\x07") {
			t.Error("text output passes terminal escapes from the log through")
		}
	}
	var back advice.Report
	if err := json.Unmarshal([]byte(render(t, "json", Options{}, r)), &back); err != nil || back.App.Name != r.App.Name {
		t.Errorf("JSON does not round-trip the name: %v", err)
	}
}

// TestMarkdownTables checks that every table row has as many cells as its
// header, whatever the text holds.
func TestMarkdownTables(t *testing.T) {
	md := render(t, "markdown", Options{}, hostileReport(t))
	cells := func(line string) int {
		return len(regexp.MustCompile(`(^|[^\\])\|`).FindAllString(line, -1))
	}
	want := -1
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			want = -1
			continue
		}
		if want < 0 {
			want = cells(line)
			continue
		}
		if got := cells(line); got != want {
			t.Errorf("table row has %d separators, header %d: %s", got, want, line)
		}
	}
}

func TestFindingIDs(t *testing.T) {
	r := fixtures(t)["nds_q86"]
	var ids []string
	for _, f := range r.Findings {
		ids = append(ids, f.ID)
	}
	sort.Strings(ids)
	want := []string{"DEMO001-stage", "DEMO002-job", "DEMO003-spark.sql.shuffle.partitions", "DEMO004-sql2.node3", "DEMO005-app"}
	for i, w := range want {
		if i >= len(ids) || !strings.HasPrefix(ids[i], w) {
			t.Errorf("finding IDs %v, want prefixes %v", ids, want)
			break
		}
	}
}
