"""Q20: a job that fails near the end.

local[2,4].  A 20-task stage where one partition always hits a corrupt record:
its task fails 4 times, the stage is aborted and the job fails after 19 of 20
tasks succeeded ("fails at 95%").  An earlier job in the same application
succeeds; the driver catches the error and stops normally.
"""
from pyspark import TaskContext
from pyspark.sql import functions as F
from pyspark.sql.types import LongType

import common


def parse(x):
    tc = TaskContext.get()
    if tc.partitionId() == 19 and x % 5000 == 4999:
        raise ValueError(f"corrupt record {x}")
    return x * 2


def body(spark, ctx):
    spark.sparkContext.setJobDescription("load dimension")
    spark.range(0, 100_000, 1, 4).groupBy((F.col("id") % 10).alias("k")).count().collect()
    spark.sparkContext.setJobDescription("parse events")
    udf = F.udf(parse, LongType())
    df = spark.range(0, 200_000, 1, 20).withColumn("v", udf("id"))
    try:
        df.groupBy((F.col("id") % 10).alias("k")).agg(F.sum("v")).collect()
    except Exception as ex:  # noqa: BLE001
        print("job failed as intended:", str(ex).split("\n")[0][:200])


if __name__ == "__main__":
    common.run("stage_failure", body, master="local[2,4]", driver_memory="2g")
