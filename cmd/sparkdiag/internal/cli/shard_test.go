package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/sparkdiag/sparkdiag/eventlog/historyserver/hstest"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// fleetSources are small real logs (testdata/spark, local-mode Spark runs)
// that makeFleet copies under new application IDs.
var fleetSources = []string{
	"3.5.9/cache_not_materialized.zstd", "4.3.0/cache_not_materialized.zstd",
	"3.5.9/explode.zstd", "4.3.0/explode.zstd",
	"3.5.9/scan_parquet.zstd", "3.5.9/task_retries.zstd",
	"3.5.9/scan_pruned.zstd", "3.5.9/scan_no_pruning.zstd",
}

var appIDRE = regexp.MustCompile(`"App ID":"([^"]+)"`)

// makeFleet writes n applications into a new folder: copies of the real
// logs of fleetSources, each under its own application ID (in its events
// and its file name, as Spark names a standalone application), zstd
// compressed.
func makeFleet(t testing.TB, n int) string {
	t.Helper()
	var plain [][]byte
	var ids []string
	for _, s := range fleetSources {
		raw, err := os.ReadFile(testlogs.Testdata("spark", "logs", filepath.FromSlash(s)))
		if err != nil {
			t.Fatal(err)
		}
		d, _ := zstd.NewReader(nil)
		b, err := d.DecodeAll(raw, nil)
		d.Close()
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		m := appIDRE.FindSubmatch(b)
		if m == nil {
			t.Fatalf("%s: no App ID", s)
		}
		plain, ids = append(plain, b), append(ids, string(m[1]))
	}
	dir := t.TempDir()
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
	defer enc.Close()
	for i := 0; i < n; i++ {
		k := i % len(plain)
		id := fmt.Sprintf("app-20261206%06d-%04d", i/len(plain), i%10000)
		b := bytes.ReplaceAll(plain[k], []byte(ids[k]), []byte(id))
		if err := os.WriteFile(filepath.Join(dir, id+".zstd"), enc.EncodeAll(b, nil), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// helperScript writes an executable "sparkdiag" into a new folder: it
// runs this test binary as sparkdiag (TestHelperMain), so recipes can run
// as written. It returns the folder, to put first on PATH.
func helperScript(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf("#!/bin/sh\nSPARKDIAG_HELPER_ARGS=argv exec %q -test.run='^TestHelperMain$' -- \"$@\"\n", self)
	if err := os.WriteFile(filepath.Join(dir, "sparkdiag"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runProcs runs sparkdiag in separate processes at once, one per argument
// list, and fails on a non-zero exit.
func runProcs(t *testing.T, bin string, argLists [][]string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, len(argLists))
	outs := make([][]byte, len(argLists))
	for i, args := range argLists {
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = exec.Command(bin, args...).CombinedOutput()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("sparkdiag %s: %v\n%s", strings.Join(argLists[i], " "), err, outs[i])
		}
	}
}

func readBytes(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestShardedReview: a review of a few thousand applications split into
// N processes (--shard i/N), then merged, is byte for byte the review of
// one process; a retried shard writes the same part; a second review with
// --previous reads nothing that is unchanged, and reads a changed log again.
func TestShardedReview(t *testing.T) {
	if testing.Short() {
		t.Skip("reviews 2000 applications; skipped with -short")
	}
	const n, shards = 2000, 4
	fleetDir := makeFleet(t, n)
	out := t.TempDir()
	single := filepath.Join(out, "single.jsonl")
	if _, errs, code := run(t, nil, "review", "-q", "-o", single, fleetDir); code != ExitOK {
		t.Fatalf("single review: exit %d: %s", code, errs)
	}
	want := readBytes(t, single)
	if got := bytes.Count(want, []byte("\n")); got < n {
		t.Fatalf("single review: %d records, want %d", got, n)
	}

	bin := filepath.Join(helperScript(t), "sparkdiag")
	var lists [][]string
	for i := 0; i < shards; i++ {
		lists = append(lists, []string{"review", "-q", "--shard", fmt.Sprintf("%d/%d", i, shards), "-o", filepath.Join(out, fmt.Sprintf("part-%d.jsonl", i)), fleetDir})
	}
	runProcs(t, bin, lists)
	total := 0
	for i := 0; i < shards; i++ {
		c := bytes.Count(readBytes(t, filepath.Join(out, fmt.Sprintf("part-%d.jsonl", i))), []byte("\n"))
		if c == 0 || c > n*2/shards {
			t.Errorf("shard %d has %d of %d applications: the hash does not spread them", i, c, n)
		}
		total += c
	}
	if total != n {
		t.Errorf("the shards hold %d applications, want %d: each in exactly one shard", total, n)
	}
	merged := filepath.Join(out, "merged.jsonl")
	if _, errs, code := run(t, nil, "merge", "-q", "-o", merged, filepath.Join(out, "part-*.jsonl")); code != ExitOK {
		t.Fatalf("merge: exit %d: %s", code, errs)
	}
	if got := readBytes(t, merged); !bytes.Equal(got, want) {
		t.Errorf("merged shards differ from the single-process review (%d vs %d bytes)", len(got), len(want))
	}

	// A retried shard writes the same part.
	part2 := readBytes(t, filepath.Join(out, "part-2.jsonl"))
	runProcs(t, bin, lists[2:3])
	if !bytes.Equal(readBytes(t, filepath.Join(out, "part-2.jsonl")), part2) {
		t.Error("a retried shard wrote a different part")
	}

	// The next night: nothing changed, nothing is read.
	again := filepath.Join(out, "again.jsonl")
	_, errs, code := run(t, nil, "review", "--previous", single, "-o", again, "-o", "-", fleetDir)
	if code != ExitOK {
		t.Fatalf("incremental review: exit %d: %s", code, errs)
	}
	if !bytes.Equal(readBytes(t, again), want) {
		t.Error("the incremental review of unchanged logs differs from the first")
	}
	// One log grows (an application still running when the first review
	// listed it): it alone is read again.
	grown := filepath.Join(fleetDir, "app-20261206000000-0000.zstd")
	b := readBytes(t, grown)
	enc, _ := zstd.NewWriter(nil)
	b = append(b, enc.EncodeAll([]byte(`{"Event":"SparkListenerLogStart","Spark Version":"3.5.9"}`+"\n"), nil)...)
	enc.Close()
	if err := os.WriteFile(grown, b, 0o644); err != nil {
		t.Fatal(err)
	}
	stdout, errs, code := run(t, nil, "review", "--previous", single, "-f", "jsonl", fleetDir)
	if code != ExitOK {
		t.Fatalf("incremental review after a change: exit %d: %s", code, errs)
	}
	recs := readJSONL(t, stdout)
	if len(recs) != n {
		t.Fatalf("%d records, want %d", len(recs), n)
	}
	text, _, _ := run(t, nil, "review", "--previous", single, fleetDir)
	if want := fmt.Sprintf("%d unchanged since the previous review", n-1); !strings.Contains(text, want) {
		t.Errorf("want %q in the headline:\n%s", want, firstLines(text, 3))
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// TestSparkPipeRecipe runs the Spark recipe of docs/review.md as written
// (docs/recipes/spark_review.py, with pyspark in local mode): the records
// its partitions pipe through sparkdiag, merged, are byte for byte the
// single-process review of the same logs.
func TestSparkPipeRecipe(t *testing.T) {
	home, _ := hstest.FindSpark(t)
	python := filepath.Join(home, "..", "..", "..", "..", "bin", "python")
	if _, err := os.Stat(python); err != nil {
		python = "python3"
	}
	recipe := testlogs.Root() + "/docs/recipes/spark_review.py"
	doc := string(readBytes(t, filepath.Join(testlogs.Root(), "docs", "review.md")))
	if !strings.Contains(doc, strings.TrimSpace(string(readBytes(t, recipe)))) {
		t.Error("docs/review.md does not show docs/recipes/spark_review.py as it is")
	}
	fleetDir := makeFleet(t, 2000)
	entries, err := os.ReadDir(fleetDir)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	var list strings.Builder
	for _, e := range entries {
		list.WriteString(filepath.Join(fleetDir, e.Name()) + "\n")
	}
	list.WriteString("# a comment, and a blank line\n\n")
	pathsFile := filepath.Join(out, "paths.txt")
	if err := os.WriteFile(pathsFile, []byte(list.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	single := filepath.Join(out, "single.jsonl")
	if _, errs, code := run(t, nil, "review", "-q", "--paths-from", pathsFile, "-o", single); code != ExitOK {
		t.Fatalf("single review: exit %d: %s", code, errs)
	}
	bin := helperScript(t)
	cmd := exec.Command(python, recipe, pathsFile, filepath.Join(out, "records"), "7")
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"PYSPARK_PYTHON="+python, "PYSPARK_DRIVER_PYTHON="+python, "SPARK_LOCAL_IP=127.0.0.1",
		"PYSPARK_SUBMIT_ARGS=--master local[2] --conf spark.ui.enabled=false pyspark-shell")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the Spark recipe failed: %v\n%s", err, b)
	}
	merged := filepath.Join(out, "merged.jsonl")
	if _, errs, code := run(t, nil, "merge", "-q", "-o", merged, filepath.Join(out, "records", "part-*")); code != ExitOK {
		t.Fatalf("merge: exit %d: %s", code, errs)
	}
	if got, want := readBytes(t, merged), readBytes(t, single); !bytes.Equal(got, want) {
		t.Errorf("the Spark job's merged review differs from the single-process one (%d vs %d bytes)", len(got), len(want))
	}
}

// TestKubernetesRecipe runs the script of the Indexed Job of
// docs/review.md as each of its pods would (JOB_COMPLETION_INDEX 0 to
// completions-1, the Job's environment, the bucket and the logs as file://
// URLs), then the merge step: the result is the single-process review.
func TestKubernetesRecipe(t *testing.T) {
	doc := string(readBytes(t, filepath.Join(testlogs.Root(), "docs", "review.md")))
	start := strings.Index(doc, "```yaml\napiVersion: batch/v1")
	if start < 0 {
		t.Fatal("docs/review.md has no Indexed Job")
	}
	yaml := doc[start : start+strings.Index(doc[start+3:], "```")+3]
	num := func(key string) int {
		m := regexp.MustCompile(`(?m)^\s*` + key + `:\s*"?(\d+)"?`).FindStringSubmatch(yaml)
		if m == nil {
			t.Fatalf("the Job has no %s", key)
		}
		v, _ := strconv.Atoi(m[1])
		return v
	}
	if !strings.Contains(yaml, "completionMode: Indexed") {
		t.Error("the Job is not Indexed")
	}
	completions := num("completions")
	if p := num("parallelism"); p != completions {
		t.Errorf("parallelism %d, completions %d", p, completions)
	}
	if m := regexp.MustCompile(`name: SHARDS\s+value: "(\d+)"`).FindStringSubmatch(yaml); m == nil || m[1] != strconv.Itoa(completions) {
		t.Errorf("SHARDS must equal completions (%d): %v", completions, m)
	}
	// The script: the indented block after "args:\n            - |".
	i := strings.Index(yaml, "- |\n")
	if i < 0 {
		t.Fatal("no script in args")
	}
	var script strings.Builder
	for _, line := range strings.Split(yaml[i+4:], "\n") {
		if strings.TrimSpace(line) == "" {
			break
		}
		script.WriteString(strings.TrimSpace(line) + "\n")
	}

	fleetDir := makeFleet(t, 300)
	out := t.TempDir()
	single := filepath.Join(out, "single.jsonl")
	if _, errs, code := run(t, nil, "review", "-q", "-o", single, "file://"+fleetDir+"/"); code != ExitOK {
		t.Fatalf("single review: exit %d: %s", code, errs)
	}
	bin := helperScript(t)
	bucket := filepath.Join(out, "bucket")
	var wg sync.WaitGroup
	errs := make([]error, completions)
	outs := make([][]byte, completions)
	for k := 0; k < completions; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command("/bin/sh", "-c", script.String())
			cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
				"JOB_COMPLETION_INDEX="+strconv.Itoa(k), "SHARDS="+strconv.Itoa(completions),
				"LOGS=file://"+fleetDir+"/", "OUT=file://"+bucket)
			outs[k], errs[k] = cmd.CombinedOutput()
		}()
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			t.Fatalf("pod %d: %v\n%s", k, err, outs[k])
		}
	}
	parts, _ := filepath.Glob(filepath.Join(bucket, "*", "part-*.jsonl"))
	if len(parts) != completions {
		t.Fatalf("%d parts in the bucket, want %d: %v", len(parts), completions, parts)
	}
	merged := filepath.Join(out, "merged.jsonl")
	if _, errs, code := run(t, nil, "merge", "-q", "-o", merged, "file://"+bucket+"/*/part-*.jsonl"); code != ExitOK {
		t.Fatalf("merge: exit %d: %s", code, errs)
	}
	if got, want := readBytes(t, merged), readBytes(t, single); !bytes.Equal(got, want) {
		t.Errorf("the Indexed Job's merged review differs from the single-process one (%d vs %d bytes)", len(got), len(want))
	}
}

// TestShardFlags: the flags of scale-out reviews, their errors and edge
// cases.
func TestShardFlags(t *testing.T) {
	logs := testlogs.Testdata("spark", "logs", "3.5.9")
	dir := t.TempDir()
	list := filepath.Join(dir, "paths.txt")
	os.WriteFile(list, []byte("# nightly list\n\n"+filepath.Join(logs, "skew_agg.lz4")+"\n  "+filepath.Join(logs, "explode.zstd")+"  \n"), 0o644)
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, []byte("# nothing tonight\n"), 0o644)
	notRecords := filepath.Join(dir, "notes.jsonl")
	os.WriteFile(notRecords, []byte(`{"kind":"application","schemaVersion":1}`+"\n"+`{"hello":1}`+"\n"), 0o644)
	for _, c := range []struct {
		name   string
		args   []string
		stdin  string
		code   int
		out    string // in stdout
		errOut string // in stderr
	}{
		{"shard out of range", []string{"review", "--shard", "4/4", logs}, "", ExitUsage, "", "0 <= i < N"},
		{"shard not a fraction", []string{"review", "--shard", "two", logs}, "", ExitUsage, "", "--shard"},
		{"shard of one", []string{"review", "--shard", "0/1", filepath.Join(logs, "skew_agg.lz4")}, "", ExitOK, `"kind":"application"`, ""},
		{"shard as text", []string{"review", "-f", "text", "--shard", "0/1", filepath.Join(logs, "skew_agg.lz4")}, "", ExitOK, "Reviewed 1 application", ""},
		{"paths from a file", []string{"review", "-f", "jsonl", "--paths-from", list}, "", ExitOK, "skew_agg", ""},
		{"paths from stdin", []string{"review", "--paths-from", "-"}, filepath.Join(logs, "explode.zstd") + "\n", ExitOK, "Reviewed 1 application", ""},
		{"empty list", []string{"review", "-f", "jsonl", "--paths-from", empty}, "", ExitOK, "", "no path"},
		{"stdin twice", []string{"review", "--paths-from", "-", "-"}, "", ExitUsage, "", "standard input"},
		{"missing list", []string{"review", "--paths-from", filepath.Join(dir, "nope.txt")}, "", ExitNoInput, "", "nope.txt"},
		{"merge of other JSON", []string{"merge", notRecords}, "", ExitNoInput, "", "notes.jsonl:2"},
		{"merge of nothing", []string{"merge", filepath.Join(dir, "part-*.jsonl")}, "", ExitNoInput, "", "no file matches"},
		{"output to a file URL", []string{"review", "-q", "-o", "file://" + filepath.Join(dir, "out", "part-0.jsonl"), filepath.Join(logs, "skew_agg.lz4")}, "", ExitOK, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, errs, code := run(t, []byte(c.stdin), c.args...)
			if code != c.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, c.code, errs)
			}
			if c.out != "" && !strings.Contains(out, c.out) {
				t.Errorf("stdout lacks %q:\n%s", c.out, firstLines(out, 5))
			}
			if c.errOut != "" && !strings.Contains(errs, c.errOut) {
				t.Errorf("stderr lacks %q:\n%s", c.errOut, errs)
			}
		})
	}
	if b, err := os.ReadFile(filepath.Join(dir, "out", "part-0.jsonl")); err != nil || !bytes.Contains(b, []byte(`"skew_agg"`)) {
		t.Errorf("-o file:// wrote nothing usable: %v", err)
	}
}

var recordedAtRE = regexp.MustCompile(`"recordedAt":\d+`)

// TestMergeBaseline: the 14 real nightly runs of one job reviewed in 3
// shards without a baseline, then merged with --baseline, give the review
// (drift included) of one process with the baseline; shards that each kept
// their own baseline store combine with 'baseline merge' into the store
// one process would have kept.
func TestMergeBaseline(t *testing.T) {
	dir, _ := recurringSeries(t)
	tmp := t.TempDir()
	want, errs, code := run(t, nil, "review", "-f", "jsonl", "--baseline", filepath.Join(tmp, "single.db"), dir)
	if code != ExitOK {
		t.Fatalf("single review: exit %d: %s", code, errs)
	}
	if !strings.Contains(want, `"drift":[{`) {
		t.Fatal("the series shows no drift: the test would prove nothing")
	}
	var parts []string
	for i := 0; i < 3; i++ {
		p := filepath.Join(tmp, fmt.Sprintf("part-%d.jsonl", i))
		parts = append(parts, p)
		if _, errs, code := run(t, nil, "review", "-q", "--shard", fmt.Sprintf("%d/3", i), "-o", p, dir); code != ExitOK {
			t.Fatalf("shard %d: exit %d: %s", i, code, errs)
		}
		if _, errs, code := run(t, nil, "review", "-q", "--shard", fmt.Sprintf("%d/3", i), "--baseline", filepath.Join(tmp, fmt.Sprintf("shard-%d.db", i)), dir); code != ExitOK {
			t.Fatalf("shard %d with its own baseline: exit %d: %s", i, code, errs)
		}
	}
	got, errs, code := run(t, nil, append([]string{"merge", "-f", "jsonl", "--baseline", filepath.Join(tmp, "merged.db")}, parts...)...)
	if code != ExitOK {
		t.Fatalf("merge: exit %d: %s", code, errs)
	}
	if g, w := recordedAtRE.ReplaceAllString(got, ""), recordedAtRE.ReplaceAllString(want, ""); g != w {
		t.Errorf("merged shards with --baseline differ from the single review with --baseline:\n got %.600s\nwant %.600s", g, w)
	}
	combined := filepath.Join(tmp, "combined.db")
	args := []string{"baseline", "merge", combined}
	for i := 0; i < 3; i++ {
		args = append(args, filepath.Join(tmp, fmt.Sprintf("shard-%d.db", i)))
	}
	if out, errs, code := run(t, nil, args...); code != ExitOK || !strings.Contains(out, "recorded 14 runs from 3 stores") {
		t.Fatalf("baseline merge: exit %d: %s %s", code, out, errs)
	}
	show := func(db string) string {
		jobs, _, _ := run(t, nil, "baseline", "jobs", "-f", "json", db)
		return recordedAtRE.ReplaceAllString(jobs, "")
	}
	if g, w := show(combined), show(filepath.Join(tmp, "single.db")); g != w {
		t.Errorf("combined shard stores differ from the single store:\n got %s\nwant %s", g, w)
	}
	if _, errs, code := run(t, nil, "baseline", "merge", combined, combined); code != ExitUsage {
		t.Errorf("merging a store into itself: exit %d: %s", code, errs)
	}
}
