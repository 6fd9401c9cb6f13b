package baseline

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
	bolt "go.etcd.io/bbolt"

	"github.com/sparkdiag/sparkdiag/advice/jobkey"
)

func shape(prefix string, n int) *jobkey.Shape {
	var ids []string
	for i := 0; i < n; i++ {
		ids = append(ids, fmt.Sprintf("stage:%s %d\x00X.scala:%d", prefix, i, i))
	}
	return jobkey.ShapeOf(ids)
}

// Compare leaves out the earlier runs that did other work and says so.
func TestCompareLeavesOutOtherWork(t *testing.T) {
	const gb = 1 << 30
	job := func(n int, s *jobkey.Shape, dur int64) []Run {
		var out []Run
		for i := 0; i < n; i++ {
			r := run(fmt.Sprintf("h%d-%p", i, s), int64(i), dur, 10*gb)
			r.Shape = s
			out = append(out, r)
		}
		return out
	}
	mine, other := shape("etl", 10), shape("adhoc", 14)
	cur := run("cur", 100, 600_000, 10*gb)
	cur.Shape = mine
	for _, tc := range []struct {
		name      string
		history   []Run
		enough    bool
		runs      int
		unrelated int
		note      string // a prefix ("" for none)
		drift     bool
	}{
		{name: "all alike", history: job(5, mine, 600_000), enough: true, runs: 5},
		{name: "all different: not compared", history: job(9, other, 60_000), unrelated: 9,
			note: "the name 'nightly' groups runs that did different work: 9 of 9 earlier runs share no stage or query with this one; not compared"},
		{name: "mostly different, too few alike", history: append(job(7, other, 60_000), job(2, mine, 600_000)...), runs: 2, unrelated: 7,
			note: "the name 'nightly' groups runs that did different work: 7 of 9 earlier runs share no stage or query"},
		{name: "some different, enough alike", history: append(job(4, mine, 600_000), job(3, other, 60_000)...), enough: true, runs: 4, unrelated: 3,
			note: "3 of 7 earlier runs of the name 'nightly' did different work"},
		{name: "unknown shapes are kept", history: job(4, nil, 600_000), enough: true, runs: 4},
		{name: "a little in common is still other work", history: job(3, shape("etl", 2), 60_000), unrelated: 3,
			note: "the name 'nightly' groups runs that did different work: 3 of 3 earlier runs share less than 50 % of their stages and queries"},
		{name: "without the filter it would drift", history: job(4, mine, 60_000), enough: true, runs: 4, drift: true},
	} {
		b := Compare(&cur, tc.history, Policy{})
		if b.Enough != tc.enough || b.Runs != tc.runs || b.Unrelated != tc.unrelated || !strings.HasPrefix(b.Note, tc.note) || (tc.note == "" && b.Note != "") {
			t.Errorf("%s: enough %v runs %d unrelated %d note %q; want %v %d %d %q", tc.name, b.Enough, b.Runs, b.Unrelated, b.Note, tc.enough, tc.runs, tc.unrelated, tc.note)
		}
		if (len(b.Drift) > 0) != tc.drift {
			t.Errorf("%s: drift %v; want %v", tc.name, b.Drift, tc.drift)
		}
		if b.Job != "name=nightly | user=" {
			t.Errorf("%s: job %q", tc.name, b.Job)
		}
	}
}

// Runs are kept per job key: one name of two users is two jobs, a default
// name is no job, another attempt of the same application is not history.
func TestStoreJobKeys(t *testing.T) {
	s, _ := openTemp(t)
	rec := func(app, attempt, user string, start int64) Run {
		r := run(app, start, 600_000, 1<<30)
		r.AttemptID, r.User = attempt, user
		r.Job = JobOf(&r)
		if err := s.Record(r, 0); err != nil {
			t.Fatal(err)
		}
		return r
	}
	rec("a1", "", "ann", 1)
	rec("a2", "", "ann", 2)
	rec("b1", "", "bob", 3)
	rec("retried", "1", "ann", 4)
	second := rec("retried", "2", "ann", 5)
	h, err := s.History(&second, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range h {
		ids = append(ids, r.AppID+"/"+r.AttemptID)
	}
	if got := strings.Join(ids, ","); got != "a1/,a2/" {
		t.Errorf("history of attempt 2 = %s; want a1/,a2/ (not bob's run, not attempt 1)", got)
	}
	if runs, err := s.Runs("name=nightly | user=ann"); err != nil || len(runs) != 4 {
		t.Errorf("Runs(ann's key) = %d runs, %v; want 4 (both attempts recorded once each)", len(runs), err)
	}
	if _, err := s.Runs("nightly"); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("Runs(a name of two jobs) error = %v; want ErrAmbiguous", err)
	}
	jobs, _ := s.Jobs()
	if len(jobs) != 2 || jobs[0].Key != "name=nightly | user=ann" || jobs[0].Name != "nightly" || jobs[0].Runs != 4 {
		t.Errorf("jobs %+v", jobs)
	}
	shell := run("x", 9, 1, 1)
	shell.Name = "Spark shell"
	if err := s.Record(shell, 0); !errors.Is(err, ErrNoJob) {
		t.Errorf("Record(a Spark shell run) error = %v; want ErrNoJob", err)
	}
	if n, err := s.Forget("name=nightly | user=bob"); err != nil || n != 1 {
		t.Errorf("Forget(bob's key) = %d, %v", n, err)
	}
	if runs, err := s.Runs("nightly"); err != nil || len(runs) != 4 {
		t.Errorf("Runs(a name of one job) = %d, %v; want 4", len(runs), err)
	}
}

// A format-2 store (jobs by name) is read as it is, and upgraded to job
// keys when opened for writing: a job keeps its history, a default name's
// runs are split by user.
func TestStoreFormat2Upgrade(t *testing.T) {
	p := filepath.Join(t.TempDir(), "v2.db")
	db, err := bolt.Open(p, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	var old []Run
	for i, u := range []string{"etl", "etl", "etl", "ann", "bob"} {
		r := run(fmt.Sprintf("app-%d", i), int64(i+1)*1000, 600_000, 1<<30)
		r.User = u
		if i >= 3 {
			r.Name = "Spark shell"
		}
		old = append(old, r)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		m, _ := tx.CreateBucket(metaBucket)
		m.Put(formatKey, []byte(storeFormatV2))
		jobs, _ := tx.CreateBucket(jobsBucket)
		for i := range old {
			job, err := jobs.CreateBucketIfNotExists([]byte(old[i].Name))
			if err != nil {
				return err
			}
			val, _ := json.Marshal(&old[i])
			k := runKey(&old[i])
			if err := job.Put(k, seal([]byte(old[i].Name), k, val)); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	next := run("new", 9000, 600_000, 1<<30)
	next.User = "etl"
	// Read-only: as it is, by name, the history of the same name and user.
	ro, err := Open(p, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if h, err := ro.History(&next, 0); err != nil || len(h) != 3 {
		t.Errorf("format 2 read-only: history %d runs, %v; want 3", len(h), err)
	}
	if jobs, _ := ro.Jobs(); len(jobs) != 2 {
		t.Errorf("format 2 read-only: jobs %+v", jobs)
	}
	ro.Close()
	// Opened for writing: upgraded.
	s, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	jobs, err := s.Jobs()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, j := range jobs {
		keys = append(keys, fmt.Sprintf("%s:%d", j.Key, j.Runs))
	}
	want := "name=Spark shell | user=ann:1,name=Spark shell | user=bob:1,name=nightly | user=etl:3"
	if got := strings.Join(keys, ","); got != want {
		t.Errorf("upgraded jobs %s; want %s", got, want)
	}
	if h, err := s.History(&next, 0); err != nil || len(h) != 3 || h[0].Job != "name=nightly | user=etl" {
		t.Errorf("after the upgrade: history %+v, %v; want the 3 runs of the job", h, err)
	}
	if err := s.Record(next, 0); err != nil {
		t.Fatal(err)
	}
}
