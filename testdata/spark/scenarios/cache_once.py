"""Q15: a cache used once.

An enriched event table is cache()d and then only written out once: the cache
costs memory and a materialization pass but nothing reads it a second time.
"""
from pyspark.sql import functions as F

import common

DATA = common.EVENTS


def setup(spark, ctx):
    common.ensure_events(spark, ctx)


def body(spark, ctx):
    ev = spark.read.parquet(ctx.data_path(DATA))
    enriched = (ev.join(F.broadcast(common.dim_countries(spark)), "country")
                .withColumn("amount_eur", F.col("amount") * 0.92))
    enriched.cache()
    spark.sparkContext.setJobDescription("export enriched events")
    enriched.write.mode("overwrite").parquet(ctx.fresh_work_path("cache_once_out"))


if __name__ == "__main__":
    common.run("cache_once", body, setup=setup, driver_memory="2g")
