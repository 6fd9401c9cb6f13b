package appmodel

import (
	"bytes"
	"io"
	"sync"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/codec"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

var (
	ndsOnce  sync.Once
	ndsLines map[eventlog.Kind][][]byte
)

// ndsTaskLines returns the task start and end lines of the bundled NDS log.
func ndsTaskLines(b *testing.B, k eventlog.Kind) ([][]byte, int64) {
	ndsOnce.Do(func() {
		ndsLines = map[eventlog.Kind][][]byte{}
		logs, err := source.Open(testlogs.Testdata("public", "nds_q86_test.zstd"))
		if err != nil {
			b.Fatal(err)
		}
		raw, _ := logs[0].Parts[0].Open()
		defer raw.Close()
		dec, _, err := codec.NewReader(raw, codec.Unknown, codec.DefaultOptions())
		if err != nil {
			b.Fatal(err)
		}
		data, _ := io.ReadAll(dec)
		for _, l := range bytes.Split(data, []byte("\n")) {
			if name, ok := eventName(l); ok {
				kk := eventlog.KindOf(name)
				ndsLines[kk] = append(ndsLines[kk], l)
			}
		}
	})
	var n int64
	for _, l := range ndsLines[k] {
		n += int64(len(l) + 1)
	}
	return ndsLines[k], n
}

func eventName(l []byte) ([]byte, bool) {
	p := []byte(`{"Event":"`)
	if !bytes.HasPrefix(l, p) {
		return nil, false
	}
	end := bytes.IndexByte(l[len(p):], '"')
	if end < 0 {
		return nil, false
	}
	return l[len(p) : len(p)+end], true
}

func benchDecode(b *testing.B, k eventlog.Kind, slow, noTemplates bool) {
	lines, n := ndsTaskLines(b, k)
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	var r taskRec
	var d *decodeScratch
	if !noTemplates {
		d = &decodeScratch{}
	}
	for i := 0; i < b.N; i++ {
		for _, l := range lines {
			if slow {
				r.reset(k)
				if err := slowTask(k, l, &r); err != nil {
					b.Fatal(err)
				}
			} else {
				decodeTask(k, l, &r, d)
			}
		}
	}
}

// BenchmarkDecodeTaskEnd: the fast scanner on the task-end lines of the
// NDS log (MB/s of those lines).
func BenchmarkDecodeTaskEnd(b *testing.B) { benchDecode(b, eventlog.KindTaskEnd, false, false) }

// BenchmarkDecodeTaskEndScanner: the scanner alone, without line templates.
func BenchmarkDecodeTaskEndScanner(b *testing.B) { benchDecode(b, eventlog.KindTaskEnd, false, true) }

// BenchmarkDecodeTaskEndReference: the reference decoder on the same lines.
func BenchmarkDecodeTaskEndReference(b *testing.B) { benchDecode(b, eventlog.KindTaskEnd, true, false) }

// BenchmarkDecodeTaskStart: the fast scanner on the task-start lines.
func BenchmarkDecodeTaskStart(b *testing.B) { benchDecode(b, eventlog.KindTaskStart, false, false) }
