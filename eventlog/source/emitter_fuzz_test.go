package source

import (
	"bufio"
	"bytes"
	"io"
	"testing"
)

// FuzzEmitter: whatever a file of would-be envelopes holds, unwrapping
// never panics, and every line it yields is one Spark event object taken
// from an EventLog envelope of the application asked for.
func FuzzEmitter(f *testing.F) {
	f.Add([]byte(`{"category":"EventLog","applicationId":"app-1","properties":{"Event":"SparkListenerLogStart"}}` + "\n"))
	f.Add([]byte(`{"category":"EventLog","applicationId":"app-1","properties":"{\"Event\":\"X\"}"}` + "\n" + `{"category":"Log","applicationId":"app-1","properties":{"message":"m"}}`))
	f.Add([]byte(`{"properties":{"Event":"x"},"category":"eventlog","applicationId":"app-1"}` + "\r\n\n{\"category\":"))
	f.Add([]byte("\x00\xff{\"category\":\"EventLog\"}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		u := &unwrapReader{lines: &envLines{br: bufio.NewReaderSize(bytes.NewReader(data), 64<<10)}, app: "app-1"}
		out, err := io.ReadAll(u)
		if err != nil && err != io.EOF {
			return // a read error of the input is reported, not a panic
		}
		for _, line := range bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n")) {
			if len(out) == 0 {
				break
			}
			if len(line) == 0 || line[0] != '{' {
				t.Fatalf("unwrapped line %q is not a JSON object", line)
			}
		}
	})
}
