package codec

import (
	"encoding/binary"
	"io"

	"github.com/pierrec/lz4/v4"
)

// lz4-java LZ4BlockOutputStream framing.
const (
	lz4HeaderLen    = 21
	lz4MethodRaw    = 0x10
	lz4MethodLZ4    = 0x20
	lz4BaseLevel    = 10         // block size = 1 << (lz4BaseLevel + token&0x0F)
	lz4ChecksumSeed = 0x9747b28c // seed of the XXH32 block checksum
	lz4ChecksumMask = 0x0FFFFFFF
	// lz4MaxRatio bounds how much an LZ4 block can expand: every input byte
	// yields at most 255 output bytes (a match-length extension byte).
	lz4MaxRatio = 256
)

type lz4Decoder struct {
	in   inputReader
	opts Options
	hdr  [lz4HeaderLen]byte
	comp []byte // payload of the current block
	out  []byte // decoded current block (compressed blocks only)
}

func newLZ4Decoder(r io.Reader, opts Options) *lz4Decoder {
	return &lz4Decoder{in: inputReader{r: r}, opts: opts}
}

func (d *lz4Decoder) release() { d.comp, d.out = nil, nil }

func (d *lz4Decoder) next() ([]byte, error) {
	for {
		hdrOff := d.in.off
		if err := d.in.readHeader(d.hdr[:], LZ4, "block header"); err != nil {
			return nil, err
		}
		if !hasPrefix(d.hdr[:], magicLZ4) {
			return nil, corrupt(LZ4, hdrOff, "bad block magic % x", d.hdr[:len(magicLZ4)])
		}
		token := d.hdr[8]
		method := token & 0xF0
		level := token & 0x0F
		compLen := binary.LittleEndian.Uint32(d.hdr[9:])
		rawLen := binary.LittleEndian.Uint32(d.hdr[13:])
		sum := binary.LittleEndian.Uint32(d.hdr[17:])

		switch {
		case method != lz4MethodRaw && method != lz4MethodLZ4:
			return nil, corrupt(LZ4, hdrOff, "unknown block method 0x%02x", method)
		case uint64(compLen) > uint64(d.opts.MaxBlockSize) || uint64(rawLen) > uint64(d.opts.MaxBlockSize):
			return nil, corrupt(LZ4, hdrOff, "block declares %d compressed / %d decoded bytes, over the %d-byte limit",
				compLen, rawLen, d.opts.MaxBlockSize)
		case uint64(rawLen) > 1<<(lz4BaseLevel+uint(level)):
			return nil, corrupt(LZ4, hdrOff, "block declares %d decoded bytes, over its block size %d", rawLen, 1<<(lz4BaseLevel+uint(level)))
		case (rawLen == 0) != (compLen == 0):
			return nil, corrupt(LZ4, hdrOff, "block declares %d compressed / %d decoded bytes", compLen, rawLen)
		case method == lz4MethodRaw && compLen != rawLen:
			return nil, corrupt(LZ4, hdrOff, "stored block declares %d compressed / %d decoded bytes", compLen, rawLen)
		case uint64(rawLen) > lz4MaxRatio*uint64(compLen)+64:
			return nil, corrupt(LZ4, hdrOff, "block declares %d decoded bytes from only %d compressed", rawLen, compLen)
		}
		if rawLen == 0 {
			// End-of-stream marker; Spark keeps reading after it, so
			// concatenated streams work.
			continue
		}

		var err error
		d.comp, err = d.in.readPayload(d.comp, int(compLen), LZ4, hdrOff, "block")
		if err != nil {
			return nil, err
		}
		block := d.comp
		if method == lz4MethodLZ4 {
			d.out = grow(d.out, int(rawLen))
			n, err := lz4.UncompressBlock(d.comp, d.out)
			if err != nil {
				return nil, &CorruptError{Codec: LZ4, Offset: hdrOff, Msg: "block does not decode: " + err.Error(), err: err}
			}
			if n != int(rawLen) {
				return nil, corrupt(LZ4, hdrOff, "block decodes to %d bytes, header says %d", n, rawLen)
			}
			block = d.out
		}
		if d.opts.VerifyChecksums {
			if got := xxh32(block, lz4ChecksumSeed) & lz4ChecksumMask; got != sum {
				return nil, corrupt(LZ4, hdrOff, "checksum mismatch")
			}
		}
		return block, nil
	}
}
