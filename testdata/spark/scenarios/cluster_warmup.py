"""Cluster: first-wave warm-up, no skew.

The first job right after the three executors register scores 36 balanced
partitions with a Python UDF whose scoring table is built lazily, once per
Python worker (~3 s of Python work, like loading a model): the first task on
each executor (one Python worker per 1-core executor) is slow, the 33 others
are not.  Input and output per task are the same everywhere.  A second job
with a shuffle runs on the warm executors.
"""
from pyspark.sql import functions as F
from pyspark.sql.types import LongType

import cluster_util
import common

_TABLE = {}


def score(x):
    if not _TABLE:
        _TABLE["seed"] = cluster_util.burn(3.0)
    return (x * 31 + _TABLE["seed"]) % 1000


def body(spark, ctx):
    common.wait_executors(spark, 3)
    udf = F.udf(score, LongType())
    spark.sparkContext.setJobDescription("score orders (cold executors)")
    (spark.range(0, 1_800_000, 1, 36).withColumn("s", udf("id"))
     .agg(F.sum("s")).collect())
    spark.sparkContext.setJobDescription("scores per bucket (warm executors)")
    (spark.range(0, 1_800_000, 1, 36).withColumn("s", udf("id"))
     .groupBy((F.col("id") % 101).alias("k")).agg(F.sum("s")).collect())


if __name__ == "__main__":
    common.cluster_run("cluster_warmup", body, conf={
        "spark.sql.adaptive.coalescePartitions.enabled": "false",
    })
