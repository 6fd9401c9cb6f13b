package source

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// File-name vocabulary of the layouts this package understands.
const (
	rollingDirPrefix  = "eventlog_v2_"
	eventsPrefix      = "events_"
	appStatusPrefix   = "appstatus_"
	inProgressSuffix  = ".inprogress"
	compactSuffix     = ".compact"
	v1LogPrefix       = "EVENT_LOG_"
	v1VersionPrefix   = "SPARK_VERSION_"
	v1CodecPrefix     = "COMPRESSION_CODEC_"
	v1Complete        = "APPLICATION_COMPLETE"
	dbLiveName        = "eventlog"
	dbRolledPrefix    = "eventlog-"
	dbTimestampLayout = "2006-01-02--15-04"
	stdinName         = "-"
	zipEntrySeparator = "!"
	zipExtension      = ".zip"
	maxDiscoverDepth  = 8
	eventJSONPrefix   = `{"Event"`
	utf8ByteOrderMark = "\xef\xbb\xbf"
)

// fileName is a single event-log file name taken apart the way Spark's
// History Server does it (EventLogFileWriter.codecName): strip ".compact",
// then ".inprogress", and what follows the last remaining dot names the codec.
type fileName struct {
	base       string // <appId>[_<attempt>] for names Spark wrote
	ext        string // codec short name, "" when the name has none
	inProgress bool
	compact    bool
}

func parseFileName(name string) fileName {
	var f fileName
	if s, ok := strings.CutSuffix(name, compactSuffix); ok {
		name, f.compact = s, true
	}
	if s, ok := strings.CutSuffix(name, inProgressSuffix); ok {
		name, f.inProgress = s, true
	}
	f.base = name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		f.base, f.ext = name[:i], name[i+1:]
	}
	return f
}

// eventsName is a parsed rolling event file name:
// events_<index>_<appId>[_<attempt>][.<codec>][.compact].
type eventsName struct {
	index int64
	fileName
}

func parseEventsName(name string) (eventsName, bool) {
	rest, ok := strings.CutPrefix(name, eventsPrefix)
	if !ok {
		return eventsName{}, false
	}
	digits, tail, ok := strings.Cut(rest, "_")
	if !ok || !allDigits(digits) {
		return eventsName{}, false
	}
	index, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return eventsName{}, false
	}
	return eventsName{index: index, fileName: parseFileName(tail)}, true
}

// parseAppStatusName parses appstatus_<appId>[_<attempt>][.inprogress].
func parseAppStatusName(name string) (fileName, bool) {
	rest, ok := strings.CutPrefix(name, appStatusPrefix)
	if !ok {
		return fileName{}, false
	}
	return parseFileName(rest), true
}

// dbName is a parsed Databricks event-log file name: the live "eventlog"
// or a rolled "eventlog-YYYY-MM-DD--HH-MM[.<codec>]".
type dbName struct {
	live bool
	at   time.Time // rotation time for rolled files
}

func parseDatabricksName(name string) (dbName, bool) {
	if name == dbLiveName {
		return dbName{live: true}, true
	}
	rest, ok := strings.CutPrefix(name, dbRolledPrefix)
	if !ok || len(rest) < len(dbTimestampLayout) {
		return dbName{}, false
	}
	stamp, tail := rest[:len(dbTimestampLayout)], rest[len(dbTimestampLayout):]
	if tail != "" && tail[0] != '.' {
		return dbName{}, false
	}
	at, err := time.Parse(dbTimestampLayout, stamp)
	if err != nil {
		return dbName{}, false
	}
	return dbName{at: at}, true
}

// parseV1LogName parses the Spark 1.x EVENT_LOG_<n> part name.
func parseV1LogName(name string) (int64, bool) {
	digits, ok := strings.CutPrefix(name, v1LogPrefix)
	if !ok || !allDigits(digits) {
		return 0, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	return n, err == nil
}

// v1CodecName returns the codec short name recorded by a Spark 1.x
// COMPRESSION_CODEC_<codec> marker. Spark 1.x wrote the configured value of
// spark.io.compression.codec, which is either a short name ("lz4") or a
// class name ("org.apache.spark.io.LZFCompressionCodec").
func v1CodecName(name string) (string, bool) {
	c, ok := strings.CutPrefix(name, v1CodecPrefix)
	if !ok || c == "" {
		return "", false
	}
	if i := strings.LastIndexByte(c, '.'); i >= 0 {
		c = c[i+1:]
	}
	c = strings.ToLower(c)
	c = strings.TrimSuffix(c, "compressioncodec")
	if c == "zstandard" { // early 2.3 development name of the zstd codec
		c = "zstd"
	}
	return c, c != ""
}

// appIDPattern matches the application IDs Spark's schedulers generate, in
// the sanitized form Spark uses in file names, optionally followed by
// "_<attempt>":
//
//	local-<millis>                    local mode
//	app-<yyyyMMddHHmmss>-<seq>        standalone (also Databricks)
//	application_<clusterTs>_<seq>     YARN
//	spark-<32 hex digits>             Kubernetes
//	spark-application-<millis>        AWS Glue
//	<uuid>-<seq>                      Mesos framework IDs
var appIDPattern = regexp.MustCompile(`(?i)^(local-\d+|app-\d{14}-\d+|application_\d+_\d+|spark-[0-9a-f]{32}|spark-application-\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-\d+)(?:_([^_.][^.]*))?$`)

// splitAppAttempt splits <appId>[_<attempt>] when the application ID has
// one of the shapes Spark generates. ok is false for any other text, since
// an app ID of unknown shape cannot be told apart from its attempt suffix.
func splitAppAttempt(base string) (appID, attempt string, ok bool) {
	m := appIDPattern.FindStringSubmatch(base)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// isRollingName reports the files of a rolling event-log directory.
func isRollingName(name string) bool {
	_, events := parseEventsName(name)
	_, status := parseAppStatusName(name)
	return events || status
}

// isV1Name reports the files of a Spark 1.x event-log directory.
func isV1Name(name string) bool {
	_, isLog := parseV1LogName(name)
	return isLog || name == v1Complete || strings.HasPrefix(name, v1VersionPrefix) || strings.HasPrefix(name, v1CodecPrefix)
}

// isDatabricksName reports the files of a Databricks event-log directory.
func isDatabricksName(name string) bool {
	_, ok := parseDatabricksName(name)
	return ok
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// skipName reports names that are never event logs and are passed over
// without being opened: hidden files (the History Server ignores them; HDFS
// and Hadoop's local file system put ".<name>.crc" checksums beside every
// file), checksums, documentation, and the driver/executor logs found next
// to event logs in cluster-log folders (Databricks cluster log delivery).
func skipName(name string) bool {
	lower := strings.ToLower(name)
	switch {
	case name == "" || name[0] == '.':
		return true
	case lower == "_success", lower == "stdout", lower == "stderr",
		strings.HasPrefix(lower, "stdout--"), strings.HasPrefix(lower, "stderr--"),
		strings.HasPrefix(lower, "readme"), strings.HasPrefix(lower, "license"),
		strings.HasPrefix(lower, "notice"), strings.Contains(lower, "log4j"):
		return true
	}
	for _, ext := range []string{".crc", ".md", ".log", ".out", ".err"} {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return strings.Contains(lower, ".log.")
}
