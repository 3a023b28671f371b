"""A multi-node Ray cluster on this one machine, every node at 127.0.0.1: a head and worker nodes.

What the tests and ``benchmarks/bench_cluster.py`` run the ``ray`` executor against, so the cluster
path (``--ray-address``) is exercised without a second machine. Each node is a real ``ray start``
process (``--block``, its own session and process group, its own ``--temp-dir``, CPU count and custom
resources): the head through Ray's ``ray start --head``, worker nodes through
:mod:`scalinglab.sweep._ray_node` (Ray's ``ray start --address`` with its single-machine refusal lifted).

Every node runs with the settings that keep Ray on the loopback, each found under ``strace``: Ray's
single-machine mode and a private ``HOME`` with a local provider file (:mod:`.ray_local`), node address
127.0.0.1, no dashboard, usage statistics off, worker ports chosen by the OS (``--min-worker-port=0``:
otherwise the raylet probes ports by binding 0.0.0.0), and the "usage statistics disabled" notice of a
``ray start`` head sent to the loopback (``RAY_USAGE_STATS_REPORT_URL``) instead of usage-stats.ray.io.

Nodes are stopped through their own process trees (never ``ray stop``, which would stop every Ray
process of this user on the machine); :meth:`RayNode.kill` SIGKILLs one node's processes mid-sweep and
:meth:`LocalRayCluster.restart` starts it again.
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

__all__ = ["LocalRayCluster", "RayNode", "cluster_environment", "descendants", "pids_mentioning"]


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
    starts: int = 1  # 2 and more once restarted

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def running(self, function: str) -> bool:
        """Whether a Ray worker of this node is now running a task of ``function`` (Ray titles such a
        worker ``ray::FUNCTION``; an idle one ``ray::IDLE``)."""
        return any(_cmdline(pid).split(" ")[0] == f"ray::{function}" for pid in descendants(self.process.pid))

    def kill(self) -> None:
        """SIGKILL every process of the node at once: its ``ray start``, raylet, object store and workers
        (found below it in the process tree before any dies, and by its temp dir on their command line)."""
        self._kill(self._pids())

    def stop(self) -> None:
        """SIGTERM the node's process group, give it a few seconds, then SIGKILL whatever is left."""
        pids = self._pids()
        if self.alive:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        self._kill(pids)

    def _pids(self) -> list[int]:
        return [self.process.pid, *descendants(self.process.pid), *pids_mentioning(self.temp_dir)]

    def _kill(self, pids: list[int]) -> None:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=30)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def descendants(root: int) -> list[int]:
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


def pids_mentioning(temp_dir: str) -> list[int]:
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
    GPUs); ``wrap``: a command prefix for every ``ray start``, ``{name}`` replaced by the node's name (with
    ``-2`` etc. once restarted; the tests put ``strace -o trace-{name}.txt`` here).
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
        self.port = _free_port()
        self.address = f"{LOOPBACK}:{self.port}"
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
        self._start_node("head", head_cpus, {})
        self._wait_for_nodes()
        for i in range(workers):
            self._start_node(f"worker{i + 1}", worker_cpus, resources)
        self._wait_for_nodes()

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()
        shutil.rmtree(self.home, ignore_errors=True)
        shutil.rmtree(self.temp_root, ignore_errors=True)

    def restart(self, name: str) -> RayNode:
        """Start worker node ``name`` again (after :meth:`RayNode.kill`), with a fresh temp dir."""
        old = self.node(name)
        old.stop()
        self.nodes.remove(old)
        shutil.rmtree(old.temp_dir, ignore_errors=True)
        node = self._start_node(name, old.num_cpus, old.resources, starts=old.starts + 1)
        self._wait_for_nodes()
        return node

    def _start_node(self, name: str, cpus: int, resources: dict, *, starts: int = 1) -> RayNode:
        temp_dir = str(self.temp_root / (name if starts == 1 else f"{name}-{starts}"))
        os.makedirs(temp_dir, exist_ok=True)
        if name == "head":
            ray = [shutil.which("ray", path=os.path.dirname(sys.executable)) or "ray", "start", "--head",
                   f"--port={self.port}", "--include-dashboard=false"]
        else:
            ray = [sys.executable, "-m", "scalinglab.sweep._ray_node", "start", f"--address={self.address}"]
        label = name if starts == 1 else f"{name}-{starts}"
        args = [*(w.format(name=label) for w in self._wrap), *ray, "--block", f"--node-ip-address={LOOPBACK}",
                f"--node-name={name}", f"--num-cpus={cpus}", "--num-gpus=0", f"--resources={json.dumps(resources)}",
                "--min-worker-port=0", "--max-worker-port=0",  # workers bind port 0 on 127.0.0.1, no port probing
                "--disable-usage-stats", f"--temp-dir={temp_dir}"]
        with open(self.root / f"{name}.log", "wb") as log:
            process = subprocess.Popen(args, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True, cwd=self.root)
        node = RayNode(name, temp_dir, process, cpus, dict(resources), starts)
        self.nodes.append(node)
        return node

    def _wait_for_nodes(self) -> None:
        """Wait until every node says it joined (``ray start`` prints "Ray runtime started")."""
        count = len(self.nodes)
        deadline = time.monotonic() + self._timeout
        while time.monotonic() < deadline:
            for node in self.nodes:
                if not node.alive:
                    log = self.log(node.name).strip().splitlines()
                    raise InputError(f"Ray node {node.name} did not start: {(log or ['no output'])[-1]}")
            if all(_STARTED in self.log(n.name) for n in self.nodes):
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
