"""Q12: an explode blow-up.

200k orders each carrying an array of 150 line items are exploded to 30M
rows before a per-sku aggregation.
"""
from pyspark.sql import functions as F

import common


def body(spark, ctx):
    spark.sparkContext.setJobDescription("explode line items")
    orders = (spark.range(0, 200_000, 1, 4)
              .withColumn("items", F.sequence(F.lit(1), F.lit(150))))
    out = (orders.select("id", F.explode("items").alias("item"))
           .withColumn("sku", F.pmod(F.xxhash64("id", "item"), F.lit(5000)))
           .groupBy("sku").agg(F.count("*").alias("n")))
    out.collect()


if __name__ == "__main__":
    common.run("explode", body, driver_memory="2g")
