"""Cluster: skewed window aggregation -- 80% of 2M rows carry the key 'US'.

The reducer that owns 'US' (on one of the three 1-core executors) sorts and
scans ~1.6M rows while the other 11 reducers finish in a fraction of a
second; AQE coalescing is off so every shuffle partition is its own task.
"""
from pyspark.sql import Window
from pyspark.sql import functions as F

import common

FACT = "cluster_skew_fact_2m"


def setup(spark, ctx):
    common.write_once(spark, ctx.data_path(FACT),
                      lambda: common.fact_table(spark, 2_000_000, 6, other_keys=2000,
                                                payload=False))


def body(spark, ctx):
    common.wait_executors(spark, 3)
    spark.sparkContext.setJobDescription("running revenue per country")
    df = spark.read.parquet(ctx.data_path(FACT))
    w = Window.partitionBy("country").orderBy("id").rowsBetween(Window.unboundedPreceding, 0)
    out = (df.withColumn("running", F.sum("amount").over(w))
             .groupBy("country")
             .agg(F.max("running").alias("revenue"), F.count("*").alias("orders")))
    out.write.mode("overwrite").parquet(ctx.fresh_work_path("cluster_skew_agg_out"))


if __name__ == "__main__":
    common.cluster_run("cluster_skew_agg", body, setup=setup, conf={
        "spark.executor.memory": "768m",
        "spark.sql.adaptive.coalescePartitions.enabled": "false",
    })
