"""A multi-node Ray cluster on this one machine, every node on 127.0.0.1: a head and worker nodes.

What the tests and ``benchmarks/bench_cluster.py`` run the ``ray`` executor against, so the cluster
path (``--ray-address``) is exercised without a second machine. Each node is a real ``ray start``
process (``--block``, its own session and process group, its own ``--temp-dir``, CPU count and custom
resources), started with the settings that keep Ray on the loopback (:mod:`.ray_local`): usage
statistics off, node address 127.0.0.1, no dashboard, a private ``HOME`` with a local provider file.
Multi-node mode itself stays on (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=1``): worker nodes refuse to join
without it, and the explicit node address keeps every service on the loopback.

Nodes are stopped by their own process group (never ``ray stop``, which would stop every Ray process
of this user on the machine); :meth:`LocalRayCluster.kill_node` SIGKILLs one worker node mid-sweep.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .ray_local import LOOPBACK, private_home, ray_environment

__all__ = ["LocalRayCluster", "RayNode", "cluster_environment"]


#: Where the head's dashboard process sends its one "usage statistics disabled" notice: the loopback
#: discard port, where nothing listens here.
DISABLED_REPORT_URL = "http://127.0.0.1:9/"


def cluster_environment(home: str) -> dict[str, str]:
    """Environment for ``ray start`` processes and drivers of a loopback multi-node cluster."""
    env = dict(os.environ)
    env.update(ray_environment(loopback=True))
    env["HOME"] = home
    # A cluster started by ``ray start`` (not ``ray.init``) with usage statistics off still posts one
    # "disabled" notice to usage-stats.ray.io from its dashboard process; point it at the loopback.
    env["RAY_USAGE_STATS_REPORT_URL"] = DISABLED_REPORT_URL
    # Declare a killed node dead within seconds, not Ray's default of about half a minute.
    env.update({"RAY_health_check_period_ms": "1000", "RAY_health_check_timeout_ms": "1000",
                "RAY_health_check_failure_threshold": "3"})
    return env


_STARTED = "Ray runtime started"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


@dataclass
class RayNode:
    """One ``ray start --block`` process (its own process group) and its temp dir."""

    name: str
    temp_dir: str
    process: subprocess.Popen
    num_cpus: int
    resources: dict = field(default_factory=dict)

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def tasks(self) -> list[str]:
        """Titles of the Ray workers under this node now running a task (Ray titles them ``ray::NAME``)."""
        titles = [_cmdline(pid) for pid in _descendants(self.process.pid)]
        return [t for t in titles if t.startswith("ray::") and not t.startswith("ray::IDLE")]

    def kill(self) -> None:
        """SIGKILL every process of the node (its raylet, object store and workers share its group)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        for pid in _pids_under(self.temp_dir):  # workers that left the group, found by the node's temp dir
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def stop(self) -> None:
        if self.alive:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        self.kill()


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _descendants(root: int) -> list[int]:
    """Every process below ``root`` in the process tree (from /proc/PID/stat's parent ids)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _pids_under(temp_dir: str) -> list[int]:
    """Processes whose command line names ``temp_dir`` (Ray passes each node's session dir to its processes)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        if temp_dir in _cmdline(int(entry.name)):
            found.append(int(entry.name))
    return found


class LocalRayCluster:
    """A head and ``workers`` worker nodes on 127.0.0.1. Use as a context manager.

    ``head_cpus``/``worker_cpus``: CPUs each node offers (1 each keeps a 2-core machine usable);
    ``worker_resources``: custom resources of each worker node (e.g. ``{"accel": 1}``, standing in for
    GPUs); ``wrap``: a command prefix for every ``ray start``, ``{name}`` replaced by the node's name
    (the tests put ``strace -o trace-{name}.txt`` here).
    """

    def __init__(self, *, workers: int = 2, head_cpus: int = 1, worker_cpus: int = 1,
                 worker_resources: dict | None = None, root: str | None = None, wrap: tuple[str, ...] = (),
                 timeout: float = 120.0):
        self.root = Path(root or tempfile.mkdtemp(prefix="scalinglab-cluster-"))
        self.root.mkdir(parents=True, exist_ok=True)
        # Node temp dirs hold Unix sockets, whose paths must stay under 108 bytes: keep them short.
        self.temp_root = Path(tempfile.mkdtemp(prefix="slray-"))
        self.home = private_home()
        self.env = cluster_environment(self.home)
        self.head_ip = LOOPBACK
        self.port = _free_port()
        self.address = f"{self.head_ip}:{self.port}"
        self.nodes: list[RayNode] = []
        self._spec = (workers, head_cpus, worker_cpus, dict(worker_resources or {}))
        self._wrap = tuple(wrap)
        self._timeout = timeout

    # -- lifecycle --------------------------------------------------------------------------------
    def __enter__(self) -> "LocalRayCluster":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        workers, head_cpus, worker_cpus, resources = self._spec
        self._start_node("head", head_cpus, {}, ["--head", f"--port={self.port}", "--include-dashboard=false"],
                         self.head_ip)
        self._wait_for_nodes(1)
        for i in range(workers):
            self._start_node(f"worker{i + 1}", worker_cpus, resources, [f"--address={self.address}"], LOOPBACK)
        self._wait_for_nodes(1 + workers)

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()
        shutil.rmtree(self.home, ignore_errors=True)
        shutil.rmtree(self.temp_root, ignore_errors=True)

    def _start_node(self, name: str, cpus: int, resources: dict, extra: list[str], ip: str) -> RayNode:
        temp_dir = str(self.temp_root / name)
        os.makedirs(temp_dir, exist_ok=True)
        ray = [shutil.which("ray", path=os.path.dirname(sys.executable)) or "ray"] if "--head" in extra else \
            [sys.executable, "-m", "scalinglab.sweep._ray_node"]
        args = [*(w.format(name=name) for w in self._wrap), *ray, "start", *extra, "--block", f"--node-ip-address={ip}", f"--node-name={name}", f"--num-cpus={cpus}",
                "--num-gpus=0", "--min-worker-port=0", "--max-worker-port=0", f"--resources={json.dumps({'node:' + name: 1, **resources})}",
                "--disable-usage-stats", f"--temp-dir={temp_dir}"]
        log = open(self.root / f"{name}.log", "wb")
        process = subprocess.Popen(args, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                   cwd=self.root)
        log.close()
        node = RayNode(name, temp_dir, process, cpus, resources)
        self.nodes.append(node)
        return node

    def _wait_for_nodes(self, count: int) -> None:
        """Wait until the first ``count`` nodes say they joined (``ray start`` prints "Ray runtime started")."""
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            for node in self.nodes[:count]:
                if not node.alive:
                    log = self.log(node.name).strip().splitlines()
                    raise InputError(f"Ray node {node.name} did not start: {(log or ['no output'])[-1]}")
            if all(_STARTED in self.log(n.name) for n in self.nodes[:count]):
                return
            time.sleep(0.2)
        raise InputError(f"the local Ray cluster did not reach {count} nodes in {self._timeout:.0f} s")

    def log(self, name: str) -> str:
        """What node ``name``'s ``ray start`` printed."""
        try:
            return (self.root / f"{name}.log").read_text(errors="replace")
        except OSError:
            return ""

    def node(self, name: str) -> RayNode:
        return next(n for n in self.nodes if n.name == name)
