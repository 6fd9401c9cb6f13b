// Package all lists every detector, in catalog order.
package all

import (
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/skew"
)

// Detectors is the catalog.
var Detectors = []*detectors.Detector{
	skew.Detector,
}

// ByID returns the detector with that ID or name (any case), or nil.
func ByID(id string) *detectors.Detector {
	for _, d := range Detectors {
		if equalFold(d.ID, id) || equalFold(d.Name, id) {
			return d
		}
	}
	return nil
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
