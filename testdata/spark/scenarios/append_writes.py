"""Q22: repeated append writes to the same table.

A "daily" job run 10 times in one application, each time
write.mode("append") of its batch to the same Parquet path (not idempotent:
a retried day would duplicate rows; the table accumulates files).
"""
from pyspark.sql import functions as F

import common


def body(spark, ctx):
    out = ctx.fresh_work_path("append_table")
    for day in range(10):
        spark.sparkContext.setJobDescription(f"append day {day}")
        batch = (common.events_table(spark, 200_000, 2, payload=False)
                 .withColumn("load_day", F.lit(day)))
        batch.coalesce(1).write.mode("append").parquet(out)


if __name__ == "__main__":
    common.run("append_writes", body, driver_memory="2g")
