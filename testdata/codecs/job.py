"""Tiny PySpark job used by generate.sh to produce real Spark event logs.

Usage: python job.py <codec|plain> <event-log-dir>

The job is deliberately small (one query, 2 shuffle partitions) so that each
event log stays under 200 KB.
"""
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

codec, log_dir = sys.argv[1], sys.argv[2]

builder = (
    SparkSession.builder.master("local[2]")
    .appName("sparkdiag-codec-fixture")
    .config("spark.ui.enabled", "false")
    .config("spark.driver.host", "127.0.0.1")
    .config("spark.driver.bindAddress", "127.0.0.1")
    .config("spark.sql.shuffle.partitions", "2")
    .config("spark.eventLog.enabled", "true")
    .config("spark.eventLog.dir", "file://" + log_dir)
    # one file per application (4.x defaults to rolling directories)
    .config("spark.eventLog.rolling.enabled", "false")
)
if codec == "plain":
    builder = builder.config("spark.eventLog.compress", "false")
else:
    builder = (
        builder.config("spark.eventLog.compress", "true")
        .config("spark.eventLog.compression.codec", codec)
    )

spark = builder.getOrCreate()
spark.sparkContext.setLogLevel("ERROR")

# range -> groupBy -> count: a map stage and a reduce stage (plus whatever
# AQE adds); about 30 events, most of the bytes are the environment update
df = spark.range(0, 200000, numPartitions=4).withColumn("k", F.col("id") % 7)
df.groupBy("k").count().collect()

spark.stop()
