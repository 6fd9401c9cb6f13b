package cli

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/advice/fleet"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// copyTree copies a file or a directory to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// zipOf writes a History Server style download: the log's files in a zip.
func zipOf(t *testing.T, src, dst string) {
	t.Helper()
	f, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	base := filepath.Dir(src)
	err = filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(base, p)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		r, err := os.Open(p)
		if err != nil {
			return err
		}
		defer r.Close()
		_, err = io.Copy(w, r)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// mixedFleet builds a log directory with every layout sparkdiag reads and
// three broken logs, as a History Server log directory can hold. It
// returns the directory and the application names that must be found.
func mixedFleet(t *testing.T) (string, []string) {
	t.Helper()
	dir := t.TempDir()
	v := testlogs.Testdata("spark", "logs", "3.5.9")
	names := []string{}
	for _, c := range []struct{ src, dst, app string }{
		{"healthy", "local-1000000000000", "healthy"},           // plain
		{"partitions_too_many", "", "partitions_too_many"},      // rolling eventlog_v2_ directory, zstd
		{"skew_agg.lz4", "local-1000000000001.lz4", "skew_agg"}, // lz4
		{"skew_join_off.lzf", "local-1000000000002.lzf", "skew_join_off"},
		{"join_spill.snappy", "local-1000000000003.snappy", "join_spill"},
		{"task_retries.zstd", "local-1000000000004.zstd", "task_retries"},
		{"killed_driver.zstd.inprogress", "local-1000000000005.zstd.inprogress", "killed_driver"},
	} {
		src := filepath.Join(v, c.src)
		if c.dst == "" {
			entries, err := os.ReadDir(src)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries { // the eventlog_v2_* directory inside
				copyTree(t, filepath.Join(src, e.Name()), filepath.Join(dir, e.Name()))
			}
		} else {
			copyTree(t, src, filepath.Join(dir, c.dst))
		}
		names = append(names, c.app)
	}
	// A History Server zip download of a plain log.
	zipOf(t, testlogs.Testdata("codecs", "spark-4.3.0.plain"), filepath.Join(dir, "download.zip"))
	names = append(names, "sparkdiag-codec-fixture")
	// A Spark 1.x log directory and a Databricks log directory, from the
	// shared corpus when it is there (CI has it).
	ev := testlogs.SharedDir()
	v1 := filepath.Join(ev, "spark", "legacy-v1.2-dir-format", "core", "src", "test", "resources", "spark-events", "local-1422981759269")
	db := filepath.Join(ev, "spark-rapids-tools", "core", "src", "test", "resources", "spark-events-qualification", "db_sim_eventlog")
	if ev == "" {
		t.Log("shared corpus absent: no Spark 1.x or Databricks log directory in this review")
	} else if _, err := os.Stat(v1); err == nil {
		copyTree(t, v1, filepath.Join(dir, "local-1422981759269"))
		copyTree(t, db, filepath.Join(dir, "db_sim_eventlog"))
		names = append(names, "Spark shell", "Spark shell")
	} else {
		t.Fatalf("the shared corpus at %s has no %s", ev, v1)
	}
	// Broken logs: garbage with a codec's name, an empty file, and a log
	// whose compressed stream is corrupt from its start.
	if err := os.WriteFile(filepath.Join(dir, "local-1000000000006.zstd"), []byte("\x28\xb5\x2f\xfdthis is not zstd at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "local-1000000000007"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "local-1000000000008"), []byte("{\"Event\":\"SparkListenerLogStart\",\"Spark Version\":\"3.5.0\"\n{not json at all\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, names
}

// readJSONL parses JSON Lines into records.
func readJSONL(t *testing.T, s string) []fleet.Record {
	t.Helper()
	var recs []fleet.Record
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var r fleet.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
		}
		recs = append(recs, r)
	}
	return recs
}

func TestReviewMixedDirectory(t *testing.T) {
	dir, want := mixedFleet(t)
	out, errs, code := run(t, nil, "review", "--format", "jsonl", "-j", "3", dir)
	if code != ExitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	recs := readJSONL(t, out)
	var got, unreadable []string
	for i, r := range recs {
		if r.SchemaVersion != fleet.SchemaVersion || r.Kind != "application" || r.Rank != i+1 {
			t.Errorf("record %d: schema %d kind %q rank %d", i, r.SchemaVersion, r.Kind, r.Rank)
		}
		if r.Status == fleet.StatusOK {
			got = append(got, r.App.Name)
			continue
		}
		unreadable = append(unreadable, r.Error)
		if !strings.Contains(errs, r.Error) {
			t.Errorf("unreadable log not reported on stderr: %s", r.Error)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("applications found:\n got %v\nwant %v", got, want)
	}
	// The three broken logs are reported, each by name.
	if len(unreadable) != 3 {
		t.Errorf("unreadable = %d, want 3: %q", len(unreadable), unreadable)
	}
	for _, name := range []string{"local-1000000000006.zstd", "local-1000000000007", "local-1000000000008"} {
		if !strings.Contains(strings.Join(unreadable, "\n"), name) {
			t.Errorf("broken log %s not named in %q", name, unreadable)
		}
	}
	// Ranked worst first: skew_agg has an error finding, healthy none.
	rank := map[string]int{}
	for _, r := range recs {
		if r.App != nil {
			rank[r.App.Name] = r.Rank
		}
	}
	if rank["skew_agg"] > rank["healthy"] || rank["partitions_too_many"] > rank["healthy"] {
		t.Errorf("ranking: %v", rank)
	}
	for _, r := range recs {
		if r.App != nil && r.App.Name == "killed_driver" && (r.App.Completed || !r.Input.InProgress) {
			t.Errorf("in-progress log: completed=%v inProgress=%v", r.App.Completed, r.Input.InProgress)
		}
	}

	// The same review as text: the ranking table, the fleet findings and
	// the unreadable logs; the exit code is the gate's.
	text, _, code := run(t, nil, "review", "--fail-on", "error", dir)
	if code != ExitFindings {
		t.Errorf("--fail-on error: exit %d, want %d", code, ExitFindings)
	}
	for _, s := range []string{fmt.Sprintf("Reviewed %d applications (3 unreadable)", len(want)), "Applications, worst first", "Most frequent findings", "Unreadable logs", "SKEW001"} {
		if !strings.Contains(text, s) {
			t.Errorf("text review lacks %q:\n%s", s, text)
		}
	}
}

func TestReviewGolden(t *testing.T) {
	v := testlogs.Testdata("spark", "logs", "3.5.9")
	args := []string{"review", filepath.Join(v, "skew_agg.lz4"), filepath.Join(v, "healthy"), filepath.Join(v, "join_spill.snappy"), filepath.Join(v, "scan_csv.zstd")}
	for _, c := range []struct{ format, file string }{{"text", "review.txt"}, {"markdown", "review.md"}, {"json", "review.json"}, {"html", "review.html"}} {
		out, errs, code := run(t, nil, append(args, "--format", c.format)...)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", c.format, code, errs)
		}
		// A fingerprint depends on where the clone is and when its files
		// were checked out.
		out = fingerprintRE.ReplaceAllString(out, `"fingerprint": "<fingerprint>"`)
		golden(t, c.file, strings.ReplaceAll(out, testlogs.Root(), "<repo>"))
	}
}

var fingerprintRE = regexp.MustCompile(`"fingerprint": "[0-9a-f]+"`)

func TestReviewSinceUntil(t *testing.T) {
	v := testlogs.Testdata("spark", "logs", "3.5.9")
	// Start times of the corpus logs, from a first review.
	out, _, code := run(t, nil, "review", "--format", "jsonl", v)
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	recs := readJSONL(t, out)
	var starts []int64
	for _, r := range recs {
		starts = append(starts, r.App.StartEpoch)
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i] < starts[j] })
	if len(starts) != 52 { // 37 local-mode runs, 15 cluster runs
		t.Fatalf("%d applications, want 52", len(starts))
	}
	mid := starts[10]
	since := time.UnixMilli(mid).UTC().Format(time.RFC3339Nano)
	until := time.UnixMilli(starts[20]).UTC().Format(time.RFC3339Nano)
	out, _, code = run(t, nil, "review", "--format", "jsonl", "--since", since, "--until", until, v)
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	got := readJSONL(t, out)
	if len(got) != 10 {
		t.Errorf("--since/--until kept %d applications, want 10", len(got))
	}
	for _, r := range got {
		if r.App.StartEpoch < mid || r.App.StartEpoch >= starts[20] {
			t.Errorf("%s started %d, outside [%d, %d)", r.App.Name, r.App.StartEpoch, mid, starts[20])
		}
	}
	text, _, _ := run(t, nil, "review", "--since", since, "--until", until, v)
	if !strings.Contains(text, "(42 outside the time window)") { // 52 - 10
		t.Errorf("text does not count the applications left out:\n%s", firstLine(text))
	}
}

func firstLine(s string) string { l, _, _ := strings.Cut(s, "\n"); return l }

func TestReviewUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"review"}, ExitUsage, "needs log paths"},
		{[]string{"review", "--since", "yesterday", "x"}, ExitUsage, "--since"},
		{[]string{"review", "--since", "2024-06-02", "--until", "2024-06-01", "x"}, ExitUsage, "not before"},
		{[]string{"review", "-o", "out.pdf", "x"}, ExitUsage, "extension"},
		{[]string{"review", "--format", "xml", "x"}, ExitUsage, "unknown format"},
		{[]string{"review", filepath.Join(t.TempDir(), "missing")}, ExitNoInput, "no such file: "},
		{[]string{"review", t.TempDir()}, ExitNoInput, ""},
	} {
		_, errs, code := run(t, nil, c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q)", c.args, code, c.code, errs, c.msg)
		}
	}
}

func TestParseWhen(t *testing.T) {
	now := time.Date(2024, 6, 10, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"", time.Time{}},
		{"36h", now.Add(-36 * time.Hour)},
		{"7d", now.Add(-7 * 24 * time.Hour)},
		{"1.5d", now.Add(-36 * time.Hour)},
		{"2024-06-01", time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)},
		{"2024-06-01 02:30", time.Date(2024, 6, 1, 2, 30, 0, 0, time.UTC)},
		{"2024-06-01T02:30:00+02:00", time.Date(2024, 6, 1, 0, 30, 0, 0, time.UTC)},
	} {
		got, err := parseWhen("since", c.in, now)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("parseWhen(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"yesterday", "-5h", "2024-13-01"} {
		if _, err := parseWhen("since", bad, now); err == nil {
			t.Errorf("parseWhen(%q) accepted", bad)
		}
	}
}

// recurringLog is an entry of testdata/recurring/expect.json.
type recurringLog struct {
	File       string `json:"file"`
	Day        int    `json:"day"`
	Regression string `json:"regression"`
	AppID      string `json:"appId"`
	StartTime  int64  `json:"startTime"`
	DurationMs int64  `json:"durationMs"`
	Tasks      int    `json:"tasks"`
}

func recurringSeries(t *testing.T) (string, []recurringLog) {
	t.Helper()
	b, err := os.ReadFile(testlogs.Testdata("recurring", "expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Logs []recurringLog `json:"logs"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return testlogs.Testdata("recurring", "logs"), e.Logs
}

// driftOf returns the drifting metrics of a record, "metric:direction".
func driftOf(r *fleet.Record) []string {
	var out []string
	if r.Baseline != nil {
		for _, d := range r.Baseline.Drift {
			out = append(out, d.Metric+":"+d.Direction)
		}
	}
	return out
}

// TestReviewBaselineFlagsRegressions records the normal nights of a real
// recurring job into a baseline store, then reviews each night with an
// injected regression against it: each must drift in the figure its
// regression moves, and the normal nights must not drift at all.
func TestReviewBaselineFlagsRegressions(t *testing.T) {
	dir, series := recurringSeries(t)
	db := filepath.Join(t.TempDir(), "baseline.db")
	var normal []string
	for _, l := range series {
		if l.Regression == "none" {
			normal = append(normal, filepath.Join(dir, l.File))
		}
	}
	if len(normal) != 8 {
		t.Fatalf("%d normal nights in expect.json, want 8", len(normal))
	}
	// Night by night, as a nightly review would record them.
	for i, p := range normal {
		out, errs, code := run(t, nil, "review", "--baseline", db, "-f", "jsonl", p)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", p, code, errs)
		}
		recs := readJSONL(t, out)
		if len(recs) != 1 || recs[0].Baseline == nil {
			t.Fatalf("%s: %d records, baseline %v", p, len(recs), recs[0].Baseline)
		}
		b := recs[0].Baseline
		if b.Runs != i || b.Enough != (i >= 3) {
			t.Errorf("night %d: baseline of %d runs (enough %v), want %d", i+1, b.Runs, b.Enough, i)
		}
		if d := driftOf(&recs[0]); len(d) > 0 {
			t.Errorf("normal night %s drifts: %v", filepath.Base(p), d)
		}
	}
	// Reviewing a night again does not count it twice.
	if _, _, code := run(t, nil, "review", "-q", "--baseline", db, normal[7]); code != ExitOK {
		t.Fatalf("second review of night 8: exit %d", code)
	}

	want := map[string][]string{ // regression -> drifts that must be flagged
		"growth":    {"input:up", "shuffle:up"},
		"explosion": {"duration:up", "output:up"},
		"skew":      {"skew:up"}, // and SKEW001, below
		"spill":     {"spill:up"},
		"tasks":     {"duration:up", "tasks:up"},
		"failures":  {"failedTasks:up"},
	}
	for _, l := range series {
		if l.Regression == "none" {
			continue
		}
		out, errs, code := run(t, nil, "review", "--baseline", db, "--no-record", "-f", "jsonl", "--fail-on", "error", filepath.Join(dir, l.File))
		recs := readJSONL(t, out)
		if len(recs) != 1 {
			t.Fatalf("%s: exit %d, %d records: %s", l.File, code, len(recs), errs)
		}
		r := &recs[0]
		if r.Baseline == nil || r.Baseline.Runs != 8 || !r.Baseline.Enough || len(r.Baseline.History) != 9 {
			t.Fatalf("%s: baseline %+v", l.File, r.Baseline)
		}
		got := driftOf(r)
		for _, w := range want[l.Regression] {
			if !slices.Contains(got, w) {
				t.Errorf("%s (%s): drift %v lacks %s", l.File, l.Regression, got, w)
			}
		}
		if l.Regression == "skew" {
			found := false
			for _, f := range r.Findings {
				found = found || f.DetectorID == "SKEW001"
			}
			if !found {
				t.Errorf("%s: no SKEW001 finding", l.File)
			}
		}
		switch l.Regression {
		case "explosion":
			if v := r.Baseline.Verdict; !strings.Contains(v, "faster than the data") || !strings.Contains(v, "join explosion") {
				t.Errorf("%s: verdict %q", l.File, v)
			}
		case "growth":
			if slices.Contains(got, "duration:up") && !strings.Contains(r.Baseline.Verdict, "proportional") {
				t.Errorf("%s: verdict %q", l.File, r.Baseline.Verdict)
			}
		}
		// An error-level drift or finding fails the gate.
		if sev := r.EffectiveWorst(); (sev == "error") != (code == ExitFindings) {
			t.Errorf("%s: worst %s but exit %d", l.File, sev, code)
		}
	}
	// --diff-drift compares each drifting night with the last usual one
	// (night 8) and classifies the change as diff does.
	class := map[string]string{"growth": "proportional", "explosion": "join-explosion", "skew": "skew",
		"spill": "spill", "tasks": "config", "failures": "failures"}
	for _, l := range series {
		if l.Regression == "none" {
			continue
		}
		out, errs, _ := run(t, nil, "review", "--baseline", db, "--no-record", "--diff-drift", "-f", "jsonl", filepath.Join(dir, l.File))
		recs := readJSONL(t, out)
		if len(recs) != 1 {
			t.Fatalf("%s: %s", l.File, errs)
		}
		r := &recs[0]
		if len(driftOf(r)) == 0 {
			continue // nothing drifts (skew): no diff
		}
		if r.Baseline.Reference == nil || r.Baseline.Reference.AppID != series[7].AppID {
			t.Errorf("%s: reference run %+v, want night 8 (%s)", l.File, r.Baseline.Reference, series[7].AppID)
		}
		if r.Diff == nil || r.Diff.Class != class[l.Regression] || r.Diff.Headline == "" {
			t.Errorf("%s (%s): diff %+v, want class %s", l.File, l.Regression, r.Diff, class[l.Regression])
		}
	}
	text, _, _ := run(t, nil, "review", "--baseline", db, "--no-record", "--diff-drift", filepath.Join(dir, "day10_explosion.zstd"))
	if !strings.Contains(text, "why: sparkdiag diff "+filepath.Join(dir, "day08_normal.zstd")) || !strings.Contains(text, "against the usual run "+series[7].AppID) {
		t.Errorf("text report lacks the diff of the drifting night:\n%s", text)
	}

	// Nothing was recorded by --no-record.
	out, _, _ := run(t, nil, "review", "--baseline", db, "--no-record", "-f", "jsonl", filepath.Join(dir, series[len(series)-1].File))
	if recs := readJSONL(t, out); recs[0].Baseline.Runs != 8 {
		t.Errorf("--no-record recorded runs: baseline now has %d", recs[0].Baseline.Runs)
	}

	// The text report shows the drift and the job's history.
	text, _, _ = run(t, nil, "review", "--baseline", db, "--no-record", filepath.Join(dir, "day10_explosion.zstd"))
	for _, s := range []string{"Drift: daily_orders_etl", "usual (median)", "duration", "output"} {
		if !strings.Contains(text, s) {
			t.Errorf("text report lacks %q:\n%s", s, text)
		}
	}
}

// TestReviewWholeSeries reviews the 14 nights in one run with a new store:
// each night is judged against the nights before it, in start order.
func TestReviewWholeSeries(t *testing.T) {
	dir, series := recurringSeries(t)
	db := filepath.Join(t.TempDir(), "b.db")
	out, errs, code := run(t, nil, "review", "--baseline", db, "-f", "jsonl", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	byID := map[string]*fleet.Record{}
	recs := readJSONL(t, out)
	for i := range recs {
		byID[recs[i].App.ID] = &recs[i]
	}
	for i, l := range series {
		r := byID[l.AppID]
		if r == nil || r.Baseline == nil {
			t.Fatalf("%s (%s) not reviewed", l.File, l.AppID)
		}
		if r.Baseline.Runs != min(i, 10) {
			t.Errorf("%s: judged against %d runs, want %d", l.File, r.Baseline.Runs, min(i, 10))
		}
		drift := driftOf(r)
		if l.Regression == "none" && len(drift) > 0 {
			t.Errorf("normal night %s drifts: %v", l.File, drift)
		}
		if l.Regression != "none" && l.Regression != "skew" && len(drift) == 0 {
			t.Errorf("%s (%s) does not drift", l.File, l.Regression)
		}
	}
	// The drifting nights rank above the normal ones.
	for _, r := range recs {
		if len(driftOf(&r)) == 0 {
			continue
		}
		for _, o := range recs {
			if len(driftOf(&o)) == 0 && o.Worst == "warning" && r.EffectiveWorst() == "error" && o.Rank < r.Rank {
				t.Errorf("%s (drift, rank %d) ranks below %s (rank %d)", r.App.ID, r.Rank, o.App.ID, o.Rank)
			}
		}
	}
}

// TestReviewDocRecipe runs the nightly recipe of docs/review.md, as
// written there, on the recurring series: the documented flags must exist
// and do what the recipe says.
func TestReviewDocRecipe(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(testlogs.Root(), "docs", "review.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(doc)
	i := -1
	if k := strings.Index(s, "# /usr/local/bin/spark-nightly-review"); k >= 0 {
		if j := strings.Index(s[k:], "sparkdiag review --quiet"); j >= 0 {
			i = k + j
		}
	}
	if i < 0 {
		t.Fatal("docs/review.md has no nightly recipe (sparkdiag review --quiet ...)")
	}
	end := strings.Index(s[i:], "\nstatus=")
	cmd := strings.ReplaceAll(s[i:i+end], "\\\n", " ")
	tmp := t.TempDir()
	dir, _ := recurringSeries(t)
	repl := strings.NewReplacer(`"$out/review-$day.jsonl"`, filepath.Join(tmp, "review.jsonl"),
		`"$out/review-$day.md"`, filepath.Join(tmp, "review.md"),
		"/var/lib/sparkdiag/baseline.db", filepath.Join(tmp, "baseline.db"),
		"/var/log/spark-history", dir)
	args := strings.Fields(repl.Replace(cmd))[1:]
	for j, a := range args {
		if a == "24h" { // the series ran on 2026-11-24: keep it inside the window
			args[j] = "2026-11-01"
		}
		if strings.ContainsAny(a, "$\"") {
			t.Fatalf("the recipe has an argument this test cannot substitute: %s", a)
		}
	}
	_, errs, code := run(t, nil, args...)
	if code != ExitFindings { // the series has error-level drift and findings
		t.Fatalf("recipe %v: exit %d, want %d: %s", args, code, ExitFindings, errs)
	}
	b, err := os.ReadFile(filepath.Join(tmp, "review.jsonl"))
	if err != nil || len(readJSONL(t, string(b))) != 14 {
		t.Errorf("recipe's JSON Lines: %v", err)
	}
	if md, err := os.ReadFile(filepath.Join(tmp, "review.md")); err != nil || !strings.Contains(string(md), "## Drift") {
		t.Errorf("recipe's Markdown lacks the drift: %v", err)
	}
}
