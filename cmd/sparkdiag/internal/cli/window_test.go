package cli

import (
	"strings"
	"testing"
)

// TestZstdWindowFlag: a log written with a 128 MiB zstd window (what
// Databricks Runtime 13.3 writes) is read by default; one with a 256 MiB
// window exits 3 with a message naming the flag and the environment
// variable, and is read once either allows it.
func TestZstdWindowFlag(t *testing.T) {
	const dir = "../../../../testdata/codecs/"
	t.Setenv("SPARKDIAG_ZSTD_MAX_WINDOW", "")
	if _, errs, code := run(t, nil, "summary", dir+"window-128MiB.zstd"); code != ExitOK {
		t.Fatalf("128 MiB window: exit %d: %s", code, errs)
	}
	_, errs, code := run(t, nil, "summary", dir+"window-256MiB.zstd")
	if code != ExitNoInput || !strings.Contains(errs, "--zstd-max-window") || !strings.Contains(errs, "SPARKDIAG_ZSTD_MAX_WINDOW") {
		t.Errorf("256 MiB window: exit %d, stderr %q; want exit 3 naming the flag and the variable", code, errs)
	}
	if _, errs, code := run(t, nil, "summary", "--zstd-max-window", "256", dir+"window-256MiB.zstd"); code != ExitOK {
		t.Errorf("256 MiB window with --zstd-max-window 256: exit %d: %s", code, errs)
	}
	t.Setenv("SPARKDIAG_ZSTD_MAX_WINDOW", "256")
	if _, errs, code := run(t, nil, "summary", dir+"window-256MiB.zstd"); code != ExitOK {
		t.Errorf("256 MiB window with SPARKDIAG_ZSTD_MAX_WINDOW=256: exit %d: %s", code, errs)
	}
}
