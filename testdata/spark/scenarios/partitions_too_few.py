"""Q13: too few shuffle partitions -- 2 huge partitions that spill.

Per-user totals over 3M events (1M distinct users, 40-char payload kept via
max()) with spark.sql.shuffle.partitions=2: each reducer reads ~150 MB of
shuffle data and its hash aggregation / sort spills.  AQE is on (default) but
can only coalesce, never split an aggregation's partitions.
"""
from pyspark.sql import functions as F

import common

DATA = common.EVENTS


def setup(spark, ctx):
    common.ensure_events(spark, ctx)


def body(spark, ctx):
    spark.sparkContext.setJobDescription("per-user totals")
    ev = spark.read.parquet(ctx.data_path(DATA))
    out = (ev.groupBy("user_id", "country")
           .agg(F.sum("amount").alias("spent"), F.count("*").alias("n"),
                F.max("payload").alias("last_payload"), F.min("ts").alias("first")))
    out.write.mode("overwrite").parquet(ctx.fresh_work_path("too_few_out"))


if __name__ == "__main__":
    common.run("partitions_too_few", body, setup=setup, driver_memory="1g", conf={
        "spark.sql.shuffle.partitions": "2",
    })
