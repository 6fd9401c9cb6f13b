"""Healthy job: nothing should be reported.

4M balanced orders (8 Parquet files of ~15 MB) joined with a 50-row country
dimension (broadcast), revenue per region and per day, written as 1 file.
Defaults everywhere (AQE on); enough memory; no caching, no retries.
"""
from pyspark.sql import functions as F

import common

DATA = "healthy_orders_4m"


def setup(spark, ctx):
    common.write_once(spark, ctx.data_path(DATA),
                      lambda: common.events_table(spark, 4_000_000, 8, payload=False))


def body(spark, ctx):
    orders = spark.read.parquet(ctx.data_path(DATA))
    dim = common.dim_countries(spark)
    spark.sparkContext.setJobDescription("revenue per region")
    per_region = (orders.join(F.broadcast(dim), "country")
                  .groupBy("region").agg(F.sum("amount").alias("revenue"),
                                         F.countDistinct("user_id").alias("users")))
    per_region.collect()
    spark.sparkContext.setJobDescription("revenue per day")
    per_day = orders.groupBy("event_date").agg(F.sum("amount").alias("revenue"),
                                               F.count("*").alias("orders"))
    per_day.coalesce(1).write.mode("overwrite").parquet(ctx.fresh_work_path("healthy_out"))


if __name__ == "__main__":
    common.run("healthy", body, setup=setup, codec="none", driver_memory="2g")
