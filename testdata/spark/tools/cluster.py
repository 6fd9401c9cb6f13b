"""A real Spark standalone cluster on loopback addresses, for the cluster runs.

    with StandaloneCluster(spark_home, workdir, workers=3) as c:
        c.master_url        # spark://127.0.0.1:<port>
        c.worker_hosts      # ["127.0.0.2", "127.0.0.3", "127.0.0.4"]

The master (``spark-class org.apache.spark.deploy.master.Master``) binds to
127.0.0.1; each worker (``...deploy.worker.Worker``) binds to its own loopback
address (``--host`` and ``SPARK_LOCAL_IP``), so the executors it launches
report distinct hosts.  Every JVM runs under ``nice``.  ``start()`` waits until
every worker is ALIVE in the master's ``/json`` answer; ``stop()`` ends every
process it started, by PID (SIGTERM, then SIGKILL after a grace period), and
the executor JVMs those workers launched (found as their children in /proc).
``stop()`` is also registered with atexit and for SIGTERM/SIGINT/SIGHUP, so an
interrupted generation leaves nothing running.

Standard library only.
"""

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

_LIVE = []  # clusters not yet stopped (for the atexit / signal handlers)


def free_port(host="127.0.0.1"):
    s = socket.socket()
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def _children(pid):
    """PIDs whose parent is pid (from /proc)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            out.append(int(d))
    return out


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child counts as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def executor_pids(host=None):
    """PIDs of CoarseGrainedExecutorBackend JVMs (optionally only --hostname host)."""
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
        if host is not None:
            try:
                i = args.index(b"--hostname")
            except ValueError:
                continue
            if args[i + 1].decode() != host:
                continue
        out.append(int(d))
    return out


class StandaloneCluster:
    def __init__(self, spark_home, workdir, workers=3, worker_cores=1, worker_memory="1g",
                 daemon_memory="256m", nice=10, log=None):
        self.spark_home = spark_home
        self.workdir = workdir
        self.n = workers
        self.worker_cores = worker_cores
        self.worker_memory = worker_memory
        self.daemon_memory = daemon_memory
        self.nice = nice
        self.log = log or (lambda m: print(f"[cluster] {m}", file=sys.stderr, flush=True))
        self.worker_hosts = [f"127.0.0.{i + 2}" for i in range(workers)]
        self.procs = []  # (name, Popen)
        self.master_url = None
        self.webui = None

    # -- lifecycle ----------------------------------------------------------

    def _spawn(self, name, cls, args, local_ip):
        env = dict(os.environ)
        env["SPARK_HOME"] = self.spark_home
        env["SPARK_LOCAL_IP"] = local_ip
        env["SPARK_DAEMON_MEMORY"] = self.daemon_memory
        env["SPARK_LOG_DIR"] = os.path.join(self.workdir, "logs")
        env["SPARK_NO_DAEMONIZE"] = "1"
        env.pop("SPARK_CONF_DIR", None)
        out = open(os.path.join(self.workdir, f"{name}.out"), "w")
        cmd = ["nice", "-n", str(self.nice), os.path.join(self.spark_home, "bin", "spark-class"),
               cls] + args
        # spark-class execs java, so the PID is the JVM's
        p = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT,
                             cwd=self.workdir, start_new_session=True)
        out.close()
        self.procs.append((name, p))
        return p

    def start(self, timeout=180):
        os.makedirs(os.path.join(self.workdir, "logs"), exist_ok=True)
        _LIVE.append(self)
        _install_handlers()
        port, self.webui = free_port(), free_port()
        self.master_url = f"spark://127.0.0.1:{port}"
        self._spawn("master", "org.apache.spark.deploy.master.Master",
                    ["--host", "127.0.0.1", "--port", str(port), "--webui-port", str(self.webui)],
                    "127.0.0.1")
        self._wait_json(lambda j: j.get("status") == "ALIVE", timeout, "master")
        for i, host in enumerate(self.worker_hosts):
            wdir = os.path.join(self.workdir, f"worker{i + 1}")
            os.makedirs(wdir, exist_ok=True)
            self._spawn(f"worker{i + 1}", "org.apache.spark.deploy.worker.Worker",
                        ["--host", host, "--port", str(free_port(host)),
                         "--webui-port", str(free_port(host)),
                         "--cores", str(self.worker_cores), "--memory", self.worker_memory,
                         "--work-dir", wdir, self.master_url], host)
        want = set(self.worker_hosts)
        self._wait_json(lambda j: want <= {w["host"] for w in j.get("workers", [])
                                           if w.get("state") == "ALIVE"}, timeout, "workers")
        self.log(f"master {self.master_url} (web UI :{self.webui}), "
                 f"{self.n} workers on {', '.join(self.worker_hosts)} registered")
        return self

    def _wait_json(self, ok, timeout, what):
        t0 = time.time()
        while time.time() - t0 < timeout:
            for name, p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError(f"{name} exited with {p.returncode}; see "
                                       f"{os.path.join(self.workdir, name + '.out')}")
            try:
                j = self.master_json()
                if ok(j):
                    return j
            except OSError:
                pass
            time.sleep(1)
        raise RuntimeError(f"cluster: {what} not ready after {timeout}s")

    def master_json(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.webui}/json", timeout=5) as r:
            return json.load(r)

    def stop(self, grace=15):
        if self in _LIVE:
            _LIVE.remove(self)
        # executors launched by our workers, found before the workers go
        execs = [c for name, p in self.procs if name.startswith("worker")
                 for c in _children(p.pid)]
        for name, p in reversed(self.procs):
            if p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        t0 = time.time()
        while time.time() - t0 < grace and any(p.poll() is None for _, p in self.procs):
            time.sleep(0.3)
        for name, p in self.procs:
            if p.poll() is None:
                self.log(f"{name} (pid {p.pid}) did not stop; SIGKILL")
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        for pid in execs:
            if _alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.procs = []

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def _stop_all():
    for c in list(_LIVE):
        try:
            c.stop(grace=5)
        except Exception as e:  # noqa: BLE001 - best effort at exit
            print(f"[cluster] stop failed: {e}", file=sys.stderr)


_HANDLED = False


def _install_handlers():
    global _HANDLED
    if _HANDLED:
        return
    _HANDLED = True
    atexit.register(_stop_all)

    def on_signal(signum, frame):
        _stop_all()
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)


if __name__ == "__main__":
    # smoke test: python tools/cluster.py <spark_home> [workers]
    import tempfile

    home = sys.argv[1]
    with StandaloneCluster(home, tempfile.mkdtemp(prefix="sparkdiag-cluster-"),
                           workers=int(sys.argv[2]) if len(sys.argv) > 2 else 3) as c:
        print(json.dumps([(w["host"], w["state"], w["cores"]) for w in c.master_json()["workers"]]))
