"""Q23/Q24: a large CSV scan (with schema inference) for a 2-column query.

3M events as CSV (~280 MB, 7 columns, header); read with inferSchema=true
(an extra full pass) and aggregated on country/amount: every byte of every
row is read and parsed twice.  scan_parquet.py runs the same query on the
same rows stored as Parquet.
"""
from pyspark.sql import functions as F

import common

CSV = "events_3m_csv"


def setup(spark, ctx):
    common.write_once(spark, ctx.data_path(CSV),
                      lambda: common.events_table(spark, 3_000_000, 8).drop("id"),
                      fmt="csv", header="true")


def body(spark, ctx):
    spark.sparkContext.setJobDescription("revenue per country from CSV")
    ev = (spark.read.option("header", "true").option("inferSchema", "true")
          .csv(ctx.data_path(CSV)))
    ev.groupBy("country").agg(F.sum("amount"), F.count("*")).collect()


if __name__ == "__main__":
    common.run("scan_csv", body, setup=setup, driver_memory="2g")
