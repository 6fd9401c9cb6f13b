package bench

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/sparkdiag/sparkdiag/bench/loggen"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/all"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// BenchmarkMonthLongApp reads a streaming application that ran for a month
// with dynamic allocation (loggen.Month: a million micro-batches over two
// queries, a hundred thousand executors added and removed), builds its
// model and runs every detector. It reports the live heap of the model
// (MB-model), which must stay flat: the model keeps the first and last
// batches of each query run plus a summary, and packs each executor's log
// links and attributes. SPARKDIAG_MONTH_BATCHES and
// SPARKDIAG_MONTH_EXECUTORS change the size (the defaults take a few
// minutes); docs/performance.md has the peak RSS of `sparkdiag analyze`
// on the same log.
func BenchmarkMonthLongApp(b *testing.B) {
	o := loggen.MonthOptions{Batches: envInt("SPARKDIAG_MONTH_BATCHES", 1_000_000), Executors: envInt("SPARKDIAG_MONTH_EXECUTORS", 100_000)}
	p := filepath.Join(b.TempDir(), "app-month.zstd")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	enc, _ := zstd.NewWriter(bw, zstd.WithEncoderLevel(zstd.SpeedFastest))
	ms, err := loggen.Month(enc, o)
	if err == nil {
		err = enc.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		b.Fatal(err)
	}
	lg := benchLogAt(b, p)
	cfg := &detectors.Config{Params: map[string]map[string]float64{}}
	ds := cfg.Select(all.Detectors)
	b.SetBytes(ms.Bytes)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		app, _ := load(b, lg)
		detectors.Run(app, ds, cfg)
		if i == 0 {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			b.ReportMetric(float64(m.HeapAlloc)/(1<<20), "MB-model")
			b.ReportMetric(float64(len(app.Executors)), "executors")
			n := 0
			for _, q := range app.Streaming {
				n += q.NumBatches()
			}
			b.ReportMetric(float64(n), "batches")
		}
		runtime.KeepAlive(app)
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// benchLogAt opens the log at p.
func benchLogAt(b *testing.B, p string) *source.Log {
	logs, err := source.Open(p)
	if err != nil {
		b.Fatal(err)
	}
	return logs[0]
}
