package all

import "github.com/sparkdiag/sparkdiag/detectors"

// dataflow: files written and read, append writes, scans, broadcasts, row explosion.
var dataflow = []*detectors.Detector{}
