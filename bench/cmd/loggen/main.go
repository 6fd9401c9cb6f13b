// Command loggen scales a real Spark event log to any size and writes it
// zstd-compressed (or plain), for benchmarks. See docs/performance.md.
//
//	go run ./bench/cmd/loggen -size 5GB -o /tmp/big.zstd
//	go run ./bench/cmd/loggen -tasks 1000000 -o /tmp/1m.zstd
//	go run ./bench/cmd/loggen -in testdata/public/rp_sql_eventlog.zstd -tasks 2000000 -copies 10000 -o /tmp/wide.zstd
//	go run ./bench/cmd/loggen -month -batches 1000000 -executors 100000 -o /tmp/month.zstd
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/sparkdiag/sparkdiag/bench/loggen"
)

// mo is set by -month.
var mo *loggen.MonthOptions

func main() {
	in := flag.String("in", "testdata/public/nds_q86_test.zstd", "real event log to scale (any layout and codec sparkdiag reads)")
	out := flag.String("o", "", "output file (- for standard output)")
	tasks := flag.Int64("tasks", 0, "write at least this many task ends")
	size := flag.String("size", "", "write at least this much uncompressed log (e.g. 500MB, 5GB); ignored with -tasks")
	rounds := flag.Int("rounds", 0, "write the template's body exactly this many times (overrides -tasks and -size)")
	copies := flag.Int("copies", 1, "write each task this many times within its stage (bigger stages)")
	comp := flag.String("codec", "zstd", "zstd (level 1, as Spark writes it) or none")
	month := flag.Bool("month", false, "write a synthetic month-long streaming application instead of scaling -in (see -batches, -executors)")
	batches := flag.Int("batches", 1_000_000, "with -month: streaming micro-batches")
	executors := flag.Int("executors", 100_000, "with -month: executors added and removed")
	flag.Parse()
	if *month {
		mo = &loggen.MonthOptions{Batches: *batches, Executors: *executors}
	}
	if *out == "" {
		fmt.Fprintln(os.Stderr, "loggen: -o is required")
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*in, *out, *tasks, *size, *rounds, *copies, *comp); err != nil {
		fmt.Fprintln(os.Stderr, "loggen:", err)
		os.Exit(1)
	}
}

func run(in, out string, tasks int64, size string, rounds, copies int, comp string) error {
	start := time.Now()
	var t *loggen.Template
	var err error
	if mo == nil {
		if t, err = loggen.LoadTemplate(in); err != nil {
			return err
		}
	}
	var bytes int64
	if size != "" {
		if bytes, err = parseSize(size); err != nil {
			return err
		}
	}
	if rounds <= 0 && t != nil {
		rounds = t.RoundsFor(tasks, bytes, copies)
	}
	var w io.Writer = os.Stdout
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var dst io.Writer = bw
	var enc *zstd.Encoder
	switch comp {
	case "zstd":
		enc, err = zstd.NewWriter(bw, zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)))
		if err != nil {
			return err
		}
		dst = enc
	case "none":
	default:
		return fmt.Errorf("unknown codec %q (zstd or none)", comp)
	}
	cw := &countWriter{w: dst}
	var st loggen.Stats
	if mo != nil {
		ms, err := loggen.Month(cw, *mo)
		if err != nil {
			return err
		}
		st.Bytes, st.Lines = ms.Bytes, ms.Lines
		fmt.Fprintf(os.Stderr, "loggen: month-long application: %d batches, %d executors added, %d removed\n", ms.Batches, ms.Executors, ms.RemovedExecutors)
	} else if st, err = t.Generate(cw, loggen.Options{Rounds: rounds, TaskCopies: copies}); err != nil {
		return err
	}
	if enc != nil {
		if err := enc.Close(); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	var raw int64 = st.Bytes
	if fi, err := os.Stat(out); err == nil {
		raw = fi.Size()
	}
	fmt.Fprintf(os.Stderr, "loggen: %s: %d rounds x %d copies: %d lines, %d task ends, %d stages, %.1f MB uncompressed, %.1f MB written, %.1fs\n",
		out, rounds, copies, st.Lines, st.TaskEnds, st.Stages, float64(st.Bytes)/1e6, float64(raw)/1e6, time.Since(start).Seconds())
	return nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// parseSize reads 500MB, 5GB, 2GiB, 1000000.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(strings.ToUpper(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"G", 1e9}, {"M", 1e6}, {"K", 1e3}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return int64(f * float64(mult)), nil
}
