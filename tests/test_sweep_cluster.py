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
    root = tmp_path_factory.mktemp("local")
    proc = subprocess.run([sys.executable, "-m", "scalinglab", *ARGS, "--out", str(root / "out"), "--cache-dir",
                           str(root / "cache")], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    runs = json.loads(proc.stdout)["runs"]
    assert len(runs) >= 7
    return {r["key"]: (r["loss"], r["train_loss"]) for r in runs}, root / "cache"


def _start_cluster(root, **options) -> LocalRayCluster:
    cluster = LocalRayCluster(root=str(root / "nodes"), wrap=_traced(root / "trace-{name}.txt"), **options)
    try:
        cluster.start()
    except InputError as error:
        cluster.stop()
        pytest.skip(f"ray cannot start a local cluster here: {error}")
    return cluster


def _sweep(cluster, root, cache, *extra) -> subprocess.Popen:
    command = [*_traced(root / "trace-driver.txt"), sys.executable, "-m", "scalinglab", *ARGS, "--executor", "ray",
               "--ray-address", cluster.address, "--out", str(root / "out"), "--cache-dir", str(cache), *extra]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _rows(db) -> dict:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return {k: (s, n) for k, s, n in conn.execute("SELECT key, status, node FROM runs")}
    except sqlite3.OperationalError:  # not created yet
        return {}


def _assert_loopback_only(root) -> None:
    if not STRACE:
        pytest.skip("strace is not installed (apt-get install strace): the loopback check was not made")
    traces = sorted(root.glob("trace-*.txt"))
    assert len(traces) == 4, traces  # head, two workers, driver
    addresses = [a for t in traces for a in socket_addresses(t.read_text(errors="replace"))]
    assert any(call == "connect" for call, _ in addresses)
    outside = sorted({(call, a) for call, a in addresses if not is_loopback(a)})
    assert outside == [], f"the cluster contacted or bound addresses outside the loopback: {outside[:10]}"


def _assert_same_as_local(data: dict, db, local: dict) -> dict:
    assert {r["key"]: (r["loss"], r["train_loss"]) for r in data["runs"]} == local
    with RunsRegistry(db, read_only=True) as reg:
        runs = {r["key"]: r for r in reg.runs("c")}
        assert reg.check("c") == []
    assert len(runs) == len(local) and all(r["status"] == "finished" for r in runs.values())
    assert all(r["attempts"] == 1 + r["retries"] and r["executor"] == "ray" for r in runs.values())
    return runs


def test_a_sweep_spreads_over_the_worker_nodes_and_matches_the_local_executor(tmp_path, local_losses):
    local, cache = local_losses
    cluster = _start_cluster(tmp_path, worker_resources={"accel": 1})
    try:
        proc = _sweep(cluster, tmp_path, cache, "--resource", "accel=1")  # runs need what only workers have
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
        status = subprocess.run([sys.executable, "-m", "scalinglab", "sweep", "status", "--db",
                                 str(tmp_path / "out" / "runs.sqlite"), "--name", "c", "--json"],
                                capture_output=True, text=True, timeout=120)
    finally:
        cluster.stop()
    assert out.strip(), err[-3000:]
    data = json.loads(out)
    runs = _assert_same_as_local(data, tmp_path / "out" / "runs.sqlite", local)
    assert {r["node"] for r in runs.values()} == {"worker1", "worker2"}  # both used, never the head
    assert [r["retries"] for r in runs.values()] == [0] * len(runs) and data["retries"] == 0
    assert {r["node"] for r in data["runs"]} == {"worker1", "worker2"}
    detail = json.loads(status.stdout)["detail"]
    assert sorted(n["node"] for n in detail["nodes"]) == ["worker1", "worker2"]
    assert sum(n["finished"] for n in detail["nodes"]) == len(local)
    _assert_loopback_only(tmp_path)


def test_killing_a_worker_node_mid_sweep_retries_its_run_elsewhere_and_loses_nothing(tmp_path, local_losses):
    local, cache = local_losses
    db = tmp_path / "out" / "runs.sqlite"
    cluster = _start_cluster(tmp_path)
    try:
        proc = _sweep(cluster, tmp_path, cache)
        worker1 = cluster.node("worker1")
        deadline = time.time() + 300
        while time.time() < deadline:  # wait until a run has finished and worker1 is in the middle of one
            rows = _rows(db)
            if any(s == "finished" for s, _ in rows.values()) and worker1.tasks():
                break
            assert proc.poll() is None, "the sweep ended before worker1 could be killed"
            time.sleep(0.05)
        else:
            pytest.fail("worker1 never ran a run")
        before = _rows(db)
        worker1.kill()
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-2000:]
    finally:
        cluster.stop()
    assert out.strip(), err[-3000:]
    data = json.loads(out)
    runs = _assert_same_as_local(data, db, local)
    retried = [r for r in runs.values() if r["retries"]]
    assert data["retries"] == sum(r["retries"] for r in runs.values()) >= 1
    assert all(r["node"] != "worker1" and "worker1" in r["retry_error"] for r in retried)
    finished_before = {k for k, (s, _) in before.items() if s == "finished"}
    assert all(runs[k]["attempts"] == 1 and runs[k]["node"] == before[k][1] for k in finished_before)
    assert not finished_before & {r["key"] for r in retried}
    assert {"head", "worker2"} <= {r["node"] for r in runs.values()} <= {"head", "worker1", "worker2"}
    _assert_loopback_only(tmp_path)
