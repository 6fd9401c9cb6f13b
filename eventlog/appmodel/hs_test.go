package appmodel_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// hsCase is one expectation file of ../shared/eventlogs/spark-expectations:
// the History Server's answer to one REST path for one application
// (INDEX.md maps each file to its path and logs).
type hsCase struct {
	file string
	// logs are the event logs under eventlogs/spark/, one per attempt.
	logs []string
	// kind is the endpoint: application, jobs, stages (a list), stage (one
	// attempt, details=true), taskSummary, taskList, executors (active
	// ones only).
	kind           string
	stage, attempt int
	list           taskListQuery
	opts           hsOptions
}

const sparkEvents = "spark/core/src/test/resources/spark-events/"

// hsCases lists every expectation file in scope. Out of scope:
//   - miscellaneous_process_expectation.json (allmiscellaneousprocess):
//     the reader does not classify SparkListenerMiscellaneousProcessAdded
//     (processes such as a YARN AM that are not executors), so the model
//     cannot list them.
//
// Within the cases, a few fields are left out; compareX lists each with
// its reason, and the test log counts them per case.
var hsOutOfScope = map[string]string{
	"miscellaneous_process_expectation.json": "allmiscellaneousprocess: the event is not classified by the reader",
}

func hsCases() []hsCase {
	const (
		multi1 = sparkEvents + "local-1426533911241"
		multi2 = sparkEvents + "local-1426633911242"
		l534   = sparkEvents + "local-1430917381534"
		app16  = sparkEvents + "app-20161115172038-0000"
		app18  = sparkEvents + "app-20180109111548-0000"
		app20  = sparkEvents + "app-20200706201101-0003"
	)
	def := taskListQuery{length: 20}
	legacy := hsOptions{Legacy2019: true}
	cases := []hsCase{
		{file: "one_app_multi_attempt_json_expectation.json", logs: []string{multi1, multi2}, kind: "application"},
		{file: "job_list_from_multi_attempt_app_json_1__expectation.json", logs: []string{multi1}, kind: "jobs"},
		{file: "job_list_from_multi_attempt_app_json_2__expectation.json", logs: []string{multi2}, kind: "jobs"},
		{file: "stage_task_summary_w_shuffle_write_expectation.json", logs: []string{l534}, kind: "taskSummary"},
		{file: "stage_task_summary_w_shuffle_read_expectation.json", logs: []string{l534}, kind: "taskSummary", stage: 1},
		{file: "stage_task_summary_w__custom_quantiles_expectation.json", logs: []string{l534}, kind: "taskSummary"},
		{file: "stage_task_list_expectation.json", logs: []string{l534}, kind: "taskList", list: def},
		{file: "stage_task_list_w__offset___length_expectation.json", logs: []string{l534}, kind: "taskList",
			list: taskListQuery{offset: 10, length: 50}},
		{file: "stage_task_list_w__sortBy_expectation.json", logs: []string{l534}, kind: "taskList",
			list: taskListQuery{sortBy: "DECREASING_RUNTIME", length: 20}},
		{file: "stage_task_list_w__sortBy_short_names___runtime_expectation.json", logs: []string{l534}, kind: "taskList",
			list: taskListQuery{sortBy: "-runtime", length: 20}},
		{file: "stage_task_list_w__sortBy_short_names__runtime_expectation.json", logs: []string{l534}, kind: "taskList",
			list: taskListQuery{sortBy: "runtime", length: 20}},
		{file: "stage_task_list_w__status_expectation.json", logs: []string{app16}, kind: "taskList",
			list: taskListQuery{status: "failed", length: 20}},
		{file: "stage_task_list_w__status___offset___length_expectation.json", logs: []string{l534}, kind: "taskList",
			list: taskListQuery{status: "success", offset: 1, length: 2}},
		{file: "stage_task_list_w__status___sortBy_short_names__runtime_expectation.json", logs: []string{l534}, kind: "taskList",
			list: taskListQuery{status: "success", sortBy: "runtime", length: 20}},
		{file: "stage_list_with_accumulable_json_expectation.json", logs: []string{multi1}, kind: "stages"},
		{file: "stage_with_accumulable_json_expectation.json", logs: []string{multi1}, kind: "stage"},
		{file: "stage_task_list_from_multi_attempt_app_json_1__expectation.json", logs: []string{multi1}, kind: "taskList", list: def},
		{file: "stage_task_list_from_multi_attempt_app_json_2__expectation.json", logs: []string{multi2}, kind: "taskList", list: def},
		{file: "excludeOnFailure_for_stage_expectation.json", logs: []string{app18}, kind: "stage"},
		{file: "excludeOnFailure_node_for_stage_expectation.json", logs: []string{sparkEvents + "application_1516285256255_0012"}, kind: "stage"},
		{file: "executor_node_excludeOnFailure_unexcluding_expectation.json", logs: []string{app16}, kind: "executors"},
		{file: "executor_resource_information_expectation.json", logs: []string{sparkEvents + "application_1555004656427_0144"}, kind: "executors"},
		{file: "multiple_resource_profiles_expectation.json", logs: []string{sparkEvents + "application_1578436911597_0052"}, kind: "environment"},
		{file: "stage_list_with_peak_metrics_expectation.json", logs: []string{app20}, kind: "stages"},
		{file: "stage_with_peak_metrics_expectation.json", logs: []string{app20}, kind: "stage", stage: 2},
		{file: "stage_with_summaries_expectation.json", logs: []string{app20}, kind: "stage", stage: 2},
		{file: "stage_with_speculation_summary_expectation.json", logs: []string{sparkEvents + "application_1628109047826_1317105"}, kind: "stage"},
		{file: "executor_list_with_executor_metrics_json_expectation.json", logs: []string{sparkEvents + "application_1506645932520_24630151"},
			kind: "executors", opts: legacy},
		{file: "executor_list_with_executor_garbage_collection_metrics_json_expectation.json",
			logs: []string{sparkEvents + "application_1536831636016_59384_1"}, kind: "executors", opts: legacy},
	}
	derived := map[string][]string{
		"application_1628109047826_1317105":  {sparkEvents + "application_1628109047826_1317105"},
		"app-20200706201101-0003":            {app20},
		"application_1578436911597_0052":     {sparkEvents + "application_1578436911597_0052"},
		"application_1555004656427_0144":     {sparkEvents + "application_1555004656427_0144"},
		"application_1516285256255_0012":     {sparkEvents + "application_1516285256255_0012"},
		"app-20180109111548-0000":            {app18},
		"app-20161115172038-0000":            {app16},
		"local-1430917381534":                {l534},
		"local-1430917381535":                {sparkEvents + "local-1430917381535_1", sparkEvents + "local-1430917381535_2"},
		"local-1425081759269":                {sparkEvents + "local-1425081759269"},
		"local-1422981759269":                {"spark/legacy-v1.2-dir-format/core/src/test/resources/spark-events/local-1422981759269"},
		"application_1536831636016_59384":    {sparkEvents + "application_1536831636016_59384_1"},
		"application_1506645932520_24630151": {sparkEvents + "application_1506645932520_24630151"},
	}
	for id, logs := range derived {
		cases = append(cases, hsCase{file: "derived__application_list_element__" + id + ".json", logs: logs, kind: "application"})
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].file < cases[j].file })
	return cases
}

// modelCache loads each log once per test run.
type modelCache struct {
	dir  string
	apps map[string]hsApp
}

func (m *modelCache) load(t *testing.T, rel string) hsApp {
	t.Helper()
	if a, ok := m.apps[rel]; ok {
		return a
	}
	a := loadApp(t, filepath.Join(m.dir, rel))
	m.apps[rel] = a
	return a
}

func loadApp(t *testing.T, path string) hsApp {
	t.Helper()
	logs, err := source.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 1 {
		t.Fatalf("%s: %d logs, want 1", path, len(logs))
	}
	app, _, err := appmodel.Load(logs[0], eventlog.Options{})
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return hsApp{App: app, Log: logs[0]}
}

// TestHistoryServerExpectations compares the model, field by field, with
// the History Server's own REST answers for the apache/spark test logs.
func TestHistoryServerExpectations(t *testing.T) {
	dir := testlogs.Shared(t)
	expDir := filepath.Join(dir, "spark-expectations")
	cases := hsCases()
	checkIndexCoverage(t, expDir, cases)
	cache := &modelCache{dir: dir, apps: map[string]hsApp{}}
	total := 0
	for _, tc := range cases {
		t.Run(strings.TrimSuffix(tc.file, ".json"), func(t *testing.T) {
			want, err := readJSON(filepath.Join(expDir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			var apps []hsApp
			for _, l := range tc.logs {
				apps = append(apps, cache.load(t, l))
			}
			c := newChecker(tc.file, tc.opts)
			runHSCase(c, tc, want, apps)
			report(t, c)
			total += c.fields
		})
	}
	t.Logf("%d cases, %d fields compared", len(cases), total)
}

func runHSCase(c *checker, tc hsCase, want any, apps []hsApp) {
	app := apps[0].App
	stage := func() *appmodel.Stage {
		st := app.Stage(tc.stage, tc.attempt)
		if st == nil {
			c.errorf("stage "+itoa(tc.stage)+"."+itoa(tc.attempt), "", "missing from the model")
		}
		return st
	}
	switch tc.kind {
	case "application":
		compareApplication(c, want, apps)
	case "jobs":
		compareJobs(c, want, app)
	case "stages":
		compareStageList(c, want, app)
	case "stage":
		obj, _ := want.(map[string]any)
		_, summaries := obj["taskMetricsDistributions"]
		compareStageObj(c, obj, app, summaries)
	case "taskSummary":
		if st := stage(); st != nil {
			compareTaskDistributions(c, "stage "+itoa(tc.stage)+"."+itoa(tc.attempt)+" taskSummary", want, st)
		}
	case "taskList":
		if st := stage(); st != nil {
			compareTaskList(c, want, app, st, tc.list)
		}
	case "executors":
		compareExecutors(c, want, app, true)
	case "environment":
		compareEnvironment(c, want, app)
	default:
		c.errorf(tc.kind, "", "unknown endpoint kind")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// report fails the test with every mismatch of the case, and logs what
// was compared and what was left out on purpose.
func report(t *testing.T, c *checker) {
	t.Helper()
	var skipped []string
	for f, n := range c.skipped {
		skipped = append(skipped, f+"×"+strconv.Itoa(n))
	}
	sort.Strings(skipped)
	t.Logf("%s: %d fields compared; left out on purpose: %s", c.name, c.fields, strings.Join(skipped, ", "))
	if c.fields == 0 {
		t.Errorf("%s: nothing compared", c.name)
	}
	if len(c.diffs) > 0 {
		t.Errorf("%d mismatches:\n%s", len(c.diffs), strings.Join(c.diffs, "\n"))
	}
}

var indexFileRe = regexp.MustCompile("^\\| `([^`]+\\.json)`")

// checkIndexCoverage fails when INDEX.md lists a file that is neither a
// case nor declared out of scope (or the reverse).
func checkIndexCoverage(t *testing.T, expDir string, cases []hsCase) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(expDir, "INDEX.md"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(string(data), "\n") {
		if m := indexFileRe.FindStringSubmatch(line); m != nil {
			listed[m[1]] = true
		}
	}
	if len(listed) != 43 {
		t.Errorf("INDEX.md lists %d expectation files, want 30 upstream + 13 derived", len(listed))
	}
	have := map[string]bool{}
	for _, c := range cases {
		have[c.file] = true
		if !listed[c.file] {
			t.Errorf("case %s is not in INDEX.md", c.file)
		}
	}
	for f := range listed {
		if !have[f] && hsOutOfScope[f] == "" {
			t.Errorf("INDEX.md lists %s, which is neither a case nor out of scope", f)
		}
	}
}
