"""Cluster, healthy: the 3M events broadcast-joined with a 50-row country
dimension, then sort-merge-joined with 300k user profiles (balanced keys),
spend per region and segment.  Defaults (AQE on).  Must get no warning."""
from pyspark.sql import functions as F

import common

USERS = "cluster_users_300k"


def setup(spark, ctx):
    common.ensure_events(spark, ctx)
    common.write_once(spark, ctx.data_path(USERS), lambda: (
        spark.range(0, 300_000, 1, 4).withColumnRenamed("id", "uid")
        .withColumn("segment", F.concat(F.lit("S"), (F.col("uid") % 9).cast("string")))
        .withColumn("profile", F.sha1(F.col("uid").cast("string")))))


def body(spark, ctx):
    common.wait_executors(spark, 3)
    ev = spark.read.parquet(ctx.data_path(common.EVENTS)).withColumn("uid", F.col("user_id") % 300_000)
    users = spark.read.parquet(ctx.data_path(USERS))
    spark.sparkContext.setJobDescription("spend per region and segment")
    (ev.join(F.broadcast(common.dim_countries(spark)), "country")
     .join(users, "uid")
     .groupBy("region", "segment").agg(F.sum("amount"), F.countDistinct("uid")).collect())


if __name__ == "__main__":
    common.cluster_run("cluster_healthy_join", body, setup=setup, conf={
        "spark.executor.memory": "768m",
    })
