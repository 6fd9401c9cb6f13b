"""Q8: broadcasting a large table after raising the threshold.

spark.sql.autoBroadcastJoinThreshold=1g (a "fix" for a slow join) for a join of
3M orders with a 1.5M-row user table (two 40-character columns): both sides
are under the threshold, Spark broadcasts the one that is smaller on disk
(the orders, ~30 MB of Parquet), which becomes a >100 MB hash relation that
is collected to the driver, built and broadcast.
"""
from pyspark.sql import functions as F

import common

USERS = "bcast_users_1500k"
ORDERS = "bcast_orders_3m"


def setup(spark, ctx):
    common.write_once(spark, ctx.data_path(USERS), lambda: (
        spark.range(0, 1_500_000, 1, 4).withColumnRenamed("id", "user_id")
        .withColumn("name", F.sha1(F.col("user_id").cast("string")))
        .withColumn("email", F.sha1(F.concat(F.col("user_id").cast("string"), F.lit("@")))))
    )
    common.write_once(spark, ctx.data_path(ORDERS), lambda: (
        spark.range(0, 3_000_000, 1, 4)
        .withColumn("user_id", F.pmod(F.xxhash64(F.col("id"), F.lit(3)), F.lit(1_500_000)))
        .withColumn("amount", F.pmod(F.xxhash64(F.col("id"), F.lit(5)), F.lit(10000)) / 100.0))
    )


def body(spark, ctx):
    spark.sparkContext.setJobDescription("orders with user names")
    users = spark.read.parquet(ctx.data_path(USERS))
    orders = spark.read.parquet(ctx.data_path(ORDERS))
    out = (orders.join(users, "user_id")
           .groupBy(F.substring("email", 1, 1).alias("p"))
           .agg(F.sum("amount"), F.max("name")))
    out.collect()


if __name__ == "__main__":
    common.run("broadcast_too_large", body, setup=setup, driver_memory="3g", conf={
        "spark.sql.autoBroadcastJoinThreshold": "1g",
    })
