"""Q17: a cache created through SQL (CACHE TABLE ... OPTIONS ('storageLevel'
'MEMORY_ONLY')) that does not fit: later queries read a few partitions from
the cache and recompute the rest."""
import sys
from pyspark.sql import SparkSession, functions as F

events, work = sys.argv[1], sys.argv[2]
spark = (SparkSession.builder.master("local[2]").appName("cache_table_not_fitting")
         .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
         .config("spark.driver.bindAddress", "127.0.0.1")
         .config("spark.driver.memory", "512m")
         .config("spark.memory.fraction", "0.3")
         .config("spark.sql.inMemoryColumnarStorage.compressed", "false")
         .config("spark.eventLog.enabled", "true").config("spark.eventLog.dir", events)
         .config("spark.eventLog.compression.codec", "zstd").config("spark.eventLog.compress", "true")
         .config("spark.eventLog.rolling.enabled", "false")
         .getOrCreate())
src = work + "/cache_src"
(spark.range(0, 3_000_000, numPartitions=16)
 .withColumn("k", F.col("id") % 1000)
 .withColumn("payload", F.sha2(F.col("id").cast("string"), 512))
 .write.mode("overwrite").parquet(src))
spark.read.parquet(src).createOrReplaceTempView("events")
spark.sparkContext.setJobDescription("cache table")
spark.sql("CACHE TABLE hot OPTIONS ('storageLevel' 'MEMORY_ONLY') AS SELECT k, payload, concat(payload, payload) AS p2 FROM events")
for i in range(3):
    spark.sparkContext.setJobDescription("query %d over the cached table" % i)
    spark.sql("SELECT k, count(*), max(p2) FROM hot GROUP BY k").collect()
spark.stop()
