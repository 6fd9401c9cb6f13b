#!/usr/bin/env python3
"""Verify labels.json against the saved History Server JSON and the logs.

For every log: each ``expect`` problem must be measured again by
tools/evidence.py with the strict thresholds, at the recorded stage / job /
SQL execution; each ``absent`` problem must show no hint even with the loose
thresholds.  Also checks that every log and HS directory exists and that the
recorded app id is the one the HS reported.  Needs the ``zstandard`` package
(the generate venvs have it).

    python check_labels.py [--only SCENARIO,...]
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "tools"))

import evidence  # noqa: E402


def check_entry(e):
    errs = []
    logname = os.path.basename(e["path"].rstrip("/"))
    if not os.path.exists(os.path.join(HERE, e["path"])):
        return [f"missing log {e['path']}"]
    log = evidence.Log(HERE, e["spark"], logname)
    if log.app["id"] != e["appId"]:
        errs.append(f"appId {e['appId']} != HS {log.app['id']}")
    # the log decodes (whatever its codec / layout) to the tasks the HS counted
    ends = sum(1 for ev in log.events if ev["Event"] == "SparkListenerTaskEnd")
    hs_tasks = sum(s["numCompleteTasks"] + s["numFailedTasks"] + s["numKilledTasks"]
                   for s in log.stages)
    if ends != hs_tasks:
        errs.append(f"log has {ends} TaskEnd events, the HS counted {hs_tasks} finished tasks")
    for want in e["expect"]:
        p = want["problem"]
        if want.get("missing"):
            errs.append(f"expect {p}: not found when labelling")
            continue
        found = evidence.finder(p)(log, **want.get("args", {}))
        ok = False
        for f in found:
            if want.get("stages") and not set(want["stages"]) <= set(f.get("stages", [])):
                continue
            if "sqlExecution" in want and f.get("sqlExecution") not in (None, want["sqlExecution"]):
                continue
            ok = True
        op = want.get("sqlOperator")
        if ok and op and "sqlExecution" in want:
            ex = [x for x in log.sql if x["id"] == want["sqlExecution"]]
            if not ex or not any(op in n["nodeName"] for n in ex[0]["nodes"]):
                errs.append(f"expect {p}: operator {op} not in SQL execution {want['sqlExecution']}")
        if not ok:
            errs.append(f"expect {p}: not supported by the HS numbers at {want.get('stages')} "
                        f"(found {[x.get('evidence') for x in found][:3]})")
    for p in e["absent"]:
        h = evidence.hinter(p)(log)
        if h:
            errs.append(f"absent {p}: but {h}")
    return errs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    with open(os.path.join(HERE, "labels.json")) as f:
        labels = json.load(f)
    only = set(args.only.split(",")) if args.only else None
    passed = failed = 0
    for e in labels["logs"]:
        if only and e["scenario"] not in only:
            continue
        try:
            errs = check_entry(e)
        except Exception as ex:  # noqa: BLE001
            errs = [f"error: {type(ex).__name__}: {ex}"]
        if errs:
            failed += 1
            print(f"FAIL {e['path']}")
            for x in errs:
                print(f"     {x}")
        else:
            passed += 1
            print(f"ok   {e['path']}: " + "; ".join(
                f"{w['problem']} ({w['evidence']})" for w in e["expect"]) if e["expect"]
                else f"ok   {e['path']}: no problem expected, {len(e['absent'])} absent verified")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
