package source

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog/codec"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// sharedRoot is the corpus of real event logs kept beside the repository
// (shared/eventlogs, described by its MANIFEST.md); it skips the test when
// the corpus is absent.
func sharedRoot(t *testing.T) string { return testlogs.Shared(t) }

const (
	rapidsQual = "spark-rapids-tools/core/src/test/resources/spark-events-qualification/"
	mcpEvents  = "mcp-apache-spark-history-server/examples/basic/events/"
	sparkCore  = "spark/core/src/test/resources/spark-events/"
)

var sharedCases = []struct {
	path       string
	layout     Layout
	appID      string
	attempt    string
	inProgress bool
	parts      []string
	hints      []codec.Codec
}{
	{
		path: rapidsQual + "eventlog_v2_local-1623876083964", layout: Rolling, appID: "local-1623876083964",
		parts: []string{
			rapidsQual + "eventlog_v2_local-1623876083964/events_1_local-1623876083964.zstd",
			rapidsQual + "eventlog_v2_local-1623876083964/events_2_local-1623876083964.zstd",
		},
		hints: []codec.Codec{codec.Zstd, codec.Zstd},
	},
	{
		path: mcpEvents + "eventlog_v2_spark-110be3a8424d4a2789cb88134418217b", layout: Rolling,
		appID: "spark-110be3a8424d4a2789cb88134418217b",
		parts: []string{mcpEvents + "eventlog_v2_spark-110be3a8424d4a2789cb88134418217b/events_1_spark-110be3a8424d4a2789cb88134418217b"},
		hints: []codec.Codec{codec.Plain},
	},
	{
		path: mcpEvents + "eventlog_v2_spark-bcec39f6201b42b9925124595baad260", layout: Rolling,
		appID: "spark-bcec39f6201b42b9925124595baad260",
		parts: []string{mcpEvents + "eventlog_v2_spark-bcec39f6201b42b9925124595baad260/events_1_spark-bcec39f6201b42b9925124595baad260"},
		hints: []codec.Codec{codec.Plain},
	},
	{
		path: rapidsQual + "db_sim_eventlog", layout: Databricks,
		parts: []string{rapidsQual + "db_sim_eventlog/eventlog-2021-06-15--15-00.gz", rapidsQual + "db_sim_eventlog/eventlog"},
		hints: []codec.Codec{codec.Gzip, codec.Plain},
	},
	{
		path:   "spark/legacy-v1.2-dir-format/core/src/test/resources/spark-events/local-1422981759269",
		layout: V1Dir, appID: "local-1422981759269",
		parts: []string{"spark/legacy-v1.2-dir-format/core/src/test/resources/spark-events/local-1422981759269/EVENT_LOG_1"},
		hints: []codec.Codec{codec.Plain},
	},
	{
		path: sparkCore + "application_1536831636016_59384_1", layout: File,
		appID: "application_1536831636016_59384", attempt: "1",
		parts: []string{sparkCore + "application_1536831636016_59384_1"},
		hints: []codec.Codec{codec.Plain},
	},
	{
		path: sparkCore + "local-1430917381535_2", layout: File, appID: "local-1430917381535", attempt: "2",
		parts: []string{sparkCore + "local-1430917381535_2"},
		hints: []codec.Codec{codec.Plain},
	},
	{
		path: sparkCore + "app-20161115172038-0000", layout: File, appID: "app-20161115172038-0000",
		parts: []string{sparkCore + "app-20161115172038-0000"},
		hints: []codec.Codec{codec.Plain},
	},
	{
		path: "dr-elephant/test/resources/spark_event_logs/event_log_1", layout: File,
		parts: []string{"dr-elephant/test/resources/spark_event_logs/event_log_1"},
		hints: []codec.Codec{codec.Plain},
	},
	{
		path: "mcp-apache-spark-history-server/skills/cli/e2e/spark-events/local-1776286804625.zstd", layout: File,
		appID: "local-1776286804625",
		parts: []string{"mcp-apache-spark-history-server/skills/cli/e2e/spark-events/local-1776286804625.zstd"},
		hints: []codec.Codec{codec.Zstd},
	},
	{
		path: rapidsQual + "multiple_attempts/attempt_2_eventlog.zstd", layout: File,
		parts: []string{rapidsQual + "multiple_attempts/attempt_2_eventlog.zstd"},
		hints: []codec.Codec{codec.Zstd},
	},
	{
		path: "spark-rapids-tools/core/src/test/resources/spark-events-profiling/eventlog_dsv1.zstd", layout: File,
		parts: []string{"spark-rapids-tools/core/src/test/resources/spark-events-profiling/eventlog_dsv1.zstd"},
		hints: []codec.Codec{codec.Zstd},
	},
}

// magic returns the codec the first bytes of a part show.
func magic(t *testing.T, p *Part) codec.Codec {
	t.Helper()
	rc, err := p.Open()
	if err != nil {
		t.Fatalf("open %s: %v", p.Name, err)
	}
	defer rc.Close()
	buf := make([]byte, codec.SniffLen)
	n, _ := io.ReadFull(rc, buf)
	if startsLikeEvents(buf[:n]) {
		return codec.Plain
	}
	return codec.Sniff(buf[:n])
}

func checkShared(t *testing.T, root string, l *Log, i int) {
	t.Helper()
	c := sharedCases[i]
	var parts []string
	for _, p := range l.Parts {
		parts = append(parts, relName(root, p.Name))
	}
	if l.Layout != c.layout || l.Inner != c.layout || l.AppID != c.appID || l.Attempt != c.attempt ||
		l.InProgress != c.inProgress || !slices.Equal(parts, c.parts) || len(l.Warnings) != 0 {
		t.Errorf("%s: got layout %s/%s app %q attempt %q in progress %v parts %q warnings %q", c.path,
			l.Layout, l.Inner, l.AppID, l.Attempt, l.InProgress, parts, l.Warnings)
	}
	if got := hints(l); !slices.Equal(got, c.hints) {
		t.Errorf("%s: hints %v, want %v", c.path, got, c.hints)
	}
	for _, p := range l.Parts {
		if got := magic(t, p); got != p.CodecHint {
			t.Errorf("%s: starts like %s, hint says %s", p.Name, got, p.CodecHint)
		}
		info, err := os.Stat(p.Name)
		if err != nil || info.Size() != p.Size {
			t.Errorf("%s: Size %d, stat %v %v", p.Name, p.Size, info, err)
		}
	}
}

func TestOpenSharedLogs(t *testing.T) {
	root := sharedRoot(t)
	for i, c := range sharedCases {
		t.Run(c.path, func(t *testing.T) {
			l := openOne(t, filepath.Join(root, c.path))
			checkShared(t, root, l, i)
		})
	}
}

func TestDiscoverSharedLogs(t *testing.T) {
	root := sharedRoot(t)
	logs, errs := Discover(root)
	for _, err := range errs {
		t.Errorf("Discover: %v", err)
	}
	byPath := map[string]*Log{}
	for i, l := range logs {
		rel := relName(root, l.Path)
		byPath[rel] = l
		if i > 0 && logs[i-1].Path >= l.Path {
			t.Errorf("not sorted: %s before %s", logs[i-1].Path, l.Path)
		}
		if len(l.Warnings) != 0 {
			t.Errorf("%s: warnings %q", rel, l.Warnings)
		}
		if strings.HasPrefix(rel, "spark-expectations/") || strings.HasSuffix(rel, ".md") {
			t.Errorf("%s is not an event log", rel)
		}
		for _, p := range l.Parts {
			if m := magic(t, p); m == codec.Unknown {
				t.Errorf("%s does not start like an event log", p.Name)
			}
		}
	}
	for i, c := range sharedCases {
		l, ok := byPath[c.path]
		if !ok {
			t.Errorf("Discover missed %s", c.path)
			continue
		}
		checkShared(t, root, l, i)
	}
	// The rolling, Spark 1.x and Databricks directories each count once,
	// never as loose files.
	for rel := range byPath {
		if strings.Contains(rel, "eventlog_v2_") && strings.Contains(rel, "/events_") ||
			strings.HasSuffix(rel, "/EVENT_LOG_1") || strings.HasSuffix(rel, "db_sim_eventlog/eventlog") {
			t.Errorf("part %s listed as a log of its own", rel)
		}
	}
}
