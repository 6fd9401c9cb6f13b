"""Q27/Q29: a windowed count with a 10 s watermark and some late events.

Rate source, 2000 rows/s; 10% of the events carry an event time 2 minutes in
the past (late arrivals); 5-second windows per key with
withWatermark("event_time", "10 seconds"), update mode, 2 s trigger, ~20 s.
State stays bounded (old windows are evicted) and the late rows are dropped
by the watermark (numRowsDroppedByWatermark > 0).
"""
from pyspark.sql import functions as F

import common
import streaming_common


def body(spark, ctx):
    src = (spark.readStream.format("rate").option("rowsPerSecond", 2000)
           .option("numPartitions", 2).load())
    ev = src.withColumn("event_time", F.when(F.col("value") % 10 == 0,
                                             F.col("timestamp") - F.expr("INTERVAL 2 MINUTES"))
                        .otherwise(F.col("timestamp")))
    counts = (ev.withWatermark("event_time", "10 seconds")
              .groupBy(F.window("event_time", "5 seconds"), (F.col("value") % 10).alias("k"))
              .count())
    q = (counts.writeStream.format("noop").outputMode("update")
         .option("checkpointLocation", ctx.fresh_work_path("ckpt_watermark"))
         .trigger(processingTime="2 seconds").queryName("windowed_counts").start())
    streaming_common.run_for(q, 20, min_batches=8, max_seconds=60)


if __name__ == "__main__":
    common.run("stream_watermark", body, driver_memory="2g", conf={
        "spark.sql.shuffle.partitions": "4",
    })
