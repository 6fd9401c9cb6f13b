package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/sparkdiag/sparkdiag/advice/sanitize"
	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/codec"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// readFlags are the flags of every command that reads logs.
type readFlags struct {
	maxLineSize  int
	noChecksums  bool
	maxBlockSize int
	zstdWindow   int
	quiet        bool
}

func (f *readFlags) register(c *cobra.Command) {
	c.Flags().IntVar(&f.maxLineSize, "max-line-size", eventlog.DefaultMaxLineBytes>>20, "largest event line kept for decoding, in MiB, once its strings over 512 KiB are shortened (longer lines are skipped and reported)")
	c.Flags().BoolVar(&f.noChecksums, "no-checksums", false, "do not verify lz4 block checksums")
	c.Flags().IntVar(&f.maxBlockSize, "max-block-size", 64, "largest lz4, lzf or snappy block accepted, in MiB (guards against decompression bombs)")
	c.Flags().IntVar(&f.zstdWindow, "zstd-max-window", 0, "largest zstd window accepted, in MiB; decoding keeps one window in memory (default 128, what zstd -d accepts, or $"+codec.ZstdWindowEnv+")")
	c.Flags().BoolVarP(&f.quiet, "quiet", "q", false, "do not print warnings about the input on stderr")
}

func (f *readFlags) options(s *Streams) eventlog.Options {
	o := eventlog.Options{MaxLineBytes: f.maxLineSize << 20}
	o.Codec.VerifyChecksums = !f.noChecksums
	o.Codec.MaxBlockSize = f.maxBlockSize << 20
	o.Codec.MaxZstdWindow = f.zstdWindow << 20 // 0: the environment, else 128 MiB
	return o
}

// loaded is one application read from the logs given.
type loaded struct {
	App   *appmodel.Application
	Stats *eventlog.Stats
}

// keepGoing is --keep-going, for the commands that read several inputs.
type keepGoing bool

func (k *keepGoing) register(c *cobra.Command) {
	c.Flags().BoolVar((*bool)(k), "keep-going", false, "exit 0 even when some inputs cannot be read, as long as one can (default: exit 3 after reporting the others)")
}

// check is the error of a command whose inputs were not all read: failed
// of them could not be, out of total. It is nil when all were, or with
// --keep-going.
func (k keepGoing) check(failed, total int) error {
	if failed == 0 || k {
		return nil
	}
	return noInputErrorf("%d of %d inputs could not be read (--keep-going ignores them)", failed, total)
}

// loadAll resolves and reads every path. Logs that cannot be read are
// reported on stderr; failed counts the paths of which something could not
// be read (missing, not a log, or a broken log in a folder). The error is
// non-nil only when nothing could be read.
func loadAll(paths []string, f *readFlags, s *Streams) (apps []loaded, failed int, err error) {
	opts := f.options(s)
	var out []loaded
	var failures int
	for _, p := range paths {
		var logs []*source.Log
		var err error
		if p == "-" {
			logs, err = source.OpenReader(s.In)
		} else {
			logs, err = source.Open(p)
		}
		bad := false
		if err != nil {
			// Some entries of a folder or zip may be broken while others
			// are fine: report and go on with what resolved.
			fmt.Fprintf(s.Err, "sparkdiag: %s\n", sanitize.Line(err.Error()))
			bad = true
		}
		for _, lg := range logs {
			if s.ErrTTY && !f.quiet {
				opts.Progress = progressPrinter(s, lg.Path, logSize(lg))
			}
			app, st, err := appmodel.Load(lg, opts)
			if s.ErrTTY && !f.quiet {
				fmt.Fprint(s.Err, "\r\033[K")
			}
			if err != nil {
				bad = true
				fmt.Fprintf(s.Err, "sparkdiag: %s\n", sanitize.Line(err.Error()))
				continue
			}
			if !f.quiet {
				printInputWarnings(s, st, app)
			}
			out = append(out, loaded{App: app, Stats: st})
		}
		if bad {
			failures++
		}
	}
	if len(out) == 0 {
		if len(paths) == 1 {
			return nil, failures, noInputErrorf("nothing usable could be read")
		}
		return nil, failures, noInputErrorf("nothing usable could be read from %d inputs", len(paths))
	}
	return out, failures, nil
}

// logSize is the raw size of a log's parts, or 0 when one is unknown
// (standard input, some zip entries).
func logSize(lg *source.Log) int64 {
	var total int64
	for _, p := range lg.Parts {
		if p.Size < 0 {
			return 0
		}
		total += p.Size
	}
	return total
}

// progressPrinter redraws one progress line on stderr (a terminal): bytes
// read, speed and, when the log's size is known, the share done and the
// time left. Nothing shows for reads shorter than half a second.
func progressPrinter(s *Streams, name string, total int64) func(int64) {
	start := time.Now()
	var last time.Time
	return func(n int64) {
		now := time.Now()
		secs := now.Sub(start).Seconds()
		if secs < 0.5 || now.Sub(last) < 100*time.Millisecond {
			return
		}
		last = now
		line := progressLine(name, n, total, secs)
		if s.ErrWidth > 1 {
			if r := []rune(line); len(r) >= s.ErrWidth {
				line = string(r[:s.ErrWidth-2]) + "…"
			}
		}
		fmt.Fprint(s.Err, "\r\033[K"+sanitize.Line(line))
	}
}

// progressLine is "reading app.zstd: 120 MiB of 1.2 GiB (10%), 85.3 MB/s,
// 13.6 s left".
func progressLine(name string, n, total int64, secs float64) string {
	line := fmt.Sprintf("reading %s: %s", name, units.Bytes(n))
	if total > 0 {
		line += fmt.Sprintf(" of %s (%d%%)", units.Bytes(total), min(100, n*100/total))
	}
	var rate float64
	if secs > 0 {
		rate = float64(n) / secs
	}
	line += fmt.Sprintf(", %.1f MB/s", rate/1e6)
	if total > n && rate > 0 {
		left := float64(total-n) / rate * 1000
		line += ", " + units.Millis(int64(left)) + " left"
	}
	return line
}

const maxListedProblems = 10

func printInputWarnings(s *Streams, st *eventlog.Stats, app *appmodel.Application) {
	for i, p := range st.Problems {
		if i == maxListedProblems {
			break
		}
		fmt.Fprintf(s.Err, "warning: %s\n", sanitize.Line(fmt.Sprint(p)))
	}
	if more := len(st.Problems) - maxListedProblems + st.MoreProblems; more > 0 {
		fmt.Fprintf(s.Err, "warning: ... and %d more problems (see the JSON output)\n", more)
	}
	for _, w := range st.Warnings {
		fmt.Fprintf(s.Err, "warning: %s\n", sanitize.Line(w))
	}
	switch {
	case st.Truncated:
		fmt.Fprintf(s.Err, "warning: %s: the log is cut off; the application is shown as far as it was logged\n", sanitize.Line(st.Path))
	case st.InProgress:
		fmt.Fprintf(s.Err, "warning: %s: the log is still in progress; the application is shown as far as it was logged\n", sanitize.Line(st.Path))
	case !app.Complete:
		fmt.Fprintf(s.Err, "warning: %s: no application-end event; the application did not finish cleanly or the log is incomplete\n", sanitize.Line(st.Path))
	}
}
