package appmodel

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// progressLine is a QueryProgressEvent with one source.
func progressLine(batch int, source string) string {
	return `{"Event":"org.apache.spark.sql.streaming.StreamingQueryListener$QueryProgressEvent","progress":{"id":"q","runId":"r","name":null,` +
		`"timestamp":"2024-01-01T00:00:00.000Z","batchId":` + strconv.Itoa(batch) + `,"batchDuration":100,` +
		`"durationMs":{},"eventTime":{},"stateOperators":[],"sources":[` + source + `],"sink":{"description":"s","numOutputRows":1}}}`
}

func loadLines(t *testing.T, lines ...string) *Application {
	t.Helper()
	b := NewBuilder()
	for _, l := range lines {
		data := []byte(l)
		var ev struct{ Event string }
		if err := json.Unmarshal(data, &ev); err != nil {
			t.Fatal(err)
		}
		if err := b.Handle(eventlog.KindOf([]byte(ev.Event)), data); err != nil {
			t.Fatal(err)
		}
	}
	return b.Finish()
}

func TestSourceOffsets(t *testing.T) {
	cases := []struct {
		name   string
		source string
		want   string // the JSON of the source's progress
	}{
		{"Kafka, offsets as JSON strings (event log)",
			`{"description":"KafkaV2[Subscribe[a,b]]","startOffset":"{\"a\":{\"0\":10,\"1\":20},\"b\":{\"0\":5}}","endOffset":"{\"a\":{\"0\":15,\"1\":30},\"b\":{\"0\":5}}","latestOffset":"{\"a\":{\"0\":25,\"1\":30},\"b\":{\"0\":9},\"c\":{\"0\":100}}","numInputRows":15,"inputRowsPerSecond":"NaN","processedRowsPerSecond":1.5,"metrics":{"avgOffsetsBehindLatest":"4.7","maxOffsetsBehindLatest":"10","minOffsetsBehindLatest":"0"}}`,
			`{"description":"KafkaV2[Subscribe[a,b]]","numInputRows":15,"offsetKind":"numeric","partitions":3,"startOffsetSum":35,"endOffsetSum":50,"latestOffsetSum":164,"offsetsBehindLatest":14,"avgOffsetsBehindLatest":4.7,"maxOffsetsBehindLatest":10,"minOffsetsBehindLatest":0,"latestAheadOfEnd":true}`},
		{"Kafka, offsets as objects (progress API)",
			`{"description":"KafkaV2[Subscribe[a]]","startOffset":{"a":{"0":1}},"endOffset":{"a":{"0":3}},"latestOffset":{"a":{"0":3}},"numInputRows":2}`,
			`{"description":"KafkaV2[Subscribe[a]]","numInputRows":2,"offsetKind":"numeric","partitions":1,"startOffsetSum":1,"endOffsetSum":3,"latestOffsetSum":3,"offsetsBehindLatest":0,"latestAheadOfEnd":false}`},
		{"Kafka before 3.1: no latest offset",
			`{"description":"KafkaV2[Subscribe[a]]","startOffset":null,"endOffset":"{\"a\":{\"0\":48279}}","numInputRows":3}`,
			`{"description":"KafkaV2[Subscribe[a]]","numInputRows":3,"offsetKind":"numeric","partitions":1,"endOffsetSum":48279}`},
		{"rate source: scalar offsets",
			`{"description":"RateStreamV2[rowsPerSecond=10]","startOffset":"3","endOffset":"4","latestOffset":"6","numInputRows":10}`,
			`{"description":"RateStreamV2[rowsPerSecond=10]","numInputRows":10,"offsetKind":"other","latestAheadOfEnd":true}`},
		{"file source: no latest offset",
			`{"description":"FileStreamSource[file:/in]","startOffset":"{\"logOffset\":0}","endOffset":"{\"logOffset\":1}","latestOffset":null,"numInputRows":10}`,
			`{"description":"FileStreamSource[file:/in]","numInputRows":10,"offsetKind":"other"}`},
		{"flat numeric objects",
			`{"description":"X","endOffset":"{\"seqNum\":5,\"sourceVersion\":1}","latestOffset":"{\"seqNum\":5,\"sourceVersion\":1}","numInputRows":1}`,
			`{"description":"X","numInputRows":1,"offsetKind":"other","latestAheadOfEnd":false}`},
		{"incomparable offsets",
			`{"description":"Y","endOffset":"{\"shard\":\"a\"}","latestOffset":"{\"shard\":\"b\"}","numInputRows":1}`,
			`{"description":"Y","numInputRows":1,"offsetKind":"other"}`},
		{"metrics only",
			`{"description":"Z","numInputRows":1,"metrics":{"avgOffsetsBehindLatest":"2.5","maxOffsetsBehindLatest":"4","minOffsetsBehindLatest":"1","estimatedTotalBytesBehindLatest":null}}`,
			`{"description":"Z","numInputRows":1,"offsetKind":"none","avgOffsetsBehindLatest":2.5,"maxOffsetsBehindLatest":4,"minOffsetsBehindLatest":1}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			app := loadLines(t, progressLine(0, c.source))
			b := app.Streaming[0].Batches[0]
			got, err := json.Marshal(b.SourceProgress[0])
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			if math.IsNaN(b.InputRowsPerSec) {
				t.Errorf("NaN input rate kept")
			}
		})
	}
}

func TestOffsetsBehind(t *testing.T) {
	cases := []struct {
		sp   SourceProgress
		want int64
		ok   bool
	}{
		{SourceProgress{HasLag: true, Lag: 7, HasBehind: true, AvgBehind: 100, Partitions: 2}, 7, true},
		{SourceProgress{HasBehind: true, AvgBehind: 2.5, MaxBehind: 4, Partitions: 4}, 10, true},
		{SourceProgress{HasBehind: true, AvgBehind: 2.5, MaxBehind: 4}, 4, true},
		{SourceProgress{}, 0, false},
	}
	for i, c := range cases {
		if n, ok := c.sp.OffsetsBehind(); n != c.want || ok != c.ok {
			t.Errorf("%d: %d %v, want %d %v", i, n, ok, c.want, c.ok)
		}
	}
}

// TestSourceDescriptionInterned: one copy of a source description serves
// every batch, capped.
func TestSourceDescriptionInterned(t *testing.T) {
	long := strings.Repeat("x", 5000)
	src := `{"description":"` + long + `","numInputRows":1}`
	app := loadLines(t, progressLine(0, src), progressLine(1, src))
	bs := app.Streaming[0].Batches
	d0, d1 := bs[0].SourceProgress[0].Description, bs[1].SourceProgress[0].Description
	if len(d0) > maxSourceDescription+len("…") || d0 != d1 || bs[0].Sources[0] != d0 {
		t.Fatalf("descriptions %d %d bytes", len(d0), len(d1))
	}
	if unsafe.StringData(d0) != unsafe.StringData(d1) {
		t.Error("description not interned")
	}
}

// TestKafkaCorpusOffsets reads the end offsets of the shared corpus' Kafka
// log (Spark 3.1.0-SNAPSHOT: no latestOffset yet).
func TestKafkaCorpusOffsets(t *testing.T) {
	path := filepath.Join(testlogs.Shared(t), "spark/sql/core/src/test/resources/spark-events/local-1596020211915")
	logs, err := source.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	app, _, err := Load(logs[0], eventlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(app.Streaming) != 1 || len(app.Streaming[0].Batches) != 8 {
		t.Fatalf("streaming %+v", app.Streaming)
	}
	var ends []int64
	for _, b := range app.Streaming[0].Batches {
		sp := b.SourceProgress[0]
		if !sp.Numeric || sp.Partitions != 1 || sp.HasLatest || sp.HasLag || sp.AheadKnown {
			t.Errorf("batch %d: %+v", b.BatchID, sp)
		}
		if b.BatchID > 0 && (!sp.HasStart || sp.EndOffset-sp.StartOffset != sp.NumInputRows) {
			t.Errorf("batch %d: offsets %d..%d for %d rows", b.BatchID, sp.StartOffset, sp.EndOffset, sp.NumInputRows)
		}
		ends = append(ends, sp.EndOffset)
	}
	if ends[0] != 48279 || ends[7] != 48917 {
		t.Errorf("end offsets %v", ends)
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(app.Streaming); err != nil {
		t.Fatal(err) // the first batch's input rate is "NaN"
	}
}
