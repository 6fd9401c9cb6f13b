// Package baseline keeps the key figures of every run of a recurring job in
// a local single-file database, and says when a new run drifts from that
// job's usual runs.
//
// The store is a bbolt file (go.etcd.io/bbolt: pure Go, one file, no server,
// crash-safe transactions). Runs are kept per application name, because a
// recurring job keeps its name from run to run while its application ID
// changes. Within a job, runs are ordered by start time; recording the same
// application attempt again replaces its entry, so re-running a nightly
// review over the same logs does not count a run twice.
//
// Only one process can have the store open for writing at a time; a second
// one waits up to Options.LockTimeout and then fails with ErrLocked.
package baseline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	json "github.com/goccy/go-json"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Run is what the store keeps of one application run.
type Run struct {
	AppID     string `json:"appId"`
	AttemptID string `json:"attemptId,omitempty"`
	Name      string `json:"name"`
	User      string `json:"user,omitempty"`
	// Start is the application's start time, epoch milliseconds.
	Start      int64 `json:"startTime"`
	DurationMs int64 `json:"durationMs"`
	Completed  bool  `json:"completed"`
	// TaskTimeMs is the executors' run time summed over all tasks.
	TaskTimeMs         int64 `json:"taskTimeMs"`
	InputBytes         int64 `json:"inputBytes"`
	OutputBytes        int64 `json:"outputBytes"`
	ShuffleReadBytes   int64 `json:"shuffleReadBytes"`
	ShuffleWriteBytes  int64 `json:"shuffleWriteBytes"`
	MemoryBytesSpilled int64 `json:"memoryBytesSpilled"`
	DiskBytesSpilled   int64 `json:"diskBytesSpilled"`
	Tasks              int   `json:"tasks"`
	FailedTasks        int   `json:"failedTasks"`
	// TaskSkew is the largest ratio of the slowest to the median task
	// duration over the run's stages that have enough tasks and a slowest
	// task of at least a second (0 when none has).
	TaskSkew float64 `json:"taskSkew"`
	// Findings counts the run's findings; Worst is the highest severity
	// ("" when none).
	Findings int    `json:"findings"`
	Worst    string `json:"worst,omitempty"`
	// Source is where the log was read from.
	Source string `json:"source,omitempty"`
	// RecordedAt is when the run was recorded, epoch milliseconds.
	RecordedAt int64 `json:"recordedAt"`
}

// Key identifies a run within its job.
func (r *Run) sameApp(o *Run) bool { return r.AppID == o.AppID && r.AttemptID == o.AttemptID }

// Store is an open baseline database.
type Store struct {
	db   *bolt.DB
	path string
}

// Options tune Open.
type Options struct {
	// ReadOnly opens the store without write access (several readers may
	// share it).
	ReadOnly bool
	// LockTimeout is how long Open waits for another process to release
	// the file. Default 5 s.
	LockTimeout time.Duration
}

// ErrLocked is returned when another process holds the store.
var ErrLocked = errors.New("the baseline store is in use by another process")

// bucket names. Every job has a sub-bucket of jobsBucket named after the
// application name; its keys are start time (8 bytes, big-endian) followed
// by "appId\x00attemptId".
var (
	jobsBucket = []byte("jobs")
	metaBucket = []byte("meta")
	formatKey  = []byte("format")
)

// format is the version of the store's layout.
const storeFormat = "sparkdiag-baseline/1"

// Open opens (creating when needed, unless read-only) the store at path.
func Open(path string, o Options) (*Store, error) {
	if o.LockTimeout <= 0 {
		o.LockTimeout = 5 * time.Second
	}
	if o.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("baseline store %s: %w", path, err)
		}
	}
	db, err := bolt.Open(path, 0o644, &bolt.Options{Timeout: o.LockTimeout, ReadOnly: o.ReadOnly})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("baseline store %s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("baseline store %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if o.ReadOnly {
		err = db.View(func(tx *bolt.Tx) error { return checkFormat(tx, path) })
	} else {
		err = db.Update(func(tx *bolt.Tx) error {
			m := tx.Bucket(metaBucket)
			if m == nil {
				if tx.Bucket(jobsBucket) != nil {
					return fmt.Errorf("baseline store %s: not a sparkdiag baseline store", path)
				}
				var err error
				if m, err = tx.CreateBucket(metaBucket); err != nil {
					return err
				}
				if err := m.Put(formatKey, []byte(storeFormat)); err != nil {
					return err
				}
			}
			if err := checkFormat(tx, path); err != nil {
				return err
			}
			_, err := tx.CreateBucketIfNotExists(jobsBucket)
			return err
		})
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func checkFormat(tx *bolt.Tx, path string) error {
	m := tx.Bucket(metaBucket)
	if m == nil {
		return fmt.Errorf("baseline store %s: not a sparkdiag baseline store", path)
	}
	if f := m.Get(formatKey); string(f) != storeFormat {
		return fmt.Errorf("baseline store %s: format %q, this sparkdiag reads %q", path, f, storeFormat)
	}
	return nil
}

// Path is the store's file.
func (s *Store) Path() string { return s.path }

// Close closes the store.
func (s *Store) Close() error { return s.db.Close() }

func runKey(r *Run) []byte {
	k := make([]byte, 8, 8+len(r.AppID)+1+len(r.AttemptID))
	binary.BigEndian.PutUint64(k, uint64(r.Start))
	k = append(k, r.AppID...)
	k = append(k, 0)
	return append(k, r.AttemptID...)
}

// Record adds a run to its job (the application name), replacing an
// earlier record of the same application attempt, and keeps at most keep
// runs of the job (the newest; keep <= 0 keeps all).
func (s *Store) Record(r Run, keep int) error {
	if r.Name == "" {
		return errors.New("baseline: a run without an application name cannot be recorded")
	}
	if r.RecordedAt == 0 {
		r.RecordedAt = time.Now().UnixMilli()
	}
	val, err := json.Marshal(&r)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		job, err := tx.Bucket(jobsBucket).CreateBucketIfNotExists([]byte(r.Name))
		if err != nil {
			return err
		}
		// The same attempt recorded before (its start time may differ if
		// the earlier log was cut off): drop it.
		var stale [][]byte
		c := job.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if app, att, ok := splitKey(k); ok && app == r.AppID && att == r.AttemptID {
				stale = append(stale, bytes.Clone(k))
			}
		}
		for _, k := range stale {
			if err := job.Delete(k); err != nil {
				return err
			}
		}
		if err := job.Put(runKey(&r), val); err != nil {
			return err
		}
		if keep > 0 {
			n := 0
			c := job.Cursor()
			for k, _ := c.First(); k != nil; k, _ = c.Next() {
				n++
			}
			for k, _ := c.First(); k != nil && n > keep; k, _ = c.First() {
				if err := job.Delete(k); err != nil {
					return err
				}
				n--
			}
		}
		return nil
	})
}

func splitKey(k []byte) (app, attempt string, ok bool) {
	if len(k) < 9 {
		return "", "", false
	}
	rest := k[8:]
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return "", "", false
	}
	return string(rest[:i]), string(rest[i+1:]), true
}

// History returns the job's runs that started before the given run (and
// are not the same application attempt), oldest first, at most limit of
// them (the newest; limit <= 0 for all).
func (s *Store) History(r *Run, limit int) ([]Run, error) {
	var out []Run
	err := s.db.View(func(tx *bolt.Tx) error {
		job := tx.Bucket(jobsBucket).Bucket([]byte(r.Name))
		if job == nil {
			return nil
		}
		c := job.Cursor()
		var before [8]byte
		binary.BigEndian.PutUint64(before[:], uint64(r.Start))
		// Walk back from the run's start time.
		k, v := c.Seek(before[:])
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		for ; k != nil; k, v = c.Prev() {
			var o Run
			if err := json.Unmarshal(v, &o); err != nil {
				return fmt.Errorf("baseline store %s: job %q: corrupt record: %w", s.path, r.Name, err)
			}
			if o.Start >= r.Start || o.sameApp(r) {
				continue
			}
			out = append(out, o)
			if limit > 0 && len(out) == limit {
				break
			}
		}
		return nil
	})
	// Oldest first.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, err
}

// Runs returns every recorded run of a job, oldest first.
func (s *Store) Runs(name string) ([]Run, error) {
	var out []Run
	err := s.db.View(func(tx *bolt.Tx) error {
		job := tx.Bucket(jobsBucket).Bucket([]byte(name))
		if job == nil {
			return nil
		}
		return job.ForEach(func(_, v []byte) error {
			var o Run
			if err := json.Unmarshal(v, &o); err != nil {
				return fmt.Errorf("baseline store %s: job %q: corrupt record: %w", s.path, name, err)
			}
			out = append(out, o)
			return nil
		})
	})
	return out, err
}

// Job is one recurring job of the store.
type Job struct {
	Name string `json:"name"`
	Runs int    `json:"runs"`
	// First and Last are the start times of its oldest and newest runs.
	First int64 `json:"firstStart"`
	Last  int64 `json:"lastStart"`
}

// Jobs lists the jobs of the store, by name.
func (s *Store) Jobs() ([]Job, error) {
	var out []Job
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(jobsBucket).ForEachBucket(func(name []byte) error {
			b := tx.Bucket(jobsBucket).Bucket(name)
			j := Job{Name: string(name), Runs: b.Stats().KeyN}
			c := b.Cursor()
			if k, _ := c.First(); len(k) >= 8 {
				j.First = int64(binary.BigEndian.Uint64(k))
			}
			if k, _ := c.Last(); len(k) >= 8 {
				j.Last = int64(binary.BigEndian.Uint64(k))
			}
			out = append(out, j)
			return nil
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// Forget removes a job's runs: all of them when appIDs is empty, else the
// runs of those application IDs (every attempt). It returns how many runs
// were removed.
func (s *Store) Forget(name string, appIDs ...string) (int, error) {
	removed := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		jobs := tx.Bucket(jobsBucket)
		job := jobs.Bucket([]byte(name))
		if job == nil {
			return nil
		}
		if len(appIDs) == 0 {
			removed = job.Stats().KeyN
			return jobs.DeleteBucket([]byte(name))
		}
		want := map[string]bool{}
		for _, id := range appIDs {
			want[id] = true
		}
		var stale [][]byte
		c := job.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if app, _, ok := splitKey(k); ok && want[app] {
				stale = append(stale, bytes.Clone(k))
			}
		}
		for _, k := range stale {
			if err := job.Delete(k); err != nil {
				return err
			}
		}
		removed = len(stale)
		return nil
	})
	return removed, err
}
