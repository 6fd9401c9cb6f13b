"""Q12: collect_list on a low-cardinality key.

"Each device type's events in time order": all 3M events grouped by one of 4
device types with array_sort(collect_list(struct(ts, user_id, amount,
payload))).  The aggregation buffers hold every row as JVM objects (GC), the
partial aggregation cannot shrink anything so the whole table is shuffled as
8 giant rows, and 4 of the 16 reducers (AQE coalescing off) each build and
sort a ~750k-element array while the other 12 have nothing to do.
"""
from pyspark.sql import functions as F

import common

DATA = common.EVENTS


def setup(spark, ctx):
    common.ensure_events(spark, ctx)


def body(spark, ctx):
    spark.sparkContext.setJobDescription("payloads per device type")
    ev = spark.read.parquet(ctx.data_path(DATA))
    out = (ev.withColumn("device", (F.col("user_id") % 4).cast("string"))
           .groupBy("device")
           .agg(F.array_sort(F.collect_list(F.struct("ts", "user_id", "amount", "payload")))
                .alias("events"))
           .select("device", F.size("events").alias("n")))
    out.collect()


if __name__ == "__main__":
    common.run("collect_list", body, setup=setup, driver_memory="2g", conf={
        "spark.sql.shuffle.partitions": "16",
        "spark.sql.adaptive.coalescePartitions.enabled": "false",
    })
