// Package codec decompresses Spark event logs as streams, whatever codec
// wrote them, and identifies the codec from the file's first bytes.
//
// NewReader sniffs the codec (Sniff) and falls back to a hint from the file
// name (FromName) only when the file is too short to tell. Every decoder
// reads one block at a time with buffers reused between blocks, so memory
// stays bounded by Options.MaxBlockSize (lz4, lzf, snappy) or by the zstd
// window (Options.MaxZstdWindow) however large the log is.
//
// # Framings
//
// Spark does not use the standard framing formats of lz4 and snappy; it
// writes the Java libraries' own stream formats:
//
//   - lz4 (lz4-java LZ4BlockOutputStream): blocks with a 21-byte header,
//     "LZ4Block", a token (method 0x10 stored or 0x20 LZ4, low nibble =
//     log2(block size)-10), little-endian compressed length, decoded length
//     and checksum, then a raw LZ4 block. The checksum is XXH32 of the
//     decoded block with seed 0x9747b28c, masked to 28 bits. A block with
//     both lengths zero ends a stream; reading continues after it, so
//     concatenated streams decode as one.
//   - lzf (ning compress-lzf): chunks "ZV\x00" + big-endian 16-bit length +
//     stored bytes, or "ZV\x01" + 16-bit compressed length + 16-bit decoded
//     length + a liblzf block. No stream header, no checksum.
//   - snappy (snappy-java SnappyOutputStream): a 16-byte header
//     "\x82SNAPPY\x00" + version + compatible version (big-endian int32s),
//     then chunks of a big-endian int32 length + a raw snappy block. A second
//     header in place of a length starts a concatenated stream.
//   - zstd (zstd-jni): standard zstd frames; Spark 3+ ends a frame on every
//     flush, so a log is many frames back to back. Skippable frames are
//     ignored.
//   - gzip (Databricks rolled logs, never Spark itself): concatenated gzip
//     members.
//   - plain: JSON lines, passed through unchanged.
//
// Zip archives are recognised by Sniff, but NewReader refuses them with
// ErrContainer: a zip holds files and is opened by the caller.
//
// # Errors and in-progress logs
//
// A log that is still being written (".inprogress") usually ends in the
// middle of a block. Read then returns every byte of every complete block
// first, then an error matching ErrTruncated (and io.ErrUnexpectedEOF). A cut
// exactly between blocks gives io.EOF. Data that cannot be decoded gives a
// *CorruptError with the codec and, for the hand-written decoders, the
// offset of the bad block's header in the compressed input. Headers that
// declare a block larger than Options.MaxBlockSize are reported as corrupt
// before anything is allocated. A zstd frame whose window is larger than
// Options.MaxZstdWindow (128 MiB by default, the zstd tool's own default;
// SPARKDIAG_ZSTD_MAX_WINDOW or --zstd-max-window raise it) is refused with a
// *CorruptError that names both settings. The window is the history the
// decoder keeps; its pages are touched only as a frame fills them, so a
// small log with a large declared window stays small. No input
// makes a decoder panic or loop forever.
package codec
