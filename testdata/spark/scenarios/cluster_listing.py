"""Cluster: reading 2000 input directories given as 2000 paths.

A daily-export layout: one small Parquet file (500 rows) per directory.
DataFrameReader.parquet(*paths) with more paths than
spark.sql.sources.parallelPartitionDiscovery.threshold (32) makes Spark list
them with its own parallel job ("Listing leaf files and directories for 2000
paths"), before the query's own jobs, which then open 2000 tiny files.
"""
import glob
import os
import shutil

from pyspark.sql import functions as F

import common

DIRS = 2000
DATA = "cluster_listing_2000"


def setup(spark, ctx):
    root = ctx.data_path(DATA)
    if common.dataset_ready(root):
        return
    shutil.rmtree(root, ignore_errors=True)
    one = ctx.fresh_work_path("listing_one")
    (spark.range(0, 500, 1, 1)
     .withColumn("country", F.concat(F.lit("C"), (F.col("id") % 50).cast("string")))
     .withColumn("amount", (F.col("id") % 1000) / 10.0)
     .write.parquet(one))
    part = glob.glob(os.path.join(one, "part-*.parquet"))[0]
    for i in range(DIRS):
        d = os.path.join(root, f"export_{i:04d}")
        os.makedirs(d)
        shutil.copyfile(part, os.path.join(d, "part-00000.parquet"))
    open(os.path.join(root, "_SUCCESS"), "w").close()


def body(spark, ctx):
    common.wait_executors(spark, 3)
    root = ctx.data_path(DATA)
    paths = sorted(os.path.join(root, d) for d in os.listdir(root) if d.startswith("export_"))
    spark.sparkContext.setJobDescription("revenue per country over all exports")
    df = spark.read.parquet(*paths)
    df.groupBy("country").agg(F.sum("amount").alias("revenue")).collect()


if __name__ == "__main__":
    common.cluster_run("cluster_listing", body, setup=setup)
