package remedies_test

import (
	"testing"

	"github.com/sparkdiag/sparkdiag/advice/remedies"
	"github.com/sparkdiag/sparkdiag/detectors/all"
)

// TestEveryCitedQuestionExists: every question a detector cites has a
// section.
func TestEveryCitedQuestionExists(t *testing.T) {
	for _, d := range all.Detectors {
		for _, q := range d.Doc.Questions {
			if _, ok := remedies.Get(q); !ok {
				t.Errorf("%s cites %s, which has no section", d.ID, q)
			}
		}
	}
}
