"""Q6: skewed sort-merge join -- 80% of the orders have user_id 0 ("guest").

10M orders join 2M users on user_id (users is too big to broadcast), revenue per
segment.  Run twice by the wrappers skew_join_off.py / skew_join_on.py with the
same AQE settings except spark.sql.adaptive.skewJoin.enabled: off, one reducer
sorts and joins ~8M rows; on, AQE splits that partition into ~2 MB pieces, the size
of a normal partition (AQE can only split at map-output boundaries, hence 48
input files of ~2.6 MB and 3 MB input splits: 48 map tasks).  The skew
thresholds are scaled down with the data (16 MB instead of 256 MB).
"""
from pyspark.sql import functions as F

import common

ORDERS = "skew_join_orders_10m_48f"
USERS = "skew_join_users_2m_48f"


def setup(spark, ctx):
    def orders():
        h = F.pmod(F.xxhash64(F.col("id"), F.lit(3)), F.lit(100))
        return (spark.range(0, 10_000_000, 1, 48)
                .withColumn("user_id", F.when(h < 80, F.lit(0)).otherwise(
                    F.pmod(F.xxhash64(F.col("id"), F.lit(5)), F.lit(2_000_000))))
                .withColumn("amount", F.pmod(F.xxhash64(F.col("id"), F.lit(9)), F.lit(10000)) / 100.0)
                .withColumn("sku", F.concat(F.lit("SKU-"), (F.col("id") % 100000).cast("string"))))

    def users():
        return (spark.range(0, 2_000_000, 1, 48).withColumnRenamed("id", "user_id")
                .withColumn("segment", F.concat(F.lit("S"), (F.col("user_id") % 7).cast("string")))
                .withColumn("name", F.sha1(F.col("user_id").cast("string"))))

    common.write_once(spark, ctx.data_path(ORDERS), orders)
    common.write_once(spark, ctx.data_path(USERS), users)


def body(spark, ctx):
    spark.sparkContext.setJobDescription("revenue per user segment")
    orders = spark.read.parquet(ctx.data_path(ORDERS))
    users = spark.read.parquet(ctx.data_path(USERS))
    out = (orders.join(users, "user_id")
           .groupBy("segment").agg(F.sum("amount").alias("revenue"),
                                   F.count("*").alias("orders"),
                                   F.countDistinct("sku").alias("skus")))
    out.collect()


def main(name, skew_join_enabled, codec):
    common.run(name, body, setup=setup, codec=codec, driver_memory="3g", conf={
        "spark.sql.shuffle.partitions": "32",
        "spark.sql.adaptive.enabled": "true",
        "spark.sql.adaptive.coalescePartitions.enabled": "false",
        "spark.sql.adaptive.skewJoin.enabled": str(skew_join_enabled).lower(),
        "spark.sql.adaptive.skewJoin.skewedPartitionThresholdInBytes": "16m",
        "spark.sql.adaptive.advisoryPartitionSizeInBytes": "2m",
        "spark.sql.files.maxPartitionBytes": "3m",
    })
