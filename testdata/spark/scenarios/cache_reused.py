"""Q15/Q16 done right: a cache materialized once and reused by three queries.

The enriched events are cache()d, materialized with count(), then three
reports read them from memory; unpersist() at the end.
"""
from pyspark.sql import functions as F

import common

DATA = common.EVENTS


def setup(spark, ctx):
    common.ensure_events(spark, ctx)


def body(spark, ctx):
    ev = spark.read.parquet(ctx.data_path(DATA)).drop("payload")
    enriched = (ev.join(F.broadcast(common.dim_countries(spark)), "country")
                .withColumn("amount_eur", F.col("amount") * 0.92))
    enriched.cache()
    spark.sparkContext.setJobDescription("materialize cache")
    enriched.count()
    spark.sparkContext.setJobDescription("report per region")
    enriched.groupBy("region").agg(F.sum("amount_eur")).collect()
    spark.sparkContext.setJobDescription("report per day")
    enriched.groupBy("event_date").agg(F.sum("amount_eur")).collect()
    spark.sparkContext.setJobDescription("report big spenders")
    enriched.where(F.col("amount") > 990).groupBy("user_id").count().collect()
    enriched.unpersist()


if __name__ == "__main__":
    common.run("cache_reused", body, setup=setup, driver_memory="2g")
