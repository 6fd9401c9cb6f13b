package appmodel_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// ---- environment (applications/{id}/environment) ----

// pairs compares a list of [key, value] pairs (sorted by key in the
// answer) with a map.
func (c *checker) pairs(obj, field string, want any, got map[string]string) {
	list, ok := want.([]any)
	if !ok {
		c.fields++
		c.errorf(obj, field, "not a list")
		return
	}
	m := map[string]any{}
	for _, x := range list {
		p, _ := x.([]any)
		if len(p) != 2 {
			c.errorf(obj, field, "bad pair %v", x)
			continue
		}
		m[fmt.Sprint(p[0])] = p[1]
	}
	c.strMap(obj, field, m, got)
	c.fields += len(m)
}

func compareEnvironment(c *checker, want any, app *appmodel.Application) {
	obj, ok := want.(map[string]any)
	if !ok {
		c.errorf("environment", "", "not an object")
		return
	}
	const where = "environment"
	c.walk(where, obj, map[string]rule{
		"runtime": req(func(w any) {
			m, _ := w.(map[string]any)
			c.walk(where+" runtime", m, map[string]rule{
				"javaVersion":  req(func(x any) { c.str(where, "runtime.javaVersion", x, app.JVM["Java Version"]) }),
				"javaHome":     req(func(x any) { c.str(where, "runtime.javaHome", x, app.JVM["Java Home"]) }),
				"scalaVersion": req(func(x any) { c.str(where, "runtime.scalaVersion", x, app.JVM["Scala Version"]) }),
			}, nil)
		}),
		"sparkProperties":   req(func(w any) { c.pairs(where, "sparkProperties", w, app.SparkProps) }),
		"hadoopProperties":  req(func(w any) { c.pairs(where, "hadoopProperties", w, app.HadoopProps) }),
		"systemProperties":  req(func(w any) { c.pairs(where, "systemProperties", w, app.SystemProps) }),
		"metricsProperties": req(func(w any) { c.pairs(where, "metricsProperties", w, app.MetricsProps) }),
		"classpathEntries":  req(func(w any) { c.pairs(where, "classpathEntries", w, app.Classpath) }),
		"resourceProfiles":  req(func(w any) { compareResourceProfiles(c, w, app.ResourceProfiles) }),
	}, nil)
}

func compareResourceProfiles(c *checker, want any, got []*appmodel.ResourceProfile) {
	list, _ := want.([]any)
	c.fields++
	if len(list) != len(got) {
		c.mismatch("environment", "resourceProfiles (count)", len(list), len(got))
	}
	byID := map[string]*appmodel.ResourceProfile{}
	for _, p := range got {
		byID[strconv.Itoa(p.ID)] = p
	}
	for _, x := range list {
		obj, _ := x.(map[string]any)
		id := fmt.Sprint(obj["id"])
		where := "resource profile " + id
		p := byID[id]
		if p == nil {
			c.errorf(where, "", "missing from the model")
			continue
		}
		c.walk(where, obj, map[string]rule{
			"id": req(func(w any) { c.num(where, "id", w, int64(p.ID)) }),
			"executorResources": req(func(w any) {
				m, _ := w.(map[string]any)
				c.fields++
				if len(m) != len(p.ExecutorResources) {
					c.mismatch(where, "executorResources (count)", len(m), len(p.ExecutorResources))
				}
				for name, x := range m {
					r, ok := p.ExecutorResources[name]
					f := "executorResources." + name
					if !ok {
						c.errorf(where, f, "missing from the model")
						continue
					}
					rm, _ := x.(map[string]any)
					c.walk(where, rm, map[string]rule{
						"resourceName":    req(func(v any) { c.str(where, f+".resourceName", v, name) }),
						"amount":          req(func(v any) { c.num(where, f+".amount", v, r.Amount) }),
						"discoveryScript": req(func(v any) { c.str(where, f+".discoveryScript", v, r.DiscoveryScript) }),
						"vendor":          req(func(v any) { c.str(where, f+".vendor", v, r.Vendor) }),
					}, nil)
				}
			}),
			"taskResources": req(func(w any) {
				m, _ := w.(map[string]any)
				c.fields++
				if len(m) != len(p.TaskResources) {
					c.mismatch(where, "taskResources (count)", len(m), len(p.TaskResources))
				}
				for name, x := range m {
					amount, ok := p.TaskResources[name]
					f := "taskResources." + name
					if !ok {
						c.errorf(where, f, "missing from the model")
						continue
					}
					rm, _ := x.(map[string]any)
					c.walk(where, rm, map[string]rule{
						"resourceName": req(func(v any) { c.str(where, f+".resourceName", v, name) }),
						"amount": req(func(v any) {
							c.fields++
							if f, err := v.(json.Number).Float64(); err != nil || f != amount {
								c.mismatch(where, "taskResources."+name+".amount", v, amount)
							}
						}),
					}, nil)
				}
			}),
		}, nil)
	}
}

// ---- SQL (applications/{id}/sql) ----

// compareSQL compares the SQL executions. The plan graph (nodes, edges)
// and its metric strings are deliberately not compared: see "Where
// sparkdiag deliberately differs" in docs/history-server-semantics.md.
func compareSQL(c *checker, want any, app *appmodel.Application) {
	list, ok := want.([]any)
	if !ok {
		c.errorf("sql", "", "not a list")
		return
	}
	c.fields++
	if len(list) != len(app.SQL) {
		c.mismatch("sql", "count", len(list), len(app.SQL))
	}
	byID := map[string]*appmodel.SQLExecution{}
	for _, x := range app.SQL {
		byID[strconv.FormatInt(x.ID, 10)] = x
	}
	jobStatus := map[int]appmodel.JobStatus{}
	for _, j := range app.Jobs {
		jobStatus[j.ID] = j.Status
	}
	for _, w := range list {
		obj, _ := w.(map[string]any)
		id := fmt.Sprint(obj["id"])
		where := "sql execution " + id
		x := byID[id]
		if x == nil {
			c.errorf(where, "", "missing from the model")
			continue
		}
		jobs := map[appmodel.JobStatus][]string{}
		for _, j := range x.JobIDs {
			s := jobStatus[j]
			jobs[s] = append(jobs[s], strconv.Itoa(j))
		}
		c.walk(where, obj, map[string]rule{
			"id":              req(func(v any) { c.num(where, "id", v, x.ID) }),
			"rootExecutionId": req(func(v any) { c.num(where, "rootExecutionId", v, x.RootID) }),
			"status":          req(func(v any) { c.str(where, "status", v, x.Status) }),
			"description":     req(func(v any) { c.str(where, "description", v, x.Description) }),
			"errorMessage": opt(func(v any) {
				// The field arrived in the 4.x REST API: a 3.x server never
				// writes it, even for a failed execution.
				if v == nil && strings.HasPrefix(app.SparkVersion, "3.") {
					c.skip("errorMessage (not in the 3.x API)")
					return
				}
				c.optStr(where, "errorMessage", v, x.ErrorMessage)
			}),
			"submissionTime": req(func(v any) { c.date(where, "submissionTime", v, x.StartTime) }),
			"duration": req(func(v any) {
				if x.EndTime == 0 {
					c.skip("duration (running)") // the server's clock
					return
				}
				c.num(where, "duration", v, x.EndTime-x.StartTime)
			}),
			"planDescription": req(func(v any) {
				s, _ := v.(string)
				if len(s) > eventlog.MaxCapped {
					// The model keeps the first MaxCapped bytes.
					c.skip("planDescription (capped)")
					return
				}
				c.str(where, "planDescription", v, x.PlanDescription)
			}),
			"runningJobIds":   req(func(v any) { c.strSet(where, "runningJobIds", v, jobs[appmodel.JobRunning]) }),
			"successJobIds":   req(func(v any) { c.strSet(where, "successJobIds", v, jobs[appmodel.JobSucceeded]) }),
			"failedJobIds":    req(func(v any) { c.strSet(where, "failedJobIds", v, jobs[appmodel.JobFailed]) }),
			"modifiedConfigs": req(func(v any) { c.strMap(where, "modifiedConfigs", v, x.ModifiedConfigs) }),
		}, map[string]string{
			"nodes":   "deliberately differs: plan graph and SQL metric strings",
			"edges":   "deliberately differs: plan graph",
			"queryId": "not modelled",
		})
	}
}

// ---- the corpus of real runs ----

// corpusLabels is the part of testdata/spark/labels.json the comparison
// needs.
type corpusLabels struct {
	Logs []struct {
		Path  string `json:"path"`
		AppID string `json:"appId"`
		Spark string `json:"spark"`
	} `json:"logs"`
}

// hsDirOf names the History Server answers of a corpus log: the log
// logs/<version>/<name> has its answers in hs/<version>/<name>/.
func hsDirOf(logPath string) string {
	return filepath.Join("hs", strings.TrimPrefix(filepath.ToSlash(logPath), "logs/"))
}

// corpusEndpoints maps an answer file to its comparison. Each file holds
// the answer to applications/<appId>/<endpoint> (see
// testdata/spark/tools/hs_oracle.py for the query parameters).
var corpusEndpoints = map[string]func(c *checker, want any, a hsApp){
	"application":  func(c *checker, w any, a hsApp) { compareApplication(c, w, []hsApp{a}) },
	"jobs":         func(c *checker, w any, a hsApp) { compareJobs(c, w, a.App) },
	"stages":       func(c *checker, w any, a hsApp) { compareStageList(c, w, a.App) },
	"allexecutors": func(c *checker, w any, a hsApp) { compareExecutors(c, w, a.App, false) },
	"executors":    func(c *checker, w any, a hsApp) { compareExecutors(c, w, a.App, true) },
	"sql":          func(c *checker, w any, a hsApp) { compareSQL(c, w, a.App) },
	"environment":  func(c *checker, w any, a hsApp) { compareEnvironment(c, w, a.App) },
}

// TestCorpusAgainstHistoryServer compares the model of every corpus log
// under testdata/spark/logs with the History Server's answers saved under
// testdata/spark/hs (one directory per log, named after it; labels.json
// lists the logs). It skips when there are none.
func TestCorpusAgainstHistoryServer(t *testing.T) {
	root := testlogs.Testdata("spark")
	data, err := os.ReadFile(filepath.Join(root, "labels.json"))
	if os.IsNotExist(err) {
		t.Skip("no testdata/spark/labels.json")
	}
	if err != nil {
		t.Fatal(err)
	}
	var labels corpusLabels
	if err := json.Unmarshal(data, &labels); err != nil {
		t.Fatalf("labels.json: %v", err)
	}
	known := map[string]string{} // hs dir -> log path
	for _, l := range labels.Logs {
		known[hsDirOf(l.Path)] = l.Path
	}
	// Every answer directory must belong to a labelled log.
	dirs, _ := filepath.Glob(filepath.Join(root, "hs", "*", "*"))
	if len(dirs) == 0 {
		t.Skip("no History Server answers under testdata/spark/hs")
	}
	sort.Strings(dirs)
	total := 0
	for _, dir := range dirs {
		rel, _ := filepath.Rel(root, dir)
		logPath, ok := known[rel]
		if !ok {
			t.Errorf("%s: no log in labels.json maps to it (logs/<version>/<name> has its answers in hs/<version>/<name>)", rel)
			continue
		}
		t.Run(filepath.ToSlash(strings.TrimPrefix(rel, "hs"+string(filepath.Separator))), func(t *testing.T) {
			a := loadApp(t, filepath.Join(root, logPath))
			// The answers must come from this very log: a regenerated log
			// has a new application id, and its old answers cannot be
			// compared (the corpus tools must produce them again).
			if app, err := readJSON(filepath.Join(dir, "application.json")); err == nil {
				obj, _ := app.(map[string]any)
				if id, _ := obj["id"].(string); id != a.App.ID {
					t.Skipf("STALE: %s answers application %s, but %s is now application %s: the log was regenerated without its answers",
						rel, id, logPath, a.App.ID)
				}
			}
			files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
			sort.Strings(files)
			for _, f := range files {
				endpoint := strings.TrimSuffix(filepath.Base(f), ".json")
				cmp := corpusEndpoints[endpoint]
				if cmp == nil {
					t.Errorf("%s: unknown endpoint %q", rel, endpoint)
					continue
				}
				want, err := readJSON(f)
				if err != nil {
					t.Fatal(err)
				}
				c := newChecker(filepath.ToSlash(filepath.Join(rel, filepath.Base(f))), hsOptions{})
				cmp(c, want, a)
				report(t, c)
				total += c.fields
			}
		})
	}
	t.Logf("%d logs, %d fields compared", len(dirs), total)
}
