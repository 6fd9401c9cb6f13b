// Package jobkey says which recurring job an application run belongs to
// (its job key) and what it did (its Shape), so that a run is compared
// only with earlier runs of the same job that did the same work.
//
// A job key is built from a spec, a comma list of parts (Parse):
//
//	name          the application name (spark.app.name)
//	user          the Spark user
//	queue         spark.yarn.queue, else spark.kubernetes.namespace
//	conf:KEY      any Spark configuration value (conf:spark.app.jobName)
//	regex:EXPR    a regular expression over the name: the key takes its
//	              capture groups, joined, or the whole match
//	auto          a well-known job id when the run has one (Databricks job
//	              id, spark.app.jobName, Airflow dag and task, OpenLineage
//	              parent job), else the name
//	shell-names   opt in: default names (DefaultName) are a job too
//
// The default spec is "auto,user". A run whose name is one Spark or a
// notebook gives by default ("Spark shell", "pyspark-shell", ...) has no
// job identity unless the spec says shell-names, or the key does not use
// the name (a well-known job id, conf parts): such a run is analyzed and
// reported, but neither recorded nor compared.
package jobkey

import (
	"fmt"
	"regexp"
	"strings"
)

// DefaultSpec is the spec used when none is given.
const DefaultSpec = "auto,user"

// Part kinds.
const (
	PartName   = "name"
	PartUser   = "user"
	PartQueue  = "queue"
	PartConf   = "conf"
	PartRegex  = "regex"
	PartAuto   = "auto"
	ShellNames = "shell-names"
)

// Part is one part of a spec.
type Part struct {
	Kind string
	// Arg is the configuration key of a conf part, the expression of a
	// regex part.
	Arg string
	re  *regexp.Regexp
}

// Spec is a parsed job-key spec.
type Spec struct {
	Parts []Part
	// ShellNames makes default application names a job too.
	ShellNames bool
	text       string
}

// String is the spec as given (normalized).
func (s *Spec) String() string { return s.text }

// Default is the default spec, parsed.
func Default() *Spec { return defaultSpec }

var defaultSpec = func() *Spec {
	s, err := Parse(DefaultSpec)
	if err != nil {
		panic(err)
	}
	return s
}()

// Parse reads a spec (see the package documentation). A regex part may
// hold commas as long as what follows a comma does not start like another
// part ("name", "user", "conf:", ...). An empty spec is the default.
func Parse(spec string) (*Spec, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "default" {
		spec = DefaultSpec
	}
	var pieces []string
	for _, p := range strings.Split(spec, ",") {
		if len(pieces) > 0 && strings.HasPrefix(pieces[len(pieces)-1], PartRegex+":") && !startsPart(p) {
			pieces[len(pieces)-1] += "," + p
			continue
		}
		pieces = append(pieces, p)
	}
	s := &Spec{}
	var norm []string
	seen := map[string]bool{}
	for _, p := range pieces {
		p = strings.TrimSpace(p)
		kind, arg, _ := strings.Cut(p, ":")
		part := Part{Kind: kind, Arg: arg}
		switch kind {
		case PartName, PartUser, PartQueue, PartAuto:
			if arg != "" {
				return nil, fmt.Errorf("job key %q: part %q takes no argument", spec, p)
			}
		case ShellNames:
			if arg != "" {
				return nil, fmt.Errorf("job key %q: part %q takes no argument", spec, p)
			}
			s.ShellNames = true
			norm = append(norm, p)
			continue
		case PartConf:
			if strings.TrimSpace(arg) == "" {
				return nil, fmt.Errorf("job key %q: conf: needs a configuration key, e.g. conf:spark.app.jobName", spec)
			}
			part.Arg = strings.TrimSpace(arg)
		case PartRegex:
			re, err := regexp.Compile(arg)
			if err != nil {
				return nil, fmt.Errorf("job key %q: regex %q: %v", spec, arg, err)
			}
			part.re = re
		case "":
			return nil, fmt.Errorf("job key %q: an empty part", spec)
		default:
			return nil, fmt.Errorf("job key %q: unknown part %q: want name, user, queue, auto, conf:KEY, regex:EXPR or shell-names", spec, p)
		}
		if id := part.Kind + ":" + part.Arg; seen[id] {
			return nil, fmt.Errorf("job key %q: part %q given twice", spec, p)
		} else {
			seen[id] = true
		}
		s.Parts = append(s.Parts, part)
		norm = append(norm, p)
	}
	if len(s.Parts) == 0 {
		return nil, fmt.Errorf("job key %q: no part makes a key (shell-names alone is not a key); e.g. name,user", spec)
	}
	s.text = strings.Join(norm, ",")
	return s, nil
}

func startsPart(p string) bool {
	p = strings.TrimSpace(p)
	switch p {
	case PartName, PartUser, PartQueue, PartAuto, ShellNames:
		return true
	}
	return strings.HasPrefix(p, PartConf+":") || strings.HasPrefix(p, PartRegex+":")
}

// Info is what a job key is computed from.
type Info struct {
	Name string
	User string
	// Conf is the application's Spark configuration (spark.* properties).
	Conf map[string]string
}

// Key is the job identity of a run.
type Key struct {
	// Key is the job key, parts "label=value" joined by " | " (e.g.
	// "name=daily_orders_etl | user=etl"); "" when the run has no job
	// identity.
	Key string `json:"key"`
	// By names what made the key: the spec's parts, with auto replaced by
	// what it used ("databricks-job", "jobName", "airflow",
	// "openlineage" or "name").
	By string `json:"by"`
	// Note says why there is no job identity ("" when there is one).
	Note string `json:"note,omitempty"`
}

// Well-known job identities that auto uses instead of the name, in order.
// Each gives a label and a value, "" when the run does not have it.
var wellKnown = []struct {
	label string
	get   func(conf map[string]string) string
}{
	{"databricks-job", func(c map[string]string) string {
		if v := c["spark.databricks.job.id"]; v != "" {
			return v
		}
		// A job cluster is named "job-<job id>-run-<run id>[-<task>]".
		if m := dbJobCluster.FindStringSubmatch(c["spark.databricks.clusterUsageTags.clusterName"]); m != nil {
			return m[1]
		}
		return ""
	}},
	{"jobName", func(c map[string]string) string { return c["spark.app.jobName"] }},
	{"airflow", func(c map[string]string) string {
		dag, task := c["spark.airflow.dag_id"], c["spark.airflow.task_id"]
		if dag == "" {
			return ""
		}
		if task != "" {
			return dag + "." + task
		}
		return dag
	}},
	{"openlineage", func(c map[string]string) string {
		name := c["spark.openlineage.parentJobName"]
		if name == "" {
			return ""
		}
		if ns := c["spark.openlineage.parentJobNamespace"]; ns != "" {
			return ns + "/" + name
		}
		return name
	}},
}

var dbJobCluster = regexp.MustCompile(`^job-(\d+)-run-\d+`)

// Compute is the job key of a run under spec (nil: the default).
func Compute(spec *Spec, in Info) Key {
	if spec == nil {
		spec = defaultSpec
	}
	var parts, by []string
	usesName := false
	for _, p := range spec.Parts {
		switch p.Kind {
		case PartName:
			usesName = true
			parts, by = append(parts, "name="+in.Name), append(by, PartName)
		case PartUser:
			parts, by = append(parts, "user="+in.User), append(by, PartUser)
		case PartQueue:
			q := in.Conf["spark.yarn.queue"]
			if q == "" {
				q = in.Conf["spark.kubernetes.namespace"]
			}
			parts, by = append(parts, "queue="+q), append(by, PartQueue)
		case PartConf:
			v, ok := in.Conf[p.Arg]
			if !ok || v == "" {
				return Key{By: spec.String(), Note: fmt.Sprintf("no job identity: %s is not set", p.Arg)}
			}
			parts, by = append(parts, p.Arg+"="+v), append(by, "conf:"+p.Arg)
		case PartRegex:
			usesName = true
			v, ok := regexKey(p.re, in.Name)
			if !ok {
				return Key{By: spec.String(), Note: fmt.Sprintf("no job identity: the name does not match %s", p.Arg)}
			}
			parts, by = append(parts, "name~"+v), append(by, "regex:"+p.Arg)
		case PartAuto:
			found := false
			for _, w := range wellKnown {
				if v := w.get(in.Conf); v != "" {
					parts, by = append(parts, w.label+"="+v), append(by, w.label)
					found = true
					break
				}
			}
			if !found {
				usesName = true
				parts, by = append(parts, "name="+in.Name), append(by, PartName)
			}
		}
	}
	if usesName {
		if strings.TrimSpace(in.Name) == "" {
			return Key{By: strings.Join(by, ","), Note: "no job identity: the application has no name"}
		}
		if !spec.ShellNames && DefaultName(in.Name) {
			return Key{By: strings.Join(by, ","), Note: fmt.Sprintf("no job identity: default application name %q (--job-key %s,shell-names compares such runs)", in.Name, spec.String())}
		}
	}
	return Key{Key: strings.Join(parts, " | "), By: strings.Join(by, ",")}
}

// regexKey is the key a regex part takes from name: its capture groups
// joined by "/", or the whole match when it has no groups.
func regexKey(re *regexp.Regexp, name string) (string, bool) {
	m := re.FindStringSubmatch(name)
	if m == nil {
		return "", false
	}
	if len(m) == 1 {
		return m[0], true
	}
	return strings.Join(m[1:], "/"), true
}

// defaultNames are the application names that Spark's shells and the
// usual notebooks give when the user names nothing: one name for every
// session of every user, not a job.
var defaultNames = map[string]bool{
	"spark shell":             true, // spark-shell (Scala REPL)
	"pysparkshell":            true, // the pyspark shell
	"pyspark-shell":           true, // a SparkSession built from Python with no appName (Jupyter, scripts)
	"pythonshell":             true, // notebook front ends' Python kernels
	"sparkr":                  true, // the SparkR shell and sparkR.session()
	"sparklyr":                true, // sparklyr's spark_connect()
	"databricks shell":        true, // a Databricks interactive cluster's notebooks
	"zeppelin":                true, // Apache Zeppelin's Spark interpreter
	"thrift jdbc/odbc server": true, // the Spark Thrift Server: every client's queries
}

// defaultPatterns are default names with a host or a number in them.
var defaultPatterns = []*regexp.Regexp{
	regexp.MustCompile(`^SparkSQL::`),       // the spark-sql CLI: "SparkSQL::<host>"
	regexp.MustCompile(`^livy-session-\d+`), // Apache Livy sessions
	regexp.MustCompile(`^Spark Connect`),    // the Spark Connect server
}

// DefaultName reports whether name is one that Spark's shells and the
// usual notebooks give by default ("Spark shell", "pyspark-shell",
// "PySparkShell", "SparkR", "sparklyr", "Databricks Shell", "Zeppelin",
// "SparkSQL::<host>", "livy-session-<n>", the Thrift server),
// compared without case.
func DefaultName(name string) bool {
	n := strings.TrimSpace(name)
	if defaultNames[strings.ToLower(n)] {
		return true
	}
	for _, re := range defaultPatterns {
		if re.MatchString(n) {
			return true
		}
	}
	return false
}
