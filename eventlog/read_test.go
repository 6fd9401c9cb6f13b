package eventlog_test

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

const (
	logStart  = `{"Event":"SparkListenerLogStart","Spark Version":"3.5.1"}`
	appStart  = `{"Event":"SparkListenerApplicationStart","App Name":"t","App ID":"local-1","Timestamp":1000,"User":"u"}`
	appEnd    = `{"Event":"SparkListenerApplicationEnd","Timestamp":5000}`
	taskEnd   = `{"Event":"SparkListenerTaskEnd","Stage ID":0,"Stage Attempt ID":0,"Task Type":"ResultTask","Task End Reason":{"Reason":"Success"},"Task Info":{"Task ID":1,"Index":0,"Attempt":0,"Launch Time":1100,"Executor ID":"1","Host":"h","Locality":"PROCESS_LOCAL","Speculative":false,"Getting Result Time":0,"Finish Time":1300,"Failed":false,"Killed":false,"Accumulables":[]},"Task Metrics":{"Executor Run Time":150,"Executor Deserialize Time":10,"JVM GC Time":5,"Result Size":10,"Memory Bytes Spilled":0,"Disk Bytes Spilled":0}}`
	taskStart = `{"Event":"SparkListenerTaskStart","Stage ID":0,"Stage Attempt ID":0,"Task Info":{"Task ID":1,"Index":0,"Attempt":0,"Launch Time":1100,"Executor ID":"1","Host":"h","Locality":"PROCESS_LOCAL","Speculative":false,"Getting Result Time":0,"Finish Time":0,"Failed":false,"Killed":false,"Accumulables":[]}}`
)

func writeLog(t testing.TB, name, content string) *source.Log {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	logs, err := source.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	return logs[0]
}

func load(t testing.TB, name, content string) (*appmodel.Application, *eventlog.Stats, error) {
	t.Helper()
	return appmodel.Load(writeLog(t, name, content), eventlog.Options{})
}

func TestReadLines(t *testing.T) {
	tests := []struct {
		name      string
		content   string
		events    int
		skipped   int
		truncated bool
		unknown   int
		wantErr   bool
		complete  bool
	}{
		{"clean", lines(logStart, appStart, taskStart, taskEnd, appEnd), 5, 0, false, 0, false, true},
		{"no final newline", strings.TrimSuffix(lines(logStart, appStart, appEnd), "\n"), 3, 0, false, 0, false, true},
		{"crlf and blank lines", strings.ReplaceAll(lines(logStart, "", appStart, "   ", appEnd), "\n", "\r\n"), 3, 0, false, 0, false, true},
		{"half-written last line", lines(logStart, appStart, taskEnd) + taskEnd[:200], 3, 1, true, 0, false, false},
		{"half-written skipped event", lines(logStart, appStart) + taskStart[:100], 2, 1, true, 0, false, false},
		{"corrupt middle line", lines(logStart, `{"Event":"SparkListenerApplicationStart",_"x":1}`, appEnd), 2, 1, false, 0, false, true},
		{"garbage line", lines(logStart, "this is not json", appEnd), 2, 1, false, 0, false, true},
		{"unknown events", lines(logStart, `{"Event":"com.example.Custom","a":[1,2]}`, `{"Event":"com.example.Custom"}`, appEnd), 4, 0, false, 2, false, true},
		{"event key not first", lines(`{"Spark Version":"3.5.1","Event":"SparkListenerLogStart"}`, appEnd), 2, 0, false, 0, false, true},
		{"object without Event", lines(`{"a":1}`, appEnd), 1, 1, false, 0, false, true},
		{"unknown field values", lines(logStart, `{"Event":"SparkListenerApplicationEnd","Timestamp":5000,"New Field":{"x":[1]}}`), 2, 0, false, 0, false, true},
		{"invalid utf-8", lines(logStart, "{\"Event\":\"SparkListenerApplicationStart\",\"App Name\":\"a\xff\xfeb\",\"App ID\":\"local-1\",\"Timestamp\":1}", appEnd), 3, 0, false, 0, false, true},
		{"utf-8 byte-order mark", "\xEF\xBB\xBF" + lines(logStart, appStart, appEnd), 3, 0, false, 0, false, true},
		{"empty", "", 0, 0, false, 0, true, false},
		{"only garbage", "xx\nyy\n", 0, 2, false, 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, st, err := load(t, "app", tt.content)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if st.Events != tt.events {
				t.Errorf("events = %d, want %d (problems %v)", st.Events, tt.events, st.Problems)
			}
			if st.SkippedLines != tt.skipped {
				t.Errorf("skipped = %d, want %d (problems %v)", st.SkippedLines, tt.skipped, st.Problems)
			}
			if st.Truncated != tt.truncated {
				t.Errorf("truncated = %v, want %v", st.Truncated, tt.truncated)
			}
			n := 0
			for _, c := range st.UnknownEvents {
				n += c
			}
			if n != tt.unknown {
				t.Errorf("unknown events = %d, want %d", n, tt.unknown)
			}
			if app.Complete != tt.complete {
				t.Errorf("complete = %v, want %v", app.Complete, tt.complete)
			}
			for _, p := range st.Problems {
				if p.Line <= 0 || p.File == "" {
					t.Errorf("problem without file and line: %+v", p)
				}
			}
		})
	}
}

// TestBOM reads a log saved with a UTF-8 byte-order mark: line 1, the
// log-start event, keeps the Spark version, and a warning says so.
func TestBOM(t *testing.T) {
	for _, name := range []string{"app", "app.gz"} {
		content := "\xEF\xBB\xBF" + lines(logStart, appStart, appEnd)
		if name == "app.gz" {
			content = gzipped(t, content)
		}
		app, st, err := load(t, name, content)
		if err != nil {
			t.Fatal(err)
		}
		if app.SparkVersion != "3.5.1" || st.SkippedLines != 0 {
			t.Errorf("%s: version %q, %d skipped lines (%v)", name, app.SparkVersion, st.SkippedLines, st.Problems)
		}
		if len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "byte-order mark") {
			t.Errorf("%s: warnings %q", name, st.Warnings)
		}
	}
}

func gzipped(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// TestHugeLine reads a 120 MB SQL execution line (a huge plan description,
// shortened as it is read, so it fits under the 64 MiB default cap) and a
// 120 MB line of an event the model does not decode (over the cap, so
// skipped and reported).
func TestHugeLine(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 240 MB")
	}
	big := strings.Repeat("x", 120<<20)
	sql := `{"Event":"org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart","executionId":0,"description":"q","details":"","physicalPlanDescription":"` + big + `","sparkPlanInfo":{"nodeName":"Scan","simpleString":"Scan","children":[],"metadata":{},"metrics":[]},"time":1500}`
	unk := `{"Event":"com.example.Huge","blob":"` + big + `"}`
	app, st, err := load(t, "app", lines(logStart, appStart, sql, unk, appEnd))
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != 4 || st.SkippedLines != 1 {
		t.Fatalf("events %d skipped %d, problems %v", st.Events, st.SkippedLines, st.Problems)
	}
	if p := st.Problems[0]; p.Line != 4 || !strings.Contains(p.Msg, "max-line-size") {
		t.Errorf("problem = %+v", p)
	}
	if len(app.SQL) != 1 || app.SQL[0].Description != "q" {
		t.Fatalf("SQL execution not read: %+v", app.SQL)
	}
	if n := len(app.SQL[0].PlanDescription); n > eventlog.MaxCapped+8 {
		t.Errorf("plan description kept whole (%d bytes)", n)
	}
}

// TestMaxLineSize skips lines over the cap and says so. The line is 3 MiB
// of short properties: shortening long strings does not bring it under the
// cap.
func TestMaxLineSize(t *testing.T) {
	big := `{"Event":"SparkListenerEnvironmentUpdate","Spark Properties":{` + strings.Repeat(`"k":"yyyy",`, 3<<20/11) + `"k":"y"}}`
	logs := writeLog(t, "app", lines(logStart, big, appEnd))
	_, st, err := appmodel.Load(logs, eventlog.Options{MaxLineBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if st.SkippedLines != 1 || st.Events != 2 {
		t.Fatalf("events %d skipped %d", st.Events, st.SkippedLines)
	}
	if !strings.Contains(st.Problems[0].Msg, "max-line-size") || st.Problems[0].Line != 2 {
		t.Errorf("problem = %+v", st.Problems[0])
	}
}

// FuzzRead feeds arbitrary bytes through the whole reader and model
// builder: it must never panic, and every event it counts is a line.
func FuzzRead(f *testing.F) {
	f.Add([]byte(lines(logStart, appStart, taskStart, taskEnd, appEnd)))
	f.Add([]byte(lines(logStart, `{"Event":"org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart","executionId":0,"sparkPlanInfo":{"nodeName":"A","children":[{"nodeName":"B","metrics":[{"name":"m","accumulatorId":5,"metricType":"sum"}]}]},"time":1}`)))
	f.Add([]byte(`{"Event":"SparkListenerJobStart","Job ID":1,"Stage Infos":[{"Stage ID":1,"Number of Tasks":"x"}],"Properties":{"spark.sql.execution.id":"7"}}`))
	f.Add([]byte("{\"Event\":\"SparkListenerTaskEnd\",\"Task Info\":{\"Accumulables\":[{\"ID\":1,\"Update\":\"12\"}]}}\n\x00\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "app")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		logs, err := source.Open(p)
		if err != nil {
			return
		}
		for _, l := range logs {
			_, st, _ := appmodel.Load(l, eventlog.Options{MaxLineBytes: 1 << 20})
			if st != nil && st.Events > bytes.Count(data, []byte("\n"))+1 {
				t.Fatalf("%d events from %d lines", st.Events, bytes.Count(data, []byte("\n"))+1)
			}
		}
	})
}
