// Package bench holds the benchmarks that need a big log and the tools to
// make one (loggen) and to compare sparkdiag with other tools
// (compare.sh); docs/performance.md has the results.
//
// The benchmarks read SPARKDIAG_BENCH_LOG when it is set (e.g. a log made
// with `go run ./bench/cmd/loggen -size 2GB -o /tmp/2g.zstd`); otherwise
// they generate a small one (two rounds of the bundled NDS log, about
// 90 MB decoded) in a temporary directory, which keeps a CI run short.
package bench

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/sparkdiag/sparkdiag/advice/fleet"
	"github.com/sparkdiag/sparkdiag/bench/loggen"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/all"
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

var (
	logOnce sync.Once
	logPath string
	logErr  error
)

// benchLog returns the log the benchmarks read.
func benchLog(b *testing.B) *source.Log {
	logOnce.Do(func() {
		if p := os.Getenv("SPARKDIAG_BENCH_LOG"); p != "" {
			logPath = p
			return
		}
		var t *loggen.Template
		t, logErr = loggen.LoadTemplate(testlogs.Testdata("public", "nds_q86_test.zstd"))
		if logErr != nil {
			return
		}
		var buf bytes.Buffer
		enc, _ := zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedFastest))
		if _, logErr = t.Generate(enc, loggen.Options{Rounds: 2}); logErr != nil {
			return
		}
		enc.Close()
		dir, err := os.MkdirTemp("", "sparkdiag-bench")
		if err != nil {
			logErr = err
			return
		}
		logPath = filepath.Join(dir, "app-bench.zstd")
		logErr = os.WriteFile(logPath, buf.Bytes(), 0o644)
	})
	if logErr != nil {
		b.Fatal(logErr)
	}
	logs, err := source.Open(logPath)
	if err != nil {
		b.Fatal(err)
	}
	return logs[0]
}

func load(b *testing.B, lg *source.Log) (*appmodel.Application, *eventlog.Stats) {
	app, st, err := appmodel.Load(lg, eventlog.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return app, st
}

func decoded(st *eventlog.Stats) int64 {
	var n int64
	for _, p := range st.Parts {
		n += p.DecodedBytes
	}
	return n
}

// BenchmarkDetectors runs every detector over the model of the log; MB/s
// is in log bytes, as for the reader, to compare the stages.
func BenchmarkDetectors(b *testing.B) {
	app, st := load(b, benchLog(b))
	cfg := &detectors.Config{Params: map[string]map[string]float64{}}
	ds := cfg.Select(all.Detectors)
	b.SetBytes(decoded(st))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fs := detectors.Run(app, ds, cfg)
		if i == 0 {
			b.ReportMetric(float64(len(fs)), "findings")
		}
	}
}

// BenchmarkLoadAndDetect is what `sparkdiag analyze` does before it
// renders: read, build the model, run the detectors.
func BenchmarkLoadAndDetect(b *testing.B) {
	lg := benchLog(b)
	_, st := load(b, lg)
	cfg := &detectors.Config{Params: map[string]map[string]float64{}}
	ds := cfg.Select(all.Detectors)
	b.SetBytes(decoded(st))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		app, _ := load(b, lg)
		detectors.Run(app, ds, cfg)
	}
}

// BenchmarkGenerate measures the generator (uncompressed output).
func BenchmarkGenerate(b *testing.B) {
	t, err := loggen.LoadTemplate(testlogs.Testdata("public", "nds_q86_test.zstd"))
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var w countWriter
		st, err := t.Generate(&w, loggen.Options{Rounds: 1})
		if err != nil {
			b.Fatal(err)
		}
		n = st.Bytes
	}
	b.SetBytes(n)
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// BenchmarkReview reviews the 104 logs of the real-Spark corpus (both
// versions, every codec and layout) with the default workers: the nightly
// review's throughput on many small applications. Bytes are the logs' raw
// (compressed) sizes.
func BenchmarkReview(b *testing.B) {
	dirs := []string{testlogs.Testdata("spark", "logs", "3.5.9"), testlogs.Testdata("spark", "logs", "4.3.0")}
	var raw int64
	for _, it := range fleet.Resolve(dirs) {
		for _, p := range it.Log.Parts {
			raw += p.Size
		}
	}
	b.SetBytes(raw)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := fleet.Review(context.Background(), fleet.Resolve(dirs), fleet.Options{Detectors: all.Detectors})
		if err != nil {
			b.Fatal(err)
		}
		if res.Apps != 104 {
			b.Fatalf("%d applications reviewed, want 104 (74 local-mode and 30 cluster runs)", res.Apps)
		}
		if i == 0 {
			b.ReportMetric(float64(res.Apps), "apps")
		}
	}
}
