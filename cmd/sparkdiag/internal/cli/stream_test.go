//go:build unix

package cli

import (
	"os"
	"strings"
	"testing"

	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// TestAnalyzeFifo: `sparkdiag analyze <(aws s3 cp s3://.../log -)` hands
// over a named pipe (as /dev/fd/N). It was refused as "not a regular
// file"; it is read once, the codec (zstd here, under a name that says
// nothing) sniffed from its first bytes.
func TestAnalyzeFifo(t *testing.T) {
	data, err := os.ReadFile(publicLog)
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range []string{"summary", "analyze"} {
		p, wait := testlogs.Fifo(t, "log", data)
		out, errs, code := run(t, nil, cmd, "-f", "json", p)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", cmd, code, errs)
		}
		if !strings.Contains(out, `"application_1603128018386_7759"`) {
			t.Errorf("%s: the log in the pipe was not read", cmd)
		}
		if err := wait(); err != nil {
			t.Errorf("writing the pipe: %v", err)
		}
	}
}
