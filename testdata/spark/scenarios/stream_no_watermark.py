"""Q29: the windowed count of stream_watermark without a watermark.

Rate source, 2000 rows/s, 1-second windows per key (100 keys), update mode,
2 s trigger, ~20 s: without a watermark no window is ever evicted, so the
state store grows every batch (numRowsTotal ~200 more rows per second).
"""
from pyspark.sql import functions as F

import common
import streaming_common


def body(spark, ctx):
    src = (spark.readStream.format("rate").option("rowsPerSecond", 2000)
           .option("numPartitions", 2).load())
    counts = (src.groupBy(F.window("timestamp", "1 second"), (F.col("value") % 100).alias("k"))
              .count())
    q = (counts.writeStream.format("noop").outputMode("update")
         .option("checkpointLocation", ctx.fresh_work_path("ckpt_no_watermark"))
         .trigger(processingTime="2 seconds").queryName("windowed_counts_no_wm").start())
    streaming_common.run_for(q, 20, min_batches=8, max_seconds=60)


if __name__ == "__main__":
    common.run("stream_no_watermark", body, driver_memory="2g", conf={
        "spark.sql.shuffle.partitions": "4",
    })
