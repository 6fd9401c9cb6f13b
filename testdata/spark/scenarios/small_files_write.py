"""Q5: a write that produces thousands of tiny files.

2M events over 365 days, 8 input partitions, written with
partitionBy("event_date") and no repartition: every task writes one file per
day it holds, 8 x 365 = 2920 files of ~10 KB.
"""
from pyspark.sql import functions as F

import common


def body(spark, ctx):
    spark.sparkContext.setJobDescription("daily export")
    ev = common.events_table(spark, 2_000_000, 8, days=365, payload=False)
    (ev.write.mode("overwrite").partitionBy("event_date")
     .parquet(ctx.fresh_work_path("small_files_out")))


if __name__ == "__main__":
    common.run("small_files_write", body, codec="lzf", driver_memory="2g")
