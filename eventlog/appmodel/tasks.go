package appmodel

import (
	"encoding/binary"
	"math"
	"sort"
)

// Metric names one per-task quantity.
type Metric uint8

// The per-task metrics the model keeps. Times are ms except where the name
// says Ns; sizes are bytes.
const (
	Duration Metric = iota // finish - launch
	SchedulerDelay
	GettingResultTime
	DeserializeTime
	DeserializeCPUTimeNs
	RunTime
	CPUTimeNs
	GCTime
	ResultSize
	ResultSerializationTime
	PeakExecutionMemory
	MemoryBytesSpilled
	DiskBytesSpilled
	InputBytes
	InputRecords
	OutputBytes
	OutputRecords
	ShuffleRemoteBlocksFetched
	ShuffleLocalBlocksFetched
	ShuffleFetchWaitTime
	ShuffleRemoteBytesRead
	ShuffleRemoteBytesReadToDisk
	ShuffleLocalBytesRead
	ShuffleReadRecords
	ShuffleRemoteReqsDuration
	ShuffleWriteBytes
	ShuffleWriteTimeNs
	ShuffleWriteRecords
	// Push-based shuffle read metrics (Spark 3.2+, "Shuffle Push Read
	// Metrics"); zero unless push-based shuffle ran.
	ShuffleCorruptMergedBlockChunks
	ShuffleMergedFetchFallbackCount
	ShuffleMergedRemoteBlocksFetched
	ShuffleMergedLocalBlocksFetched
	ShuffleMergedRemoteChunksFetched
	ShuffleMergedLocalChunksFetched
	ShuffleMergedRemoteBytesRead
	ShuffleMergedLocalBytesRead
	ShuffleMergedRemoteReqsDuration
	NumMetrics
)

var metricNames = [NumMetrics]string{
	"duration", "schedulerDelay", "gettingResultTime", "executorDeserializeTime",
	"executorDeserializeCpuTime", "executorRunTime", "executorCpuTime", "jvmGcTime",
	"resultSize", "resultSerializationTime", "peakExecutionMemory", "memoryBytesSpilled",
	"diskBytesSpilled", "inputBytes", "inputRecords", "outputBytes", "outputRecords",
	"shuffleRemoteBlocksFetched", "shuffleLocalBlocksFetched", "shuffleFetchWaitTime",
	"shuffleRemoteBytesRead", "shuffleRemoteBytesReadToDisk", "shuffleLocalBytesRead",
	"shuffleReadRecords", "shuffleRemoteReqsDuration", "shuffleWriteBytes",
	"shuffleWriteTime", "shuffleWriteRecords",
	"shuffleCorruptMergedBlockChunks", "shuffleMergedFetchFallbackCount",
	"shuffleMergedRemoteBlocksFetched", "shuffleMergedLocalBlocksFetched",
	"shuffleMergedRemoteChunksFetched", "shuffleMergedLocalChunksFetched",
	"shuffleMergedRemoteBytesRead", "shuffleMergedLocalBytesRead",
	"shuffleMergedRemoteReqsDuration",
}

func (m Metric) String() string {
	if m < NumMetrics {
		return metricNames[m]
	}
	return "metric?"
}

// Metrics is one value per Metric.
type Metrics [NumMetrics]int64

// ShuffleReadBytes is remote plus local bytes read.
func (m *Metrics) ShuffleReadBytes() int64 {
	return m[ShuffleRemoteBytesRead] + m[ShuffleLocalBytesRead]
}

// TaskStatus is how a task attempt ended.
type TaskStatus uint8

const (
	TaskSuccess TaskStatus = iota
	TaskFailed
	TaskKilled
	TaskResubmitted // a successful task whose output was lost and is re-run
	TaskRunning     // started, never ended (incomplete logs)
)

func (s TaskStatus) String() string {
	switch s {
	case TaskSuccess:
		return "SUCCESS"
	case TaskFailed:
		return "FAILED"
	case TaskKilled:
		return "KILLED"
	case TaskResubmitted:
		return "RESUBMITTED"
	default:
		return "RUNNING"
	}
}

// Task is one decoded task attempt.
type Task struct {
	TaskID  int64
	Index   int
	Attempt int
	// PartitionID is the RDD partition the task computed; -1 when the log
	// does not say (before Spark 3.3).
	PartitionID int
	Status      TaskStatus
	Speculative bool
	HasMetrics  bool
	// HadStart is set when the task's start event was seen (the History
	// Server only knows tasks that started).
	HadStart   bool
	Locality   string
	Executor   string
	Host       string
	LaunchTime int64 // epoch ms
	FinishTime int64 // epoch ms
	// Reason is the end reason of an unsuccessful task ("" for success).
	Reason string
	M      Metrics
}

var localities = []string{"", "PROCESS_LOCAL", "NODE_LOCAL", "RACK_LOCAL", "NO_PREF", "ANY"}

func localityCode(s string) uint64 {
	for i, l := range localities {
		if l == s {
			return uint64(i)
		}
	}
	return 0
}

// taskLog is the compact, append-only record of a stage's task attempts:
// each task is a run of varints (deltas where values are close), and only
// non-zero metrics are written, behind a bitmask. Real tasks take 25 to 60
// bytes.
type taskLog struct {
	buf      []byte
	n        int
	baseTime int64 // launch time of the first task
	firstID  int64
	lastID   int64
}

const (
	flagSpeculative = 1 << 3
	flagMetrics     = 1 << 4
	// locality: bits 5 to 7
	flagHadStart = 1 << 8
)

func zig(v int64) uint64   { return uint64((v << 1) ^ (v >> 63)) }
func unzig(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

func (l *taskLog) add(t *Task, exec, host, reason uint32) {
	if l.n == 0 {
		l.baseTime = t.LaunchTime
		l.firstID = t.TaskID
		l.lastID = t.TaskID
	}
	b := l.buf
	b = binary.AppendUvarint(b, zig(t.TaskID-l.lastID))
	l.lastID = t.TaskID
	b = binary.AppendUvarint(b, uint64(t.Index))
	b = binary.AppendUvarint(b, uint64(t.Attempt))
	b = binary.AppendUvarint(b, zig(int64(t.PartitionID)))
	flags := uint64(t.Status) | localityCode(t.Locality)<<5
	if t.HadStart {
		flags |= flagHadStart
	}
	if t.Speculative {
		flags |= flagSpeculative
	}
	if t.HasMetrics {
		flags |= flagMetrics
	}
	b = binary.AppendUvarint(b, flags)
	b = binary.AppendUvarint(b, uint64(exec))
	b = binary.AppendUvarint(b, uint64(host))
	b = binary.AppendUvarint(b, uint64(reason))
	b = binary.AppendUvarint(b, zig(t.LaunchTime-l.baseTime))
	b = binary.AppendUvarint(b, zig(t.FinishTime-t.LaunchTime))
	var mask uint64
	for i, v := range t.M {
		if v != 0 {
			mask |= 1 << uint(i)
		}
	}
	b = binary.AppendUvarint(b, mask)
	for i, v := range t.M {
		if mask&(1<<uint(i)) != 0 {
			b = binary.AppendUvarint(b, zig(v))
		}
	}
	l.buf = b
	l.n++
}

// each decodes every task in order. The Task passed to fn is reused.
func (l *taskLog) each(strs *strtab, fn func(*Task) bool) {
	var t Task
	b := l.buf
	id := l.baseID()
	first := true
	next := func() uint64 {
		v, n := binary.Uvarint(b)
		b = b[n:]
		return v
	}
	for len(b) > 0 {
		d := unzig(next())
		if first {
			first = false
		} else {
			id += d
		}
		t = Task{TaskID: id}
		t.Index = int(next())
		t.Attempt = int(next())
		t.PartitionID = int(unzig(next()))
		flags := next()
		t.Status = TaskStatus(flags & 7)
		t.Speculative = flags&flagSpeculative != 0
		t.HasMetrics = flags&flagMetrics != 0
		t.HadStart = flags&flagHadStart != 0
		if lc := int(flags>>5) & 7; lc < len(localities) {
			t.Locality = localities[lc]
		}
		t.Executor = strs.get(uint32(next()))
		t.Host = strs.get(uint32(next()))
		t.Reason = strs.get(uint32(next()))
		t.LaunchTime = l.baseTime + unzig(next())
		t.FinishTime = t.LaunchTime + unzig(next())
		mask := next()
		for i := 0; i < int(NumMetrics); i++ {
			if mask&(1<<uint(i)) != 0 {
				t.M[i] = unzig(next())
			}
		}
		if !fn(&t) {
			return
		}
	}
}

// baseID is the first task id; the first record stores a zero delta.
func (l *taskLog) baseID() int64 { return l.firstID }

// Tasks calls fn for every task attempt of the stage, in the order they
// ended; tasks still running when the log ends come last (status
// TaskRunning, no metrics). The *Task is reused between calls; copy what
// you keep.
func (s *Stage) Tasks(fn func(*Task) bool) {
	s.tasks.each(s.strs, fn)
}

// Bytes is the memory used by the stage's compact task data.
func (s *Stage) TaskBytes() int { return cap(s.tasks.buf) }

// Quantiles returns, for metric m, the values at quantiles qs over the
// successful tasks that reported metrics, with the History Server's rule:
// the value at index min(floor(q*n), n-1) of the sorted values. ok is false
// when there is no such task.
func (s *Stage) Quantiles(m Metric, qs []float64) (vals []float64, ok bool) {
	xs := s.successValues(m)
	if len(xs) == 0 {
		return nil, false
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	return pick(xs, qs), true
}

func pick(sorted []int64, qs []float64) []float64 {
	n := len(sorted)
	out := make([]float64, len(qs))
	for i, q := range qs {
		idx := int(math.Floor(q * float64(n)))
		if idx > n-1 {
			idx = n - 1
		}
		if idx < 0 {
			idx = 0
		}
		out[i] = float64(sorted[idx])
	}
	return out
}

func (s *Stage) successValues(m Metric) []int64 {
	xs := make([]int64, 0, s.NumCompleteTasks)
	s.Tasks(func(t *Task) bool {
		if t.Status == TaskSuccess && t.HasMetrics {
			xs = append(xs, t.M[m])
		}
		return true
	})
	return xs
}

// HSQuantiles returns the quantiles of metric m exactly as the Spark
// History Server's taskSummary computes them (docs/history-server-semantics.md
// §6): n is the number of successful tasks with metrics that it knows (tasks
// whose start was logged); each metric is sorted over its own population and
// the value at min(trunc(q*n), n-1) is taken. The populations are every known
// task for duration (running ones included), every known task with metrics
// for scheduler delay and getting-result time, and the successful tasks with
// metrics for everything else. NaN marks a position past the population. ok
// is false when n is 0 (the server answers 404).
func (s *Stage) HSQuantiles(m Metric, qs []float64) (vals []float64, ok bool) {
	pop := hsSuccess
	switch m {
	case Duration:
		pop = hsAll
	case SchedulerDelay, GettingResultTime:
		pop = hsWithMetrics
	}
	return s.hsQuantiles(pop, func(t *Task) int64 { return t.M[m] }, qs)
}

// HSQuantilesFunc is HSQuantiles for a value derived from a task (the
// History Server's shuffle readBytes = local + remote bytes, and
// totalBlocksFetched = local + remote blocks), over the successful tasks.
func (s *Stage) HSQuantilesFunc(value func(*Task) int64, qs []float64) (vals []float64, ok bool) {
	return s.hsQuantiles(hsSuccess, value, qs)
}

type hsPopulation uint8

const (
	hsSuccess hsPopulation = iota
	hsWithMetrics
	hsAll
)

func (s *Stage) hsQuantiles(pop hsPopulation, value func(*Task) int64, qs []float64) (vals []float64, ok bool) {
	all := s.startsSeen == 0
	n := 0
	var xs []int64
	s.Tasks(func(t *Task) bool {
		// The History Server knows a task only from its start event; a
		// second end (Resubmitted) does not change the record.
		if (!t.HadStart && !all) || t.Status == TaskResubmitted {
			return true
		}
		success := t.Status == TaskSuccess && t.HasMetrics
		if success {
			n++
		}
		switch {
		case success, pop == hsAll, pop == hsWithMetrics && t.HasMetrics:
			xs = append(xs, value(t))
		}
		return true
	})
	if n == 0 {
		return nil, false
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	return hsPick(xs, n, qs), true
}

// hsPick takes, for each q, the element at min(trunc(q*n), n-1) of sorted,
// or NaN past its end. The product is computed in IEEE double as the
// History Server does (0.29*100 gives index 28).
func hsPick(sorted []int64, n int, qs []float64) []float64 {
	vals := make([]float64, len(qs))
	for i, q := range qs {
		idx := int(math.Trunc(q * float64(n)))
		if idx > n-1 {
			idx = n - 1
		}
		if idx < 0 || idx >= len(sorted) {
			vals[i] = math.NaN()
			continue
		}
		vals[i] = float64(sorted[idx])
	}
	return vals
}

// HSExecutorQuantiles returns the quantiles of one per-executor value over
// the stage's executor summaries, as the History Server's
// executorMetricsDistributions: value reports false for entries outside the
// population (entries without peak metrics, for a peak metric); n is the
// population size, and every value is 0 when it is empty.
func (s *Stage) HSExecutorQuantiles(value func(*ExecutorStageSummary) (int64, bool), qs []float64) []float64 {
	var xs []int64
	for _, es := range s.ExecutorSummaries {
		if v, ok := value(es); ok {
			xs = append(xs, v)
		}
	}
	if len(xs) == 0 {
		return make([]float64, len(qs))
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	return hsPick(xs, len(xs), qs)
}

// Summary is a five-number summary plus mean and count of a metric over the
// successful tasks of a stage.
type Summary struct {
	Count  int     `json:"count"`
	Min    float64 `json:"min"`
	P25    float64 `json:"p25"`
	Median float64 `json:"median"`
	P75    float64 `json:"p75"`
	P95    float64 `json:"p95"`
	Max    float64 `json:"max"`
	Mean   float64 `json:"mean"`
	Total  float64 `json:"total"`
}

// Summarize returns the Summary of metric m.
func (s *Stage) Summarize(m Metric) Summary {
	xs := s.successValues(m)
	if len(xs) == 0 {
		return Summary{}
	}
	sort.Slice(xs, func(i, j int) bool { return xs[i] < xs[j] })
	q := pick(xs, []float64{0, 0.25, 0.5, 0.75, 0.95, 1})
	var tot float64
	for _, x := range xs {
		tot += float64(x)
	}
	return Summary{Count: len(xs), Min: q[0], P25: q[1], Median: q[2], P75: q[3], P95: q[4], Max: q[5], Mean: tot / float64(len(xs)), Total: tot}
}

// bitset records which task indices completed.
type bitset []uint64

func (b *bitset) set(i int) bool {
	if i < 0 {
		return false
	}
	w := i / 64
	for len(*b) <= w {
		*b = append(*b, 0)
	}
	m := uint64(1) << uint(i%64)
	if (*b)[w]&m != 0 {
		return false
	}
	(*b)[w] |= m
	return true
}

func (b bitset) has(i int) bool {
	w := i / 64
	return i >= 0 && w < len(b) && b[w]&(uint64(1)<<uint(i%64)) != 0
}

// strtab interns the strings repeated per task (executor ids, hosts,
// failure reasons) so a task stores small integers.
type strtab struct {
	ids  map[string]uint32
	strs []string
}

func newStrtab() *strtab {
	return &strtab{ids: map[string]uint32{"": 0}, strs: []string{""}}
}

func (t *strtab) id(s string) uint32 {
	if id, ok := t.ids[s]; ok {
		return id
	}
	id := uint32(len(t.strs))
	t.ids[s] = id
	t.strs = append(t.strs, s)
	return id
}

func (t *strtab) get(id uint32) string {
	if int(id) < len(t.strs) {
		return t.strs[id]
	}
	return ""
}
