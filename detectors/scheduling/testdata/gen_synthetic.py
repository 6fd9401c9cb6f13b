"""Regenerate: python3 detectors/scheduling/testdata/gen_synthetic.py detectors

Writes minimal synthetic Spark event logs (plain JSON lines) for unit tests.

Each log has only the events the model needs: log start, environment,
application start/end, executors, jobs, stages and task ends with metrics.
"""
import json
import sys

T0 = 1_700_000_000_000


def env(props, java="17.0.10"):
    return {"Event": "SparkListenerEnvironmentUpdate",
            "JVM Information": {"Java Version": java},
            "Spark Properties": props, "Hadoop Properties": {}, "System Properties": {},
            "Classpath Entries": {}}


def executor(eid, cores, t=0, host=None):
    return {"Event": "SparkListenerExecutorAdded", "Timestamp": T0 + t, "Executor ID": eid,
            "Executor Info": {"Host": host or f"host-{eid}", "Total Cores": cores, "Log Urls": {},
                              "Attributes": {}, "Resources": {}, "Resource Profile Id": 0}}


def stage_info(sid, name, ntasks, submit=None, complete=None, details=""):
    d = {"Stage ID": sid, "Stage Attempt ID": 0, "Stage Name": name, "Number of Tasks": ntasks,
         "RDD Info": [], "Parent IDs": [], "Details": details, "Accumulables": [],
         "Resource Profile Id": 0}
    if submit is not None:
        d["Submission Time"] = T0 + submit
    if complete is not None:
        d["Completion Time"] = T0 + complete
    return d


def task_end(sid, tid, idx, eid, launch, dur, run, gc=0, deser=5, ser=1, inp=0, shr=0, shw=0,
             mem=0, disk=0, peak=0, result=2000):
    return {"Event": "SparkListenerTaskEnd", "Stage ID": sid, "Stage Attempt ID": 0,
            "Task Type": "ResultTask", "Task End Reason": {"Reason": "Success"},
            "Task Info": {"Task ID": tid, "Index": idx, "Attempt": 0, "Partition ID": idx,
                          "Launch Time": T0 + launch, "Executor ID": eid, "Host": f"host-{eid}",
                          "Locality": "PROCESS_LOCAL", "Speculative": False,
                          "Getting Result Time": 0, "Finish Time": T0 + launch + dur,
                          "Failed": False, "Killed": False, "Accumulables": []},
            "Task Metrics": {
                "Executor Deserialize Time": deser, "Executor Deserialize CPU Time": 0,
                "Executor Run Time": run, "Executor CPU Time": run * 900_000,
                "Peak Execution Memory": peak, "Result Size": result, "JVM GC Time": gc,
                "Result Serialization Time": ser, "Memory Bytes Spilled": mem,
                "Disk Bytes Spilled": disk,
                "Shuffle Read Metrics": {"Remote Blocks Fetched": 0, "Local Blocks Fetched": 1 if shr else 0,
                                         "Fetch Wait Time": 0, "Remote Bytes Read": 0,
                                         "Remote Bytes Read To Disk": 0, "Local Bytes Read": shr,
                                         "Total Records Read": shr // 100},
                "Shuffle Write Metrics": {"Shuffle Bytes Written": shw, "Shuffle Write Time": 0,
                                          "Shuffle Records Written": shw // 100},
                "Input Metrics": {"Bytes Read": inp, "Records Read": inp // 100},
                "Output Metrics": {"Bytes Written": 0, "Records Written": 0},
                "Updated Blocks": []}}


def job(jid, submit, complete, stages, desc=None):
    props = {}
    if desc:
        props["spark.job.description"] = desc
    start = {"Event": "SparkListenerJobStart", "Job ID": jid, "Submission Time": T0 + submit,
             "Stage Infos": [stage_info(s[0], s[1], len(s[4])) for s in stages],
             "Stage IDs": [s[0] for s in stages], "Properties": props}
    out = [start]
    for sid, name, s_sub, s_end, tasks in stages:
        out.append({"Event": "SparkListenerStageSubmitted",
                    "Stage Info": stage_info(sid, name, len(tasks), submit=s_sub), "Properties": props})
        for t in tasks:
            info = dict(t["Task Info"])
            info["Finish Time"] = 0
            out.append({"Event": "SparkListenerTaskStart", "Stage ID": sid, "Stage Attempt ID": 0, "Task Info": info})
        out.extend(tasks)
        out.append({"Event": "SparkListenerStageCompleted",
                    "Stage Info": stage_info(sid, name, len(tasks), submit=s_sub, complete=s_end)})
    out.append({"Event": "SparkListenerJobEnd", "Job ID": jid, "Completion Time": T0 + complete,
                "Job Result": {"Result": "JobSucceeded"}})
    return out


def app(name, props, execs, jobs, end, version="3.5.1"):
    ev = [{"Event": "SparkListenerLogStart", "Spark Version": version}, env(props)]
    ev.append({"Event": "SparkListenerApplicationStart", "App Name": name, "App ID": "app-test-" + name,
               "Timestamp": T0, "User": "test"})
    ev.extend(execs)
    for j in jobs:
        ev.extend(j)
    ev.append({"Event": "SparkListenerApplicationEnd", "Timestamp": T0 + end})
    return ev


def write(path, events):
    with open(path, "w") as f:
        for e in events:
            f.write(json.dumps(e, separators=(",", ":")) + "\n")


MB = 1 << 20

# gc_pressure.json: a YARN-like cluster of 3 executors x 4 cores, 4g heaps,
# Java 8. Stage 0 (12 tasks of 20 s, 256 MiB input each): the 4 tasks on
# executor 1 spend 12 s each in GC, the others 1 s (GC share 23%);
# executor 1 stands out. Stage 1 (12 tasks of 5 s, 200 ms GC) is healthy.
tid = 0
t0, t1 = [], []
for i in range(12):
    e = str(i % 3 + 1)
    t0.append(task_end(0, tid, i, e, 1000, 20100, 20000, gc=12000 if e == "1" else 1000, inp=256 * MB, shw=64 * MB))
    tid += 1
for i in range(12):
    e = str(i % 3 + 1)
    t1.append(task_end(1, tid, i, e, 22000, 5100, 5000, gc=200, shr=64 * MB))
    tid += 1
write(sys.argv[1] + "/gc/testdata/gc_pressure.json", app(
    "nightly-aggregation",
    {"spark.master": "yarn", "spark.executor.memory": "4g", "spark.executor.cores": "4", "spark.app.name": "nightly-aggregation"},
    [executor(str(i), 4) for i in (1, 2, 3)],
    [job(0, 500, 27500, [(0, "save at etl.scala:42", 900, 21200, t0), (1, "save at etl.scala:42", 21900, 27200, t1)])],
    end=30000))

# driver_gaps.json: a batch application on local[4]. Job 0 (stage 0,
# 5-15 s) collects 100 MiB of results to the driver; then 60 s pass with
# no stage running (the last 10 s inside SQL execution 1, which job 1
# belongs to); job 1 (stage 1) runs 75-85 s; the application ends at 90 s.
tid = 0
ts0 = [task_end(0, i, i, "driver", 5100, 9800, 9500, inp=32 * MB, result=25 * MB) for i in range(4)]
ts1 = [task_end(1, 4 + i, i, "driver", 75100, 9800, 9500, inp=32 * MB) for i in range(4)]
ev = app("nightly-report", {"spark.master": "local[4]", "spark.app.name": "nightly-report"},
         [executor("driver", 4)],
         [job(0, 5000, 15100, [(0, "collect at report.py:12", 5000, 15000, ts0)], desc="load and collect"),
          [{"Event": "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart", "executionId": 1,
            "rootExecutionId": 1, "description": "write report", "details": "", "physicalPlanDescription": "",
            "sparkPlanInfo": {"nodeName": "Execute InsertIntoHadoopFsRelationCommand", "simpleString": "Execute InsertIntoHadoopFsRelationCommand",
                              "children": [], "metadata": {}, "metrics": []},
            "time": T0 + 65000, "modifiedConfigs": {}}],
          job(1, 75000, 85100, [(1, "parquet at report.py:40", 75000, 85000, ts1)], desc="write report"),
          [{"Event": "org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd", "executionId": 1, "time": T0 + 85200}]],
         end=90000)
# job 1 belongs to SQL execution 1
for e in ev:
    if e.get("Event") == "SparkListenerJobStart" and e["Job ID"] == 1:
        e["Properties"]["spark.sql.execution.id"] = "1"
    if e.get("Event") == "SparkListenerStageSubmitted" and e["Stage Info"]["Stage ID"] == 1:
        e["Properties"]["spark.sql.execution.id"] = "1"
write(sys.argv[1] + "/scheduling/testdata/driver_gaps.json", ev)

# huge_partitions.json: an RDD job on 2 executors x 8 cores. Stage 0 (16
# tasks) writes 4 GiB of shuffle; stage 1 reads it in 2 partitions of 2 GiB
# (reduceByKey with numPartitions=2), 60 s each, no spill.
tid = 0
s0 = [task_end(0, i, i, str(i % 2 + 1), 1000, 10000, 9900, inp=256 * MB, shw=256 * MB) for i in range(16)]
s1 = [task_end(1, 16 + i, i, str(i % 2 + 1), 12000, 60000, 59900, shr=2048 * MB, peak=512 * MB) for i in range(2)]
write(sys.argv[1] + "/partitions/testdata/huge_partitions.json", app(
    "rdd-rollup",
    {"spark.master": "spark://master:7077", "spark.executor.memory": "8g", "spark.executor.cores": "8", "spark.app.name": "rdd-rollup"},
    [executor("1", 8), executor("2", 8)],
    [job(0, 500, 72500, [(0, "reduceByKey at rollup.scala:20", 900, 11100, s0), (1, "saveAsTextFile at rollup.scala:25", 11900, 72200, s1)])],
    end=75000))
