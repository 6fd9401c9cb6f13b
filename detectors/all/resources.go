package all

import "github.com/sparkdiag/sparkdiag/detectors"

// resources: spill, partition counts, scheduling and driver overhead, GC.
var resources = []*detectors.Detector{}
