package eventlog

import (
	"io"
	"runtime"
	"sync"
)

// Predecoder is a Handler that can decode some events ahead of time, on
// other goroutines, while Read still hands every event over in log order.
//
// With a Predecoder and more than one decoder (Options.Decoders), Read cuts
// the decompressed stream into batches of lines on one goroutine, decodes
// the lines whose kind Predecodes on several, and calls HandleDecoded (or
// Handle, for the other kinds) in log order on the calling goroutine. The
// amount of data in flight is bounded by a fixed number of reused batches.
type Predecoder interface {
	Handler
	// Predecodes reports whether lines of kind k (a kind the handler
	// wants) are decoded ahead.
	Predecodes(k Kind) bool
	// NewDecoded returns an empty holder for one decoded line. Holders are
	// reused from line to line.
	NewDecoded() any
	// NewScratch returns the working state of one decoding goroutine
	// (caches, buffers); each is used by one goroutine at a time.
	NewScratch() any
	// Predecode decodes a line of kind k into the holder d, with a scratch
	// state. It is called concurrently on different holders and scratch
	// states, and must not touch the handler's state. data is valid until
	// HandleDecoded returns.
	Predecode(k Kind, data []byte, d, scratch any)
	// HandleDecoded is Handle for a line predecoded into d.
	HandleDecoded(k Kind, data []byte, d any) error
}

const (
	batchBytes = 256 << 10 // target size of a batch of lines
	batchLines = 4096
)

// bline is one line of a batch; its bytes live in the batch's buffer.
type bline struct {
	line
	dataOff, dataLen int
	nameOff, nameLen int
	hasData, hasName bool
	own              []byte // Data, when taken over from the line reader
	atEnd            bool
	pre              int // index of its holder, -1 when not predecoded
}

// batch is a run of lines of one part, with what the decoders made of them.
type batch struct {
	buf     []byte
	lines   []bline
	holders []any
	scratch any // the handler's decoding state, kept with the batch
	nPre    int
	owned   int           // bytes of the lines taken over from the reader
	done    chan struct{} // signalled once the lines are predecoded
	// last is set on the final batch of a part; err is then the reader's
	// error (io.EOF at a clean end) and lineNo its line count.
	last   bool
	err    error
	lineNo int
}

func (b *batch) reset() {
	if cap(b.buf) > 4*batchBytes {
		b.buf = nil // give back the room a huge line took
	}
	b.buf = b.buf[:0]
	for i := range b.lines {
		b.lines[i].own = nil // let a long line's buffer go
	}
	b.lines = b.lines[:0]
	b.owned = 0
	b.nPre = 0
	b.last, b.err, b.lineNo = false, nil, 0
}

// pipeline is the goroutines of one Read.
type pipeline struct {
	h    Predecoder
	free chan *batch
	work chan *batch
	wg   sync.WaitGroup
}

func decoders(opts Options) int {
	n := opts.Decoders
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	return n
}

func newPipeline(h Predecoder, workers int) *pipeline {
	nb := 2*workers + 2
	p := &pipeline{h: h, free: make(chan *batch, nb), work: make(chan *batch, nb)}
	for i := 0; i < nb; i++ {
		p.free <- &batch{buf: make([]byte, 0, batchBytes), done: make(chan struct{}, 1)}
	}
	p.wg.Add(workers)
	for i := 0; i < workers; i++ {
		go p.decode()
	}
	return p
}

func (p *pipeline) close() {
	close(p.work)
	p.wg.Wait()
}

// decode predecodes the batches it is given.
func (p *pipeline) decode() {
	defer p.wg.Done()
	for b := range p.work {
		if b.scratch == nil {
			b.scratch = p.h.NewScratch()
		}
		for i := range b.lines {
			bl := &b.lines[i]
			if bl.pre >= 0 {
				data := bl.own
				if data == nil {
					data = b.buf[bl.dataOff : bl.dataOff+bl.dataLen]
				}
				p.h.Predecode(bl.Kind, data, b.holders[bl.pre], b.scratch)
			}
		}
		b.done <- struct{}{}
	}
}

// produce reads the lines of one part into batches, sent in order on out.
func (p *pipeline) produce(lr *lineReader, out chan<- *batch) {
	defer close(out)
	b := <-p.free
	send := func() {
		if b.nPre > 0 {
			p.work <- b
		} else {
			b.done <- struct{}{}
		}
		out <- b
	}
	var l line
	for {
		rerr := lr.next(&l)
		if l.No > 0 && (l.Data != nil || l.Dropped) {
			p.add(b, lr, &l, rerr != nil || l.NoNewline)
		}
		if rerr != nil {
			b.last, b.err, b.lineNo = true, rerr, lr.lineNo
			send()
			return
		}
		if len(b.buf) >= batchBytes || len(b.lines) >= batchLines || b.owned >= batchBytes {
			send()
			b = <-p.free
		}
	}
}

// add copies a line into the batch; a long line's buffer is taken over
// from the reader instead, so that a big line is never held twice.
func (p *pipeline) add(b *batch, lr *lineReader, l *line, atEnd bool) {
	bl := bline{line: *l, atEnd: atEnd, pre: -1}
	bl.Data, bl.Name = nil, nil
	if l.Own && l.Data != nil {
		bl.hasData = true
		bl.own = lr.detach()[:len(l.Data)]
		b.owned += len(bl.own)
	} else if l.Data != nil {
		bl.hasData = true
		bl.dataOff, bl.dataLen = len(b.buf), len(l.Data)
		b.buf = append(b.buf, l.Data...)
	}
	if l.Name != nil {
		bl.hasName = true
		bl.nameOff, bl.nameLen = len(b.buf), len(l.Name)
		b.buf = append(b.buf, l.Name...)
	}
	if bl.hasData && !l.Dropped && !l.TooLong && l.Name != nil && l.Kind != KindUnknown && p.h.Predecodes(l.Kind) {
		if b.nPre == len(b.holders) {
			b.holders = append(b.holders, p.h.NewDecoded())
		}
		bl.pre = b.nPre
		b.nPre++
	}
	b.lines = append(b.lines, bl)
}

// readLines is the parallel counterpart of the line loop of readPart: it
// returns the reader's final error (io.EOF at a clean end) and line count.
func (p *pipeline) readLines(name string, lr *lineReader, opts Options, st *Stats, ps *PartStats) (error, int) {
	out := make(chan *batch, cap(p.free))
	go p.produce(lr, out)
	var rerr error
	lineNo := 0
	for b := range out {
		<-b.done
		for i := range b.lines {
			bl := &b.lines[i]
			l := bl.line
			if bl.own != nil {
				l.Data = bl.own
			} else if bl.hasData {
				l.Data = b.buf[bl.dataOff : bl.dataOff+bl.dataLen : bl.dataOff+bl.dataLen]
			}
			if bl.hasName {
				l.Name = b.buf[bl.nameOff : bl.nameOff+bl.nameLen : bl.nameOff+bl.nameLen]
			}
			var d any
			if bl.pre >= 0 {
				d = b.holders[bl.pre]
			}
			ps.Lines++
			if handleLineWith(name, &l, p.h, d, opts, st, bl.atEnd) {
				ps.Events++
				st.Events++
			}
		}
		if b.last {
			rerr, lineNo = b.err, b.lineNo
		}
		b.reset()
		p.free <- b
	}
	if rerr == nil {
		rerr = io.ErrUnexpectedEOF // cannot happen: the producer always ends with an error
	}
	return rerr, lineNo
}
