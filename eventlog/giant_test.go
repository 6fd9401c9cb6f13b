package eventlog_test

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
)

// giantReader streams head, n bytes of filler (repeating fill), then tail,
// without holding the line.
type giantReader struct {
	head, fill, tail []byte
	n                int64
	stage, off       int
}

func (g *giantReader) Read(p []byte) (int, error) {
	total := 0
	for len(p) > 0 {
		switch g.stage {
		case 0, 2:
			src := g.head
			if g.stage == 2 {
				src = g.tail
			}
			k := copy(p, src[g.off:])
			g.off += k
			p = p[k:]
			total += k
			if g.off == len(src) {
				g.stage++
				g.off = 0
			}
		case 1:
			for len(p) > 0 && g.n > 0 {
				k := copy(p[:min(int64(len(p)), g.n)], g.fill[g.off:])
				g.off = (g.off + k) % len(g.fill)
				g.n -= int64(k)
				p = p[k:]
				total += k
			}
			if g.n == 0 {
				g.stage, g.off = 2, 0
			}
		default:
			if total == 0 {
				return 0, io.EOF
			}
			return total, nil
		}
	}
	return total, nil
}

// giantLog is a log whose third line is head + n bytes of fill + tail.
func giantLog(head, fill, tail string, n int64) io.Reader {
	return &giantReader{
		head: []byte(lines(logStart, appStart) + head),
		fill: bytes.Repeat([]byte(fill), 64<<10/len(fill)), // whole copies
		tail: []byte(tail + "\n" + lines(taskStart, taskEnd, appEnd)),
		n:    n,
	}
}

// TestGiantLines reads logs holding one line of 200 MB of each kind a line
// can be: garbage, an object without "Event", an event the model does not
// decode, a wanted event with too many tokens to keep, a wanted event whose
// size is one huge string (kept, shortened), and the garbage line again
// inside a zstd file of a few hundred KB. Each must be read in bounded
// memory: well under the size of the line (and of the 16 MiB cap). The
// other events around it must be read, and a skipped line reported with
// its file and line number.
func TestGiantLines(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 200 MB lines")
	}
	const n = 200 << 20
	const capBytes = 16 << 20
	sqlHead := `{"Event":"org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart","executionId":0,"description":"q","details":"","physicalPlanDescription":"`
	sqlTail := `","sparkPlanInfo":{"nodeName":"Scan","simpleString":"Scan","children":[],"metadata":{},"metrics":[]},"time":1500}`
	tests := []struct {
		name             string
		head, fill, tail string
		zstd             bool
		skipped          int
		msg              string
		sql              bool
	}{
		{"garbage", "", "garbage ", "", false, 1, "no \"Event\" key", false},
		{"object without Event", `{"blob":"`, "x", `"}`, false, 1, "no \"Event\" key", false},
		{"unwanted event", `{"Event":"com.example.Huge","blob":"`, "x", `"}`, false, 1, "max-line-size", false},
		{"wanted event, too many tokens", `{"Event":"SparkListenerEnvironmentUpdate","Spark Properties":{`, `"k":"v",`, `"end":"v"}}`, false, 1, "max-line-size", false},
		{"wanted event, one huge string", sqlHead, "plan ", sqlTail, false, 0, "", true},
		{"garbage in a small zstd file", "", "A", "", true, 1, "no \"Event\" key", false},
	}
	for _, tt := range tests {
		for _, decoders := range []int{1, 2} {
			t.Run(tt.name, func(t *testing.T) {
				var src io.Reader = giantLog(tt.head, tt.fill, tt.tail, n)
				name := "app"
				if tt.zstd {
					var buf bytes.Buffer
					zw, err := zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedBestCompression))
					if err != nil {
						t.Fatal(err)
					}
					if _, err := io.Copy(zw, src); err != nil {
						t.Fatal(err)
					}
					zw.Close()
					if buf.Len() > 1<<20 {
						t.Fatalf("zstd file of %d bytes", buf.Len())
					}
					t.Logf("zstd file: %d bytes", buf.Len())
					data := buf.Bytes()
					src, name = bytes.NewReader(data), "app.zst"
				}
				used := false
				part := source.NewPart(name, -1, "", func() (io.ReadCloser, error) {
					if used {
						t.Fatal("opened twice")
					}
					used = true
					return io.NopCloser(src), nil
				})
				lg := &source.Log{Path: name, Layout: source.File, Inner: source.File, Parts: []*source.Part{part}}
				var app *appmodel.Application
				var st *eventlog.Stats
				var err error
				alloc := allocated(func() {
					app, st, err = appmodel.Load(lg, eventlog.Options{MaxLineBytes: capBytes, Decoders: decoders})
				})
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("decoders %d: %d MiB allocated; problems %v", decoders, alloc>>20, st.Problems)
				if alloc > 3*capBytes {
					t.Errorf("allocated %d MiB for a %d MiB line", alloc>>20, n>>20)
				}
				if st.SkippedLines != tt.skipped || st.Events != 6-tt.skipped {
					t.Errorf("events %d, skipped %d; want %d, %d", st.Events, st.SkippedLines, 6-tt.skipped, tt.skipped)
				}
				if tt.skipped > 0 {
					p := st.Problems[0]
					if p.Line != 3 || p.File != name || !strings.Contains(p.Msg, tt.msg) {
						t.Errorf("problem %+v, want line 3 of %s: %s", p, name, tt.msg)
					}
				}
				if len(app.Stages) == 0 && len(app.Jobs) == 0 && app.Name != "t" {
					t.Errorf("events around the line not read: app %q", app.Name)
				}
				if tt.sql {
					if len(app.SQL) != 1 || app.SQL[0].Description != "q" {
						t.Fatalf("SQL execution not read: %+v", app.SQL)
					}
					if pd := app.SQL[0].PlanDescription; !strings.HasPrefix(pd, "plan plan") {
						t.Errorf("plan description %.40q", pd)
					}
				}
			})
		}
	}
}

// allocated runs f and returns the bytes it allocated on the heap.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}
