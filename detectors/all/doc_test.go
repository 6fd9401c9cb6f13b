package all_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/all"
	"github.com/sparkdiag/sparkdiag/detectors/triage"
	"github.com/sparkdiag/sparkdiag/eventlog/testlogs"
)

// TestDetectorsDoc keeps docs/detectors.md equal to what the registry says
// (go test ./detectors/all -update rewrites it).
func TestDetectorsDoc(t *testing.T) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Detectors\n\nGenerated from the detector registry by `go test ./detectors/all -run TestDetectorsDoc -update`; "+
		"`sparkdiag explain ID` prints the same text. Thresholds can be overridden with `--set ID.param=value` "+
		"or a `--config` file.\n\n")
	fmt.Fprintf(&b, "| ID | name | category | severity | title | questions |\n|---|---|---|---|---|---|\n")
	for _, d := range all.Detectors {
		fmt.Fprintf(&b, "| [%s](#%s) | %s | %s | %s | %s | %v |\n", d.ID, anchor(d), d.Name, d.Category, d.Severity, d.Doc.Title, d.Doc.Questions)
	}
	fmt.Fprintln(&b)
	triage.WriteDoc(&b)
	for _, d := range all.Detectors {
		detectors.WriteDoc(&b, d, true)
	}
	path := filepath.Join(testlogs.Root(), "docs", "detectors.md")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, b.Bytes()) {
		t.Errorf("docs/detectors.md is out of date: run go test ./detectors/all -run TestDetectorsDoc -update")
	}
}

func anchor(d *detectors.Detector) string {
	s := d.ID + "-" + d.Name + "-" + d.Doc.Title
	var out []byte
	for _, c := range []byte(s) {
		switch {
		case c >= 'A' && c <= 'Z':
			out = append(out, c+'a'-'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
			out = append(out, c)
		case c == ' ':
			out = append(out, '-')
		}
	}
	return string(out)
}
