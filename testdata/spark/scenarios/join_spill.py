"""Q2: a join of two large tables that spills.

Two 3M-row tables with 40-character payloads joined on a key (sort-merge
join), 8 shuffle partitions, a 1 GB driver (local mode: the only executor) and
spark.memory.fraction=0.1: every join task sorts ~35 MB per side with ~70 MB
of execution+storage memory shared by 2 cores, so the sorts spill to disk.
"""
from pyspark.sql import functions as F

import common

A = "join_spill_a_3m"
B = "join_spill_b_3m"


def setup(spark, ctx):
    def t(seed):
        return (spark.range(0, 3_000_000, 1, 8)
                .withColumn("k", F.pmod(F.xxhash64(F.col("id"), F.lit(seed)), F.lit(3_000_000)))
                .withColumn("v", F.sha1(F.concat(F.col("id").cast("string"), F.lit(seed)))))
    common.write_once(spark, ctx.data_path(A), lambda: t(1))
    common.write_once(spark, ctx.data_path(B), lambda: t(2))


def body(spark, ctx):
    spark.sparkContext.setJobDescription("join two large tables")
    a = spark.read.parquet(ctx.data_path(A)).withColumnRenamed("v", "va")
    b = spark.read.parquet(ctx.data_path(B)).withColumnRenamed("v", "vb").drop("id")
    out = (a.join(b, "k").groupBy(F.substring("va", 1, 2).alias("p"))
           .agg(F.count("*").alias("n"), F.max("vb").alias("m")))
    out.collect()


if __name__ == "__main__":
    common.run("join_spill", body, setup=setup, codec="snappy", driver_memory="1g", conf={
        "spark.sql.shuffle.partitions": "8",
        "spark.memory.fraction": "0.1",
        "spark.sql.adaptive.coalescePartitions.enabled": "false",
    })
