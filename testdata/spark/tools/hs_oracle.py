"""Run the real Spark History Server over event logs and save its REST answers.

    python hs_oracle.py --spark-home DIR --logs DIR [--logs DIR ...] --out DIR

Each --logs DIR holds logs named as in testdata/spark/logs/<version>/: single
files (``<scenario>.<codec>``, ``<scenario>.<codec>.inprogress``) and
directories ``<scenario>/eventlog_v2_<appId>/`` (rolling logs).  They are
copied (mtime kept) into a temporary HS log directory, flattened so the HS
sees ``eventlog_v2_*`` at top level, the HS is started on a free localhost port
and, once every application is listed, the endpoints below are saved as
JSON exactly as the server sends it (pretty-printed by the server) under
``<out>/<log-name>/<endpoint>.json``.

Only the standard library is used.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import OrderedDict

# endpoint file name -> path under /api/v1/applications/<appId>
ENDPOINTS = [
    ("application", ""),
    ("jobs", "/jobs"),
    # details=false&withSummaries=true: every stage attempt with its aggregate
    # metrics plus per-stage task-metric quantiles (0, .25, .5, .75, 1) and
    # executor-metric quantiles, without the per-task lists (details=true lists
    # every task, tens of MB for the many-task scenarios).
    ("stages", "/stages?details=false&withSummaries=true&quantiles=0.0,0.25,0.5,0.75,1.0"),
    ("allexecutors", "/allexecutors"),
    ("sql", "/sql?details=true&planDescription=true&offset=0&length=100000"),
    ("environment", "/environment"),
]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def stage_logs(log_dirs, hs_dir):
    """Copy logs into hs_dir; returns {hs entry name: (log-name, src)}."""
    entries = {}
    for d in log_dirs:
        for name in sorted(os.listdir(d)):
            src = os.path.join(d, name)
            if name.startswith(".") or name.endswith(".json"):
                continue
            if os.path.isdir(src):
                subs = [s for s in os.listdir(src) if s.startswith("eventlog_v2_")]
                if len(subs) != 1:
                    raise SystemExit(f"{src}: expected one eventlog_v2_* dir, found {subs}")
                dst = os.path.join(hs_dir, subs[0])
                shutil.copytree(os.path.join(src, subs[0]), dst, copy_function=shutil.copy2)
                entries[subs[0]] = name
            else:
                shutil.copy2(src, os.path.join(hs_dir, name))
                entries[name] = name
    return entries


def get(url, timeout=120):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read()


def get_json(url):
    return json.loads(get(url), object_pairs_hook=OrderedDict)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spark-home", required=True)
    ap.add_argument("--logs", action="append", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--app-ids", required=True,
                    help="JSON file {log-name: appId} for the logs to dump")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()

    with open(args.app_ids) as f:
        want = json.load(f)

    tmp = tempfile.mkdtemp(prefix="sparkdiag-hs-")
    hs_dir = os.path.join(tmp, "logs")
    os.makedirs(hs_dir)
    entries = stage_logs(args.logs, hs_dir)
    names = set(entries.values())
    missing = set(want) - names
    if missing:
        raise SystemExit(f"no log for {sorted(missing)}")

    port = free_port()
    props = os.path.join(tmp, "hs.properties")
    with open(props, "w") as f:
        f.write(f"spark.history.fs.logDirectory=file://{hs_dir}\n")
        f.write(f"spark.history.ui.port={port}\n")
        f.write("spark.history.ui.host=127.0.0.1\n")
        f.write("spark.history.fs.update.interval=1s\n")
        f.write("spark.history.fs.cleaner.enabled=false\n")
        f.write("spark.history.retainedApplications=200\n")
        # never compact the rolling logs we keep
        f.write("spark.history.fs.eventLog.rolling.maxFilesToRetain=2147483647\n")
        f.write(f"spark.history.store.path={os.path.join(tmp, 'store')}\n")
        f.write("spark.ui.retainedJobs=100000\nspark.ui.retainedStages=100000\n")
        f.write("spark.ui.retainedTasks=10000000\nspark.sql.ui.retainedExecutions=100000\n")
        f.write("spark.history.fs.inProgressOptimization.enabled=false\n")
    env = dict(os.environ)
    env["SPARK_HOME"] = args.spark_home
    env["SPARK_DAEMON_MEMORY"] = "3g"
    env["SPARK_LOG_DIR"] = os.path.join(tmp, "hslogs")
    env.pop("SPARK_CONF_DIR", None)
    log = open(os.path.join(tmp, "hs.out"), "w")
    cmd = [os.path.join(args.spark_home, "bin", "spark-class"),
           "org.apache.spark.deploy.history.HistoryServer", "--properties-file", props]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.time() + args.timeout
        listed = {}
        while True:
            if proc.poll() is not None:
                log.flush()
                sys.stderr.write(open(os.path.join(tmp, "hs.out")).read()[-5000:])
                raise SystemExit("history server exited")
            try:
                apps = get_json(base + "/applications?status=completed") + \
                    get_json(base + "/applications?status=running")
                listed = {a["id"]: a for a in apps}
                if all(a in listed for a in want.values()):
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.time() > deadline:
                raise SystemExit(f"timeout; listed {sorted(listed)}, want {want}")
            time.sleep(1)
        for logname, app in sorted(want.items()):
            outdir = os.path.join(args.out, logname)
            shutil.rmtree(outdir, ignore_errors=True)
            os.makedirs(outdir)
            for fname, suffix in ENDPOINTS:
                url = f"{base}/applications/{app}{suffix}"
                raw = get(url)
                json.loads(raw)  # must be valid JSON
                # saved byte for byte as the server sends it (Jackson's pretty
                # printer: 2-space indent, arrays on one line, server key order)
                with open(os.path.join(outdir, fname + ".json"), "wb") as f:
                    f.write(raw)
            print(f"hs: {logname} ({app}) saved", file=sys.stderr)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
