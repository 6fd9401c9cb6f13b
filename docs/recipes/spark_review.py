"""Review a fleet of Spark event logs with Spark itself.

Each partition of the list of logs is piped to one `sparkdiag review`
process on an executor; every line that comes back is one application's
JSON Lines record. `sparkdiag merge` then makes them one review.

    spark-submit spark_review.py PATHS_FILE OUTPUT_DIR PARTITIONS
    sparkdiag merge -o review.html -o review.jsonl 'OUTPUT_DIR/part-*'

PATHS_FILE lists one log (a file, a directory or a URL such as
s3://bucket/spark-logs/app-123) per line; the executors must be able to read
them and have sparkdiag on their PATH (for example shipped with
--files sparkdiag and run as ./sparkdiag).
"""
import os
import sys

from pyspark.sql import SparkSession

paths_file, output_dir, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
spark = SparkSession.builder.appName("sparkdiag fleet review").getOrCreate()
with open(paths_file) as f:
    paths = [line.strip() for line in f if line.strip()]
# pipe() gives the command only the environment passed here: the driver's,
# for PATH and any store credentials (AWS_*, GOOGLE_*, AZURE_*, HADOOP_*).
records = spark.sparkContext.parallelize(paths, partitions).pipe(
    "sparkdiag review --paths-from - --format jsonl --quiet --keep-going",
    env=dict(os.environ))
records.saveAsTextFile(output_dir)
spark.stop()
