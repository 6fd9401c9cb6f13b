package triage

import (
	"fmt"
	"io"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// WriteDoc writes the triage rules as Markdown (docs/detectors.md,
// "Triage").
func WriteDoc(w io.Writer) {
	r := DefaultRules
	fmt.Fprintf(w, "## Triage\n\n")
	fmt.Fprintf(w, "Detectors each look at one kind of problem. Between detection and the report, one triage step sees "+
		"all the findings of an application and decides what they are worth. It is a fixed chain of processors "+
		"(package `detectors/triage`), run in this order; each change it makes is written in the finding's `triage` notes, "+
		"and the findings it folds into another are listed in that finding's `related`:\n\n")
	for i, p := range Chain {
		fmt.Fprintf(w, "%d. **%s**: %s.\n", i+1, p.Name, p.Doc)
	}
	fmt.Fprintf(w, "\nSorting comes last, in the report.\n\n")
	fmt.Fprintf(w, "### Materiality\n\n")
	fmt.Fprintf(w, "Severity follows the measured cost to the application, not the detector alone. The cost of a finding is "+
		"its estimated wall-clock savings when the detector computes them (for GC: the share of the stage's wall-clock the "+
		"collector took beyond a healthy 5%%; for a straggler: the time the stage waited for it), else the wall-clock the "+
		"problem is spread over. A performance finding is **material** when it costs at least %s and %s of the "+
		"application's wall-clock, or, in a short application, at least %s and %s of it. An immaterial finding is info. "+
		"A performance finding stays an error only when it costs at least %s of the wall-clock; below that it is a warning.\n\n",
		units.Millis(r.MaterialMs), units.Percent(r.MaterialShare), units.Millis(r.SmallMs), units.Percent(r.SmallShare), units.Percent(r.ErrorShare))
	fmt.Fprintf(w, "So a straggler that costs 2.6 s of a 509 s application, or GC in a 0.8 s stage, is info; 5.5 s of GC in a "+
		"313 s application (1.8%%) is a warning, and so is 1.8 s in a 26 s test (7%%). Failures, executor loss, streaming, "+
		"configuration and output-layout findings (small files written, appends) are judged by their own rules: a task "+
		"that failed is worth knowing at any cost, and small files cost the jobs that read them later.\n\n")
	fmt.Fprintf(w, "### Spark's own work, warm-up and grouping\n\n")
	fmt.Fprintf(w, "- Stages of Spark's own jobs (the parallel file listing \"Listing leaf files and directories for N paths\", "+
		"schema inference and merge run outside any SQL execution, broadcast exchange jobs) get no repartitioning advice. "+
		"All findings about them become one finding per kind of own work, which points to the settings that govern it "+
		"(`spark.sql.sources.parallelPartitionDiscovery.*`, an explicit schema, a table catalog). It is info unless the "+
		"own work takes at least %s and %s of the application.\n", units.Millis(r.OwnWorkMs), units.Percent(r.OwnWorkShare))
	fmt.Fprintf(w, "- A straggler whose slow tasks are exactly the first wave, all slow by about the same amount while later "+
		"tasks are fast, is **first-wave warm-up**; one whose slow tasks are each the first task of a new executor is an "+
		"**executor cold start**. Both are info and get no speculation advice.\n")
	fmt.Fprintf(w, "- A stage that waited with no task running, for executors before its first task or for a busy driver "+
		"after its last (stages that complete in the same millisecond after idle time), is measured by its tasks' span: "+
		"the wait is not the stage's work and no stage finding counts it.\n")
	fmt.Fprintf(w, "- One cause, one finding: stragglers of several stages whose slowest task ran on the same executor become "+
		"one slow-executor finding; GC pressure in several stages becomes one finding; the failed attempts of a stage whose "+
		"failure failed the job are part of the job-failure finding; findings of one detector about one SQL execution with "+
		"the same evidence (one broadcast reached through several plan references) are one. The group keeps the ID of its "+
		"most severe, most costly member and its savings are the members' sum, counted once.\n")
	fmt.Fprintf(w, "- No finding claims more wall-clock or savings than the application ran; an application whose timestamps "+
		"are impossible (an end before its start, more than %s long) keeps its timing findings at info.\n\n", units.Millis(appmodel.MaxAppDuration))
}
