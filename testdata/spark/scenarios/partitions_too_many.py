"""Q14: too many partitions -- thousands of tiny tasks.

A 1M-row aggregation with spark.sql.shuffle.partitions=4000 and AQE off (so
nothing coalesces them): the reduce stage runs 4000 tasks of a few
milliseconds reading a few KB each.  Written as a rolling event log
(maxFileSize 10m, the minimum): the task events make it roll.
"""
from pyspark.sql import functions as F

import common


def body(spark, ctx):
    spark.sparkContext.setJobDescription("counts per key")
    df = spark.range(0, 1_000_000, 1, 4).withColumn("k", F.col("id") % 50000)
    counts = df.groupBy("k").agg(F.count("*").alias("n"), F.sum("id").alias("s"))
    counts.collect()


if __name__ == "__main__":
    common.run("partitions_too_many", body, layout="rolling", driver_memory="2g", conf={
        "spark.sql.shuffle.partitions": "4000",
        "spark.sql.adaptive.enabled": "false",
    })
