"""Q30: a streaming job that was down and restarts with a backlog.

File source (JSON files, maxFilesPerTrigger=10).  A writer adds one 500-row
file per second while the query runs (~10 s), the query is stopped, 100 files
are written while it is down, and the query is restarted with the same
checkpoint: it works through the backlog at the 10-files-per-batch cap for ~10
batches before it is back to one file per batch.
"""
import json
import os
import threading
import time

import common
import streaming_common
from pyspark.sql.types import LongType, StringType, StructField, StructType

SCHEMA = StructType([StructField("id", LongType()), StructField("user", StringType()),
                     StructField("amount", LongType())])


def write_file(d, n):
    tmp = os.path.join(d, f".f{n:05d}.json.tmp")
    with open(tmp, "w") as f:
        for i in range(500):
            f.write(json.dumps({"id": n * 500 + i, "user": f"u{(n * 500 + i) % 997}",
                                "amount": (n * 7 + i) % 1000}) + "\n")
    os.rename(tmp, os.path.join(d, f"f{n:05d}.json"))


def start(spark, src, ckpt):
    df = spark.readStream.schema(SCHEMA).option("maxFilesPerTrigger", 10).json(src)
    out = df.groupBy("user").sum("amount")
    return (out.writeStream.format("noop").outputMode("update")
            .option("checkpointLocation", ckpt).queryName("orders_by_user").start())


def body(spark, ctx):
    src = ctx.fresh_work_path("backlog_in")
    ckpt = ctx.fresh_work_path("ckpt_backlog")
    os.makedirs(src)
    n = 0
    for _ in range(3):
        write_file(src, n)
        n += 1
    stop = threading.Event()

    def writer():
        nonlocal n
        while not stop.is_set():
            write_file(src, n)
            n += 1
            time.sleep(1)

    q = start(spark, src, ckpt)
    t = threading.Thread(target=writer)
    t.start()
    # normal operation: ~10 s and at least 5 batches of one new file each
    streaming_common.run_for(q, 10, min_batches=5, max_seconds=60)
    stop.set()
    t.join()
    # downtime: files keep arriving
    for _ in range(100):
        write_file(src, n)
        n += 1
    q = start(spark, src, ckpt)
    stop.clear()
    t = threading.Thread(target=writer)
    t.start()

    def caught_up(query):
        rows = [p["numInputRows"] for p in query.recentProgress]
        return len(rows) >= 3 and max(rows) > 0 and rows[-1] < max(rows) and rows[-2] < max(rows)

    # catch up with the backlog (~10 capped batches), then a few normal ones
    streaming_common.run_until(q, caught_up, 10, 120)
    stop.set()
    t.join()


if __name__ == "__main__":
    common.run("stream_backlog", body, driver_memory="2g", conf={
        "spark.sql.shuffle.partitions": "4",
    })
