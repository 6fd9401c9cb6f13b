package testlogs

import (
	"os"
	"path/filepath"
	"testing"
)

// Golden compares got with the golden file at path or, with update (each
// test binary's -update flag), rewrites it. On a mismatch it writes
// path.got beside it for inspection.
func Golden(t testing.TB, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != got {
		_ = os.WriteFile(path+".got", []byte(got), 0o644)
		t.Errorf("output differs from %s (see %s.got; go test -update rewrites it)", path, path)
	}
}
