"""Adaptive sweeps on the other executors: a local Ray instance and submitit's local backend choose the
same runs round after round and record the same losses as the local executor (real training of tiny
byte-level models, a real SQLite registry)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("torch")

pytestmark = pytest.mark.slow

ARGS = ("sweep", "run", "--adaptive", "--preset", "tiny", "--budget", "6e10", "--rounds", "1", "--name", "a",
        "--json")


@pytest.fixture(scope="module")
def local_rounds(tmp_path_factory):
    """The local executor's adaptive sweep (its JSON) and the token cache it filled."""
    path = tmp_path_factory.mktemp("local")
    proc = subprocess.run([sys.executable, "-m", "scalinglab", *ARGS, "--out", str(path / "out"), "--cache-dir",
                           str(path / "cache")], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout), path / "cache"


def _same_rounds(data: dict, local: dict, executor: str) -> None:
    """The same picks in every round, the same losses and intervals after it, the same runs trained."""
    assert data["sweep"]["executor"] == executor
    assert [r["round"] for r in data["rounds"]] == [0, 1] == [r["round"] for r in local["rounds"]]
    assert [r["picks"] for r in data["rounds"]] == [r["picks"] for r in local["rounds"]]
    assert [(r["loss"], r["loss_low"], r["loss_high"]) for r in data["rounds"]] == \
           [(r["loss"], r["loss_low"], r["loss_high"]) for r in local["rounds"]]
    assert [(r["key"], r["loss"]) for r in data["sweep"]["runs"]] == [(r["key"], r["loss"]) for r in local["sweep"]["runs"]]


def test_an_adaptive_sweep_on_ray_chooses_and_trains_what_the_local_executor_does(cli, tmp_path, local_rounds):
    pytest.importorskip("ray")
    local, cache = local_rounds
    result = cli(*ARGS, "--out", str(tmp_path / "out"), "--cache-dir", str(cache), "--executor", "ray",
                 timeout=600)
    assert result.code == 0, result.stderr
    _same_rounds(result.json(), local, "ray")


def test_an_adaptive_sweep_on_submitit_local_chooses_and_trains_what_the_local_executor_does(cli, tmp_path,
                                                                                              local_rounds):
    pytest.importorskip("submitit")
    local, cache = local_rounds
    result = cli(*ARGS, "--out", str(tmp_path / "out"), "--cache-dir", str(cache), "--executor", "submitit",
                 "--submitit-cluster", "local", "--slurm-array-parallelism", "2", timeout=600)
    assert result.code == 0, result.stderr
    _same_rounds(result.json(), local, "submitit")
