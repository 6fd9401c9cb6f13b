"""Q11: repartitioned by date, but queries are still slow.

6M events written with df.repartition("event_date").write.parquet(...) --
repartition only decides which task writes which rows, the output is not
partitioned on disk -- then a one-day query reads it back: no partition
pruning is possible, every file is listed, opened and filtered.
"""
from pyspark.sql import functions as F

import common


def body(spark, ctx):
    out = ctx.fresh_work_path("q11_repartitioned")
    spark.sparkContext.setJobDescription("write repartitioned by date")
    (common.events_table(spark, 6_000_000, 8).repartition("event_date")
     .write.mode("overwrite").parquet(out))
    spark.sparkContext.setJobDescription("one-day query")
    day = spark.read.parquet(out).where(F.col("event_date") == "2024-01-15")
    day.groupBy("country").agg(F.sum("amount"), F.max("payload")).collect()


if __name__ == "__main__":
    common.run("q11_repartition_write", body, driver_memory="2g", conf={
        "spark.sql.shuffle.partitions": "200",
    })
