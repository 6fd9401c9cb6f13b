"""Cluster: one slow host.  Every task that runs on the executor of worker
127.0.0.3 takes SLOW_SECONDS longer (a throttled / noisy machine), whatever
its data; the data is balanced.  Three stages in two jobs read, shuffle and
aggregate: the stragglers of every stage are on that one host.
"""
from pyspark.sql import functions as F
from pyspark.sql.types import LongType

import cluster_util
import common

SLOW_HOST = "127.0.0.3"
SLOW_SECONDS = 6


def slow(host, tc):
    return SLOW_SECONDS if host == SLOW_HOST else 0


def body(spark, ctx):
    common.wait_executors(spark, 3)
    spark.sparkContext.setJobDescription("warm up the Python workers")
    spark.range(0, 30_000, 1, 6).withColumn(
        "x", F.udf(lambda x: x, LongType())("id")).agg(F.sum("x")).collect()
    throttle = F.udf(cluster_util.once_per_task(slow), LongType())
    for i in range(2):
        spark.sparkContext.setJobDescription(f"scored totals {i}")
        df = (spark.range(0, 1_200_000, 1, 12)
              .withColumn("v", throttle(F.col("id")))
              .groupBy((F.col("id") % 997).alias("k")).agg(F.sum("v").alias("s"))
              .withColumn("s2", throttle(F.col("s")))
              .groupBy((F.col("k") % 7).alias("g")).agg(F.sum("s2").alias("t")))
        df.collect()


if __name__ == "__main__":
    common.cluster_run("cluster_slow_host", body, conf={
        "spark.sql.adaptive.coalescePartitions.enabled": "false",
    })
