"""Q11 done right: repartition("event_date") + write.partitionBy("event_date"):
one directory (and one file) per day; the one-day query reads a single
partition."""
from pyspark.sql import functions as F

import common


def body(spark, ctx):
    out = ctx.fresh_work_path("q11_partitioned")
    spark.sparkContext.setJobDescription("write partitioned by date")
    (common.events_table(spark, 6_000_000, 8).repartition("event_date")
     .write.mode("overwrite").partitionBy("event_date").parquet(out))
    spark.sparkContext.setJobDescription("one-day query")
    day = spark.read.parquet(out).where(F.col("event_date") == "2024-01-15")
    day.groupBy("country").agg(F.sum("amount"), F.max("payload")).collect()


if __name__ == "__main__":
    common.run("q11_partitionby_write", body, driver_memory="2g", conf={
        "spark.sql.shuffle.partitions": "200",
    })
