#!/usr/bin/env python3
"""Per-stage aggregation of a Spark event log with the json module: the
baseline a person would write.  Reads the decompressed log on standard input
(zstd -dc LOG | python3 bench/stage_agg.py) and prints, per stage attempt,
the number of task ends, the failed ones, the total executor run time, the
largest task duration and the total shuffle bytes read and written, as
bench/stage_agg.jq does.
"""
import json
import sys


def main():
    stages = {}
    for line in sys.stdin.buffer:
        if not line.strip():
            continue
        e = json.loads(line)
        if e.get("Event") != "SparkListenerTaskEnd":
            continue
        key = "%s.%s" % (e.get("Stage ID"), e.get("Stage Attempt ID"))
        s = stages.get(key)
        if s is None:
            s = stages[key] = {"tasks": 0, "failed": 0, "runTime": 0, "maxDuration": 0,
                               "shuffleRead": 0, "shuffleWrite": 0}
        info = e.get("Task Info") or {}
        m = e.get("Task Metrics") or {}
        s["tasks"] += 1
        if info.get("Failed"):
            s["failed"] += 1
        s["runTime"] += m.get("Executor Run Time", 0)
        d = info.get("Finish Time", 0) - info.get("Launch Time", 0)
        if d > s["maxDuration"]:
            s["maxDuration"] = d
        r = m.get("Shuffle Read Metrics") or {}
        s["shuffleRead"] += r.get("Remote Bytes Read", 0) + r.get("Local Bytes Read", 0)
        w = m.get("Shuffle Write Metrics") or {}
        s["shuffleWrite"] += w.get("Shuffle Bytes Written", 0)
    json.dump(stages, sys.stdout)
    print()


if __name__ == "__main__":
    main()
