"""The submitit executor through submitit's local backend (the same job files Slurm would run, as
processes on this machine): the local executor's losses exactly, a preempted task requeued and counted,
and a sweep whose driver was killed resumes, recognising the results its earlier jobs left."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

pytest.importorskip("torch")
pytest.importorskip("submitit")

from scalinglab.store import RunsRegistry  # noqa: E402
from scalinglab.sweep.ray_cluster import descendants, pids_mentioning  # noqa: E402
from sweep_reference import local_sweep, sweep_result  # noqa: E402

pytestmark = pytest.mark.slow

ARGS = ("sweep", "run", "--budgets", "1e9,2e9", "--sizes", "2", "--steps", "40", "--n-ctx", "32",
        "--eval-tokens", "4096", "--device", "cpu", "--name", "s", "--json")
SUBMITIT = ("--executor", "submitit", "--submitit-cluster", "local", "--slurm-array-parallelism", "2")


@pytest.fixture(scope="module")
def local_losses(tmp_path_factory):
    return local_sweep(ARGS, tmp_path_factory.mktemp("local"), at_least=3)


def _start(tmp_path, cache) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "scalinglab", *ARGS, *SUBMITIT, "--out", str(tmp_path / "out"),
                             "--cache-dir", str(cache)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _state(tmp_path) -> tuple[dict, dict]:
    """(key -> (status, config hash)) from the registry, (config hash -> job id) from jobs.json."""
    try:
        with sqlite3.connect(f"file:{tmp_path / 'out' / 'runs.sqlite'}?mode=ro", uri=True, timeout=5) as conn:
            runs = {k: (s, c) for k, s, c in conn.execute("SELECT key, status, config_hash FROM runs")}
    except sqlite3.OperationalError:
        runs = {}
    try:
        jobs = json.loads((tmp_path / "out" / "s" / "submitit" / "jobs.json").read_text())
    except (OSError, ValueError):
        jobs = {}
    return runs, jobs


def _training(tmp_path, runs: dict, jobs: dict) -> list[tuple[str, str]]:
    """(key, job id) of runs whose job is training now (its run log has started)."""
    logs = tmp_path / "out" / "s" / "logs"
    return [(k, jobs[c]) for k, (s, c) in runs.items()
            if s == "running" and c in jobs and (logs / f"{k}.log").is_file() and (logs / f"{k}.log").stat().st_size]


def _wait_for(condition, proc, what: str, timeout: float = 300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = condition()
        if found:
            return found
        assert proc.poll() is None, f"the sweep ended before {what}"
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def _check(data: dict, tmp_path, local: dict) -> dict:
    assert {r["key"]: (r["loss"], r["train_loss"]) for r in data["runs"]} == local
    with RunsRegistry(tmp_path / "out" / "runs.sqlite", read_only=True) as reg:
        assert reg.check("s") == []
        runs = {r["key"]: r for r in reg.runs("s")}
    assert all(r["status"] == "finished" and r["executor"] == "submitit" and r["node"] for r in runs.values())
    return runs


def test_a_preempted_task_is_requeued_and_the_sweep_matches_the_local_executor(tmp_path, local_losses):
    local, cache = local_losses
    proc = _start(tmp_path, cache)
    try:
        key, job_id = _wait_for(lambda: _training(tmp_path, *_state(tmp_path)), proc, "a run started")[0]
        tasks = descendants(int(job_id))  # the local job's id is its controller's pid; below it, the task
        assert tasks, f"job {job_id} has no task process"
        for pid in tasks:
            os.kill(pid, signal.SIGUSR2)  # what Slurm sends before preempting or at the time limit
    except BaseException:
        proc.kill()
        raise
    data = sweep_result(proc)
    runs = _check(data, tmp_path, local)
    assert (runs[key]["retries"], runs[key]["attempts"]) == (1, 2) and "requeued" in runs[key]["retry_error"]
    assert data["retries"] == 1 and sum(r["retries"] for r in runs.values()) == 1


def test_a_killed_driver_resumes_and_recognises_results_its_jobs_left(tmp_path, local_losses, cli):
    local, cache = local_losses
    proc = _start(tmp_path, cache)
    try:
        def finished_and_training():
            runs, jobs = _state(tmp_path)
            return any(s == "finished" for s, _ in runs.values()) and _training(tmp_path, runs, jobs)

        _wait_for(finished_and_training, proc, "a run finished while another trained")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        runs, jobs = _state(tmp_path)
        folder = tmp_path / "out" / "s" / "submitit"
        deadline = time.time() + 300  # the killed driver's jobs go on; let them leave their results
        while time.time() < deadline and not all((folder / f"{j}_0_result.pkl").exists() for j in jobs.values()):
            time.sleep(0.2)
        finished = {k for k, (s, _) in runs.items() if s == "finished"}
        unrecorded = {c: j for k, (s, c) in runs.items() if s != "finished" and c in jobs for j in [jobs[c]]}
        assert unrecorded, "no job was in flight when the driver was killed"
        again = cli(*ARGS, *SUBMITIT, "--out", str(tmp_path / "out"), "--cache-dir", str(cache))
    finally:  # jobs of the killed driver still running (normally none: they were waited for)
        for pid in pids_mentioning(str(tmp_path / "out" / "s" / "submitit")):
            os.kill(pid, signal.SIGKILL)
    assert again.code == 0, again.stderr[-2000:]
    data = again.json()
    assert data["skipped"] == len(finished) and data["ran"] == len(local) - len(finished)
    _check(data, tmp_path, local)
    _, jobs_after = _state(tmp_path)
    assert {c: jobs_after[c] for c in unrecorded} == unrecorded  # recognised: not submitted again


@pytest.mark.parametrize("options, message", [
    (("--resource", "accel=1"), "--resource needs --executor ray"),
    (("--slurm-partition", "gpu"), "--slurm-partition needs --executor submitit"),
    (("--executor", "submitit", "--submitit-cluster", "pbs"), "--submitit-cluster must be slurm, local or auto"),
    (("--executor", "ray", "--retries", "-1"), "--retries must be at least 0"),
])
def test_executor_options_that_do_not_fit_are_one_line_errors_before_any_write(cli, tmp_path, tmp_path_factory,
                                                                               options, message):
    from conftest import assert_user_error

    result = cli("sweep", "run", "--compute", "1e9", "--steps", "20", "--device", "cpu", "--out", str(tmp_path / "out"),
                 "--cache-dir", str(tmp_path_factory.getbasetemp() / "cache"), *options)
    assert_user_error(result, message)
    assert not (tmp_path / "out" / "runs.sqlite").exists()
