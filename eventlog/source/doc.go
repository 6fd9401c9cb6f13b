// Package source turns a path given by the user into the event logs it
// holds, each as the ordered list of raw (still compressed) parts that make
// up one application attempt's log. It only lists directories and reads at
// most 16 bytes of a file to recognise it; decoding is left to the reader,
// which opens the parts in order through Part.Open.
//
// # Layouts
//
// Single file (File): <appId>[_<attempt>][.<codec>][.inprogress], the
// default before Spark 4.0. The codec is what follows the last dot once
// ".compact" and ".inprogress" are stripped; no extension means plain text.
// A ".inprogress" name is a log still being written.
//
// Rolling directory (Rolling, Spark 3.0+, the default in 4.0):
// eventlog_v2_<appId>[_<attempt>]/ holding events_<n>_<appId>[_<attempt>][.<codec>]
// parts and a zero-byte appstatus_<appId>[_<attempt>][.inprogress] marker.
// Parts are replayed by index; a History Server compaction leaves
// events_<n>_....compact, which replaces every part before it, so everything
// before the last compact file is dropped. Spark refuses a gap in the
// indices; this package reads on and adds a warning naming the missing
// index. A missing appstatus file is a warning and counts as in progress.
//
// Spark 1.x directory (V1Dir, Spark 1.0-1.2): <appId>/ holding EVENT_LOG_1
// (further EVENT_LOG_<n> are replayed in index order), SPARK_VERSION_<v>,
// COMPRESSION_CODEC_<codec> when compressed (it sets the parts' codec hint)
// and APPLICATION_COMPLETE once the application ended (absent: in progress).
//
// Databricks directory (Databricks): cluster log delivery writes the live
// file eventlog and rolls older events into eventlog-YYYY-MM-DD--HH-MM.gz.
// The rolled files are replayed oldest first by the time in their names,
// then eventlog. Such logs are always written live, so InProgress is false.
// Discover also finds them nested in cluster-log folders
// (<cluster>/eventlog/<cluster>_<ip>/<context-id>/eventlog).
//
// Zip archive (Zip): the History Server's "download event logs"
// (/api/v1/applications/<id>[/<attempt>]/logs) zips single log files under
// their own names, or rolling directories as eventlog_v2_<app>/ entries, one
// per attempt. Entries are resolved with the rules above, and Log.Inner
// tells which applied. Part names read "archive.zip!dir/entry".
//
// Standard input (Stdin): "-" is one part named "-" of unknown codec,
// streamed and never buffered whole. A zip archive on standard input is
// first copied to a temporary file; see Open for when it is deleted.
//
// Streams: a named pipe or character device given by path (/dev/stdin,
// /dev/fd/N, bash's <(command), a FIFO made with mkfifo) is read the same
// way, once and from the start, as a File log named by its path; the codec
// is sniffed from its first bytes, and nothing seeks. Pipes met while
// walking a folder are skipped: opening one could wait forever.
//
// # Folders of applications
//
// A directory that is not one application's log is taken as a History
// Server log directory: Discover (and Open) return every log in it and in
// the folders below it, sorted by path. Files named after one of the
// layouts above form one log of that layout even when other logs share the
// folder. Hidden files, checksums, READMEs and driver logs are skipped, as
// are files that do not start like an event log; each entry that cannot be
// resolved is reported as its own error while the others are still
// returned. Symbolic links are followed after everything else, and each
// real file and directory (by device and inode) is visited once: a link
// back to a directory already searched is reported (*LinkCycleError) and
// not followed.
package source
