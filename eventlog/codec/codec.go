package codec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Codec names a compression format of an event-log file. The values are
// Spark's short codec names where Spark has one.
type Codec string

const (
	Plain  Codec = "plain"
	Gzip   Codec = "gzip"
	Zstd   Codec = "zstd"
	LZ4    Codec = "lz4"
	LZF    Codec = "lzf"
	Snappy Codec = "snappy"
	// Zip is recognised by Sniff but not decoded here: a zip archive is a
	// container of files, handled by the package that lists event-log sources.
	Zip Codec = "zip"
	// Unknown means the codec could not be determined.
	Unknown Codec = ""
)

// SniffLen is the number of leading bytes Sniff needs to recognise every codec.
const SniffLen = 16

// DefaultMaxBlockSize is the default for Options.MaxBlockSize.
const DefaultMaxBlockSize = 64 << 20

// Options tunes NewReader.
type Options struct {
	// VerifyChecksums checks the XXH32 checksum of every lz4 block (the only
	// codec Spark writes with per-block checksums; zstd and gzip checksums are
	// always verified by their libraries when present).
	// The zero Options has it off; DefaultOptions turns it on.
	VerifyChecksums bool
	// MaxBlockSize caps the size of any single declared block or chunk of
	// the lz4, lzf and snappy streams, compressed or not. A header declaring
	// more is reported as a *CorruptError before anything is allocated, so a
	// decompression bomb cannot exhaust memory. Zero or negative means
	// DefaultMaxBlockSize.
	MaxBlockSize int
	// MaxZstdWindow caps the window of a zstd frame: the history the
	// decoder must keep, and so the memory it needs (allocated as the frame
	// fills it). A frame declaring a larger window is refused with a
	// *CorruptError that says how to allow it. Zero or negative means the
	// value in MiB of the environment variable SPARKDIAG_ZSTD_MAX_WINDOW
	// when it is set, else DefaultMaxZstdWindow, the limit the zstd
	// command-line tool applies by default. The window is not a bomb guard:
	// what is decoded is bounded by the reader of the decoded stream.
	MaxZstdWindow int
}

// DefaultMaxZstdWindow is the default for Options.MaxZstdWindow: 128 MiB
// (window log 27), what `zstd -d` accepts without --long or --memory. Real
// logs use it: a Databricks Runtime 13.3 log is one frame with this window.
const DefaultMaxZstdWindow = 128 << 20

// ZstdWindowEnv names the environment variable that sets
// Options.MaxZstdWindow, in MiB, when the options leave it zero.
const ZstdWindowEnv = "SPARKDIAG_ZSTD_MAX_WINDOW"

// maxZstdWindowLimit is the largest window the zstd format allows that the
// decoding library accepts (3.75 TiB); larger settings are clamped to it.
const maxZstdWindowLimit = (1 << 41) + 7*(1<<38)

// DefaultOptions returns the options used by the analyzer: checksums on, a
// 64 MiB cap on any lz4, lzf or snappy block, and the default zstd window
// limit (see MaxZstdWindow).
func DefaultOptions() Options {
	return Options{VerifyChecksums: true, MaxBlockSize: DefaultMaxBlockSize}
}

func (o Options) normalized() Options {
	if o.MaxBlockSize <= 0 {
		o.MaxBlockSize = DefaultMaxBlockSize
	}
	if o.MaxZstdWindow <= 0 {
		o.MaxZstdWindow = envZstdWindow()
	}
	return o
}

// envZstdWindow is the window limit SPARKDIAG_ZSTD_MAX_WINDOW sets (a
// whole number of MiB), or DefaultMaxZstdWindow when it is unset or not a
// positive number.
func envZstdWindow() int {
	v := strings.TrimSpace(os.Getenv(ZstdWindowEnv))
	if v == "" {
		return DefaultMaxZstdWindow
	}
	mib, err := strconv.ParseInt(v, 10, 64)
	if err != nil || mib <= 0 {
		return DefaultMaxZstdWindow
	}
	if mib > maxZstdWindowLimit>>20 {
		mib = maxZstdWindowLimit >> 20
	}
	return int(mib << 20)
}

// ErrTruncated reports that the compressed stream ended in the middle of a
// block, frame or chunk. Errors returned by Read wrap it (use errors.Is);
// they also match io.ErrUnexpectedEOF. By the time it is returned every byte
// of every complete block before the cut has been delivered, so for an
// in-progress event log it means "no more data yet", not "data lost".
var ErrTruncated = errors.New("codec: compressed stream truncated")

// ErrContainer is returned by NewReader for a zip archive: it holds files,
// not one compressed stream, and must be opened by the caller as a container.
var ErrContainer = errors.New("codec: zip archive is a container of files, not a compressed stream; open its entries instead")

// CorruptError reports compressed data that cannot be decoded: bad magic in
// the middle of a stream, a checksum mismatch, a block that decodes to a
// length other than the declared one, a declared size over
// Options.MaxBlockSize, or data that matches no known codec.
type CorruptError struct {
	Codec Codec
	// Offset is the byte offset in the compressed input of the header of the
	// bad block, chunk or frame, or -1 when the decoding library does not
	// report it (zstd, gzip).
	Offset int64
	Msg    string

	err error // underlying library error, if any
}

func (e *CorruptError) Error() string {
	if e.Codec == Unknown && e.Offset == 0 {
		return e.Msg // not a log: the message says so whole
	}
	name := string(e.Codec)
	if e.Codec == Unknown {
		name = "input"
	}
	if e.Offset < 0 {
		return fmt.Sprintf("codec: %s %s", name, e.Msg)
	}
	return fmt.Sprintf("codec: %s %s at offset %d", name, e.Msg, e.Offset)
}

// Unwrap returns the decoding library's own error, if there was one.
func (e *CorruptError) Unwrap() error { return e.err }

func corrupt(c Codec, off int64, format string, args ...any) *CorruptError {
	return &CorruptError{Codec: c, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// truncatedError is the concrete error behind ErrTruncated.
type truncatedError struct {
	codec  Codec
	offset int64  // offset of the incomplete block's header, -1 if unknown
	what   string // "block", "chunk", "frame", ...
}

func (e *truncatedError) Error() string {
	if e.offset < 0 {
		return fmt.Sprintf("codec: %s stream truncated (incomplete %s)", e.codec, e.what)
	}
	return fmt.Sprintf("codec: %s stream truncated in the %s starting at offset %d", e.codec, e.what, e.offset)
}

func (e *truncatedError) Unwrap() []error { return []error{ErrTruncated, io.ErrUnexpectedEOF} }

func truncated(c Codec, off int64, what string) error {
	return &truncatedError{codec: c, offset: off, what: what}
}

var errClosed = errors.New("codec: read after Close")

// Magic numbers.
var (
	magicZstd   = []byte{0x28, 0xB5, 0x2F, 0xFD}
	magicLZ4    = []byte("LZ4Block")
	magicLZF0   = []byte("ZV\x00")
	magicLZF1   = []byte("ZV\x01")
	magicSnappy = []byte("\x82SNAPPY\x00")
	magicGzip   = []byte{0x1F, 0x8B}
	magicZip    = []byte("PK\x03\x04")
	magicZipEnd = []byte("PK\x05\x06")
	utf8BOM     = []byte{0xEF, 0xBB, 0xBF}
)

var magics = []struct {
	magic []byte
	codec Codec
}{
	{magicZstd, Zstd},
	{magicLZ4, LZ4},
	{magicLZF0, LZF},
	{magicLZF1, LZF},
	{magicSnappy, Snappy},
	{magicGzip, Gzip},
	{magicZip, Zip},
	{magicZipEnd, Zip},
}

func hasPrefix(b, prefix []byte) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == string(prefix)
}

func isJSONSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

// isZstdSkippable reports whether b starts with a zstd skippable-frame magic
// (0x184D2A50 to 0x184D2A5F, little-endian).
func isZstdSkippable(b []byte) bool {
	return len(b) >= 4 && b[0]&0xF0 == 0x50 && b[1] == 0x2A && b[2] == 0x4D && b[3] == 0x18
}

// Sniff identifies a codec from the first bytes of a file. It needs at most
// SniffLen bytes; pass as many as are available. A prefix too short to hold
// a whole magic number gives Unknown.
func Sniff(prefix []byte) Codec {
	for _, m := range magics {
		if hasPrefix(prefix, m.magic) {
			return m.codec
		}
	}
	if isZstdSkippable(prefix) {
		return Zstd
	}
	if c, ok := firstNonSpace(prefix); ok && c == '{' {
		return Plain
	}
	return Unknown
}

// firstNonSpace returns the first byte of b after an optional UTF-8 BOM and
// JSON whitespace.
func firstNonSpace(b []byte) (byte, bool) {
	if hasPrefix(b, utf8BOM) {
		b = b[len(utf8BOM):]
	}
	for _, c := range b {
		if !isJSONSpace(c) {
			return c, true
		}
	}
	return 0, false
}

// blankPrefix reports whether b could be the start of a plain log that has
// leading whitespace (or a partial BOM): every byte is a BOM byte in place or
// JSON whitespace.
func blankPrefix(b []byte) bool {
	n := 0
	for n < len(b) && n < len(utf8BOM) && b[n] == utf8BOM[n] {
		n++
	}
	if n > 0 && n < len(utf8BOM) {
		return n == len(b)
	}
	for _, c := range b[n:] {
		if !isJSONSpace(c) {
			return false
		}
	}
	return true
}

// partialMagic returns the codec whose magic number b is a proper, non-empty
// prefix of, if that codec is unique. It identifies files cut short inside
// their magic number.
func partialMagic(b []byte) Codec {
	if len(b) == 0 {
		return Unknown
	}
	found := Unknown
	for _, m := range magics {
		if len(b) < len(m.magic) && hasPrefix(m.magic, b) {
			if found != Unknown && found != m.codec {
				return Unknown
			}
			found = m.codec
		}
	}
	// A zstd skippable frame (never written by Spark) counts only when
	// nothing else fits: "Z" is far more likely the start of an lzf chunk.
	if found == Unknown && len(b) < 4 && b[0]&0xF0 == 0x50 && hasPrefix([]byte{b[0], 0x2A, 0x4D, 0x18}, b) {
		found = Zstd
	}
	return found
}

// FromName maps a file name (or path) to the codec Spark would use for it:
// strip ".compact" and ".inprogress", then the last dot-suffix names the
// codec (lz4, lzf, snappy, zstd or zst, gz; also zip). Anything else is Plain.
func FromName(name string) Codec {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	for {
		trimmed := strings.TrimSuffix(strings.TrimSuffix(name, ".compact"), ".inprogress")
		if trimmed == name {
			break
		}
		name = trimmed
	}
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return Plain
	}
	switch strings.ToLower(name[i+1:]) {
	case "lz4":
		return LZ4
	case "lzf":
		return LZF
	case "snappy":
		return Snappy
	case "zstd", "zst":
		return Zstd
	case "gz":
		return Gzip
	case "zip":
		return Zip
	}
	return Plain
}

const bufSize = 64 << 10

// NewReader wraps r and returns a reader of the decoded bytes together with
// the codec found. The codec is sniffed from the first bytes of r; hint
// (usually FromName of the file name) is used only when sniffing is
// inconclusive, e.g. for an empty file or one cut short inside its magic
// number. No bytes are lost by sniffing; plain data is passed through
// unchanged (a UTF-8 BOM included).
//
// Read returns io.EOF at a clean end of stream, an error wrapping
// ErrTruncated when the input ends inside a block (after returning every
// complete block), a *CorruptError for undecodable data, and errors of r
// unchanged. Close releases decoder resources; it does not close r.
//
// NewReader itself fails only for a zip archive (ErrContainer), for data that
// matches no codec (*CorruptError with Codec Unknown), for an unknown hint
// that had to be used, or when reading the first bytes of r fails.
func NewReader(r io.Reader, hint Codec, opts Options) (io.ReadCloser, Codec, error) {
	opts = opts.normalized()
	br := bufio.NewReaderSize(r, bufSize)
	c, err := sniffReader(br, hint)
	if err != nil {
		return nil, c, err
	}
	rc, err := newDecoder(br, c, opts)
	if err != nil {
		return nil, c, err
	}
	return rc, c, nil
}

func sniffReader(br *bufio.Reader, hint Codec) (Codec, error) {
	prefix, err := br.Peek(SniffLen)
	atEOF := err == io.EOF
	if err != nil && !atEOF {
		return Unknown, err
	}
	// Leading whitespace (or a BOM) longer than the sniff window: look
	// further for the '{' of a plain log.
	for n := 2 * SniffLen; !atEOF && blankPrefix(prefix); n *= 2 {
		if n > br.Size() {
			// A whole buffer of whitespace: only a plain log starts so.
			return Plain, nil
		}
		prefix, err = br.Peek(n)
		atEOF = err == io.EOF
		if err != nil && !atEOF {
			return Unknown, err
		}
	}
	if c := Sniff(prefix); c != Unknown {
		return c, nil
	}
	if atEOF {
		// A short file: cut inside a magic number, whitespace only, or empty.
		if c := partialMagic(prefix); c != Unknown {
			return c, nil
		}
		if len(prefix) > 0 && blankPrefix(prefix) {
			return Plain, nil
		}
		if hint != Unknown {
			return hint, nil
		}
		if len(prefix) == 0 {
			return Plain, nil
		}
	}
	var msg string
	if head, _ := br.Peek(firstLineLen); isText(head) {
		msg = fmt.Sprintf("not a Spark event log (first line: %s)", quoteLine(head))
	} else {
		if len(prefix) > SniffLen {
			prefix = prefix[:SniffLen]
		}
		msg = fmt.Sprintf("not a Spark event log: no known codec (first bytes % x)", prefix)
	}
	if hint != Unknown && hint != Plain {
		msg += fmt.Sprintf("; the file name suggests %s", hint)
	}
	return Unknown, corrupt(Unknown, 0, "%s", msg)
}

// firstLineLen bounds what is read of an unrecognised file's first line;
// shownLineLen what is shown of it.
const (
	firstLineLen = 512
	shownLineLen = 60
)

// isText reports whether b, the start of a file, is text: valid UTF-8 (a
// rune cut at the end aside) without control characters other than tabs
// and line ends.
func isText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return !utf8.FullRune(b[i:])
		}
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0x7f {
			return false
		}
		i += n
	}
	return true
}

// quoteLine is b's first line, without control or invisible characters,
// cut to shownLineLen characters, in double quotes.
func quoteLine(b []byte) string {
	if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
		b = b[:i]
	}
	var sb strings.Builder
	n, cut := 0, false
	for _, r := range string(b) {
		if n == shownLineLen {
			cut = true
			break
		}
		if !unicode.IsPrint(r) {
			r = ' '
		}
		sb.WriteRune(r)
		n++
	}
	out := strings.TrimSpace(sb.String())
	if cut || len(b) == firstLineLen {
		out += "…"
	}
	return `"` + out + `"`
}

func newDecoder(br *bufio.Reader, c Codec, opts Options) (io.ReadCloser, error) {
	switch c {
	case Plain:
		return io.NopCloser(br), nil
	case LZ4:
		return newBlockReader(newLZ4Decoder(br, opts)), nil
	case LZF:
		return newBlockReader(newLZFDecoder(br, opts)), nil
	case Snappy:
		return newBlockReader(newSnappyDecoder(br, opts)), nil
	case Zstd:
		return newZstdReader(br, opts)
	case Gzip:
		return newGzipReader(br), nil
	case Zip:
		return nil, ErrContainer
	}
	return nil, fmt.Errorf("codec: unknown codec %q", string(c))
}
