"""Per-scenario label specs: what each scenario must show and must not show.

``expect`` items name a problem id and the question(s) it answers; the stage,
job, SQL execution and operator ids are filled in from the HS JSON by
labelmaker.py after every run (tools/evidence.py finds them).  ``absent`` lists
problems that are clearly not there ("ALL" for the healthy job).  ``maybe``
lists problems that may or may not show and therefore are in neither list.
"""

SPECS = {}
ORDER = []


def spec(name, description, expect=(), absent=(), maybe=(), **kw):
    ORDER.append(name)
    SPECS[name] = dict(description=description, expect=list(expect), absent=absent,
                       maybe=list(maybe), **kw)


def e(problem, q, **kw):
    d = {"problem": problem, "q": q if isinstance(q, list) else [q]}
    d.update(kw)
    return d


STREAMING = ["streaming-batch-slow", "streaming-input-outpaces", "streaming-state-growth",
             "streaming-watermark-drops", "streaming-backlog"]
FAILURES = ["task-failures", "stage-failure", "executor-loss", "fetch-failure"]
CACHE = ["cache-unused", "cache-not-fitting", "cache-not-materialized"]
FILES = ["small-files-write", "small-files-read", "append-write", "row-format-scan",
         "no-partition-pruning", "merged-schema"]
CONFIG = ["config-aqe-off", "config-skew-join-off", "config-broadcast-disabled"]
# what a plain batch job without caching, failures, file-layout problems or
# odd configuration clearly does not have
BATCH = STREAMING + FAILURES + CACHE + FILES + CONFIG + ["long-lineage"]


def but(base, *remove, add=()):
    return [p for p in base if p not in remove] + list(add)


spec("skew_agg",
     """Q3: window aggregation (running revenue per country) over 8M rows, 80% on
     'US'; 32 shuffle partitions, AQE coalescing off. One reduce task sorts and
     scans ~6.4M rows while the 31 others take a fraction of a second.""",
     expect=[e("skew", "Q3", operator="Window")],
     absent=["small-files-write", "small-files-read", "partitions-too-many",
             "broadcast-too-large", "row-explosion", "task-failures", "stage-failure",
             "executor-loss", "fetch-failure", "cache-unused", "cache-not-fitting",
             "cache-not-materialized", "long-lineage", "append-write", "row-format-scan",
             "merged-schema", "streaming-batch-slow", "streaming-input-outpaces",
             "streaming-state-growth", "streaming-watermark-drops", "streaming-backlog",
             "config-aqe-off", "config-skew-join-off", "config-broadcast-disabled"])

spec("healthy",
     """Healthy job: 4M balanced orders (8 Parquet files) broadcast-joined with a
     50-row dimension, revenue per region and per day; defaults (AQE on), 2 GB.
     Must get no warning at all.""",
     absent="ALL")

spec("skew_join_off",
     """Q6: 10M orders (80% with user_id 0) sort-merge-joined with 2M users; AQE on
     but spark.sql.adaptive.skewJoin.enabled=false, 32 partitions: one join task
     sorts and joins ~8M rows.""",
     expect=[e("skew", "Q6", operator="SortMergeJoin"),
             e("config-skew-join-off", "Q6")],
     absent=but(BATCH, "config-skew-join-off", add=["broadcast-too-large", "partitions-too-many"]))

spec("skew_join_on",
     """Q6: the same skewed join with AQE skew-join handling on (skew threshold
     scaled to 16 MB, advisory size 2 MB ~ a normal partition): the hot partition
     is split into many pieces at map-output boundaries, no task dominates.""",
     absent=but(BATCH, add=["skew", "broadcast-too-large", "partitions-too-many"]))

spec("join_spill",
     """Q2: two 3M-row tables with 40-char payloads sort-merge-joined with a 1 GB
     driver, spark.memory.fraction=0.1 and 8 shuffle partitions: the join sorts
     spill to disk.""",
     expect=[e("spill", "Q2", operator="SortMergeJoin")],
     absent=but(BATCH, add=["partitions-too-many", "broadcast-too-large"]))

spec("partitions_too_few",
     """Q13: per-user aggregation of 3M events (1 GB driver) with spark.sql.shuffle.partitions=2:
     two reducers read ~half of the shuffle each and spill.""",
     expect=[e("partitions-too-few", "Q13", operator="SortAggregate|HashAggregate"),
             e("spill", "Q13", operator="SortAggregate|HashAggregate")],
     absent=but(BATCH, add=["partitions-too-many", "broadcast-too-large"]))

spec("partitions_too_many",
     """Q14: 1M rows aggregated with spark.sql.shuffle.partitions=4000 and AQE
     off: a reduce stage of 4000 tasks of a few ms each. Rolling event log
     (10 MB files) that really rolls.""",
     expect=[e("partitions-too-many", "Q14", operator="HashAggregate"),
             e("config-aqe-off", "Q14")],
     absent=but(BATCH, "config-aqe-off", add=["spill", "partitions-too-few",
                                               "broadcast-too-large"]))

spec("small_files_write",
     """Q5: 2M events over 365 days written with partitionBy(event_date) from 8
     tasks without repartition: 2920 files of ~10 KB.""",
     expect=[e("small-files-write", "Q5", operator="InsertIntoHadoopFsRelationCommand")],
     absent=but(BATCH, "small-files-write", add=["spill", "partitions-too-many",
                                                 "broadcast-too-large"]))

spec("small_files_read",
     """Q5: a table of 3000 Parquet files of ~20 KB (3M rows) read and aggregated:
     the scan opens 3000 files for ~60 MB.""",
     expect=[e("small-files-read", "Q5", operator="Scan parquet")],
     absent=but(BATCH, "small-files-read", add=["spill", "broadcast-too-large"]))

spec("broadcast_too_large",
     """Q8: spark.sql.autoBroadcastJoinThreshold=1g for a join of 3M orders with a
     1.5M-row user table: Spark broadcasts the side that is smaller on disk (the
     3M orders), a hash relation of >100 MB built on the driver.""",
     expect=[e("broadcast-too-large", "Q8", operator="BroadcastExchange")],
     absent=but(BATCH, add=["broadcast-missed", "partitions-too-many"]))

spec("broadcast_missed",
     """Q7: spark.sql.autoBroadcastJoinThreshold=-1; 3M events (with payload) are
     shuffled for a sort-merge join with a 50-row country dimension.""",
     expect=[e("broadcast-missed", "Q7", operator="SortMergeJoin"),
             e("config-broadcast-disabled", "Q7")],
     absent=but(BATCH, "config-broadcast-disabled", add=["broadcast-too-large",
                                                         "partitions-too-many"]))

spec("cartesian",
     """Q12: a join without equality condition between 4000 stores and 5000
     promotions: BroadcastNestedLoopJoin producing 20M row pairs.""",
     expect=[e("row-explosion", "Q12", operator="BroadcastNestedLoopJoin")],
     absent=but(BATCH, add=["spill", "partitions-too-many", "broadcast-too-large"]))

spec("explode",
     """Q12: 200k orders with 150-element arrays exploded to 30M rows before an
     aggregation.""",
     expect=[e("row-explosion", "Q12", operator="Generate")],
     absent=but(BATCH, add=["spill", "partitions-too-many", "broadcast-too-large"]))

spec("collect_list",
     """Q12: array_sort(collect_list(struct(...))) over 3M events grouped by a
     4-value key: the partial aggregation cannot shrink anything, the whole table
     is shuffled as 8 giant rows, and 4 of 16 reducers each build and sort a
     ~750k-element array (GC-heavy) while 12 are idle.""",
     expect=[e("skew", "Q12", operator="ObjectHashAggregate|SortAggregate|HashAggregate")],
     absent=but(BATCH, add=["partitions-too-many", "broadcast-too-large"]))

spec("cache_once",
     """Q15: enriched events are cache()d and then only written once: the cache is
     filled and read by a single SQL execution.""",
     expect=[e("cache-unused", "Q15", operator="InMemoryTableScan")],
     absent=but(BATCH, "cache-unused", "small-files-write",
                add=["partitions-too-many", "broadcast-too-large", "skew"]))

spec("cache_reused",
     """Q15/Q16 done right: a cache materialized with count() and read by three
     reports, then unpersisted.""",
     absent=but(BATCH, add=["partitions-too-many", "broadcast-too-large", "skew", "spill"]))

spec("cache_not_materialized",
     """Q16: an RDD of 2M parsed records in 16 partitions is cache()d and then only
     used by take(5) and first(): every job computes a single partition, the
     cache is never built in full. (RDD API: with DataFrames and AQE, Spark 3.5+
     materializes a cached relation in full even for show().)""",
     expect=[e("cache-not-materialized", "Q16")],
     absent=but(BATCH, "cache-not-materialized", "cache-unused",
                add=["partitions-too-many", "broadcast-too-large", "skew", "spill"]))

spec("cache_not_fitting",
     """Q17: 3M events with two 40-char columns persist(MEMORY_ONLY) on a 1 GB
     driver with spark.memory.fraction=0.2: only some of the 16 partitions fit; each of the three reports
     recomputes the rest from Parquet.""",
     expect=[e("cache-not-fitting", "Q17", operator="InMemoryTableScan")],
     absent=but(BATCH, "cache-not-fitting", "cache-not-materialized",
                add=["partitions-too-many", "broadcast-too-large"]))

spec("long_lineage",
     """Q21: 20 rounds of an iterative update (broadcast join + re-keyed
     aggregation, one shuffle per round) and one action at the end, no
     checkpoint: the final query's plan has 20+ exchanges, run by AQE as ~21
     jobs in one SQL execution.""",
     expect=[e("long-lineage", "Q21", operator="Exchange")],
     absent=but(BATCH, "long-lineage", add=["partitions-too-many", "broadcast-too-large", "spill"]))

spec("long_lineage_checkpoint",
     """Q21 done right: the same loop with checkpoint() every 5 rounds: no plan
     has more than ~6 exchanges.""",
     absent=but(BATCH, add=["partitions-too-many", "broadcast-too-large", "spill"]))

spec("task_retries",
     """Q19: local[2,4]; a Python UDF fails the first attempt of 3 of 16 tasks; the
     retries succeed and the job completes.""",
     expect=[e("task-failures", "Q19")],
     absent=but(BATCH, "task-failures", add=["partitions-too-many", "broadcast-too-large", "spill"]))

spec("stage_failure",
     """Q20: local[2,4]; one of 20 tasks fails 4 times on a corrupt record, the stage
     is aborted and the job fails after 19/20 tasks succeeded; an earlier job
     succeeded.""",
     expect=[e("stage-failure", "Q20"), e("task-failures", "Q20")],
     absent=but(BATCH, "task-failures", "stage-failure",
                add=["partitions-too-many", "broadcast-too-large", "spill"]))

spec("executor_loss",
     """Q19: local-cluster[2,1,1024]; a reduce task SIGKILLs its executor JVM; the
     executor is removed, its shuffle output is lost, lost map tasks are re-run
     and the job completes on the remaining / replacement executor.""",
     expect=[e("executor-loss", "Q19"), e("task-failures", "Q19"),
             e("fetch-failure", "Q19")],
     absent=but(BATCH, "executor-loss", "task-failures", "fetch-failure", "stage-failure",
                add=["partitions-too-many", "broadcast-too-large", "spill"]))

spec("append_writes",
     """Q22: ten write.mode("append") runs of a 200k-row batch into the same
     Parquet table in one application.""",
     expect=[e("append-write", "Q22", operator="InsertIntoHadoopFsRelationCommand")],
     absent=but(BATCH, "append-write", add=["partitions-too-many", "broadcast-too-large",
                                             "spill", "skew"]))

spec("scan_csv",
     """Q23/Q24: 3M events as CSV (~280 MB, header) read with inferSchema=true (an
     extra full pass) for a 2-column aggregation.""",
     expect=[e("row-format-scan", "Q23", operator="Scan csv")],
     absent=but(BATCH, "row-format-scan", add=["partitions-too-many", "broadcast-too-large"]))

spec("scan_parquet",
     """Q23/Q24: the scan_csv query on the same rows stored as Parquet (column
     pruning, no inference).""",
     absent=but(BATCH, add=["partitions-too-many", "broadcast-too-large", "spill", "skew"]))

spec("q11_repartition_write",
     """Q11: 6M events written with repartition("event_date").write.parquet (not
     partitioned on disk), then a one-day query reads every file: no partition
     pruning possible.""",
     expect=[e("no-partition-pruning", "Q11", operator="Scan parquet")],
     absent=but(BATCH, "no-partition-pruning", add=["partitions-too-many", "broadcast-too-large"]))

spec("q11_partitionby_write",
     """Q11 done right: repartition("event_date").write.partitionBy("event_date"):
     30 directories with one file each; the one-day query reads 1 partition.""",
     absent=but(BATCH, add=["partitions-too-many", "broadcast-too-large"]))

spec("scan_no_pruning",
     """Q25: a one-day query on a 4M-event table partitioned by event_date that
     filters on the timestamp column: all 30 partitions are read.""",
     expect=[e("no-partition-pruning", "Q25", operator="Scan parquet")],
     absent=but(BATCH, "no-partition-pruning", add=["partitions-too-many", "broadcast-too-large"]))

spec("scan_pruned",
     """Q25 done right: the same query filtering on the partition column: 1 of 30
     partitions read.""",
     absent=but(BATCH, add=["partitions-too-many", "broadcast-too-large", "spill", "skew"]))

spec("merged_schema",
     """Q26: a table written in three batches with a growing schema (600 files)
     read with mergeSchema (option and spark.sql.parquet.mergeSchema=true): the
     schema job inside DataFrameReader.parquet reads every footer first.""",
     expect=[e("merged-schema", "Q26")],
     absent=but(BATCH, "merged-schema", "small-files-read",
                add=["partitions-too-many", "broadcast-too-large", "spill"]))

# query.stop() cancels the micro-batch that is running, which leaves a
# FAILED (cancelled) stage/job behind: stage-failure and task-failures are
# therefore in neither list for the streaming scenarios
NOT_STREAMING_BATCH = ["executor-loss", "fetch-failure"] + CACHE + FILES + CONFIG + [
    "long-lineage", "broadcast-too-large", "broadcast-missed", "spill", "skew",
    "partitions-too-few", "row-explosion"]

spec("stream_watermark",
     """Q27/Q29: rate source 2000 rows/s, 10% of events 2 minutes late, 5 s windows
     with a 10 s watermark, 2 s trigger, ~20 s: state stays bounded, late rows are
     dropped by the watermark.""",
     expect=[e("streaming-watermark-drops", "Q27")],
     absent=but(NOT_STREAMING_BATCH, add=["streaming-state-growth", "streaming-backlog",
                                          "streaming-input-outpaces"]))

spec("stream_no_watermark",
     """Q29: the windowed count without a watermark (1 s windows x 100 keys): the
     state store grows every batch.""",
     expect=[e("streaming-state-growth", "Q29")],
     absent=but(NOT_STREAMING_BATCH, add=["streaming-watermark-drops", "streaming-backlog",
                                          "streaming-input-outpaces"]))

spec("stream_falling_behind",
     """Q27-Q30: rate source 4000 rows/s, a per-row lookup (0.5 ms sleep) limits
     processing to ~3000 rows/s, 1 s trigger: every batch is longer than the trigger and the
     input rate exceeds the processing rate.""",
     expect=[e("streaming-batch-slow", "Q28", args={"trigger_ms": 1000}),
             e("streaming-input-outpaces", "Q28")],
     absent=but(NOT_STREAMING_BATCH,
                add=["streaming-watermark-drops", "streaming-backlog", "streaming-state-growth"]))

spec("stream_backlog",
     """Q30: file source (maxFilesPerTrigger=10), stopped after ~10 s, 100 files
     arrive while it is down, restarted on the same checkpoint: ~10 batches at
     the 10-file cap work through the backlog.""",
     expect=[e("streaming-backlog", "Q30")],
     absent=but(NOT_STREAMING_BATCH, "small-files-read",
                add=["streaming-watermark-drops"]))

spec("killed_driver",
     """A run whose driver JVM was killed with SIGKILL ~20 s into its third job:
     the log is left .inprogress (zstd) exactly as Spark wrote it; two jobs
     completed, the third has running tasks and never ends.""",
     absent=but(BATCH, add=["partitions-too-many", "broadcast-too-large", "spill", "skew"]),
     driver_killed=True)

spec("driver_bound",
     """Q1: four small aggregations, each followed by ~12 s of row-by-row Python work
     on the collected rows in the driver: about 48 s with no stage running while
     the executors idle.""",
     expect=[e("driver-bottleneck", "Q1")],
     absent=but(BATCH, add=["skew", "spill", "partitions-too-few", "broadcast-too-large",
                            "broadcast-missed", "row-explosion", "gc-pressure"]))


# ---------------------------------------------------------------------------
# Cluster runs (testdata/spark/generate --cluster): a real standalone cluster,
# master on 127.0.0.1 and three 1-core workers on 127.0.0.2-4, executors of
# 1 core.  ``observed`` problems are real problems that a run may or may not
# show (e.g. whether a reduce task fetched from the killed executor): measured
# on each run, found (strict) -> expect, nothing (loose) -> absent, else
# neither.  ``side`` problems are side effects of a cluster run (the first
# task of a fresh executor is slower, ...): found (loose) -> neither list,
# recorded under "side" with its numbers; nothing -> absent.  What no cluster
# run has by construction:
CLUSTER_QUIET = STREAMING + CACHE + ["append-write", "merged-schema", "no-partition-pruning",
                                     "long-lineage", "config-aqe-off", "config-broadcast-disabled",
                                     "broadcast-too-large", "row-explosion", "partitions-too-many"]
NEW_CLUSTER = ["slow-host", "executor-warmup", "straggler", "driver-stall", "spark-listing",
               "schema-inference", "waiting-for-executors"]


def cspec(name, description, expect=(), absent=(), observed=(), side=(), maybe=(), **kw):
    spec(name, description, expect=expect, absent=absent, observed=list(observed),
         side=list(side), maybe=maybe, cluster=True, **kw)


cspec("cluster_skew_agg",
      """Cluster: window aggregation (running revenue per country) over 2M rows,
      80% on 'US', 12 shuffle partitions, AQE coalescing off, on three 1-core
      executors (768 MB): the reducer of 'US' sorts ~1.6M rows while 11 others
      finish in a fraction of a second.""",
      expect=[e("skew", "Q3", operator="Window")],
      absent=but(CLUSTER_QUIET + FAILURES + FILES + CONFIG, "small-files-write",
                 add=["slow-host", "straggler", "driver-stall", "driver-bottleneck",
                      "spark-listing", "schema-inference", "broadcast-missed"]),
      side=["executor-warmup", "waiting-for-executors", "small-files-write"])

cspec("cluster_skew_join",
      """Cluster: 3M orders (80% with user_id 0) sort-merge-joined with 500k users,
      AQE on but spark.sql.adaptive.skewJoin.enabled=false, 12 partitions, three
      1-core executors: one join task sorts and joins ~2.4M rows.""",
      expect=[e("skew", "Q6", operator="SortMergeJoin"), e("config-skew-join-off", "Q6")],
      absent=but(CLUSTER_QUIET + FAILURES + FILES + CONFIG, "config-skew-join-off",
                 add=["slow-host", "straggler", "driver-stall", "driver-bottleneck",
                      "spark-listing", "schema-inference"]),
      # The scenario sets autoBroadcastJoinThreshold=1m, so the 3.7 MiB users
      # side is shuffled; but the large side is ~38 MiB, under the 64 MiB at
      # which that shuffle costs enough to report (BCAST002): a side effect.
      side=["executor-warmup", "waiting-for-executors", "broadcast-missed"])

cspec("cluster_skew_join_aqe",
      """Cluster: the same skewed join with AQE skew-join handling on (threshold
      8 MB, advisory size 1 MB): the hot partition is split at map-output
      boundaries, no join task dominates.""",
      absent=but(CLUSTER_QUIET + FAILURES + FILES + CONFIG,
                 add=["skew", "slow-host", "straggler", "driver-stall", "driver-bottleneck",
                      "spark-listing", "schema-inference"]),
      # The scenario sets autoBroadcastJoinThreshold=1m, so the 3.7 MiB users
      # side is shuffled; but the large side is ~38 MiB, under the 64 MiB at
      # which that shuffle costs enough to report (BCAST002): a side effect.
      side=["executor-warmup", "waiting-for-executors", "broadcast-missed"])

cspec("cluster_slow_host",
      """Cluster: balanced data, but every task on the executor of worker
      127.0.0.3 takes 6 s longer (a throttled host): in each of the four
      stages with a Python UDF the slowest tasks are all on that host.""",
      expect=[e("slow-host", [])],
      absent=but(CLUSTER_QUIET + FAILURES + FILES + CONFIG,
                 add=["skew", "spill", "driver-stall", "driver-bottleneck", "spark-listing",
                      "schema-inference", "broadcast-missed", "partitions-too-few"]),
      side=["executor-warmup", "waiting-for-executors", "straggler"])

cspec("cluster_executor_killed",
      """Cluster: while the reduce stage of a 3M-row aggregation runs (2 s per
      task), a driver thread SIGKILLs the executor JVM of worker 127.0.0.3 (its
      CoarseGrainedExecutorBackend PID): lost task, lost map outputs, reduce
      tasks fail with FetchFailed, map and reduce stages re-run, the worker
      starts a replacement executor and the job completes (the FAILED first
      attempt of the reduce stage is part of this recovery: stage-failure is
      in neither list, as for the local executor_loss).""",
      expect=[e("executor-loss", "Q19"), e("task-failures", "Q19")],
      absent=but(CLUSTER_QUIET + FILES + CONFIG,
                 add=["skew", "spill", "driver-stall", "driver-bottleneck", "spark-listing",
                      "schema-inference", "broadcast-missed", "partitions-too-few"]),
      observed=["fetch-failure"],
      side=["executor-warmup", "waiting-for-executors", "slow-host", "straggler"])

cspec("cluster_dynamic_allocation",
      """Cluster: dynamic allocation with shuffle tracking, no initial executors,
      idle timeout 5 s (10 s with shuffle data), at most 3: the first job waits
      for executors to start; the driver then idles 25 s and the executors are
      removed by the allocation manager; the second job waits for new
      executors again (cold start).""",
      expect=[e("waiting-for-executors", [])],
      absent=but(CLUSTER_QUIET + FAILURES + FILES + CONFIG,
                 add=["skew", "spill", "spark-listing", "schema-inference", "broadcast-missed",
                      "partitions-too-few", "slow-host"]),
      observed=["executor-warmup", "driver-stall"],
      side=["driver-bottleneck", "straggler"])

cspec("cluster_speculation",
      """Cluster: spark.speculation=true (quantile 0.5, multiplier 2); in a
      12-task stage over balanced data the first attempt of partition 7 hangs
      for 40 s; a speculative copy on another executor finishes in about a
      second and the original is killed.""",
      expect=[e("straggler", [])],
      absent=but(CLUSTER_QUIET + ["executor-loss", "fetch-failure", "stage-failure"] + FILES
                 + CONFIG,
                 add=["skew", "spill", "spark-listing", "schema-inference", "broadcast-missed",
                      "partitions-too-few", "driver-stall", "driver-bottleneck"]),
      side=["executor-warmup", "waiting-for-executors", "slow-host"])

cspec("cluster_listing",
      """Cluster: spark.read.parquet of 2000 directory paths (one 500-row file
      each): Spark's own parallel job 'Listing leaf files and directories for
      2000 paths' runs first, then the query opens 2000 tiny files.""",
      expect=[e("spark-listing", []), e("small-files-read", "Q5", operator="Scan parquet")],
      absent=but(CLUSTER_QUIET + FAILURES + CONFIG + ["small-files-write", "row-format-scan"],
                 add=["skew", "spill", "driver-stall", "driver-bottleneck", "schema-inference",
                      "broadcast-missed", "partitions-too-few", "slow-host"]),
      side=["executor-warmup", "waiting-for-executors", "straggler"])

cspec("cluster_schema_inference",
      """Cluster: 600k events read as JSON (6 files) and as CSV with header and
      inferSchema (6 files), no schema given: each read first scans the files
      to infer the schema, then the query reads them again.""",
      expect=[e("schema-inference", ["Q23"])],
      absent=but(CLUSTER_QUIET + FAILURES + CONFIG + ["small-files-write", "small-files-read"],
                 add=["skew", "spill", "driver-stall", "driver-bottleneck", "spark-listing",
                      "broadcast-missed", "partitions-too-few", "slow-host"]),
      observed=["row-format-scan"],
      side=["executor-warmup", "waiting-for-executors", "straggler"])

cspec("cluster_long_job",
      """Cluster: three rounds of daily reporting over 3M events (balanced
      aggregations, broadcast join, top-20 sort), several minutes in all, with
      two real problems inside: a skewed running total per country (80% 'US')
      in round 1 and a partitionBy(day) write from 12 tasks in round 2 (12
      tasks x 30 days = 360 files of ~200 KB: expected only when it meets the
      strict small-files threshold).  The small costs of any cluster run must stay quiet or info.""",
      expect=[e("skew", "Q3", operator="Window")],
      absent=but(CLUSTER_QUIET + FAILURES + CONFIG + ["small-files-read", "row-format-scan"],
                 add=["driver-stall", "driver-bottleneck", "spark-listing", "schema-inference",
                      "broadcast-missed", "partitions-too-few", "slow-host"]),
      observed=["small-files-write"],
      side=["executor-warmup", "waiting-for-executors", "straggler", "spill"])

cspec("cluster_warmup",
      """Cluster: the first job after the three executors register scores 36
      balanced partitions with a Python UDF that builds its table once per
      Python worker (~3 s): the first task on each executor is slow, the others
      are not; same bytes per task everywhere.  A second job runs warm.""",
      expect=[e("executor-warmup", [])],
      absent=but(CLUSTER_QUIET + FAILURES + FILES + CONFIG,
                 add=["skew", "spill", "driver-stall", "driver-bottleneck", "spark-listing",
                      "schema-inference", "broadcast-missed", "partitions-too-few", "slow-host"]),
      side=["waiting-for-executors", "straggler"])

cspec("cluster_driver_stall",
      """Cluster: an aggregation, collect() of its 100k rows, ~30 s of a plain
      Python loop over them in the driver while the executors idle, then two
      more aggregations.""",
      expect=[e("driver-stall", ["Q1"])],
      absent=but(CLUSTER_QUIET + FAILURES + FILES + CONFIG,
                 add=["skew", "spill", "spark-listing", "schema-inference",
                      "partitions-too-few", "slow-host"]),
      observed=["driver-bottleneck"],
      side=["executor-warmup", "waiting-for-executors", "straggler", "broadcast-missed"])

_HEALTHY_OBS = ["executor-warmup", "waiting-for-executors"]

cspec("cluster_healthy_agg",
      """Cluster, healthy: balanced aggregations (revenue per country and day,
      spend per user) of 3M events in 8 Parquet files on three 1-core
      executors; defaults (AQE on).  Must get no warning.""",
      absent="ALL_BUT_EXPECTED", maybe=[], side=_HEALTHY_OBS, healthy=True)

cspec("cluster_healthy_join",
      """Cluster, healthy: 3M events broadcast-joined with a 50-row dimension and
      sort-merge-joined with 300k user profiles (balanced keys), spend per
      region and segment; defaults (AQE on).  Must get no warning.""",
      absent="ALL_BUT_EXPECTED", side=_HEALTHY_OBS, healthy=True)

cspec("cluster_healthy_etl",
      """Cluster, healthy ETL: 3M events filtered, two derived columns, written
      as 6 Parquet files, read back and counted per country; defaults (AQE
      on).  Must get no warning.""",
      absent="ALL_BUT_EXPECTED", side=_HEALTHY_OBS, healthy=True)
