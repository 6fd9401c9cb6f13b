//go:build unix

package source

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/klauspost/compress/zstd"

	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// fifo makes a named pipe holding content (testlogs.Fifo).
func fifo(t *testing.T, name string, content []byte) string {
	t.Helper()
	p, _ := testlogs.Fifo(t, name, content)
	return p
}

func zstdBytes(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw, err := zstd.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(zw, s)
	zw.Close()
	return b.Bytes()
}

// TestOpenStreams: named pipes (and /dev/fd/N, what bash's <(command)
// passes) were refused as "not a regular file". They are read once, from
// the start, with the codec sniffed from the first bytes whatever the name
// says.
func TestOpenStreams(t *testing.T) {
	text := evs("a", "b", "c")
	var zbuf bytes.Buffer
	writeZip(t, &zbuf, []zipFile{{"eventlog_v2_local-7/events_1_local-7", text}, {"eventlog_v2_local-7/appstatus_local-7", ""}})
	tests := []struct {
		name    string
		content []byte
		path    string // Log.Path relative to the pipe's directory; "" = the pipe
		layout  Layout
	}{
		{"plain", []byte(text), "", File},
		{"zstd under a name without extension", zstdBytes(t, text), "", File},
		{"zip", zbuf.Bytes(), "!eventlog_v2_local-7", Zip},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := fifo(t, "app-20240101000000-0001", tt.content)
			logs, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			if len(logs) != 1 {
				t.Fatalf("%d logs", len(logs))
			}
			l := logs[0]
			defer l.Close()
			if l.Path != p+tt.path || l.Layout != tt.layout {
				t.Errorf("log %s (%s), want %s (%s)", l.Path, l.Layout, p+tt.path, tt.layout)
			}
			if tt.layout == File && (l.AppID != "app-20240101000000-0001" || l.Parts[0].Size != -1) {
				t.Errorf("app %q, part size %d", l.AppID, l.Parts[0].Size)
			}
			raw := readAll(t, l)
			if tt.layout == Zip {
				if raw != text {
					t.Errorf("read %q", raw)
				}
				return
			}
			if !bytes.Equal([]byte(raw), tt.content) {
				t.Errorf("read %d bytes, want the %d written", len(raw), len(tt.content))
			}
			if _, err := l.Parts[0].Open(); err == nil {
				t.Error("a stream opened twice")
			}
		})
	}
}

// TestOpenDevFd reads /dev/fd/N of a pipe, as `sparkdiag analyze
// <(aws s3 cp s3://bucket/log -)` passes it.
func TestOpenDevFd(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	p := fmt.Sprintf("/dev/fd/%d", r.Fd())
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no /dev/fd: %v", err)
	}
	data := zstdBytes(t, evs("x", "y"))
	go func() {
		w.Write(data)
		w.Close()
	}()
	logs, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, logs[0]); got != string(data) {
		t.Errorf("read %q, want the raw bytes written", got)
	}
}

// TestOpenEmptyStream: a stream that ends at once gives a log with a
// warning, as an empty standard input does.
func TestOpenEmptyStream(t *testing.T) {
	p := fifo(t, "empty", nil)
	logs, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(logs[0].Warnings) != 1 || readAll(t, logs[0]) != "" {
		t.Errorf("warnings %q", logs[0].Warnings)
	}
}

// FuzzOpenStream streams arbitrary bytes through a pipe given by its
// /dev/fd path: whatever they are, the log's part must give them back
// unchanged (sniffing reads ahead but loses nothing), or, for a zip
// archive, resolve without panicking.
func FuzzOpenStream(f *testing.F) {
	f.Add([]byte(evs("a", "b")))
	f.Add([]byte("PK\x03\x04 broken zip"))
	f.Add([]byte("\x28\xb5\x2f\xfd"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Skip(err)
		}
		defer r.Close()
		p := fmt.Sprintf("/dev/fd/%d", r.Fd())
		go func() {
			w.Write(data)
			w.Close()
		}()
		logs, err := Open(p)
		if err != nil {
			if !bytes.HasPrefix(data, []byte("PK")) {
				t.Fatalf("Open: %v", err)
			}
			return
		}
		for _, l := range logs {
			got := readAll(t, l)
			if l.Layout != Zip && got != string(data) {
				t.Fatalf("read %q, want %q", got, data)
			}
			l.Close()
		}
	})
}
