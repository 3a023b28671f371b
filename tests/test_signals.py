"""Ctrl-C (SIGINT) and SIGTERM sent to real ``scalinglab`` processes: exit 130 / 143 with one line on
stderr and no traceback; an interrupted sweep keeps its finished runs and puts the running one back to
pending in the SQLite registry."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest


def _handles_sigterm(pid: int) -> bool:
    """Whether the process has installed its own SIGTERM handler (``SigCgt`` in /proc): the entry point
    does so just before the command starts, so a signal sent after this is the command's to handle."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt")), 16)
    return bool(caught >> (signal.SIGTERM - 1) & 1)


def _start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "scalinglab", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for(condition, proc: subprocess.Popen, what: str, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        if proc.poll() is not None:
            pytest.fail(f"the command ended before {what}: {proc.returncode} {proc.stderr.read()}")
        time.sleep(0.02)
    proc.kill()
    pytest.fail(f"never reached: {what}")


def _stop(proc: subprocess.Popen, signum: int) -> tuple[int, list[str]]:
    """Send ``signum``; the exit code and the stderr lines (and, when the code is not 128 + signum, what the
    process's signal state was when sent and how much it printed, to tell a lost signal from a late one)."""
    try:
        state = [line for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines() if line.startswith("Sig")]
    except OSError:
        state = ["(process already gone)"]
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=120)
    lines = [line for line in err.splitlines() if line.strip()]
    if proc.returncode != 128 + signum:
        lines += [f"(signal state when sent: {state}; {len(out)} characters on stdout)"]
    return proc.returncode, lines


def _is_linux() -> bool:
    return Path("/proc/self/status").exists()


pytestmark = pytest.mark.skipif(not _is_linux(), reason="reads signal masks from /proc")

SIGNALS = [(signal.SIGINT, 130), (signal.SIGTERM, 143)]


@pytest.mark.parametrize(("signum", "code"), SIGNALS, ids=["SIGINT", "SIGTERM"])
def test_fit_bootstrap_interrupted_exits_with_signal_code_and_one_line(signum, code):
    proc = _start(["fit", "chinchilla", "--bootstrap", "20000", "--json"])
    _wait_for(lambda: _handles_sigterm(proc.pid), proc, "the fit started")
    time.sleep(0.5)  # inside the bootstrap loop
    returncode, lines = _stop(proc, signum)
    assert returncode == code, lines
    assert lines == ["error: interrupted"]


@pytest.mark.parametrize(("signum", "code"), SIGNALS, ids=["SIGINT", "SIGTERM"])
def test_forecast_interrupted_exits_with_signal_code_and_one_line(signum, code):
    proc = _start(["forecast", "--scenario", "scaling-picture", "--samples", "400000", "--json"])
    _wait_for(lambda: _handles_sigterm(proc.pid), proc, "the forecast started")
    time.sleep(0.3)
    returncode, lines = _stop(proc, signum)
    assert returncode == code, lines
    assert lines == ["error: interrupted"]


def _statuses(db: Path) -> dict[str, str]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return dict(conn.execute("SELECT key, status FROM runs"))
    except sqlite3.OperationalError:  # not created yet
        return {}


@pytest.fixture(scope="module")
def corpus_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), SIGNALS, ids=["SIGINT", "SIGTERM"])
def test_interrupted_sweep_keeps_finished_runs_and_returns_the_running_one_to_pending(signum, code, tmp_path,
                                                                                      corpus_cache):
    pytest.importorskip("torch")
    out = tmp_path / "out"
    db = out / "runs.sqlite"
    proc = _start(["sweep", "run", "--budgets", "2e9,4e9", "--sizes", "3", "--steps", "120", "--n-ctx", "32",
                   "--eval-tokens", "4096", "--device", "cpu", "--name", "stopped", "--out", str(out),
                   "--cache-dir", str(corpus_cache), "--json"])

    def one_finished_one_running() -> bool:
        states = list(_statuses(db).values())
        return states.count("finished") >= 1 and "running" in states

    _wait_for(one_finished_one_running, proc, "one run finished and another running", timeout=240)
    returncode, lines = _stop(proc, signum)
    after = _statuses(db)
    finished = sum(s == "finished" for s in after.values())
    assert returncode == code, lines
    assert lines == [f"error: interrupted; {finished} finished run{'s' if finished != 1 else ''} kept, "
                     "the running one returns to pending"]
    assert finished >= 1
    assert set(after.values()) == {"finished", "pending"}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        owner = conn.execute("SELECT owner FROM sweeps WHERE name = 'stopped'").fetchone()[0]
        curves = dict(conn.execute("SELECT key, COUNT(*) FROM losses GROUP BY key"))
    assert owner is None  # released: the next run resumes without --force
    assert set(curves) == {k for k, s in after.items() if s == "finished"}


def test_interrupted_corpus_cache_build_leaves_no_temporary_file(tmp_path):
    cache = tmp_path / "cache"
    proc = _start(["sweep", "plan", "--preset", "tiny", "--no-estimate", "--cache-dir", str(cache)])
    # The cache folder appears when the tokenized arrays start to be written: interrupt right then.
    _wait_for(lambda: (cache / "corpora").exists() and any((cache / "corpora").iterdir()), proc,
              "the cache build started writing", timeout=240)
    returncode, lines = _stop(proc, signal.SIGINT)
    leftovers = [p for p in cache.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    if returncode == 130:  # (the build may have finished just before the signal)
        assert lines == ["error: interrupted"]
    else:
        assert returncode == 0


def _holds_open(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has ``path`` open (it is reading it)."""
    try:
        return any(Path(f"/proc/{pid}/fd/{fd}").resolve() == path for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


def test_sigterm_while_reading_a_large_table_exits_143_with_one_line_and_writes_nothing(tmp_path):
    """SIGTERM arrives while ``fit`` reads a 30 MB CSV (900,000 runs, under the row cap): exit 143, one
    line, no traceback, and neither the --save file nor a temporary file is left."""
    table = (tmp_path / "big.csv").resolve()
    block = "".join(f"{n:.6g},{20 * n:.6g},{1.7 + 400 / n ** 0.34 + 410 / (20 * n) ** 0.28:.6f}\n"
                    for n in np.logspace(7, 10, 1000))
    table.write_text("params,tokens,loss\n" + block * 900)
    saved = tmp_path / "fit.json"
    proc = _start(["fit", str(table), "--save", str(saved), "--json"])
    _wait_for(lambda: _handles_sigterm(proc.pid) and _holds_open(proc.pid, table), proc, "the table being read",
              timeout=60)
    returncode, lines = _stop(proc, signal.SIGTERM)
    assert returncode == 143, lines
    assert lines == ["error: interrupted"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv"]
