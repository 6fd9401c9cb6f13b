"""Q12: a nested-loop (cartesian) join.

A join without an equality condition (every store against every promotion
window) between 4000 and 5000 rows: Spark can only plan a
BroadcastNestedLoopJoin, which produces and filters 20M row pairs.
"""
from pyspark.sql import functions as F

import common


def body(spark, ctx):
    spark.sparkContext.setJobDescription("stores x promotions")
    stores = spark.range(0, 4000, 1, 4).withColumnRenamed("id", "store") \
        .withColumn("opened", F.col("store") % 1000)
    promos = spark.range(0, 5000, 1, 2).withColumnRenamed("id", "promo") \
        .withColumn("start", F.col("promo") % 997)
    out = (stores.crossJoin(promos).where(F.col("start") >= F.col("opened"))
           .groupBy((F.col("store") % 10).alias("g")).agg(F.count("*").alias("n")))
    out.collect()


if __name__ == "__main__":
    common.run("cartesian", body, driver_memory="2g")
