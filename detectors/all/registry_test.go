package all_test

import (
	"testing"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/all"
)

func TestRegistry(t *testing.T) {
	if err := detectors.Validate(all.Detectors); err != nil {
		t.Fatal(err)
	}
}
