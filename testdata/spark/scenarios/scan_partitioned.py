"""Q25 shared code: a 4M-event table partitioned by event_date (30 days, one
file per day), queried for one day either through the timestamp column (no
partition pruning) or through the partition column (pruned)."""
from pyspark.sql import functions as F

import common

TABLE = "events_4m_by_date"


def setup(spark, ctx):
    common.write_once(spark, ctx.data_path(TABLE),
                      lambda: common.events_table(spark, 4_000_000, 8).repartition("event_date"),
                      partitionBy="event_date")


def query(spark, ctx, pruned):
    ev = spark.read.parquet(ctx.data_path(TABLE))
    if pruned:
        spark.sparkContext.setJobDescription("one day via partition column")
        day = ev.where(F.col("event_date") == "2024-01-15")
    else:
        spark.sparkContext.setJobDescription("one day via timestamp")
        day = ev.where((F.col("ts") >= "2024-01-15 00:00:00") & (F.col("ts") < "2024-01-16 00:00:00"))
    day.groupBy("country").agg(F.sum("amount"), F.max("payload")).collect()
