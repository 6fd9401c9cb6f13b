package appmodel_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// nullHandler wants nothing: it measures decompression and line splitting.
type nullHandler struct{}

func (nullHandler) Wants(eventlog.Kind) bool           { return false }
func (nullHandler) Handle(eventlog.Kind, []byte) error { return nil }

// benchLog is the largest real log at hand: executors_removed (3.0.1, 17k
// tasks, 67 MB decoded) from the shared corpus, or the bundled NDS q86 log
// (45 MB decoded).
func benchLog(b *testing.B) *source.Log {
	if p := os.Getenv("SPARKDIAG_BENCH_LOG"); p != "" {
		logs, err := source.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		return logs[0]
	}
	path := testlogs.Testdata("public", "nds_q86_test.zstd")
	{
		big := filepath.Join(testlogs.SharedDir(), "spark-rapids/tools/src/test/resources/spark-events-profiling/executors_removed_eventlog_compressed.zstd")
		if _, err := os.Stat(big); err == nil {
			path = big
		}
	}
	logs, err := source.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	return logs[0]
}

// BenchmarkRead measures the reader alone (decompression, line splitting,
// event classification) in MB/s of decoded log.
func BenchmarkRead(b *testing.B) {
	lg := benchLog(b)
	st, err := eventlog.Read(lg, nullHandler{}, eventlog.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Parts[0].DecodedBytes)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := eventlog.Read(lg, nullHandler{}, eventlog.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad measures reading plus building the whole model.
func BenchmarkLoad(b *testing.B) {
	lg := benchLog(b)
	_, st, err := appmodel.Load(lg, eventlog.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Parts[0].DecodedBytes)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		app, st, err := appmodel.Load(lg, eventlog.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			b.ReportMetric(float64(st.Events), "events/op")
			bytes := 0
			for _, s := range app.Stages {
				bytes += s.TaskBytes()
			}
			b.ReportMetric(float64(bytes)/float64(app.Totals().Tasks), "taskbytes/task")
		}
	}
}
