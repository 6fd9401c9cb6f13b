package all

import (
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/detectors/broadcast"
	"github.com/sparkdiag/sparkdiag/detectors/explosion"
	"github.com/sparkdiag/sparkdiag/detectors/files"
	"github.com/sparkdiag/sparkdiag/detectors/scans"
	"github.com/sparkdiag/sparkdiag/detectors/writes"
)

// dataflow: files written and read, append writes, scans, broadcasts, row explosion.
var dataflow = []*detectors.Detector{
	files.SmallWrites,  // FILES001 small-files-write
	files.SmallReads,   // FILES002 small-files-read
	writes.Detector,    // WRITE001 append-write
	scans.RowFormat,    // SCAN001 row-format-scan
	scans.NoPruning,    // SCAN002 no-partition-pruning
	scans.MergedSchema, // SCAN003 merged-schema
	broadcast.TooLarge, // BCAST001 broadcast-too-large
	broadcast.Missed,   // BCAST002 broadcast-missed
	explosion.Detector, // EXPL001 row-explosion
}
