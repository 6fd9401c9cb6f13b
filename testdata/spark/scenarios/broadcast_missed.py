"""Q7: a missed broadcast -- broadcasting disabled, 50-row dimension.

spark.sql.autoBroadcastJoinThreshold=-1 (left over from an old incident): 3M
events join a 50-row country dimension with a sort-merge join, so all 3M
events (~150 MB with their payload) are shuffled and sorted to meet 50 rows.
"""
from pyspark.sql import functions as F

import common

DATA = common.EVENTS


def setup(spark, ctx):
    common.ensure_events(spark, ctx)


def body(spark, ctx):
    spark.sparkContext.setJobDescription("events with region")
    ev = spark.read.parquet(ctx.data_path(DATA))
    dim = common.dim_countries(spark)
    out = (ev.join(dim, "country").groupBy("region")
           .agg(F.sum("amount"), F.max("payload")))
    out.collect()


if __name__ == "__main__":
    common.run("broadcast_missed", body, setup=setup, codec="snappy", driver_memory="2g", conf={
        "spark.sql.autoBroadcastJoinThreshold": "-1",
        "spark.sql.shuffle.partitions": "16",
    })
