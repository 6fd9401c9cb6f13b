"""daily_orders_etl: the recurring job of the testdata/recurring series.

A nightly ETL job: read one day's orders (Parquet, one file per ~200k
orders), join them with the customers dimension (sort-merge join: broadcast
is off, the dimension is treated as "large"), aggregate per region and
customer, convert the revenue with the region's exchange rate, and write the result partitioned by region (Parquet,
overwrite).  Every run has spark.app.name = "daily_orders_etl".

    python daily_job.py --prepare --data DIR
        build every day's input (no event log; deterministic, see below)
    python daily_job.py --day N --variant V --data DIR --events DIR --work DIR
        run the job on day N's input, event log (zstd, single file) into --events

Variants (see README.md): normal, growth, explosion, skew, spill, config,
failure.  The job code is the same in every run; a variant changes only the
input (growth, explosion, skew) or the Spark configuration (spill, config,
failure) -- exactly the kind of change a nightly job sees.

All input is generated from spark.range ids with hash functions (no unseeded
randomness), so every regeneration writes the same rows and files.
"""

import argparse
import os
import shutil
import sys
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

APP_NAME = "daily_orders_etl"

# ---------------------------------------------------------------------------
# the series

BASE_ORDERS = 8_000_000            # day 01
# day-over-day growth of days 02..08 (4-6%/day, proportional)
GROWTH = [1.05, 1.04, 1.06, 1.05, 1.04, 1.06, 1.05]
ROWS_PER_FILE = 200_000            # the upstream writes files of ~200k orders
CUSTOMERS = 100_000
REGIONS = 20
DUP_FACTOR = REGIONS               # explosion: every customer id once per region
HOT_CUSTOMER = 42                  # skew: the marketplace reseller account
HOT_PERCENT = 70                   # skew: share of the day's orders on HOT_CUSTOMER
FAIL_PARTITIONS = (3, 7, 11)       # failure: first attempts that fail
SHUFFLE_PARTITIONS = 16

RUNS = [  # (day, variant, regression)
    (1, "normal", "none"), (2, "normal", "none"), (3, "normal", "none"),
    (4, "normal", "none"), (5, "normal", "none"), (6, "normal", "none"),
    (7, "normal", "none"), (8, "normal", "none"),
    (9, "growth", "growth"),
    (10, "explosion", "explosion"),
    (11, "skew", "skew"),
    (12, "spill", "spill"),
    (13, "config", "tasks"),
    (14, "failure", "failures"),
]


def orders_rows(day):
    n = float(BASE_ORDERS)
    for g in GROWTH[:max(0, min(day, 8) - 1)]:
        n *= g
    n = int(round(n / 1000.0)) * 1000
    if day == 9:
        n = 2 * orders_rows(8)
    return n


def date_of(day):
    return f"2024-03-{day:02d}"


def orders_path(data, day):
    return os.path.join(data, "orders", f"dt={date_of(day)}")


def customers_path(data, day):
    return os.path.join(data, "customers", f"dt={date_of(day)}")


# ---------------------------------------------------------------------------
# Spark settings

BASE_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.session.timeZone": "UTC",
    "spark.python.worker.reuse": "true",
    "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "true",
}

# the job's own (fixed) settings: every run has them
JOB_CONF = {
    "spark.sql.shuffle.partitions": str(SHUFFLE_PARTITIONS),
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.adaptive.coalescePartitions.enabled": "false",
    "spark.sql.autoBroadcastJoinThreshold": "-1",
    # one input file = one scan task (files are ~5 MB)
    "spark.sql.files.maxPartitionBytes": "8m",
}

MASTER = "local[2,4]"  # 2 cores, up to 4 attempts per task (spark.task.maxFailures)
DRIVER_MEMORY = "2g"

# what a variant changes in the configuration
VARIANT_CONF = {
    "normal": {},
    "growth": {},
    "explosion": {},
    # no AQE skew-join split: one reducer joins the hot customer's orders
    "skew": {"spark.sql.adaptive.skewJoin.enabled": "false"},
    # a 1 GB driver (the only executor in local mode) with 2% of the heap
    # for execution+storage memory: the join sorts and the aggregation spill
    "spill": {"spark.memory.fraction": "0.02"},
    # someone "tuned" the partitions: 1000 tiny tasks per shuffle stage
    "config": {"spark.sql.shuffle.partitions": "1000",
               "spark.sql.adaptive.coalescePartitions.enabled": "false"},
    "failure": {},
}
VARIANT_DRIVER_MEMORY = {"spill": "1g"}


def builder(name, conf):
    b = SparkSession.builder.master(MASTER).appName(name)
    for k, v in conf.items():
        b = b.config(k, str(v))
    return b


# ---------------------------------------------------------------------------
# input data (built without event log)


def orders_df(spark, day, rows, skew=False):
    """rows orders of one day; ids unique across days."""
    base = day * 100_000_000
    n_files = max(1, (rows + ROWS_PER_FILE - 1) // ROWS_PER_FILE)
    seed = day
    h = lambda s: F.xxhash64(F.col("order_id"), F.lit(s))  # noqa: E731
    cust = F.pmod(h(seed * 10 + 1), F.lit(CUSTOMERS))
    if skew:
        cust = F.when(F.pmod(h(seed * 10 + 2), F.lit(100)) < HOT_PERCENT,
                      F.lit(HOT_CUSTOMER).cast("long")).otherwise(cust)
    secs = F.pmod(h(seed * 10 + 3), F.lit(86400))
    day0 = F.unix_timestamp(F.lit(date_of(day)), "yyyy-MM-dd")  # session time zone: UTC
    return (spark.range(base, base + rows, 1, n_files)
            .withColumnRenamed("id", "order_id")
            .withColumn("customer_id", cust)
            .withColumn("order_ts", F.timestamp_seconds(day0 + secs))
            .withColumn("sku", F.concat(F.lit("SKU-"), F.lpad(
                F.pmod(h(seed * 10 + 4), F.lit(50_000)).cast("string"), 5, "0")))
            .withColumn("quantity", (F.pmod(h(seed * 10 + 5), F.lit(5)) + 1).cast("int"))
            .withColumn("amount", F.pmod(h(seed * 10 + 6), F.lit(100_000)) / 100.0)
            .withColumn("channel", F.element_at(F.array(*[F.lit(c) for c in
                        ("web", "app", "store", "partner")]),
                        (F.pmod(h(seed * 10 + 7), F.lit(4)) + 1).cast("int"))))


def customers_df(spark, exploded=False):
    c = (spark.range(0, CUSTOMERS, 1, 1).withColumnRenamed("id", "customer_id")
         .withColumn("segment", F.concat(F.lit("S"), F.pmod(
             F.xxhash64(F.col("customer_id"), F.lit(71)), F.lit(5)).cast("string")))
         .withColumn("signup_date", F.date_add(F.lit("2015-01-01").cast("date"), F.pmod(
             F.xxhash64(F.col("customer_id"), F.lit(73)), F.lit(3000)).cast("int"))))
    region_of = lambda col: F.concat(F.lit("R"), F.lpad(col.cast("string"), 2, "0"))  # noqa: E731
    if not exploded:
        return c.withColumn("region", region_of(F.pmod(
            F.xxhash64(F.col("customer_id"), F.lit(79)), F.lit(REGIONS))))
    # the bad upstream load: customers x regions without a join condition,
    # every customer id appears once per region (DUP_FACTOR times)
    regions = spark.range(0, DUP_FACTOR, 1, 1).select(region_of(F.col("id")).alias("region"))
    return c.crossJoin(regions).coalesce(1)


def ready(path):
    return os.path.exists(os.path.join(path, "_SUCCESS"))


def write_once(make_df, path):
    if ready(path):
        return False
    shutil.rmtree(path, ignore_errors=True)
    make_df().write.mode("overwrite").parquet(path)
    return True


def copy_once(src, dst):
    if ready(dst):
        return
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)


def prepare(args):
    data = os.path.abspath(args.data)
    os.makedirs(data, exist_ok=True)
    conf = dict(BASE_CONF)
    conf["spark.eventLog.enabled"] = "false"
    conf["spark.driver.memory"] = DRIVER_MEMORY
    conf["spark.sql.shuffle.partitions"] = "8"
    conf["spark.local.dir"] = os.path.join(data, ".spark-local")
    spark = builder(APP_NAME + "-prepare", conf).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    t0 = time.time()
    for day in range(1, 9):
        write_once(lambda: orders_df(spark, day, orders_rows(day)), orders_path(data, day))
        write_once(lambda: customers_df(spark), customers_path(data, day))
    # day 09: twice day 08's orders (a real 2x jump, its own rows)
    write_once(lambda: orders_df(spark, 9, orders_rows(9)), orders_path(data, 9))
    write_once(lambda: customers_df(spark), customers_path(data, 9))
    # day 10: day 08's volume of orders; the customers load is broken
    write_once(lambda: orders_df(spark, 10, orders_rows(8)), orders_path(data, 10))
    write_once(lambda: customers_df(spark, exploded=True), customers_path(data, 10))
    # day 11: day 08's volume, HOT_PERCENT% of the orders on one customer
    write_once(lambda: orders_df(spark, 11, orders_rows(8), skew=True), orders_path(data, 11))
    write_once(lambda: customers_df(spark), customers_path(data, 11))
    spark.stop()
    # days 12-14: a re-run of day 08's exact input (byte-identical copies)
    for day in (12, 13, 14):
        copy_once(orders_path(data, 8), orders_path(data, day))
        copy_once(customers_path(data, 8), customers_path(data, day))
    print(f"[prepare] {time.time() - t0:.1f}s", file=sys.stderr)


# ---------------------------------------------------------------------------
# the job

RATES = {f"R{r:02d}": round(0.8 + 0.02 * r, 2) for r in range(REGIONS)}


def rate_of(region):
    """The exchange rate of a region (a literal map: pure JVM, no Python UDF)."""
    m = F.create_map(*[x for k, v in sorted(RATES.items()) for x in (F.lit(k), F.lit(v))])
    return F.coalesce(F.element_at(m, region), F.lit(1.0))


def flaky_rates_service(df):
    """failure variant: the rates service times out on the first attempt of
    the tasks in FAIL_PARTITIONS of the join stage; the retries succeed.

    JVM-only (no Python UDF, whose per-task cost would dominate the config
    variant's 1000-task stages): in local mode every task attempt runs in the
    driver JVM, and java.lang.System.setProperty returns the previous value,
    so per partition it returns "null" (printed) on the first attempt only.
    """
    parts = ", ".join(str(p) for p in FAIL_PARTITIONS)
    first_attempt = F.expr(
        "reflect('java.lang.System', 'setProperty', "
        "concat('daily_orders_etl.rates.p', spark_partition_id()), 'called') = 'null'")
    fail = F.spark_partition_id().isin(*FAIL_PARTITIONS) & first_attempt
    return df.withColumn("revenue_eur", F.when(
        fail, F.raise_error(F.concat(F.lit("rates service timeout (partition "),
                                     F.spark_partition_id().cast("string"),
                                     F.lit(f", attempt 0; failing partitions {parts})"))))
        .otherwise(F.col("revenue_eur")))


def job(spark, data, out, day, variant):
    spark.sparkContext.setJobDescription(f"daily_orders_etl {date_of(day)}")
    orders = spark.read.parquet(orders_path(data, day))
    customers = spark.read.parquet(customers_path(data, day))
    per_customer = (
        orders.join(customers, "customer_id")
        .groupBy("region", "segment", "customer_id")
        .agg(F.count("*").alias("orders"),
             F.sum("quantity").alias("items"),
             F.sum("amount").alias("revenue"),
             F.min("order_ts").alias("first_order"),
             F.max("order_ts").alias("last_order"))
        .withColumn("revenue_eur", F.col("revenue") * rate_of(F.col("region")))
        .withColumn("dt", F.lit(date_of(day))))
    if variant == "failure":
        per_customer = flaky_rates_service(per_customer)
    (per_customer.repartition("region")
     .write.mode("overwrite").partitionBy("region").parquet(out))


def run(args):
    day, variant = args.day, args.variant
    if variant not in VARIANT_CONF:
        raise SystemExit(f"unknown variant {variant}; known: {sorted(VARIANT_CONF)}")
    data = os.path.abspath(args.data)
    events = os.path.abspath(args.events)
    work = os.path.abspath(args.work)
    for d in (events, work):
        os.makedirs(d, exist_ok=True)
    if not ready(orders_path(data, day)):
        raise SystemExit(f"no input for day {day} under {data}; run --prepare first")
    conf = dict(BASE_CONF)
    conf.update(JOB_CONF)
    conf.update(VARIANT_CONF[variant])
    conf["spark.driver.memory"] = VARIANT_DRIVER_MEMORY.get(variant, DRIVER_MEMORY)
    conf["spark.local.dir"] = os.path.join(work, "spark-local")
    conf.update({
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": "file://" + events,
        "spark.eventLog.compress": "true",
        "spark.eventLog.compression.codec": "zstd",
        "spark.eventLog.rolling.enabled": "false",
    })
    t0 = time.time()
    spark = builder(APP_NAME, conf).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    print(f"[daily_job] day {day:02d} {variant}: appId {spark.sparkContext.applicationId}",
          file=sys.stderr)
    out = os.path.join(work, "out", "daily_orders_summary")
    job(spark, data, out, day, variant)
    spark.stop()
    print(f"[daily_job] day {day:02d} {variant}: {time.time() - t0:.1f}s", file=sys.stderr)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--prepare", action="store_true", help="build the inputs and exit")
    p.add_argument("--data", required=True, help="input data directory")
    p.add_argument("--day", type=int)
    p.add_argument("--variant", default="normal")
    p.add_argument("--events", help="spark.eventLog.dir")
    p.add_argument("--work", help="scratch directory (output, spark.local.dir)")
    args = p.parse_args(argv)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    if args.prepare:
        prepare(args)
        return
    if args.day is None or not args.events or not args.work:
        p.error("--day, --events and --work are required to run the job")
    run(args)


if __name__ == "__main__":
    main()
