package appmodel

import (
	json "github.com/goccy/go-json"

	"github.com/sparkdiag/sparkdiag/eventlog"
)

// taskRec is what the model takes from a task start or end: decoded by the
// fast scanner when the line has the usual shape, by the reference decoder
// otherwise. Byte slices alias the line (or the reference decoder's
// strings) and are valid while the line is.
type taskRec struct {
	kind               eventlog.Kind
	err                error // the line does not decode
	stageID, attemptID int
	info               recInfo
	reason             *eventlog.TaskEndReason
	hasMetrics         bool // "Task Metrics" present (and not null)
	hasShuffleRead     bool
	srPos              int // where the fast path found "Shuffle Read Metrics"
	m                  Metrics
	peaks              [numPeakMetrics]int64
	extra              []peakExtra // executor metrics outside the standard list
	accs               []accUpdate

	// reference decoder targets, reused
	slowEnd   eventlog.TaskEnd
	slowStart eventlog.TaskStart
}

type recInfo struct {
	taskID                            int64
	index, attempt                    int
	partition                         int // -1 when absent
	launch, gettingResult, finish     int64
	exec, host, locality              []byte
	speculative, failed, killed, hasP bool
}

type peakExtra struct {
	name []byte
	v    int64
}

// accUpdate is one accumulable of a task end: its id and update (when the
// update is not null).
type accUpdate struct {
	id        int64
	update    int64
	hasUpdate bool
}

var (
	reasonSuccess = eventlog.TaskEndReason{Reason: "Success"}
	reasonNone    = eventlog.TaskEndReason{}
)

func (r *taskRec) reset(k eventlog.Kind) {
	r.kind = k
	r.err = nil
	r.stageID, r.attemptID = 0, 0
	r.info = recInfo{partition: -1}
	r.reason = &reasonNone
	r.hasMetrics, r.hasShuffleRead = false, false
	r.m = Metrics{}
	r.peaks = [numPeakMetrics]int64{}
	r.extra = r.extra[:0]
	r.accs = r.accs[:0]
}

// decodeTask decodes a task start or end line into r, through the
// templates of d when d is not nil. It is safe to call from several
// goroutines on different records and scratch states.
func decodeTask(k eventlog.Kind, data []byte, r *taskRec, d *decodeScratch) {
	r.reset(k)
	if d != nil && d.matchTemplates(k, data, r) {
		if r.hasShuffleRead {
			readPushMetrics(data, r.srPos, &r.m)
		}
		return
	}
	r.reset(k)
	s := scanner{b: data}
	if d != nil {
		d.rec.spans, d.rec.bad = d.rec.spans[:0], false
		s.rec = &d.rec
	}
	var ok bool
	if k == eventlog.KindTaskEnd {
		ok = fastTaskEnd(&s, r)
	} else {
		ok = fastTaskStart(&s, r)
	}
	if ok && s.end() {
		if d != nil {
			d.learn(k, data)
		}
		if r.hasShuffleRead {
			readPushMetrics(data, r.srPos, &r.m)
		}
		return
	}
	r.reset(k)
	r.err = slowTask(k, data, r)
}

// slowTask decodes with the reference decoder.
func slowTask(k eventlog.Kind, data []byte, r *taskRec) error {
	if k == eventlog.KindTaskStart {
		e := &r.slowStart
		*e = eventlog.TaskStart{}
		if err := json.Unmarshal(data, e); err != nil {
			return err
		}
		r.stageID, r.attemptID = e.StageID, e.AttemptID
		r.info.fromSlow(&e.TaskInfo)
		r.accsFromSlow(&e.TaskInfo)
		return nil
	}
	e := &r.slowEnd
	*e = eventlog.TaskEnd{}
	if err := json.Unmarshal(data, e); err != nil {
		return err
	}
	r.stageID, r.attemptID = e.StageID, e.AttemptID
	r.info.fromSlow(&e.TaskInfo)
	r.reason = &e.Reason
	for k, v := range e.ExecMetrics {
		if i, ok := peakIndex[k]; ok {
			r.peaks[i] = v
		} else {
			r.extra = append(r.extra, peakExtra{name: []byte(k), v: v})
		}
	}
	if m := e.Metrics; m != nil {
		r.hasMetrics = true
		fillMetrics(&r.m, m)
		if m.ShuffleRead != nil {
			r.hasShuffleRead = true
			readPushMetrics(data, 0, &r.m)
		}
	}
	r.accsFromSlow(&e.TaskInfo)
	return nil
}

func (r *taskRec) accsFromSlow(ti *eventlog.TaskInfo) {
	for i := range ti.Accumulables {
		a := &ti.Accumulables[i]
		u := accUpdate{id: a.ID}
		if a.Update != nil {
			u.hasUpdate, u.update = true, int64(*a.Update)
		}
		r.accs = append(r.accs, u)
	}
}

func (ri *recInfo) fromSlow(ti *eventlog.TaskInfo) {
	*ri = recInfo{taskID: ti.TaskID, index: ti.Index, attempt: ti.Attempt, partition: -1,
		launch: ti.LaunchTime, gettingResult: ti.GettingResultTime, finish: ti.FinishTime,
		exec: []byte(ti.ExecutorID), host: []byte(ti.Host), locality: []byte(ti.Locality),
		speculative: ti.Speculative, failed: ti.Failed, killed: ti.Killed}
	if ti.PartitionID != nil {
		ri.partition, ri.hasP = *ti.PartitionID, true
	}
}

// ---- fast path ----

var taskEndFields = newFields("Stage ID", "Stage Attempt ID", "Task Type", "Task End Reason",
	"Task Info", "Task Executor Metrics", "Task Metrics", "-Event")

var taskStartFields = newFields("Stage ID", "Stage Attempt ID", "Task Info", "-Event")

const (
	memberEnd = -1 // the object closed
	memberErr = -3 // not an object of the simple shape
)

// members iterates over the members of an object of known fields.
type members struct {
	f     *fields
	hint  int
	seen  uint64
	first bool
	// extra makes next return memberExtra for an unknown key (in
	// s.lastKey) instead of skipping it, and accept repeated keys: for
	// maps.
	extra bool
}

const memberExtra = -2

// open consumes the opening brace.
func (m *members) open(s *scanner, f *fields) bool {
	*m = members{f: f, first: true}
	return s.eat('{')
}

// next consumes the separator and the key of the next known member and
// returns its index, skipping unknown members; memberEnd once the object
// closed; memberErr on bad syntax, on a repeated key and on a key the
// reference decoder would match case-insensitively.
func (m *members) next(s *scanner) int {
	// Fast path: the key Spark writes next, verbatim with its separator.
	if h := m.hint; h < len(m.f.comma) {
		l := &m.f.comma[h]
		if m.first {
			l = &m.f.first[h]
		}
		i, n := s.i, l.n
		if l.at(s.b, i) {
			bit := uint64(1) << uint(h)
			if m.seen&bit == 0 || m.extra {
				m.seen |= bit
				m.first = false
				m.hint = h + 1
				s.keyStart = i
				s.i = i + n
				return h
			}
		}
	}
	return m.nextSlow(s)
}

// ints reads, while the keys come verbatim in the order of the fields,
// integer members into dst (at slots[i] for member i, or at i when slots is
// nil). It stops at the first other key, leaving it to next; ok is false
// when a value is not an integer.
func (m *members) ints(s *scanner, dst []int64, slots []Metric) (ok bool) {
	lits := m.f.comma
	if m.first {
		lits = m.f.first
	}
	h := m.hint
	if h >= len(lits) {
		return true
	}
	if slots != nil {
		lits = lits[:min(len(lits), len(slots))]
	}
	b := s.b
	for ; h < len(lits); h++ {
		l := &lits[h]
		i, n := s.i, l.n
		if !l.at(b, i) || m.seen&(1<<uint(h)) != 0 {
			break
		}
		s.keyStart = i
		s.i = i + n
		var v int64
		var ok bool
		if slots != nil {
			v, ok = s.recInt(slotMetric0 + uint16(slots[h]))
		} else {
			v, ok = s.recInt(slotPeak0 + uint16(h))
		}
		if !ok {
			return false
		}
		if slots != nil {
			dst[slots[h]] = v
		} else {
			dst[h] = v
		}
		m.seen |= 1 << uint(h)
		if m.first {
			m.first = false
			lits = m.f.comma
			if slots != nil {
				lits = lits[:min(len(lits), len(slots))]
			}
		}
	}
	m.hint = h
	return true
}

func (m *members) nextSlow(s *scanner) int {
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return memberEnd
	}
	// The key after the expected one (an optional key is missing).
	if h := m.hint + 1; h < len(m.f.comma) {
		l := &m.f.comma[h]
		if m.first {
			l = &m.f.first[h]
		}
		if bit := uint64(1) << uint(h); l.at(s.b, s.i) && (m.seen&bit == 0 || m.extra) {
			m.seen |= bit
			m.first = false
			m.hint = h + 1
			s.keyStart = s.i
			s.i += l.n
			return h
		}
	}
	for {
		c := s.peek()
		switch {
		case c == '}':
			s.i++
			return memberEnd
		case m.first:
			m.first = false
		case c == ',':
			s.i++
		default:
			return memberErr
		}
		s.ws()
		s.keyStart = s.i
		idx := m.f.expect(s, &m.hint)
		if idx < 0 {
			k, ok := s.key()
			if !ok {
				return memberErr
			}
			if idx = m.f.lookup(k, &m.hint); idx < 0 {
				if m.extra {
					s.lastKey = k
					return memberExtra
				}
				if !m.f.unknownOK(k) || !s.recSkip() {
					return memberErr
				}
				continue
			}
		}
		bit := uint64(1) << uint(idx)
		if m.seen&bit != 0 && !m.extra {
			return memberErr
		}
		m.seen |= bit
		return idx
	}
}

func fastTaskStart(s *scanner, r *taskRec) bool {
	var m members
	if !m.open(s, &taskStartFields) {
		return false
	}
	for {
		var ok bool
		switch m.next(s) {
		case memberEnd:
			return true
		case 0:
			r.stageID, ok = intAt(s, slotStage)
		case 1:
			r.attemptID, ok = intAt(s, slotAttempt)
		case 2:
			ok = fastTaskInfo(s, r)
		case 3:
			ok = s.skipValue(0)
		}
		if !ok {
			return false
		}
	}
}

// intAt reads an integer field (slot says which, for templates).
func intAt(s *scanner, slot uint16) (int, bool) {
	v, ok := s.recInt(slot)
	return int(v), ok
}

func fastTaskEnd(s *scanner, r *taskRec) bool {
	var m members
	if !m.open(s, &taskEndFields) {
		return false
	}
	for {
		var ok bool
		switch m.next(s) {
		case memberEnd:
			return true
		case 0:
			r.stageID, ok = intAt(s, slotStage)
		case 1:
			r.attemptID, ok = intAt(s, slotAttempt)
		case 2:
			_, ok = s.plainString() // Task Type: not used, must be a string
		case 3:
			ok = fastReason(s, r)
		case 4:
			ok = fastTaskInfo(s, r)
		case 5:
			ok = fastExecMetrics(s, r)
		case 6:
			if ok = s.null(); !ok {
				r.hasMetrics = true
				s.mark(opHasMetrics, 0)
				ok = fastTaskMetrics(s, r)
			}
		case 7:
			ok = s.skipValue(0)
		}
		if !ok {
			return false
		}
	}
}

// reasonFields are the fields of eventlog.TaskEndReason: any but Reason
// sends the line to the reference decoder.
var reasonFields = newFields("Reason", "Class Name", "Description", "Kill Reason", "Message",
	"Loss Reason", "Executor ID", "Exit Caused By App", "Shuffle ID", "Block Manager Address")

// fastReason takes only {"Reason":"Success"}: other reasons carry the
// details the reference decoder reads.
func fastReason(s *scanner, r *taskRec) bool {
	var m members
	if !m.open(s, &reasonFields) || m.next(s) != 0 {
		return false
	}
	v, ok := s.plainString()
	if !ok || string(v) != "Success" || m.next(s) != memberEnd {
		return false
	}
	r.reason = &reasonSuccess
	s.mark(opSuccess, 0)
	return true
}

var taskInfoFields = newFields("Task ID", "Index", "Attempt", "Partition ID", "Launch Time",
	"Executor ID", "Host", "Locality", "Speculative", "Getting Result Time", "Finish Time", "Failed",
	"Killed", "Accumulables")

func fastTaskInfo(s *scanner, r *taskRec) bool {
	ti := &r.info
	var m members
	if !m.open(s, &taskInfoFields) {
		return false
	}
	for {
		var ok bool
		switch m.next(s) {
		case memberEnd:
			return true
		case 0:
			ti.taskID, ok = s.recInt(slotTaskID)
		case 1:
			ti.index, ok = intAt(s, slotIndex)
		case 2:
			ti.attempt, ok = intAt(s, slotTaskAttempt)
		case 3:
			if ok = s.null(); !ok {
				ti.partition, ok = intAt(s, slotPartition)
				ti.hasP = true
			}
		case 4:
			ti.launch, ok = s.recInt(slotLaunch)
		case 5:
			ti.exec, ok = s.recStr(strExec)
		case 6:
			ti.host, ok = s.recStr(strHost)
		case 7:
			ti.locality, ok = s.recStr(strLocality)
		case 8:
			ti.speculative, ok = s.recBool(boolSpeculative)
		case 9:
			ti.gettingResult, ok = s.recInt(slotGettingResult)
		case 10:
			ti.finish, ok = s.recInt(slotFinish)
		case 11:
			ti.failed, ok = s.recBool(boolFailed)
		case 12:
			ti.killed, ok = s.recBool(boolKilled)
		case 13:
			ok = s.null() || fastAccumulables(s, r)
		}
		if !ok {
			return false
		}
	}
}

var accFields = newFields("ID", "Name", "Update", "Value", "Internal", "-Count Failed Values", "Metadata")

func fastAccumulables(s *scanner, r *taskRec) bool {
	if !s.eat('[') {
		return false
	}
	if s.eat(']') {
		return true
	}
	for {
		var u accUpdate
		var m members
		if !m.open(s, &accFields) {
			return false
		}
		s.mark(opAccBegin, 0)
	members:
		for {
			var ok bool
			switch m.next(s) {
			case memberEnd:
				break members
			case 0:
				u.id, ok = s.recInt(slotAccID)
			case 1, 6: // Name, Metadata: *string
				ok = s.null() || s.skipString()
			case 2: // Update: *Int, any value but null
				if s.null() {
					return false
				}
				var raw []byte
				if raw, ok = s.rawValue(); ok {
					u.hasUpdate, u.update = true, looseInt(raw)
					s.note(opAccUpdate, 0, s.i-len(raw))
				}
			case 3: // Value: *Int, any value
				ok = s.recSkip()
			case 5: // Count Failed Values: ignored
				ok = s.skipValue(0)
			case 4:
				_, ok = s.boolean()
			}
			if !ok {
				return false
			}
		}
		r.accs = append(r.accs, u)
		more, ok := s.more(']')
		if !ok {
			return false
		}
		if !more {
			return true
		}
	}
}

// looseInt is eventlog.Int's reading of a raw value, with a shortcut for
// the plain and quoted integers Spark writes.
func looseInt(raw []byte) int64 {
	b := raw
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return slowLooseInt(raw)
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return slowLooseInt(raw)
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n
}

func slowLooseInt(raw []byte) int64 {
	var v eventlog.Int
	_ = v.UnmarshalJSON(raw) // never fails
	return int64(v)
}

var execMetricFields = newFields(standardExecutorMetrics[:]...)

// fastExecMetrics reads the executor metrics map. Like a map, a repeated
// key keeps its last value.
func fastExecMetrics(s *scanner, r *taskRec) bool {
	if s.null() {
		return true
	}
	var m members
	if !m.open(s, &execMetricFields) {
		return false
	}
	m.extra = true
	if !m.ints(s, r.peaks[:], nil) {
		return false
	}
	for {
		i := m.next(s)
		switch i {
		case memberEnd:
			return true
		case memberErr:
			return false
		}
		var v int64
		var ok bool
		if i >= 0 {
			v, ok = s.recInt(slotPeak0 + uint16(i))
		} else {
			v, ok = s.int()
		}
		if !ok {
			return false
		}
		if i >= 0 {
			r.peaks[i] = v
			continue
		}
		k := s.lastKey
		s.noTemplate()
		found := false
		for j := range r.extra {
			if string(r.extra[j].name) == string(k) {
				r.extra[j].v, found = v, true
			}
		}
		if !found {
			r.extra = append(r.extra, peakExtra{name: k, v: v})
		}
	}
}

var taskMetricFields = newFields("Executor Deserialize Time", "Executor Deserialize CPU Time",
	"Executor Run Time", "Executor CPU Time", "Peak Execution Memory", "Result Size", "JVM GC Time",
	"Result Serialization Time", "Memory Bytes Spilled", "Disk Bytes Spilled", "Shuffle Read Metrics",
	"Shuffle Write Metrics", "Input Metrics", "Output Metrics", "-Updated Blocks")

// taskMetricSlots maps the plain integer fields of the task metrics to
// model metrics.
var taskMetricSlots = [...]Metric{DeserializeTime, DeserializeCPUTimeNs, RunTime, CPUTimeNs,
	PeakExecutionMemory, ResultSize, GCTime, ResultSerializationTime, MemoryBytesSpilled, DiskBytesSpilled}

func fastTaskMetrics(s *scanner, r *taskRec) bool {
	tm := &r.m
	var m members
	if !m.open(s, &taskMetricFields) {
		return false
	}
	if !m.ints(s, tm[:], taskMetricSlots[:]) {
		return false
	}
	for {
		var ok bool
		switch i := m.next(s); {
		case i == memberEnd:
			return true
		case i == memberErr:
			return false
		case i == 4 && s.null(): // *int64
			ok = true
		case i < 10:
			tm[taskMetricSlots[i]], ok = s.recInt(slotMetric0 + uint16(taskMetricSlots[i]))
		case i == 10:
			if ok = s.null(); !ok {
				r.hasShuffleRead = true
				r.srPos = s.keyStart
				s.noteAt(opShuffleRead, s.keyStart)
				ok = flatInts(s, &shuffleReadFields, tm, shuffleReadSlots[:])
			}
		case i == 11:
			ok = s.null() || flatInts(s, &shuffleWriteFields, tm, shuffleWriteSlots[:])
		case i == 12:
			ok = s.null() || flatInts(s, &inputFields, tm, inputSlots[:])
		case i == 13:
			ok = s.null() || flatInts(s, &outputFields, tm, outputSlots[:])
		default: // Updated Blocks: ignored
			ok = s.recSkip()
		}
		if !ok {
			return false
		}
	}
}

var (
	shuffleReadFields = newFields("Remote Blocks Fetched", "Local Blocks Fetched", "Fetch Wait Time",
		"Remote Bytes Read", "Remote Bytes Read To Disk", "Local Bytes Read", "Total Records Read",
		"Remote Requests Duration", "-Push Based Shuffle", "-Shuffle Push Read Metrics")
	shuffleReadSlots = [...]Metric{ShuffleRemoteBlocksFetched, ShuffleLocalBlocksFetched, ShuffleFetchWaitTime,
		ShuffleRemoteBytesRead, ShuffleRemoteBytesReadToDisk, ShuffleLocalBytesRead, ShuffleReadRecords,
		ShuffleRemoteReqsDuration}
	shuffleWriteFields = newFields("Shuffle Bytes Written", "Shuffle Write Time", "Shuffle Records Written")
	shuffleWriteSlots  = [...]Metric{ShuffleWriteBytes, ShuffleWriteTimeNs, ShuffleWriteRecords}
	inputFields        = newFields("Bytes Read", "Records Read")
	inputSlots         = [...]Metric{InputBytes, InputRecords}
	outputFields       = newFields("Bytes Written", "Records Written")
	outputSlots        = [...]Metric{OutputBytes, OutputRecords}
)

// flatInts reads an object of integer fields into m; keys past the slots are
// ignored (skipped).
func flatInts(s *scanner, f *fields, tm *Metrics, slots []Metric) bool {
	var m members
	if !m.open(s, f) || !m.ints(s, tm[:], slots) {
		return false
	}
	for {
		var ok bool
		switch i := m.next(s); {
		case i == memberEnd:
			return true
		case i == memberErr:
			return false
		case i >= len(slots):
			ok = s.recSkip()
		default:
			tm[slots[i]], ok = s.recInt(slotMetric0 + uint16(slots[i]))
		}
		if !ok {
			return false
		}
	}
}

// ---- push-based shuffle object ----

var pushFields = newFields("Corrupt Merged Block Chunks", "Merged Fetch Fallback Count",
	"Merged Fallback Count", "Merged Remote Blocks Fetched", "Merged Local Blocks Fetched",
	"Merged Remote Chunks Fetched", "Merged Local Chunks Fetched", "Merged Remote Bytes Read",
	"Merged Local Bytes Read", "Merged Remote Requests Duration")

// decodePush decodes the flat push-based shuffle object as the reference
// decoder would into pushReadMetrics; ok is false when the object is outside
// the simple shape (the caller then uses the reference decoder).
func decodePush(b []byte, p *pushReadMetrics) (fetch int64, hasFetch, ok bool) {
	s := scanner{b: b}
	var m members
	if !m.open(&s, &pushFields) {
		return 0, false, false
	}
	for {
		i := m.next(&s)
		if i == memberEnd {
			return fetch, hasFetch, s.end()
		}
		if i == memberErr {
			return 0, false, false
		}
		if i == 1 && s.null() {
			continue
		}
		v, ok := s.int()
		if !ok {
			return 0, false, false
		}
		switch i {
		case 0:
			p.CorruptMergedBlockChunks = v
		case 1:
			fetch, hasFetch = v, true
		case 2:
			p.FallbackCount = v
		case 3:
			p.RemoteMergedBlocksFetched = v
		case 4:
			p.LocalMergedBlocksFetched = v
		case 5:
			p.RemoteMergedChunksFetched = v
		case 6:
			p.LocalMergedChunksFetched = v
		case 7:
			p.RemoteMergedBytesRead = v
		case 8:
			p.LocalMergedBytesRead = v
		case 9:
			p.RemoteMergedReqsDuration = v
		}
	}
}
