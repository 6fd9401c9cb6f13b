// Package all lists every detector, in catalog order.
package all

import (
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/skew"
)

// Detectors is the catalog: every group's detectors, in order.
var Detectors = concat(
	[]*detectors.Detector{skew.Detector},
	resources,   // resources.go: spill, partitions, scheduling, GC
	dataflow,    // dataflow.go: files, writes, scans, broadcast, row explosion
	reliability, // reliability.go: failures, caching, lineage, streaming, configuration
)

func concat(groups ...[]*detectors.Detector) []*detectors.Detector {
	var out []*detectors.Detector
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
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
