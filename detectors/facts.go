package detectors

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Helpers that many detectors share: subjects, call sites, impact, plan
// lookups.

// StageSubject is the subject for a stage attempt.
func StageSubject(st *appmodel.Stage) Subject {
	s := Subject{Kind: SubjectStage, StageID: Ptr(st.ID), StageAttempt: Ptr(st.Attempt), Name: FirstLine(st.Name)}
	if st.SQLExecutionID >= 0 {
		s.SQLExecutionID = Ptr(st.SQLExecutionID)
	}
	if len(st.JobIDs) > 0 {
		s.JobID = Ptr(st.JobIDs[0])
	}
	return s
}

// FirstLine is s up to its first line break.
func FirstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// frameworkFile matches call sites inside Spark, the JVM or Py4J rather
// than user code.
var frameworkFile = regexp.MustCompile(`^(NativeMethodAccessorImpl\.java|DelegatingMethodAccessorImpl\.java|Method\.java|` +
	`<console>|<unknown>|py4j|java\.|scala\.|sun\.|jdk\.|org\.apache\.spark\.)`)

// frame matches "at file.py:42", "(Dataset.scala:2862)", "/a/b/etl.py:42".
var frameRe = regexp.MustCompile(`([\w./<>$-]+\.(?:py|scala|java|R|sql|ipynb)):(\d+)`)

// CallSite finds where in the user's code a stage comes from: a source file
// and line from the stage name ("count at /jobs/etl.py:42") or from the
// first frame of its details (or of its SQL execution's details) that is
// not Spark, Scala, Java or Py4J. PySpark DataFrame calls leave no Python
// frame in the log; then it names the Spark API the program called
// ("DataFrameWriter.parquet (from PySpark)"). It returns "" when nothing is
// known.
func CallSite(a *appmodel.Application, st *appmodel.Stage) string {
	if cs := callSiteIn(st.Name); cs != "" && !frameworkLocation(st.Details, cs) {
		return cs
	}
	texts := []string{st.Details}
	if x := SQLExecution(a, st); x != nil {
		texts = append(texts, x.Details)
	}
	for _, t := range texts {
		if cs := userFrame(t); cs != "" {
			return cs
		}
	}
	for _, t := range texts {
		if api := apiFrame(t); api != "" {
			return api
		}
	}
	return ""
}

// frameworkLocation reports whether file:line appears in details only on
// frames of Spark, the JVM or Py4J (the stage name then points into the
// runtime, not at user code).
func frameworkLocation(details, fileLine string) bool {
	for _, line := range strings.Split(details, "\n") {
		line = strings.TrimSpace(line)
		if strings.Contains(line, fileLine) {
			return isFrameworkFrame(line)
		}
	}
	return false
}

func userFrame(details string) string {
	for _, line := range strings.Split(details, "\n") {
		line = strings.TrimSpace(line)
		if isFrameworkFrame(line) {
			continue
		}
		if cs := callSiteIn(line); cs != "" {
			return cs
		}
	}
	return ""
}

func isFrameworkFrame(line string) bool {
	for _, p := range []string{"org.apache.spark.", "scala.", "java.", "javax.", "sun.", "py4j.", "jdk.", "java.base/", "com.databricks."} {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	return false
}

// apiFrame returns the public Spark API method the program called (see
// appmodel.SparkAPI, which stage names use too).
func apiFrame(details string) string { return appmodel.SparkAPI(details) }

func callSiteIn(s string) string {
	for _, m := range frameRe.FindAllStringSubmatch(s, -1) {
		file := m[1]
		base := file
		if i := strings.LastIndexByte(base, '/'); i >= 0 {
			base = base[i+1:]
		}
		if frameworkFile.MatchString(base) || frameworkFile.MatchString(file) || m[2] == "0" {
			continue
		}
		if strings.Contains(file, "/pyspark/") || strings.Contains(file, "site-packages/") {
			continue
		}
		return base + ":" + m[2]
	}
	return ""
}

// AppDuration is the application's wall-clock time in ms (at least 1).
func AppDuration(a *appmodel.Application) int64 {
	d := a.Duration()
	if d <= 0 {
		// No application times: span of the stages.
		var lo, hi int64
		for _, st := range a.Stages {
			if st.SubmissionTime > 0 && (lo == 0 || st.SubmissionTime < lo) {
				lo = st.SubmissionTime
			}
			if st.CompletionTime > hi {
				hi = st.CompletionTime
			}
		}
		d = hi - lo
	}
	if d <= 0 {
		return 1
	}
	return d
}

// TotalTaskTime is the summed executor run time of all stage attempts, in
// ms (at least 1).
func TotalTaskTime(a *appmodel.Application) int64 {
	var t int64
	for _, st := range a.Stages {
		t += st.Totals[appmodel.RunTime]
	}
	if t <= 0 {
		return 1
	}
	return t
}

// StageImpact is the impact of a problem that affects a whole stage attempt,
// with an estimated saving in ms.
func StageImpact(a *appmodel.Application, st *appmodel.Stage, savingsMs int64) Impact {
	wall := st.Duration()
	task := st.Totals[appmodel.RunTime]
	if savingsMs > wall && wall > 0 {
		savingsMs = wall
	}
	if savingsMs < 0 {
		savingsMs = 0
	}
	return Impact{
		WallClockMs: wall, WallClockShare: share(wall, AppDuration(a)),
		TaskTimeMs: task, TaskTimeShare: share(task, TotalTaskTime(a)),
		SavingsMs: savingsMs,
	}
}

func share(x, total int64) float64 {
	if total <= 0 {
		return 0
	}
	f := float64(x) / float64(total)
	if f > 1 {
		f = 1
	}
	return f
}

// SQLExecution returns the SQL execution that ran a stage, or nil.
func SQLExecution(a *appmodel.Application, st *appmodel.Stage) *appmodel.SQLExecution {
	if st.SQLExecutionID < 0 {
		return nil
	}
	for _, x := range a.SQL {
		if x.ID == st.SQLExecutionID {
			return x
		}
	}
	return nil
}

// Nodes returns the nodes of an execution's final plan whose name starts
// with prefix ("" for all), preorder.
func Nodes(x *appmodel.SQLExecution, prefix string) []*appmodel.PlanNode {
	var out []*appmodel.PlanNode
	x.FinalPlan().Walk(func(n *appmodel.PlanNode) bool {
		if strings.HasPrefix(n.Name, prefix) {
			out = append(out, n)
		}
		return true
	})
	return out
}

// MetricValue returns a node metric's total normalized by its type
// (timings in ms, sizes in bytes: appmodel.SQLMetric.Normalized), or -1
// when the node has no such metric or it was never set.
//
// Engines built on Spark name some metrics their own way (the RAPIDS
// plugin's "output rows" for "number of output rows"); those names are
// read as Spark's.
func MetricValue(n *appmodel.PlanNode, name string) int64 {
	m := n.Metric(name)
	if m == nil || !m.Set {
		for _, alias := range metricAliases[name] {
			if m = n.Metric(alias); m != nil && m.Set {
				return m.Normalized()
			}
		}
		return -1
	}
	return m.Normalized()
}

// metricAliases are the names other engines give Spark's SQL metrics.
var metricAliases = map[string][]string{
	"number of output rows": {"output rows", "numOutputRows"},
	"time to collect":       {"collect time"},
	"time to build":         {"build time"},
	"time to broadcast":     {"broadcast time"},
	"data size":             {"dataSize"},
}

// PropInt reads an integer Spark property, with a default.
func PropInt(a *appmodel.Application, key string, def int64) int64 {
	v, ok := a.SparkProps[key]
	if !ok {
		return def
	}
	n, err := ParseSize(v)
	if err != nil {
		return def
	}
	return n
}

// PropBool reads a boolean Spark property, with a default.
func PropBool(a *appmodel.Application, key string, def bool) bool {
	v, ok := a.SparkProps[key]
	if !ok {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return def
	}
	return b
}

// ParseSize reads a Spark size or count: "10485760", "10m", "10MB", "1g",
// "-1". Units are binary, as in Spark.
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"tb", 1 << 40}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"t", 1 << 40}, {"b", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s = strings.TrimSuffix(s, u.suffix)
			mult = u.m
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, err
	}
	return n * mult, nil
}

// SparkMajor returns the major version of Spark that wrote the log (0 when
// unknown).
func SparkMajor(a *appmodel.Application) int {
	v := a.SparkVersion
	if i := strings.IndexByte(v, '.'); i > 0 {
		n, _ := strconv.Atoi(v[:i])
		return n
	}
	return 0
}

// VersionAtLeast reports whether the log was written by Spark major.minor or
// later (false when the version is unknown).
func VersionAtLeast(a *appmodel.Application, major, minor int) bool {
	parts := strings.SplitN(a.SparkVersion, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(strings.TrimLeftFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}

// AQEEnabled reports whether adaptive query execution was on: the property
// when set, else Spark's default (on since 3.2).
func AQEEnabled(a *appmodel.Application) bool {
	return PropBool(a, "spark.sql.adaptive.enabled", VersionAtLeast(a, 3, 2))
}

// Current returns a property's value as set, or "(default)".
func Current(a *appmodel.Application, key string) string {
	if v, ok := a.SparkProps[key]; ok {
		return v
	}
	return "(default)"
}
