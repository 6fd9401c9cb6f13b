package source

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog/codec"
)

// ev is the content of a synthetic part: one event naming the part, so the
// order of the parts shows in what they read back.
func ev(tag string) string { return `{"Event":"` + tag + `"}` + "\n" }

func evs(tags ...string) string {
	var b strings.Builder
	for _, t := range tags {
		b.WriteString(ev(t))
	}
	return b.String()
}

func TestOpenSyntheticLayouts(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]string
		open    string // path opened, relative to the test root
		want    summary
		content string        // the parts read back in order
		hints   []codec.Codec // nil: not checked
	}{
		{
			name: "rolling with compact file",
			files: map[string]string{
				"eventlog_v2_local-1/events_1_local-1.zstd":         ev("1"),
				"eventlog_v2_local-1/events_2_local-1.zstd":         ev("2"),
				"eventlog_v2_local-1/events_3_local-1.zstd":         ev("3"),
				"eventlog_v2_local-1/events_3_local-1.zstd.compact": ev("c3"),
				"eventlog_v2_local-1/events_4_local-1.zstd":         ev("4"),
				"eventlog_v2_local-1/events_5_local-1.zstd":         ev("5"),
				"eventlog_v2_local-1/appstatus_local-1":             "",
			},
			open: "eventlog_v2_local-1",
			want: summary{Layout: Rolling, Inner: Rolling, AppID: "local-1", Parts: []string{
				"eventlog_v2_local-1/events_3_local-1.zstd.compact",
				"eventlog_v2_local-1/events_4_local-1.zstd",
				"eventlog_v2_local-1/events_5_local-1.zstd",
			}},
			content: evs("c3", "4", "5"),
			hints:   []codec.Codec{codec.Zstd, codec.Zstd, codec.Zstd},
		},
		{
			name: "rolling keeps only what follows the last compact file",
			files: map[string]string{
				"eventlog_v2_local-2/events_2_local-2.compact": ev("c2"),
				"eventlog_v2_local-2/events_3_local-2":         ev("3"),
				"eventlog_v2_local-2/events_4_local-2.compact": ev("c4"),
				"eventlog_v2_local-2/events_5_local-2":         ev("5"),
				"eventlog_v2_local-2/appstatus_local-2":        "",
			},
			open: "eventlog_v2_local-2",
			want: summary{Layout: Rolling, Inner: Rolling, AppID: "local-2", Parts: []string{
				"eventlog_v2_local-2/events_4_local-2.compact",
				"eventlog_v2_local-2/events_5_local-2",
			}},
			content: evs("c4", "5"),
			hints:   []codec.Codec{codec.Plain, codec.Plain},
		},
		{
			name: "rolling orders indices numerically",
			files: map[string]string{
				"eventlog_v2_local-3/events_1_local-3":  ev("1"),
				"eventlog_v2_local-3/events_2_local-3":  ev("2"),
				"eventlog_v2_local-3/events_10_local-3": ev("10"),
				"eventlog_v2_local-3/events_3_local-3":  ev("3"),
				"eventlog_v2_local-3/events_4_local-3":  ev("4"),
				"eventlog_v2_local-3/events_5_local-3":  ev("5"),
				"eventlog_v2_local-3/events_6_local-3":  ev("6"),
				"eventlog_v2_local-3/events_7_local-3":  ev("7"),
				"eventlog_v2_local-3/events_8_local-3":  ev("8"),
				"eventlog_v2_local-3/events_9_local-3":  ev("9"),
				"eventlog_v2_local-3/appstatus_local-3": "",
			},
			open: "eventlog_v2_local-3",
			want: summary{Layout: Rolling, Inner: Rolling, AppID: "local-3", Parts: []string{
				"eventlog_v2_local-3/events_1_local-3", "eventlog_v2_local-3/events_2_local-3",
				"eventlog_v2_local-3/events_3_local-3", "eventlog_v2_local-3/events_4_local-3",
				"eventlog_v2_local-3/events_5_local-3", "eventlog_v2_local-3/events_6_local-3",
				"eventlog_v2_local-3/events_7_local-3", "eventlog_v2_local-3/events_8_local-3",
				"eventlog_v2_local-3/events_9_local-3", "eventlog_v2_local-3/events_10_local-3",
			}},
			content: evs("1", "2", "3", "4", "5", "6", "7", "8", "9", "10"),
		},
		{
			name: "rolling with a gap in the indices",
			files: map[string]string{
				"eventlog_v2_local-4/events_1_local-4.lz4": ev("1"),
				"eventlog_v2_local-4/events_2_local-4.lz4": ev("2"),
				"eventlog_v2_local-4/events_4_local-4.lz4": ev("4"),
				"eventlog_v2_local-4/events_5_local-4.lz4": ev("5"),
				"eventlog_v2_local-4/appstatus_local-4":    "",
			},
			open: "eventlog_v2_local-4",
			want: summary{Layout: Rolling, Inner: Rolling, AppID: "local-4", Warnings: 1,
				WarningContains: "index 3 is missing", Parts: []string{
					"eventlog_v2_local-4/events_1_local-4.lz4", "eventlog_v2_local-4/events_2_local-4.lz4",
					"eventlog_v2_local-4/events_4_local-4.lz4", "eventlog_v2_local-4/events_5_local-4.lz4",
				}},
			content: evs("1", "2", "4", "5"),
			hints:   []codec.Codec{codec.LZ4, codec.LZ4, codec.LZ4, codec.LZ4},
		},
		{
			name: "rolling with several missing indices",
			files: map[string]string{
				"eventlog_v2_local-4b/events_1_local-4b":  ev("1"),
				"eventlog_v2_local-4b/events_5_local-4b":  ev("5"),
				"eventlog_v2_local-4b/appstatus_local-4b": "",
			},
			open: "eventlog_v2_local-4b",
			want: summary{Layout: Rolling, Inner: Rolling, AppID: "local-4b", Warnings: 1,
				WarningContains: "indices 2 to 4 are missing", Parts: []string{
					"eventlog_v2_local-4b/events_1_local-4b", "eventlog_v2_local-4b/events_5_local-4b",
				}},
			content: evs("1", "5"),
		},
		{
			name: "rolling whose first files are gone",
			files: map[string]string{
				"eventlog_v2_local-5/events_2_local-5":  ev("2"),
				"eventlog_v2_local-5/events_3_local-5":  ev("3"),
				"eventlog_v2_local-5/appstatus_local-5": "",
			},
			open: "eventlog_v2_local-5",
			want: summary{Layout: Rolling, Inner: Rolling, AppID: "local-5", Warnings: 1,
				WarningContains: "before index 2 are missing", Parts: []string{
					"eventlog_v2_local-5/events_2_local-5", "eventlog_v2_local-5/events_3_local-5",
				}},
			content: evs("2", "3"),
		},
		{
			name: "rolling still running",
			files: map[string]string{
				"eventlog_v2_application_1_2_1/events_1_application_1_2_1.snappy":      ev("1"),
				"eventlog_v2_application_1_2_1/appstatus_application_1_2_1.inprogress": "",
			},
			open: "eventlog_v2_application_1_2_1",
			want: summary{Layout: Rolling, Inner: Rolling, AppID: "application_1_2", Attempt: "1", InProgress: true,
				Parts: []string{"eventlog_v2_application_1_2_1/events_1_application_1_2_1.snappy"}},
			content: evs("1"),
			hints:   []codec.Codec{codec.Snappy},
		},
		{
			name: "rolling without appstatus",
			files: map[string]string{
				"eventlog_v2_spark-110be3a8424d4a2789cb88134418217b/events_1_spark-110be3a8424d4a2789cb88134418217b": ev("1"),
			},
			open: "eventlog_v2_spark-110be3a8424d4a2789cb88134418217b",
			want: summary{Layout: Rolling, Inner: Rolling, AppID: "spark-110be3a8424d4a2789cb88134418217b", InProgress: true,
				Warnings: 1, WarningContains: "no appstatus_spark-110be3a8424d4a2789cb88134418217b file",
				Parts: []string{"eventlog_v2_spark-110be3a8424d4a2789cb88134418217b/events_1_spark-110be3a8424d4a2789cb88134418217b"}},
			content: evs("1"),
		},
		{
			name: "rolling with stray files",
			files: map[string]string{
				"eventlog_v2_myapp/events_1_myapp":       ev("1"),
				"eventlog_v2_myapp/.events_1_myapp.crc":  "crc",
				"eventlog_v2_myapp/appstatus_myapp":      "",
				"eventlog_v2_myapp/.appstatus_myapp.crc": "crc",
				"eventlog_v2_myapp/notes.txt":            "hello",
			},
			open: "eventlog_v2_myapp",
			want: summary{Layout: Rolling, Inner: Rolling, AppID: "myapp", Warnings: 1,
				WarningContains: "unexpected file notes.txt skipped",
				Parts:           []string{"eventlog_v2_myapp/events_1_myapp"}},
			content: evs("1"),
		},
		{
			name: "renamed rolling directory",
			files: map[string]string{
				"copied/events_1_local-9":  ev("1"),
				"copied/events_2_local-9":  ev("2"),
				"copied/appstatus_local-9": "",
			},
			open: "copied",
			want: summary{Layout: Rolling, Inner: Rolling, AppID: "local-9", Warnings: 1,
				WarningContains: "directory name is not eventlog_v2_<appId>",
				Parts:           []string{"copied/events_1_local-9", "copied/events_2_local-9"}},
			content: evs("1", "2"),
		},
		{
			name: "spark 1.x without APPLICATION_COMPLETE",
			files: map[string]string{
				"local-1422981759269/EVENT_LOG_1":         ev("1"),
				"local-1422981759269/SPARK_VERSION_1.2.0": "",
			},
			open: "local-1422981759269",
			want: summary{Layout: V1Dir, Inner: V1Dir, AppID: "local-1422981759269", InProgress: true,
				Parts: []string{"local-1422981759269/EVENT_LOG_1"}},
			content: evs("1"),
			hints:   []codec.Codec{codec.Plain},
		},
		{
			name: "spark 1.x compressed, several event files",
			files: map[string]string{
				"app-20150101010101-0001/EVENT_LOG_10":                                              ev("10"),
				"app-20150101010101-0001/EVENT_LOG_2":                                               ev("2"),
				"app-20150101010101-0001/COMPRESSION_CODEC_org.apache.spark.io.LZFCompressionCodec": "",
				"app-20150101010101-0001/SPARK_VERSION_1.1.0":                                       "",
				"app-20150101010101-0001/APPLICATION_COMPLETE":                                      "",
			},
			open: "app-20150101010101-0001",
			want: summary{Layout: V1Dir, Inner: V1Dir, AppID: "app-20150101010101-0001",
				Parts: []string{"app-20150101010101-0001/EVENT_LOG_2", "app-20150101010101-0001/EVENT_LOG_10"}},
			content: evs("2", "10"),
			hints:   []codec.Codec{codec.LZF, codec.LZF},
		},
		{
			name: "spark 1.x from an application name",
			files: map[string]string{
				"my-app-1400000000000/EVENT_LOG_1":          ev("1"),
				"my-app-1400000000000/SPARK_VERSION_1.0.0":  "",
				"my-app-1400000000000/APPLICATION_COMPLETE": "",
			},
			open:    "my-app-1400000000000",
			want:    summary{Layout: V1Dir, Inner: V1Dir, Parts: []string{"my-app-1400000000000/EVENT_LOG_1"}},
			content: evs("1"),
		},
		{
			name: "spark 1.x with an unknown codec marker",
			files: map[string]string{
				"local-6/EVENT_LOG_1":              ev("1"),
				"local-6/SPARK_VERSION_1.2.0":      "",
				"local-6/COMPRESSION_CODEC_brotli": "",
				"local-6/APPLICATION_COMPLETE":     "",
			},
			open: "local-6",
			want: summary{Layout: V1Dir, Inner: V1Dir, AppID: "local-6", Parts: []string{"local-6/EVENT_LOG_1"},
				Warnings: 1, WarningContains: "unknown codec in COMPRESSION_CODEC_brotli"},
			content: evs("1"),
			hints:   []codec.Codec{codec.Unknown},
		},
		{
			name: "databricks with rolled files",
			files: map[string]string{
				"1234567890/eventlog":                      ev("live"),
				"1234567890/eventlog-2021-06-15--10-00.gz": ev("15-10"),
				"1234567890/eventlog-2021-06-14--23-00.gz": ev("14-23"),
				"1234567890/eventlog-2021-06-15--09-00":    ev("15-09"),
			},
			open: "1234567890",
			want: summary{Layout: Databricks, Inner: Databricks, Parts: []string{
				"1234567890/eventlog-2021-06-14--23-00.gz", "1234567890/eventlog-2021-06-15--09-00",
				"1234567890/eventlog-2021-06-15--10-00.gz", "1234567890/eventlog",
			}},
			content: evs("14-23", "15-09", "15-10", "live"),
			hints:   []codec.Codec{codec.Gzip, codec.Plain, codec.Gzip, codec.Plain},
		},
		{
			name: "single file in progress",
			files: map[string]string{
				"logs/application_1_2_3.lz4.inprogress": ev("x"),
			},
			open: "logs/application_1_2_3.lz4.inprogress",
			want: summary{Layout: File, Inner: File, AppID: "application_1_2", Attempt: "3", InProgress: true,
				Parts: []string{"logs/application_1_2_3.lz4.inprogress"}},
			content: evs("x"),
			hints:   []codec.Codec{codec.LZ4},
		},
		{
			name:    "single file with a name Spark did not give",
			files:   map[string]string{"my_log.json": ev("x")},
			open:    "my_log.json",
			want:    summary{Layout: File, Inner: File, Parts: []string{"my_log.json"}},
			content: evs("x"),
		},
		{
			name:  "single file that is no event log",
			files: map[string]string{"notes": "hello\n"},
			open:  "notes",
			want: summary{Layout: File, Inner: File, Parts: []string{"notes"}, Warnings: 1,
				WarningContains: "does not start like a Spark event log"},
			content: "hello\n",
		},
		{
			name:  "empty single file",
			files: map[string]string{"local-7.inprogress": ""},
			open:  "local-7.inprogress",
			want: summary{Layout: File, Inner: File, AppID: "local-7", InProgress: true,
				Parts: []string{"local-7.inprogress"}, Warnings: 1, WarningContains: "is empty"},
		},
		{
			name: "one part of a databricks log",
			files: map[string]string{
				"db/eventlog":                      ev("live"),
				"db/eventlog-2024-01-01--00-00.gz": ev("old"),
			},
			open: "db/eventlog",
			want: summary{Layout: File, Inner: File, Parts: []string{"db/eventlog"},
				Warnings: 1, WarningContains: "one part of the Databricks event log"},
			content: evs("live"),
		},
		{
			name: "one part of a rolling log",
			files: map[string]string{
				"eventlog_v2_local-8/events_2_local-8": ev("2"),
			},
			open: "eventlog_v2_local-8/events_2_local-8",
			want: summary{Layout: File, Inner: File, Parts: []string{"eventlog_v2_local-8/events_2_local-8"},
				Warnings: 1, WarningContains: "give the directory"},
			content: evs("2"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tt.files)
			l := openOne(t, filepath.Join(root, filepath.FromSlash(tt.open)))
			checkLog(t, root, l, tt.want)
			if want := filepath.Join(root, filepath.FromSlash(tt.open)); l.Path != want {
				t.Errorf("Path = %q, want %q", l.Path, want)
			}
			if got := readAll(t, l); got != tt.content {
				t.Errorf("parts read back %q, want %q", got, tt.content)
			}
			if tt.hints != nil && !slices.Equal(hints(l), tt.hints) {
				t.Errorf("codec hints = %v, want %v", hints(l), tt.hints)
			}
			for _, p := range l.Parts {
				info, err := os.Stat(p.Name)
				if err != nil || info.Size() != p.Size {
					t.Errorf("part %s: Size = %d, file: %v %v", p.Name, p.Size, info, err)
				}
			}
			if err := l.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
	}
}

func TestOpenRollingWithDanglingPart(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "eventlog_v2_local-1")
	writeTree(t, root, map[string]string{
		"eventlog_v2_local-1/events_1_local-1":  ev("1"),
		"eventlog_v2_local-1/events_3_local-1":  ev("3"),
		"eventlog_v2_local-1/appstatus_local-1": "",
	})
	if err := os.Symlink(filepath.Join(root, "nowhere"), filepath.Join(dir, "events_2_local-1")); err != nil {
		t.Fatal(err)
	}
	l := openOne(t, dir)
	checkLog(t, root, l, summary{Layout: Rolling, Inner: Rolling, AppID: "local-1", Warnings: 2,
		WarningContains: "index 2 is missing",
		Parts:           []string{"eventlog_v2_local-1/events_1_local-1", "eventlog_v2_local-1/events_3_local-1"}})
	if !anyContains(l.Warnings, "event file skipped") {
		t.Errorf("warnings %q do not mention the skipped file", l.Warnings)
	}
}

func TestOpenErrors(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"empty/":                              "",
		"eventlog_v2_local-1/":                "",
		"junk/README.md":                      "# nothing here",
		"junk/notes":                          "hello",
		"rolling-no-events/appstatus_local-2": "",
	})
	if err := os.Symlink(filepath.Join(root, "nowhere"), filepath.Join(root, "dangling")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want []string // texts the error must contain
	}{
		{filepath.Join(root, "missing"), []string{"missing", "no such file"}},
		{filepath.Join(root, "dangling"), []string{"dangling"}},
		{filepath.Join(root, "empty"), []string{"empty", "no Spark event log found", "eventlog_v2_"}},
		{filepath.Join(root, "junk"), []string{"junk", "no Spark event log found"}},
		{filepath.Join(root, "eventlog_v2_local-1"), []string{"eventlog_v2_local-1", "no readable events_<index>_<appId> file"}},
		{filepath.Join(root, "rolling-no-events"), []string{"rolling-no-events", "no readable events_"}},
	}
	for _, tt := range tests {
		logs, err := Open(tt.path)
		if err == nil {
			t.Errorf("Open(%s) = %q, want an error", tt.path, paths(logs))
			continue
		}
		if logs != nil {
			t.Errorf("Open(%s) returned logs %q with error %v", tt.path, paths(logs), err)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Open(%s) error %q does not contain %q", tt.path, err, w)
			}
		}
	}
}

func TestOpenUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("permissions do not apply to root")
	}
	root := t.TempDir()
	p := filepath.Join(root, "local-1")
	writeTree(t, root, map[string]string{"local-1": ev("x")})
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(p); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("Open(unreadable) error = %v", err)
	}
	logs, errs := Discover(root)
	if len(logs) != 0 || len(errs) != 1 {
		t.Errorf("Discover = %q, %v; want one error", paths(logs), errs)
	}
}

// A missing input is named in plain words, and the error still matches
// fs.ErrNotExist for callers that test it.
func TestOpenMissingPlainWords(t *testing.T) {
	p := filepath.Join(t.TempDir(), "app-1.zstd")
	_, err := Open(p)
	if err == nil {
		t.Fatal("no error")
	}
	if want := "no such file: " + p; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not match fs.ErrNotExist", err)
	}
}
