"""Cluster, healthy: balanced aggregations of the shared 3M-event table
(8 Parquet files) on three 1-core executors: revenue per country and day, and
per user.  Defaults (AQE on).  Must get no warning."""
from pyspark.sql import functions as F

import common


def setup(spark, ctx):
    common.ensure_events(spark, ctx)


def body(spark, ctx):
    common.wait_executors(spark, 3)
    ev = spark.read.parquet(ctx.data_path(common.EVENTS))
    spark.sparkContext.setJobDescription("revenue per country and day")
    ev.groupBy("country", "event_date").agg(F.sum("amount"), F.count("*")).collect()
    spark.sparkContext.setJobDescription("spend per user")
    (ev.groupBy("user_id").agg(F.sum("amount").alias("s"))
     .agg(F.avg("s"), F.max("s")).collect())


if __name__ == "__main__":
    common.cluster_run("cluster_healthy_agg", body, setup=setup)
