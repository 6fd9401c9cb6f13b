package codec

import "io"

// blockDecoder produces the decoded bytes of one block at a time. next
// returns either a block (possibly empty) or an error, never both. The
// returned slice stays valid until the following call to next.
type blockDecoder interface {
	next() ([]byte, error)
	release()
}

// blockReader turns a blockDecoder into an io.ReadCloser. It never reads a
// block ahead: everything decoded is handed out before the next block (or
// error) is fetched, so an error always comes after all earlier data.
type blockReader struct {
	dec blockDecoder
	buf []byte // undelivered part of the current block
	err error  // sticky
}

func newBlockReader(dec blockDecoder) *blockReader {
	return &blockReader{dec: dec}
}

func (b *blockReader) fill() bool {
	for len(b.buf) == 0 {
		if b.err != nil {
			return false
		}
		b.buf, b.err = b.dec.next()
	}
	return true
}

func (b *blockReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if !b.fill() {
		return 0, b.err
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

// WriteTo writes the decoded stream to w block by block, without the copy
// through a caller's buffer. It returns nil at a clean end of stream.
func (b *blockReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for b.fill() {
		n, err := w.Write(b.buf)
		total += int64(n)
		b.buf = b.buf[n:]
		if err != nil {
			return total, err
		}
		if len(b.buf) > 0 {
			return total, io.ErrShortWrite
		}
	}
	if b.err == io.EOF {
		return total, nil
	}
	return total, b.err
}

func (b *blockReader) Close() error {
	if b.err != errClosed {
		b.dec.release()
	}
	b.buf, b.err = nil, errClosed
	return nil
}

// inputReader reads the compressed input and keeps the offset of the next
// unread byte, for error messages and CorruptError.Offset.
type inputReader struct {
	r   io.Reader
	off int64
}

// readHeader fills h completely. It returns io.EOF if the input ended before
// the first byte (a clean end at a block boundary) and a truncation error if
// it ended after some bytes.
func (in *inputReader) readHeader(h []byte, c Codec, what string) error {
	start := in.off
	n, err := io.ReadFull(in.r, h)
	in.off += int64(n)
	switch {
	case err == nil:
		return nil
	case err == io.EOF:
		return io.EOF
	case err == io.ErrUnexpectedEOF:
		return truncated(c, start, what)
	}
	return err
}

// readMore fills h completely; any end of input is a truncation of the block
// whose header is at hdrOff.
func (in *inputReader) readMore(h []byte, c Codec, hdrOff int64, what string) error {
	n, err := io.ReadFull(in.r, h)
	in.off += int64(n)
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return truncated(c, hdrOff, what)
	}
	return err
}

// growStep bounds how far a payload buffer grows ahead of the data actually
// received, so that a header declaring a large block in a short file does
// not allocate the declared size.
const growStep = 256 << 10

// readPayload reads n bytes into buf (reusing its capacity) and returns the
// filled slice. When buf is too small it grows with the data received rather
// than to n at once. Any end of input is a truncation of the block whose
// header is at hdrOff.
func (in *inputReader) readPayload(buf []byte, n int, c Codec, hdrOff int64, what string) ([]byte, error) {
	if n <= cap(buf) {
		buf = buf[:n]
		return buf, in.readMore(buf, c, hdrOff, what)
	}
	buf = buf[:0]
	for len(buf) < n {
		want := min(n, max(2*cap(buf), len(buf)+growStep))
		if want > cap(buf) {
			grown := make([]byte, len(buf), want)
			copy(grown, buf)
			buf = grown
		}
		start := len(buf)
		buf = buf[:want]
		if err := in.readMore(buf[start:], c, hdrOff, what); err != nil {
			return buf[:start], err
		}
	}
	return buf, nil
}

// grow returns buf resliced to n bytes, reallocating only when its capacity
// is too small.
func grow(buf []byte, n int) []byte {
	if n <= cap(buf) {
		return buf[:n]
	}
	return make([]byte, n)
}
