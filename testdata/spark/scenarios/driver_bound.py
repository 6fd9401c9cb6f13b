"""Driver-bound batch job (Q1): four small aggregations, each followed by about
12 s of pure-Python work on the collected rows in the driver. The executors sit
idle for most of the run: the time goes to the driver, not to Spark.
"""
import time

from pyspark.sql import functions as F

import common

ROUNDS = 4
DRIVER_SECONDS = 12


def body(spark, ctx):
    df = spark.range(0, 400_000, numPartitions=4).withColumn("k", F.col("id") % 97)
    acc = 0
    for i in range(ROUNDS):
        spark.sparkContext.setJobDescription(f"round {i}: aggregate, then score on the driver")
        rows = df.groupBy("k").agg(F.sum("id").alias("s")).collect()
        # Row-by-row scoring in plain Python on the driver (the anti-pattern).
        t0 = time.time()
        while time.time() - t0 < DRIVER_SECONDS:
            for r in rows:
                acc = (acc + r["s"] * 31) % 1_000_003
    spark.sparkContext.setJobDescription("final count")
    spark.range(0, 1000, numPartitions=2).count()
    print(f"[driver_bound] checksum {acc}")


if __name__ == "__main__":
    common.run("driver_bound", body, codec="zstd", driver_memory="1g")
