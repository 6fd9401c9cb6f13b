"""Q17: a MEMORY_ONLY cache that does not fit.

3M events with two 40-char columns (~300 MB) persist(MEMORY_ONLY) on a 1 GB
driver with spark.memory.fraction=0.2 (~145 MB for execution + storage): only
some of the 16 partitions fit in storage memory, the rest are dropped and
recomputed from Parquet by each of the three queries that use the cache.
"""
from pyspark import StorageLevel
from pyspark.sql import functions as F

import common

DATA = common.EVENTS


def setup(spark, ctx):
    common.ensure_events(spark, ctx)


def body(spark, ctx):
    ev = spark.read.parquet(ctx.data_path(DATA)).repartition(16)
    ev = ev.withColumn("payload2", F.sha1("payload"))
    ev.persist(StorageLevel.MEMORY_ONLY)
    spark.sparkContext.setJobDescription("materialize cache")
    ev.count()
    for i, col in enumerate(["country", "event_date", "user_id"]):
        spark.sparkContext.setJobDescription(f"report by {col}")
        ev.groupBy(col).agg(F.sum("amount"), F.max("payload2")).collect()
    ev.unpersist()


if __name__ == "__main__":
    common.run("cache_not_fitting", body, setup=setup, driver_memory="1g", conf={
        "spark.memory.fraction": "0.2",
    })
