"""Q10/Q13: coalesce(1) before heavy work -- one task scans, computes and
writes the whole stage while the other cores wait (no shuffle, so the
coalesce pulls the upstream work into a single task)."""
import sys
from pyspark.sql import SparkSession, functions as F

events, work = sys.argv[1], sys.argv[2]
spark = (SparkSession.builder.master("local[4]").appName("coalesce_one")
         .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
         .config("spark.driver.bindAddress", "127.0.0.1")
         .config("spark.eventLog.enabled", "true").config("spark.eventLog.dir", events)
         .config("spark.eventLog.compression.codec", "zstd").config("spark.eventLog.compress", "true")
         .config("spark.eventLog.rolling.enabled", "false")
         .getOrCreate())
# input: 8 files written in parallel (not measured separately)
src = work + "/src"
(spark.range(0, 6_000_000, numPartitions=8)
 .withColumn("payload", F.sha2(F.col("id").cast("string"), 256))
 .write.mode("overwrite").parquet(src))
spark.sparkContext.setJobDescription("one output file with coalesce(1)")
df = spark.read.parquet(src)
out = (df.withColumn("h", F.sha2(F.concat_ws("|", F.col("payload"), F.col("id").cast("string")), 512))
         .withColumn("h2", F.sha2(F.col("h"), 256))
         .filter(F.col("h2") != "x"))
out.coalesce(1).write.mode("overwrite").parquet(work + "/out")
spark.stop()
