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

// SharedDir returns the shared corpus of public event logs,
// $SPARKDIAG_SHARED/eventlogs, else ../shared/eventlogs beside the
// repository, or "" when it is not there (a clean clone). The tests that
// read it are extra coverage: everything a test needs on a clean clone is in
// testdata.
func SharedDir() string {
	dir := os.Getenv("SPARKDIAG_SHARED")
	if dir == "" {
		dir = filepath.Join(Root(), "..", "shared")
	}
	dir = filepath.Join(dir, "eventlogs")
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.md")); err != nil {
		return ""
	}
	return dir
}

// SharedSkipReason is the one-line reason of a test skipped for the lack of
// the shared corpus; .ci/allowed-skips matches it.
const SharedSkipReason = "needs the shared corpus of public logs (../shared/eventlogs or $SPARKDIAG_SHARED/eventlogs)"

// Shared returns SharedDir, and skips the test when the corpus is absent.
func Shared(t testing.TB) string {
	t.Helper()
	dir := SharedDir()
	if dir == "" {
		t.Skip(SharedSkipReason)
	}
	return dir
}

// Testdata returns a path under the repository's testdata directory.
func Testdata(elem ...string) string {
	return filepath.Join(append([]string{Root(), "testdata"}, elem...)...)
}
