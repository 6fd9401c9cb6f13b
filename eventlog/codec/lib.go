package codec

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// This file adapts the library decoders (zstd, gzip) to the package's error
// contract: io.EOF at a clean end, ErrTruncated for a cut stream,
// *CorruptError for bad data, and I/O errors of the source unchanged.

// sourceReader remembers the first error other than io.EOF returned by the
// compressed input, so that a library's error can be told apart from an I/O
// failure underneath it.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// libError maps an error of a decoding library. window is the zstd window
// limit, for the message that says how to raise it.
func libError(c Codec, src *sourceReader, err error, window int) error {
	switch {
	case err == nil || err == io.EOF:
		return err
	case src.err != nil:
		return src.err
	case err == io.ErrUnexpectedEOF:
		what := "frame"
		if c == Gzip {
			what = "member"
		}
		return truncated(c, -1, what)
	case c == Zstd && (errors.Is(err, zstd.ErrWindowSizeExceeded) || errors.Is(err, zstd.ErrDecoderSizeExceeded)):
		return &CorruptError{Codec: c, Offset: -1, Msg: windowMsg(window), err: err}
	}
	return &CorruptError{Codec: c, Offset: -1, Msg: "data does not decode: " + err.Error(), err: err}
}

// windowMsg explains a zstd frame refused for its window.
func windowMsg(window int) string {
	return fmt.Sprintf("frame needs a window (history) larger than the %s limit; "+
		"to read it, raise the limit with --zstd-max-window=<MiB> or %s=<MiB> "+
		"(decoding keeps one window in memory)", mib(window), ZstdWindowEnv)
}

// mib formats a byte count as MiB, or KiB below one MiB.
func mib(n int) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

type zstdReader struct {
	src    sourceReader
	dec    *zstd.Decoder
	err    error // sticky
	window int
}

// zstdPool keeps idle decoders: building one allocates about 1 MiB, which
// matters when many small files are opened. A pooled decoder is reset to a
// nil input, so it holds no reference to the caller's reader.
var zstdPool sync.Pool

func newZstdReader(r io.Reader, opts Options) (*zstdReader, error) {
	// The window is the only memory the decoder needs beyond a block or
	// two; the library allocates it when a frame starts but the pages are
	// touched only as the frame fills them, so a small log with a large
	// declared window stays small. The memory limit is set to the window
	// too, which caps single-segment frames (whose window is their size)
	// the same way; in streaming mode it caps nothing else.
	limit := uint64(min(max(opts.MaxZstdWindow, zstd.MinWindowSize), maxZstdWindowLimit))
	limits := []zstd.DOption{zstd.WithDecoderMaxWindow(limit), zstd.WithDecoderMaxMemory(limit)}
	z := &zstdReader{src: sourceReader{r: r}, window: int(limit)}
	if dec, ok := zstdPool.Get().(*zstd.Decoder); ok {
		if err := dec.ResetWithOptions(&z.src, limits...); err == nil {
			z.dec = dec
			return z, nil
		}
		dec.Close()
	}
	dec, err := zstd.NewReader(&z.src, append(limits,
		zstd.WithDecoderConcurrency(1), // synchronous: no goroutines, no read-ahead
		zstd.WithDecoderLowmem(true),
	)...)
	if err != nil {
		return nil, err
	}
	z.dec = dec
	return z, nil
}

func (z *zstdReader) Read(p []byte) (int, error) {
	if z.err != nil {
		return 0, z.err
	}
	n, err := z.dec.Read(p)
	if err != nil {
		z.err = libError(Zstd, &z.src, err, z.window)
	}
	return n, z.err
}

// Close returns the decoder to the pool.
func (z *zstdReader) Close() error {
	if z.dec != nil {
		if z.dec.Reset(nil) == nil {
			zstdPool.Put(z.dec)
		} else {
			z.dec.Close()
		}
		z.dec = nil
	}
	z.err = errClosed
	return nil
}

// gzipReader decodes concatenated gzip members. The first header is read on
// the first Read, so that a file cut inside it reports ErrTruncated there.
type gzipReader struct {
	src sourceReader
	dec *gzip.Reader
	err error // sticky
}

func newGzipReader(r io.Reader) *gzipReader {
	return &gzipReader{src: sourceReader{r: r}}
}

func (g *gzipReader) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if g.dec == nil {
		dec, err := gzip.NewReader(&g.src)
		if err != nil {
			g.err = libError(Gzip, &g.src, err, 0)
			return 0, g.err
		}
		g.dec = dec
	}
	n, err := g.dec.Read(p)
	if err != nil {
		g.err = libError(Gzip, &g.src, err, 0)
	}
	return n, g.err
}

func (g *gzipReader) Close() error {
	g.err = errClosed
	return nil
}
