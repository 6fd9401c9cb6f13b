"""Measure the corpus problems from the saved History Server JSON (and, where
the HS has no endpoint for it, from the event log itself).

Every problem id has a ``find_<id>(log)`` returning a list of findings (dicts
with ``stages``, ``jobs``, ``sqlExecution``, ``sqlOperator``, ``evidence``)
using strict thresholds -- what a label in ``expect`` must satisfy -- and a
``hint_<id>(log)`` returning a string when anything resembling the problem is
there (loose thresholds) -- a label in ``absent`` must have none.  The
thresholds are documented in README.md.
"""

import json
import os
import re

import eventlog

MB = 1 << 20

ALL_PROBLEMS = [
    "skew", "spill", "partitions-too-few", "partitions-too-many", "driver-bottleneck",
    "small-files-write", "small-files-read", "broadcast-too-large", "broadcast-missed",
    "row-explosion", "gc-pressure", "task-failures", "stage-failure", "executor-loss",
    "fetch-failure", "cache-unused", "cache-not-fitting", "cache-not-materialized",
    "long-lineage", "append-write", "row-format-scan", "no-partition-pruning",
    "merged-schema", "streaming-batch-slow", "streaming-input-outpaces",
    "streaming-state-growth", "streaming-watermark-drops", "streaming-backlog",
    "config-aqe-off", "config-skew-join-off", "config-broadcast-disabled",
    # added with the cluster runs (see README.md)
    "slow-host", "executor-warmup", "straggler", "driver-stall", "spark-listing",
    "schema-inference", "waiting-for-executors",
]


# --------------------------------------------------------------------------
# loading


class Log:
    def __init__(self, root, version, logname):
        self.root = root
        self.version = version
        self.logname = logname
        self.path = os.path.join(root, "logs", version, logname)
        hs = os.path.join(root, "hs", version, logname)

        def load(name):
            with open(os.path.join(hs, name + ".json")) as f:
                return json.load(f)

        self.app = load("application")
        self.jobs = load("jobs")
        self.stages = load("stages")
        self.executors = load("allexecutors")
        self.sql = load("sql")
        self.env = load("environment")
        self.props = dict(self.env.get("sparkProperties", []))
        self._events = None

    @property
    def events(self):
        if self._events is None:
            self._events = list(eventlog.iter_events(self.path))
        return self._events

    def jobs_of_stage(self, sid):
        return sorted(j["jobId"] for j in self.jobs if sid in j["stageIds"])

    def sql_of_job(self, jid):
        for e in self.sql:
            if jid in e["successJobIds"] + e["failedJobIds"] + e["runningJobIds"]:
                return e
        return None

    def where(self, stage_ids, operator=None):
        """Fill stages/jobs/sqlExecution/sqlOperator for a finding."""
        jobs = sorted({j for s in stage_ids for j in self.jobs_of_stage(s)})
        f = {"stages": sorted(set(stage_ids)), "jobs": jobs}
        for j in jobs:
            e = self.sql_of_job(j)
            if e is not None:
                f["sqlExecution"] = e["id"]
                break
        if operator:
            f["sqlOperator"] = operator
        return f

    def stage_attempts(self, sid):
        return [s for s in self.stages if s["stageId"] == sid]


# --------------------------------------------------------------------------
# SQL metric value parsing ("8,000", "12.3 MiB", "total (...)\n1.2 s (...)")

_UNITS = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40,
          "ms": 1, "s": 1000, "m": 60000, "h": 3600000, "ns": 1e-6}


def metric_value(v):
    if "\n" in v:
        v = v.split("\n", 1)[1]
        v = v.split(" (", 1)[0]
    v = v.strip()
    m = re.match(r"^(-?[\d,\.]+)\s*([A-Za-z]*)$", v)
    if not m:
        return None
    num = float(m.group(1).replace(",", ""))
    unit = m.group(2)
    return num * _UNITS.get(unit, 1)


def node_metrics(node):
    out = {}
    for m in node.get("metrics", []):
        out[m["name"]] = metric_value(m["value"])
    return out


def sql_nodes(log, name_re):
    for e in log.sql:
        for n in e["nodes"]:
            if re.search(name_re, n["nodeName"]):
                yield e, n


def children(e, node_id):
    """Ids of nodes feeding node_id (edges go child -> parent)."""
    return [x["fromId"] for x in e["edges"] if x["toId"] == node_id]


def node_by_id(e, nid):
    for n in e["nodes"]:
        if n["nodeId"] == nid:
            return n
    return None


def rows_in(e, node_id):
    """Sum of 'number of output rows' of the nearest descendants that have it."""
    total = 0
    for c in children(e, node_id):
        n = node_by_id(e, c)
        m = node_metrics(n)
        if "number of output rows" in m:
            total += m["number of output rows"]
        else:
            total += rows_in(e, c)
    return total


def fmt_bytes(b):
    if b >= 1 << 30:
        return f"{b / (1 << 30):.1f} GiB"
    if b >= MB:
        return f"{b / MB:.1f} MiB"
    if b >= 1024:
        return f"{b / 1024:.1f} KiB"
    return f"{int(b)} B"


def dist(stage, key):
    d = stage.get("taskMetricsDistributions")
    if not d:
        return None
    if "." in key:
        a, b = key.split(".")
        return d[a][b]
    return d[key]


# --------------------------------------------------------------------------
# problems


def find_skew(log):
    out = []
    for s in log.stages:
        dur = dist(s, "duration")
        if s["status"] != "COMPLETE" or not dur or s["numTasks"] < 4:
            continue
        mx, med = dur[4], dur[2]
        if mx >= 2000 and mx >= 5 * max(med, 1):
            f = log.where([s["stageId"]])
            rd = dist(s, "shuffleReadMetrics.readBytes")
            extra = ""
            if rd and rd[4] > 0:
                extra = f"; shuffle read max {fmt_bytes(rd[4])} vs median {fmt_bytes(rd[2])}"
            f["evidence"] = (f"stage {s['stageId']} ({s['numTasks']} tasks): max task "
                             f"{mx / 1000:.1f}s vs median {med / 1000:.2f}s{extra}")
            # prefer the stage whose slow task also reads more (data skew) to
            # one where a task is slow for another reason (warm-up, busy host)
            f["_score"] = mx / max(med, 1) * (1 if _bytes_ratio(s) >= 2 else 0.01)
            out.append(f)
    return out


def _bytes_ratio(s):
    """max / median of the bytes a task reads (shuffle read + input)."""
    rd = dist(s, "shuffleReadMetrics.readBytes") or [0] * 5
    inp = dist(s, "inputMetrics.bytesRead") or [0] * 5
    b = rd if rd[4] >= inp[4] else inp
    if b[4] == 0:
        return 1.0
    return b[4] / max(b[2], 1)


def _max_bytes(s):
    rd = dist(s, "shuffleReadMetrics.readBytes") or [0] * 5
    inp = dist(s, "inputMetrics.bytesRead") or [0] * 5
    return max(rd[4], inp[4])


def hint_skew(log):
    """Time skew that comes with data skew (a task that is slow because of a GC
    pause or a busy machine while reading as much as the others is not skew)."""
    for s in log.stages:
        dur = dist(s, "duration")
        if not dur or s["numTasks"] < 4:
            continue
        if dur[4] >= 1000 and dur[4] >= 3 * max(dur[2], 1) and _bytes_ratio(s) >= 2 \
                and _max_bytes(s) >= 1 * MB:
            return (f"stage {s['stageId']} max {dur[4]} ms vs median {dur[2]} ms, "
                    f"bytes max/median {_bytes_ratio(s):.1f}")
    return None


def find_spill(log):
    out = []
    for s in log.stages:
        if s.get("diskBytesSpilled", 0) >= 10 * MB:
            f = log.where([s["stageId"]])
            f["evidence"] = (f"stage {s['stageId']} spilled {fmt_bytes(s['memoryBytesSpilled'])} "
                             f"(memory) / {fmt_bytes(s['diskBytesSpilled'])} (disk)")
            f["_score"] = s["diskBytesSpilled"]
            out.append(f)
    return out


def hint_spill(log):
    for s in log.stages:
        if s.get("memoryBytesSpilled", 0) > 0 or s.get("diskBytesSpilled", 0) > 0:
            return f"stage {s['stageId']} spilled {s['diskBytesSpilled']} B"
    return None


def _shuffle_stages(log):
    for s in log.stages:
        if s["status"] == "COMPLETE" and s["shuffleReadBytes"] > 0:
            yield s


def find_partitions_too_few(log):
    out = []
    for s in _shuffle_stages(log):
        per_task = s["shuffleReadBytes"] / s["numTasks"]
        if s["numTasks"] <= 4 and per_task >= 64 * MB:
            f = log.where([s["stageId"]])
            f["evidence"] = (f"stage {s['stageId']}: {s['numTasks']} tasks read "
                             f"{fmt_bytes(s['shuffleReadBytes'])} of shuffle "
                             f"({fmt_bytes(per_task)} per task), spilled "
                             f"{fmt_bytes(s['diskBytesSpilled'])} to disk")
            f["_score"] = per_task
            out.append(f)
    return out


def hint_partitions_too_few(log):
    for s in _shuffle_stages(log):
        if s["shuffleReadBytes"] / s["numTasks"] >= 32 * MB:
            return f"stage {s['stageId']} reads {s['shuffleReadBytes'] / s['numTasks']:.0f} B per task"
    return None


def _listing_stages(log):
    """Stages of Spark's own file-listing jobs (their task count is one per
    path, not a partitioning the user chose)."""
    return {sid for j, _ in _listing_jobs(log) for sid in j["stageIds"]}


def find_partitions_too_many(log):
    out = []
    listing = _listing_stages(log)
    for s in log.stages:
        if s["stageId"] in listing:
            continue
        dur = dist(s, "duration")
        if s["numTasks"] >= 1000 and dur and dur[2] <= 100:
            per_task = (s["shuffleReadBytes"] + s["inputBytes"]) / s["numTasks"]
            f = log.where([s["stageId"]])
            f["evidence"] = (f"stage {s['stageId']}: {s['numTasks']} tasks, median task "
                             f"{dur[2]:.0f} ms, {fmt_bytes(per_task)} read per task")
            f["_score"] = s["numTasks"]
            out.append(f)
    return out


def hint_partitions_too_many(log):
    listing = _listing_stages(log)
    for s in log.stages:
        if s["numTasks"] >= 400 and s["stageId"] not in listing:
            return f"stage {s['stageId']} has {s['numTasks']} tasks"
    return None


def _writes(log):
    for e, n in sql_nodes(log, r"^Execute InsertIntoHadoopFsRelationCommand"):
        m = node_metrics(n)
        if "number of written files" in m:
            yield e, n, m


def find_small_files_write(log):
    out = []
    for e, n, m in _writes(log):
        files = m["number of written files"]
        size = m.get("written output", 0)
        if files >= 500 and size / files < 1 * MB:
            f = {"stages": [], "jobs": sorted(e["successJobIds"] + e["failedJobIds"]),
                 "sqlExecution": e["id"], "sqlOperator": "InsertIntoHadoopFsRelationCommand"}
            f["stages"] = sorted({s for j in log.jobs if j["jobId"] in f["jobs"]
                                  for s in j["stageIds"]
                                  if any(x["stageId"] == s and x["status"] == "COMPLETE"
                                         for x in log.stages)})
            f["evidence"] = (f"SQL {e['id']} wrote {int(files)} files, {fmt_bytes(size)} in all "
                             f"({fmt_bytes(size / files)} per file, "
                             f"{int(m.get('number of dynamic part', 0))} dynamic partitions)")
            f["_score"] = files
            out.append(f)
    return out


def hint_small_files_write(log):
    for e, n, m in _writes(log):
        files = m["number of written files"]
        if files >= 100 and m.get("written output", 0) / files < 8 * MB:
            return f"SQL {e['id']} wrote {files} files"
    return None


def _scans(log, kind=r"^Scan "):
    for e, n in sql_nodes(log, kind):
        yield e, n, node_metrics(n)


def find_small_files_read(log):
    out = []
    for e, n, m in _scans(log):
        files = m.get("number of files read", 0)
        size = m.get("size of files read", 0)
        if files >= 500 and size / files < 1 * MB:
            f = _sql_finding(log, e, n["nodeName"])
            f["evidence"] = (f"SQL {e['id']} {n['nodeName']}: {int(files)} files read, "
                             f"{fmt_bytes(size)} in all ({fmt_bytes(size / files)} per file)")
            f["_score"] = files
            out.append(f)
    return out


def hint_small_files_read(log):
    for e, n, m in _scans(log):
        files = m.get("number of files read", 0)
        if files >= 100 and m.get("size of files read", 0) / files < 8 * MB:
            return f"SQL {e['id']} read {files} files"
    return None


def _sql_finding(log, e, operator):
    jobs = sorted(e["successJobIds"] + e["failedJobIds"] + e["runningJobIds"])
    stages = sorted({s for j in log.jobs if j["jobId"] in jobs for s in j["stageIds"]
                     if any(x["stageId"] == s and x["status"] != "SKIPPED" for x in log.stages)})
    return {"stages": stages, "jobs": jobs, "sqlExecution": e["id"], "sqlOperator": operator}


def find_broadcast_too_large(log):
    out = []
    for e, n in sql_nodes(log, r"^BroadcastExchange"):
        m = node_metrics(n)
        size = m.get("data size", 0)
        # "data size" is the hash relation's allocated memory: even a 50-row
        # string-keyed relation reports a whole memory page (32 MiB with a 2 GB
        # driver), so the row count is required too
        if size >= 50 * MB and m.get("number of output rows", 0) >= 100_000:
            f = _sql_finding(log, e, "BroadcastExchange")
            f["evidence"] = (f"SQL {e['id']} BroadcastExchange data size {fmt_bytes(size)}, "
                             f"{int(m.get('number of output rows', 0)):,} rows, build "
                             f"{m.get('time to build', 0) / 1000:.1f}s, collect "
                             f"{m.get('time to collect', 0) / 1000:.1f}s")
            f["_score"] = size
            out.append(f)
    return out


def hint_broadcast_too_large(log):
    for e, n in sql_nodes(log, r"^BroadcastExchange"):
        m = node_metrics(n)
        if m.get("data size", 0) >= 16 * MB and m.get("number of output rows", 0) >= 100_000:
            return f"SQL {e['id']} broadcast {node_metrics(n)['data size']} B"
    return None


def _smj_sides(log):
    """(execution, smj node, [bytes written by each side's shuffle])"""
    for e, n in sql_nodes(log, r"^SortMergeJoin"):
        sides = []
        for c in children(e, n["nodeId"]):
            sides.append(_exchange_bytes_below(e, c))
        yield e, n, sides


def _exchange_bytes_below(e, nid):
    n = node_by_id(e, nid)
    if n["nodeName"] == "Exchange":
        m = node_metrics(n)
        return m.get("shuffle bytes written", m.get("data size", 0))
    tot = 0
    for c in children(e, nid):
        tot += _exchange_bytes_below(e, c)
    return tot


def find_broadcast_missed(log):
    out = []
    thr = log.props.get("spark.sql.autoBroadcastJoinThreshold", "10485760")
    for e, n, sides in _smj_sides(log):
        if len(sides) == 2 and 0 < min(sides) <= 10 * MB and max(sides) >= 20 * MB:
            f = _sql_finding(log, e, "SortMergeJoin")
            f["evidence"] = (f"SQL {e['id']} SortMergeJoin of {fmt_bytes(max(sides))} with a "
                             f"{fmt_bytes(min(sides))} side (shuffle bytes written); "
                             f"spark.sql.autoBroadcastJoinThreshold={thr}")
            f["_score"] = max(sides) / max(min(sides), 1)
            out.append(f)
    return out


def hint_broadcast_missed(log):
    for e, n, sides in _smj_sides(log):
        if len(sides) == 2 and 0 < min(sides) <= 10 * MB:
            return f"SQL {e['id']} SMJ with small side {min(sides)}"
    return None


_EXPLODERS = r"^(Generate|BroadcastNestedLoopJoin|CartesianProduct|SortMergeJoin|BroadcastHashJoin|ShuffledHashJoin)"


def find_row_explosion(log):
    out = []
    for e, n in sql_nodes(log, _EXPLODERS):
        m = node_metrics(n)
        rows_out = m.get("number of output rows", 0)
        rin = rows_in(e, n["nodeId"])
        if rin > 0 and rows_out >= 50 * rin and rows_out >= 1e6:
            name = n["nodeName"].split(" ")[0]
            f = _sql_finding(log, e, name)
            f["evidence"] = (f"SQL {e['id']} {name}: {int(rin):,} input rows -> "
                             f"{int(rows_out):,} output rows ({rows_out / rin:.0f}x)")
            f["_score"] = rows_out / rin
            out.append(f)
    return out


def hint_row_explosion(log):
    for e, n in sql_nodes(log, _EXPLODERS):
        rows_out = node_metrics(n).get("number of output rows", 0)
        rin = rows_in(e, n["nodeId"])
        if rin > 0 and rows_out >= 5 * rin and rows_out >= 1e5:
            return f"SQL {e['id']} {n['nodeName']} {rin} -> {rows_out}"
    return None


def find_gc_pressure(log):
    out = []
    for s in log.stages:
        if s["executorRunTime"] >= 5000 and s["jvmGcTime"] >= 0.2 * s["executorRunTime"]:
            f = log.where([s["stageId"]])
            f["evidence"] = (f"stage {s['stageId']}: GC {s['jvmGcTime'] / 1000:.1f}s of "
                             f"{s['executorRunTime'] / 1000:.1f}s task time")
            f["_score"] = s["jvmGcTime"] / s["executorRunTime"]
            out.append(f)
    return out


def hint_gc_pressure(log):
    for s in log.stages:
        if s["executorRunTime"] >= 2000 and s["jvmGcTime"] >= 0.1 * s["executorRunTime"]:
            return f"stage {s['stageId']} gc {s['jvmGcTime']} of {s['executorRunTime']}"
    return None


def find_task_failures(log):
    out = []
    for s in log.stages:
        if s["numFailedTasks"] > 0:
            f = log.where([s["stageId"]])
            f["evidence"] = (f"stage {s['stageId']} attempt {s['attemptId']} ({s['status']}): "
                             f"{s['numFailedTasks']} failed task attempts, "
                             f"{s['numCompleteTasks']} succeeded")
            f["_score"] = s["numFailedTasks"]
            out.append(f)
    return out


def hint_task_failures(log):
    for s in log.stages:
        if s["numFailedTasks"] > 0 or s.get("numKilledTasks", 0) > 0:
            return f"stage {s['stageId']} has failed/killed tasks"
    return None


def find_stage_failure(log):
    out = []
    for s in log.stages:
        if s["status"] == "FAILED":
            f = log.where([s["stageId"]])
            reason = (s.get("failureReason") or "").split("\n")[0][:160]
            f["evidence"] = f"stage {s['stageId']} attempt {s['attemptId']} FAILED: {reason}"
            f["_score"] = 1
            out.append(f)
    return out


def hint_stage_failure(log):
    for s in log.stages:
        if s["status"] == "FAILED":
            return f"stage {s['stageId']} failed"
    for j in log.jobs:
        if j["status"] == "FAILED":
            return f"job {j['jobId']} failed"
    return None


def _lost_executors(log):
    """Executors removed for a reason other than the driver asking for it
    (dynamic allocation's "Executor killed by driver.", decommissioning)."""
    for x in log.executors:
        reason = x.get("removeReason") or ""
        if reason == "Executor killed by driver." or reason.startswith("Executor decommission") \
                or "Finished decommissioning" in reason:
            continue
        if x["id"] != "driver" and not x["isActive"] and reason:
            yield x, reason


def find_executor_loss(log):
    out = []
    for x, reason in _lost_executors(log):
        failed = sorted({s["stageId"] for s in log.stages if s["numFailedTasks"] > 0})
        f = log.where(failed)
        f["evidence"] = f"executor {x['id']} removed: {reason[:160]}"
        f["_score"] = 1
        out.append(f)
    return out


def hint_executor_loss(log):
    for x, reason in _lost_executors(log):
        return f"executor {x['id']} removed ({reason[:60]})"
    return None


def _fetch_failed_tasks(log):
    for ev in log.events:
        if ev["Event"] == "SparkListenerTaskEnd" and \
                ev.get("Task End Reason", {}).get("Reason") == "FetchFailed":
            yield ev


def find_fetch_failure(log):
    by_stage = {}
    for ev in _fetch_failed_tasks(log):
        by_stage.setdefault(ev["Stage ID"], []).append(ev)
    out = []
    for sid, evs in sorted(by_stage.items()):
        f = log.where([sid])
        r = evs[0]["Task End Reason"]
        f["evidence"] = (f"stage {sid}: {len(evs)} FetchFailed task(s) (shuffle {r.get('Shuffle ID')}, "
                         f"map {r.get('Map ID')}); stage resubmitted")
        f["_score"] = len(evs)
        out.append(f)
    return out


def hint_fetch_failure(log):
    for ev in _fetch_failed_tasks(log):
        return f"FetchFailed in stage {ev['Stage ID']}"
    return None


# --- caching.  The event log has no block updates by default (the HS storage
# tab stays empty and "Number of Cached Partitions" in RDD Info is always 0),
# so caching is judged from the RDD storage level in the stage RDD Info, the
# number of tasks of the stages that touch the cached RDD, and their input
# metrics (a read from the block manager counts as input bytes) and shuffle
# reads (recomputation of partitions that are not in the cache).


def _cached_rdds(log):
    """{rdd id: dict(name, level, partitions, uses=[(stage id, tasks)])}"""
    rdds = {}
    for ev in log.events:
        if ev["Event"] != "SparkListenerStageCompleted":
            continue
        si = ev["Stage Info"]
        for r in si.get("RDD Info", []):
            lvl = r.get("Storage Level", {})
            if not (lvl.get("Use Memory") or lvl.get("Use Disk")):
                continue
            d = rdds.setdefault(r["RDD ID"], {"name": r["Name"].split("\n")[0], "level": lvl,
                                              "partitions": r["Number of Partitions"], "uses": []})
            d["uses"].append((si["Stage ID"], si["Number of Tasks"]))
    return rdds


def _stage(log, sid):
    att = [s for s in log.stages if s["stageId"] == sid and s["status"] == "COMPLETE"]
    return att[-1] if att else None


def _level_name(lvl):
    if lvl.get("Use Disk") and lvl.get("Use Memory"):
        return "MEMORY_AND_DISK"
    return "MEMORY_ONLY" if lvl.get("Use Memory") else "DISK_ONLY"


def _cache_scans(log):
    """SQL executions that scan a cached relation (InMemoryTableScan)."""
    return [e for e in log.sql if any(n["nodeName"] == "InMemoryTableScan" for n in e["nodes"])]


def find_cache_unused(log):
    scans = _cache_scans(log)
    if len(scans) == 1 and _cached_rdds(log):
        e = scans[0]
        f = _sql_finding(log, e, "InMemoryTableScan")
        f["evidence"] = (f"a relation is cached but only SQL {e['id']} "
                         f"('{e['description'][:40]}') scans it; no other query reuses it")
        f["_score"] = 1
        return [f]
    return []


def hint_cache_unused(log):
    if len(_cache_scans(log)) == 1:
        return "one SQL execution reads a cache"
    return None


def _full_uses(log, d):
    return [sid for sid, n in d["uses"] if n == d["partitions"]]


def find_cache_not_fitting(log):
    """A MEMORY_ONLY cached RDD whose later full uses still re-read the
    upstream shuffle: partitions that did not fit are recomputed every time."""
    out = []
    for rid, d in _cached_rdds(log).items():
        lvl = d["level"]
        full = _full_uses(log, d)
        if not lvl.get("Use Memory") or lvl.get("Use Disk") or len(full) < 3:
            continue
        later = [s for s in (_stage(log, sid) for sid in full[1:]) if s]
        recompute = [s for s in later if s["shuffleReadBytes"] > 0]
        if len(recompute) >= 2:
            f = log.where([s["stageId"] for s in recompute], "InMemoryTableScan")
            f["evidence"] = (f"RDD {rid} MEMORY_ONLY, {d['partitions']} partitions: "
                             f"{len(recompute)} of the {len(later)} stages that read it after it was "
                             f"built re-read " + "/".join(fmt_bytes(s["shuffleReadBytes"]) for s in recompute)
                             + " of the upstream shuffle to recompute missing partitions; only "
                             + "/".join(fmt_bytes(s["inputBytes"]) for s in recompute)
                             + " came from the cache")
            f["_score"] = len(recompute)
            out.append(f)
    return out


def hint_cache_not_fitting(log):
    for rid, d in _cached_rdds(log).items():
        lvl = d["level"]
        if lvl.get("Use Memory") and not lvl.get("Use Disk"):
            later = [_stage(log, sid) for sid in _full_uses(log, d)[1:]]
            if any(s and s["shuffleReadBytes"] > 0 for s in later):
                return f"rdd {rid} recomputed"
    return None


def find_cache_not_materialized(log):
    out = []
    for rid, d in _cached_rdds(log).items():
        most = max(n for _, n in d["uses"])
        if most <= d["partitions"] // 2:
            f = log.where([sid for sid, _ in d["uses"]],
                          "InMemoryTableScan" if _cache_scans(log) else None)
            f["evidence"] = (f"RDD {rid} ({_level_name(d['level'])}, {d['partitions']} partitions) is "
                             f"only touched by {len(d['uses'])} stage(s) of at most {most} task(s): "
                             f"the cache is never computed in full")
            f["_score"] = d["partitions"] - most
            out.append(f)
    return out


def hint_cache_not_materialized(log):
    for rid, d in _cached_rdds(log).items():
        if max(n for _, n in d["uses"]) < d["partitions"]:
            return f"rdd {rid} never fully computed"
    return None


def _lineage(log):
    """(sql execution, exchanges in its final plan, jobs it ran)"""
    for e in log.sql:
        ex = sum(1 for n in e["nodes"] if n["nodeName"] == "Exchange")
        jobs = e["successJobIds"] + e["failedJobIds"] + e["runningJobIds"]
        yield e, ex, jobs


def find_long_lineage(log):
    """A query whose plan holds a long chain of shuffles (AQE runs each as its
    own job), or a job with many stages (without AQE)."""
    out = []
    for e, ex, jobs in _lineage(log):
        if ex >= 20:
            stages = sorted({s for j in log.jobs if j["jobId"] in jobs for s in j["stageIds"]})
            f = {"stages": [], "jobs": sorted(jobs), "sqlExecution": e["id"],
                 "sqlOperator": "Exchange", "_score": ex,
                 "evidence": f"SQL {e['id']} has {ex} Exchanges in one plan, run as "
                             f"{len(jobs)} jobs / {len(stages)} stages; plan description "
                             f"{len(e['planDescription']) // 1024} KiB"}
            out.append(f)
    for j in log.jobs:
        n = len(j["stageIds"])
        if n >= 20:
            f = {"stages": [], "jobs": [j["jobId"]], "_score": n,
                 "evidence": f"job {j['jobId']} has {n} stages ({j['numSkippedStages']} skipped)"}
            e = log.sql_of_job(j["jobId"])
            if e is not None:
                f["sqlExecution"] = e["id"]
            out.append(f)
    return out


def hint_long_lineage(log):
    for e, ex, jobs in _lineage(log):
        if ex >= 10:
            return f"SQL {e['id']} has {ex} exchanges"
    for j in log.jobs:
        if len(j["stageIds"]) >= 10:
            return f"job {j['jobId']} has {len(j['stageIds'])} stages"
    return None


def _append_writes(log):
    for e, n in sql_nodes(log, r"^Execute InsertIntoHadoopFsRelationCommand"):
        block = _scan_detail(e, "Execute InsertIntoHadoopFsRelationCommand")
        if re.search(r"^Arguments: .*\bAppend\b", block, re.M):
            yield e


def find_append_write(log):
    execs = list(_append_writes(log))
    if len(execs) >= 5:
        f = {"stages": [], "jobs": sorted(j for e in execs for j in e["successJobIds"]),
             "sqlExecution": execs[-1]["id"], "sqlOperator": "InsertIntoHadoopFsRelationCommand"}
        f["evidence"] = (f"{len(execs)} SQL executions append to the same output "
                         f"(SQL {execs[0]['id']}..{execs[-1]['id']}, mode Append)")
        f["_score"] = len(execs)
        return [f]
    return []


def hint_append_write(log):
    execs = list(_append_writes(log))
    return f"{len(execs)} append writes" if execs else None


def find_row_format_scan(log):
    out = []
    for e, n, m in _scans(log, r"^Scan (csv|json|text)"):
        size = m.get("size of files read", 0)
        if size >= 50 * MB:
            f = _sql_finding(log, e, n["nodeName"].strip())
            f["evidence"] = (f"SQL {e['id']} {n['nodeName'].strip()}: {fmt_bytes(size)} read "
                             f"in {int(m.get('number of files read', 0))} files, "
                             f"{int(m.get('number of output rows', 0)):,} rows")
            f["_score"] = size
            out.append(f)
    return out


def hint_row_format_scan(log):
    for e, n, m in _scans(log, r"^Scan (csv|json|text)"):
        if m.get("size of files read", 0) >= 16 * MB:
            return f"SQL {e['id']} {n['nodeName']}"
    return None


def _partitioned_scans(log):
    """Scans of a table whose plan shows partition columns or a date filter."""
    for e, n, m in _scans(log, r"^Scan parquet"):
        yield e, n, m


def _scan_detail(e, node_name):
    """The '(k) Scan parquet ...' block of the plan description."""
    blocks = re.split(r"\n\(\d+\) ", e["planDescription"])
    for b in blocks:
        if b.startswith(node_name.strip()):
            return b
    return ""


def _filter_above(e, nid, depth=4):
    """Output rows of the first Filter on the path from a scan to the root."""
    parents = {x["fromId"]: x["toId"] for x in e["edges"]}
    for _ in range(depth):
        nid = parents.get(nid)
        if nid is None:
            return None
        n = node_by_id(e, nid)
        if n and n["nodeName"] == "Filter":
            return node_metrics(n).get("number of output rows")
    return None


def find_no_partition_pruning(log):
    out = []
    for e, n, m in _scans(log, r"^Scan parquet"):
        detail = _scan_detail(e, n["nodeName"])
        files = m.get("number of files read", 0)
        parts = m.get("number of partitions read")
        pushed = re.search(r"PushedFilters: \[(.*)\]", detail)
        pfilters = re.search(r"PartitionFilters: \[(.*)\]", detail)
        has_filter = pushed and pushed.group(1).strip() != ""
        no_pf = pfilters is None or pfilters.group(1).strip() == ""
        scanned = m.get("number of output rows", 0)
        kept = _filter_above(e, n["nodeId"])
        selective = kept is not None and scanned >= 3 * max(kept, 1)
        if has_filter and no_pf and files >= 4 and selective:
            f = _sql_finding(log, e, "Scan parquet")
            what = (f"all {int(parts)} partitions" if parts else "an unpartitioned table")
            f["evidence"] = (f"SQL {e['id']} Scan parquet with filter [{pushed.group(1)[:80]}] "
                             f"but no PartitionFilters: {int(files)} files, "
                             f"{fmt_bytes(m.get('size of files read', 0))} read from {what}, "
                             f"{int(scanned):,} rows scanned for {int(kept):,} kept by the filter")
            f["_score"] = files
            out.append(f)
    return out


def hint_no_partition_pruning(log):
    if find_no_partition_pruning(log):
        return "scan without partition filters"
    return None


def _schema_jobs(log):
    """Jobs that Spark runs inside DataFrameReader.parquet() to read footers
    for the schema (1 task for a plain read, more when merging)."""
    for ev in log.events:
        if ev["Event"] == "SparkListenerJobStart":
            details = " ".join(si.get("Details", "") for si in ev.get("Stage Infos", []))
            desc = (ev.get("Properties") or {}).get("spark.job.description") or ""
            # Spark's parallel file listing also runs inside DataFrameReader.parquet
            if "DataFrameReader.parquet" in details.split("\n", 1)[0] and not _LISTING.search(desc):
                yield ev


def find_merged_schema(log):
    out = []
    conf = log.props.get("spark.sql.parquet.mergeSchema") == "true"
    for ev in _schema_jobs(log):
        j = [x for x in log.jobs if x["jobId"] == ev["Job ID"]][0]
        if conf or j["numTasks"] >= 2:
            files = max((m.get("number of files read", 0) for _, _, m in _scans(log, r"^Scan parquet")),
                        default=0)
            dur = "?"
            if j.get("completionTime") and j.get("submissionTime"):
                dur = "see jobs.json"
            f = {"stages": sorted(ev["Stage IDs"]), "jobs": [ev["Job ID"]], "_score": j["numTasks"],
                 "evidence": f"spark.sql.parquet.mergeSchema={'true' if conf else 'unset'}; job "
                             f"{ev['Job ID']} inside DataFrameReader.parquet reads the footers of "
                             f"all {int(files)} files ({j['numTasks']} tasks) to merge their schemas"}
            out.append(f)
    return out


def hint_merged_schema(log):
    return "schema merge job" if find_merged_schema(log) else None


# --- streaming (QueryProgressEvent only lives in the event log)

PROGRESS = "org.apache.spark.sql.streaming.StreamingQueryListener$QueryProgressEvent"


def progresses(log):
    """QueryProgressEvent payloads, with the per-source numbers summed into
    numInputRows / inputRowsPerSecond / processedRowsPerSecond (the event log
    only has them per source)."""
    out = []
    for ev in log.events:
        if ev["Event"] != PROGRESS:
            continue
        p = dict(ev["progress"])
        srcs = p.get("sources", [])
        for k in ("numInputRows", "inputRowsPerSecond", "processedRowsPerSecond"):
            if k not in p:
                p[k] = sum(float(x.get(k, 0) or 0) for x in srcs)
        p["numInputRows"] = int(p["numInputRows"])
        out.append(p)
    return out


def _trigger_ms(log):
    return None


def find_streaming_batch_slow(log, trigger_ms=None):
    ps = progresses(log)
    slow = [p for p in ps if trigger_ms and p["durationMs"].get("triggerExecution", 0) > 1.5 * trigger_ms]
    if ps and len(slow) >= max(3, len(ps) // 2):
        d = sorted(p["durationMs"]["triggerExecution"] for p in ps)
        f = {"stages": [], "jobs": [], "evidence":
             f"{len(slow)}/{len(ps)} micro-batches took longer than the {trigger_ms} ms trigger "
             f"(median {d[len(d) // 2]} ms, max {d[-1]} ms)", "_score": len(slow)}
        return [f]
    return []


def find_streaming_input_outpaces(log):
    ps = [p for p in progresses(log) if p.get("inputRowsPerSecond", 0) > 0]
    behind = [p for p in ps if p["inputRowsPerSecond"] > 1.2 * p.get("processedRowsPerSecond", 0)]
    if ps and len(behind) >= max(3, len(ps) // 2):
        ip = sorted(p["inputRowsPerSecond"] for p in behind)[len(behind) // 2]
        pp = sorted(p["processedRowsPerSecond"] for p in behind)[len(behind) // 2]
        return [{"stages": [], "jobs": [], "_score": len(behind), "evidence":
                 f"{len(behind)}/{len(ps)} batches: input {ip:,.0f} rows/s vs processed "
                 f"{pp:,.0f} rows/s (median)"}]
    return []


def hint_streaming_input_outpaces(log):
    ps = [p for p in progresses(log) if p.get("inputRowsPerSecond", 0) > 0]
    behind = [p for p in ps if p["inputRowsPerSecond"] > 1.2 * p.get("processedRowsPerSecond", 0)]
    return f"{len(behind)} batches behind" if len(behind) >= 3 else None


def _state_rows(p):
    return sum(op.get("numRowsTotal", 0) for op in p.get("stateOperators", []))


def _state_series(log):
    ps = [p for p in progresses(log) if p.get("stateOperators")]
    rows = [_state_rows(p) for p in ps]
    removed = sum(op.get("numRowsRemoved", 0) for p in ps for op in p["stateOperators"])
    grows = sum(1 for a, b in zip(rows, rows[1:]) if b > a)
    first = next((r for r in rows if r > 0), 0)
    return ps, rows, removed, grows, first


def find_streaming_state_growth(log):
    """State that only grows: rows added in most batches, never evicted."""
    ps, rows, removed, grows, first = _state_series(log)
    if len(rows) < 5 or first == 0:
        return []
    if removed == 0 and grows >= 0.7 * (len(rows) - 1) and rows[-1] >= 2 * first:
        mem = sum(op.get("memoryUsedBytes", 0) for op in ps[-1]["stateOperators"])
        return [{"stages": [], "jobs": [], "_score": rows[-1], "evidence":
                 f"state rows grow in {grows}/{len(rows) - 1} batches and are never evicted "
                 f"(numRowsRemoved 0): {first:,} -> {rows[-1]:,} rows, "
                 f"{fmt_bytes(mem)} state memory at the end"}]
    return []


def hint_streaming_state_growth(log):
    ps, rows, removed, grows, first = _state_series(log)
    if len(rows) >= 4 and first and removed == 0 and grows >= 0.5 * (len(rows) - 1) \
            and rows[-1] >= 1.5 * first:
        return "state keeps growing"
    return None


def find_streaming_watermark_drops(log):
    ps = progresses(log)
    dropped = sum(op.get("numRowsDroppedByWatermark", 0) for p in ps for op in p.get("stateOperators", []))
    if dropped > 0:
        wm = [p.get("eventTime", {}).get("watermark") for p in ps if p.get("eventTime", {}).get("watermark")]
        return [{"stages": [], "jobs": [], "_score": dropped, "evidence":
                 f"numRowsDroppedByWatermark {dropped:,} (late rows, counted after the partial "
                 f"aggregation) over {len(ps)} batches "
                 f"(last watermark {wm[-1] if wm else '?'})"}]
    return []


def hint_streaming_watermark_drops(log):
    return "rows dropped" if find_streaming_watermark_drops(log) else None


def find_streaming_backlog(log):
    """A query restarted on its checkpoint (a second run id) whose first
    batches after the restart read much more than the batches before it (or
    run at the source's per-trigger cap)."""
    ps = progresses(log)
    if len(ps) < 4:
        return []
    run1 = [p for p in ps if p["runId"] == ps[0]["runId"]]
    later = [p for p in ps if p["runId"] != ps[0]["runId"]]
    if not run1 or not later:
        return []
    rows1 = sorted(p["numInputRows"] for p in run1)
    med1 = rows1[len(rows1) // 2]
    cap = max(p["numInputRows"] for p in later)
    at_cap = [p for p in later if p["numInputRows"] == cap]
    if cap >= 3 * max(med1, 1) and len(at_cap) >= 3:
        return [{"stages": [], "jobs": [], "_score": len(at_cap), "evidence":
                 f"before the restart {len(run1)} batches of median {med1:,} rows; after the "
                 f"restart on the same checkpoint {len(at_cap)} of {len(later)} batches read "
                 f"{cap:,} rows each (the per-trigger cap) working off the backlog"}]
    return []


def hint_streaming_backlog(log):
    return "backlog" if find_streaming_backlog(log) else None


def hint_streaming_batch_slow(log):
    return None


# --- configuration


def _conf(log, key):
    return log.props.get(key)


def find_config_aqe_off(log):
    if _conf(log, "spark.sql.adaptive.enabled") == "false":
        return [{"stages": [], "jobs": [], "_score": 1,
                 "evidence": "spark.sql.adaptive.enabled=false"}]
    return []


def hint_config_aqe_off(log):
    return "aqe off" if find_config_aqe_off(log) else None


def find_config_skew_join_off(log):
    if _conf(log, "spark.sql.adaptive.skewJoin.enabled") == "false":
        return [{"stages": [], "jobs": [], "_score": 1,
                 "evidence": "spark.sql.adaptive.skewJoin.enabled=false"}]
    return []


def hint_config_skew_join_off(log):
    return "skew join off" if find_config_skew_join_off(log) else None


def find_config_broadcast_disabled(log):
    if _conf(log, "spark.sql.autoBroadcastJoinThreshold") == "-1":
        return [{"stages": [], "jobs": [], "_score": 1,
                 "evidence": "spark.sql.autoBroadcastJoinThreshold=-1"}]
    return []


def hint_config_broadcast_disabled(log):
    return "broadcast disabled" if find_config_broadcast_disabled(log) else None


def _ts(v):
    """HS time string '2026-11-23T22:02:48.359GMT' -> epoch ms."""
    import datetime
    d = datetime.datetime.strptime(v.replace("GMT", ""), "%Y-%m-%dT%H:%M:%S.%f")
    return d.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000


def _driver_gaps(log):
    """(span ms from first job start to last job end, busy ms, [gap ms]) for
    batch applications; None for streaming apps (idle between triggers is
    normal) and logs without two finished jobs."""
    if progresses(log):
        return None
    iv = sorted((_ts(j["submissionTime"]), _ts(j["completionTime"])) for j in log.jobs
                if j.get("submissionTime") and j.get("completionTime"))
    if len(iv) < 2:
        return None
    gaps, busy = [], 0
    cur_s, cur_e = iv[0]
    for s, e in iv[1:]:
        if s > cur_e:
            busy += cur_e - cur_s
            gaps.append(s - cur_e)
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    busy += cur_e - cur_s
    span = iv[-1][1] - iv[0][0] if iv[-1][1] > iv[0][0] else 0
    span = max(span, max(e for _, e in iv) - iv[0][0])
    return span, busy, gaps


def find_driver_bottleneck(log):
    """Most of the time between the first and the last job no job runs: the
    driver is busy with something else (Python loops on collected rows, ...)."""
    g = _driver_gaps(log)
    if not g:
        return []
    span, busy, gaps = g
    idle = span - busy
    if span > 0 and idle >= 20000 and idle >= 0.5 * span:
        long_gaps = [x for x in gaps if x >= 5000]
        return [{"stages": [], "jobs": [], "_score": idle, "evidence":
                 f"no job runs for {idle / 1000:.0f} s of the {span / 1000:.0f} s between the first "
                 f"job start and the last job end ({len(long_gaps)} gaps of >= 5 s, longest "
                 f"{max(gaps) / 1000:.1f} s); jobs run only {busy / 1000:.0f} s"}]
    return []


def hint_driver_bottleneck(log):
    g = _driver_gaps(log)
    if not g:
        return None
    span, busy, gaps = g
    if span > 0 and span - busy >= 10000 and span - busy >= 0.3 * span:
        return f"{(span - busy) / 1000:.0f} s without a running job"
    return None


# --------------------------------------------------------------------------
# cluster problems, measured from the task records of the event log (the HS
# quantiles only cover successful tasks and do not say where a task ran)


def _median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else 0


def _task_ends(log):
    """Every TaskEnd as a small dict (stage, attempt, executor, host, launch,
    finish, ms, ok, reason, speculative, bytes read)."""
    if getattr(log, "_task_ends", None) is None:
        out = []
        for ev in log.events:
            if ev["Event"] != "SparkListenerTaskEnd":
                continue
            ti = ev["Task Info"]
            m = ev.get("Task Metrics") or {}
            rd = m.get("Shuffle Read Metrics") or {}
            inp = m.get("Input Metrics") or {}
            read = (rd.get("Remote Bytes Read", 0) + rd.get("Local Bytes Read", 0)
                    + inp.get("Bytes Read", 0))
            out.append({"stage": ev["Stage ID"], "attempt": ev.get("Stage Attempt ID", 0),
                        "executor": ti["Executor ID"], "host": ti["Host"],
                        "launch": ti["Launch Time"], "finish": ti["Finish Time"],
                        "ms": ti["Finish Time"] - ti["Launch Time"],
                        "ok": ev["Task End Reason"]["Reason"] == "Success",
                        "reason": ev["Task End Reason"], "speculative": ti.get("Speculative", False),
                        "index": ti["Index"], "read": read})
        log._task_ends = out
    return log._task_ends


def _first_tasks(log):
    """The launch time of each executor's first task in the application."""
    first = {}
    for t in _task_ends(log):
        if t["executor"] not in first or t["launch"] < first[t["executor"]]:
            first[t["executor"]] = t["launch"]
    return first


def _stage_tasks(log):
    by = {}
    for t in _task_ends(log):
        by.setdefault((t["stage"], t["attempt"]), []).append(t)
    return by


def _slow_hosts(log, ratio, min_ms):
    """{host: [(stage, host median, others median)]} for stages where the
    tasks of one host have a median >= ratio x (and >= min_ms more than) the
    median of the other hosts' tasks, with no more bytes read per task."""
    out = {}
    for (sid, _), ts in sorted(_stage_tasks(log).items()):
        ok = [t for t in ts if t["ok"]]
        hosts = {t["host"] for t in ok}
        if len(ok) < 4 or len(hosts) < 2:
            continue
        for h in sorted(hosts):
            mine = [t for t in ok if t["host"] == h]
            rest = [t for t in ok if t["host"] != h]
            hm, rm = _median([t["ms"] for t in mine]), _median([t["ms"] for t in rest])
            rb = _median([t["read"] for t in rest])
            if hm >= ratio * max(rm, 1) and hm - rm >= min_ms and \
                    _median([t["read"] for t in mine]) <= 1.5 * rb + MB:
                out.setdefault(h, []).append((sid, hm, rm))
    return out


def find_slow_host(log):
    out = []
    for h, stages in _slow_hosts(log, 2, 2000).items():
        if len(stages) < 2:
            continue
        f = log.where([s for s, _, _ in stages])
        f["host"] = h
        f["evidence"] = (f"host {h} is the slow one in {len(stages)} stages: " + ", ".join(
            f"stage {s} median task {hm / 1000:.1f}s vs {rm / 1000:.1f}s elsewhere"
            for s, hm, rm in stages[:4]) + "; same bytes per task")
        f["_score"] = len(stages)
        out.append(f)
    return out


def hint_slow_host(log):
    for h, stages in _slow_hosts(log, 1.5, 1000).items():
        if len(stages) >= 2:
            return f"host {h} slower in stages {[s for s, _, _ in stages]}"
    return None


def _warmup_stages(log, ratio, min_ms):
    """Stages where the tasks that are their executor's first task of the
    application have a median >= ratio x (and >= min_ms more than) the other
    successful tasks, reading no more bytes than them (not data skew)."""
    first = _first_tasks(log)
    out = []
    for (sid, _), ts in sorted(_stage_tasks(log).items()):
        ok = [t for t in ts if t["ok"]]
        cold = [t for t in ok if first.get(t["executor"]) == t["launch"]]
        warm = [t for t in ok if first.get(t["executor"]) != t["launch"]]
        if not cold or len(warm) < 3:
            continue
        cm, wm = _median([t["ms"] for t in cold]), _median([t["ms"] for t in warm])
        if cm >= ratio * max(wm, 1) and cm - wm >= min_ms and \
                _median([t["read"] for t in cold]) <= 1.5 * _median([t["read"] for t in warm]) + MB:
            out.append((sid, len(cold), cm, wm, len(ok)))
    return out


def find_executor_warmup(log):
    out = []
    for sid, n, cm, wm, total in _warmup_stages(log, 3, 2000):
        f = log.where([sid])
        f["evidence"] = (f"stage {sid}: the first task of {n} fresh executor(s) took "
                         f"{cm / 1000:.1f}s (median) vs {wm / 1000:.2f}s for the other "
                         f"{total - n} tasks, reading the same bytes")
        f["_score"] = cm / max(wm, 1)
        out.append(f)
    return out


def hint_executor_warmup(log):
    w = _warmup_stages(log, 2, 1000)
    if w:
        return f"stage {w[0][0]}: first tasks {w[0][2]} ms vs {w[0][3]} ms"
    return None


def _stragglers(log, ratio, min_ms):
    """Task attempts (killed ones included) >= ratio x the stage's median
    successful task and >= min_ms, that are not their executor's first task
    and read no more than 2x the median bytes."""
    first = _first_tasks(log)
    out = []
    for (sid, _), ts in sorted(_stage_tasks(log).items()):
        ok = [t for t in ts if t["ok"]]
        if len(ok) < 4:
            continue
        med = _median([t["ms"] for t in ok])
        mb = _median([t["read"] for t in ok])
        for t in ts:
            if t["ms"] >= min_ms and t["ms"] >= ratio * max(med, 1) and \
                    first.get(t["executor"]) != t["launch"] and t["read"] <= 2 * mb + MB:
                out.append((sid, t, med))
    return out


def find_straggler(log):
    out = []
    for sid, t, med in _stragglers(log, 3, 10000):
        spec = [x for x in _stage_tasks(log)[(sid, t.get("attempt", 0))]
                if x["index"] == t["index"] and x["speculative"]]
        f = log.where([sid])
        how = "finished"
        if t["reason"].get("Reason") == "TaskKilled":
            how = f"was killed ({t['reason'].get('Kill Reason', '')})"
        f["evidence"] = (f"stage {sid}: task {t['index']} ran {t['ms'] / 1000:.1f}s on "
                         f"{t['host']} and {how}, vs median {med / 1000:.2f}s, same bytes"
                         + (f"; a speculative copy ran {spec[0]['ms'] / 1000:.1f}s" if spec else ""))
        f["_score"] = t["ms"] / max(med, 1)
        out.append(f)
    return out


def hint_straggler(log):
    s = _stragglers(log, 2, 3000)
    if s:
        return f"stage {s[0][0]}: task {s[0][1]['index']} {s[0][1]['ms']} ms vs median {s[0][2]} ms"
    return None


def find_driver_stall(log):
    """One long stretch with no job running between two jobs of a batch app."""
    g = _driver_gaps(log)
    if not g or not g[2] or max(g[2]) < 20000:
        return []
    return [{"stages": [], "jobs": [], "_score": max(g[2]), "evidence":
             f"no job runs for {max(g[2]) / 1000:.1f} s between two jobs "
             f"({g[0] / 1000:.0f} s from the first job start to the last job end)"}]


def hint_driver_stall(log):
    g = _driver_gaps(log)
    if g and g[2] and max(g[2]) >= 10000:
        return f"gap of {max(g[2]) / 1000:.0f} s between jobs"
    return None


_LISTING = re.compile(r"Listing leaf files and directories for (\d+) paths")


def _listing_jobs(log):
    for j in log.jobs:
        m = _LISTING.search((j.get("name") or "") + " " + (j.get("description") or ""))
        if m:
            yield j, int(m.group(1))


def find_spark_listing(log):
    out = []
    for j, n in _listing_jobs(log):
        if n >= 100:
            f = {"stages": sorted(j["stageIds"]), "jobs": [j["jobId"]], "_score": n,
                 "evidence": f"job {j['jobId']} is Spark's parallel file listing of {n} paths "
                             f"({j['numTasks']} tasks)"}
            out.append(f)
    return out


def hint_spark_listing(log):
    for j, n in _listing_jobs(log):
        return f"job {j['jobId']} lists {n} paths"
    return None


_READER = re.compile(r"^(json|csv) at ")


def _inference_jobs(log):
    """Jobs of DataFrameReader.json/csv that belong to no SQL execution: the
    scans Spark runs to infer a schema (or read a CSV header)."""
    in_sql = {j for e in log.sql for j in e["successJobIds"] + e["failedJobIds"] + e["runningJobIds"]}
    for j in log.jobs:
        if j["jobId"] not in in_sql and _READER.match(j.get("name") or ""):
            inp = sum(s.get("inputBytes", 0) for s in log.stages if s["stageId"] in j["stageIds"])
            yield j, inp


def find_schema_inference(log):
    out = []
    for j, inp in _inference_jobs(log):
        if inp >= MB:
            out.append({"stages": sorted(j["stageIds"]), "jobs": [j["jobId"]], "_score": inp,
                        "evidence": f"job {j['jobId']} ({j['name'].split(' at ')[0]}) reads "
                                    f"{fmt_bytes(inp)} outside any SQL query to infer a schema"})
    return out


def hint_schema_inference(log):
    for j, inp in _inference_jobs(log):
        return f"job {j['jobId']} {j['name']}"
    return None


def _waits(log):
    """(job, ms from submission to its first task launch) for each job
    submitted while no executor was alive (dynamic allocation from zero, or
    all executors removed): the job waits for executors, not for free cores."""
    first = {}
    for t in _task_ends(log):
        first[t["stage"]] = min(first.get(t["stage"], t["launch"]), t["launch"])
    changes = sorted((ev["Timestamp"], 1 if ev["Event"] == "SparkListenerExecutorAdded" else -1)
                     for ev in log.events
                     if ev["Event"] in ("SparkListenerExecutorAdded", "SparkListenerExecutorRemoved"))
    for j in log.jobs:
        launches = [first[s] for s in j["stageIds"] if s in first]
        if not j.get("submissionTime") or not launches:
            continue
        sub = _ts(j["submissionTime"])
        if sum(d for ts, d in changes if ts <= sub) <= 0:
            yield j, min(launches) - sub


def find_waiting_for_executors(log):
    out = []
    for j, w in _waits(log):
        if w >= 5000:
            out.append({"stages": [], "jobs": [j["jobId"]], "_score": w,
                        "evidence": f"job {j['jobId']} was submitted with no executor alive and "
                                    f"waited {w / 1000:.1f} s for its first task"})
    return out


def hint_waiting_for_executors(log):
    for j, w in _waits(log):
        if w >= 2000:
            return f"job {j['jobId']} waited {w} ms for its first task"
    return None


def finder(problem):
    return globals()["find_" + problem.replace("-", "_")]


def hinter(problem):
    return globals()["hint_" + problem.replace("-", "_")]
