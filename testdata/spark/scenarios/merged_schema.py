"""Q26: reading Parquet with mergeSchema=true.

A table written in three batches over time, each adding a column
(v1: id, ts, amount; v2: + currency; v3: + channel), 200 files per batch.
The reader asks for mergeSchema (the option, and
spark.sql.parquet.mergeSchema=true as a session default), so the schema job
that Spark runs inside DataFrameReader.parquet() reads the footer of every
one of the 600 files (instead of one) to merge the schemas before the query
starts.
"""
import os

from pyspark.sql import functions as F

import common

TABLE = "merged_schema_table_600"


def setup(spark, ctx):
    path = ctx.data_path(TABLE)
    if common.dataset_ready(os.path.join(path, "batch=3")):
        return
    base = lambda lo: (spark.range(lo, lo + 600_000, 1, 4)  # noqa: E731
                       .withColumn("ts", F.timestamp_seconds(F.lit(1704067200) + F.col("id")))
                       .withColumn("amount", (F.col("id") % 1000) / 10.0))
    base(0).repartition(200).write.mode("overwrite").parquet(os.path.join(path, "batch=1"))
    (base(600_000).withColumn("currency", F.lit("EUR")).repartition(200)
     .write.mode("overwrite").parquet(os.path.join(path, "batch=2")))
    (base(1_200_000).withColumn("currency", F.lit("USD"))
     .withColumn("channel", F.when(F.col("id") % 2 == 0, "web").otherwise("app"))
     .repartition(200).write.mode("overwrite").parquet(os.path.join(path, "batch=3")))


def body(spark, ctx):
    spark.sparkContext.setJobDescription("revenue per channel, all batches")
    df = spark.read.option("mergeSchema", "true").parquet(ctx.data_path(TABLE))
    df.groupBy("batch", "currency", "channel").agg(F.sum("amount")).collect()


if __name__ == "__main__":
    common.run("merged_schema", body, setup=setup, driver_memory="2g", conf={
        "spark.sql.parquet.mergeSchema": "true",
    })
