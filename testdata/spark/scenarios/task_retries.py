"""Q19: task failures that are retried and succeed.

local[2,4] (up to 4 attempts per task).  A Python UDF raises on the first
attempt of 3 of the 16 partitions (a "flaky" external lookup); the retries
succeed and the job completes.
"""
from pyspark import TaskContext
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType

import common


def flaky_lookup(x):
    tc = TaskContext.get()
    if tc.partitionId() in (3, 7, 11) and tc.attemptNumber() == 0:
        raise RuntimeError(f"lookup service timeout (partition {tc.partitionId()})")
    return float(x) * 1.1


def body(spark, ctx):
    spark.sparkContext.setJobDescription("enrich with flaky lookup")
    udf = F.udf(flaky_lookup, DoubleType())
    df = spark.range(0, 400_000, 1, 16).withColumn("v", udf(F.col("id") % 1000))
    df.groupBy((F.col("id") % 10).alias("k")).agg(F.sum("v")).collect()


if __name__ == "__main__":
    common.run("task_retries", body, master="local[2,4]", driver_memory="2g")
