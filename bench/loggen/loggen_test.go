package loggen_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/bench/loggen"
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

func load(t *testing.T, name string, b []byte) *appmodel.Application {
	t.Helper()
	app, st, err := appmodel.Load(source.BytesLog(name, b), eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if st.SkippedLines != 0 || len(st.UnknownEvents) != 0 {
		t.Fatalf("%s: %d skipped lines, unknown events %v", name, st.SkippedLines, st.UnknownEvents)
	}
	return app
}

// TestGenerateTiny scales the bundled SQL log (217 tasks) to three rounds
// with each task written twice and checks the result reads as one bigger
// application with the same structure.
func TestGenerateTiny(t *testing.T) {
	tmpl, err := loggen.LoadTemplate(testlogs.Testdata("public", "rp_sql_eventlog.zstd"))
	if err != nil {
		t.Fatal(err)
	}
	var one, out bytes.Buffer
	if _, err := tmpl.Generate(&one, loggen.Options{}); err != nil {
		t.Fatal(err)
	}
	st, err := tmpl.Generate(&out, loggen.Options{Rounds: 3, TaskCopies: 2})
	if err != nil {
		t.Fatal(err)
	}
	if st.Bytes != int64(out.Len()) || st.TaskEnds != int64(3*2*tmpl.TaskEnds) {
		t.Fatalf("stats %+v for %d bytes, template has %d task ends", st, out.Len(), tmpl.TaskEnds)
	}
	base := load(t, "one.json", one.Bytes())
	big := load(t, "big.json", out.Bytes())

	if got, want := big.Totals().Tasks, 6*base.Totals().Tasks; got != want {
		t.Errorf("tasks: %d, want %d", got, want)
	}
	if got, want := len(big.Stages), 3*len(base.Stages); got != want {
		t.Errorf("stages: %d, want %d", got, want)
	}
	if got, want := len(big.Jobs), 3*len(base.Jobs); got != want {
		t.Errorf("jobs: %d, want %d", got, want)
	}
	if got, want := len(big.SQL), 3*len(base.SQL); got != want {
		t.Errorf("SQL executions: %d, want %d", got, want)
	}
	if len(big.Executors) != len(base.Executors) || big.ID != base.ID {
		t.Errorf("executors %d (want %d), id %q (want %q)", len(big.Executors), len(base.Executors), big.ID, base.ID)
	}
	// Each stage keeps its shape, with twice the tasks, all distinct.
	for _, s := range big.Stages {
		b := base.Stage(s.ID%len(base.Stages), s.Attempt)
		if b == nil {
			t.Fatalf("stage %d has no counterpart", s.ID)
		}
		if s.NumTasks != 2*b.NumTasks || s.NumCompleteTasks != 2*b.NumCompleteTasks || s.Name != b.Name {
			t.Errorf("stage %d: %d/%d tasks %q, base %d/%d %q", s.ID, s.NumTasks, s.NumCompleteTasks, s.Name,
				b.NumTasks, b.NumCompleteTasks, b.Name)
		}
		if s.NumCompletedIndices != 2*b.NumCompletedIndices {
			t.Errorf("stage %d: %d indices, want %d", s.ID, s.NumCompletedIndices, 2*b.NumCompletedIndices)
		}
	}
	ids := map[int64]bool{}
	for _, s := range big.Stages {
		s.Tasks(func(tk *appmodel.Task) bool {
			if ids[tk.TaskID] {
				t.Fatalf("task id %d twice", tk.TaskID)
			}
			ids[tk.TaskID] = true
			return true
		})
	}
	// SQL metrics accumulate per round: each round's executions have their
	// own accumulators.
	for i, x := range big.SQL {
		bx := base.SQL[i%len(base.SQL)]
		if len(x.Metrics) != len(bx.Metrics) || len(x.JobIDs) != len(bx.JobIDs) {
			t.Errorf("SQL %d: %d metrics %d jobs, base %d %d", x.ID, len(x.Metrics), len(x.JobIDs), len(bx.Metrics), len(bx.JobIDs))
		}
		if got, want := updates(x, 1), updates(bx, 2); got != want {
			t.Errorf("SQL %d: task updates per metric %s, want %s", x.ID, got, want)
		}
	}
	// Rounds follow each other in time, within the application.
	n := len(base.Stages)
	for _, s := range big.Stages {
		if s.CompletionTime > big.End {
			t.Errorf("stage %d completes after the application ends", s.ID)
		}
		if next := big.Stage(s.ID+n, s.Attempt); next != nil && next.SubmissionTime <= s.CompletionTime {
			t.Errorf("stage %d is submitted before stage %d of the round before completed", next.ID, s.ID)
		}
	}
	// Lines keep their real shape: the first task end differs from the
	// template's only in its numbers.
	first := func(b []byte) string {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, `{"Event":"SparkListenerTaskEnd"`) {
				return strings.Map(func(r rune) rune {
					if r >= '0' && r <= '9' {
						return -1
					}
					return r
				}, l)
			}
		}
		return ""
	}
	if first(one.Bytes()) == "" || first(one.Bytes()) != first(out.Bytes()) {
		t.Error("task-end lines changed shape")
	}
}

// updates lists the task-update counts of the execution's metrics (times
// k), sorted.
func updates(x *appmodel.SQLExecution, k int) string {
	var ns []int
	for _, m := range x.Metrics {
		if m.Tasks > 0 {
			ns = append(ns, k*m.Tasks)
		}
	}
	sort.Ints(ns)
	return fmt.Sprint(ns)
}

// TestRoundsFor: the rounds asked for cover the tasks or the size asked for.
func TestRoundsFor(t *testing.T) {
	tmpl, err := loggen.LoadTemplate(testlogs.Testdata("public", "rp_sql_eventlog.zstd"))
	if err != nil {
		t.Fatal(err)
	}
	if r := tmpl.RoundsFor(int64(tmpl.TaskEnds)*10+1, 0, 1); r != 11 {
		t.Errorf("rounds for 10 templates and a task: %d", r)
	}
	if r := tmpl.RoundsFor(int64(tmpl.TaskEnds)*10, 0, 5); r != 2 {
		t.Errorf("rounds for 10 templates with 5 copies: %d", r)
	}
	var out bytes.Buffer
	r := tmpl.RoundsFor(0, 3*tmpl.BodyBytes, 1)
	st, err := tmpl.Generate(&out, loggen.Options{Rounds: r})
	if err != nil || st.Bytes < 3*tmpl.BodyBytes || r > 4 {
		t.Errorf("%d rounds gave %d bytes for %d: %v", r, st.Bytes, 3*tmpl.BodyBytes, err)
	}
}

// TestGenerateStageExclusions: exclusions from a stage are written each
// round, naming that round's stage; exclusions for the application once.
func TestGenerateStageExclusions(t *testing.T) {
	dir := filepath.Join(testlogs.Shared(t), "spark", "core", "src", "test", "resources", "spark-events")
	for _, name := range []string{"app-20180109111548-0000", "application_1516285256255_0012"} {
		tmpl, err := loggen.LoadTemplate(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var one, out bytes.Buffer
		if _, err := tmpl.Generate(&one, loggen.Options{}); err != nil {
			t.Fatal(err)
		}
		if _, err := tmpl.Generate(&out, loggen.Options{Rounds: 2}); err != nil {
			t.Fatal(err)
		}
		base := load(t, name, one.Bytes())
		big := load(t, name+" x2", out.Bytes())
		n := len(base.Stages)
		excluded := 0
		for _, bx := range base.Executors {
			excluded += len(bx.StageExclusions)
			x := big.Executor(bx.ID)
			if len(x.StageExclusions) != 2*len(bx.StageExclusions) {
				t.Fatalf("%s executor %s: %d stage exclusions, want %d", name, x.ID, len(x.StageExclusions), 2*len(bx.StageExclusions))
			}
			for i, se := range bx.StageExclusions {
				if got := x.StageExclusions[len(bx.StageExclusions)+i].StageID; got != se.StageID+n {
					t.Errorf("%s executor %s: second round excluded from stage %d, want %d", name, x.ID, got, se.StageID+n)
				}
			}
		}
		if excluded == 0 {
			t.Errorf("%s: no exclusion from a stage in the template", name)
		}
	}
}
