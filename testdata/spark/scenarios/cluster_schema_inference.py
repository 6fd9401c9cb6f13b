"""Cluster: JSON and CSV read without a schema.

600k events as JSON lines (6 files) and as CSV with a header (6 files):
spark.read.json(path) scans every file once just to infer the schema, and
spark.read.csv(path, header=True, inferSchema=True) does the same (plus a
job for the header line), before each query reads the data again.
"""
from pyspark.sql import functions as F

import common

JSON = "cluster_events_600k_json"
CSV = "cluster_events_600k_csv"


def setup(spark, ctx):
    common.write_once(spark, ctx.data_path(JSON),
                      lambda: common.events_table(spark, 600_000, 6), fmt="json")
    common.write_once(spark, ctx.data_path(CSV),
                      lambda: common.events_table(spark, 600_000, 6), fmt="csv", header="true")


def body(spark, ctx):
    common.wait_executors(spark, 3)
    spark.sparkContext.setJobDescription("daily revenue from the JSON export")
    j = spark.read.json(ctx.data_path(JSON))
    j.groupBy("event_date").agg(F.sum("amount")).collect()
    spark.sparkContext.setJobDescription("revenue per country from the CSV export")
    c = spark.read.option("header", "true").option("inferSchema", "true").csv(ctx.data_path(CSV))
    c.groupBy("country").agg(F.sum("amount")).collect()


if __name__ == "__main__":
    common.cluster_run("cluster_schema_inference", body, setup=setup)
