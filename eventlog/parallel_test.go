package eventlog_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// recorder records every event handed over, in order; as a Predecoder it
// decodes task and job events ahead.
type recorder struct {
	events []string
}

type holder struct {
	kind eventlog.Kind
	data []byte
}

func (r *recorder) Wants(k eventlog.Kind) bool {
	return k != eventlog.KindUnknown && k != eventlog.KindBlockManagerAdded
}

func check(data []byte) error {
	if len(data) == 0 || data[len(data)-1] != '}' {
		return errors.New("not an object")
	}
	return nil
}

func (r *recorder) Handle(k eventlog.Kind, data []byte) error {
	if err := check(data); err != nil {
		return err
	}
	r.events = append(r.events, fmt.Sprintf("%v %x", k, data))
	return nil
}

func (r *recorder) Predecodes(k eventlog.Kind) bool {
	return k == eventlog.KindTaskEnd || k == eventlog.KindTaskStart || k == eventlog.KindJobStart
}

func (r *recorder) NewDecoded() any { return &holder{} }

func (r *recorder) NewScratch() any { return new(int) }

func (r *recorder) Predecode(k eventlog.Kind, data []byte, d, scratch any) {
	*scratch.(*int)++
	h := d.(*holder)
	h.kind = k
	h.data = append(h.data[:0], data...)
}

func (r *recorder) HandleDecoded(k eventlog.Kind, data []byte, d any) error {
	h := d.(*holder)
	if h.kind != k || !bytes.Equal(h.data, data) {
		return fmt.Errorf("holder has %v %q, line is %v %q", h.kind, h.data, k, data)
	}
	return r.Handle(k, data)
}

// readBoth reads a log sequentially and with several decoders and checks
// both give the same events and the same stats.
func readBoth(t *testing.T, lg *source.Log, opts eventlog.Options) {
	t.Helper()
	var seq, par recorder
	o1 := opts
	o1.Decoders = 1
	st1, err1 := eventlog.Read(lg, &seq, o1)
	o2 := opts
	o2.Decoders = 3
	st2, err2 := eventlog.Read(lg, &par, o2)
	if fmt.Sprint(err1) != fmt.Sprint(err2) {
		t.Fatalf("errors differ: %v / %v", err1, err2)
	}
	if !reflect.DeepEqual(st1, st2) {
		t.Fatalf("stats differ:\nsequential %+v\nparallel   %+v", st1, st2)
	}
	if !reflect.DeepEqual(seq.events, par.events) {
		t.Fatalf("events differ: %d sequential, %d parallel", len(seq.events), len(par.events))
	}
}

// TestParallelReadMatchesSequential: the decoding pipeline changes nothing
// that a handler or the stats see, on real logs of every codec cut at many
// offsets, and on lines of every odd shape.
func TestParallelReadMatchesSequential(t *testing.T) {
	files, _ := filepath.Glob(testlogs.Testdata("codecs", "spark-*"))
	for _, f := range files {
		full, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, cut := range []int{len(full), len(full) - 1, len(full) / 2, len(full) / 3, 5000, 100} {
			if cut <= 0 || cut > len(full) {
				continue
			}
			t.Run(fmt.Sprintf("%s@%d", filepath.Base(f), cut), func(t *testing.T) {
				readBoth(t, source.BytesLog(filepath.Base(f), full[:cut]), eventlog.Options{})
			})
		}
	}
	huge := `{"Event":"SparkListenerJobStart","Job ID":1,"Properties":{"x":"` + strings.Repeat("y", 3<<20) + `"}}`
	hugeUnwanted := `{"Event":"SparkListenerBlockManagerAdded","x":"` + strings.Repeat("z", 2<<20) + `"}`
	var b strings.Builder
	for i := 0; i < 3000; i++ {
		b.WriteString(taskStart + "\n" + taskEnd + "\n")
		switch i % 500 {
		case 7:
			b.WriteString(huge + "\n")
		case 11:
			b.WriteString(hugeUnwanted + "\n")
		case 13:
			b.WriteString(`{"Event":"SomethingNew","a":1}` + "\n")
		case 17:
			b.WriteString(`{"Stage ID":1,"Event":"SparkListenerTaskEnd"}` + "\n\r\n  \n")
		case 19:
			b.WriteString(`{"Event":"SparkListenerTaskEnd","Stage ID":` + "\n")
		case 23:
			b.WriteString("not json\r\n")
		}
	}
	b.WriteString(taskEnd[:len(taskEnd)-3]) // cut last line, no newline
	lg := source.BytesLog("synthetic", []byte(b.String()))
	readBoth(t, lg, eventlog.Options{})
	readBoth(t, lg, eventlog.Options{MaxLineBytes: 1 << 20, MaxProblems: 5})
}
