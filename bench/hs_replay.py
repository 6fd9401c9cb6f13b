#!/usr/bin/env python3
"""Times the Spark History Server replaying one event log.

    python3 bench/hs_replay.py --spark-home DIR [--memory 6g] [--timeout 1200] LOG

Starts `spark-class org.apache.spark.deploy.history.HistoryServer` (from a
pyspark install: SPARK_HOME is the pyspark package directory) on a free
127.0.0.1 port with spark.history.fs.logDirectory pointed at a directory
holding only LOG, then polls /api/v1/applications/<id>/stages until it
answers: the server has then listed the application and replayed the whole
log into its store. Prints one line of JSON: seconds from start to the
first answer, the peak RSS of the server's JVM (VmHWM), and "ok" or the
reason it gave up. The server is stopped in every case.
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


def app_id(log):
    """The App ID of the application-start event, read through zstd."""
    p = subprocess.Popen(["zstd", "-dc", log], stdout=subprocess.PIPE)
    try:
        for n, line in enumerate(p.stdout):
            if b"SparkListenerApplicationStart" in line[:60]:
                return json.loads(line)["App ID"]
            if n > 10000:
                break
    finally:
        p.kill()
        p.wait()
    raise SystemExit("no application start event in the first lines of " + log)


def port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spark-home", required=True)
    ap.add_argument("--memory", default="6g", help="SPARK_DAEMON_MEMORY (the server's heap)")
    ap.add_argument("--timeout", type=float, default=1200)
    ap.add_argument("log")
    a = ap.parse_args()

    app = app_id(a.log)
    tmp = tempfile.mkdtemp(prefix="sparkdiag-hs-")
    logs = os.path.join(tmp, "logs")
    os.makedirs(logs)
    dst = os.path.join(logs, app + ".zstd")
    try:
        os.link(a.log, dst)
    except OSError:
        shutil.copyfile(a.log, dst)
    p = port()
    props = os.path.join(tmp, "hs.properties")
    with open(props, "w") as f:
        f.write("spark.history.fs.logDirectory=file://%s\n" % logs)
        f.write("spark.history.ui.port=%d\n" % p)
        f.write("spark.history.ui.host=127.0.0.1\n")
        f.write("spark.history.fs.update.interval=1s\n")
        f.write("spark.history.fs.cleaner.enabled=false\n")
        f.write("spark.ui.retainedTasks=100000000\n")
    env = dict(os.environ, SPARK_HOME=a.spark_home, SPARK_DAEMON_MEMORY=a.memory,
               SPARK_LOG_DIR=os.path.join(tmp, "hslogs"))
    env.pop("SPARK_CONF_DIR", None)
    out = open(os.path.join(tmp, "hs.out"), "w")
    cmd = [os.path.join(a.spark_home, "bin", "spark-class"),
           "org.apache.spark.deploy.history.HistoryServer", "--properties-file", props]
    start = time.time()
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = "http://127.0.0.1:%d/api/v1/applications/%s/stages" % (p, app)
    status, rss = "timeout", 0
    try:
        while time.time() - start < a.timeout:
            rss = max(rss, peak_rss_kb(proc.pid))
            if proc.poll() is not None:
                out.flush()
                tail = open(os.path.join(tmp, "hs.out")).read()[-2000:]
                status = "exited: " + tail.strip().splitlines()[-1] if tail.strip() else "exited"
                break
            try:
                with urllib.request.urlopen(url, timeout=600) as r:
                    r.read()
                    if r.status == 200:
                        status = "ok"
                        break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.5)
        secs = time.time() - start
        rss = max(rss, peak_rss_kb(proc.pid))
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        out.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps({"seconds": round(secs, 2), "peak_rss_kb": rss, "status": status, "app": app}))


if __name__ == "__main__":
    sys.exit(main())
