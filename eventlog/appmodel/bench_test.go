package appmodel_test

import (
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/internal/testlogs"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// nullHandler wants nothing: it measures decompression and line splitting.
type nullHandler struct{}

func (nullHandler) Wants(eventlog.Kind) bool           { return false }
func (nullHandler) Handle(eventlog.Kind, []byte) error { return nil }

func benchLog(b *testing.B) *source.Log {
	logs, err := source.Open(testlogs.Testdata("public", "nds_q86_test.zstd"))
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
