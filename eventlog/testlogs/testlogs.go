// Package testlogs locates the test event logs: the shared corpus of public
// logs beside the repository (../shared/eventlogs) and the repository's own
// testdata.
package testlogs

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Root is the repository root.
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Shared returns the shared event-log corpus directory (override with
// SPARKDIAG_SHARED=/path/to/shared). It skips the test when it is absent.
func Shared(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("SPARKDIAG_SHARED")
	if dir == "" {
		dir = filepath.Join(Root(), "..", "shared")
	}
	dir = filepath.Join(dir, "eventlogs")
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.md")); err != nil {
		t.Skipf("shared event logs not found at %s (set SPARKDIAG_SHARED)", dir)
	}
	return dir
}

// Testdata returns a path under the repository's testdata directory.
func Testdata(elem ...string) string {
	return filepath.Join(append([]string{Root(), "testdata"}, elem...)...)
}
