"""The tiny sweep on a Ray cluster of 1 node and of 3 nodes (both simulated on this machine, every node at
127.0.0.1, one CPU each), against the local executor: throughput and scheduling overhead per run.

Each variant runs ``scalinglab sweep run --preset tiny --json`` as a user would (the cluster ones with
``--executor ray --ray-address``); starting the cluster is not timed. From the command's own figures:

- throughput: runs / sweep seconds (the ``seconds`` of the result: registry, executor start, every run);
- overhead per run: (slots x sweep seconds - the runs' own wall seconds) / runs, where slots is the
  number of runs that can train at once (1 for the local executor and one node, 3 for three nodes):
  slot time not spent inside a run, i.e. connecting to Ray, dispatching tasks, starting workers
  (each imports torch), returning results, writing the registry, and slots idle at the end.

On a machine with fewer cores than nodes, three nodes share the cores: their runs' wall seconds grow,
and the throughput gain is bounded by the cores, not by the nodes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import Benchmark

from scalinglab.sweep.ray_cluster import LocalRayCluster

_TMP = Path(tempfile.mkdtemp(prefix="scalinglab-bench-cluster-"))


def _sweep(name: str, *extra: str) -> dict:
    out = _TMP / name
    proc = subprocess.run([sys.executable, "-m", "scalinglab", "sweep", "run", "--preset", "tiny", "--name", name,
                           "--out", str(out), "--cache-dir", str(_TMP / "cache"), "--json", *extra],
                          capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout)


def _figures(data: dict, slots: int) -> str:
    runs, seconds = len(data["runs"]), data["seconds"]
    inside = sum(r["wall_seconds"] for r in data["runs"])
    nodes = sorted({r["node"] for r in data["runs"]})
    return (f"{runs} runs in {seconds:.1f} s: {60 * runs / seconds:.1f} runs/min, overhead "
            f"{(slots * seconds - inside) / runs:.2f} s/run, mean run {inside / runs:.2f} s on {len(nodes)} node(s)")


def _on_cluster(workers: int) -> str:
    with LocalRayCluster(workers=workers, root=str(_TMP / f"nodes{workers}")) as cluster:
        data = _sweep(f"ray{workers + 1}", "--executor", "ray", "--ray-address", cluster.address)
    return _figures(data, slots=1 + workers)


def local_executor() -> str:
    shutil.rmtree(_TMP / "local", ignore_errors=True)
    return _figures(_sweep("local"), slots=1)


def one_node() -> str:
    return _on_cluster(0)


def three_nodes() -> str:
    started = time.perf_counter()
    note = _on_cluster(2)
    return note + f" (cluster start and stop included in the time: {time.perf_counter() - started:.0f} s)"


BENCHMARKS = [
    Benchmark("cluster: tiny sweep, local executor (1 slot)", local_executor, repeats=1, target="baseline"),
    Benchmark("cluster: tiny sweep, Ray cluster of 1 node (1 CPU)", one_node, repeats=1,
              target="overhead < 2 s/run"),
    Benchmark("cluster: tiny sweep, Ray cluster of 3 nodes (1 CPU each)", three_nodes, repeats=1,
              target="more runs/min than 1 node"),
]
