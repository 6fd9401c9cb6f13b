// Package baseline keeps the key figures of every run of a recurring job in
// a local single-file database, and says when a new run drifts from that
// job's usual runs.
//
// The store is a bbolt file (go.etcd.io/bbolt: pure Go, one file, no server,
// crash-safe transactions). Runs are kept per job key (advice/jobkey: by
// default the application name and user, or a well-known job id), because a
// recurring job keeps its key from run to run while its application ID
// changes. Within a job, runs are ordered by start time; recording the same
// application attempt again replaces its entry, so re-running a nightly
// review over the same logs does not count a run twice.
//
// Stores of format 2 and older kept runs per application name alone; opened
// for writing, they are upgraded in place (see upgrade): each run moves to
// the job key its name and user give ("name=N | user=U"), so a job keeps
// its history, and the runs of a default name ("Spark shell") are split by
// user and no longer compared unless --job-key says shell-names.
//
// Only one process can have the store open for writing at a time; a second
// one waits up to Options.LockTimeout and then fails with ErrLocked.
package baseline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	json "github.com/goccy/go-json"
	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/sparkdiag/sparkdiag/advice/jobkey"
)

// Run is what the store keeps of one application run.
type Run struct {
	AppID     string `json:"appId"`
	AttemptID string `json:"attemptId,omitempty"`
	// Job is the run's job key (jobkey.Key.Key), the store's bucket. Runs
	// recorded before job keys have none until the store is upgraded.
	Job  string `json:"job,omitempty"`
	Name string `json:"name"`
	User string `json:"user,omitempty"`
	// Shape is what the run did (its stages and SQL executions); nil for
	// runs recorded before shapes, which are compared with every run of
	// their job.
	Shape *jobkey.Shape `json:"shape,omitempty"`
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

// ErrNoJob is returned by Record for a run without a job identity (a
// default application name such as "Spark shell", or no name): such runs
// are reported but not recorded.
var ErrNoJob = errors.New("baseline: the run has no job identity")

// JobOf is the job key of a run: its Job, or for a run without one the
// default key of its name and user (jobkey.DefaultSpec without a
// configuration: "name=N | user=U"); "" when that has no job identity.
func JobOf(r *Run) string {
	if r.Job != "" {
		return r.Job
	}
	return jobkey.Compute(nil, jobkey.Info{Name: r.Name, User: r.User}).Key
}

// legacyKey is the job key of a run recorded before job keys: its name and
// user, default names included.
func legacyKey(r *Run) string {
	return jobkey.Compute(legacySpec, jobkey.Info{Name: r.Name, User: r.User}).Key
}

var legacySpec, _ = jobkey.Parse("name,user,shell-names")

// Store is an open baseline database.
type Store struct {
	db   *bolt.DB
	path string
	// format is the store's format: storeFormat, or an older one opened
	// read-only (format 1 has no checksums; formats 1 and 2 keep their
	// jobs by application name).
	format string
}

// legacy reports whether the store keeps its jobs by application name
// (format 1 or 2, opened read-only).
func (s *Store) legacy() bool { return s.format != storeFormat }

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

// bucket names. Every job has a sub-bucket of jobsBucket named after its
// job key; its keys are start time (8 bytes, big-endian) followed
// by "appId\x00attemptId".
var (
	jobsBucket = []byte("jobs")
	metaBucket = []byte("meta")
	formatKey  = []byte("format")
)

// storeFormat is the version of the store's layout. Format 3 keeps the
// jobs by job key (format 2 by application name); formats 2 and 3 prefix
// every record with the CRC-32C of the job, the key and the record; format
// 1 (no checksums) and 2 are still read, and upgraded when opened for
// writing.
const (
	storeFormat   = "sparkdiag-baseline/3"
	storeFormatV2 = "sparkdiag-baseline/2"
	storeFormatV1 = "sparkdiag-baseline/1"
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// seal prefixes a record with its checksum.
func seal(job, key, val []byte) []byte {
	out := make([]byte, 4, 4+len(val))
	binary.BigEndian.PutUint32(out, recordSum(job, key, val))
	return append(out, val...)
}

func recordSum(job, key, val []byte) uint32 {
	h := crc32.New(crcTable)
	h.Write(job)
	h.Write([]byte{0})
	h.Write(key)
	h.Write([]byte{0})
	h.Write(val)
	return h.Sum32()
}

// Open opens (creating when needed, unless read-only) the store at path.
//
// Before bbolt sees the file, Open walks all of it (checkFile) and, once
// it is open, checks every record's checksum: a damaged store gives an
// error that wraps ErrDamaged (a *DamagedError, which says how to rebuild
// the store) instead of a crash inside bbolt. An empty file is not taken
// for a new store.
func Open(path string, o Options) (*Store, error) {
	if o.LockTimeout <= 0 {
		o.LockTimeout = 5 * time.Second
	}
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.Size() == 0:
		return nil, fmt.Errorf("baseline store %s: the file is empty (0 bytes), not a baseline store; "+
			"remove it and 'sparkdiag review --baseline %s LOG_DIR...' creates a new one", path, path)
	case err == nil && !fi.Mode().IsRegular():
		return nil, fmt.Errorf("baseline store %s: not a regular file", path)
	case err == nil:
		if err := checkFile(path, o.LockTimeout); err != nil {
			if errors.Is(err, ErrLocked) {
				return nil, fmt.Errorf("baseline store %s: %w", path, ErrLocked)
			}
			if errors.Is(err, ErrDamaged) {
				return nil, err
			}
			return nil, fmt.Errorf("baseline store %s: %w", path, err)
		}
	case o.ReadOnly || !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("baseline store %s: %w", path, err)
	}
	var db *bolt.DB
	err = guard(path, func() (err error) {
		db, err = bolt.Open(path, 0o644, &bolt.Options{Timeout: o.LockTimeout, ReadOnly: o.ReadOnly})
		return err
	})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("baseline store %s: %w", path, ErrLocked)
		}
		if errors.Is(err, ErrDamaged) {
			return nil, err
		}
		return nil, fmt.Errorf("baseline store %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if o.ReadOnly {
		err = s.view(func(tx *bolt.Tx) error {
			f, err := checkFormat(tx, path)
			s.format = f
			return err
		})
	} else {
		err = s.update(func(tx *bolt.Tx) error {
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
			f, err := checkFormat(tx, path)
			if err != nil {
				return err
			}
			jobs, err := tx.CreateBucketIfNotExists(jobsBucket)
			if err != nil {
				return err
			}
			s.format = storeFormat
			if f != storeFormat {
				return upgrade(m, jobs, f, path)
			}
			return nil
		})
	}
	if err == nil {
		err = s.verify()
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// upgrade moves the runs of a format-1 or format-2 store (jobs by
// application name) to their job keys (legacyKey: name and user), with
// checksums, and marks the store format 3. A format-2 record whose
// checksum does not match fails the upgrade (the store is damaged).
func upgrade(meta, jobs *bolt.Bucket, from, path string) error {
	var names [][]byte
	if err := jobs.ForEachBucket(func(k []byte) error {
		names = append(names, bytes.Clone(k))
		return nil
	}); err != nil {
		return err
	}
	var runs []Run
	for _, name := range names {
		if err := jobs.Bucket(name).ForEach(func(k, v []byte) error {
			if from != storeFormatV1 {
				if len(v) < 4 || binary.BigEndian.Uint32(v) != recordSum(name, k, v[4:]) {
					return damaged(path, "job %q: a record's checksum does not match", name)
				}
				v = v[4:]
			}
			var r Run
			if err := json.Unmarshal(v, &r); err != nil {
				return damaged(path, "job %q: a record cannot be read: %v", name, err)
			}
			runs = append(runs, r)
			return nil
		}); err != nil {
			return err
		}
		if err := jobs.DeleteBucket(name); err != nil {
			return err
		}
	}
	for i := range runs {
		r := &runs[i]
		if r.Job = legacyKey(r); r.Job == "" {
			continue // no name: never recorded by sparkdiag
		}
		job, err := jobs.CreateBucketIfNotExists([]byte(r.Job))
		if err != nil {
			return err
		}
		val, err := json.Marshal(r)
		if err != nil {
			return err
		}
		k := runKey(r)
		if err := job.Put(k, seal([]byte(r.Job), k, val)); err != nil {
			return err
		}
	}
	return meta.Put(formatKey, []byte(storeFormat))
}

func checkFormat(tx *bolt.Tx, path string) (string, error) {
	m := tx.Bucket(metaBucket)
	if m == nil || (!tx.Writable() && tx.Bucket(jobsBucket) == nil) {
		return "", fmt.Errorf("baseline store %s: not a sparkdiag baseline store", path)
	}
	f := string(m.Get(formatKey))
	if f != storeFormat && f != storeFormatV2 && f != storeFormatV1 {
		return f, fmt.Errorf("baseline store %s: format %q, this sparkdiag reads %q", path, f, storeFormat)
	}
	return f, nil
}

// guard runs fn, turning a panic or a memory fault inside bbolt (which
// reads its file through a memory map) into a *DamagedError. The file has
// been checked by then; this is for damage done since, or missed.
func guard(path string, fn func() error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if r := recover(); r != nil {
			if re, ok := r.(runtime.Error); ok && strings.Contains(re.Error(), "memory address") {
				err = damaged(path, "a page could not be read; was the file cut short while open? (%v)", r)
				return
			}
			err = damaged(path, "bbolt failed reading it: %v", r)
		}
	}()
	return fn()
}

func (s *Store) view(fn func(*bolt.Tx) error) error {
	return guard(s.path, func() error { return s.db.View(fn) })
}

func (s *Store) update(fn func(*bolt.Tx) error) error {
	return guard(s.path, func() error { return s.db.Update(fn) })
}

// verify checks the checksum of every record.
func (s *Store) verify() error {
	return s.view(func(tx *bolt.Tx) error {
		jobs := tx.Bucket(jobsBucket)
		if jobs == nil {
			return nil
		}
		return jobs.ForEachBucket(func(name []byte) error {
			return jobs.Bucket(name).ForEach(func(k, v []byte) error {
				_, err := s.record(name, k, v)
				return err
			})
		})
	})
}

// record checks and returns the record (JSON) held in v.
func (s *Store) record(job, k, v []byte) ([]byte, error) {
	if s.format == storeFormatV1 {
		return v, nil
	}
	if len(v) < 4 || binary.BigEndian.Uint32(v) != recordSum(job, k, v[4:]) {
		return nil, damaged(s.path, "job %q: a record's checksum does not match", job)
	}
	return v[4:], nil
}

// decode checks and decodes a record of job.
func (s *Store) decode(job, k, v []byte) (Run, error) {
	var o Run
	b, err := s.record(job, k, v)
	if err != nil {
		return o, err
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return o, damaged(s.path, "job %q: a record cannot be read: %v", job, err)
	}
	if got := s.jobOfRecord(&o); got != string(job) {
		return o, damaged(s.path, "job %q holds a run of %q", job, got)
	}
	return o, nil
}

// jobOfRecord is the bucket a stored run belongs in.
func (s *Store) jobOfRecord(r *Run) string {
	if s.legacy() {
		return r.Name
	}
	return r.Job
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

// Record adds a run to its job (JobOf: its job key), replacing an
// earlier record of the same application attempt, and keeps at most keep
// runs of the job (the newest; keep <= 0 keeps all). A run without a job
// identity is not recorded: the error wraps ErrNoJob.
func (s *Store) Record(r Run, keep int) error {
	if r.Name == "" && r.Job == "" {
		return fmt.Errorf("%w: a run without an application name or a job key cannot be recorded", ErrNoJob)
	}
	if r.Job = JobOf(&r); r.Job == "" {
		return fmt.Errorf("%w: %q is a default application name; give the run a job key", ErrNoJob, r.Name)
	}
	if s.legacy() {
		return fmt.Errorf("baseline store %s: format %q is open read-only", s.path, s.format)
	}
	if r.RecordedAt == 0 {
		r.RecordedAt = time.Now().UnixMilli()
	}
	val, err := json.Marshal(&r)
	if err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		job, err := tx.Bucket(jobsBucket).CreateBucketIfNotExists([]byte(r.Job))
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
		k := runKey(&r)
		if err := job.Put(k, seal([]byte(r.Job), k, val)); err != nil {
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

// History returns the runs of the run's job (JobOf) that started before
// it and are not of the same application (another attempt of it is not an
// earlier run of the job), oldest first, at most limit of them (the
// newest; limit <= 0 for all). A run without a job identity has none.
func (s *Store) History(r *Run, limit int) ([]Run, error) {
	var out []Run
	key := JobOf(r)
	if key == "" {
		return nil, nil
	}
	bucket := key
	if s.legacy() {
		bucket = r.Name // and only the runs of the same key, below
	}
	err := s.view(func(tx *bolt.Tx) error {
		job := tx.Bucket(jobsBucket).Bucket([]byte(bucket))
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
			o, err := s.decode([]byte(bucket), k, v)
			if err != nil {
				return err
			}
			if o.Start >= r.Start || o.AppID == r.AppID || (s.legacy() && legacyKey(&o) != key) {
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

// ErrAmbiguous is returned when a job is named by an application name
// that several jobs share (runs of several users): name it by its key.
var ErrAmbiguous = errors.New("the name is several jobs")

// resolve finds the job (bucket) that job names: a job key, or an
// application name that exactly one job has ("" when none has).
func (s *Store) resolve(tx *bolt.Tx, job string) (string, error) {
	jobs := tx.Bucket(jobsBucket)
	if jobs.Bucket([]byte(job)) != nil {
		return job, nil
	}
	var keys []string
	err := jobs.ForEachBucket(func(k []byte) error {
		name, err := s.lastName(jobs.Bucket(k), k)
		if err == nil && name == job {
			keys = append(keys, string(k))
		}
		return err
	})
	switch {
	case err != nil:
		return "", err
	case len(keys) > 1:
		sort.Strings(keys)
		return "", fmt.Errorf("%w: %q is the name of %d jobs (%s); name one by its key", ErrAmbiguous, job, len(keys), strings.Join(keys, "; "))
	case len(keys) == 1:
		return keys[0], nil
	}
	return "", nil
}

// lastName is the application name of a job's newest run.
func (s *Store) lastName(b *bolt.Bucket, job []byte) (string, error) {
	k, v := b.Cursor().Last()
	if k == nil {
		return "", nil
	}
	o, err := s.decode(job, k, v)
	return o.Name, err
}

// Runs returns every recorded run of a job, oldest first. The job is named
// by its key or by an application name only one job has (else the error
// wraps ErrAmbiguous); an unknown job has no runs.
func (s *Store) Runs(job string) ([]Run, error) {
	var out []Run
	err := s.view(func(tx *bolt.Tx) error {
		key, err := s.resolve(tx, job)
		if err != nil || key == "" {
			return err
		}
		b := tx.Bucket(jobsBucket).Bucket([]byte(key))
		return b.ForEach(func(k, v []byte) error {
			o, err := s.decode([]byte(key), k, v)
			if err != nil {
				return err
			}
			out = append(out, o)
			return nil
		})
	})
	return out, err
}

// Job is one recurring job of the store.
type Job struct {
	// Key is the job key (for stores of format 2 and older, the name).
	Key string `json:"key"`
	// Name is the application name of its newest run.
	Name string `json:"name"`
	Runs int    `json:"runs"`
	// First and Last are the start times of its oldest and newest runs.
	First int64 `json:"firstStart"`
	Last  int64 `json:"lastStart"`
}

// Jobs lists the jobs of the store, by key.
func (s *Store) Jobs() ([]Job, error) {
	var out []Job
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(jobsBucket).ForEachBucket(func(key []byte) error {
			b := tx.Bucket(jobsBucket).Bucket(key)
			j := Job{Key: string(key)}
			if err := b.ForEach(func(k, v []byte) error {
				j.Runs++
				_, err := s.record(key, k, v)
				return err
			}); err != nil {
				return err
			}
			name, err := s.lastName(b, key)
			if err != nil {
				return err
			}
			j.Name = name
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
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, err
}

// Forget removes a job's runs: all of them when appIDs is empty, else the
// runs of those application IDs (every attempt). The job is named as for
// Runs. It returns how many runs were removed.
func (s *Store) Forget(job string, appIDs ...string) (int, error) {
	removed := 0
	err := s.update(func(tx *bolt.Tx) error {
		key, err := s.resolve(tx, job)
		if err != nil || key == "" {
			return err
		}
		jobs := tx.Bucket(jobsBucket)
		b := jobs.Bucket([]byte(key))
		if len(appIDs) == 0 {
			removed = b.Stats().KeyN
			return jobs.DeleteBucket([]byte(key))
		}
		want := map[string]bool{}
		for _, id := range appIDs {
			want[id] = true
		}
		var stale [][]byte
		c := b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if app, _, ok := splitKey(k); ok && want[app] {
				stale = append(stale, bytes.Clone(k))
			}
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		removed = len(stale)
		return nil
	})
	return removed, err
}

// MergeFrom records every run of src into s (keep runs per job at most, as
// Record), job by job: the baseline stores of several reviews (such as
// shards that each kept their own) become one. A run already in s (the
// same application attempt) is replaced. It returns how many runs were
// recorded.
func (s *Store) MergeFrom(src *Store, keep int) (int, error) {
	jobs, err := src.Jobs()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, j := range jobs {
		runs, err := src.Runs(j.Key)
		if err != nil {
			return n, err
		}
		for _, r := range runs {
			if r.Job == "" {
				r.Job = j.Key
			}
			if err := s.Record(r, keep); err != nil {
				return n, fmt.Errorf("%s: job %q, application %s: %w", src.Path(), j.Key, r.AppID, err)
			}
			n++
		}
	}
	return n, nil
}
