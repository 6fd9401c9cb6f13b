"""Q21: an iterative job with a long lineage.

20 rounds of "move each balance to another account and apply its rate" (a
broadcast join plus a re-keyed aggregation: one shuffle per round), and a
single action at the end.  Nothing is cached or checkpointed, so the final
query carries the whole 20-round lineage: a plan with 20+ exchanges that AQE
runs as ~21 shuffle-map jobs in one SQL execution, re-planned after each of
them.  long_lineage_checkpoint.py is the same loop with a checkpoint() every
5 rounds.
"""
from pyspark.sql import functions as F

import common

ROUNDS = 20
ACCOUNTS = 20000


def iterate(spark, ctx, checkpoint_every=0):
    if checkpoint_every:
        spark.sparkContext.setCheckpointDir(ctx.fresh_work_path("checkpoints"))
    base = (spark.range(0, 200_000, 1, 4)
            .withColumn("acct", F.col("id") % ACCOUNTS)
            .withColumn("v", (F.col("id") % 100).cast("double")))
    rates = (spark.range(0, ACCOUNTS, 1, 2).withColumnRenamed("id", "acct")
             .withColumn("rate", 1.0 + (F.col("acct") % 7) / 1000.0))
    cur = base.groupBy("acct").agg(F.sum("v").alias("bal"))
    for i in range(1, ROUNDS + 1):
        cur = (cur.join(F.broadcast(rates), "acct")
               .select(((F.col("acct") * 7 + i) % ACCOUNTS).alias("acct"),
                       (F.col("bal") * F.col("rate")).alias("bal"))
               .groupBy("acct").agg(F.sum("bal").alias("bal")))
        if checkpoint_every and i % checkpoint_every == 0:
            spark.sparkContext.setJobDescription(f"checkpoint after round {i}")
            cur = cur.checkpoint()
    spark.sparkContext.setJobDescription(f"total after {ROUNDS} rounds")
    cur.agg(F.sum("bal")).collect()


def body(spark, ctx):
    iterate(spark, ctx)


CONF = {"spark.sql.shuffle.partitions": "4"}

if __name__ == "__main__":
    common.run("long_lineage", body, driver_memory="2g", conf=CONF)
