package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// ning compress-lzf chunk framing.
const (
	lzfHeaderStored     = 5 // "ZV" 0x00 len16
	lzfHeaderCompressed = 7 // "ZV" 0x01 compLen16 rawLen16
	lzfTypeStored       = 0
	lzfTypeCompressed   = 1
	lzfMaxChunk         = 0xFFFF
)

type lzfDecoder struct {
	in   inputReader
	opts Options
	hdr  [lzfHeaderCompressed]byte
	comp []byte // payload of the current chunk
	out  []byte // decoded current chunk (compressed chunks only)
}

func newLZFDecoder(r io.Reader, opts Options) *lzfDecoder {
	return &lzfDecoder{in: inputReader{r: r}, opts: opts}
}

func (d *lzfDecoder) release() { d.comp, d.out = nil, nil }

func (d *lzfDecoder) next() ([]byte, error) {
	hdrOff := d.in.off
	if err := d.in.readHeader(d.hdr[:lzfHeaderStored], LZF, "chunk header"); err != nil {
		return nil, err
	}
	if d.hdr[0] != 'Z' || d.hdr[1] != 'V' {
		return nil, corrupt(LZF, hdrOff, "bad chunk magic % x", d.hdr[:2])
	}
	n := int(binary.BigEndian.Uint16(d.hdr[3:]))
	switch d.hdr[2] {
	case lzfTypeStored:
		if n > d.opts.MaxBlockSize {
			return nil, corrupt(LZF, hdrOff, "chunk declares %d bytes, over the %d-byte limit", n, d.opts.MaxBlockSize)
		}
		var err error
		d.comp, err = d.in.readPayload(d.comp, n, LZF, hdrOff, "chunk")
		if err != nil {
			return nil, err
		}
		return d.comp, nil
	case lzfTypeCompressed:
		if err := d.in.readMore(d.hdr[lzfHeaderStored:], LZF, hdrOff, "chunk header"); err != nil {
			return nil, err
		}
		rawLen := int(binary.BigEndian.Uint16(d.hdr[5:]))
		if n > d.opts.MaxBlockSize || rawLen > d.opts.MaxBlockSize {
			return nil, corrupt(LZF, hdrOff, "chunk declares %d compressed / %d decoded bytes, over the %d-byte limit",
				n, rawLen, d.opts.MaxBlockSize)
		}
		var err error
		d.comp, err = d.in.readPayload(d.comp, n, LZF, hdrOff, "chunk")
		if err != nil {
			return nil, err
		}
		d.out = grow(d.out, rawLen)
		if err := lzfDecompress(d.comp, d.out); err != nil {
			return nil, &CorruptError{Codec: LZF, Offset: hdrOff, Msg: "chunk does not decode: " + err.Error(), err: err}
		}
		return d.out, nil
	}
	return nil, corrupt(LZF, hdrOff, "unknown chunk type 0x%02x", d.hdr[2])
}

var errLZFInput = errors.New("lzf: input ends inside an instruction")

// lzfDecompress decodes a liblzf block from in into out, which must have
// exactly the decoded length. The format is a sequence of instructions, each
// starting with a control byte c:
//
//   - c < 32: a literal run of the next c+1 input bytes;
//   - otherwise a back-reference of length (c>>5)+2, where a length field of
//     7 is extended by the next byte (up to 264 bytes in total); the
//     distance is ((c&0x1f)<<8 | next byte) + 1 back from the end of the
//     output. The source may overlap the bytes being written.
//
// Every index is checked; corrupt input gives an error, never a panic.
func lzfDecompress(in, out []byte) error {
	ip, op := 0, 0
	for ip < len(in) {
		c := int(in[ip])
		ip++
		if c < 1<<5 {
			n := c + 1
			if n > len(in)-ip {
				return errLZFInput
			}
			if n > len(out)-op {
				return fmt.Errorf("lzf: literal run of %d bytes at output %d overflows the declared %d bytes", n, op, len(out))
			}
			copy(out[op:], in[ip:ip+n])
			ip += n
			op += n
			continue
		}
		n := c >> 5
		if n == 7 {
			if ip >= len(in) {
				return errLZFInput
			}
			n += int(in[ip])
			ip++
		}
		n += 2
		if ip >= len(in) {
			return errLZFInput
		}
		dist := ((c&0x1f)<<8 | int(in[ip])) + 1
		ip++
		ref := op - dist
		if ref < 0 {
			return fmt.Errorf("lzf: back-reference %d bytes back at output %d", dist, op)
		}
		if n > len(out)-op {
			return fmt.Errorf("lzf: back-reference of %d bytes at output %d overflows the declared %d bytes", n, op, len(out))
		}
		if dist >= n {
			copy(out[op:op+n], out[ref:ref+n])
			op += n
			continue
		}
		// Overlapping copy: out[ref:op] is one period of the repeated
		// pattern; each copy doubles what has been written.
		end := op + n
		for op < end {
			op += copy(out[op:end], out[ref:op])
		}
	}
	if op != len(out) {
		return fmt.Errorf("lzf: decodes to %d bytes, header says %d", op, len(out))
	}
	return nil
}
