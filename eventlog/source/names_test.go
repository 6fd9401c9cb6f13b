package source

import (
	"strings"
	"testing"
	"time"

	"github.com/sparkdiag/sparkdiag/eventlog/codec"
)

func TestParseFileName(t *testing.T) {
	tests := []struct {
		name string
		want fileName
	}{
		{"local-1422981759269", fileName{base: "local-1422981759269"}},
		{"app-20161115172038-0000.lz4", fileName{base: "app-20161115172038-0000", ext: "lz4"}},
		{"application_1_2_1.zstd.inprogress", fileName{base: "application_1_2_1", ext: "zstd", inProgress: true}},
		{"local-1.inprogress", fileName{base: "local-1", inProgress: true}},
		{"local-1.snappy.inprogress.compact", fileName{base: "local-1", ext: "snappy", inProgress: true, compact: true}},
		{"local-1.zstd.compact", fileName{base: "local-1", ext: "zstd", compact: true}},
		{"query-event-logs-version-2.0.0.txt", fileName{base: "query-event-logs-version-2.0.0", ext: "txt"}},
		{".inprogress", fileName{inProgress: true}},
		{"", fileName{}},
	}
	for _, tt := range tests {
		if got := parseFileName(tt.name); got != tt.want {
			t.Errorf("parseFileName(%q) = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestParseEventsName(t *testing.T) {
	tests := []struct {
		name   string
		ok     bool
		index  int64
		base   string
		ext    string
		compac bool
	}{
		{"events_1_local-1623876083964.zstd", true, 1, "local-1623876083964", "zstd", false},
		{"events_12_spark-110be3a8424d4a2789cb88134418217b", true, 12, "spark-110be3a8424d4a2789cb88134418217b", "", false},
		{"events_3_application_1_2_1.lz4.compact", true, 3, "application_1_2_1", "lz4", true},
		{"events_3_app.compact", true, 3, "app", "", true},
		{"events__app", false, 0, "", "", false},
		{"events_x_app", false, 0, "", "", false},
		{"events_1", false, 0, "", "", false},
		{"events_99999999999999999999_app", false, 0, "", "", false},
		{"appstatus_app", false, 0, "", "", false},
	}
	for _, tt := range tests {
		got, ok := parseEventsName(tt.name)
		if ok != tt.ok {
			t.Errorf("parseEventsName(%q) ok = %v, want %v", tt.name, ok, tt.ok)
			continue
		}
		if ok && (got.index != tt.index || got.base != tt.base || got.ext != tt.ext || got.compact != tt.compac) {
			t.Errorf("parseEventsName(%q) = %+v", tt.name, got)
		}
	}
}

func TestParseAppStatusName(t *testing.T) {
	tests := []struct {
		name       string
		ok         bool
		base       string
		inProgress bool
	}{
		{"appstatus_local-1623876083964", true, "local-1623876083964", false},
		{"appstatus_application_1_2_1.inprogress", true, "application_1_2_1", true},
		{"events_1_app", false, "", false},
	}
	for _, tt := range tests {
		got, ok := parseAppStatusName(tt.name)
		if ok != tt.ok || got.base != tt.base || got.inProgress != tt.inProgress {
			t.Errorf("parseAppStatusName(%q) = %+v, %v", tt.name, got, ok)
		}
	}
}

func TestParseDatabricksName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
		live bool
		at   string
	}{
		{"eventlog", true, true, ""},
		{"eventlog-2021-06-15--15-00.gz", true, false, "2021-06-15T15:00:00Z"},
		{"eventlog-2023-01-02--03-04", true, false, "2023-01-02T03:04:00Z"},
		{"eventlog-2023-13-02--03-04.gz", false, false, ""},
		{"eventlog-2023-01-02--03-04x", false, false, ""},
		{"eventlog-2023-01-02", false, false, ""},
		{"eventlog_v2_app", false, false, ""},
		{"eventlog.zstd", false, false, ""},
		{"Eventlog", false, false, ""},
	}
	for _, tt := range tests {
		got, ok := parseDatabricksName(tt.name)
		if ok != tt.ok || got.live != tt.live {
			t.Errorf("parseDatabricksName(%q) = %+v, %v", tt.name, got, ok)
			continue
		}
		if tt.at != "" {
			want, _ := time.Parse(time.RFC3339, tt.at)
			if !got.at.Equal(want) {
				t.Errorf("parseDatabricksName(%q) at = %v, want %v", tt.name, got.at, want)
			}
		}
	}
}

func TestV1Names(t *testing.T) {
	for name, want := range map[string]int64{"EVENT_LOG_1": 1, "EVENT_LOG_12": 12} {
		if got, ok := parseV1LogName(name); !ok || got != want {
			t.Errorf("parseV1LogName(%q) = %d, %v", name, got, ok)
		}
	}
	for _, name := range []string{"EVENT_LOG_", "EVENT_LOG_x", "event_log_1", "SPARK_VERSION_1.2.0"} {
		if _, ok := parseV1LogName(name); ok {
			t.Errorf("parseV1LogName(%q) accepted", name)
		}
	}
	codecs := map[string]string{
		"COMPRESSION_CODEC_lz4":                                           "lz4",
		"COMPRESSION_CODEC_snappy":                                        "snappy",
		"COMPRESSION_CODEC_org.apache.spark.io.LZFCompressionCodec":       "lzf",
		"COMPRESSION_CODEC_org.apache.spark.io.SnappyCompressionCodec":    "snappy",
		"COMPRESSION_CODEC_org.apache.spark.io.ZStdCompressionCodec":      "zstd",
		"COMPRESSION_CODEC_org.apache.spark.io.ZStandardCompressionCodec": "zstd",
	}
	for name, want := range codecs {
		if got, ok := v1CodecName(name); !ok || got != want {
			t.Errorf("v1CodecName(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	if _, ok := v1CodecName("COMPRESSION_CODEC_"); ok {
		t.Errorf("v1CodecName accepted an empty codec")
	}
}

func TestSplitAppAttempt(t *testing.T) {
	tests := []struct {
		base, app, attempt string
		ok                 bool
	}{
		{"local-1422981759269", "local-1422981759269", "", true},
		{"local-1430917381535_2", "local-1430917381535", "2", true},
		{"app-20161115172038-0000", "app-20161115172038-0000", "", true},
		{"application_1506645932520_24630151", "application_1506645932520_24630151", "", true},
		{"application_1536831636016_59384_1", "application_1536831636016_59384", "1", true},
		{"spark-110be3a8424d4a2789cb88134418217b", "spark-110be3a8424d4a2789cb88134418217b", "", true},
		{"spark-application-1626828393590", "spark-application-1626828393590", "", true},
		{"b9aa8e11-0a22-4e4d-a2bd-25d2e2d4b7b3-0001_1", "b9aa8e11-0a22-4e4d-a2bd-25d2e2d4b7b3-0001", "1", true},
		{"event_log_1", "", "", false},
		{"eventlog_same_app_id_1", "", "", false},
		{"dataset_eventlog", "", "", false},
		{"local-", "", "", false},
		{"local-1_", "", "", false},
	}
	for _, tt := range tests {
		app, attempt, ok := splitAppAttempt(tt.base)
		if app != tt.app || attempt != tt.attempt || ok != tt.ok {
			t.Errorf("splitAppAttempt(%q) = %q, %q, %v; want %q, %q, %v", tt.base, app, attempt, ok, tt.app, tt.attempt, tt.ok)
		}
	}
}

func TestSkipName(t *testing.T) {
	skip := []string{".events_1_x.crc", ".hidden", "x.crc", "README", "README.md", "MANIFEST.md", "_SUCCESS",
		"stdout", "stderr", "stderr--2023-01-01--10-00", "log4j-active.log", "log4j-2023-01-01-10.log.gz", "driver.log"}
	keep := []string{"local-1", "eventlog", "eventlog-2021-06-15--15-00.gz", "app.zstd", "query-event-logs-version-2.0.0.txt", "events.json"}
	for _, n := range skip {
		if !skipName(n) {
			t.Errorf("skipName(%q) = false", n)
		}
	}
	for _, n := range keep {
		if skipName(n) {
			t.Errorf("skipName(%q) = true", n)
		}
	}
}

func TestStartsLikeEvents(t *testing.T) {
	tests := []struct {
		prefix string
		want   bool
	}{
		{`{"Event":"SparkListenerLogStart"`[:codec.SniffLen], true},
		{"\xef\xbb\xbf" + `{"Event":"Spark`, true},
		{` {"Event":"Spark`, true},
		{`{"Eve`, true}, // a file of five bytes, cut short
		{`{`, true},
		{`{"id": "local-1", "name"`[:codec.SniffLen], false},
		{"# Shared event-l", false},
		{"", false},
		{"   ", false},
	}
	for _, tt := range tests {
		if got := startsLikeEvents([]byte(tt.prefix)); got != tt.want {
			t.Errorf("startsLikeEvents(%q) = %v, want %v", tt.prefix, got, tt.want)
		}
	}
}

// FuzzParseName feeds arbitrary names to every file-name parser. They must
// never panic, and what they return must be consistent with the input.
func FuzzParseName(f *testing.F) {
	for _, s := range []string{
		"local-1422981759269", "application_1_2_1.lz4.inprogress", "events_1_app.zstd.compact",
		"appstatus_app.inprogress", "eventlog", "eventlog-2021-06-15--15-00.gz", "EVENT_LOG_1",
		"COMPRESSION_CODEC_org.apache.spark.io.LZFCompressionCodec", "SPARK_VERSION_1.2.0",
		".compact", "events_", "eventlog-", "", "\x00", "events_1_", "COMPRESSION_CODEC_.",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		fn := parseFileName(name)
		if !strings.HasPrefix(name, fn.base) {
			t.Errorf("parseFileName(%q).base = %q is not a prefix", name, fn.base)
		}
		if strings.Contains(fn.ext, ".") {
			t.Errorf("parseFileName(%q).ext = %q holds a dot", name, fn.ext)
		}
		if en, ok := parseEventsName(name); ok && en.index < 0 {
			t.Errorf("parseEventsName(%q) index %d", name, en.index)
		}
		parseAppStatusName(name)
		if d, ok := parseDatabricksName(name); ok && d.live != (name == dbLiveName) {
			t.Errorf("parseDatabricksName(%q) live = %v", name, d.live)
		}
		parseV1LogName(name)
		if c, ok := v1CodecName(name); ok && c == "" {
			t.Errorf("v1CodecName(%q) returned an empty codec", name)
		}
		if app, attempt, ok := splitAppAttempt(name); ok {
			if !strings.HasPrefix(name, app) || (attempt != "" && name != app+"_"+attempt) {
				t.Errorf("splitAppAttempt(%q) = %q, %q", name, app, attempt)
			}
		}
		skipName(name)
		startsLikeEvents([]byte(name))
		looksLikeLog(name, []byte(name))
	})
}
