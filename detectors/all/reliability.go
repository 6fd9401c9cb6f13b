package all

import (
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/cache"
	"github.com/sparkdiag/sparkdiag/detectors/config"
	"github.com/sparkdiag/sparkdiag/detectors/failures"
	"github.com/sparkdiag/sparkdiag/detectors/lineage"
	"github.com/sparkdiag/sparkdiag/detectors/streaming"
)

// reliability: failures and executor loss, caching, lineage, Structured Streaming, configuration.
var reliability = []*detectors.Detector{
	failures.TaskFailures,    // FAIL001
	failures.StageFailures,   // FAIL002
	failures.FetchFailures,   // FAIL003
	failures.ExecutorLoss,    // EXEC001
	cache.Unused,             // CACHE001
	cache.NotFitting,         // CACHE002
	cache.NotMaterialized,    // CACHE003
	lineage.Detector,         // LINEAGE001
	streaming.SlowBatches,    // STREAM001
	streaming.InputOutpaces,  // STREAM002
	streaming.StateGrowth,    // STREAM003
	streaming.WatermarkDrops, // STREAM004
	streaming.Backlog,        // STREAM005
	config.AQEOff,            // CONF001
	config.SkewJoinOff,       // CONF002
	config.BroadcastOff,      // CONF003
}
