package eventlog_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog"
	"github.com/sparkdiag/sparkdiag/eventlog/codec"
	"github.com/sparkdiag/sparkdiag/eventlog/source"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// kindRecorder records the kind of every event, decoding none.
type kindRecorder struct{ kinds []eventlog.Kind }

func (r *kindRecorder) Wants(eventlog.Kind) bool { return false }
func (r *kindRecorder) Handle(k eventlog.Kind, _ []byte) error {
	r.kinds = append(r.kinds, k)
	return nil
}

// decodablePrefix decodes b until the decoder stops and returns what it
// delivered.
func decodablePrefix(t *testing.T, b []byte) []byte {
	r, _, err := codec.NewReader(bytes.NewReader(b), codec.Unknown, codec.DefaultOptions())
	if err != nil {
		return nil
	}
	defer r.Close()
	var out bytes.Buffer
	_, err = io.Copy(&out, r)
	if err != nil && !errors.Is(err, codec.ErrTruncated) && !errors.Is(err, io.ErrUnexpectedEOF) {
		var ce *codec.CorruptError
		if !errors.As(err, &ce) {
			t.Fatalf("unexpected decoder error: %v", err)
		}
	}
	return out.Bytes()
}

// TestCutEverywhere cuts each real Spark log (one per codec and Spark
// version) at every byte offset and checks that every event complete in
// what the decoder could deliver is read, that nothing else is invented,
// and that the cut is reported.
func TestCutEverywhere(t *testing.T) {
	files, _ := filepath.Glob(testlogs.Testdata("codecs", "spark-*"))
	if len(files) == 0 {
		t.Skip("no codec fixtures")
	}
	for _, f := range files {
		if filepath.Ext(f) == ".plain" {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel() // the longest test of CI: one file per core
			full, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			whole := decodablePrefix(t, full)
			wantAll := bytes.Count(whole, []byte("\n"))
			st, err := eventlog.Read(source.BytesLog("x", full), &kindRecorder{}, eventlog.Options{})
			if err != nil || st.Events != wantAll || st.Truncated {
				t.Fatalf("whole file: events %d (want %d), truncated %v, err %v", st.Events, wantAll, st.Truncated, err)
			}
			// Every offset near the start (where the first blocks end) and
			// a prime stride through the rest keeps this under a few
			// seconds; SPARKDIAG_CUT_ALL=1 tries every offset.
			all := os.Getenv("SPARKDIAG_CUT_ALL") != ""
			for cut := 0; cut < len(full); cut++ {
				if !all && cut > 4096 && cut%13 != 0 {
					continue
				}
				part := full[:cut]
				dec := decodablePrefix(t, part)
				if !bytes.HasPrefix(whole, dec) {
					t.Fatalf("cut %d: decoder invented bytes", cut)
				}
				complete := bytes.Count(dec, []byte("\n"))
				st, err := eventlog.Read(source.BytesLog("x", part), &kindRecorder{}, eventlog.Options{})
				if complete == 0 {
					if err == nil && st.Events > 1 {
						t.Fatalf("cut %d: %d events from nothing complete", cut, st.Events)
					}
					continue
				}
				if err != nil {
					t.Fatalf("cut %d: %v", cut, err)
				}
				// A line cut exactly before its newline is still a whole event.
				if st.Events != complete && st.Events != complete+1 {
					t.Fatalf("cut %d: %d events, want %d (decoded %d of %d bytes)", cut, st.Events, complete, len(dec), len(whole))
				}
				// A cut inside a line must be reported (a cut on a block
				// boundary looks like a clean end; the missing application
				// end shows it instead).
				if !bytes.HasSuffix(dec, []byte("\n")) && st.Events == complete && !st.Truncated {
					t.Fatalf("cut %d: cut-off line not reported", cut)
				}
			}
		})
	}
}
