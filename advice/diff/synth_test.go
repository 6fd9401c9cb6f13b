package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/advice/jobkey"
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// A synthetic application, written as Spark event-log lines and read back
// through the real reader, so that the tests exercise the model as the
// command does.

type sTask struct {
	ms      int64 // duration (= run time)
	in      int64 // input bytes
	inRows  int64
	sr      int64 // shuffle read bytes (local)
	srRows  int64
	sw      int64 // shuffle write bytes
	swRows  int64
	outRows int64
	spill   int64 // disk bytes spilled (memory spill = 2x)
	failed  bool
}

type sStage struct {
	id, attempt int
	name        string
	frame       string // first frame of Details
	tasks       []sTask
	numTasks    int  // partitions; len(tasks) when 0
	skipped     bool // listed by the job, never run
}

type sJob struct {
	id     int
	stages []sStage
	failed bool
}

type sApp struct {
	name  string
	id    string
	props map[string]string
	jobs  []sJob
}

// uniform makes n identical tasks.
func uniform(n int, t sTask) []sTask {
	ts := make([]sTask, n)
	for i := range ts {
		ts[i] = t
	}
	return ts
}

func (a sApp) log() []byte {
	var b bytes.Buffer
	ev := func(v map[string]any) {
		line, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	props := map[string]string{"spark.app.name": a.name, "spark.app.id": a.id, "spark.master": "local[2]"}
	for k, v := range a.props {
		props[k] = v
	}
	now := int64(1_700_000_000_000)
	ev(map[string]any{"Event": "SparkListenerLogStart", "Spark Version": "3.5.9"})
	ev(map[string]any{"Event": "SparkListenerEnvironmentUpdate", "JVM Information": map[string]string{},
		"Spark Properties": props, "Hadoop Properties": map[string]string{}, "System Properties": map[string]string{}, "Classpath Entries": map[string]string{}})
	ev(map[string]any{"Event": "SparkListenerApplicationStart", "App Name": a.name, "App ID": a.id, "Timestamp": now, "User": "test"})
	ev(map[string]any{"Event": "SparkListenerExecutorAdded", "Timestamp": now, "Executor ID": "driver",
		"Executor Info": map[string]any{"Host": "localhost", "Total Cores": 2, "Log Urls": map[string]string{}}})
	t := now + 100
	taskID := 0
	stageInfo := func(s sStage, submit, complete int64) map[string]any {
		n := s.numTasks
		if n == 0 {
			n = len(s.tasks)
		}
		m := map[string]any{"Stage ID": s.id, "Stage Attempt ID": s.attempt, "Stage Name": s.name, "Number of Tasks": n,
			"RDD Info": []any{}, "Parent IDs": []int{}, "Details": s.frame + "\nsome.Other.frame(Other.scala:1)", "Accumulables": []any{}}
		if submit > 0 {
			m["Submission Time"] = submit
		}
		if complete > 0 {
			m["Completion Time"] = complete
		}
		return m
	}
	for _, j := range a.jobs {
		var infos []any
		var ids []int
		for _, s := range j.stages {
			infos = append(infos, stageInfo(s, 0, 0))
			ids = append(ids, s.id)
		}
		ev(map[string]any{"Event": "SparkListenerJobStart", "Job ID": j.id, "Submission Time": t, "Stage Infos": infos, "Stage IDs": ids,
			"Properties": map[string]string{"callSite.short": j.stages[len(j.stages)-1].name}})
		for _, s := range j.stages {
			if s.skipped {
				continue
			}
			submit := t
			ev(map[string]any{"Event": "SparkListenerStageSubmitted", "Stage Info": stageInfo(s, submit, 0), "Properties": map[string]string{}})
			// Two cores: tasks run two at a time.
			var slot [2]int64
			slot[0], slot[1] = t, t
			end := t
			for i, tk := range s.tasks {
				c := 0
				if slot[1] < slot[0] {
					c = 1
				}
				launch := slot[c]
				finish := launch + tk.ms
				slot[c] = finish
				end = max(end, finish)
				info := map[string]any{"Task ID": taskID, "Index": i, "Attempt": 0, "Partition ID": i, "Launch Time": launch,
					"Executor ID": "driver", "Host": "localhost", "Locality": "PROCESS_LOCAL", "Speculative": false,
					"Getting Result Time": 0, "Finish Time": 0, "Failed": false, "Killed": false, "Accumulables": []any{}}
				ev(map[string]any{"Event": "SparkListenerTaskStart", "Stage ID": s.id, "Stage Attempt ID": s.attempt, "Task Info": info})
				info["Finish Time"] = finish
				reason := map[string]any{"Reason": "Success"}
				if tk.failed {
					info["Failed"] = true
					reason = map[string]any{"Reason": "ExceptionFailure", "Class Name": "java.lang.RuntimeException",
						"Description": "boom", "Stack Trace": []any{}, "Full Stack Trace": "", "Accumulator Updates": []any{}}
				}
				metrics := map[string]any{"Executor Deserialize Time": 0, "Executor Deserialize CPU Time": 0, "Executor Run Time": tk.ms,
					"Executor CPU Time": tk.ms * 1_000_000, "Peak Execution Memory": 0, "Result Size": 100, "JVM GC Time": 0,
					"Result Serialization Time": 0, "Memory Bytes Spilled": 2 * tk.spill, "Disk Bytes Spilled": tk.spill,
					"Shuffle Read Metrics": map[string]any{"Remote Blocks Fetched": 0, "Local Blocks Fetched": 1, "Fetch Wait Time": 0,
						"Remote Bytes Read": 0, "Remote Bytes Read To Disk": 0, "Local Bytes Read": tk.sr, "Total Records Read": tk.srRows},
					"Shuffle Write Metrics": map[string]any{"Shuffle Bytes Written": tk.sw, "Shuffle Write Time": 0, "Shuffle Records Written": tk.swRows},
					"Input Metrics":         map[string]any{"Bytes Read": tk.in, "Records Read": tk.inRows},
					"Output Metrics":        map[string]any{"Bytes Written": 0, "Records Written": tk.outRows},
					"Updated Blocks":        []any{}}
				ev(map[string]any{"Event": "SparkListenerTaskEnd", "Stage ID": s.id, "Stage Attempt ID": s.attempt, "Task Type": "ResultTask",
					"Task End Reason": reason, "Task Info": info, "Task Metrics": metrics})
				taskID++
			}
			ev(map[string]any{"Event": "SparkListenerStageCompleted", "Stage Info": stageInfo(s, submit, end)})
			t = end + 10
		}
		result := map[string]any{"Result": "JobSucceeded"}
		if j.failed {
			result = map[string]any{"Result": "JobFailed", "Exception": map[string]any{"Message": "boom"}}
		}
		ev(map[string]any{"Event": "SparkListenerJobEnd", "Job ID": j.id, "Completion Time": t, "Job Result": result})
		t += 10
	}
	ev(map[string]any{"Event": "SparkListenerApplicationEnd", "Timestamp": t + 500})
	return b.Bytes()
}

// app reads the synthetic application through the real reader.
func (a sApp) app(t testing.TB) *appmodel.Application {
	t.Helper()
	logs, err := source.OpenReader(bytes.NewReader(a.log()))
	if err != nil {
		t.Fatal(err)
	}
	app, st, err := appmodel.Load(logs[0], eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Problems) > 0 {
		t.Fatalf("synthetic log has problems: %v", st.Problems)
	}
	return app
}

func (a sApp) side(t testing.TB) Side {
	app := a.app(t)
	return Side{Path: a.id + ".json", App: app, Findings: Detect(app)}
}

// etl is a small daily job: scan (input), join (shuffle read, shuffle
// write), write (output). scale multiplies the data and the time; the
// options change one thing.
type etlOpts struct {
	scale      float64 // data and time
	joinRows   float64 // multiplies the join's output rows and time
	skew       bool    // one join task takes most of the work
	spill      int64   // bytes spilled to disk per join task
	partitions int     // join tasks (default 8)
	failures   int     // failed join tasks (retried)
	props      map[string]string
	id         string
	name       string
	extraStage bool // an extra stage at the end
}

func etl(o etlOpts) sApp {
	if o.scale == 0 {
		o.scale = 1
	}
	if o.joinRows == 0 {
		o.joinRows = 1
	}
	if o.partitions == 0 {
		o.partitions = 8
	}
	if o.name == "" {
		o.name = "daily_job"
	}
	if o.id == "" {
		o.id = "app-1"
	}
	f := func(v float64) int64 { return int64(v * o.scale) }
	scan := sStage{id: 0, name: "parquet at daily_job.py:12", frame: "org.apache.spark.sql.DataFrameReader.parquet(DataFrameReader.scala:563)",
		tasks: uniform(8, sTask{ms: f(2000), in: f(64 << 20), inRows: f(1_000_000), sw: f(32 << 20), swRows: f(1_000_000)})}
	total := float64(o.partitions)
	join := sStage{id: 1, name: "save at daily_job.py:57", frame: "org.apache.spark.sql.DataFrameWriter.save(DataFrameWriter.scala:251)"}
	per := sTask{ms: int64(16000 / total * o.scale * o.joinRows), sr: int64(256 << 20 / total * o.scale), srRows: int64(8_000_000 / total * o.scale),
		outRows: int64(8_000_000 / total * o.scale * o.joinRows), spill: o.spill}
	join.tasks = uniform(o.partitions, per)
	if o.skew {
		join.tasks[0].ms = per.ms * 30
	}
	for i := 0; i < o.failures; i++ {
		ft := per
		ft.failed = true
		ft.ms = per.ms / 2
		join.tasks = append(join.tasks, ft)
	}
	join.numTasks = o.partitions
	jobs := []sJob{{id: 0, stages: []sStage{scan}}, {id: 1, stages: []sStage{
		{id: 0, name: scan.name, frame: scan.frame, skipped: true, tasks: scan.tasks}, join}}}
	if o.extraStage {
		jobs = append(jobs, sJob{id: 2, stages: []sStage{{id: 2, name: "count at daily_job.py:80", frame: "org.apache.spark.sql.Dataset.count(Dataset.scala:3615)",
			tasks: uniform(4, sTask{ms: 3000, sr: 1 << 20, srRows: 1000})}}})
	}
	return sApp{name: o.name, id: o.id, props: o.props, jobs: jobs}
}

func TestSyntheticAppReads(t *testing.T) {
	a := etl(etlOpts{}).app(t)
	if len(a.Stages) < 2 || a.Duration() == 0 || !a.Complete {
		t.Fatalf("synthetic app: %d stages, duration %d, complete %v", len(a.Stages), a.Duration(), a.Complete)
	}
	gs := stageGroups(a)
	if len(gs) != 2 {
		t.Fatalf("%d logical stages, want 2 (the skipped one left out)", len(gs))
	}
	st := stageStats(gs[1])
	if st.InputBytes != 0 || st.ShuffleReadBytes == 0 || st.OutputRecords != 8_000_000 || st.Tasks != 8 {
		t.Errorf("join stage stats = %+v", st)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		desc      string
		base, new etlOpts
		class     string
		causes    []string // must all be present
		reason    string   // in the reasons of the app or the top stage
	}{
		{"same run again", etlOpts{}, etlOpts{id: "app-2"}, ClassUnchanged, nil, ""},
		{"small growth is noise", etlOpts{}, etlOpts{scale: 1.05}, ClassUnchanged, nil, ""},
		{"input doubled, time doubled", etlOpts{}, etlOpts{scale: 2}, ClassProportional, nil, "input grew 2.0x"},
		{"join explosion", etlOpts{}, etlOpts{joinRows: 10}, ClassJoin, []string{ClassJoin}, "rows produced grew 10x"},
		{"skew appeared", etlOpts{}, etlOpts{skew: true}, ClassSkew, []string{ClassSkew}, "skew appeared: slowest task 30x the median"},
		{"spill appeared", etlOpts{}, etlOpts{spill: 64 << 20, scale: 1.01}, ClassSpill, []string{ClassSpill}, "spill appeared (0 B → 512 MiB to disk, 1.0 GiB in memory)"},
		{"failures", etlOpts{}, etlOpts{failures: 3}, ClassFailures, []string{ClassFailures}, "3 failed tasks (was 0)"},
		{"config: partitions", etlOpts{props: map[string]string{"spark.sql.shuffle.partitions": "8"}},
			etlOpts{partitions: 200, props: map[string]string{"spark.sql.shuffle.partitions": "200"}}, ClassConfig, []string{ClassConfig}, "tasks 8 → 200"},
		{"faster", etlOpts{scale: 2}, etlOpts{}, ClassFaster, nil, ""},
		{"spill that came with data growth: still proportional", etlOpts{}, etlOpts{scale: 2, spill: 1 << 20}, ClassProportional, []string{ClassSpill}, ""},
		{"new work", etlOpts{}, etlOpts{extraStage: true}, ClassNewWork, nil, "1 new stage"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			d := Compare(etl(tt.base).side(t), etl(tt.new).side(t), Options{})
			if d.Verdict.Class != tt.class {
				t.Errorf("class %q, want %q; headline: %s; causes %v", d.Verdict.Class, tt.class, d.Headline, d.Verdict.Causes)
			}
			for _, c := range tt.causes {
				if !contains(d.Verdict.Causes, c) {
					t.Errorf("causes %v lack %q", d.Verdict.Causes, c)
				}
			}
			if tt.class == ClassUnchanged && len(d.Verdict.Causes) > 0 {
				t.Errorf("unchanged run has causes %v", d.Verdict.Causes)
			}
			if tt.reason != "" {
				var all []string
				for _, r := range d.Reasons {
					all = append(all, r.Message)
				}
				for _, s := range d.Stages {
					for _, r := range s.Reasons {
						all = append(all, r.Message)
					}
				}
				if !strings.Contains(strings.Join(all, "\n"), tt.reason) {
					t.Errorf("no reason %q in:\n%s", tt.reason, strings.Join(all, "\n"))
				}
			}
		})
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func stage(id int, name, frame string) sStage {
	return sStage{id: id, name: name, frame: frame, tasks: uniform(2, sTask{ms: 100})}
}

// kind makes a stage named like every stage of a PySpark DataFrame write,
// doing one kind of work: "scan" (reads files, writes shuffle), "shuffle"
// (reads and writes shuffle), "write" (reads shuffle, writes output),
// "small" (writes shuffle, reads nothing).
func kind(id int, k string, tasks int) sStage {
	var tk sTask
	switch k {
	case "scan":
		tk = sTask{ms: 100, in: 1000, inRows: 10, sw: 500, swRows: 10}
	case "shuffle":
		tk = sTask{ms: 100, sr: 500, srRows: 10, sw: 500, swRows: 10}
	case "write":
		tk = sTask{ms: 100, sr: 500, srRows: 10, outRows: 10}
	case "small":
		tk = sTask{ms: 100, sw: 50, swRows: 1}
	default:
		panic(k)
	}
	return sStage{id: id, name: "parquet at NativeMethodAccessorImpl.java:0",
		frame: "org.apache.spark.sql.DataFrameWriter.parquet(DataFrameWriter.scala:802)", tasks: uniform(tasks, tk)}
}

func TestMatchStages(t *testing.T) {
	job := func(stages ...sStage) sApp {
		var js []sJob
		for i, s := range stages {
			js = append(js, sJob{id: i, stages: []sStage{s}})
		}
		return sApp{name: "x", id: "a", jobs: js}
	}
	const fa, fb = "A.run(A.scala:1)", "B.run(B.scala:2)"
	tests := []struct {
		desc      string
		base, new sApp
		want      []string // "baseID-newID/how", in NEW's order
		onlyBase  []int
		onlyNew   []int
	}{
		{"ids differ, names match",
			job(stage(0, "scan at a.py:1", fa), stage(1, "join at a.py:2", fb)),
			job(stage(5, "scan at a.py:1", fa), stage(9, "join at a.py:2", fb)),
			[]string{"0-5/exact", "1-9/exact"}, nil, nil},
		{"order of occurrence among equal names",
			job(stage(0, "collect at a.py:9", fa), stage(1, "collect at a.py:9", fa), stage(2, "collect at a.py:9", fa)),
			job(stage(3, "collect at a.py:9", fa), stage(4, "collect at a.py:9", fa), stage(5, "collect at a.py:9", fa)),
			[]string{"0-3/exact", "1-4/exact", "2-5/exact"}, nil, nil},
		{"call site differs: matched by name",
			job(stage(0, "scan at a.py:1", fa)),
			job(stage(0, "scan at a.py:1", fb)),
			[]string{"0-0/name"}, nil, nil},
		{"new and removed work",
			job(stage(0, "scan at a.py:1", fa), stage(1, "old at a.py:5", fa)),
			job(stage(0, "scan at a.py:1", fa), stage(1, "new at a.py:6", fa)),
			[]string{"0-0/exact"}, []int{1}, []int{1}},
		{"an extra occurrence is new work",
			job(stage(0, "collect at a.py:9", fa)),
			job(stage(0, "collect at a.py:9", fa), stage(1, "collect at a.py:9", fa)),
			[]string{"0-0/exact"}, nil, []int{1}},
		{"the exact match wins over the name",
			job(stage(0, "scan at a.py:1", fb), stage(1, "scan at a.py:1", fa)),
			job(stage(0, "scan at a.py:1", fa)),
			[]string{"1-0/exact"}, []int{0}, nil},
		// PySpark names every stage of a DataFrame write alike: the stages
		// of one name pair by what they do.
		{"an extra shuffle in the middle of stages of one name",
			job(kind(0, "scan", 8), kind(1, "write", 8)),
			job(kind(0, "scan", 8), kind(1, "shuffle", 4), kind(2, "write", 8)),
			[]string{"0-0/exact", "1-2/exact"}, nil, []int{1}},
		{"a stage dropped from the middle",
			job(kind(0, "small", 1), kind(1, "scan", 8), kind(2, "shuffle", 8), kind(3, "write", 8)),
			job(kind(0, "small", 1), kind(1, "shuffle", 8), kind(2, "write", 8)),
			[]string{"0-0/exact", "2-1/exact", "3-2/exact"}, []int{1}, nil},
		{"an inserted stage like its neighbour: the partitions decide",
			job(kind(0, "scan", 8), kind(1, "shuffle", 16), kind(2, "write", 16)),
			job(kind(0, "scan", 8), kind(1, "shuffle", 4), kind(2, "shuffle", 16), kind(3, "write", 16)),
			[]string{"0-0/exact", "1-2/exact", "2-3/exact"}, nil, []int{1}},
		{"two stages of different kinds swapped",
			job(kind(0, "scan", 8), kind(1, "small", 1), kind(2, "write", 8)),
			job(kind(0, "small", 1), kind(1, "scan", 8), kind(2, "write", 8)),
			[]string{"1-0/exact", "0-1/exact", "2-2/exact"}, nil, nil},
		{"the same kinds in the same order: by order",
			job(kind(0, "scan", 8), kind(1, "scan", 2), kind(2, "write", 8)),
			job(kind(0, "scan", 2), kind(1, "scan", 8), kind(2, "write", 8)),
			[]string{"0-0/exact", "1-1/exact", "2-2/exact"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			bg, ng := stageGroups(tt.base.app(t)), stageGroups(tt.new.app(t))
			p := matchStages(bg, ng)
			var got []string
			for i, pr := range p.pairs {
				got = append(got, fmt.Sprintf("%d-%d/%s", bg[pr[0]].id, ng[pr[1]].id, p.how[i]))
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("pairs %v, want %v", got, tt.want)
			}
			var ob, on []int
			for _, i := range p.onlyA {
				ob = append(ob, bg[i].id)
			}
			for _, j := range p.onlyB {
				on = append(on, ng[j].id)
			}
			if fmt.Sprint(ob) != fmt.Sprint(tt.onlyBase) || fmt.Sprint(on) != fmt.Sprint(tt.onlyNew) {
				t.Errorf("only base %v only new %v, want %v %v", ob, on, tt.onlyBase, tt.onlyNew)
			}
		})
	}
}

func TestStageAttemptsMerged(t *testing.T) {
	a := sApp{name: "x", id: "a", jobs: []sJob{{id: 0, stages: []sStage{
		{id: 3, attempt: 0, name: "s at a.py:1", frame: "A.a(A.scala:1)", tasks: uniform(2, sTask{ms: 1000, sr: 100, failed: true})},
		{id: 3, attempt: 1, name: "s at a.py:1", frame: "A.a(A.scala:1)", tasks: uniform(2, sTask{ms: 1000, sr: 100})},
	}}}}
	gs := stageGroups(a.app(t))
	if len(gs) != 1 || len(gs[0].attempts) != 2 {
		t.Fatalf("groups %d", len(gs))
	}
	st := stageStats(gs[0])
	if st.Attempts != 2 || st.FailedTasks != 2 || st.TaskAttempts != 4 || st.TaskTimeMs != 4000 {
		t.Errorf("merged stats %+v", st)
	}
}

func TestConfigDiff(t *testing.T) {
	base := sApp{name: "x", id: "app-20240308-0001", props: map[string]string{
		"spark.sql.shuffle.partitions": "16", "spark.driver.port": "40001", "spark.app.startTime": "1700000000000",
		"spark.local.dir": "/tmp/spark-6f1c2d3e-1111-2222-3333-444455556666", "spark.eventLog.dir": "file:///tmp/ev-app-20240308-0001",
		"spark.executor.memory": "4g", "spark.ui.showConsoleProgress": "false", "spark.jars": "/tmp/tmpab12cd34/x.jar",
	}, jobs: []sJob{{id: 0, stages: []sStage{stage(0, "a", "b")}}}}
	nw := base
	nw.id = "app-20240309-0002"
	nw.props = map[string]string{
		"spark.sql.shuffle.partitions": "200", "spark.driver.port": "40999", "spark.app.startTime": "1700086400000",
		"spark.local.dir": "/tmp/spark-0a0b0c0d-9999-8888-7777-666655554444", "spark.eventLog.dir": "file:///tmp/ev-app-20240309-0002",
		"spark.sql.adaptive.enabled": "false", "spark.jars": "/tmp/tmpzz98yy76/x.jar",
	}
	c := diffConfig(base.app(t), nw.app(t))
	var got []string
	for _, ch := range c.Changes {
		got = append(got, fmt.Sprintf("%s:%s:%v", ch.Key, ch.Change, ch.Performance))
	}
	want := []string{"spark.executor.memory:removed:true", "spark.sql.adaptive.enabled:added:true",
		"spark.sql.shuffle.partitions:changed:true", "spark.ui.showConsoleProgress:removed:false"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("changes\n%v\nwant\n%v", got, want)
	}
	if c.Ignored < 5 {
		t.Errorf("ignored %d keys, want at least 5 (port, start time, app id, local dir, event log dir, jars)", c.Ignored)
	}
}

func TestFindingsCompared(t *testing.T) {
	base := etl(etlOpts{})
	nw := etl(etlOpts{skew: true, id: "app-2"})
	// Stage ids shift in NEW: findings must still pair by the stage's
	// identity.
	for i := range nw.jobs {
		for j := range nw.jobs[i].stages {
			nw.jobs[i].stages[j].id += 10
		}
	}
	d := Compare(base.side(t), nw.side(t), Options{})
	var skewNew bool
	for _, f := range d.Findings.New {
		if f.DetectorID == "SKEW001" {
			skewNew = true
			if !strings.Contains(f.Key, "save at daily_job.py:57") || f.NewID != "SKEW001-stage11.0" {
				t.Errorf("skew finding key %q id %q", f.Key, f.NewID)
			}
		}
	}
	if !skewNew {
		t.Errorf("SKEW001 not among the new findings: %+v", d.Findings)
	}
	// The same run against itself: nothing new, nothing gone.
	same := Compare(base.side(t), base.side(t), Options{})
	if len(same.Findings.New)+len(same.Findings.Gone)+len(same.Findings.Worse) != 0 {
		t.Errorf("a run against itself: %+v", same.Findings)
	}
	if d.Findings.Worst() == 0 {
		t.Error("Worst() of a diff with a new finding is 0")
	}
}

func TestNameWarning(t *testing.T) {
	d := Compare(etl(etlOpts{}).side(t), etl(etlOpts{name: "other_job"}).side(t), Options{})
	if len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], "other_job") {
		t.Errorf("warnings %v", d.Warnings)
	}
}

func TestMatchSQLIgnoresDates(t *testing.T) {
	mk := func(descs ...string) []*appmodel.SQLExecution {
		var out []*appmodel.SQLExecution
		for _, d := range descs {
			out = append(out, &appmodel.SQLExecution{Description: d})
		}
		return out
	}
	a := mk("daily_orders_etl 2024-03-08", "refresh dim", "count at job.py:12")
	b := mk("count at job.py:12", "daily_orders_etl 2024-03-10", "other 1")
	p := matchSQL(a, b)
	got := map[int]int{}
	for _, pr := range p.pairs {
		got[pr[0]] = pr[1]
	}
	if len(got) != 2 || got[0] != 1 || got[2] != 0 {
		t.Errorf("pairs %v, want 0→1 (dates masked) and 2→0 (exact)", p.pairs)
	}
	if jobkey.MaskDigits("run 2024-03-08 batch 17") != "run #-#-# batch #" {
		t.Errorf("maskDigits = %q", jobkey.MaskDigits("run 2024-03-08 batch 17"))
	}
}
