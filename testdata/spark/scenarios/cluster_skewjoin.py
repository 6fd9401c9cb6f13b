"""Shared code of cluster_skew_join / cluster_skew_join_aqe: 3M orders (80%
with user_id 0, the "guest") sort-merge-joined with 500k users on a 3-executor
cluster, revenue per segment.  The two scenarios differ only in
spark.sql.adaptive.skewJoin.enabled; the skew thresholds are scaled to the
data (8 MB instead of 256 MB, advisory partition size 1 MB), 24 input files.
"""
from pyspark.sql import functions as F

import common

ORDERS = "cluster_skew_orders_3m_24f"
USERS = "cluster_skew_users_500k"


def setup(spark, ctx):
    def orders():
        h = F.pmod(F.xxhash64(F.col("id"), F.lit(3)), F.lit(100))
        return (spark.range(0, 3_000_000, 1, 24)
                .withColumn("user_id", F.when(h < 80, F.lit(0)).otherwise(
                    F.pmod(F.xxhash64(F.col("id"), F.lit(5)), F.lit(500_000))))
                .withColumn("amount", F.pmod(F.xxhash64(F.col("id"), F.lit(9)), F.lit(10000)) / 100.0)
                .withColumn("sku", F.concat(F.lit("SKU-"), (F.col("id") % 100000).cast("string"))))

    def users():
        return (spark.range(0, 500_000, 1, 6).withColumnRenamed("id", "user_id")
                .withColumn("segment", F.concat(F.lit("S"), (F.col("user_id") % 7).cast("string")))
                .withColumn("name", F.sha1(F.col("user_id").cast("string"))))

    common.write_once(spark, ctx.data_path(ORDERS), orders)
    common.write_once(spark, ctx.data_path(USERS), users)


def body(spark, ctx):
    common.wait_executors(spark, 3)
    spark.sparkContext.setJobDescription("revenue per user segment")
    orders = spark.read.parquet(ctx.data_path(ORDERS))
    users = spark.read.parquet(ctx.data_path(USERS))
    out = (orders.join(users, "user_id")
           .groupBy("segment").agg(F.sum("amount").alias("revenue"),
                                   F.count("*").alias("orders"),
                                   F.countDistinct("sku").alias("skus")))
    out.collect()


def main(name, skew_join_enabled):
    common.cluster_run(name, body, setup=setup, conf={
        "spark.executor.memory": "768m",
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.adaptive.coalescePartitions.enabled": "false",
        "spark.sql.autoBroadcastJoinThreshold": "1m",
        "spark.sql.adaptive.skewJoin.enabled": str(skew_join_enabled).lower(),
        "spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes": "8m",
        "spark.sql.adaptive.advisoryPartitionSizeInBytes": "1m",
        "spark.sql.files.maxPartitionBytes": "2m",
    })
