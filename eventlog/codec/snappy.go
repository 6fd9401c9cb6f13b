package codec

import (
	"encoding/binary"
	"io"

	"github.com/klauspost/compress/s2"
)

// snappy-java SnappyOutputStream framing.
const (
	snappyHeaderLen = 16 // magic (8) + version BE32 + compatible version BE32
	// snappyMaxRatio bounds how much a snappy block can expand: the densest
	// element is a 3-byte copy of 64 bytes.
	snappyMaxRatio = 32
)

type snappyDecoder struct {
	in   inputReader
	opts Options
	hdr  [snappyHeaderLen]byte
	comp []byte // current chunk
	out  []byte // decoded current chunk
}

func newSnappyDecoder(r io.Reader, opts Options) *snappyDecoder {
	return &snappyDecoder{in: inputReader{r: r}, opts: opts}
}

func (d *snappyDecoder) release() { d.comp, d.out = nil, nil }

func (d *snappyDecoder) next() ([]byte, error) {
	for {
		hdrOff := d.in.off
		if err := d.in.readHeader(d.hdr[:4], Snappy, "chunk length"); err != nil {
			return nil, err
		}
		if hasPrefix(magicSnappy, d.hdr[:4]) {
			// A stream header: at the start, or where a chunk length would
			// be in concatenated streams (as a length it would be negative).
			if err := d.in.readMore(d.hdr[4:], Snappy, hdrOff, "stream header"); err != nil {
				return nil, err
			}
			if !hasPrefix(d.hdr[:], magicSnappy) {
				return nil, corrupt(Snappy, hdrOff, "bad stream header magic % x", d.hdr[:len(magicSnappy)])
			}
			continue
		}
		n := binary.BigEndian.Uint32(d.hdr[:4])
		if int32(n) < 0 {
			return nil, corrupt(Snappy, hdrOff, "bad chunk length %d", int32(n))
		}
		if uint64(n) > uint64(d.opts.MaxBlockSize) {
			return nil, corrupt(Snappy, hdrOff, "chunk declares %d bytes, over the %d-byte limit", n, d.opts.MaxBlockSize)
		}
		if n == 0 {
			continue
		}
		var err error
		d.comp, err = d.in.readPayload(d.comp, int(n), Snappy, hdrOff, "chunk")
		if err != nil {
			return nil, err
		}
		rawLen, err := s2.DecodedLen(d.comp)
		if err != nil {
			return nil, &CorruptError{Codec: Snappy, Offset: hdrOff, Msg: "bad decoded-length varint", err: err}
		}
		if rawLen > d.opts.MaxBlockSize {
			return nil, corrupt(Snappy, hdrOff, "chunk declares %d decoded bytes, over the %d-byte limit", rawLen, d.opts.MaxBlockSize)
		}
		if uint64(rawLen) > snappyMaxRatio*uint64(n)+64 {
			return nil, corrupt(Snappy, hdrOff, "chunk declares %d decoded bytes from only %d compressed", rawLen, n)
		}
		d.out = grow(d.out, rawLen)
		block, err := s2.Decode(d.out, d.comp)
		if err != nil {
			return nil, &CorruptError{Codec: Snappy, Offset: hdrOff, Msg: "chunk does not decode: " + err.Error(), err: err}
		}
		if len(block) != rawLen {
			return nil, corrupt(Snappy, hdrOff, "chunk decodes to %d bytes, header says %d", len(block), rawLen)
		}
		return block, nil
	}
}
