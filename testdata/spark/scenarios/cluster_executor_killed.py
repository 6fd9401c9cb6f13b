"""Cluster: an executor JVM is SIGKILLed mid-stage.

After a warm-up job, an aggregation of 3M rows shuffles its map output to all
three executors; while its reduce stage runs (each reduce task takes ~2 s), a
driver thread SIGKILLs the executor JVM of worker 127.0.0.3 (found by its PID:
the CoarseGrainedExecutorBackend process with --hostname 127.0.0.3 and this
application's --app-id).  Its
running task is lost, its map outputs are gone, reduce tasks that fetch them
fail with FetchFailed, Spark re-runs the lost map tasks and the reduce stage,
the worker starts a replacement executor, and the job completes.
"""
import os

from pyspark.sql import functions as F
from pyspark.sql.types import LongType

import cluster_util
import common

VICTIM = "127.0.0.3"


def reduce_delay(host, tc):
    # the reduce stage: mark that it runs (for the driver thread), 2 s per task
    marker = os.environ.get("SPARKDIAG_KILL_MARKER")
    if marker:
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            pass
    return 2


def body(spark, ctx):
    common.wait_executors(spark, 3)
    marker = os.environ["SPARKDIAG_KILL_MARKER"]
    if os.path.exists(marker):
        os.remove(marker)
    spark.sparkContext.setJobDescription("warm up executors")
    spark.range(0, 300_000, 1, 6).groupBy((F.col("id") % 7).alias("k")).count().collect()
    killer = cluster_util.kill_executor_when(
        lambda: os.path.exists(marker) and _sleep(1.5),
        VICTIM, spark.sparkContext.applicationId)
    spark.sparkContext.setJobDescription("aggregate while an executor dies")
    delay = F.udf(cluster_util.once_per_task(reduce_delay), LongType())
    (spark.range(0, 3_000_000, 1, 12)
     .withColumn("k", F.col("id") % 5000)
     .groupBy("k").agg(F.sum("id").alias("s"))
     .withColumn("s2", delay(F.col("s")))
     .agg(F.sum("s2")).collect())
    killer.join(1)
    print(f"[cluster_executor_killed] killed {killer.killed}")
    spark.sparkContext.setJobDescription("after the loss")
    spark.range(0, 300_000, 1, 6).groupBy((F.col("id") % 11).alias("k")).count().collect()


def _sleep(s):
    import time
    time.sleep(s)
    return True


if __name__ == "__main__":
    import tempfile
    os.environ.setdefault("SPARKDIAG_KILL_MARKER",
                          os.path.join(tempfile.mkdtemp(prefix="kill-"), "reduce.started"))
    common.cluster_run("cluster_executor_killed", body, conf={
        "spark.sql.adaptive.coalescePartitions.enabled": "false",
        "spark.executorEnv.SPARKDIAG_KILL_MARKER": os.environ["SPARKDIAG_KILL_MARKER"],
    })
