"""Q16: a cache that is never materialized.

An RDD pipeline (parse 2M raw records in 16 partitions) is cache()d, and then
only looked at with take() and first(): those actions compute just the first
partition, so the persisted RDD is never computed (or cached) in full -- the
"cache" the author relies on holds 1 of 16 partitions.  (With DataFrames and
AQE, Spark 3.5+ builds a cached relation in full even for show(), so this is
shown with the RDD API.)
"""
import common


def parse(i):
    return (i, f"user{i % 1000}", (i * 7919) % 10007 / 100.0)


def body(spark, ctx):
    sc = spark.sparkContext
    sc.setJobDescription("parse raw records")
    parsed = sc.parallelize(range(2_000_000), 16).map(parse).cache()
    sc.setJobDescription("peek at parsed records")
    parsed.take(5)
    sc.setJobDescription("first big purchase")
    parsed.filter(lambda r: r[2] > 50).first()


if __name__ == "__main__":
    common.run("cache_not_materialized", body, driver_memory="2g")
