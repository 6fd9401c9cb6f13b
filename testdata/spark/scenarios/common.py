"""Shared session builder for the sparkdiag scenario scripts.

Every scenario script is run by ``testdata/spark/generate`` as

    <venv>/bin/python scenarios/<name>.py --events DIR --data DIR --work DIR

and calls :func:`run` with its Spark settings and a ``body(spark, ctx)``
function.  ``run`` optionally executes a ``setup(spark, ctx)`` function first,
in a SparkContext *without* event logging (input data generation, cached in
``--data`` so it is shared between scenarios and Spark versions), then starts
a fresh SparkContext with event logging into ``--events`` and runs ``body``.

All data is generated deterministically from ``spark.range`` ids with hash
functions (no unseeded randomness), so every regeneration gives the same
rows, the same partition sizes and therefore the same problems.
"""

import argparse
import os
import shutil
import sys
import time

from pyspark.sql import SparkSession

# Settings every scenario shares.  The event log settings are added by
# session(); scenario-specific settings override these.
BASE_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.shuffle.partitions": "8",
    # the pip package has no Hadoop native libs; keep local FS writes quiet
    "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "true",
    "spark.python.worker.reuse": "true",
}


class Ctx:
    """What a scenario body gets besides the session."""

    def __init__(self, args):
        self.events = os.path.abspath(args.events)
        self.data = os.path.abspath(args.data)
        self.work = os.path.abspath(args.work)
        self.args = args

    def data_path(self, name):
        return os.path.join(self.data, name)

    def work_path(self, name):
        return os.path.join(self.work, name)

    def fresh_work_path(self, name):
        p = self.work_path(name)
        shutil.rmtree(p, ignore_errors=True)
        return p


def parse_args(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--events", required=True, help="spark.eventLog.dir")
    p.add_argument("--data", required=True, help="shared input data cache")
    p.add_argument("--work", required=True, help="scratch dir for outputs")
    return p.parse_args(argv)


def event_log_conf(events_dir, codec, layout):
    """codec: none|lz4|lzf|snappy|zstd; layout: file|rolling|inprogress."""
    conf = {
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": "file://" + events_dir,
    }
    if codec == "none":
        conf["spark.eventLog.compress"] = "false"
    else:
        conf["spark.eventLog.compress"] = "true"
        conf["spark.eventLog.compression.codec"] = codec
    if layout == "rolling":
        conf["spark.eventLog.rolling.enabled"] = "true"
        conf["spark.eventLog.rolling.maxFileSize"] = "10m"
    else:
        # 4.x rolls by default; a single file is what most 3.x users have
        conf["spark.eventLog.rolling.enabled"] = "false"
    return conf


def _builder(name, master, conf):
    b = SparkSession.builder.master(master).appName(name)
    for k, v in conf.items():
        b = b.config(k, str(v))
    return b


def dataset_ready(path):
    return os.path.exists(os.path.join(path, "_SUCCESS"))


def run(name, body, setup=None, conf=None, codec="zstd", layout="file",
        master="local[2]", driver_memory="2g", argv=None):
    """Run one scenario: optional un-logged setup, then the logged body."""
    args = parse_args(argv)
    ctx = Ctx(args)
    for d in (ctx.events, ctx.data, ctx.work):
        os.makedirs(d, exist_ok=True)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    conf = dict(conf or {})
    common = dict(BASE_CONF)
    # driver memory must be fixed at JVM launch, i.e. on the first builder
    common["spark.driver.memory"] = driver_memory
    common["spark.local.dir"] = ctx.work_path("spark-local")

    if setup is not None:
        t0 = time.time()
        sconf = dict(common)
        sconf["spark.eventLog.enabled"] = "false"
        sconf["spark.sql.shuffle.partitions"] = "8"
        spark = _builder(name + "-setup", master if master.startswith("local[") else "local[2]",
                         sconf).getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
        setup(spark, ctx)
        spark.stop()
        print(f"[{name}] setup {time.time() - t0:.1f}s", file=sys.stderr)

    t0 = time.time()
    lconf = dict(common)
    lconf.update(conf)
    lconf.update(event_log_conf(ctx.events, codec, layout))
    spark = _builder(name, master, lconf).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    print(f"[{name}] appId {spark.sparkContext.applicationId}", file=sys.stderr)
    body(spark, ctx)
    spark.stop()
    print(f"[{name}] body {time.time() - t0:.1f}s", file=sys.stderr)


# ---------------------------------------------------------------------------
# cluster runs (testdata/spark/generate --cluster)

HERE = os.path.dirname(os.path.abspath(__file__))

# executors of 1 core and little memory: the machine has 2 cores and is shared
CLUSTER_CONF = {
    "spark.executor.cores": "1",
    "spark.executor.memory": "512m",
    "spark.cores.max": "3",
    "spark.sql.shuffle.partitions": "12",
    # the Python workers on the executors import the scenario modules
    "spark.executorEnv.PYTHONPATH": HERE,
    "spark.python.worker.reuse": "true",
}


def cluster_master():
    m = os.environ.get("SPARKDIAG_MASTER")
    if not m:
        raise SystemExit("cluster scenarios need SPARKDIAG_MASTER=spark://... "
                         "(testdata/spark/generate --cluster starts the cluster)")
    return m


def cluster_run(name, body, setup=None, conf=None, codec="zstd", driver_memory="1g"):
    """Run one cluster scenario on the standalone master in $SPARKDIAG_MASTER.

    The input data is built in local mode (no event log); the measured body
    runs on the cluster with executors of 1 core."""
    c = dict(CLUSTER_CONF)
    c.update(conf or {})
    run(name, body, setup=setup, conf=c, codec=codec, master=cluster_master(),
        driver_memory=driver_memory)


def executor_hosts(spark):
    """Hosts of the live executors (the driver, on 127.0.0.1, left out)."""
    sc = spark.sparkContext
    drv = sc.getConf().get("spark.driver.host", "127.0.0.1")
    infos = sc._jsc.sc().statusTracker().getExecutorInfos()
    return [infos[i].host() for i in range(len(infos)) if infos[i].host() != drv]


def wait_executors(spark, n, timeout=120):
    """Block until n executors are registered (the app start on a cluster)."""
    t0 = time.time()
    while time.time() - t0 < timeout:
        if len(executor_hosts(spark)) >= n:
            return time.time() - t0
        time.sleep(0.5)
    raise SystemExit(f"only {len(executor_hosts(spark))} of {n} executors after {timeout}s")


# ---------------------------------------------------------------------------
# deterministic data helpers


def write_once(spark, path, make_df, fmt="parquet", mode="overwrite", partitionBy=None, **opts):
    """Write make_df() to path unless a complete copy is already there."""
    if dataset_ready(path):
        return
    shutil.rmtree(path, ignore_errors=True)
    w = make_df().write.mode(mode).format(fmt)
    if partitionBy:
        w = w.partitionBy(partitionBy)
    for k, v in opts.items():
        w = w.option(k, v)
    w.save(path)


def fact_table(spark, rows, partitions, hot_fraction=0.8, other_keys=2000,
               hot_key="US", user_cardinality=500_000, payload=True):
    """rows with a country key; hot_fraction of them on hot_key.

    Columns: id, country (string), user_id (long), amount (double),
    payload (string, ~40 bytes).
    """
    from pyspark.sql import functions as F

    h = F.pmod(F.xxhash64(F.col("id"), F.lit(17)), F.lit(1_000_000))
    hot = h < F.lit(int(hot_fraction * 1_000_000))
    other = F.concat(F.lit("C"), F.lpad(F.pmod(F.xxhash64(F.col("id"), F.lit(23)),
                                               F.lit(other_keys)).cast("string"), 5, "0"))
    df = (
        spark.range(0, rows, 1, partitions)
        .withColumn("country", F.when(hot, F.lit(hot_key)).otherwise(other))
        .withColumn("user_id", F.pmod(F.xxhash64(F.col("id"), F.lit(31)), F.lit(user_cardinality)))
        .withColumn("amount", (F.pmod(F.xxhash64(F.col("id"), F.lit(41)), F.lit(100000)) / 100.0))
    )
    if payload:
        df = df.withColumn("payload", F.sha1(F.col("id").cast("string")))
    return df


def events_table(spark, rows, partitions, days=30, countries=50, payload=True):
    """Balanced event rows over `days` days from 2024-01-01.

    Columns: id, ts (timestamp), event_date (string yyyy-MM-dd), user_id,
    country, amount, payload (40 hex chars when payload=True).
    """
    from pyspark.sql import functions as F

    secs = F.pmod(F.xxhash64(F.col("id"), F.lit(7)), F.lit(days * 86400))
    df = (
        spark.range(0, rows, 1, partitions)
        .withColumn("ts", F.timestamp_seconds(F.lit(1704067200) + secs))
        .withColumn("event_date", F.date_format(F.col("ts"), "yyyy-MM-dd"))
        .withColumn("user_id", F.pmod(F.xxhash64(F.col("id"), F.lit(11)), F.lit(1_000_000)))
        .withColumn("country", F.concat(F.lit("C"), F.pmod(F.xxhash64(F.col("id"), F.lit(13)),
                                                          F.lit(countries)).cast("string")))
        .withColumn("amount", F.pmod(F.xxhash64(F.col("id"), F.lit(19)), F.lit(100000)) / 100.0)
    )
    if payload:
        df = df.withColumn("payload", F.sha1(F.col("id").cast("string")))
    return df


def dim_countries(spark, countries=50):
    from pyspark.sql import functions as F

    return (spark.range(0, countries, 1, 1)
            .withColumn("country", F.concat(F.lit("C"), F.col("id").cast("string")))
            .withColumn("region", F.concat(F.lit("R"), (F.col("id") % 5).cast("string")))
            .drop("id"))


EVENTS = "events_3m"


def ensure_events(spark, ctx):
    """The shared 3M-row event table (8 Parquet files, with payload)."""
    write_once(spark, ctx.data_path(EVENTS), lambda: events_table(spark, 3_000_000, 8))
    return ctx.data_path(EVENTS)
