"""Q27-Q30: a streaming query falling behind its 1-second trigger.

Rate source, 4000 rows/s in 2 partitions; every row is enriched by a
per-row lookup (a Python UDF that waits 0.5 ms, standing in for a remote
call), so 2 cores process ~3000 rows/s: each micro-batch takes longer than
the trigger interval, the next one has more rows, and the batches grow.
"""
import time

from pyspark.sql import functions as F
from pyspark.sql.types import LongType

import common
import streaming_common


def lookup(v):
    time.sleep(0.0005)
    return v % 97


def body(spark, ctx):
    src = (spark.readStream.format("rate").option("rowsPerSecond", 4000)
           .option("numPartitions", 2).load())
    enriched = src.withColumn("segment", F.udf(lookup, LongType())("value"))
    q = (enriched.writeStream.format("noop")
         .option("checkpointLocation", ctx.fresh_work_path("ckpt_behind"))
         .trigger(processingTime="1 second").queryName("enrich_events").start())
    streaming_common.run_for(q, 35, min_batches=6, max_seconds=90)


if __name__ == "__main__":
    common.run("stream_falling_behind", body, driver_memory="2g")
