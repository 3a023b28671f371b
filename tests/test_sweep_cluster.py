"""A sweep on a real multi-node Ray cluster simulated on this machine: a head (``ray start --head``) and
two worker nodes (``ray start --address``), each with its own temp dir, one CPU and a custom resource,
every node at 127.0.0.1 (``scalinglab.sweep.ray_cluster.LocalRayCluster``).

Both tests run ``scalinglab sweep run --executor ray --ray-address 127.0.0.1:PORT`` and prove: the same
losses as the local executor, no run lost or repeated, a consistent registry, and, under ``strace`` of
every node and of the driver, no socket outside 127.0.0.0/8. The second kills a worker node's processes
in the middle of the sweep; its runs are retried on the other nodes.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest

pytest.importorskip("torch")
pytest.importorskip("ray")

from scalinglab.errors import InputError  # noqa: E402
from scalinglab.store import RunsRegistry  # noqa: E402
from scalinglab.sweep.ray_cluster import LocalRayCluster  # noqa: E402
from sweep_reference import local_sweep, sweep_result  # noqa: E402
from test_sweep_network import is_loopback, socket_addresses  # noqa: E402

pytestmark = pytest.mark.slow

ARGS = ("sweep", "run", "--budgets", "1e9,2e9,4e9,8e9", "--sizes", "2", "--steps", "60", "--n-ctx", "32",
        "--eval-tokens", "4096", "--device", "cpu", "--name", "c", "--json")
STRACE = shutil.which("strace")
TRACED = ("-f", "--seccomp-bpf", "-qq", "-e", "trace=connect,bind,sendto,sendmsg")


def _traced(path) -> tuple[str, ...]:
    return ("strace", *TRACED, "-o", str(path)) if STRACE else ()


@pytest.fixture(scope="module")
def local_losses(tmp_path_factory):
    """The local executor's results for ARGS: what every cluster run must reproduce bit for bit."""
    return local_sweep(ARGS, tmp_path_factory.mktemp("local"), at_least=7)


@pytest.fixture(scope="module")
def _cluster(tmp_path_factory):
    root = tmp_path_factory.mktemp("cluster")
    cluster = LocalRayCluster(root=str(root / "nodes"), wrap=_traced(root / "trace-{name}.txt"),
                              worker_resources={"accel": 1})
    try:
        cluster.start()
    except InputError as error:
        cluster.stop()
        pytest.skip(f"ray cannot start a local cluster here: {error}")
    yield cluster, root
    cluster.stop()


@pytest.fixture
def cluster(_cluster):
    """The module's cluster with every node up (a node a test killed is started again)."""
    cluster, root = _cluster
    for node in list(cluster.nodes):
        if not node.alive:
            cluster.restart(node.name)
    return cluster, root


def _sweep(cluster, root, out, cache, *extra) -> subprocess.Popen:
    command = [*_traced(root / f"trace-driver-{out.name}.txt"), sys.executable, "-m", "scalinglab", *ARGS, "--executor", "ray",
               "--ray-address", cluster.address, "--out", str(out), "--cache-dir", str(cache), *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _rows(db) -> dict:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return {k: (s, n) for k, s, n in conn.execute("SELECT key, status, node FROM runs")}
    except sqlite3.OperationalError:  # not created yet
        return {}


def _assert_loopback_only(root) -> None:
    """Every socket address in the traces so far (every node since it started, every driver) is loopback."""
    if not STRACE:
        pytest.skip("strace is not installed (apt-get install strace): the loopback check was not made")
    traces = sorted(root.glob("trace-*.txt"))
    assert {"trace-head.txt", "trace-worker1.txt", "trace-worker2.txt"} <= {t.name for t in traces}
    addresses = [a for t in traces for a in socket_addresses(t.read_text(errors="replace"))]
    assert any(call == "connect" for call, _ in addresses)
    outside = sorted({(call, a) for call, a in addresses if not is_loopback(a)})
    assert outside == [], f"the cluster contacted or bound addresses outside the loopback: {outside[:10]}"


def _assert_same_as_local(data: dict, db, local: dict) -> dict:
    """Same keys and losses as the local executor; every run finished once, consistent registry."""
    assert {r["key"]: (r["loss"], r["train_loss"]) for r in data["runs"]} == local
    with RunsRegistry(db, read_only=True) as reg:
        runs = {r["key"]: r for r in reg.runs("c")}
        assert reg.check("c") == []
    assert len(runs) == len(local) and all(r["status"] == "finished" for r in runs.values())
    assert all(r["attempts"] == 1 + r["retries"] and r["executor"] == "ray" for r in runs.values())
    return runs


def test_a_sweep_spreads_over_the_worker_nodes_and_matches_the_local_executor(cluster, tmp_path, local_losses):
    (cluster, root), (local, cache) = cluster, local_losses
    db = tmp_path / "runs.sqlite"
    data = sweep_result(_sweep(cluster, root, tmp_path, cache, "--resource", "accel=1"))  # only workers have it
    runs = _assert_same_as_local(data, db, local)
    assert {r["node"] for r in runs.values()} == {"worker1", "worker2"}  # both used, never the head
    assert [r["retries"] for r in runs.values()] == [0] * len(runs) and data["retries"] == 0
    assert {r["node"] for r in data["runs"]} == {"worker1", "worker2"}
    status = subprocess.run([sys.executable, "-m", "scalinglab", "sweep", "status", "--db", str(db), "--name", "c",
                             "--json"], capture_output=True, text=True, timeout=120)
    detail = json.loads(status.stdout)["detail"]
    assert sorted(n["node"] for n in detail["nodes"]) == ["worker1", "worker2"]
    assert sum(n["finished"] for n in detail["nodes"]) == len(local)
    _assert_loopback_only(root)


def test_killing_a_worker_node_mid_sweep_retries_its_run_elsewhere_and_loses_nothing(cluster, tmp_path,
                                                                                     local_losses):
    (cluster, root), (local, cache) = cluster, local_losses
    db = tmp_path / "runs.sqlite"
    proc = _sweep(cluster, root, tmp_path, cache, "--resource", "accel=1")
    try:
        worker1 = cluster.node("worker1")
        deadline = time.time() + 300
        while time.time() < deadline:  # wait until a run has finished and worker1 is in the middle of one
            if any(s == "finished" for s, _ in _rows(db).values()) and worker1.running("_run_on_node"):
                break
            assert proc.poll() is None, "the sweep ended before worker1 could be killed"
            time.sleep(0.05)
        else:
            pytest.fail("worker1 never ran a run")
        before = _rows(db)
        worker1.kill()  # SIGKILL to its raylet, object store and workers
    except BaseException:
        proc.kill()
        raise
    data = sweep_result(proc)
    runs = _assert_same_as_local(data, db, local)
    retried = [r for r in runs.values() if r["retries"]]
    assert retried and data["retries"] == sum(r["retries"] for r in retried)  # the run worker1 was running
    assert all(r["node"] == "worker2" and "worker1" in r["retry_error"] for r in retried)  # the other accel node
    finished_before = {k for k, (s, _) in before.items() if s == "finished"}
    assert finished_before and all(runs[k]["attempts"] == 1 and runs[k]["node"] == before[k][1] for k in finished_before)  # kept
    assert {r["node"] for r in runs.values()} <= {"worker1", "worker2"}
    _assert_loopback_only(root)
