package appmodel

import "github.com/sparkdiag/sparkdiag/eventlog"

// Line templates: Spark writes the task events of a stage with the same
// keys in the same order, the same accumulator names and the same constant
// flags; only some values change. When the fast scanner decodes a line it
// records where each value it keeps (or must re-check) sits; the bytes in
// between become the literals of a template. The next lines are first
// matched against the templates of their kind: each literal must be there
// byte for byte and each value must parse as the kind recorded. A line that
// matches has the same structure as the line the template came from (the
// literals hold every key, brace, comma and constant value), so it decodes
// to what the scanner would give, at a fraction of the cost. A line that
// does not match goes through the scanner, whose result becomes a new
// template.

// Value slots of the integers a template stores.
const (
	slotStage uint16 = iota
	slotAttempt
	slotTaskID
	slotIndex
	slotTaskAttempt
	slotPartition
	slotLaunch
	slotGettingResult
	slotFinish
	slotAccID
	slotPeak0
	slotMetric0 = slotPeak0 + uint16(numPeakMetrics)
)

// String and boolean destinations.
const (
	strExec uint16 = iota
	strHost
	strLocality
)

const (
	boolSpeculative uint16 = iota
	boolFailed
	boolKilled
)

// Template operations.
const (
	opInt         uint8 = iota // an integer into a slot
	opStr                      // a plain string into a destination
	opBool                     // true or false into a destination
	opSkip                     // any value, validated and dropped
	opAccBegin                 // an accumulable starts (zero width)
	opAccUpdate                // the accumulable's update (any value)
	opShuffleRead              // the shuffle read metrics key starts here (zero width)
	opHasMetrics               // the task metrics are there (zero width)
	opSuccess                  // the end reason is Success (zero width)
)

// span is one value the scanner recorded.
type span struct {
	start, end int
	op         uint8
	dst        uint16
}

// recorder collects the spans of one line.
type recorder struct {
	spans []span
	bad   bool // the line has something templates do not reproduce
}

func (s *scanner) note(op uint8, dst uint16, start int) {
	if s.rec != nil {
		s.rec.spans = append(s.rec.spans, span{start: start, end: s.i, op: op, dst: dst})
	}
}

// noteAt records a zero-width operation at i.
func (s *scanner) noteAt(op uint8, i int) {
	if s.rec != nil {
		s.rec.spans = append(s.rec.spans, span{start: i, end: i, op: op})
	}
}

func (s *scanner) mark(op uint8, dst uint16) {
	if s.rec != nil {
		s.rec.spans = append(s.rec.spans, span{start: s.i, end: s.i, op: op, dst: dst})
	}
}

func (s *scanner) noTemplate() {
	if s.rec != nil {
		s.rec.bad = true
	}
}

func (s *scanner) recInt(slot uint16) (int64, bool) {
	if s.rec == nil {
		return s.int()
	}
	s.ws()
	start := s.i
	v, ok := s.int()
	if ok {
		s.note(opInt, slot, start)
	}
	return v, ok
}

func (s *scanner) recStr(dst uint16) ([]byte, bool) {
	s.ws()
	start := s.i
	v, ok := s.plainString()
	if ok {
		s.note(opStr, dst, start)
	}
	return v, ok
}

func (s *scanner) recBool(dst uint16) (bool, bool) {
	s.ws()
	start := s.i
	v, ok := s.boolean()
	if ok {
		s.note(opBool, dst, start)
	}
	return v, ok
}

func (s *scanner) recSkip() bool {
	s.ws()
	start := s.i
	ok := s.skipValue(0)
	if ok {
		s.note(opSkip, 0, start)
	}
	return ok
}

type tmplOp struct {
	from, to int32 // the literal before the value: line[from:to]
	op       uint8
	dst      uint16
}

type template struct {
	line []byte // a copy of the line the template came from
	ops  []tmplOp
	tail int32 // the literal after the last value: line[tail:]
}

// set makes t the template of a line the scanner decoded, reusing t's
// memory; it reports false when the line cannot make a template.
func (t *template) set(data []byte, rec *recorder) bool {
	if rec.bad || len(data) > 1<<30 {
		return false
	}
	t.line = append(t.line[:0], data...)
	t.ops = t.ops[:0]
	last := 0
	for _, sp := range rec.spans {
		if sp.start < last {
			return false // out of order: cannot happen
		}
		t.ops = append(t.ops, tmplOp{from: int32(last), to: int32(sp.start), op: sp.op, dst: sp.dst})
		last = sp.end
	}
	t.tail = int32(last)
	return true
}

// match decodes data into r (reset) when it has the template's shape.
func (t *template) match(data []byte, r *taskRec) bool {
	line := t.line
	i := 0
	for k := range t.ops {
		op := &t.ops[k]
		lit := line[op.from:op.to]
		if len(data)-i < len(lit) || string(data[i:i+len(lit)]) != string(lit) {
			return false
		}
		i += len(lit)
		if op.op == opInt {
			// Inline: most values are integers.
			j := i
			neg := j < len(data) && data[j] == '-'
			if neg {
				j++
			}
			start := j
			var u uint64
			for j < len(data) {
				c := data[j] - '0'
				if c > 9 {
					break
				}
				u = u*10 + uint64(c)
				j++
			}
			n := j - start
			if n == 0 || n > 18 || (n > 1 && data[start] == '0') ||
				(j < len(data) && (data[j] == '.' || data[j] == 'e' || data[j] == 'E')) {
				return false
			}
			v := int64(u)
			if neg {
				v = -v
			}
			r.setInt(op.dst, v)
			i = j
			continue
		}
		s := scanner{b: data, i: i}
		switch op.op {
		case opStr:
			v, ok := s.plainString()
			if !ok {
				return false
			}
			switch op.dst {
			case strExec:
				r.info.exec = v
			case strHost:
				r.info.host = v
			default:
				r.info.locality = v
			}
		case opBool:
			v, ok := s.boolean()
			if !ok {
				return false
			}
			switch op.dst {
			case boolSpeculative:
				r.info.speculative = v
			case boolFailed:
				r.info.failed = v
			default:
				r.info.killed = v
			}
		case opSkip:
			if !s.skipValue(0) {
				return false
			}
		case opAccBegin:
			r.accs = append(r.accs, accUpdate{})
		case opAccUpdate:
			if s.null() {
				return false
			}
			raw, ok := s.rawValue()
			if !ok || len(r.accs) == 0 {
				return false
			}
			a := &r.accs[len(r.accs)-1]
			a.hasUpdate, a.update = true, looseInt(raw)
		case opShuffleRead:
			r.hasShuffleRead, r.srPos = true, i
		case opHasMetrics:
			r.hasMetrics = true
		case opSuccess:
			r.reason = &reasonSuccess
		}
		i = s.i
	}
	return string(data[i:]) == string(line[t.tail:])
}

func (r *taskRec) setInt(slot uint16, v int64) {
	switch {
	case slot >= slotMetric0:
		r.m[slot-slotMetric0] = v
	case slot >= slotPeak0:
		r.peaks[slot-slotPeak0] = v
	default:
		ti := &r.info
		switch slot {
		case slotStage:
			r.stageID = int(v)
		case slotAttempt:
			r.attemptID = int(v)
		case slotTaskID:
			ti.taskID = v
		case slotIndex:
			ti.index = int(v)
		case slotTaskAttempt:
			ti.attempt = int(v)
		case slotPartition:
			ti.partition, ti.hasP = int(v), true
		case slotLaunch:
			ti.launch = v
		case slotGettingResult:
			ti.gettingResult = v
		case slotFinish:
			ti.finish = v
		case slotAccID:
			if n := len(r.accs); n > 0 {
				r.accs[n-1].id = v
			}
		}
	}
}

// maxTemplates is how many templates of each kind a decoder keeps.
const maxTemplates = 8

// decodeScratch is the state of one decoding goroutine: its templates,
// the most recently used first, and the recorder.
type decodeScratch struct {
	ends, starts []*template
	rec          recorder
}

func (d *decodeScratch) list(k eventlog.Kind) *[]*template {
	if k == eventlog.KindTaskEnd {
		return &d.ends
	}
	return &d.starts
}

// matchTemplates tries the templates of kind k, moving a match to the front.
func (d *decodeScratch) matchTemplates(k eventlog.Kind, data []byte, r *taskRec) bool {
	ts := *d.list(k)
	for i, t := range ts {
		if t.match(data, r) {
			if i > 0 {
				copy(ts[1:i+1], ts[:i])
				ts[0] = t
			}
			return true
		}
		r.reset(k)
	}
	return false
}

// learn makes the line just decoded the first template, reusing the least
// recently used one's memory when all are taken.
func (d *decodeScratch) learn(k eventlog.Kind, data []byte) {
	l := d.list(k)
	var t *template
	if len(*l) < maxTemplates {
		t = &template{}
		*l = append(*l, t)
	} else {
		t = (*l)[len(*l)-1]
	}
	if !t.set(data, &d.rec) {
		*l = (*l)[:len(*l)-1] // t held the least recently used
		return
	}
	copy((*l)[1:], (*l)[:len(*l)-1])
	(*l)[0] = t
}
