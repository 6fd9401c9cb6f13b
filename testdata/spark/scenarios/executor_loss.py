"""Q19: an executor dies mid-job.

local-cluster[2,1,1024]: a standalone master and two workers in the driver
JVM, each worker running one 1-core executor JVM.  During the reduce stage of
a shuffle job the first reduce task kills its own executor JVM (SIGKILL, as an
OOM killer or a lost spot node would); the task is lost, the executor's map
outputs are gone, so Spark re-runs the lost map tasks and the reduce tasks on
the surviving / replacement executor and the job completes.
"""
import os
import signal

from pyspark.sql import functions as F
from pyspark.sql.types import LongType

import common


def executor_jvm_pid():
    """The executor JVM is the parent of the pyspark daemon, the parent of this worker."""
    pid = os.getppid()
    for _ in range(3):
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read()
        if b"CoarseGrainedExecutorBackend" in cmd:
            return pid
        with open(f"/proc/{pid}/stat") as f:
            pid = int(f.read().rsplit(")", 1)[1].split()[1])
    return None


def make_killer(marker):
    def crash_once(x):
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return x
        os.close(fd)
        pid = executor_jvm_pid()
        if pid:
            os.kill(pid, signal.SIGKILL)
        return x
    return crash_once


def body(spark, ctx):
    marker = ctx.work_path("executor_killed.marker")
    if os.path.exists(marker):
        os.remove(marker)
    spark.sparkContext.setJobDescription("warm up executors")
    spark.range(0, 100_000, 1, 4).groupBy((F.col("id") % 7).alias("k")).count().collect()
    spark.sparkContext.setJobDescription("aggregate with a crashing executor")
    df = (spark.range(0, 2_000_000, 1, 8)
          .withColumn("k", F.col("id") % 1000)
          .groupBy("k").agg(F.sum("id").alias("s")))
    killer = F.udf(make_killer(marker), LongType())
    df.withColumn("s2", killer("s")).agg(F.sum("s2")).collect()


if __name__ == "__main__":
    common.run("executor_loss", body, master="local-cluster[2,1,1024]", driver_memory="1g", conf={
        "spark.executor.memory": "768m",
        "spark.sql.shuffle.partitions": "8",
        "spark.sql.adaptive.coalescePartitions.enabled": "false",
    })
