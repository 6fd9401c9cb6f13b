package advice

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// A Redactor replaces what could identify a company in a report with
// tokens, so that the report can be shared outside: application names,
// users, hosts, paths, table and column names, SQL text, plan strings and
// the files of call sites. A token is the kind of what it replaces and a
// shortened HMAC-SHA256 of it ("host-3fa19c2b", "code-0b1c2d3e.py"): the
// same input gives the same token throughout a report (and across runs
// that use the same key), so the report still reads consistently.
//
// The Redactor learns the sensitive strings from the model (Learn) and
// finds more in the report's text by pattern (paths, URIs, source files, IP
// addresses, e-mail addresses). What the detectors write themselves
// (numbers, units, configuration keys, Spark operator names) is kept.
type Redactor struct {
	key    []byte
	tokens map[string]string // original → token
	// byHead indexes the learned strings by their first word (or first
	// byte when they start with punctuation), longest first.
	byHead map[string][]string
}

// NewRedactor returns a Redactor keyed with key; an empty key draws a
// random one, so that tokens cannot be matched against guesses.
func NewRedactor(key []byte) *Redactor {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
	}
	return &Redactor{key: key, tokens: map[string]string{}, byHead: map[string][]string{}}
}

// Token kinds.
const (
	kindApp   = "app"
	kindUser  = "user"
	kindHost  = "host"
	kindPath  = "path"
	kindTable = "table"
	kindCol   = "col"
	kindSQL   = "sql"
	kindPlan  = "plan"
	kindCode  = "code"
)

// hash is the token of s for kind, without learning it.
func (r *Redactor) hash(kind, s string) string {
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(s))
	t := kind + "-" + hex.EncodeToString(m.Sum(nil))[:8]
	if kind == kindCode || kind == kindPath {
		// Keep the extension: it says what the file is (.py, .scala, .zstd).
		if ext := path.Ext(s); len(ext) > 1 && len(ext) <= 8 && isWordString(ext[1:]) {
			t += ext
		}
	}
	return t
}

// learn records s as sensitive; the first kind it is learnt as wins.
func (r *Redactor) learn(kind, s string) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || r.tokens[s] != "" {
		return
	}
	if kind == kindTable || kind == kindCol {
		if len(s) < 3 || genericWords[strings.ToLower(s)] {
			return
		}
	}
	if kind == kindCode {
		// A source file gets the same token with or without its
		// directories, so that call sites still match up.
		r.tokens[s] = r.hash(kind, path.Base(strings.ReplaceAll(s, "\\", "/")))
	} else {
		r.tokens[s] = r.hash(kind, s)
	}
	h := head(s)
	xs := r.byHead[h]
	i := sort.Search(len(xs), func(i int) bool { return len(xs[i]) < len(s) })
	r.byHead[h] = append(xs[:i], append([]string{s}, xs[i:]...)...)
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isWordString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return s != ""
}

// head is the index key of s: its leading word, or its first byte.
func head(s string) string {
	if !isWordByte(s[0]) {
		return s[:1]
	}
	i := 1
	for i < len(s) && isWordByte(s[i]) {
		i++
	}
	return s[:i]
}

// genericWords are names too common to identify anything; redacting them
// as table or column names would only garble the text.
var genericWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`default spark_catalog global_temp id key value values count sum avg min max
		name date time data type status the and for not null true false from table tables column
		columns row rows partition partitions stage stages task tasks job jobs size amount total
		number index item items event events result results string int long double boolean bigint
		decimal timestamp array map struct parquet orc json csv text delta hive file files path
		user users salt none all any left right inner outer cross join`) {
		genericWords[w] = true
	}
}

// Patterns of sensitive text in free text.
var (
	// Source files, with their directories: "/jobs/etl.py", "Etl.scala".
	sourceFileRe = regexp.MustCompile(`((?:[A-Za-z][\w+.-]*:/*)?(?:/?[\w.@%+=~-]+/)*[\w.@%+=~-]+\.(?:py|pyw|scala|java|kt|R|ipynb|jar|egg|whl))(?:[^\w.]|$)`)
	// URIs: "hdfs://nn/x", "s3a://bucket/k", "file:/tmp/x".
	uriRe = regexp.MustCompile(`\b[a-zA-Z][a-zA-Z0-9+.-]*:/+(?:[^\s'"<>()\[\]{},;|]|,[^\s'"<>()\[\]{},;|])+`)
	// Absolute paths (Unix and Windows).
	absPathRe = regexp.MustCompile(`(?:^|[\s'"(=\[,:{])((?:/(?:[^\s'"<>()\[\]{},;:|/]|,[^\s'"<>()\[\]{},;:|/])+)+/?|[A-Za-z]:\\[^\s'"<>()\[\]{},;|]+)`)
	ipv4Re    = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)
	emailRe   = regexp.MustCompile(`\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b`)
	// Column references in plans: "user_id#33L".
	attrRe = regexp.MustCompile(`([A-Za-z_][\w]*)#\d+L?`)
	// Quoted identifiers: "`db`.`tbl`".
	backtickRe = regexp.MustCompile("`([^`]{1,200})`")
	// Tables in plan strings and SQL text.
	planTableRe = regexp.MustCompile(`(?:(?:File|Batch)?Scan(?: \w+)?|Relation|HiveTableRelation|InsertIntoHiveTable|InsertIntoTable|` +
		`CreateDataSourceTableAsSelectCommand|CreateHiveTableAsSelectCommand|CreateTable\w*|AppendData\w*|OverwriteByExpression\w*|` +
		`ReplaceData|WriteDelta|MergeIntoTable|DeleteFromTable|UpdateTable|DropTable\w*|AlterTable\w*)\s*[\[(]?\s*((?:[A-Za-z_][\w$]*\.)*[A-Za-z_][\w$]*)`)
	sqlTableRe = regexp.MustCompile(`(?i)\b(?:from|join|into|table|update|using)\s+((?:[A-Za-z_][\w$]*\.)*[A-Za-z_][\w$]*)`)
	// "count at etl.py:42": a call site, whose file is redacted and whose
	// operation is kept.
	callSiteNameRe = regexp.MustCompile(`^[\w.$<>]+ at \S+$`)
)

// jvmFrames are call-site files of the JVM itself, kept as they are.
var jvmFrames = map[string]bool{"NativeMethodAccessorImpl.java": true, "DelegatingMethodAccessorImpl.java": true,
	"Method.java": true, "Thread.java": true, "FutureTask.java": true, "ThreadPoolExecutor.java": true}

// Learn records the sensitive strings of an application: its name and user,
// the hosts of its executors, its SQL text and plans, the tables and
// columns they name, and the call sites of its jobs and stages.
func (r *Redactor) Learn(app *appmodel.Application) {
	r.learn(kindApp, app.Name)
	r.learn(kindApp, app.SparkProps["spark.app.name"])
	r.learn(kindUser, app.User)
	r.learn(kindUser, app.SystemProps["user.name"])
	r.learn(kindHost, app.SparkProps["spark.driver.host"])
	for _, e := range app.Executors {
		r.learn(kindHost, e.Host)
		if h, _, ok := strings.Cut(e.HostPort, ":"); ok {
			r.learn(kindHost, h)
		}
	}
	plan := func(s string) {
		for _, m := range attrRe.FindAllStringSubmatch(s, -1) {
			r.learn(kindCol, m[1])
		}
		r.tables(s, planTableRe)
		r.text(s)
	}
	for _, x := range app.SQL {
		r.sqlText(x.Description)
		r.text(x.Details)
		plan(x.PlanDescription)
		for _, p := range x.Plans {
			p.Walk(func(n *appmodel.PlanNode) bool {
				plan(n.SimpleString)
				for k, v := range n.Metadata {
					if k == "ReadSchema" {
						r.schema(v)
					} else {
						plan(v)
					}
				}
				return true
			})
		}
		if x.PlanDescription != "" && len(x.PlanDescription) <= 4096 {
			r.learn(kindPlan, x.PlanDescription)
		}
	}
	for _, j := range app.Jobs {
		r.sqlText(j.Description)
		r.text(j.Name)
		r.text(j.CallSite)
		r.text(j.JobGroup)
	}
	for _, s := range app.Stages {
		r.sqlText(s.Description)
		r.text(s.Name)
		r.text(s.Details)
	}
	for _, d := range app.RDDs {
		r.text(d.Name)
		r.text(d.CallSite)
	}
	for _, q := range app.Streaming {
		r.learn(kindSQL, q.Name)
	}
}

// sqlText learns a SQL text or description, the tables it names, and the
// first line that reports show.
func (r *Redactor) sqlText(s string) {
	if strings.TrimSpace(s) == "" {
		return
	}
	r.tables(s, sqlTableRe)
	r.text(s)
	if len(s) <= 4096 {
		r.learn(kindSQL, s)
	}
	r.learn(kindSQL, label(s))
}

func (r *Redactor) tables(s string, re *regexp.Regexp) {
	for _, m := range re.FindAllStringSubmatch(s, -1) {
		r.table(m[1])
	}
	for _, m := range backtickRe.FindAllStringSubmatch(s, -1) {
		r.table(m[1])
	}
}

// table learns a table name and each of its dotted parts.
func (r *Redactor) table(name string) {
	r.learn(kindTable, name)
	if strings.Contains(name, ".") {
		for _, p := range strings.Split(name, ".") {
			r.learn(kindTable, p)
		}
	}
}

// schema learns the field names of a "struct<a:int,b:string>" schema.
func (r *Redactor) schema(s string) {
	for _, f := range strings.FieldsFunc(s, func(c rune) bool { return c == '<' || c == '>' || c == ',' }) {
		if name, _, ok := strings.Cut(f, ":"); ok {
			r.learn(kindCol, strings.Trim(name, "`"))
		}
	}
}

// text learns what the patterns find in free text: source files, URIs,
// paths, IP and e-mail addresses.
func (r *Redactor) text(s string) {
	if s == "" {
		return
	}
	for _, m := range sourceFileRe.FindAllStringSubmatch(s, -1) {
		if !jvmFrames[m[1]] {
			r.learn(kindCode, m[1])
		}
	}
	for _, m := range uriRe.FindAllString(s, -1) {
		r.path(m)
	}
	for _, m := range absPathRe.FindAllStringSubmatch(s, -1) {
		r.path(m[1])
	}
	for _, m := range ipv4Re.FindAllString(s, -1) {
		r.learn(kindHost, m)
	}
	for _, m := range emailRe.FindAllString(s, -1) {
		r.learn(kindUser, m)
	}
}

// path learns a path or URI, and its last part: a table's directory is
// often named after the table.
func (r *Redactor) path(p string) {
	r.learn(kindPath, p)
	p = strings.TrimRight(p, "/\\")
	if i := strings.LastIndexAny(p, "/\\"); i >= 0 && i+1 < len(p) {
		last := p[i+1:]
		if !strings.ContainsAny(last, "=:*?") && path.Ext(last) == "" {
			r.learn(kindTable, last)
		}
	}
}

// replace rewrites every learned string in s with its token. A learned
// string that starts or ends with a letter, digit or '_' only matches at a
// word boundary there.
func (r *Redactor) replace(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		var key string
		switch {
		case isWordByte(s[i]):
			if i > 0 && isWordByte(s[i-1]) {
				i++
				continue
			}
			key = head(s[i:])
		default:
			key = s[i : i+1]
		}
		matched := ""
		for _, c := range r.byHead[key] {
			if strings.HasPrefix(s[i:], c) {
				end := i + len(c)
				if end < len(s) && isWordByte(c[len(c)-1]) && isWordByte(s[end]) {
					continue
				}
				matched = c
				break
			}
		}
		if matched == "" {
			if isWordByte(s[i]) {
				i += len(key)
			} else {
				i++
			}
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(r.tokens[matched])
		i += len(matched)
		last = i
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// field rules by JSON path ("." separated, "[]" for array elements).
var (
	// keptFields are written by sparkdiag or are identifiers with no
	// meaning outside the application.
	keptFields = map[string]bool{
		"tool.name": true, "tool.version": true, "input.layout": true, "input.parts[].codec": true,
		"app.id": true, "app.attemptId": true, "app.sparkVersion": true, "app.startTime": true, "app.endTime": true,
		"findings[].id": true, "findings[].detectorId": true, "findings[].detector": true, "findings[].category": true,
		"findings[].subject.kind": true, "findings[].subject.executorId": true, "findings[].subject.queryId": true,
		"findings[].subject.configKey": true, "findings[].sqlOperator": true, "findings[].evidence[].unit": true,
		"findings[].evidence[].op": true, "findings[].advice.questions[]": true, "findings[].advice.changes[].key": true,
		"detectorsRun[]":                         true,
		"charts.timeline.sqlExecutions[].status": true, "charts.timeline.sqlExecutions[].findings[]": true,
		"charts.timeline.jobs[].status": true, "charts.timeline.jobs[].findings[]": true,
		"charts.timeline.stages[].status": true, "charts.timeline.stages[].findings[]": true,
		"charts.topStages[].status": true, "charts.topStages[].findings[]": true,
		"charts.taskDistributions[].findings[]": true, "charts.executors.spans[].executorId": true,
	}
	// wholeFields are replaced as a whole by a token of their kind.
	wholeFields = map[string]string{
		"app.name": kindApp, "app.sparkUser": kindUser, "input.path": kindPath, "input.parts[].name": kindPath,
		"input.problems[].file": kindPath, "charts.timeline.sqlExecutions[].description": kindSQL,
	}
	// callSiteFields hold a stage or job name: "count at etl.py:42" keeps
	// its operation; anything else is replaced as a whole.
	callSiteFields = map[string]bool{
		"findings[].subject.name": true, "charts.timeline.jobs[].name": true, "charts.timeline.stages[].name": true,
		"charts.topStages[].name": true, "charts.taskDistributions[].name": true,
	}
)

// Report returns a redacted copy of rep; rep is left as it is. Call Learn
// with the report's application first.
func (r *Redactor) Report(rep *Report) *Report {
	b, err := json.Marshal(rep)
	if err != nil {
		panic(err) // a Report always marshals
	}
	out := &Report{}
	if err := json.Unmarshal(b, out); err != nil {
		panic(err)
	}
	v := reflect.ValueOf(out).Elem()
	// Learn first what the patterns find anywhere in the report, then
	// replace: a string gets the same token wherever it appears.
	walkStrings(v, "", func(p, s string) string {
		switch {
		case keptFields[p]:
		case wholeFields[p] != "":
			if s != "" {
				r.learn(wholeFields[p], s)
			}
		default:
			r.text(s)
		}
		return s
	})
	walkStrings(v, "", func(p, s string) string {
		switch {
		case s == "" || keptFields[p]:
			return s
		case wholeFields[p] != "":
			if t := r.tokens[strings.TrimSpace(s)]; t != "" {
				return t
			}
			return r.hash(wholeFields[p], s)
		case callSiteFields[p] && !callSiteNameRe.MatchString(s):
			if t := r.tokens[strings.TrimSpace(s)]; t != "" {
				return t
			}
			return r.hash(kindCode, s)
		}
		return r.replace(s)
	})
	return out
}

// walkStrings calls fn on every string in v (struct fields by their JSON
// names, map keys and values) and stores what it returns.
func walkStrings(v reflect.Value, p string, fn func(path, s string) string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), p, fn)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			if f.Anonymous {
				walkStrings(v.Field(i), p, fn)
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			q := name
			if p != "" {
				q = p + "." + name
			}
			walkStrings(v.Field(i), q, fn)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walkStrings(v.Index(i), p+"[]", fn)
		}
	case reflect.Map:
		if v.IsNil() || v.Type().Key().Kind() != reflect.String {
			return
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		iter := v.MapRange()
		for iter.Next() {
			k := fn(p+"{}", iter.Key().String())
			val := reflect.New(v.Type().Elem()).Elem()
			val.Set(iter.Value())
			walkStrings(val, p+"{}", fn)
			m.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), val)
		}
		v.Set(m)
	case reflect.String:
		if v.CanSet() {
			v.SetString(fn(p, v.String()))
		}
	}
}
