package appmodel_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// progressLine is a Kafka progress report of batch id (one source, lag
// offsets behind its latest offset).
func progressLine(run string, id, dur, rows, lag int64) string {
	ts := fmt.Sprintf("2024-03-01T00:%02d:%02d.000Z", id/60%60, id%60)
	return fmt.Sprintf(`{"Event":"org.apache.spark.sql.streaming.StreamingQueryListener$QueryProgressEvent","progress":{"id":"q-1","runId":"%s","name":"n","timestamp":"%s","batchId":%d,"batchDuration":%d,"durationMs":{"addBatch":%d,"triggerExecution":%d},"eventTime":{},"stateOperators":[{"numRowsTotal":%d,"numRowsUpdated":1,"memoryUsedBytes":%d,"numRowsDroppedByWatermark":1}],"sources":[{"description":"KafkaV2[Subscribe[t]]","startOffset":"{\"t\":{\"0\":%d}}","endOffset":"{\"t\":{\"0\":%d}}","latestOffset":"{\"t\":{\"0\":%d}}","numInputRows":%d,"inputRowsPerSecond":%d.0,"processedRowsPerSecond":%d.0}],"sink":{"description":"s","numOutputRows":%d}}}`,
		run, ts, id, dur, dur-1, dur, 100+id, 1000*id, 10*id, 10*id+rows, 10*id+rows+lag, rows, rows, 2*rows, rows)
}

// TestStreamingBound checks that a long query run keeps its first and last
// batches in full and summarises all of them, and that a short run keeps
// every batch and no summary (its JSON does not change).
func TestStreamingBound(t *testing.T) {
	defer func(n int) { appmodel.MaxStreamingBatches = n }(appmodel.MaxStreamingBatches)
	appmodel.MaxStreamingBatches = 10
	tests := []struct {
		name      string
		batches   int64
		wantKept  []int64 // batch ids kept, in order
		summarize bool
	}{
		{"short run", 7, []int64{0, 1, 2, 3, 4, 5, 6}, false},
		{"at the bound", 10, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, false},
		{"one over", 11, []int64{0, 1, 2, 3, 4, 6, 7, 8, 9, 10}, true},
		{"long run", 1000, []int64{0, 1, 2, 3, 4, 995, 996, 997, 998, 999}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			buf.WriteString(`{"Event":"SparkListenerApplicationStart","App Name":"s","App ID":"app-1","Timestamp":1709251200000,"User":"u"}` + "\n")
			var total, rows, dropped int64
			for i := int64(0); i < tt.batches; i++ {
				dur, r := 100+i%10, i%5 // every fifth batch has no data
				buf.WriteString(progressLine("r-1", i, dur, r, i%3) + "\n")
				total += dur
				rows += r
				dropped++
			}
			app, _, err := appmodel.Load(source.BytesLog("s.json", buf.Bytes()), eventlog.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(app.Streaming) != 1 {
				t.Fatalf("%d query runs", len(app.Streaming))
			}
			q := app.Streaming[0]
			var got []int64
			for _, b := range q.Batches {
				got = append(got, b.BatchID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantKept) {
				t.Errorf("kept batches %v, want %v", got, tt.wantKept)
			}
			if q.NumBatches() != int(tt.batches) {
				t.Errorf("NumBatches = %d, want %d", q.NumBatches(), tt.batches)
			}
			if (q.Summary != nil) != tt.summarize {
				t.Fatalf("summary = %+v, want one: %v", q.Summary, tt.summarize)
			}
			if q.Summary == nil {
				return
			}
			s := q.Summary
			if s.Batches != int(tt.batches) || s.KeptBatches != len(tt.wantKept) || s.TotalBatchDuration != total ||
				s.TotalInputRows != rows || s.FirstBatchID != 0 || s.LastBatchID != tt.batches-1 ||
				s.DroppedByWatermark != dropped || s.MaxStateRows != 100+tt.batches-1 {
				t.Errorf("summary %+v; want %d batches, %d ms, %d rows", s, tt.batches, total, rows)
			}
			if s.BatchesWithData != int(tt.batches-(tt.batches+4)/5) {
				t.Errorf("batches with data %d", s.BatchesWithData)
			}
			if s.BatchDuration.Count != int(tt.batches) || s.BatchDuration.Min != 100 || s.BatchDuration.Max != 109 {
				t.Errorf("duration summary %+v", s.BatchDuration)
			}
			if s.OffsetsBehind.Count != int(tt.batches) || s.OffsetsBehind.Max != 2 {
				t.Errorf("lag summary %+v", s.OffsetsBehind)
			}
			if s.ProcessedRowsPerSec.Max != 8 {
				t.Errorf("processed rate summary %+v", s.ProcessedRowsPerSec)
			}
		})
	}
}
