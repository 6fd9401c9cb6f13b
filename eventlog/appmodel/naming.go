package appmodel

import (
	"regexp"
	"strings"
)

// DisplayName is the name people recognise for a stage, the one rule every
// report uses (analyze, diff, the HTML charts).
//
// Spark names a stage "<action> at <call site>". For PySpark DataFrame
// calls that go through py4j the call site is a JVM reflection frame
// ("parquet at NativeMethodAccessorImpl.java:0"), and stages that adaptive
// execution starts from a thread pool get a pool frame
// ("$anonfun$withThreadLocalCaptured$2 at CompletableFuture.java:1768").
// Such a name says nothing; in its place DisplayName uses, in this order:
//
//  1. a Python call site ("collect at /app/job.py:40") from the job's
//     callSite.short property or the stage's details;
//  2. the job's description (spark.job.description, as set by
//     setJobDescription) or the description of the stage's SQL execution,
//     after the action: "parquet: daily revenue";
//  3. the Spark API the call entered by, from the first frame of the
//     details (SparkAPI): "DataFrameWriter.parquet (from PySpark)".
//
// A name with a meaningful call site is kept. Only the first line is used.
// The result is raw log text: renderers sanitize it like any other.
func (a *Application) DisplayName(st *Stage) string {
	name := headLine(st.Name)
	action, ok := uninformative(name)
	if !ok {
		return name
	}
	var jobs []*Job
	for _, j := range a.Jobs {
		for _, id := range st.JobIDs {
			if j.ID == id {
				jobs = append(jobs, j)
			}
		}
	}
	var sql *SQLExecution
	if st.SQLExecutionID >= 0 {
		for _, x := range a.SQL {
			if x.ID == st.SQLExecutionID {
				sql = x
				break
			}
		}
	}
	// 1. A Python call site.
	for _, j := range jobs {
		if pySite.MatchString(j.CallSite) {
			return headLine(j.CallSite)
		}
	}
	if site := pyFrame(st.Details); site != "" {
		return join(action, "at "+site, " ")
	}
	// 2. A description.
	descs := []string{st.Description}
	for _, j := range jobs {
		descs = append(descs, j.Description)
	}
	if sql != nil {
		descs = append(descs, sql.Description)
	}
	for _, d := range descs {
		d = headLine(d)
		if _, bad := uninformative(d); d != "" && !bad && d != name {
			return join(action, d, ": ")
		}
	}
	// 3. The API the call came in by.
	details := []string{st.Details}
	if sql != nil {
		details = append(details, sql.Details)
	}
	for _, d := range details {
		if api := SparkAPI(d); api != "" {
			return api
		}
	}
	return name
}

var (
	// placeholderSite matches call sites that are JVM plumbing, not user
	// code: reflection (py4j), thread pools, futures.
	placeholderSite = regexp.MustCompile(`^(.*?)\s*\bat (?:NativeMethodAccessorImpl\.java|DelegatingMethodAccessorImpl\.java|Method\.java|CompletableFuture\.java|ThreadPoolExecutor\.java|FutureTask\.java|ForkJoinTask\.java|ForkJoinWorkerThread\.java|Thread\.java|Executors\.java|<unknown>):-?\d+$`)
	pySite          = regexp.MustCompile(`\.py:\d+`)
	// pyFrameRe finds a Python file and line in stage details.
	pyFrameRe = regexp.MustCompile(`[^\s()"']+\.py:\d+`)
)

// uninformative reports whether a stage name's call site is JVM plumbing,
// and returns the action before it ("parquet"), or "" when that too is
// plumbing ("$anonfun$...").
func uninformative(name string) (action string, ok bool) {
	m := placeholderSite.FindStringSubmatch(name)
	if m == nil {
		return "", false
	}
	action = m[1]
	if strings.Contains(action, "$") {
		action = ""
	}
	return action, true
}

// pyFrame is the first Python "file.py:line" in stage details, or "".
func pyFrame(details string) string {
	return pyFrameRe.FindString(details)
}

var apiRe = regexp.MustCompile(`^org\.apache\.spark\.(?:sql\.(?:classic\.)?|rdd\.|api\.java\.)((?:Dataset|DataFrameWriter|DataFrameWriterV2|DataFrameReader|DataStreamWriter|RDD|PairRDDFunctions|JavaRDDLike|SparkSession|RelationalGroupedDataset)[\w$]*\.\w+)`)

// SparkAPI returns the public Spark API method a program called, read off
// the last Spark API frame of a stage's or SQL execution's details (the
// one the caller's frame follows): "DataFrameWriter.parquet", with
// " (from PySpark)" when the call came through py4j; "" when none.
func SparkAPI(details string) string {
	var api string
	for _, line := range strings.Split(details, "\n") {
		if m := apiRe.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			api = m[1]
		}
	}
	if api == "" {
		return ""
	}
	if strings.Contains(details, "py4j.") {
		return api + " (from PySpark)"
	}
	return api
}

func headLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

func join(action, rest, sep string) string {
	if action == "" {
		return rest
	}
	return action + sep + rest
}
