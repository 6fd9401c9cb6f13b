package all

import "github.com/sparkdiag/sparkdiag/detectors"

// reliability: failures and executor loss, caching, lineage, Structured Streaming, configuration.
var reliability = []*detectors.Detector{}
