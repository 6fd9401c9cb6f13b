package detectors

import (
	"fmt"
	"strings"

	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// OwnWorkKind names the kind of work Spark does for itself, not for the
// user's code: listing the files of a table, reading or merging their
// schemas, collecting a broadcast. Findings about such jobs must not
// advise user repartitioning: other settings govern them.
type OwnWorkKind string

// Kinds of Spark's own work.
const (
	NotOwnWork     OwnWorkKind = ""
	OwnListing     OwnWorkKind = "file listing"
	OwnSchema      OwnWorkKind = "schema inference"
	OwnBroadcast   OwnWorkKind = "broadcast exchange"
	OwnSubqueryAQE OwnWorkKind = "adaptive re-planning"
)

// OwnWorkStages classifies every stage attempt of the application once
// and returns the ones that run Spark's own work, by stage key, with their
// kind. It reads the job description Spark sets on its internal jobs
// ("Listing leaf files and directories for N paths", "broadcast exchange
// (runId …)") and, for jobs run outside any SQL execution, the call stack
// of the stage (a DataFrameReader call that infers or merges the schema).
func OwnWorkStages(a *appmodel.Application) map[[2]int]OwnWorkKind {
	jobs := map[int][]*appmodel.Job{} // stage ID → the jobs that hold it
	for _, j := range a.Jobs {
		for _, id := range j.StageIDs {
			jobs[id] = append(jobs[id], j)
		}
	}
	out := map[[2]int]OwnWorkKind{}
	for _, st := range a.Stages {
		if k := ownWork(st, jobs[st.ID]); k != NotOwnWork {
			out[st.Key()] = k
		}
	}
	return out
}

func ownWork(st *appmodel.Stage, jobs []*appmodel.Job) OwnWorkKind {
	descs := []string{st.Description}
	inSQL := st.SQLExecutionID >= 0
	for _, j := range jobs {
		descs = append(descs, j.Description, j.JobGroup)
		if j.SQLExecutionID >= 0 {
			inSQL = true
		}
	}
	for _, d := range descs {
		switch {
		case strings.HasPrefix(d, "Listing leaf files and directories"):
			return OwnListing
		case strings.HasPrefix(d, "broadcast exchange"):
			return OwnBroadcast
		}
	}
	if !inSQL && schemaCall(st.Details) {
		return OwnSchema
	}
	return NotOwnWork
}

// schemaCall reports whether a stage's call stack shows Spark reading file
// footers or sampling rows to infer a schema.
func schemaCall(details string) bool {
	for _, m := range []string{"inferSchema", "mergeSchemasInParallel", "InferSchema", "readParquetFootersInParallel", "SchemaMergeUtils"} {
		if strings.Contains(details, m) {
			return true
		}
	}
	return false
}

// OwnWorkAdvice is the remedy for time spent in Spark's own jobs of a kind:
// the settings that govern them, never user repartitioning.
//
// maxTasks is the task count of the largest own-work stage: the listing
// parallelism is advised only when it would run fewer, longer tasks.
func OwnWorkAdvice(a *appmodel.Application, kind OwnWorkKind, maxTasks int) Advice {
	adv := Advice{Questions: []string{"Q5", "Q11", "Q25"}}
	switch kind {
	case OwnListing:
		adv.Explanation = "These stages are Spark listing the files and directories of a table before it can plan the query " +
			"(InMemoryFileIndex). Their time grows with the number of partition directories and files, not with the data. " +
			"Read through a table catalog (Hive metastore, Delta or Iceberg) that keeps the file list, filter on partition " +
			"columns so that fewer directories are listed, compact small files, and tune the parallel listing job (under " +
			"spark.sql.sources.parallelPartitionDiscovery.threshold paths, 32 by default, the driver lists them itself)."
		if want := max(2*TaskSlots(a), 8); 2*want <= maxTasks {
			adv.Changes = append(adv.Changes, Change{Key: "spark.sql.sources.parallelPartitionDiscovery.parallelism",
				Current: Current(a, "spark.sql.sources.parallelPartitionDiscovery.parallelism"), Suggested: fmt.Sprint(want),
				Why: fmt.Sprintf("the listing ran %d tasks of one path each; about twice the %d task slots lists the same paths with less scheduling", maxTasks, TaskSlots(a))})
		}
	case OwnSchema:
		adv.Explanation = "These stages are Spark reading file footers or sampling rows to infer or merge a schema before the " +
			"query runs. Give the reader an explicit schema, keep spark.sql.parquet.mergeSchema off, or read through a table " +
			"catalog that stores the schema."
		adv.Changes = []Change{{Key: "spark.sql.parquet.mergeSchema", Current: Current(a, "spark.sql.parquet.mergeSchema"), Suggested: "false",
			Why: "merging schemas reads the footer of every file"}}
	case OwnBroadcast:
		adv.Explanation = "These stages collect the build side of a broadcast join for Spark. Their cost follows the size of " +
			"the broadcast table: see the broadcast findings, spark.sql.autoBroadcastJoinThreshold and spark.sql.broadcastTimeout."
		adv.Questions = []string{"Q7", "Q8"}
	default:
		adv.Explanation = "These stages are Spark's own work rather than the application's."
	}
	if adv.Changes == nil {
		adv.Changes = []Change{}
	}
	return adv
}
