"""SIGKILL a real ``scalinglab sweep run`` in the middle of a sweep, run it again: finished runs are not
repeated, nothing recorded is lost, and the registry stays consistent."""

from __future__ import annotations

import sqlite3

import pytest

pytest.importorskip("torch")

from conftest import sigkill_when  # noqa: E402
from scalinglab.store import RunsRegistry  # noqa: E402

pytestmark = pytest.mark.slow


def _statuses(db) -> dict:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return {k: s for k, s in conn.execute("SELECT key, status FROM runs")}
    except sqlite3.OperationalError:  # not created yet
        return {}


def test_killed_sweep_resumes_without_repeating_finished_runs(cli, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    args = ["sweep", "run", "--budgets", "2e9,4e9", "--sizes", "3", "--steps", "120", "--n-ctx", "32",
            "--eval-tokens", "4096", "--device", "cpu", "--name", "killed", "--out", str(out), "--cache-dir",
            str(cache), "--json"]
    db = out / "runs.sqlite"
    def two_finished_one_running() -> bool:
        states = list(_statuses(db).values())
        return states.count("finished") >= 2 and "running" in states

    sigkill_when(args, two_finished_one_running, "two finished runs and a running one")

    with RunsRegistry(db) as reg:
        before = {r["key"]: r for r in reg.runs("killed")}
        finished = {k for k, r in before.items() if r["status"] == "finished"}
        killed = [k for k, r in before.items() if r["status"] == "running"]
        curves = {k: reg.losses("killed", k) for k in finished}
        problems = reg.check("killed")
    assert len(finished) >= 2 and len(killed) == 1 and len(before) >= 4
    assert problems == [f"killed/{killed[0]}: marked running but its sweep process is gone"]
    assert all(curves[k] and curves[k][-1]["val_loss"] == before[k]["final_loss"] for k in finished)

    again = cli(*args)
    assert again.code == 0, again.stderr
    data = again.json()
    assert data["skipped"] == len(finished) and data["ran"] == len(before) - len(finished)
    with RunsRegistry(db) as reg:
        after = {r["key"]: r for r in reg.runs("killed")}
        assert reg.check("killed") == []
        assert all(reg.losses("killed", k) == curves[k] for k in finished)
    assert all(r["status"] == "finished" for r in after.values())
    for key in finished:  # untouched: same attempt, same finish time, same loss
        assert (after[key]["attempts"], after[key]["finished_at"], after[key]["final_loss"]) == \
               (1, before[key]["finished_at"], before[key]["final_loss"])
    assert after[killed[0]]["attempts"] == 2
