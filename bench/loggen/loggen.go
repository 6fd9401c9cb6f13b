// Package loggen scales a real Spark event log to any size, for benchmarks.
//
// A Template is read from a real log once: every line is kept byte for byte,
// with the positions of the numbers that identify things (job, stage, task,
// RDD, accumulator and SQL execution ids), of the timestamps, and of the task
// index and partition. Generate then writes the template's body (jobs,
// stages, tasks, SQL executions, ...) again and again, each round with its
// ids shifted past those of the rounds before and its timestamps shifted
// past the round before, so that the result reads like one long application
// that ran the same workload many times. The application's own events
// (log start, environment, executors, resource profiles) are written once
// and the application end last.
//
// A task multiplier makes stages bigger: every task start and end is
// written that many times, with new task ids, indices and partitions, a
// little jitter in its finish and run times, and the stage's task count
// multiplied to match.
//
// Everything else in a line (accumulables, executor metrics, SQL plans,
// properties, key order, spacing) is exactly what the real log has.
package loggen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/codec"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

type role uint8

const (
	roleNone role = iota
	roleJob
	roleStage
	roleRDD
	roleTask
	roleAcc
	roleSQL
	roleTime      // shifted by the round's time offset
	roleTimeNZ    // shifted when not zero (Getting Result Time)
	roleFinish    // a task's finish time: shifted, plus jitter for copies
	roleRunTime   // a task's run time: plus jitter for copies
	roleIndex     // a task's index: index*M + copy
	rolePartition // a task's partition: partition*M + copy (when >= 0)
	roleNumTasks  // a stage's task count: times M
	numRoles
)

// patch is one number of a template line to rewrite.
type patch struct {
	start, end int // bytes of the number in the line (inside the quotes when quoted)
	role       role
	val        int64
}

type tline struct {
	data    []byte
	patches []patch
	kind    eventlog.Kind
	task    bool // task start, getting-result or end: written M times
}

// Template is a real log prepared for Generate.
type Template struct {
	head  []tline // written once, before the first round
	body  []tline // written each round
	tail  []tline // written once, after the last round (application end)
	spans [numRoles]int64
	// TaskEnds is the number of task-end events of one round (before the
	// multiplier); BodyBytes the size of one round.
	TaskEnds  int
	BodyBytes int64
	HeadBytes int64
}

// onceKinds are the application's own events: written once. Every other
// kind is part of the body, written each round (exclusions from a stage
// among them: their stageId is shifted with the stage).
var onceKinds = map[eventlog.Kind]bool{
	eventlog.KindLogStart: true, eventlog.KindEnvironmentUpdate: true, eventlog.KindApplicationStart: true,
	eventlog.KindResourceProfileAdded: true, eventlog.KindExecutorAdded: true, eventlog.KindExecutorRemoved: true,
	eventlog.KindBlockManagerAdded: true, eventlog.KindBlockManagerRemoved: true, eventlog.KindExecutorExcluded: true,
	eventlog.KindExecutorUnexcluded: true, eventlog.KindNodeExcluded: true, eventlog.KindNodeUnexcluded: true,
	eventlog.KindDatabricksMetadata: true, eventlog.KindUnknown: true,
}

// LoadTemplate reads a real event log (any layout and codec sparkdiag reads).
func LoadTemplate(path string) (*Template, error) {
	logs, err := source.Open(path)
	if err != nil {
		return nil, err
	}
	if len(logs) != 1 {
		return nil, fmt.Errorf("%s: %d logs, want one", path, len(logs))
	}
	var lines [][]byte
	for _, part := range logs[0].Parts {
		raw, err := part.Open()
		if err != nil {
			return nil, err
		}
		dec, _, err := codec.NewReader(raw, part.CodecHint, codec.DefaultOptions())
		if err != nil {
			raw.Close()
			if errors.Is(err, io.EOF) {
				continue
			}
			return nil, err
		}
		br := bufio.NewReaderSize(dec, 1<<20)
		for {
			l, err := br.ReadBytes('\n')
			l = bytes.TrimRight(l, "\r\n")
			if len(bytes.TrimSpace(l)) > 0 {
				lines = append(lines, l)
			}
			if err != nil {
				break
			}
		}
		dec.Close()
		raw.Close()
	}
	return NewTemplate(lines), nil
}

// NewTemplate prepares the lines of a real log (without newlines).
func NewTemplate(lines [][]byte) *Template {
	t := &Template{}
	var maxv [numRoles]int64
	minTime, maxTime := int64(-1), int64(-1)
	for _, l := range lines {
		tl := tline{data: l}
		if name, ok := eventNameOf(l); ok {
			tl.kind = eventlog.KindOf(name)
		}
		w := walker{data: l}
		if w.value(0, "", "") < 0 {
			tl.patches = nil // not JSON we understand: copied as is
		} else {
			tl.patches = w.patches
		}
		switch tl.kind {
		case eventlog.KindTaskStart, eventlog.KindTaskGettingResult, eventlog.KindTaskEnd:
			tl.task = true
		}
		switch {
		case tl.kind == eventlog.KindApplicationEnd:
			t.tail = append(t.tail, tl)
			continue
		case onceKinds[tl.kind]:
			t.head = append(t.head, tl)
			t.HeadBytes += int64(len(l) + 1)
			continue
		}
		t.body = append(t.body, tl)
		t.BodyBytes += int64(len(l) + 1)
		if tl.kind == eventlog.KindTaskEnd {
			t.TaskEnds++
		}
		for _, p := range tl.patches {
			if p.val > maxv[p.role] {
				maxv[p.role] = p.val
			}
			switch p.role {
			case roleTime, roleTimeNZ, roleFinish:
				if p.val > 0 {
					if minTime < 0 || p.val < minTime {
						minTime = p.val
					}
					if p.val > maxTime {
						maxTime = p.val
					}
				}
			}
		}
	}
	for r := range t.spans {
		t.spans[r] = maxv[r] + 1
	}
	t.spans[roleTime] = 1000
	if minTime >= 0 {
		t.spans[roleTime] = maxTime - minTime + 1000
	}
	return t
}

// Options say how big a log to write.
type Options struct {
	// Rounds is how many times the template's body is written (at least 1).
	Rounds int
	// TaskCopies is how many times each task is written within its stage
	// (at least 1).
	TaskCopies int
}

// RoundsFor returns the rounds needed for at least tasks task ends, or for
// at least size bytes of log when tasks is 0.
func (t *Template) RoundsFor(tasks, size int64, copies int) int {
	if copies < 1 {
		copies = 1
	}
	var r int64 = 1
	switch {
	case tasks > 0 && t.TaskEnds > 0:
		per := int64(t.TaskEnds) * int64(copies)
		r = (tasks + per - 1) / per
	case size > 0:
		per := t.roundBytes(copies)
		r = (size - t.HeadBytes + per - 1) / per
	}
	return int(max(r, 1))
}

// roundBytes estimates the size of one round with copies.
func (t *Template) roundBytes(copies int) int64 {
	var n int64
	for _, l := range t.body {
		if l.task {
			n += int64(len(l.data)+1) * int64(copies)
		} else {
			n += int64(len(l.data) + 1)
		}
	}
	return max(n, 1)
}

// Stats describe a generated log.
type Stats struct {
	Bytes    int64 // uncompressed
	Lines    int64
	TaskEnds int64
	Stages   int64
}

// Generate writes the scaled log to w, one event per line.
func (t *Template) Generate(w io.Writer, opts Options) (Stats, error) {
	if opts.Rounds < 1 {
		opts.Rounds = 1
	}
	if opts.TaskCopies < 1 {
		opts.TaskCopies = 1
	}
	g := gen{t: t, m: int64(opts.TaskCopies), bw: bufio.NewWriterSize(w, 1<<20), tasks: map[int64]int64{}}
	for i := range t.head {
		g.write(&t.head[i], 0)
	}
	for r := 0; r < opts.Rounds; r++ {
		clear(g.tasks)
		for i := range t.body {
			l := &t.body[i]
			if !l.task {
				g.write(l, 0)
				if l.kind == eventlog.KindStageCompleted {
					g.st.Stages++
				}
				continue
			}
			for k := int64(0); k < g.m; k++ {
				g.write(l, k)
				if l.kind == eventlog.KindTaskEnd {
					g.st.TaskEnds++
				}
			}
		}
		g.round++
	}
	g.round = int64(opts.Rounds - 1) // the application ends after the last round
	for i := range t.tail {
		g.write(&t.tail[i], 0)
	}
	if g.err == nil {
		g.err = g.bw.Flush()
	}
	return g.st, g.err
}

type gen struct {
	t      *Template
	m      int64
	round  int64
	bw     *bufio.Writer
	buf    []byte
	tasks  map[int64]int64 // template task id -> first new id, this round
	nextID int64
	st     Stats
	err    error
}

func (g *gen) write(l *tline, k int64) {
	if g.err != nil {
		return
	}
	b := g.buf[:0]
	last := 0
	r := g.round
	sp := &g.t.spans
	var jitter int64
	if k > 0 {
		h := uint64(k)*0x9E3779B97F4A7C15 ^ uint64(g.nextID)
		h ^= h >> 29
		jitter = int64(h % 97)
	}
	for _, p := range l.patches {
		b = append(b, l.data[last:p.start]...)
		last = p.end
		v := p.val
		switch p.role {
		case roleJob, roleStage, roleRDD, roleAcc, roleSQL:
			v += r * sp[p.role]
		case roleTime:
			v += r * sp[roleTime]
		case roleTimeNZ:
			if v != 0 {
				v += r * sp[roleTime]
			}
		case roleFinish:
			if v != 0 {
				v += r*sp[roleTime] + jitter
			}
		case roleRunTime:
			v += jitter
		case roleTask:
			base, ok := g.tasks[v]
			if !ok {
				base = g.nextID
				g.nextID += g.m
				g.tasks[v] = base
			}
			v = base + k
		case roleIndex:
			v = v*g.m + k
		case rolePartition:
			if v >= 0 {
				v = v*g.m + k
			}
		case roleNumTasks:
			v *= g.m
		}
		b = strconv.AppendInt(b, v, 10)
	}
	b = append(b, l.data[last:]...)
	b = append(b, '\n')
	g.buf = b
	_, g.err = g.bw.Write(b)
	g.st.Bytes += int64(len(b))
	g.st.Lines++
}

var prefix = []byte(`{"Event":"`)

func eventNameOf(l []byte) ([]byte, bool) {
	if !bytes.HasPrefix(l, prefix) {
		return nil, false
	}
	rest := l[len(prefix):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return nil, false
	}
	return rest[:end], true
}

// walker finds the numbers to rewrite in one JSON line.
type walker struct {
	data    []byte
	patches []patch
}

// roleOf says what the number under key means; container is the key of the
// object (or array of objects) holding key.
func roleOf(key, container string) role {
	switch key {
	case "Job ID":
		return roleJob
	case "Stage ID", "Stage IDs":
		return roleStage
	case "stageId":
		if container == "" { // exclusions from a stage
			return roleStage
		}
	case "Parent IDs":
		if container == "RDD Info" {
			return roleRDD
		}
		return roleStage
	case "RDD ID":
		return roleRDD
	case "Task ID":
		return roleTask
	case "ID":
		if container == "Accumulables" {
			return roleAcc
		}
	case "accumulatorId":
		return roleAcc
	case "executionId", "rootExecutionId":
		return roleSQL
	case "Launch Time":
		return roleTime
	case "Finish Time":
		if container == "Task Info" {
			return roleFinish
		}
		return roleTime
	case "Getting Result Time":
		return roleTimeNZ
	case "Submission Time", "Completion Time", "Timestamp", "time":
		return roleTime
	case "Executor Run Time":
		return roleRunTime
	case "Index":
		if container == "Task Info" {
			return roleIndex
		}
	case "Partition ID":
		if container == "Task Info" {
			return rolePartition
		}
	case "Number of Tasks":
		return roleNumTasks
	}
	return roleNone
}

func (w *walker) ws(i int) int {
	for i < len(w.data) && (w.data[i] == ' ' || w.data[i] == '\t' || w.data[i] == '\r' || w.data[i] == '\n') {
		i++
	}
	return i
}

// str returns the end of the string starting at i (after the closing quote)
// and its content when it has no escapes.
func (w *walker) str(i int) (int, string) {
	d := w.data
	j := i + 1
	for j < len(d) {
		switch d[j] {
		case '"':
			return j + 1, string(d[i+1 : j])
		case '\\':
			j += 2
			continue
		}
		j++
	}
	return -1, ""
}

// value walks the value at i; key is the key it belongs to (for array
// elements, the array's key) and container the key of the enclosing object.
// It returns the index after the value, or -1.
func (w *walker) value(i int, key, container string) int {
	d := w.data
	i = w.ws(i)
	if i >= len(d) {
		return -1
	}
	switch c := d[i]; {
	case c == '{':
		i = w.ws(i + 1)
		if i < len(d) && d[i] == '}' {
			return i + 1
		}
		for i < len(d) {
			if d[i] != '"' {
				return -1
			}
			end, k := w.str(i)
			if end < 0 {
				return -1
			}
			i = w.ws(end)
			if i >= len(d) || d[i] != ':' {
				return -1
			}
			vs := w.ws(i + 1)
			// Quoted ids in job and stage properties.
			if (k == "spark.sql.execution.id" || k == "spark.sql.execution.root.id") && vs < len(d) && d[vs] == '"' {
				if e, s := w.str(vs); e > 0 {
					if n, err := strconv.ParseInt(s, 10, 64); err == nil {
						w.patches = append(w.patches, patch{start: vs + 1, end: e - 1, role: roleSQL, val: n})
					}
				}
			}
			if i = w.value(vs, k, key); i < 0 {
				return -1
			}
			i = w.ws(i)
			if i < len(d) && d[i] == ',' {
				i = w.ws(i + 1)
				continue
			}
			if i < len(d) && d[i] == '}' {
				return i + 1
			}
			return -1
		}
		return -1
	case c == '[':
		i = w.ws(i + 1)
		if i < len(d) && d[i] == ']' {
			return i + 1
		}
		for n := 0; i < len(d); n++ {
			if key == "accumUpdates" && d[i] == '[' {
				// [[accumulator id, value], ...]
				j := w.ws(i + 1)
				w.number(j, roleAcc)
			}
			if i = w.value(i, key, container); i < 0 {
				return -1
			}
			i = w.ws(i)
			if i < len(d) && d[i] == ',' {
				i = w.ws(i + 1)
				continue
			}
			if i < len(d) && d[i] == ']' {
				return i + 1
			}
			return -1
		}
		return -1
	case c == '"':
		end, _ := w.str(i)
		return end
	case c == '-' || (c >= '0' && c <= '9'):
		j := i + 1
		for j < len(d) && (d[j] >= '0' && d[j] <= '9' || d[j] == '.' || d[j] == 'e' || d[j] == 'E' || d[j] == '+' || d[j] == '-') {
			j++
		}
		if r := roleOf(key, container); r != roleNone {
			if n, err := strconv.ParseInt(string(d[i:j]), 10, 64); err == nil {
				w.patches = append(w.patches, patch{start: i, end: j, role: r, val: n})
			}
		}
		return j
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(d[i:], []byte(lit)) {
				return i + len(lit)
			}
		}
		return -1
	}
}

// number records the integer at i (if any) with role r.
func (w *walker) number(i int, r role) {
	d := w.data
	j := i
	if j < len(d) && d[j] == '-' {
		j++
	}
	for j < len(d) && d[j] >= '0' && d[j] <= '9' {
		j++
	}
	if j > i {
		if n, err := strconv.ParseInt(string(d[i:j]), 10, 64); err == nil {
			w.patches = append(w.patches, patch{start: i, end: j, role: r, val: n})
		}
	}
}
