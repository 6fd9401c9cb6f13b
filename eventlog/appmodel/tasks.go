package appmodel

import (
	"encoding/binary"
	"math"
	"math/bits"
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

// taskLog is the compact, append-only record of a stage's task attempts.
// Each task is a run of varints, most of them deltas from the task before
// (id, index, launch time, the header of flags, the mask of non-zero
// metrics), and only the non-zero metrics are written; the duration and
// scheduler delay are left out when they follow from the other fields.
// Real tasks take 20 to 40 bytes. Records go into chunks that are never
// copied: the log grows without leaving garbage behind, and without the
// slack of a doubling buffer.
type taskLog struct {
	chunks [][]byte // filled chunks
	cur    []byte   // the chunk being filled
	n      int
	start  taskDelta // what the first record is a delta from
	last   taskDelta // the last task written
	enc    *taskEnc  // while tasks are added (nil once sealed)
	sealed bool
	// expect is the number of tasks the stage is expected to have (0 when
	// unknown); bytesWritten the size of the records so far.
	expect       int
	bytesWritten int
}

// taskEnc is the state of a log's writer: the last task written, for the
// deltas, and the record being encoded.
type taskEnc struct {
	last  taskDelta
	prevM Metrics
	scr   []byte
}

// taskDelta is what the next record is a delta from.
type taskDelta struct {
	id     int64
	index  int64
	header uint64
	launch int64
	mask   uint64
}

const (
	// header bits
	hdrStatus       = 7 // bits 0-2
	flagSpeculative = 1 << 3
	flagMetrics     = 1 << 4
	// locality: bits 5 to 7
	flagHadStart   = 1 << 8
	flagPartIndex  = 1 << 9  // partition == index
	flagPartNone   = 1 << 10 // partition == -1
	flagDurDerived = 1 << 11 // M[Duration] is finish - launch (or 0)
	flagSDDerived  = 1 << 12 // M[SchedulerDelay] follows from the others
	flagSameHost   = 1 << 13 // the executor's usual host (strtab.hostOf)
	flagNoReason   = 1 << 14 // reason 0 (success)
	flagResetM     = 1 << 15 // metric deltas start again from zero (a log added to after seal)
	hdrAttempt     = 16      // attempt from bit 16 on

	firstChunk = 256
	maxChunk   = 32 << 10
)

func zig(v int64) uint64   { return uint64((v << 1) ^ (v >> 63)) }
func unzig(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

// derivedDuration is the duration the builder gives a task that ended.
func derivedDuration(launch, finish int64) int64 {
	if finish > 0 && launch > 0 {
		return finish - launch
	}
	return 0
}

// derivedSchedulerDelay is the builder's scheduler delay of metrics m.
func derivedSchedulerDelay(m *Metrics) int64 {
	if d := m[Duration] - m[RunTime] - m[DeserializeTime] - m[ResultSerializationTime] - m[GettingResultTime]; d > 0 {
		return d
	}
	return 0
}

func (l *taskLog) add(strs *strtab, t *Task, exec, host, reason uint32) {
	reset := false
	if l.enc == nil {
		l.enc = &taskEnc{last: l.last}
		reset = l.n > 0
	}
	e := l.enc
	p := &e.last
	b := e.scr[:0]
	if l.n == 0 {
		l.start = taskDelta{id: t.TaskID, launch: t.LaunchTime}
		*p = l.start
	}
	b = binary.AppendUvarint(b, zig(t.TaskID-p.id))
	b = binary.AppendUvarint(b, zig(int64(t.Index)-p.index))
	h := uint64(t.Status) | localityCode(t.Locality)<<5 | uint64(t.Attempt)<<hdrAttempt
	if t.HadStart {
		h |= flagHadStart
	}
	if t.Speculative {
		h |= flagSpeculative
	}
	if t.HasMetrics {
		h |= flagMetrics
	}
	switch t.PartitionID {
	case t.Index:
		h |= flagPartIndex
	case -1:
		h |= flagPartNone
	}
	m := t.M
	if m[Duration] == derivedDuration(t.LaunchTime, t.FinishTime) {
		h |= flagDurDerived
		m[Duration] = 0
	}
	if t.M[SchedulerDelay] == derivedSchedulerDelay(&t.M) {
		h |= flagSDDerived
		m[SchedulerDelay] = 0
	}
	if hh, ok := strs.hostOf(exec); ok && hh == host {
		h |= flagSameHost
	}
	if reason == 0 {
		h |= flagNoReason
	}
	if reset {
		h |= flagResetM
	}
	b = binary.AppendUvarint(b, h^p.header)
	if h&(flagPartIndex|flagPartNone) == 0 {
		b = binary.AppendUvarint(b, zig(int64(t.PartitionID)))
	}
	b = binary.AppendUvarint(b, uint64(exec))
	if h&flagSameHost == 0 {
		b = binary.AppendUvarint(b, uint64(host))
	}
	if reason != 0 {
		b = binary.AppendUvarint(b, uint64(reason))
	}
	b = binary.AppendUvarint(b, zig(t.LaunchTime-p.launch))
	b = binary.AppendUvarint(b, zig(t.FinishTime-t.LaunchTime))
	var mask uint64
	for i, v := range m {
		if v != 0 {
			mask |= 1 << uint(i)
		}
	}
	b = binary.AppendUvarint(b, mask^p.mask)
	for i, v := range m {
		if v != 0 {
			b = binary.AppendUvarint(b, zig(v-e.prevM[i]))
		}
	}
	e.prevM = m
	*p = taskDelta{id: t.TaskID, index: int64(t.Index), header: h, launch: t.LaunchTime, mask: mask}
	e.scr = b
	l.last = *p
	l.write(b)
	l.n++
}

// write appends a record to the current chunk, or to a new one.
//
// A chunk is sized for the tasks the stage still expects (its task count
// less the tasks written, at the bytes per task so far), so that the last
// chunk of a stage ends up nearly full; without an expectation chunks
// double from firstChunk to maxChunk.
func (l *taskLog) write(rec []byte) {
	if len(l.cur)+len(rec) > cap(l.cur) {
		size := firstChunk
		if c := cap(l.cur); c > 0 && !l.sealed {
			size = min(2*c, maxChunk)
		}
		if left := l.expect - l.n; left > 0 {
			per := 24
			if l.n > 0 {
				per = (l.bytesWritten + l.n - 1) / l.n
			}
			size = min(max(left*per+left*per/8, firstChunk), maxChunk)
		}
		l.sealed = false
		size = max(size, len(rec))
		if len(l.cur) > 0 {
			l.chunks = append(l.chunks, l.cur)
		}
		l.cur = make([]byte, 0, size)
	}
	l.cur = append(l.cur, rec...)
	l.bytesWritten += len(rec)
}

// seal trims the last chunk and drops the encoder's scratch space, when
// no more tasks are expected (a task added later starts a small chunk).
func (l *taskLog) seal() {
	if slack := cap(l.cur) - len(l.cur); slack > 1024 && slack > cap(l.cur)/4 {
		l.cur = append(make([]byte, 0, len(l.cur)), l.cur...)
	}
	l.enc = nil
	l.sealed = true
}

// bytes is the memory the log holds.
func (l *taskLog) bytes() int {
	n := cap(l.cur)
	for _, c := range l.chunks {
		n += cap(c)
	}
	return n
}

// each decodes every task in order. The Task passed to fn is reused.
func (l *taskLog) each(strs *strtab, fn func(*Task) bool) {
	var t Task
	var prevM Metrics
	p := l.start
	for k := 0; k <= len(l.chunks); k++ {
		var r uvarints
		r.b = l.cur
		if k < len(l.chunks) {
			r.b = l.chunks[k]
		}
		for r.i < len(r.b) {
			t.TaskID = p.id + unzig(r.next())
			t.Index = int(p.index + unzig(r.next()))
			h := r.next() ^ p.header
			t.Status = TaskStatus(h & hdrStatus)
			t.Speculative = h&flagSpeculative != 0
			t.HasMetrics = h&flagMetrics != 0
			t.HadStart = h&flagHadStart != 0
			t.Locality = ""
			if lc := int(h>>5) & 7; lc < len(localities) {
				t.Locality = localities[lc]
			}
			t.Attempt = int(h >> hdrAttempt)
			switch {
			case h&flagPartIndex != 0:
				t.PartitionID = t.Index
			case h&flagPartNone != 0:
				t.PartitionID = -1
			default:
				t.PartitionID = int(unzig(r.next()))
			}
			exec := uint32(r.next())
			host, _ := strs.hostOf(exec)
			if h&flagSameHost == 0 {
				host = uint32(r.next())
			}
			var reason uint32
			if h&flagNoReason == 0 {
				reason = uint32(r.next())
			}
			t.Executor, t.Host, t.Reason = strs.get(exec), strs.get(host), strs.get(reason)
			t.LaunchTime = p.launch + unzig(r.next())
			t.FinishTime = t.LaunchTime + unzig(r.next())
			mask := r.next() ^ p.mask
			if h&flagResetM != 0 {
				prevM = Metrics{}
			}
			t.M = Metrics{}
			for m := mask; m != 0; m &= m - 1 {
				i := bits.TrailingZeros64(m)
				t.M[i] = prevM[i] + unzig(r.next())
			}
			prevM = t.M // as written: derived values are not yet filled in
			if h&flagDurDerived != 0 {
				t.M[Duration] = derivedDuration(t.LaunchTime, t.FinishTime)
			}
			if h&flagSDDerived != 0 {
				t.M[SchedulerDelay] = derivedSchedulerDelay(&t.M)
			}
			p = taskDelta{id: t.TaskID, index: int64(t.Index), header: h, launch: t.LaunchTime, mask: mask}
			if !fn(&t) {
				return
			}
		}
	}
}

// uvarints reads the varints of a chunk.
type uvarints struct {
	b []byte
	i int
}

func (r *uvarints) next() uint64 {
	if i := r.i; i+1 < len(r.b) {
		c := r.b[i]
		if c < 0x80 {
			r.i = i + 1
			return uint64(c)
		}
		if c2 := r.b[i+1]; c2 < 0x80 {
			r.i = i + 2
			return uint64(c&0x7f) | uint64(c2)<<7
		}
	}
	return r.slow()
}

func (r *uvarints) slow() uint64 {
	v, n := binary.Uvarint(r.b[r.i:])
	if n <= 0 {
		r.i = len(r.b) // cannot happen: the log writes whole records
		return 0
	}
	r.i += n
	return v
}

// Tasks calls fn for every task attempt of the stage, in the order they
// ended; tasks still running when the log ends come last (status
// TaskRunning, no metrics). The *Task is reused between calls; copy what
// you keep.
func (s *Stage) Tasks(fn func(*Task) bool) {
	s.tasks.each(s.strs, fn)
}

// Bytes is the memory used by the stage's compact task data.
func (s *Stage) TaskBytes() int { return s.tasks.bytes() }

// Quantiles returns, for metric m, the values at quantiles qs over the
// successful tasks that reported metrics, with the History Server's rule:
// the value at index min(floor(q*n), n-1) of the sorted values. ok is false
// when there is no such task. Beyond SketchThreshold tasks the values come
// from a quantile sketch (exact min and max, others within SketchAccuracy).
func (s *Stage) Quantiles(m Metric, qs []float64) (vals []float64, ok bool) {
	if s.sketched() {
		sk := s.successSketch(m)
		if sk.n == 0 {
			return nil, false
		}
		return sketchPick(sk, qs), true
	}
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

// sketched reports whether the stage's quantiles come from a sketch.
func (s *Stage) sketched() bool { return s.tasks.n > SketchThreshold }

func (s *Stage) successSketch(m Metric) *sketch {
	sk := &sketch{}
	s.Tasks(func(t *Task) bool {
		if t.Status == TaskSuccess && t.HasMetrics {
			sk.add(t.M[m])
		}
		return true
	})
	return sk
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
// is false when n is 0 (the server answers 404). Beyond SketchThreshold
// tasks the values come from a quantile sketch: the minimum and maximum
// stay exact, the others are within SketchAccuracy of the History Server's.
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

// startedLate reports whether the task's start came after its end.
func (s *Stage) startedLate(id int64) bool {
	_, ok := s.lateStarts[id]
	return ok
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
	var sk *sketch
	if s.sketched() {
		sk = &sketch{}
	}
	s.Tasks(func(t *Task) bool {
		// The History Server knows a task only from its start event; a
		// second end (Resubmitted) does not change the record.
		if (!t.HadStart && !all && !s.startedLate(t.TaskID)) || t.Status == TaskResubmitted {
			return true
		}
		success := t.Status == TaskSuccess && t.HasMetrics
		if success {
			n++
		}
		switch {
		case success, pop == hsAll, pop == hsWithMetrics && t.HasMetrics:
			if sk != nil {
				sk.add(value(t))
			} else {
				xs = append(xs, value(t))
			}
		}
		return true
	})
	if n == 0 {
		return nil, false
	}
	if sk != nil {
		return sketchHSPick(sk, n, qs), true
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

// Summarize returns the Summary of metric m. Beyond SketchThreshold tasks
// its quantiles come from a sketch (count, min, max, mean and total stay
// exact).
func (s *Stage) Summarize(m Metric) Summary {
	if s.sketched() {
		sk := s.successSketch(m)
		if sk.n == 0 {
			return Summary{}
		}
		q := sketchPick(sk, []float64{0, 0.25, 0.5, 0.75, 0.95, 1})
		return Summary{Count: int(sk.n), Min: q[0], P25: q[1], Median: q[2], P75: q[3], P95: q[4], Max: q[5],
			Mean: sk.sum / float64(sk.n), Total: sk.sum}
	}
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
// failure reasons) so a task stores small integers. It also remembers the
// first host of each executor id, which tasks need not repeat.
type strtab struct {
	ids   map[string]uint32
	strs  []string
	hosts []uint32 // by executor string id: host string id + 1, 0 when unknown
	// arena holds packed string maps (kvstore.go).
	arena []byte
}

// setHost records the host of an executor id unless it has one.
func (t *strtab) setHost(exec, host uint32) {
	for len(t.hosts) <= int(exec) {
		t.hosts = append(t.hosts, 0)
	}
	if t.hosts[exec] == 0 {
		t.hosts[exec] = host + 1
	}
}

// hostOf returns the host recorded for an executor id.
func (t *strtab) hostOf(exec uint32) (uint32, bool) {
	if int(exec) < len(t.hosts) && t.hosts[exec] > 0 {
		return t.hosts[exec] - 1, true
	}
	return 0, false
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

// idBytes is id for a string read off a line.
func (t *strtab) idBytes(s []byte) uint32 {
	if id, ok := t.ids[string(s)]; ok {
		return id
	}
	return t.id(string(s))
}

func (t *strtab) get(id uint32) string {
	if int(id) < len(t.strs) {
		return t.strs[id]
	}
	return ""
}
