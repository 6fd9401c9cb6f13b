// Package cache holds the detectors of caching that does not pay: data
// persisted but read once (CACHE001), a memory-only cache that does not
// fit and is recomputed on every use (CACHE002), and a cache that was never
// filled (CACHE003).
//
// Event logs of Spark 2.3 and later do not carry the cached partition
// counts of an RDD (the driver leaves RDDInfo's "Number of Cached
// Partitions" at 0), so the detectors read caching from what the tasks
// did: the stages whose RDD chain includes the persisted RDD, the tasks
// that computed its partitions, and the tasks that read it. A task that
// reads a DataFrame cache (InMemoryRelation) reports the cached batches it
// read as its input (one record per batch of up to 10,000 rows, so a few
// KiB or more per record); a task that missed the cache recomputes the
// cached plan and reports its source instead (shuffle reads, or file rows
// of a few hundred bytes). When the log does carry cached partition counts
// (Spark 2.2 and older), they are used too.
package cache

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// minBatchBytes is the least input per record for a task to count as a
// reader of cached columnar batches rather than of source rows.
const minBatchBytes = 4096

// cached is what the log says about one persisted RDD.
type cached struct {
	r *appmodel.RDD
	// sql is set for a DataFrame cache: a child of the RDD is an
	// InMemoryTableScan.
	sql bool
	// stages are the attempts that ran with the RDD in their RDD chain and
	// ran tasks, in order.
	stages []*appmodel.Stage
	// consumers are the stages that read the RDD: every stage but the
	// first, plus the first when the RDD is not its last RDD.
	consumers []*appmodel.Stage
	// readers names the distinct actions that used the data (filling it
	// included): SQL executions for stages of SQL executions, else jobs.
	readers []string
	// computed is the number of distinct partitions of the RDD that tasks
	// computed or read.
	computed int
	// hits and misses count, over consumer stages after the first
	// computation, the tasks that read the cache and those that recomputed
	// their partition (DataFrame caches only).
	hits, misses int
	missMs       int64
	hitBytes     int64
	missStages   []*appmodel.Stage
}

func (c *cached) name() string {
	if t, ok := strings.CutPrefix(c.r.Name, "In-memory table "); ok && !strings.Contains(t, "\n") {
		// CACHE TABLE t: the RDD is named after the table.
		return fmt.Sprintf("RDD %d (the cached table %s)", c.r.ID, strings.TrimSpace(t))
	}
	if pl := c.plan(); pl != "" {
		return fmt.Sprintf("RDD %d (cached plan %s)", c.r.ID, pl)
	}
	n := strings.TrimSpace(c.r.Name)
	if i := strings.IndexByte(n, '\n'); i >= 0 {
		n = n[:i]
	}
	if len(n) > 60 {
		n = n[:60] + "…"
	}
	return fmt.Sprintf("RDD %d %q", c.r.ID, n)
}

// plan returns a short description of what a DataFrame cache holds: the
// operators of the cached plan (its RDD name is the plan's text).
func (c *cached) plan() string {
	if !c.sql {
		return ""
	}
	var ops []string
	for i, line := range strings.Split(c.r.Name, "\n") {
		if i == 0 && strings.HasPrefix(line, "AdaptiveSparkPlan") {
			continue
		}
		line = strings.TrimLeft(line, " :+-")
		line = strings.TrimSpace(codegenRe.ReplaceAllString(line, ""))
		if j := strings.IndexAny(line, " ["); j > 0 {
			line = line[:j]
		}
		if line != "" && len(ops) < 6 {
			ops = append(ops, line)
		}
	}
	out := strings.Join(ops, " ← ")
	if m := locationRe.FindStringSubmatch(c.r.Name); m != nil {
		out += " over " + m[1]
	}
	return out
}

// codegenRe matches the whole-stage codegen marker of a plan line ("*(3) ").
var codegenRe = regexp.MustCompile(`^\*\(\d+\)\s*`)

// locationRe finds the first scanned path of a plan's text.
var locationRe = regexp.MustCompile(`Location: \w+\(\d+ paths?\)\[([^\],]+)`)

// estimatedBytes is the size of the whole cache as read by hitting tasks,
// scaled to all partitions; 0 when no task read it.
func (c *cached) estimatedBytes() int64 {
	if c.hits == 0 {
		return 0
	}
	return c.hitBytes / int64(c.hits) * int64(max(c.r.NumPartitions, 1))
}

// analyze gathers the persisted RDDs of the application.
func analyze(a *appmodel.Application) []*cached {
	byID := map[int]*appmodel.RDD{}
	children := map[int][]int{}
	for _, r := range a.RDDs {
		byID[r.ID] = r
		for _, p := range r.ParentIDs {
			children[p] = append(children[p], r.ID)
		}
	}
	var out []*cached
	for _, r := range a.RDDs {
		if !r.Persisted() {
			continue
		}
		c := &cached{r: r}
		for _, ch := range children[r.ID] {
			// A DataFrame cache is read by "InMemoryTableScan"; a cache made
			// with SQL (CACHE TABLE t) by "Scan In-memory table t".
			if x := byID[ch]; x != nil && (strings.Contains(x.Scope, `"InMemoryTableScan"`) || strings.Contains(x.Scope, `"name":"Scan In-memory table`)) {
				c.sql = true
			}
		}
		for _, st := range stagesWith(a, r.ID) {
			c.stages = append(c.stages, st)
		}
		parts := newPartSet(r.NumPartitions)
		readers := map[string]bool{}
		jobReads := map[int]int{}
		for i, st := range c.stages {
			hasChild := false
			for _, id := range st.RDDIDs {
				for _, p := range byIDParents(byID, id) {
					if p == r.ID {
						hasChild = true
					}
				}
			}
			if i > 0 || hasChild {
				c.consumers = append(c.consumers, st)
			}
			// Readers: the actions that used the data, the one that filled it
			// included. A SQL execution counts once; outside SQL a job counts
			// once, and each further stage of a job that reads it again.
			var key string
			switch {
			case st.SQLExecutionID >= 0:
				key = fmt.Sprintf("SQL execution %d", st.SQLExecutionID)
			default:
				job := -1
				if len(st.JobIDs) > 0 {
					job = st.JobIDs[0]
				}
				key = fmt.Sprintf("job %d", job)
				if hasChild {
					jobReads[job]++
					if jobReads[job] > 1 {
						key = fmt.Sprintf("stage %d", st.ID)
					}
				}
			}
			if !readers[key] {
				readers[key] = true
				c.readers = append(c.readers, key)
			}
			// Task partitions are the RDD's partitions when the stage's last
			// RDD is partitioned like it (a narrow chain); a stage that
			// narrows the partitioning (coalesce) reads them all.
			fp := finalParts(byID, st)
			if fp > 0 && fp < r.NumPartitions && st.Status == appmodel.StageComplete {
				for i := 0; i < r.NumPartitions; i++ {
					parts.add(i)
				}
			}
			st.Tasks(func(t *appmodel.Task) bool {
				if t.Status != appmodel.TaskSuccess {
					return true
				}
				p := t.PartitionID
				if p < 0 {
					p = t.Index
				}
				if fp == r.NumPartitions {
					parts.add(p)
				}
				if i > 0 && c.sql {
					// After the first computation: a hit or a miss.
					if t.M[appmodel.InputRecords] > 0 && t.M[appmodel.InputBytes]/t.M[appmodel.InputRecords] >= minBatchBytes {
						c.hits++
						c.hitBytes += t.M[appmodel.InputBytes]
					} else {
						c.misses++
						c.missMs += detectors.AttemptTime(t)
					}
				}
				return true
			})
			if i > 0 && c.sql && stageMissed(st) {
				c.missStages = append(c.missStages, st)
			}
		}
		c.computed = parts.n
		out = append(out, c)
	}
	return out
}

// partSet is a set of partition numbers: a bit for each of the RDD's
// partitions (not a map entry per task), a map for any other number.
type partSet struct {
	bits  []uint64
	other map[int]bool
	n     int
}

func newPartSet(parts int) *partSet {
	return &partSet{bits: make([]uint64, (max(parts, 0)+63)/64)}
}

func (s *partSet) add(p int) {
	if p >= 0 && p/64 < len(s.bits) {
		if m := uint64(1) << (p % 64); s.bits[p/64]&m == 0 {
			s.bits[p/64] |= m
			s.n++
		}
		return
	}
	if !s.other[p] {
		if s.other == nil {
			s.other = map[int]bool{}
		}
		s.other[p] = true
		s.n++
	}
}

// finalParts is the partition count of a stage's last RDD (the one no
// other RDD of the stage depends on), 0 when unknown.
func finalParts(byID map[int]*appmodel.RDD, st *appmodel.Stage) int {
	isParent := map[int]bool{}
	for _, id := range st.RDDIDs {
		for _, p := range byIDParents(byID, id) {
			isParent[p] = true
		}
	}
	for _, id := range st.RDDIDs {
		if r := byID[id]; r != nil && !isParent[id] {
			return r.NumPartitions
		}
	}
	return 0
}

// libraryPrefixes are packages whose internal caches the application's
// author does not control.
var libraryPrefixes = []string{"ml.dmlc.", "org.apache.spark.ml.", "org.apache.spark.mllib.", "org.apache.spark.graphx.",
	"com.databricks.", "io.delta.", "org.apache.spark.sql.delta.", "org.apache.iceberg.", "org.apache.hudi."}

// library reports whether a persisted RDD was created by a library rather
// than by the application's code: its call site or the first frames of the
// stage that computed it are in a library package, or it is a Delta log
// state cache.
func (c *cached) library() bool {
	if strings.HasPrefix(c.r.Name, "Delta Table State") {
		return true
	}
	texts := []string{c.r.CallSite}
	if len(c.stages) > 0 {
		lines := strings.Split(c.stages[0].Details, "\n")
		if len(lines) > 4 {
			lines = lines[:4]
		}
		texts = append(texts, lines...)
	}
	for _, t := range texts {
		t = strings.TrimSpace(t)
		for _, p := range libraryPrefixes {
			if strings.HasPrefix(t, p) || strings.Contains(t, " at "+p) {
				return true
			}
		}
		for _, f := range []string{"XGBoost.scala", "BinaryClassificationMetrics.scala", "GraphImpl.scala", "Pregel.scala"} {
			if strings.Contains(t, f) {
				return true
			}
		}
	}
	return false
}

func byIDParents(byID map[int]*appmodel.RDD, id int) []int {
	if r := byID[id]; r != nil {
		return r.ParentIDs
	}
	return nil
}

// stageMissed reports whether some successful task of the stage did not
// read cached batches.
func stageMissed(st *appmodel.Stage) bool {
	miss := false
	st.Tasks(func(t *appmodel.Task) bool {
		if t.Status == appmodel.TaskSuccess && !(t.M[appmodel.InputRecords] > 0 && t.M[appmodel.InputBytes]/t.M[appmodel.InputRecords] >= minBatchBytes) {
			miss = true
			return false
		}
		return true
	})
	return miss
}

// stagesWith returns the stage attempts that ran tasks with the RDD in
// their RDD chain, by stage id and attempt.
func stagesWith(a *appmodel.Application, id int) []*appmodel.Stage {
	var out []*appmodel.Stage
	for _, st := range a.Stages {
		if st.Status == appmodel.StageSkipped || st.NumTasksSeen() == 0 && st.NumCompleteTasks == 0 {
			continue
		}
		for _, r := range st.RDDIDs {
			if r == id {
				out = append(out, st)
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].SubmissionTime != out[j].SubmissionTime && out[i].SubmissionTime > 0 && out[j].SubmissionTime > 0 {
			return out[i].SubmissionTime < out[j].SubmissionTime
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// cacheScan finds the InMemoryTableScan node that ran in a stage.
func cacheScan(a *appmodel.Application, st *appmodel.Stage) *appmodel.PlanNode {
	return detectors.FindNode(detectors.StageNodes(a, st), "InMemoryTableScan")
}

// stageTime sums the run time of stages.
func stageTime(sts []*appmodel.Stage) int64 {
	var t int64
	for _, st := range sts {
		t += st.Totals[appmodel.RunTime]
	}
	return t
}

// rddSubject is the subject for a persisted RDD.
func rddSubject(c *cached) detectors.Subject {
	return detectors.Subject{Kind: detectors.SubjectRDD, RDDID: detectors.Ptr(c.r.ID), Name: c.name()}
}

// levelName is a storage level as people write it in code.
func levelName(r *appmodel.RDD) string {
	l := r.StorageLevel
	var s string
	switch {
	case l.UseOffHeap:
		s = "OFF_HEAP"
	case l.UseMemory && l.UseDisk:
		s = "MEMORY_AND_DISK"
	case l.UseMemory:
		s = "MEMORY_ONLY"
	case l.UseDisk:
		s = "DISK_ONLY"
	default:
		return "NONE"
	}
	if !l.Deserialized && l.UseMemory && !l.UseOffHeap {
		s += "_SER"
	}
	if l.Replication > 1 {
		s += fmt.Sprintf("_%d", l.Replication)
	}
	return s
}
