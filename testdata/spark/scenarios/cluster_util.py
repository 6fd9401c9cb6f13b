"""Helpers shared by the cluster_* scenarios (run on the executors too: the
scenario directory is on the executors' PYTHONPATH, see common.CLUSTER_CONF).
"""
import os
import signal
import threading
import time

_seen = set()


def executor_host():
    """The loopback address of the worker that runs this Python worker (the
    worker was started with SPARK_LOCAL_IP=127.0.0.x; its executor JVM and
    the JVM's Python workers inherit it)."""
    return os.environ.get("SPARK_LOCAL_IP", "")


def once_per_task(seconds_for_host):
    """A function x -> x that sleeps seconds_for_host(host) once per task
    attempt (the first row it sees), e.g. to throttle one host."""
    def f(x):
        from pyspark import TaskContext
        tc = TaskContext.get()
        key = tc.taskAttemptId()
        if key not in _seen:
            _seen.add(key)
            s = seconds_for_host(executor_host(), tc)
            if s:
                time.sleep(s)
        return x
    return f


def executor_pids(host, app_id):
    """PIDs of the CoarseGrainedExecutorBackend JVMs of application app_id
    started with --hostname host (another cluster on the same machine may use
    the same loopback addresses)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if b"org.apache.spark.executor.CoarseGrainedExecutorBackend" not in args:
            continue
        if b"--hostname" in args and args[args.index(b"--hostname") + 1] == host.encode() \
                and b"--app-id" in args and args[args.index(b"--app-id") + 1] == app_id.encode():
            out.append(int(d))
    return out


def kill_executor_when(cond, host, app_id, poll=0.2, timeout=300):
    """Start a driver thread that SIGKILLs the executor JVM of app_id on host
    as soon as cond() is true; returns the thread (its .killed list holds the
    PIDs)."""
    t = threading.Thread(daemon=True)
    t.killed = []

    def run():
        t0 = time.time()
        while time.time() - t0 < timeout:
            if cond():
                for pid in executor_pids(host, app_id):
                    os.kill(pid, signal.SIGKILL)
                    t.killed.append(pid)
                return
            time.sleep(poll)
    t.run = run
    t.start()
    return t


def burn(seconds):
    """Pure-Python CPU work for about `seconds` (a per-executor init, a
    driver-side loop); returns a checksum."""
    acc, t0 = 0, time.time()
    while time.time() - t0 < seconds:
        for i in range(10000):
            acc = (acc * 31 + i) % 1_000_003
    return acc
