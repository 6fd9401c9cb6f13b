"""Q5: reading a table made of thousands of tiny files.

The input (written in the un-logged setup) is 3000 Parquet files of ~20 KB
(3M rows); the logged job reads it and aggregates.  The scan opens 3000
files for ~60 MB of data.
"""
from pyspark.sql import functions as F

import common

DATA = "small_files_3000"


def setup(spark, ctx):
    common.write_once(spark, ctx.data_path(DATA),
                      lambda: common.events_table(spark, 3_000_000, 8, payload=False)
                      .repartition(3000))


def body(spark, ctx):
    spark.sparkContext.setJobDescription("revenue per country from small files")
    ev = spark.read.parquet(ctx.data_path(DATA))
    ev.groupBy("country").agg(F.sum("amount"), F.count("*")).collect()


if __name__ == "__main__":
    common.run("small_files_read", body, setup=setup, driver_memory="2g")
