"""Cluster, healthy ETL: read the 3M events, keep the paid ones, derive two
columns, write them as 6 Parquet files of ~20 MB, read the result back and
count per country.  Defaults (AQE on).  Must get no warning."""
from pyspark.sql import functions as F

import common


def setup(spark, ctx):
    common.ensure_events(spark, ctx)


def body(spark, ctx):
    common.wait_executors(spark, 3)
    out = ctx.fresh_work_path("cluster_healthy_etl_out")
    spark.sparkContext.setJobDescription("clean paid events")
    (spark.read.parquet(ctx.data_path(common.EVENTS))
     .where(F.col("amount") > 100)
     .withColumn("amount_cents", (F.col("amount") * 100).cast("long"))
     .withColumn("hour", F.hour("ts"))
     .repartition(6).write.parquet(out))
    spark.sparkContext.setJobDescription("check the export")
    spark.read.parquet(out).groupBy("country").count().collect()


if __name__ == "__main__":
    common.cluster_run("cluster_healthy_etl", body, setup=setup)
