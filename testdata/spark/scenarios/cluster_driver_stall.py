"""Cluster: a driver stall between stages.

An aggregation runs on the cluster, its 100k result rows are collect()ed, the
driver spends ~30 s in a plain Python loop over them (while the three
executors idle), then two more aggregations run on the result.
"""
from pyspark.sql import functions as F

import cluster_util
import common


def body(spark, ctx):
    common.wait_executors(spark, 3)
    spark.sparkContext.setJobDescription("per-user totals")
    df = spark.range(0, 3_000_000, 1, 12).withColumn("u", F.col("id") % 100_000)
    rows = df.groupBy("u").agg(F.sum("id").alias("s")).collect()
    # driver-side scoring of the collected rows, row by row in Python
    acc = 0
    import time
    t0 = time.time()
    while time.time() - t0 < 30:
        for r in rows:
            acc = (acc + r["s"] * 31) % 1_000_003
    spark.sparkContext.setJobDescription("scored totals per bucket")
    scored = spark.createDataFrame([(i, (i * acc) % 97) for i in range(20_000)], ["u", "score"])
    (df.join(scored, "u").groupBy("score").agg(F.sum("id")).collect())
    spark.sparkContext.setJobDescription("totals per bucket")
    df.groupBy((F.col("u") % 13).alias("b")).agg(F.count("*")).collect()
    print(f"[cluster_driver_stall] checksum {acc} {cluster_util.burn(0)}")


if __name__ == "__main__":
    common.cluster_run("cluster_driver_stall", body, driver_memory="1g")
