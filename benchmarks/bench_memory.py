"""Memory benchmarks: the peak resident memory (max RSS) of real ``scalinglab`` commands, each in a fresh
child process (``os.wait4`` gives that child's own ``ru_maxrss``).

* ``fit`` on 10,000, 100,000 and 1,000,000 synthetic runs (Chinchilla's law, Hoffmann et al. 2022 eq. 10,
  with 1% log-normal noise): memory must stay flat (1M runs under 2 GB) and time roughly linear.
* ``forecast`` of the scaling-picture preset at 100,000 and 1,000,000 samples.
* ``fit chinchilla --bootstrap 10000``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import Benchmark

_DIR = Path(tempfile.mkdtemp(prefix="scalinglab-bench-memory-"))


def _runs_file(count: int) -> Path:
    """``count`` synthetic runs of L = 1.69 + 406.4/N^0.34 + 410.7/D^0.28 (Hoffmann et al. 2022, eq. 10)."""
    path = _DIR / f"runs-{count}.csv"
    if not path.exists():
        import numpy as np
        import pandas as pd

        rng = np.random.default_rng(0)
        n = 10 ** rng.uniform(7, 10, count)
        d = n * 10 ** rng.uniform(0.5, 2.5, count)
        loss = (1.69 + 406.4 / n**0.34 + 410.7 / d**0.28) * np.exp(rng.normal(0, 0.01, count))
        pd.DataFrame({"params": n, "tokens": d, "loss": loss}).to_csv(path, index=False)
    return path


def max_rss(*args: str) -> tuple[float, float]:
    """(seconds, peak RSS in bytes) of ``scalinglab ARGS`` in a child process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "scalinglab", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"scalinglab {' '.join(args)} exited {proc.returncode}: {proc.stderr.read().decode()[-500:]}")
    return time.perf_counter() - start, usage.ru_maxrss * 1024  # Linux reports kilobytes


def _note(seconds: float, rss: float, per: str = "") -> str:
    return f"max RSS {rss / 1e6:,.0f} MB; {seconds:.1f} s{per}"


def fit_runs(count: int):
    def bench() -> str:
        path = _runs_file(count)
        seconds, rss = max_rss("fit", str(path), "--json")
        return _note(seconds, rss, f" ({seconds / count * 1e6:.0f} us/run)")

    return bench


def forecast_samples(count: int):
    def bench() -> str:
        seconds, rss = max_rss("forecast", "--scenario", "scaling-picture", "--samples", str(count), "--json")
        return _note(seconds, rss)

    return bench


def fit_bootstrap() -> str:
    seconds, rss = max_rss("fit", "chinchilla", "--bootstrap", "10000", "--json")
    return _note(seconds, rss)


BENCHMARKS = [
    Benchmark("max RSS: fit, 10,000 synthetic runs", fit_runs(10_000), repeats=1, target="max RSS < 1 GB"),
    Benchmark("max RSS: fit, 100,000 synthetic runs", fit_runs(100_000), repeats=1, target="max RSS < 1 GB"),
    Benchmark("max RSS: fit, 1,000,000 synthetic runs", fit_runs(1_000_000), repeats=1,
              target="max RSS < 2 GB, time ~ linear"),
    Benchmark("max RSS: forecast scaling-picture, 100,000 samples", forecast_samples(100_000), repeats=1,
              target="max RSS < 1 GB"),
    Benchmark("max RSS: forecast scaling-picture, 1,000,000 samples", forecast_samples(1_000_000), repeats=1,
              target="max RSS within the estimate checked up front"),
    Benchmark("max RSS: fit chinchilla --bootstrap 10000", fit_bootstrap, repeats=1, target="max RSS < 1 GB"),
]
