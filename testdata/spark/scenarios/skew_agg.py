"""Q3: skewed aggregation -- 80% of the rows carry the key 'US'.

"Running revenue per country": a window aggregation partitioned by country
over an 8M-row fact table, then one summary row per country.  A window cannot
be pre-aggregated on the map side, so the single reducer that owns 'US' sorts
and scans ~80% of all rows while the other 31 reducers finish in a fraction
of a second.  AQE partition coalescing is off so that every shuffle partition
is its own task, as on a cluster where every partition is big.
"""
from pyspark.sql import Window
from pyspark.sql import functions as F

import common

FACT = "skew_fact_8m"


def setup(spark, ctx):
    common.write_once(spark, ctx.data_path(FACT),
                      lambda: common.fact_table(spark, 8_000_000, 8, other_keys=2000,
                                                payload=False))


def body(spark, ctx):
    spark.sparkContext.setJobDescription("running revenue per country")
    df = spark.read.parquet(ctx.data_path(FACT))
    w = Window.partitionBy("country").orderBy("id").rowsBetween(Window.unboundedPreceding, 0)
    out = (df.withColumn("running", F.sum("amount").over(w))
             .groupBy("country")
             .agg(F.max("running").alias("revenue"), F.count("*").alias("orders")))
    out.write.mode("overwrite").parquet(ctx.fresh_work_path("skew_agg_out"))


if __name__ == "__main__":
    common.run("skew_agg", body, setup=setup, codec="lz4", driver_memory="4g", conf={
        "spark.sql.shuffle.partitions": "32",
        "spark.sql.adaptive.coalescePartitions.enabled": "false",
    })
