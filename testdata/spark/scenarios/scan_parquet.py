"""Q23/Q24: the scan_csv query on the same 3M rows stored as Parquet:
column pruning reads ~2 of 7 columns, no parsing, no inference pass."""
from pyspark.sql import functions as F

import common

PARQUET = "events_3m_parquet"


def setup(spark, ctx):
    common.write_once(spark, ctx.data_path(PARQUET),
                      lambda: common.events_table(spark, 3_000_000, 8).drop("id"))


def body(spark, ctx):
    spark.sparkContext.setJobDescription("revenue per country from Parquet")
    ev = spark.read.parquet(ctx.data_path(PARQUET))
    ev.groupBy("country").agg(F.sum("amount"), F.count("*")).collect()


if __name__ == "__main__":
    common.run("scan_parquet", body, setup=setup, driver_memory="2g")
