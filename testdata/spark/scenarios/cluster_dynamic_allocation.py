"""Cluster: dynamic allocation with shuffle tracking.

spark.dynamicAllocation.enabled with shuffle tracking, no initial executors,
a 5 s idle timeout (10 s for executors holding shuffle data) and at most 3
executors.  The first job waits for executors to be requested and started
(cold start); then the driver does nothing for ~25 s, the idle executors are
removed; the second, larger job has to wait for new executors again, whose
first tasks are slow (new JVMs, new Python workers).
"""
import time

from pyspark.sql import functions as F
from pyspark.sql.types import LongType

import common


def body(spark, ctx):
    spark.sparkContext.setJobDescription("first aggregation (no executor yet)")
    plus = F.udf(lambda x: x + 1, LongType())
    (spark.range(0, 600_000, 1, 6).withColumn("v", plus("id"))
     .groupBy((F.col("id") % 101).alias("k")).agg(F.sum("v")).collect())
    time.sleep(25)  # the application waits for input; executors go idle and are removed
    spark.sparkContext.setJobDescription("second aggregation (executors removed meanwhile)")
    (spark.range(0, 2_400_000, 1, 24).withColumn("v", plus("id"))
     .groupBy((F.col("id") % 1009).alias("k")).agg(F.sum("v")).collect())


if __name__ == "__main__":
    common.cluster_run("cluster_dynamic_allocation", body, conf={
        "spark.dynamicAllocation.enabled": "true",
        "spark.dynamicAllocation.shuffleTracking.enabled": "true",
        "spark.dynamicAllocation.shuffleTracking.timeout": "10s",
        "spark.dynamicAllocation.executorIdleTimeout": "5s",
        "spark.dynamicAllocation.schedulerBacklogTimeout": "1s",
        "spark.dynamicAllocation.minExecutors": "0",
        "spark.dynamicAllocation.initialExecutors": "0",
        "spark.dynamicAllocation.maxExecutors": "3",
    })
