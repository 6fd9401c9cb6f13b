package cache

import (
	"fmt"
	"strings"

	"github.com/sparkdiag/sparkdiag/advice/units"
	"github.com/sparkdiag/sparkdiag/detectors"
	"github.com/sparkdiag/sparkdiag/eventlog/appmodel"
)

// Unused is CACHE001.
var Unused = &detectors.Detector{
	ID:       "CACHE001",
	Name:     "cache-unused",
	Category: "caching",
	Severity: detectors.Warning,
	Problems: []string{"cache-unused"},
	Doc: detectors.Doc{
		Title: "data is cached but read only once",
		Text: `A cache pays off when the cached data is read again: every later read skips the work that
produced it. Data that is persisted and then read by a single query (or never read again after the
action that filled it) only costs: a pass that builds the cache, storage memory taken from execution,
and, for DataFrames, the conversion to the in-memory columnar format.

For every persisted RDD (DataFrame caches are RDDs too: their name is the cached plan) the detector
counts the actions that used it, the one that filled it included: a SQL execution counts once however
many of its stages touched the cache, a job outside SQL counts once, and so does each further stage of
a job that reads the RDD again. A cache used by a single action (or filled by one and never read) is
reported, with the query that read it (InMemoryTableScan), the stage, and the size of the cache when
the reading tasks show it. Caches that libraries make for themselves (XGBoost, MLlib, GraphX, Delta
Lake's log state) are left out: the application's author cannot remove them. The remedy is to remove
the cache() / persist() (Q15).`,
		Thresholds: `The rule follows the question bank's own definition (Q15: cache what is used more than once) and
the corpus labels (exactly one SQL execution scans the cached relation). Caches whose building stages
ran for less than 2 s and read less than 16 MiB are left alone, so that small test applications and
library-internal caches stay quiet; the finding is a warning from 64 MiB of cached data or 10 s of
building time, information below.`,
		Questions: []string{"Q15", "Q16"},
	},
	Params: []detectors.Param{
		{Name: "maxReaders", Default: 1, Unit: "count", Doc: "report caches used by at most this many actions (the filling one included)"},
		{Name: "minBuildMs", Default: 2000, Unit: "ms", Doc: "task time of the stages that built the cache before it is judged (with minBytes)"},
		{Name: "minBytes", Default: 16 << 20, Unit: "bytes", Doc: "data read to build the cache before it is judged (with minBuildMs)"},
		{Name: "warnBytes", Default: 64 << 20, Unit: "bytes", Doc: "cached data from which the finding is a warning"},
		{Name: "warnBuildMs", Default: 10000, Unit: "ms", Doc: "building task time from which the finding is a warning"},
	},
	Run: runUnused,
}

func runUnused(p *detectors.Pass) {
	a := p.App
	for _, c := range analyze(a) {
		if len(c.stages) == 0 || len(c.readers) > int(p.Param("maxReaders")) || c.library() {
			continue
		}
		fill := c.stages[0]
		buildMs := fill.Totals[appmodel.RunTime]
		buildBytes := fill.Totals[appmodel.InputBytes] + fill.Totals.ShuffleReadBytes()
		if float64(buildMs) < p.Param("minBuildMs") && float64(buildBytes) < p.Param("minBytes") {
			continue
		}
		size := c.estimatedBytes()
		f := detectors.Finding{
			Subject: rddSubject(c),
			Evidence: []detectors.Evidence{
				detectors.EvT("readers of the cached data", float64(len(c.readers)), "count", "≤", p.Param("maxReaders")),
				detectors.Ev("task time of the stage that built it", float64(buildMs), "ms"),
				detectors.Ev("data read to build it", float64(buildBytes), "bytes"),
				detectors.Ev("partitions", float64(c.r.NumPartitions), "count"),
			},
			Impact: detectors.StageImpact(a, fill, 0),
		}
		if size > 0 {
			f.Evidence = append(f.Evidence, detectors.Ev("cached data (read by the reader)", float64(size), "bytes"))
		}
		where := fill
		if len(c.consumers) > 0 {
			where = c.consumers[0]
		}
		f.Subject.StageID, f.Subject.StageAttempt = detectors.Ptr(where.ID), detectors.Ptr(where.Attempt)
		if where.SQLExecutionID >= 0 {
			f.Subject.SQLExecutionID = detectors.Ptr(where.SQLExecutionID)
		}
		if n := cacheScan(a, where); n != nil {
			f.SQLOperator = n.Name
		}
		f.CallSite = detectors.CallSite(a, where)
		if float64(size) >= p.Param("warnBytes") || float64(buildMs) >= p.Param("warnBuildMs") {
			f.Severity = detectors.Warning
		} else {
			f.Severity = detectors.Info
		}
		what := c.name()
		if c.sql {
			what = "cached DataFrame " + what
		}
		sz := ""
		if size > 0 {
			sz = fmt.Sprintf(" holds %s and", units.Bytes(size))
		}
		if len(c.consumers) == 0 {
			f.Message = fmt.Sprintf("The %s%s is persisted (%s) but never read after the action that filled it (%s, stage %d): %s of task time spent building a cache for nothing",
				what, sz, levelName(c.r), c.readers[0], fill.ID, units.Millis(buildMs))
		} else {
			f.Message = fmt.Sprintf("The %s%s is read only once, by %s (stage %s): persisting it (%s) cost a build pass of %s task time and saved nothing",
				what, sz, c.readers[0], stageIDs(c.consumers), levelName(c.r), units.Millis(buildMs))
		}
		f.Advice = detectors.Advice{Questions: []string{"Q15", "Q16"},
			Explanation: "Caching only helps data that is read more than once. Here one query reads it, so Spark computes it, converts and stores it, " +
				"and reads it back for nothing, holding storage memory that execution could have used. Remove the cache() / persist() call " +
				"(and its unpersist()); cache only DataFrames that two or more actions read.",
			Snippet: "enriched = ev.join(dim, \"key\")  # no .cache(): it is written once\nenriched.write.parquet(out)"}
		p.Report(f)
	}
}

func stageIDs(sts []*appmodel.Stage) string {
	var s []string
	seen := map[int]bool{}
	for _, st := range sts {
		if !seen[st.ID] {
			seen[st.ID] = true
			s = append(s, fmt.Sprint(st.ID))
		}
	}
	if len(s) > 6 {
		s = append(s[:6], "…")
	}
	return strings.Join(s, ", ")
}

// NotFitting is CACHE002.
var NotFitting = &detectors.Detector{
	ID:       "CACHE002",
	Name:     "cache-not-fitting",
	Category: "caching",
	Severity: detectors.Warning,
	Problems: []string{"cache-not-fitting"},
	Doc: detectors.Doc{
		Title: "a memory-only cache does not fit and is recomputed on every use",
		Text: `With a memory-only storage level (MEMORY_ONLY, MEMORY_ONLY_SER: PySpark's persist(MEMORY_ONLY))
partitions that do not fit in storage memory are not stored; every later read recomputes them from the
cache's lineage, and the cache costs memory while saving only part of the work.

For DataFrame caches the detector classifies each task of the stages that read the cache after it was
filled: a task that read cached batches (input records of at least 4 KiB each) hit the cache, any other
task recomputed its partition. When the misses reach 10% of those tasks it reports the share of the
cache that was missing, the task time of the recomputations, the estimated size of the whole cache
(bytes per hit × partitions) against the storage memory of the executors, and, from the SQL plan, that
the cached plan's operators ran again in the reading stages. For logs that carry cached partition
counts (Spark 2.2 and older), a memory-only RDD with fewer cached partitions than partitions, read by
two or more stages, is reported the same way.

The remedy (Q17): a storage level that spills what does not fit to disk (MEMORY_AND_DISK, the
DataFrame default), more storage memory (computed from the estimated size), or caching fewer columns.`,
		Thresholds: `10% of the reading tasks missing the cache is the least the detector reports: in the corpus the
undersized cache misses 50–90% of its partitions on every read and the caches that fit miss none. A
cached batch holds up to 10,000 rows (spark.sql.inMemoryColumnarStorage.batchSize), so 4 KiB per input
record separates batch reads from row reads by a wide margin. The finding is an error when the
recomputation exceeds 30% of the application's wall-clock time.`,
		Questions: []string{"Q17", "Q16"},
	},
	Params: []detectors.Param{
		{Name: "minMissShare", Default: 0.1, Unit: "share", Doc: "share of the reading tasks that recomputed their partition"},
		{Name: "errorShare", Default: 0.3, Unit: "share", Doc: "raise to error when the recomputation exceeds this share of the application's duration"},
	},
	Run: runNotFitting,
}

func memoryOnly(r *appmodel.RDD) bool {
	return r.StorageLevel.UseMemory && !r.StorageLevel.UseDisk
}

func storageMemory(a *appmodel.Application) (total, peak int64) {
	execs := 0
	for _, e := range a.Executors {
		if e.ID == "driver" {
			continue
		}
		execs++
		total += e.MaxMemory
		peak = max(peak, e.PeakMemoryMetrics["OnHeapStorageMemory"]+e.PeakMemoryMetrics["OffHeapStorageMemory"])
	}
	if execs == 0 {
		if d := a.Executor("driver"); d != nil {
			total = d.MaxMemory
			peak = d.PeakMemoryMetrics["OnHeapStorageMemory"] + d.PeakMemoryMetrics["OffHeapStorageMemory"]
		}
	}
	return total, peak
}

func runNotFitting(p *detectors.Pass) {
	a := p.App
	for _, c := range analyze(a) {
		if !memoryOnly(c.r) {
			continue
		}
		switch {
		case c.sql && c.hits+c.misses > 0:
			share := float64(c.misses) / float64(c.hits+c.misses)
			if share < p.Param("minMissShare") || len(c.missStages) == 0 {
				continue
			}
			reportNotFitting(p, c, share)
		case !c.sql && c.r.MaxCachedParts > 0 && c.r.MaxCachedParts < c.r.NumPartitions && len(c.stages) >= 2:
			share := 1 - float64(c.r.MaxCachedParts)/float64(c.r.NumPartitions)
			reportNotFitting(p, c, share)
		}
	}
}

func reportNotFitting(p *detectors.Pass, c *cached, missShare float64) {
	a := p.App
	total, peak := storageMemory(a)
	size := c.estimatedBytes()
	st := c.consumers[len(c.consumers)-1]
	if len(c.missStages) > 0 {
		st = c.missStages[0]
	}
	// The recomputation: miss tasks' time minus what a hit would have cost.
	recompute := c.missMs
	if c.hits > 0 && c.misses > 0 {
		var hitMs int64
		var n int
		for _, s := range c.consumers[1:] {
			s.Tasks(func(t *appmodel.Task) bool {
				if t.Status == appmodel.TaskSuccess && t.M[appmodel.InputRecords] > 0 && t.M[appmodel.InputBytes]/t.M[appmodel.InputRecords] >= minBatchBytes {
					hitMs += detectors.AttemptTime(t)
					n++
				}
				return true
			})
		}
		if n > 0 {
			recompute = max(c.missMs-int64(c.misses)*(hitMs/int64(n)), 0)
		}
	}
	f := detectors.Finding{
		Subject: rddSubject(c),
		Evidence: []detectors.Evidence{
			detectors.EvT("share of cache reads that recomputed their partition", missShare, "share", "≥", p.Param("minMissShare")),
			detectors.Ev("reading tasks that recomputed", float64(c.misses), "count"),
			detectors.Ev("reading tasks that hit the cache", float64(c.hits), "count"),
			detectors.Ev("task time of the recomputing tasks", float64(c.missMs), "ms"),
			detectors.Ev("partitions", float64(c.r.NumPartitions), "count"),
			detectors.Ev("storage memory of the executors", float64(total), "bytes"),
		},
	}
	if size > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("estimated size of the whole cache", float64(size), "bytes"))
	}
	if peak > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("peak storage memory used", float64(peak), "bytes"))
	}
	if c.r.MaxCachedParts > 0 {
		f.Evidence = append(f.Evidence, detectors.Ev("most partitions cached at once", float64(c.r.MaxCachedParts), "count"))
	}
	f.Impact = detectors.Impact{TaskTimeMs: recompute, TaskTimeShare: detectors.ShareOf(recompute, detectors.TotalTaskTime(a))}
	for _, s := range c.missStages {
		f.Impact.WallClockMs += s.Duration()
	}
	f.Impact.WallClockShare = detectors.ShareOf(f.Impact.WallClockMs, detectors.AppDuration(a))
	f.Impact.SavingsMs = min(f.Impact.WallClockMs, recompute/int64(max(slotsOf(a), 1)))
	if float64(f.Impact.SavingsMs) > p.Param("errorShare")*float64(detectors.AppDuration(a)) {
		f.Severity = detectors.Error
	}
	f.Subject.StageID, f.Subject.StageAttempt = detectors.Ptr(st.ID), detectors.Ptr(st.Attempt)
	if st.SQLExecutionID >= 0 {
		f.Subject.SQLExecutionID = detectors.Ptr(st.SQLExecutionID)
	}
	if n := cacheScan(a, st); n != nil {
		f.SQLOperator = n.Name
	}
	f.CallSite = detectors.CallSite(a, st)
	sizeTxt := ""
	if size > 0 && total > 0 {
		sizeTxt = fmt.Sprintf("; the whole cache is about %s against %s of storage memory", units.Bytes(size), units.Bytes(total))
	}
	f.Message = fmt.Sprintf("The %s cache %s does not fit: %s of its reads in stages %s recomputed the partition (%s of task time)%s",
		levelName(c.r), c.name(), units.Percent(missShare), stageIDs(c.missStages), units.Millis(c.missMs), sizeTxt)
	if len(c.missStages) == 0 {
		f.Message = fmt.Sprintf("The %s cache %s does not fit: at most %d of its %d partitions were cached; the rest is recomputed on every use",
			levelName(c.r), c.name(), c.r.MaxCachedParts, c.r.NumPartitions)
	}
	adv := detectors.Advice{Questions: []string{"Q17", "Q16"},
		Explanation: "A memory-only cache stores the partitions that fit and drops the rest; every read recomputes the dropped ones from the " +
			"cache's lineage, so the cache costs memory and saves only part of the work. Let what does not fit go to disk " +
			"(MEMORY_AND_DISK: a local disk read is far cheaper than recomputing), give storage more memory, or cache fewer columns.",
		Snippet: "from pyspark import StorageLevel\ndf.persist(StorageLevel.MEMORY_AND_DISK)  # partitions that do not fit go to local disk"}
	if t, ok := strings.CutPrefix(c.r.Name, "In-memory table "); ok && !strings.Contains(t, "\n") {
		t = strings.TrimSpace(t)
		adv.Snippet = fmt.Sprintf("-- partitions that do not fit go to local disk\nUNCACHE TABLE %[1]s;\nCACHE TABLE %[1]s OPTIONS ('storageLevel' 'MEMORY_AND_DISK') AS SELECT ...;", t)
	}
	if size > 0 && total > 0 && size > total {
		// Storage can use (heap - 300 MiB) × spark.memory.fraction; size the
		// heap so that the cache fits with 30% to spare for execution.
		frac := fraction(a)
		if v, ok := a.SparkProps["spark.memory.fraction"]; ok && frac < 0.6 {
			adv.Changes = append(adv.Changes, detectors.Change{Key: "spark.memory.fraction", Current: v, Suggested: "0.6",
				Why: "the lowered memory fraction leaves little room for cached data"})
			frac = 0.6
		}
		heapKey := detectors.ExecMemoryKey(a)
		heap := detectors.ExecMemoryBytes(a)
		nExec := int64(max(executorCount(a), 1))
		need := int64(float64(size)*1.3/frac)/nExec + 300<<20
		if need > heap {
			adv.Changes = append(adv.Changes, detectors.Change{Key: heapKey, Current: detectors.MemConf(heap), Suggested: detectors.MemConf(need),
				Why: fmt.Sprintf("the cache needs about %s of storage memory; the executors have %s", units.Bytes(size), units.Bytes(total))})
		}
	}
	f.Advice = adv
	p.Report(f)
}

func fraction(a *appmodel.Application) float64 {
	if v, ok := a.SparkProps["spark.memory.fraction"]; ok {
		var f float64
		if _, err := fmt.Sscan(v, &f); err == nil && f > 0 && f <= 1 {
			return f
		}
	}
	return 0.6
}

func executorCount(a *appmodel.Application) int {
	n := 0
	for _, e := range a.Executors {
		if e.ID != "driver" {
			n++
		}
	}
	return n
}

func slotsOf(a *appmodel.Application) int {
	n, driver := 0, 0
	for _, e := range a.Executors {
		s := e.MaxTasks
		if s <= 0 {
			s = e.TotalCores
		}
		if e.ID == "driver" {
			driver = s
			continue
		}
		n += s
	}
	if n == 0 {
		n = driver
	}
	return max(n, 1)
}

// NotMaterialized is CACHE003.
var NotMaterialized = &detectors.Detector{
	ID:       "CACHE003",
	Name:     "cache-not-materialized",
	Category: "caching",
	Severity: detectors.Warning,
	Problems: []string{"cache-not-materialized"},
	Doc: detectors.Doc{
		Title: "a cache was never filled: only part of it was ever computed",
		Text: `cache() and persist() only mark data for caching; it is stored when an action computes it, and
only the partitions that action computes. An action that looks at a few rows (show(), take(), first(),
limit) computes one or a few partitions, so a cache "materialized" that way holds a sliver of the data
and the next full read computes the rest anyway (Q16, Q18). A cache that is unpersisted before any
action never holds anything.

For every persisted RDD the detector takes the union of the partitions that successful tasks computed
or read, over every stage whose RDD chain includes it, and reports the RDD when that union is at most
half of its partitions. It also reports RDDs unpersisted without any stage having computed them. With
adaptive execution in Spark 3.5 and later, a DataFrame cache is always filled whole by its own job
before the first read (TableCacheQueryStage), so this shows mostly in older versions, with AQE off, and
with the RDD API.`,
		Thresholds: `At most half of the partitions ever computed, the corpus' definition (check_labels.py: a cached
RDD with at most half its partitions ever cached); a cache that is actually read whole always has all of
its partitions computed. RDDs of fewer than 2 partitions are left alone.`,
		Questions: []string{"Q16", "Q18"},
	},
	Params: []detectors.Param{
		{Name: "maxComputedShare", Default: 0.5, Unit: "share", Doc: "report when at most this share of the partitions was ever computed"},
	},
	Run: runNotMaterialized,
}

func runNotMaterialized(p *detectors.Pass) {
	a := p.App
	known := map[int]bool{}
	for _, r := range a.RDDs {
		if len(r.StageIDs) > 0 {
			known[r.ID] = true
		}
	}
	for _, c := range analyze(a) {
		if c.r.NumPartitions < 2 || len(c.stages) == 0 {
			continue
		}
		share := float64(c.computed) / float64(c.r.NumPartitions)
		if share > p.Param("maxComputedShare") {
			continue
		}
		last := c.stages[len(c.stages)-1]
		f := detectors.Finding{
			Subject: rddSubject(c),
			Evidence: []detectors.Evidence{
				detectors.EvT("share of partitions ever computed", share, "share", "≤", p.Param("maxComputedShare")),
				detectors.Ev("partitions computed", float64(c.computed), "count"),
				detectors.Ev("partitions", float64(c.r.NumPartitions), "count"),
				detectors.Ev("stages that used it", float64(len(c.stages)), "count"),
			},
			Impact:   detectors.StageImpact(a, last, 0),
			CallSite: detectors.CallSite(a, last),
		}
		f.Subject.StageID, f.Subject.StageAttempt = detectors.Ptr(last.ID), detectors.Ptr(last.Attempt)
		if last.SQLExecutionID >= 0 {
			f.Subject.SQLExecutionID = detectors.Ptr(last.SQLExecutionID)
		}
		if n := cacheScan(a, last); n != nil {
			f.SQLOperator = n.Name
		}
		f.Message = fmt.Sprintf("The cache of %s was never filled: only %d of its %d partitions were ever computed (by stage %s), so every full read computes the rest",
			c.name(), c.computed, c.r.NumPartitions, stageIDs(c.stages))
		f.Advice = detectors.Advice{Questions: []string{"Q16", "Q18"},
			Explanation: "cache() is lazy: data is stored only when an action computes it, and actions like show(), take() or first() compute just " +
				"the partitions they need. Fill the cache with an action that reads every partition (count()) right after cache(), or drop the cache " +
				"if nothing reads the whole data.",
			Snippet: "df = df.cache()\ndf.count()  # computes and stores every partition\ndf.show(5)  # now served from the cache"}
		p.Report(f)
	}
	// Unpersisted before anything computed it.
	for _, id := range a.Unpersisted {
		if known[id] {
			continue
		}
		known[id] = true
		p.Report(detectors.Finding{
			Subject:  detectors.Subject{Kind: detectors.SubjectRDD, RDDID: detectors.Ptr(id), Name: fmt.Sprintf("RDD %d", id)},
			Severity: detectors.Info,
			Message:  fmt.Sprintf("RDD %d was persisted and unpersisted without any stage computing it: the cache() call did nothing", id),
			Evidence: []detectors.Evidence{detectors.Ev("stages that computed it", 0, "count")},
			Advice: detectors.Advice{Questions: []string{"Q16"},
				Explanation: "The data was marked for caching and released before any action ran on it, so nothing was ever stored. Remove the cache()/unpersist() pair, or run the actions that need the data between them."},
		})
	}
}
