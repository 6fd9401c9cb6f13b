"""A run whose driver JVM is killed (kill -9) mid-job: the event log stays
``.inprogress`` exactly as Spark left it (zstd: a run of complete frames, the
last one possibly cut).  Two jobs complete, the third (a slow Python UDF
stage) is running when the driver dies ~20 s after start.
"""
import os
import signal
import threading
import time

from pyspark.sql import functions as F
from pyspark.sql.types import LongType

import common


def slow(v):
    time.sleep(0.01)
    return v


def body(spark, ctx):
    jvm = spark.sparkContext._gateway.proc.pid
    with open(f"/proc/{jvm}/cmdline", "rb") as f:
        assert b"java" in f.read().split(b"\0")[0], "gateway process is not the JVM"

    def killer():
        time.sleep(20)
        os.kill(jvm, signal.SIGKILL)

    spark.sparkContext.setJobDescription("first report")
    spark.range(0, 2_000_000, 1, 4).groupBy((F.col("id") % 100).alias("k")).count().collect()
    spark.sparkContext.setJobDescription("second report")
    spark.range(0, 2_000_000, 1, 4).groupBy((F.col("id") % 10).alias("k")).sum("id").collect()
    threading.Thread(target=killer, daemon=True).start()
    spark.sparkContext.setJobDescription("slow enrichment (killed)")
    udf = F.udf(slow, LongType())
    spark.range(0, 100_000, 1, 8).withColumn("v", udf("id")).groupBy(
        (F.col("id") % 10).alias("k")).sum("v").collect()
    raise SystemExit("the driver should have been killed")


if __name__ == "__main__":
    common.run("killed_driver", body, layout="inprogress", driver_memory="1g")
