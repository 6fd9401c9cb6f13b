"""Cluster: a job of several minutes with small costs and two real problems.

Three rounds of daily reporting over the shared 3M-event table (balanced
aggregations, a broadcast join with a 50-row dimension, a small sort), each
some seconds: the small costs that come with any cluster run (first-task
warm-up, a few hundred ms of GC, a short scheduling gap) must stay quiet or
informational next to a run of minutes.  Two real problems are inside: round
1 computes a running total per country over a table where 80% of the rows
are 'US' (a skewed window stage), and round 2 writes the report partitioned
by day from 12 round-robin partitions (12 x 30 days = 360 files of ~200 KB).
"""
from pyspark.sql import Window
from pyspark.sql import functions as F

import common

FACT = "cluster_skew_fact_2m"


def setup(spark, ctx):
    common.ensure_events(spark, ctx)
    common.write_once(spark, ctx.data_path(FACT),
                      lambda: common.fact_table(spark, 2_000_000, 6, other_keys=2000,
                                                payload=False))


def body(spark, ctx):
    common.wait_executors(spark, 3)
    sc = spark.sparkContext
    ev = spark.read.parquet(ctx.data_path(common.EVENTS))
    dim = common.dim_countries(spark)
    for r in range(3):
        sc.setJobDescription(f"round {r}: revenue per region and day")
        (ev.where(F.col("amount") > r * 10).join(F.broadcast(dim), "country")
         .groupBy("region", "event_date").agg(F.sum("amount"), F.count("*")).collect())
        sc.setJobDescription(f"round {r}: top users")
        (ev.groupBy("user_id").agg(F.sum("amount").alias("s"))
         .orderBy(F.desc("s")).limit(20).collect())
        if r == 1:
            sc.setJobDescription("round 1: running revenue per country (skewed)")
            fact = spark.read.parquet(ctx.data_path(FACT))
            w = Window.partitionBy("country").orderBy("id").rowsBetween(Window.unboundedPreceding, 0)
            (fact.withColumn("running", F.sum("amount").over(w)).groupBy("country")
             .agg(F.max("running")).write.mode("overwrite")
             .parquet(ctx.fresh_work_path("cluster_long_job_running")))
        if r == 2:
            sc.setJobDescription("round 2: daily report partitioned by day")
            (ev.select("event_date", "country", "user_id", "amount").repartition(12)
             .write.mode("overwrite").partitionBy("event_date")
             .parquet(ctx.fresh_work_path("cluster_long_job_daily")))


if __name__ == "__main__":
    common.cluster_run("cluster_long_job", body, setup=setup, conf={
        "spark.executor.memory": "768m",
        "spark.sql.adaptive.coalescePartitions.enabled": "false",
    })
