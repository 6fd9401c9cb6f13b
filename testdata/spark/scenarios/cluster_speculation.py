"""Cluster: speculation on, with a real straggler.

spark.speculation=true (quantile 0.5, multiplier 2, checked every 200 ms).
In a 12-task stage over balanced data, the first attempt of partition 7
hangs for 40 s (a stuck read, whatever host runs it); Spark launches a
speculative copy on another executor, which finishes in about a second, and
kills the original.  The job takes a few seconds instead of 40.
"""
from pyspark.sql import functions as F
from pyspark.sql.types import LongType

import cluster_util
import common


def body(spark, ctx):
    common.wait_executors(spark, 3)
    spark.sparkContext.setJobDescription("warm up the Python workers")
    spark.range(0, 30_000, 1, 6).withColumn(
        "x", F.udf(lambda x: x, LongType())("id")).agg(F.sum("x")).collect()
    spark.sparkContext.setJobDescription("totals with one stuck task")
    hang = F.udf(cluster_util.once_per_task(
        lambda host, tc: 40 if tc.partitionId() == 7 and tc.attemptNumber() == 0 else 0), LongType())
    (spark.range(0, 1_200_000, 1, 12).withColumn("v", hang(F.col("id")))
     .groupBy((F.col("id") % 997).alias("k")).agg(F.sum("v").alias("s")).collect())
    spark.sparkContext.setJobDescription("totals, no straggler")
    (spark.range(0, 1_200_000, 1, 12)
     .groupBy((F.col("id") % 991).alias("k")).agg(F.sum("id").alias("s")).collect())


if __name__ == "__main__":
    common.cluster_run("cluster_speculation", body, conf={
        "spark.speculation": "true",
        "spark.speculation.interval": "200ms",
        "spark.speculation.quantile": "0.5",
        "spark.speculation.multiplier": "2",
        "spark.sql.adaptive.coalescePartitions.enabled": "false",
    })
