package appmodel_test

// Field-by-field comparison of the model with Spark History Server REST
// responses (/api/v1/applications/...). The functions take a model and a
// decoded REST answer, so that both the apache/spark expectation files
// (hs_test.go) and the corpus of real runs under testdata/spark/hs drive
// them. docs/history-server-semantics.md describes every rule; its last
// section lists the fields sparkdiag deliberately computes differently.
//
// Every field of every REST object is either compared (a rule below) or
// listed with the reason it is not; a field with neither is reported, so a
// new History Server field cannot go unnoticed.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// hsApp is one application attempt as the comparison sees it: its model
// and the log it was read from.
type hsApp struct {
	App *appmodel.Application
	Log *source.Log
}

// hsOptions describe the History Server that produced the answers.
type hsOptions struct {
	// Legacy2019 marks answers of the 2019 History Server (before
	// SPARK-37493 and SPARK-26329): the driver shows raw task sums, and
	// executors without stage executor-metrics events have no peaks, whose
	// maps lack TotalGCTime.
	Legacy2019 bool
}

// checker collects the mismatches of one case.
type checker struct {
	name    string // the expectation file
	opts    hsOptions
	fields  int            // leaf values compared
	skipped map[string]int // field -> times left out on purpose
	diffs   []string
}

func newChecker(name string, opts hsOptions) *checker {
	return &checker{name: name, opts: opts, skipped: map[string]int{}}
}

func (c *checker) errorf(obj, field, format string, args ...any) {
	c.diffs = append(c.diffs, fmt.Sprintf("%s: %s: %s: %s", c.name, obj, field, fmt.Sprintf(format, args...)))
}

// mismatch records want (HS) against got (model).
func (c *checker) mismatch(obj, field string, want, got any) {
	c.errorf(obj, field, "history server %v, model %v", want, got)
}

func (c *checker) skip(field string) { c.skipped[field]++ }

// ---- JSON values (decoded with UseNumber) ----

func decodeJSON(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func readJSON(path string) (any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeJSON(data)
}

func (c *checker) num(obj, field string, want any, got int64) {
	c.fields++
	n, ok := want.(json.Number)
	if !ok {
		c.errorf(obj, field, "history server value %v is not a number", want)
		return
	}
	w, err := n.Int64()
	if err != nil {
		f, ferr := n.Float64()
		if ferr != nil || f != math.Trunc(f) {
			c.errorf(obj, field, "history server value %v is not an integer", want)
			return
		}
		w = int64(f)
	}
	if w != got {
		c.mismatch(obj, field, w, got)
	}
}

func (c *checker) str(obj, field string, want any, got string) {
	c.fields++
	w, ok := want.(string)
	if !ok {
		c.errorf(obj, field, "history server value %v is not a string", want)
		return
	}
	if w != got {
		c.mismatch(obj, field, strconv.Quote(w), strconv.Quote(got))
	}
}

func (c *checker) boolean(obj, field string, want any, got bool) {
	c.fields++
	w, ok := want.(bool)
	if !ok {
		c.errorf(obj, field, "history server value %v is not a boolean", want)
		return
	}
	if w != got {
		c.mismatch(obj, field, w, got)
	}
}

// hsTime parses a History Server date ("2015-05-06T13:03:00.893GMT").
func hsTime(v any) (int64, bool) {
	s, ok := v.(string)
	if !ok {
		return 0, false
	}
	t, err := time.Parse("2006-01-02T15:04:05.000GMT", s)
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}

// date compares a date field with epoch ms.
func (c *checker) date(obj, field string, want any, got int64) {
	c.fields++
	w, ok := hsTime(want)
	if !ok {
		c.errorf(obj, field, "history server value %v is not a date", want)
		return
	}
	if w != got {
		c.mismatch(obj, field, fmt.Sprintf("%v (%d)", want, w), got)
	}
}

// optDate compares a date the History Server omits when unset (want nil)
// with epoch ms, 0 meaning unset in the model.
func (c *checker) optDate(obj, field string, want any, got int64) {
	if want == nil {
		c.fields++
		if got != 0 {
			c.errorf(obj, field, "history server has none, model %d", got)
		}
		return
	}
	c.date(obj, field, want, got)
}

func (c *checker) optStr(obj, field string, want any, got string) {
	if want == nil {
		c.fields++
		if got != "" {
			c.errorf(obj, field, "history server has none, model %q", got)
		}
		return
	}
	c.str(obj, field, want, got)
}

func (c *checker) ints(obj, field string, want any, got []int) {
	c.fields++
	w, ok := want.([]any)
	if !ok {
		c.errorf(obj, field, "history server value %v is not a list", want)
		return
	}
	ws := make([]string, len(w))
	for i, x := range w {
		ws[i] = fmt.Sprint(x)
	}
	gs := make([]string, len(got))
	for i, x := range got {
		gs[i] = strconv.Itoa(x)
	}
	if strings.Join(ws, ",") != strings.Join(gs, ",") {
		c.mismatch(obj, field, "["+strings.Join(ws, ",")+"]", "["+strings.Join(gs, ",")+"]")
	}
}

// strSet compares a list of strings as a set (the History Server's order
// follows Scala collections).
func (c *checker) strSet(obj, field string, want any, got []string) {
	c.fields++
	w, ok := want.([]any)
	if !ok {
		c.errorf(obj, field, "history server value %v is not a list", want)
		return
	}
	ws := make([]string, len(w))
	for i, x := range w {
		ws[i] = fmt.Sprint(x)
	}
	gs := append([]string{}, got...)
	sort.Strings(ws)
	sort.Strings(gs)
	if strings.Join(ws, "\x00") != strings.Join(gs, "\x00") {
		c.mismatch(obj, field, ws, gs)
	}
}

// countMap compares {"reason": count} maps.
func (c *checker) countMap(obj, field string, want any, got map[string]int) {
	w, ok := want.(map[string]any)
	if !ok {
		c.fields++
		c.errorf(obj, field, "history server value %v is not an object", want)
		return
	}
	for k, v := range w {
		c.num(obj, field+"["+strconv.Quote(k)+"]", v, int64(got[k]))
	}
	for k, v := range got {
		if _, ok := w[k]; !ok && v != 0 {
			c.fields++
			c.errorf(obj, field+"["+strconv.Quote(k)+"]", "history server has none, model %d", v)
		}
	}
}

// strMap compares string maps ({} and absent are the same).
func (c *checker) strMap(obj, field string, want any, got map[string]string) {
	w, ok := want.(map[string]any)
	if !ok {
		c.fields++
		c.errorf(obj, field, "history server value %v is not an object", want)
		return
	}
	c.fields++
	for k, v := range w {
		if g, ok := got[k]; !ok || fmt.Sprint(v) != g {
			c.errorf(obj, field+"["+strconv.Quote(k)+"]", "history server %q, model %q (present %v)", v, g, ok)
		}
	}
	for k, v := range got {
		if _, ok := w[k]; !ok {
			c.errorf(obj, field+"["+strconv.Quote(k)+"]", "history server has none, model %q", v)
		}
	}
}

// peaks compares executor-metric peaks. The History Server omits the
// object while no peak was seen (model: nil map).
func (c *checker) peaks(obj, field string, want any, got map[string]int64) {
	if want == nil {
		c.fields++
		if got != nil {
			c.errorf(obj, field, "history server has none, model has %d values", len(got))
		}
		return
	}
	w, ok := want.(map[string]any)
	if !ok {
		c.fields++
		c.errorf(obj, field, "history server value %v is not an object", want)
		return
	}
	if got == nil {
		c.fields++
		c.errorf(obj, field, "history server has %d values, model none", len(w))
		return
	}
	for k, v := range w {
		c.num(obj, field+"."+k, v, got[k])
	}
	for k, v := range got {
		// The 2019 maps lack TotalGCTime; newer servers may list more.
		if _, ok := w[k]; !ok && v != 0 {
			c.fields++
			c.errorf(obj, field+"."+k, "history server has none, model %d", v)
		}
	}
}

// ---- field rules ----

// rule compares one field. want is nil when the History Server omitted it;
// only optional rules are called then.
type rule struct {
	check    func(want any)
	optional bool // the server omits the field when unset: absence is compared too
}

func req(f func(want any)) rule { return rule{check: f} }
func opt(f func(want any)) rule { return rule{check: f, optional: true} }

// walk applies rules to every field of obj. Fields in skip are left out
// on purpose (the reason is the map value, for the reader); any other field
// without a rule is reported. A required field absent from obj is not
// checked: older servers do not have it.
func (c *checker) walk(where string, obj map[string]any, rules map[string]rule, skip map[string]string) {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if r, ok := rules[k]; ok {
			r.check(obj[k])
			continue
		}
		if _, ok := skip[k]; ok {
			c.skip(k)
			continue
		}
		c.errorf(where, k, "field not compared: no rule (value %.80v)", obj[k])
	}
	for k, r := range rules {
		if _, ok := obj[k]; !ok && r.optional {
			r.check(nil)
		}
	}
}

// ---- application (applications/{id}) ----

// compareApplication compares the listing record of an application with
// the models of its attempts (one per log).
func compareApplication(c *checker, want any, attempts []hsApp) {
	obj, ok := want.(map[string]any)
	if !ok {
		c.errorf("application", "", "not an object")
		return
	}
	if len(attempts) == 0 {
		c.errorf("application", "", "no model")
		return
	}
	// Newest attempt first.
	atts := append([]hsApp{}, attempts...)
	sort.SliceStable(atts, func(i, j int) bool { return atts[i].App.Start > atts[j].App.Start })
	first := atts[0].App
	c.walk("application", obj, map[string]rule{
		"id":   req(func(w any) { c.str("application", "id", w, first.ID) }),
		"name": req(func(w any) { c.str("application", "name", w, first.Name) }),
		"attempts": req(func(w any) {
			list, _ := w.([]any)
			c.fields++
			if len(list) != len(atts) {
				c.mismatch("application", "attempts (count)", len(list), len(atts))
				return
			}
			for i, x := range list {
				compareAttempt(c, x, atts[i])
			}
		}),
	}, map[string]string{
		"coresGranted": "never set by the History Server", "maxCores": "never set by the History Server",
		"coresPerExecutor": "never set by the History Server", "memoryPerExecutorMB": "never set by the History Server",
	})
}

func compareAttempt(c *checker, want any, at hsApp) {
	a := at.App
	where := "attempt " + a.AttemptID
	obj, ok := want.(map[string]any)
	if !ok {
		c.errorf(where, "", "not an object")
		return
	}
	end, dur := int64(-1), int64(0)
	if a.Complete {
		end, dur = a.End, a.End-a.Start
	}
	c.walk(where, obj, map[string]rule{
		"attemptId":      opt(func(w any) { c.optStr(where, "attemptId", w, a.AttemptID) }),
		"startTime":      req(func(w any) { c.date(where, "startTime", w, a.Start) }),
		"startTimeEpoch": req(func(w any) { c.num(where, "startTimeEpoch", w, a.Start) }),
		"endTime":        req(func(w any) { c.date(where, "endTime", w, end) }),
		"endTimeEpoch":   req(func(w any) { c.num(where, "endTimeEpoch", w, end) }),
		"duration":       req(func(w any) { c.num(where, "duration", w, dur) }),
		"sparkUser":      req(func(w any) { c.str(where, "sparkUser", w, a.User) }),
		"exitCode": opt(func(w any) { // 4.0+
			if w != nil && a.ExitCode != nil {
				c.num(where, "exitCode", w, int64(*a.ExitCode))
				return
			}
			c.fields++
			if w != nil {
				c.errorf(where, "exitCode", "history server %v, model none", w)
			} else if a.ExitCode != nil {
				c.errorf(where, "exitCode", "history server has none, model %d", *a.ExitCode)
			}
		}),
		"completed": req(func(w any) { c.boolean(where, "completed", w, a.Complete) }),
		"appSparkVersion": req(func(w any) {
			// Deliberate: a Spark 1.x log directory names its version in a
			// SPARK_VERSION_<v> marker; the History Server shows "" (no
			// LogStart event), sparkdiag the marker's version.
			if s, _ := w.(string); s == "" && a.SparkVersion != "" && at.Log != nil && a.SparkVersion == at.Log.SparkVersion {
				c.skip("appSparkVersion")
				return
			}
			c.str(where, "appSparkVersion", w, a.SparkVersion)
		}),
	}, map[string]string{
		"lastUpdated":       "the log file's modification time (masked in the expectations)",
		"lastUpdatedEpoch":  "the log file's modification time (masked in the expectations)",
		"logSourceName":     "where the History Server read the log",
		"logSourceFullPath": "where the History Server read the log",
	})
}

// ---- jobs (applications/{id}/jobs) ----

func compareJobs(c *checker, want any, app *appmodel.Application) {
	list, ok := want.([]any)
	if !ok {
		c.errorf("jobs", "", "not a list")
		return
	}
	byID := map[int]*appmodel.Job{}
	for _, j := range app.Jobs {
		byID[j.ID] = j
	}
	c.fields++
	if len(list) != len(app.Jobs) {
		c.mismatch("jobs", "count", len(list), len(app.Jobs))
	}
	prev := math.MaxInt
	for _, x := range list {
		obj, _ := x.(map[string]any)
		id, err := strconv.Atoi(fmt.Sprint(obj["jobId"]))
		if err != nil {
			c.errorf("jobs", "jobId", "bad id %v", obj["jobId"])
			continue
		}
		c.fields++
		if id >= prev {
			c.errorf("jobs", "order", "job %d listed after job %d: the list is by id, descending", id, prev)
		}
		prev = id
		j := byID[id]
		if j == nil {
			c.errorf(fmt.Sprintf("job %d", id), "", "missing from the model")
			continue
		}
		compareJob(c, obj, j)
	}
}

func compareJob(c *checker, obj map[string]any, j *appmodel.Job) {
	where := fmt.Sprintf("job %d", j.ID)
	n := func(field string, got int) rule {
		return req(func(w any) { c.num(where, field, w, int64(got)) })
	}
	c.walk(where, obj, map[string]rule{
		"jobId":               n("jobId", j.ID),
		"name":                req(func(w any) { c.str(where, "name", w, j.Name) }),
		"description":         opt(func(w any) { c.optStr(where, "description", w, j.Description) }),
		"submissionTime":      opt(func(w any) { c.optDate(where, "submissionTime", w, j.SubmissionTime) }),
		"completionTime":      opt(func(w any) { c.optDate(where, "completionTime", w, j.CompletionTime) }),
		"stageIds":            req(func(w any) { c.ints(where, "stageIds", w, j.StageIDs) }),
		"jobGroup":            opt(func(w any) { c.optStr(where, "jobGroup", w, j.JobGroup) }),
		"jobTags":             req(func(w any) { c.strSet(where, "jobTags", w, j.JobTags) }),
		"status":              req(func(w any) { c.str(where, "status", w, string(j.Status)) }),
		"numTasks":            n("numTasks", j.NumTasks),
		"numActiveTasks":      n("numActiveTasks", j.NumActiveTasks),
		"numCompletedTasks":   n("numCompletedTasks", j.NumCompletedTasks),
		"numSkippedTasks":     n("numSkippedTasks", j.NumSkippedTasks),
		"numFailedTasks":      n("numFailedTasks", j.NumFailedTasks),
		"numKilledTasks":      n("numKilledTasks", j.NumKilledTasks),
		"numCompletedIndices": n("numCompletedIndices", j.NumCompletedIndices),
		"numActiveStages":     n("numActiveStages", j.NumActiveStages),
		"numCompletedStages":  n("numCompletedStages", j.NumCompletedStages),
		"numSkippedStages":    n("numSkippedStages", j.NumSkippedStages),
		"numFailedStages":     n("numFailedStages", j.NumFailedStages),
		"killedTasksSummary":  req(func(w any) { c.countMap(where, "killedTasksSummary", w, j.KilledReasons) }),
	}, nil)
}

// ---- stages (applications/{id}/stages, stages/{id}, stages/{id}/{attempt}) ----

// stageTotals maps the StageData metric totals to the model's metrics.
var stageTotals = map[string]appmodel.Metric{
	"executorDeserializeTime":          appmodel.DeserializeTime,
	"executorDeserializeCpuTime":       appmodel.DeserializeCPUTimeNs,
	"executorRunTime":                  appmodel.RunTime,
	"executorCpuTime":                  appmodel.CPUTimeNs,
	"resultSize":                       appmodel.ResultSize,
	"jvmGcTime":                        appmodel.GCTime,
	"resultSerializationTime":          appmodel.ResultSerializationTime,
	"memoryBytesSpilled":               appmodel.MemoryBytesSpilled,
	"diskBytesSpilled":                 appmodel.DiskBytesSpilled,
	"peakExecutionMemory":              appmodel.PeakExecutionMemory,
	"inputBytes":                       appmodel.InputBytes,
	"inputRecords":                     appmodel.InputRecords,
	"outputBytes":                      appmodel.OutputBytes,
	"outputRecords":                    appmodel.OutputRecords,
	"shuffleRemoteBlocksFetched":       appmodel.ShuffleRemoteBlocksFetched,
	"shuffleLocalBlocksFetched":        appmodel.ShuffleLocalBlocksFetched,
	"shuffleFetchWaitTime":             appmodel.ShuffleFetchWaitTime,
	"shuffleRemoteBytesRead":           appmodel.ShuffleRemoteBytesRead,
	"shuffleRemoteBytesReadToDisk":     appmodel.ShuffleRemoteBytesReadToDisk,
	"shuffleLocalBytesRead":            appmodel.ShuffleLocalBytesRead,
	"shuffleReadRecords":               appmodel.ShuffleReadRecords,
	"shuffleRemoteReqsDuration":        appmodel.ShuffleRemoteReqsDuration,
	"shuffleWriteBytes":                appmodel.ShuffleWriteBytes,
	"shuffleWriteTime":                 appmodel.ShuffleWriteTimeNs,
	"shuffleWriteRecords":              appmodel.ShuffleWriteRecords,
	"shuffleCorruptMergedBlockChunks":  appmodel.ShuffleCorruptMergedBlockChunks,
	"shuffleMergedFetchFallbackCount":  appmodel.ShuffleMergedFetchFallbackCount,
	"shuffleMergedRemoteBlocksFetched": appmodel.ShuffleMergedRemoteBlocksFetched,
	"shuffleMergedLocalBlocksFetched":  appmodel.ShuffleMergedLocalBlocksFetched,
	"shuffleMergedRemoteChunksFetched": appmodel.ShuffleMergedRemoteChunksFetched,
	"shuffleMergedLocalChunksFetched":  appmodel.ShuffleMergedLocalChunksFetched,
	"shuffleMergedRemoteBytesRead":     appmodel.ShuffleMergedRemoteBytesRead,
	"shuffleMergedLocalBytesRead":      appmodel.ShuffleMergedLocalBytesRead,
	"shuffleMergedRemoteReqsDuration":  appmodel.ShuffleMergedRemoteReqsDuration,
}

// compareStageList compares a stage list (sorted by stage id, then
// attempt, descending) with every stage attempt of the model.
func compareStageList(c *checker, want any, app *appmodel.Application) {
	list, ok := want.([]any)
	if !ok {
		c.errorf("stages", "", "not a list")
		return
	}
	c.fields++
	if len(list) != len(app.Stages) {
		c.mismatch("stages", "count", len(list), len(app.Stages))
	}
	// withSummaries=true adds the distributions to every stage that has
	// data for them: then their absence is compared too.
	summaries := false
	for _, x := range list {
		if obj, _ := x.(map[string]any); obj["taskMetricsDistributions"] != nil || obj["executorMetricsDistributions"] != nil {
			summaries = true
		}
	}
	var prev [2]int
	for i, x := range list {
		obj, _ := x.(map[string]any)
		key, ok := stageKey(obj)
		if !ok {
			c.errorf("stages", "stageId", "bad stage %v.%v", obj["stageId"], obj["attemptId"])
			continue
		}
		c.fields++
		if i > 0 && (key[0] > prev[0] || key[0] == prev[0] && key[1] >= prev[1]) {
			c.errorf("stages", "order", "stage %d.%d listed after %d.%d: the list is descending", key[0], key[1], prev[0], prev[1])
		}
		prev = key
		compareStageObj(c, obj, app, summaries)
	}
}

func stageKey(obj map[string]any) ([2]int, bool) {
	id, err1 := strconv.Atoi(fmt.Sprint(obj["stageId"]))
	att, err2 := strconv.Atoi(fmt.Sprint(obj["attemptId"]))
	return [2]int{id, att}, err1 == nil && err2 == nil
}

// compareStageObj compares one StageData object with the model's attempt.
// summaries says the answer was asked withSummaries=true.
func compareStageObj(c *checker, obj map[string]any, app *appmodel.Application, summaries bool) {
	key, ok := stageKey(obj)
	if !ok {
		c.errorf("stage", "stageId", "bad stage %v.%v", obj["stageId"], obj["attemptId"])
		return
	}
	st := app.Stage(key[0], key[1])
	where := fmt.Sprintf("stage %d.%d", key[0], key[1])
	if st == nil {
		c.errorf(where, "", "missing from the model")
		return
	}
	n := func(field string, got int64) rule {
		return req(func(w any) { c.num(where, field, w, got) })
	}
	_, details := obj["tasks"]
	rules := map[string]rule{
		"status":                req(func(w any) { c.str(where, "status", w, string(st.Status)) }),
		"stageId":               n("stageId", int64(st.ID)),
		"attemptId":             n("attemptId", int64(st.Attempt)),
		"numTasks":              n("numTasks", int64(st.NumTasks)),
		"numActiveTasks":        n("numActiveTasks", int64(st.NumActiveTasks)),
		"numCompleteTasks":      n("numCompleteTasks", int64(st.NumCompleteTasks)),
		"numFailedTasks":        n("numFailedTasks", int64(st.NumFailedTasks)),
		"numKilledTasks":        n("numKilledTasks", int64(st.NumKilledTasks)),
		"numCompletedIndices":   n("numCompletedIndices", int64(st.NumCompletedIndices)),
		"submissionTime":        opt(func(w any) { c.optDate(where, "submissionTime", w, st.SubmissionTime) }),
		"firstTaskLaunchedTime": opt(func(w any) { c.optDate(where, "firstTaskLaunchedTime", w, st.FirstTaskLaunchedTime) }),
		"completionTime":        opt(func(w any) { c.optDate(where, "completionTime", w, st.CompletionTime) }),
		"failureReason":         opt(func(w any) { c.optStr(where, "failureReason", w, st.FailureReason) }),
		"shuffleReadBytes":      n("shuffleReadBytes", st.Totals.ShuffleReadBytes()),
		"isShufflePushEnabled":  req(func(w any) { c.boolean(where, "isShufflePushEnabled", w, st.ShufflePushEnabled) }),
		"shuffleMergersCount":   n("shuffleMergersCount", int64(st.ShuffleMergersCount)),
		"name":                  req(func(w any) { c.str(where, "name", w, st.Name) }),
		"description":           opt(func(w any) { c.optStr(where, "description", w, st.Description) }),
		"details":               req(func(w any) { c.str(where, "details", w, st.Details) }),
		"schedulingPool":        req(func(w any) { c.str(where, "schedulingPool", w, st.SchedulingPool) }),
		"rddIds":                req(func(w any) { c.ints(where, "rddIds", w, st.RDDIDs) }),
		"accumulatorUpdates":    req(func(w any) { compareAccumulables(c, where, w, st.Accumulables) }),
		"killedTasksSummary":    req(func(w any) { c.countMap(where, "killedTasksSummary", w, st.KilledReasons) }),
		"resourceProfileId":     n("resourceProfileId", int64(st.ResourceProfileID)),
		"peakExecutorMetrics":   opt(func(w any) { c.peaks(where, "peakExecutorMetrics", w, st.PeakExecutorMetrics) }),
		"tasks":                 req(func(w any) { compareTaskMap(c, where, w, app, st) }),
		"executorSummary":       req(func(w any) { compareExecutorSummaries(c, where, w, app, st) }),
		"speculationSummary": rule{optional: details, check: func(w any) {
			compareSpeculation(c, where, w, st.Speculation)
		}},
		"taskMetricsDistributions": {optional: summaries, check: func(w any) {
			if w == nil {
				// Omitted when no task succeeded with metrics.
				c.fields++
				if _, ok := st.HSQuantiles(appmodel.RunTime, []float64{0}); ok {
					c.errorf(where, "taskMetricsDistributions", "history server has none, the model has successful tasks")
				}
				return
			}
			compareTaskDistributions(c, where+" taskMetricsDistributions", w, st)
		}},
		"executorMetricsDistributions": {optional: summaries, check: func(w any) {
			if w == nil {
				// Omitted when the stage has no executor summary.
				c.fields++
				if len(st.ExecutorSummaries) > 0 {
					c.errorf(where, "executorMetricsDistributions", "history server has none, the model has %d executor summaries", len(st.ExecutorSummaries))
				}
				return
			}
			compareExecutorDistributions(c, where+" executorMetricsDistributions", w, st)
		}},
	}
	for field, m := range stageTotals {
		rules[field] = n(field, st.Totals[m])
	}
	c.walk(where, obj, rules, nil)
}

func compareAccumulables(c *checker, where string, want any, got []appmodel.StageAccumulable) {
	list, ok := want.([]any)
	if !ok {
		c.fields++
		c.errorf(where, "accumulatorUpdates", "not a list")
		return
	}
	c.fields++
	if len(list) != len(got) {
		c.mismatch(where, "accumulatorUpdates (count)", len(list), len(got))
	}
	byID := map[int64]appmodel.StageAccumulable{}
	for _, a := range got {
		byID[a.ID] = a
	}
	// The server lists them in hash-map order: match by id.
	for _, x := range list {
		obj, _ := x.(map[string]any)
		id, err := strconv.ParseInt(fmt.Sprint(obj["id"]), 10, 64)
		if err != nil {
			c.errorf(where, "accumulatorUpdates", "bad id %v", obj["id"])
			continue
		}
		a, ok := byID[id]
		w := fmt.Sprintf("%s accumulator %d", where, id)
		if !ok {
			c.errorf(w, "", "missing from the model")
			continue
		}
		c.walk(w, obj, map[string]rule{
			"id":   req(func(v any) { c.num(w, "id", v, a.ID) }),
			"name": req(func(v any) { c.str(w, "name", v, a.Name) }),
			// The model keeps the value as an integer.
			"value": req(func(v any) { c.str(w, "value", v, strconv.FormatInt(a.Value, 10)) }),
		}, map[string]string{"update": "a stage accumulator has no update"})
	}
}

func compareSpeculation(c *checker, where string, want any, got *appmodel.SpeculationSummary) {
	w := where + " speculationSummary"
	if want == nil {
		c.fields++
		if got != nil {
			c.errorf(w, "", "history server has none, model %+v", *got)
		}
		return
	}
	obj, ok := want.(map[string]any)
	if !ok || got == nil {
		c.fields++
		c.errorf(w, "", "history server %v, model %v", want, got)
		return
	}
	n := func(field string, v int) rule { return req(func(x any) { c.num(w, field, x, int64(v)) }) }
	c.walk(w, obj, map[string]rule{
		"stageId": req(func(any) {}), "attemptId": req(func(any) {}),
		"numTasks":          n("numTasks", got.NumTasks),
		"numActiveTasks":    n("numActiveTasks", got.NumActiveTasks),
		"numCompletedTasks": n("numCompletedTasks", got.NumCompletedTasks),
		"numFailedTasks":    n("numFailedTasks", got.NumFailedTasks),
		"numKilledTasks":    n("numKilledTasks", got.NumKilledTasks),
	}, nil)
}

// compareExecutorSummaries compares the stage's executorSummary map.
func compareExecutorSummaries(c *checker, where string, want any, app *appmodel.Application, st *appmodel.Stage) {
	m, ok := want.(map[string]any)
	if !ok {
		c.fields++
		c.errorf(where, "executorSummary", "not an object")
		return
	}
	c.fields++
	if len(m) != len(st.ExecutorSummaries) {
		c.mismatch(where, "executorSummary (count)", len(m), len(st.ExecutorSummaries))
	}
	for id, x := range m {
		obj, _ := x.(map[string]any)
		w := fmt.Sprintf("%s executor %s", where, id)
		es := st.ExecutorSummaries[id]
		if es == nil {
			c.errorf(w, "", "missing from the model")
			continue
		}
		n := func(field string, v int64) rule { return req(func(x any) { c.num(w, field, x, v) }) }
		c.walk(w, obj, map[string]rule{
			"taskTime":            n("taskTime", es.TaskTime),
			"failedTasks":         n("failedTasks", int64(es.FailedTasks)),
			"succeededTasks":      n("succeededTasks", int64(es.SucceededTasks)),
			"killedTasks":         n("killedTasks", int64(es.KilledTasks)),
			"inputBytes":          n("inputBytes", es.InputBytes),
			"inputRecords":        n("inputRecords", es.InputRecords),
			"outputBytes":         n("outputBytes", es.OutputBytes),
			"outputRecords":       n("outputRecords", es.OutputRecords),
			"shuffleRead":         n("shuffleRead", es.ShuffleRead),
			"shuffleReadRecords":  n("shuffleReadRecords", es.ShuffleReadRecords),
			"shuffleWrite":        n("shuffleWrite", es.ShuffleWrite),
			"shuffleWriteRecords": n("shuffleWriteRecords", es.ShuffleWriteRecords),
			"memoryBytesSpilled":  n("memoryBytesSpilled", es.MemoryBytesSpilled),
			"diskBytesSpilled":    n("diskBytesSpilled", es.DiskBytesSpilled),
			"peakMemoryMetrics":   opt(func(x any) { c.peaks(w, "peakMemoryMetrics", x, es.PeakMemoryMetrics) }),
			// The deprecated name carries the same flag.
			"isBlacklistedForStage": req(func(x any) { c.boolean(w, "isBlacklistedForStage", x, es.ExcludedForStage) }),
			"isExcludedForStage":    req(func(x any) { c.boolean(w, "isExcludedForStage", x, es.ExcludedForStage) }),
		}, nil)
	}
}

// ---- quantiles (taskSummary, taskMetricsDistributions) ----

// distLeaf is one task-metric distribution: a metric, or a value derived
// from a task (always over the successful tasks).
type distLeaf struct {
	metric  appmodel.Metric
	derived func(*appmodel.Task) int64
}

// taskDistTree maps the TaskMetricDistributions fields to the model.
var taskDistTree = map[string]any{
	"duration":                   distLeaf{metric: appmodel.Duration},
	"executorDeserializeTime":    distLeaf{metric: appmodel.DeserializeTime},
	"executorDeserializeCpuTime": distLeaf{metric: appmodel.DeserializeCPUTimeNs},
	"executorRunTime":            distLeaf{metric: appmodel.RunTime},
	"executorCpuTime":            distLeaf{metric: appmodel.CPUTimeNs},
	"resultSize":                 distLeaf{metric: appmodel.ResultSize},
	"jvmGcTime":                  distLeaf{metric: appmodel.GCTime},
	"resultSerializationTime":    distLeaf{metric: appmodel.ResultSerializationTime},
	"gettingResultTime":          distLeaf{metric: appmodel.GettingResultTime},
	"schedulerDelay":             distLeaf{metric: appmodel.SchedulerDelay},
	"peakExecutionMemory":        distLeaf{metric: appmodel.PeakExecutionMemory},
	"memoryBytesSpilled":         distLeaf{metric: appmodel.MemoryBytesSpilled},
	"diskBytesSpilled":           distLeaf{metric: appmodel.DiskBytesSpilled},
	"inputMetrics": map[string]any{
		"bytesRead":   distLeaf{metric: appmodel.InputBytes},
		"recordsRead": distLeaf{metric: appmodel.InputRecords},
	},
	"outputMetrics": map[string]any{
		"bytesWritten":   distLeaf{metric: appmodel.OutputBytes},
		"recordsWritten": distLeaf{metric: appmodel.OutputRecords},
	},
	"shuffleReadMetrics": map[string]any{
		"readBytes": distLeaf{derived: func(t *appmodel.Task) int64 { return t.M.ShuffleReadBytes() }},
		"totalBlocksFetched": distLeaf{derived: func(t *appmodel.Task) int64 {
			return t.M[appmodel.ShuffleLocalBlocksFetched] + t.M[appmodel.ShuffleRemoteBlocksFetched]
		}},
		"readRecords":           distLeaf{metric: appmodel.ShuffleReadRecords},
		"remoteBlocksFetched":   distLeaf{metric: appmodel.ShuffleRemoteBlocksFetched},
		"localBlocksFetched":    distLeaf{metric: appmodel.ShuffleLocalBlocksFetched},
		"fetchWaitTime":         distLeaf{metric: appmodel.ShuffleFetchWaitTime},
		"remoteBytesRead":       distLeaf{metric: appmodel.ShuffleRemoteBytesRead},
		"remoteBytesReadToDisk": distLeaf{metric: appmodel.ShuffleRemoteBytesReadToDisk},
		"remoteReqsDuration":    distLeaf{metric: appmodel.ShuffleRemoteReqsDuration},
		"shufflePushReadMetricsDist": map[string]any{
			"corruptMergedBlockChunks":  distLeaf{metric: appmodel.ShuffleCorruptMergedBlockChunks},
			"mergedFetchFallbackCount":  distLeaf{metric: appmodel.ShuffleMergedFetchFallbackCount},
			"remoteMergedBlocksFetched": distLeaf{metric: appmodel.ShuffleMergedRemoteBlocksFetched},
			"localMergedBlocksFetched":  distLeaf{metric: appmodel.ShuffleMergedLocalBlocksFetched},
			"remoteMergedChunksFetched": distLeaf{metric: appmodel.ShuffleMergedRemoteChunksFetched},
			"localMergedChunksFetched":  distLeaf{metric: appmodel.ShuffleMergedLocalChunksFetched},
			"remoteMergedBytesRead":     distLeaf{metric: appmodel.ShuffleMergedRemoteBytesRead},
			"localMergedBytesRead":      distLeaf{metric: appmodel.ShuffleMergedLocalBytesRead},
			"remoteMergedReqsDuration":  distLeaf{metric: appmodel.ShuffleMergedRemoteReqsDuration},
		},
	},
	"shuffleWriteMetrics": map[string]any{
		"writeBytes":   distLeaf{metric: appmodel.ShuffleWriteBytes},
		"writeRecords": distLeaf{metric: appmodel.ShuffleWriteRecords},
		"writeTime":    distLeaf{metric: appmodel.ShuffleWriteTimeNs},
	},
}

func quantilesOf(c *checker, where string, obj map[string]any) ([]float64, bool) {
	list, ok := obj["quantiles"].([]any)
	if !ok {
		c.errorf(where, "quantiles", "missing")
		return nil, false
	}
	qs := make([]float64, len(list))
	for i, x := range list {
		f, err := x.(json.Number).Float64()
		if err != nil {
			c.errorf(where, "quantiles", "bad quantile %v", x)
			return nil, false
		}
		qs[i] = f
	}
	return qs, true
}

func (c *checker) floats(obj, field string, want any, got []float64) {
	list, ok := want.([]any)
	if !ok || len(list) != len(got) {
		c.fields++
		c.errorf(obj, field, "history server %v, model %v", want, got)
		return
	}
	for i, x := range list {
		c.fields++
		w, err := x.(json.Number).Float64()
		if err != nil || !(w == got[i] || math.IsNaN(w) && math.IsNaN(got[i])) {
			c.errorf(obj, fmt.Sprintf("%s[%d]", field, i), "history server %v, model %v", x, got[i])
		}
	}
}

// compareTaskDistributions compares a taskSummary answer (or a stage's
// taskMetricsDistributions) with the model's HSQuantiles.
func compareTaskDistributions(c *checker, where string, want any, st *appmodel.Stage) {
	obj, ok := want.(map[string]any)
	if !ok {
		c.fields++
		c.errorf(where, "", "not an object")
		return
	}
	qs, ok := quantilesOf(c, where, obj)
	if !ok {
		return
	}
	if _, ok := st.HSQuantiles(appmodel.RunTime, qs); !ok {
		c.errorf(where, "", "the model has no successful task with metrics (the server would answer 404)")
		return
	}
	var walk func(prefix string, obj map[string]any, tree map[string]any)
	walk = func(prefix string, obj map[string]any, tree map[string]any) {
		rules := map[string]rule{}
		for name, node := range tree {
			field := prefix + name
			switch node := node.(type) {
			case distLeaf:
				rules[name] = req(func(w any) {
					var got []float64
					if node.derived != nil {
						got, _ = st.HSQuantilesFunc(node.derived, qs)
					} else {
						got, _ = st.HSQuantiles(node.metric, qs)
					}
					c.floats(where, field, w, got)
				})
			case map[string]any:
				rules[name] = req(func(w any) {
					sub, ok := w.(map[string]any)
					if !ok {
						c.errorf(where, field, "not an object")
						return
					}
					walk(field+".", sub, node)
				})
			}
		}
		if prefix == "" {
			rules["quantiles"] = req(func(any) {})
		}
		c.walk(where, obj, rules, nil)
	}
	walk("", obj, taskDistTree)
}

// execDistFields maps executorMetricsDistributions to executor summaries.
var execDistFields = map[string]func(*appmodel.ExecutorStageSummary) int64{
	"taskTime":            func(e *appmodel.ExecutorStageSummary) int64 { return e.TaskTime },
	"failedTasks":         func(e *appmodel.ExecutorStageSummary) int64 { return int64(e.FailedTasks) },
	"succeededTasks":      func(e *appmodel.ExecutorStageSummary) int64 { return int64(e.SucceededTasks) },
	"killedTasks":         func(e *appmodel.ExecutorStageSummary) int64 { return int64(e.KilledTasks) },
	"inputBytes":          func(e *appmodel.ExecutorStageSummary) int64 { return e.InputBytes },
	"inputRecords":        func(e *appmodel.ExecutorStageSummary) int64 { return e.InputRecords },
	"outputBytes":         func(e *appmodel.ExecutorStageSummary) int64 { return e.OutputBytes },
	"outputRecords":       func(e *appmodel.ExecutorStageSummary) int64 { return e.OutputRecords },
	"shuffleRead":         func(e *appmodel.ExecutorStageSummary) int64 { return e.ShuffleRead },
	"shuffleReadRecords":  func(e *appmodel.ExecutorStageSummary) int64 { return e.ShuffleReadRecords },
	"shuffleWrite":        func(e *appmodel.ExecutorStageSummary) int64 { return e.ShuffleWrite },
	"shuffleWriteRecords": func(e *appmodel.ExecutorStageSummary) int64 { return e.ShuffleWriteRecords },
	"memoryBytesSpilled":  func(e *appmodel.ExecutorStageSummary) int64 { return e.MemoryBytesSpilled },
	"diskBytesSpilled":    func(e *appmodel.ExecutorStageSummary) int64 { return e.DiskBytesSpilled },
}

func compareExecutorDistributions(c *checker, where string, want any, st *appmodel.Stage) {
	obj, ok := want.(map[string]any)
	if !ok {
		c.fields++
		c.errorf(where, "", "not an object")
		return
	}
	qs, ok := quantilesOf(c, where, obj)
	if !ok {
		return
	}
	rules := map[string]rule{"quantiles": req(func(any) {})}
	for name, f := range execDistFields {
		rules[name] = req(func(w any) {
			got := st.HSExecutorQuantiles(func(e *appmodel.ExecutorStageSummary) (int64, bool) { return f(e), true }, qs)
			c.floats(where, name, w, got)
		})
	}
	rules["peakMemoryMetrics"] = req(func(w any) {
		m, ok := w.(map[string]any)
		if !ok {
			c.errorf(where, "peakMemoryMetrics", "not an object")
			return
		}
		for name, x := range m {
			got := st.HSExecutorQuantiles(func(e *appmodel.ExecutorStageSummary) (int64, bool) {
				return e.PeakMemoryMetrics[name], e.PeakMemoryMetrics != nil
			}, qs)
			c.floats(where, "peakMemoryMetrics."+name, x, got)
		}
	})
	c.walk(where, obj, rules, nil)
}

// ---- tasks (taskList, and the tasks map of stage details) ----

// knownTasks lists the task records the History Server keeps for a stage
// attempt: one per started task (a Resubmitted end adds none).
func knownTasks(st *appmodel.Stage) []appmodel.Task {
	var all, started []appmodel.Task
	st.Tasks(func(t *appmodel.Task) bool {
		if t.Status != appmodel.TaskResubmitted {
			all = append(all, *t)
			if t.HadStart {
				started = append(started, *t)
			}
		}
		return true
	})
	if len(started) == 0 {
		return all // a log without task starts: sparkdiag keeps the ends
	}
	return started
}

// taskMetricsTree maps the TaskData.taskMetrics fields to the model.
var taskMetricsTree = map[string]any{
	"executorDeserializeTime":    appmodel.DeserializeTime,
	"executorDeserializeCpuTime": appmodel.DeserializeCPUTimeNs,
	"executorRunTime":            appmodel.RunTime,
	"executorCpuTime":            appmodel.CPUTimeNs,
	"resultSize":                 appmodel.ResultSize,
	"jvmGcTime":                  appmodel.GCTime,
	"resultSerializationTime":    appmodel.ResultSerializationTime,
	"memoryBytesSpilled":         appmodel.MemoryBytesSpilled,
	"diskBytesSpilled":           appmodel.DiskBytesSpilled,
	"peakExecutionMemory":        appmodel.PeakExecutionMemory,
	"inputMetrics": map[string]any{
		"bytesRead":   appmodel.InputBytes,
		"recordsRead": appmodel.InputRecords,
	},
	"outputMetrics": map[string]any{
		"bytesWritten":   appmodel.OutputBytes,
		"recordsWritten": appmodel.OutputRecords,
	},
	"shuffleReadMetrics": map[string]any{
		"remoteBlocksFetched":   appmodel.ShuffleRemoteBlocksFetched,
		"localBlocksFetched":    appmodel.ShuffleLocalBlocksFetched,
		"fetchWaitTime":         appmodel.ShuffleFetchWaitTime,
		"remoteBytesRead":       appmodel.ShuffleRemoteBytesRead,
		"remoteBytesReadToDisk": appmodel.ShuffleRemoteBytesReadToDisk,
		"localBytesRead":        appmodel.ShuffleLocalBytesRead,
		"recordsRead":           appmodel.ShuffleReadRecords,
		"remoteReqsDuration":    appmodel.ShuffleRemoteReqsDuration,
		"shufflePushReadMetrics": map[string]any{
			"corruptMergedBlockChunks":  appmodel.ShuffleCorruptMergedBlockChunks,
			"mergedFetchFallbackCount":  appmodel.ShuffleMergedFetchFallbackCount,
			"remoteMergedBlocksFetched": appmodel.ShuffleMergedRemoteBlocksFetched,
			"localMergedBlocksFetched":  appmodel.ShuffleMergedLocalBlocksFetched,
			"remoteMergedChunksFetched": appmodel.ShuffleMergedRemoteChunksFetched,
			"localMergedChunksFetched":  appmodel.ShuffleMergedLocalChunksFetched,
			"remoteMergedBytesRead":     appmodel.ShuffleMergedRemoteBytesRead,
			"localMergedBytesRead":      appmodel.ShuffleMergedLocalBytesRead,
			"remoteMergedReqsDuration":  appmodel.ShuffleMergedRemoteReqsDuration,
		},
	},
	"shuffleWriteMetrics": map[string]any{
		"bytesWritten":   appmodel.ShuffleWriteBytes,
		"writeTime":      appmodel.ShuffleWriteTimeNs,
		"recordsWritten": appmodel.ShuffleWriteRecords,
	},
}

func compareTaskMetrics(c *checker, where string, want map[string]any, t *appmodel.Task) {
	var walk func(prefix string, obj map[string]any, tree map[string]any)
	walk = func(prefix string, obj map[string]any, tree map[string]any) {
		rules := map[string]rule{}
		for name, node := range tree {
			field := prefix + name
			switch node := node.(type) {
			case appmodel.Metric:
				rules[name] = req(func(w any) { c.num(where, field, w, t.M[node]) })
			case map[string]any:
				rules[name] = req(func(w any) {
					sub, ok := w.(map[string]any)
					if !ok {
						c.errorf(where, field, "not an object")
						return
					}
					walk(field+".", sub, node)
				})
			}
		}
		c.walk(where, obj, rules, nil)
	}
	walk("taskMetrics.", want, taskMetricsTree)
}

// compareTask compares one TaskData object with a task of the model.
func compareTask(c *checker, where string, obj map[string]any, t *appmodel.Task, app *appmodel.Application) {
	status := t.Status.String()
	c.walk(where, obj, map[string]rule{
		"taskId":      req(func(w any) { c.num(where, "taskId", w, t.TaskID) }),
		"index":       req(func(w any) { c.num(where, "index", w, int64(t.Index)) }),
		"attempt":     req(func(w any) { c.num(where, "attempt", w, int64(t.Attempt)) }),
		"partitionId": req(func(w any) { c.num(where, "partitionId", w, int64(t.PartitionID)) }),
		"launchTime":  req(func(w any) { c.date(where, "launchTime", w, t.LaunchTime) }),
		"resultFetchStart": opt(func(w any) {
			var got int64
			if t.M[appmodel.GettingResultTime] > 0 {
				got = t.FinishTime - t.M[appmodel.GettingResultTime]
			}
			c.optDate(where, "resultFetchStart", w, got)
		}),
		"duration": opt(func(w any) {
			if w == nil {
				c.fields++
				if t.M[appmodel.Duration] > 0 {
					c.errorf(where, "duration", "history server has none, model %d", t.M[appmodel.Duration])
				}
				return
			}
			if t.Status == appmodel.TaskRunning {
				c.skip("duration") // a running task's duration is the server's clock
				return
			}
			c.num(where, "duration", w, t.M[appmodel.Duration])
		}),
		"executorId":   req(func(w any) { c.str(where, "executorId", w, t.Executor) }),
		"host":         req(func(w any) { c.str(where, "host", w, t.Host) }),
		"status":       req(func(w any) { c.str(where, "status", w, status) }),
		"taskLocality": req(func(w any) { c.str(where, "taskLocality", w, t.Locality) }),
		"speculative":  req(func(w any) { c.boolean(where, "speculative", w, t.Speculative) }),
		"errorMessage": opt(func(w any) {
			// The model keeps a one-line reason, not the full message:
			// only its presence is compared.
			c.fields++
			if (w != nil) != (t.Reason != "") {
				c.errorf(where, "errorMessage", "history server present %v, model reason %q", w != nil, t.Reason)
			}
		}),
		"taskMetrics": opt(func(w any) {
			if w == nil {
				c.fields++
				if t.HasMetrics {
					c.errorf(where, "taskMetrics", "history server has none, the model has metrics")
				}
				return
			}
			m, ok := w.(map[string]any)
			if !ok || !t.HasMetrics {
				c.fields++
				c.errorf(where, "taskMetrics", "history server %v, model has metrics %v", ok, t.HasMetrics)
				return
			}
			compareTaskMetrics(c, where, m, t)
		}),
		"executorLogs": req(func(w any) {
			var logs map[string]string
			if ex := app.Executor(t.Executor); ex != nil {
				logs = ex.LogURLs()
			}
			c.strMap(where, "executorLogs", w, logs)
		}),
		"schedulerDelay":    req(func(w any) { c.num(where, "schedulerDelay", w, taskListDelay(t)) }),
		"gettingResultTime": req(func(w any) { c.num(where, "gettingResultTime", w, t.M[appmodel.GettingResultTime]) }),
		"accumulatorUpdates": req(func(w any) {
			// Per-task accumulator updates are not kept by the model
			// (compact task log); an empty list still compares.
			if l, _ := w.([]any); len(l) > 0 {
				c.skip("accumulatorUpdates")
				return
			}
			c.fields++
		}),
	}, nil)
}

// taskListDelay is the scheduler delay a TaskData shows: computed only for
// a finished task with metrics and a positive duration.
func taskListDelay(t *appmodel.Task) int64 {
	switch t.Status {
	case appmodel.TaskSuccess, appmodel.TaskFailed, appmodel.TaskKilled:
		if t.HasMetrics && t.M[appmodel.Duration] > 0 {
			return t.M[appmodel.SchedulerDelay]
		}
	}
	return 0
}

// compareTaskMap compares the tasks map of a stage's details.
func compareTaskMap(c *checker, where string, want any, app *appmodel.Application, st *appmodel.Stage) {
	m, ok := want.(map[string]any)
	if !ok {
		c.fields++
		c.errorf(where, "tasks", "not an object")
		return
	}
	tasks := knownTasks(st)
	byID := map[string]*appmodel.Task{}
	for i := range tasks {
		byID[strconv.FormatInt(tasks[i].TaskID, 10)] = &tasks[i]
	}
	c.fields++
	if len(m) != len(tasks) {
		c.mismatch(where, "tasks (count)", len(m), len(tasks))
	}
	for id, x := range m {
		obj, _ := x.(map[string]any)
		w := fmt.Sprintf("%s task %s", where, id)
		t := byID[id]
		if t == nil {
			c.errorf(w, "", "missing from the model")
			continue
		}
		compareTask(c, w, obj, t, app)
	}
}

// taskListQuery holds the taskList query parameters.
type taskListQuery struct {
	status         string // "" or success, failed, killed, running
	sortBy         string // ID (default), runtime, -runtime, ...
	offset, length int    // default 0, 20
}

// storedRunTime is the executorRunTime the History Server's index holds:
// negated (-v-1) for a task that has metrics but did not succeed, -1 for a
// task without metrics.
func storedRunTime(t *appmodel.Task) int64 {
	switch {
	case !t.HasMetrics:
		return -1
	case t.Status != appmodel.TaskSuccess:
		return -t.M[appmodel.RunTime] - 1
	}
	return t.M[appmodel.RunTime]
}

// compareTaskList compares a taskList answer.
func compareTaskList(c *checker, want any, app *appmodel.Application, st *appmodel.Stage, q taskListQuery) {
	list, ok := want.([]any)
	where := fmt.Sprintf("stage %d.%d taskList", st.ID, st.Attempt)
	if !ok {
		c.errorf(where, "", "not a list")
		return
	}
	var tasks []appmodel.Task
	for _, t := range knownTasks(st) {
		if q.status == "" || strings.EqualFold(q.status, t.Status.String()) {
			tasks = append(tasks, t)
		}
	}
	switch q.sortBy {
	case "", "ID":
		sort.Slice(tasks, func(i, j int) bool { return tasks[i].TaskID < tasks[j].TaskID })
	case "runtime", "INCREASING_RUNTIME":
		sort.Slice(tasks, func(i, j int) bool {
			a, b := storedRunTime(&tasks[i]), storedRunTime(&tasks[j])
			return a < b || a == b && tasks[i].TaskID < tasks[j].TaskID
		})
	case "-runtime", "DECREASING_RUNTIME":
		sort.Slice(tasks, func(i, j int) bool {
			a, b := storedRunTime(&tasks[i]), storedRunTime(&tasks[j])
			return a > b || a == b && tasks[i].TaskID > tasks[j].TaskID
		})
	default:
		c.errorf(where, "sortBy", "unsupported %q", q.sortBy)
		return
	}
	if q.offset < len(tasks) {
		tasks = tasks[q.offset:]
	} else {
		tasks = nil
	}
	if q.length < len(tasks) {
		tasks = tasks[:q.length]
	}
	c.fields++
	if len(list) != len(tasks) {
		c.mismatch(where, "count", len(list), len(tasks))
		return
	}
	for i, x := range list {
		obj, _ := x.(map[string]any)
		w := fmt.Sprintf("%s[%d] task %v", where, i, obj["taskId"])
		compareTask(c, w, obj, &tasks[i], app)
	}
}

// ---- executors (executors, allexecutors) ----

func compareExecutors(c *checker, want any, app *appmodel.Application, activeOnly bool) {
	list, ok := want.([]any)
	if !ok {
		c.errorf("executors", "", "not a list")
		return
	}
	var execs []*appmodel.Executor
	for _, e := range app.Executors {
		if e.IsActive || !activeOnly {
			execs = append(execs, e)
		}
	}
	// executors: active ones by id descending (string order);
	// allexecutors: all by id ascending.
	sort.Slice(execs, func(i, j int) bool {
		if activeOnly {
			return execs[i].ID > execs[j].ID
		}
		return execs[i].ID < execs[j].ID
	})
	c.fields++
	if len(list) != len(execs) {
		c.mismatch("executors", "count", len(list), len(execs))
	}
	for i, x := range list {
		obj, _ := x.(map[string]any)
		id := fmt.Sprint(obj["id"])
		c.fields++
		if i < len(execs) && execs[i].ID != id {
			c.errorf("executors", fmt.Sprintf("order[%d]", i), "history server %s, model %s", id, execs[i].ID)
		}
		e := app.Executor(id)
		if e == nil {
			c.errorf("executor "+id, "", "missing from the model")
			continue
		}
		compareExecutor(c, obj, e, app)
	}
}

func compareExecutor(c *checker, obj map[string]any, e *appmodel.Executor, app *appmodel.Application) {
	where := "executor " + e.ID
	n := func(field string, got int64) rule { return req(func(w any) { c.num(where, field, w, got) }) }
	zero := func(field string) rule {
		// Storage use follows block-update events, which Spark logs only
		// with spark.eventLog.logBlockUpdates.enabled; the model does not
		// track them, so the server must show 0.
		return req(func(w any) { c.num(where, field, w, 0) })
	}
	driverRaw := e.ID == "driver" && (c.opts.Legacy2019 || !app.Complete)
	c.walk(where, obj, map[string]rule{
		"id":             req(func(w any) { c.str(where, "id", w, e.ID) }),
		"hostPort":       req(func(w any) { c.str(where, "hostPort", w, e.HostPort) }),
		"isActive":       req(func(w any) { c.boolean(where, "isActive", w, e.IsActive) }),
		"rddBlocks":      zero("rddBlocks"),
		"memoryUsed":     zero("memoryUsed"),
		"diskUsed":       zero("diskUsed"),
		"totalCores":     n("totalCores", int64(e.TotalCores)),
		"maxTasks":       n("maxTasks", int64(e.MaxTasks)),
		"activeTasks":    n("activeTasks", int64(e.ActiveTasks)),
		"failedTasks":    n("failedTasks", int64(e.FailedTasks)),
		"completedTasks": n("completedTasks", int64(e.CompletedTasks)),
		"totalTasks":     n("totalTasks", int64(e.TotalTasks)),
		"totalDuration": req(func(w any) {
			if driverRaw {
				// 2019 servers show the driver's raw task sum; for an
				// incomplete application the server uses its clock.
				c.skip("totalDuration (driver)")
				return
			}
			c.num(where, "totalDuration", w, e.TotalDuration)
		}),
		"totalGCTime": req(func(w any) {
			if driverRaw && c.opts.Legacy2019 {
				c.skip("totalGCTime (driver)")
				return
			}
			c.num(where, "totalGCTime", w, e.TotalGCTime)
		}),
		"totalInputBytes":   n("totalInputBytes", e.TotalInputBytes),
		"totalShuffleRead":  n("totalShuffleRead", e.TotalShuffleRead),
		"totalShuffleWrite": n("totalShuffleWrite", e.TotalShuffleWrite),
		"maxMemory":         n("maxMemory", e.MaxMemory),
		"addTime":           req(func(w any) { c.date(where, "addTime", w, e.AddTime) }),
		"removeTime":        opt(func(w any) { c.optDate(where, "removeTime", w, e.RemoveTime) }),
		"removeReason":      opt(func(w any) { c.optStr(where, "removeReason", w, e.RemoveReason) }),
		"executorLogs":      req(func(w any) { c.strMap(where, "executorLogs", w, e.LogURLs()) }),
		"attributes":        req(func(w any) { c.strMap(where, "attributes", w, e.Attributes()) }),
		"resources": req(func(w any) {
			m, _ := w.(map[string]any)
			c.fields++
			if len(m) != len(e.Resources) {
				c.mismatch(where, "resources (count)", len(m), len(e.Resources))
			}
			for name, x := range m {
				r, _ := x.(map[string]any)
				c.str(where, "resources."+name+".name", r["name"], name)
				c.strSet(where, "resources."+name+".addresses", r["addresses"], e.Resources[name])
			}
		}),
		"resourceProfileId": n("resourceProfileId", int64(e.ResourceProfileID)),
		"memoryMetrics": opt(func(w any) {
			if w == nil {
				c.fields++
				if e.HasMemoryMetrics {
					c.errorf(where, "memoryMetrics", "history server has none, the model has")
				}
				return
			}
			m, _ := w.(map[string]any)
			if !e.HasMemoryMetrics {
				c.fields++
				c.errorf(where, "memoryMetrics", "history server has, the model none")
				return
			}
			w2 := where + " memoryMetrics"
			c.walk(w2, m, map[string]rule{
				"usedOnHeapStorageMemory":   req(func(x any) { c.num(w2, "usedOnHeapStorageMemory", x, 0) }),
				"usedOffHeapStorageMemory":  req(func(x any) { c.num(w2, "usedOffHeapStorageMemory", x, 0) }),
				"totalOnHeapStorageMemory":  req(func(x any) { c.num(w2, "totalOnHeapStorageMemory", x, e.MaxOnHeapMemory) }),
				"totalOffHeapStorageMemory": req(func(x any) { c.num(w2, "totalOffHeapStorageMemory", x, e.MaxOffHeapMemory) }),
			}, nil)
		}),
		"peakMemoryMetrics": opt(func(w any) {
			if w == nil && c.opts.Legacy2019 {
				// 2019 servers took peaks only from stage executor-metrics
				// events; task ends without metrics give zeros since.
				c.skip("peakMemoryMetrics (2019)")
				return
			}
			c.peaks(where, "peakMemoryMetrics", w, e.PeakMemoryMetrics)
		}),
		// The deprecated names carry the same values.
		"isBlacklisted":       req(func(w any) { c.boolean(where, "isBlacklisted", w, e.Excluded) }),
		"isExcluded":          req(func(w any) { c.boolean(where, "isExcluded", w, e.Excluded) }),
		"blacklistedInStages": req(func(w any) { c.ints(where, "blacklistedInStages", w, e.ExcludedInStages) }),
		"excludedInStages":    req(func(w any) { c.ints(where, "excludedInStages", w, e.ExcludedInStages) }),
	}, nil)
}
