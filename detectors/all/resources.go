package all

import (
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/gc"
	"github.com/sparkdiag/sparkdiag/detectors/partitions"
	"github.com/sparkdiag/sparkdiag/detectors/scheduling"
	"github.com/sparkdiag/sparkdiag/detectors/spill"
)

// resources: spill, partition counts, scheduling and driver overhead, GC.
var resources = []*detectors.Detector{
	spill.Detector,
	partitions.TooFew,
	partitions.TooMany,
	scheduling.Overhead,
	scheduling.Driver,
	gc.Detector,
}
