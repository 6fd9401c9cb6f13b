package diff

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/codec"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// An insertion in the middle, from real logs: the nightly job of
// testdata/recurring (Spark 3.5.9) names all its stages "parquet at
// NativeMethodAccessorImpl.java:0". Day 8's log, less the job that scanned
// the customers (a stage in the middle of the run), is BASE; day 7, whole,
// is NEW: NEW has one extra job and stage in the middle, and every stage
// after it must pair with its true counterpart, not with the one before.

// stageKind is what a stage's numbers say it did.
type stageKind struct{ input, shuffleRead, shuffleWrite, output bool }

func kindOf(st *StageStats) stageKind {
	return stageKind{st.InputBytes > 0 || st.InputRecords > 0, st.ShuffleReadBytes > 0 || st.ShuffleReadRecords > 0,
		st.ShuffleWriteBytes > 0 || st.ShuffleWriteRecords > 0, st.OutputBytes > 0 || st.OutputRecords > 0}
}

// smallestScan is the stage that reads files and writes shuffle with the
// fewest tasks (the customers scan of the nightly job), and its job.
func smallestScan(t *testing.T, app *appmodel.Application) (stage, job int) {
	t.Helper()
	var best *stageGroup
	scans := 0
	for _, g := range stageGroups(app) {
		st := stageStats(g)
		if k := kindOf(&st); k.input && k.shuffleWrite {
			scans++
			if best == nil || st.Tasks < stageStats(best).Tasks {
				best = g
			}
		}
	}
	if best == nil || scans < 2 {
		t.Fatalf("%d scans in the log, want 2", scans)
	}
	jobs := best.attempts[0].JobIDs
	if len(jobs) != 1 {
		t.Fatalf("the scan stage %d belongs to jobs %v", best.id, jobs)
	}
	for _, j := range app.Jobs {
		if j.ID == jobs[0] && len(j.StageIDs) != 1 {
			t.Fatalf("job %d has stages %v, want only the scan", j.ID, j.StageIDs)
		}
	}
	return best.id, jobs[0]
}

// withoutJob reads a log and drops the events of one job and of its one
// stage (the job start and end, the stage's submission, tasks and
// completion).
func withoutJob(t *testing.T, path string, job, stage int) Side {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, _, err := codec.NewReader(f, codec.FromName(path), codec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out bytes.Buffer
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	dropped := 0
	for sc.Scan() {
		var ev struct {
			Event     string
			JobID     *int `json:"Job ID"`
			StageID   *int `json:"Stage ID"`
			StageInfo *struct {
				StageID int `json:"Stage ID"`
			} `json:"Stage Info"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatal(err)
		}
		drop := (ev.Event == "SparkListenerJobStart" || ev.Event == "SparkListenerJobEnd") && ev.JobID != nil && *ev.JobID == job ||
			ev.StageID != nil && *ev.StageID == stage ||
			ev.StageInfo != nil && ev.StageInfo.StageID == stage
		if drop {
			dropped++
			continue
		}
		out.Write(sc.Bytes())
		out.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if dropped < 4 {
		t.Fatalf("dropped %d events of job %d and stage %d", dropped, job, stage)
	}
	app, _, err := appmodel.Load(source.BytesLog("without_job.json", out.Bytes()), eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Side{Path: path + " without job", App: app, Findings: Detect(app)}
}

func TestMatchInsertionRealLogs(t *testing.T) {
	basePath := testlogs.Testdata("recurring", "logs", "day08_normal.zstd")
	whole := loadSide(t, basePath)
	nw := loadSide(t, testlogs.Testdata("recurring", "logs", "day07_normal.zstd"))
	stage, job := smallestScan(t, whole.App)
	base := withoutJob(t, basePath, job, stage)
	if got, want := len(stageGroups(base.App)), len(stageGroups(whole.App))-1; got != want {
		t.Fatalf("%d stages left, want %d", got, want)
	}
	newScan, _ := smallestScan(t, nw.App)

	// The case is a real one: paired by order alone, the stages after the
	// extra one would pair with the wrong ones.
	bg, ng := stageGroups(base.App), stageGroups(nw.App)
	sides := [2][]*stageGroup{bg, ng}
	ident := func(side, i int) string { return sides[side][i].identity() }
	wrong := 0
	for _, pr := range match(len(bg), len(ng), ident, nil, nil).pairs {
		b, n := stageStats(bg[pr[0]]), stageStats(ng[pr[1]])
		if kindOf(&b) != kindOf(&n) {
			wrong++
		}
	}
	if wrong == 0 {
		t.Fatal("by order alone every pair already does the same work: the test shows nothing")
	}

	check := func(t *testing.T, d *Diff, extra []StageRef, other []StageRef) {
		t.Helper()
		if len(extra) != 1 || extra[0].StageID != newScan || len(other) != 0 {
			t.Fatalf("extra stages %+v and %+v, want only day 7's customers scan (stage %d)", extra, other, newScan)
		}
		if len(d.Stages) != len(bg) {
			t.Errorf("%d pairs, want %d", len(d.Stages), len(bg))
		}
		for _, s := range d.Stages {
			kb, kn := kindOf(&s.Base), kindOf(&s.New)
			if kb != kn {
				t.Errorf("stage %d paired with stage %d: they do different work (%+v, %+v)", s.Base.StageID, s.New.StageID, kb, kn)
			}
			// The scans' tasks follow the input (one per file); every other
			// stage has the same partitions in both runs.
			if !kb.input && s.Base.Tasks != s.New.Tasks || kb.input && (s.Base.Tasks > 2*s.New.Tasks || s.New.Tasks > 2*s.Base.Tasks) {
				t.Errorf("stage %d (%d tasks) paired with stage %d (%d tasks)", s.Base.StageID, s.Base.Tasks, s.New.StageID, s.New.Tasks)
			}
			if s.MatchedBy != MatchedExact {
				t.Errorf("stage %d-%d matched by %s", s.Base.StageID, s.New.StageID, s.MatchedBy)
			}
		}
	}

	t.Run("an extra job in NEW", func(t *testing.T) {
		d := Compare(base, nw, Options{})
		check(t, d, d.NewStages, d.RemovedStages)
		if len(d.Jobs.New) != 1 || len(d.Jobs.Removed) != 0 {
			t.Errorf("%d new and %d removed jobs, want 1 and 0", len(d.Jobs.New), len(d.Jobs.Removed))
		}
	})
	t.Run("a job gone from NEW", func(t *testing.T) {
		d := Compare(nw, base, Options{})
		check(t, d, d.RemovedStages, d.NewStages)
		if len(d.Jobs.New) != 0 || len(d.Jobs.Removed) != 1 {
			t.Errorf("%d new and %d removed jobs, want 0 and 1", len(d.Jobs.New), len(d.Jobs.Removed))
		}
	})
}
