"""Bootstrap over runs: refit on runs drawn with replacement, then percentile intervals.

Each replicate resamples the n runs with replacement (seeded ``numpy.random.Generator``) and is
refitted from the full-data estimate, all replicates stepped together: by damped Newton steps for
families with an exact Hessian (see ``newton``), finished where needed, and otherwise run
throughout, by the fast estimator's L-BFGS-B (see ``optimize``). Standard errors are the replicates' standard deviations,
intervals their percentiles (Efron and Tibshirani 1993, ch. 13), as in Besiroglu et al. 2024,
section 4.

Two intervals for a loss prediction are kept apart: the *mean-curve* interval (the spread of the
fitted law itself across replicates) and the *prediction* interval for one new run, which adds
the scatter of runs around the law: each replicate's prediction times exp(-r) for a residual r
drawn from that replicate's own residuals (r = log predicted - log observed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._memory import check_memory
from ..errors import InputError
from ..options import spelled
from .estimators import FAST_TOL, refine_many
from .models import FitModel
from .objectives import Objective
from .options import MAX_BOOTSTRAP



def bootstrap_bytes(size: int, runs: int, columns: int) -> float:
    """Peak memory of ``size`` replicates of ``runs`` runs whose model reads ``columns`` data columns:
    each replicate x run holds its index and residual, the resampled columns and the prediction's
    temporaries, 8 bytes each, (5 + columns) x 8 bytes in all (measured: 43 bytes per element for
    Chinchilla's two columns on 100,000 runs, benchmarks/bench_memory.py)."""
    return 8.0 * (5 + columns) * float(size) * float(runs)


def check_bootstrap(size: int, *, runs: int | None = None, columns: int = 2, minimum: int = 0) -> None:
    """Refuse, before any fitting, a bootstrap size outside [``minimum``, ``MAX_BOOTSTRAP``] or, once the
    number of runs is known, one whose replicates would not fit in the memory available."""
    name = spelled("bootstrap")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise InputError(f"{name} must be a whole number of refits, got {size!r}")
    if size < minimum:
        raise InputError(f"{name} must be at least {minimum}" + (" to give intervals" if minimum else "")
                         + f", got {size}")
    if size == 1:
        raise InputError(f"{name} must be 0 (no bootstrap) or at least 2 refits (one refit has no spread), got 1")
    if size > MAX_BOOTSTRAP:
        raise InputError(f"{name} must be at most {MAX_BOOTSTRAP:,} refits, got {size:,}")
    if runs is not None and size > 0:
        check_memory(bootstrap_bytes(size, runs, columns), what=f"{name} {size:,} on {runs:,} runs",
                     advice=f"lower {name} or fit fewer runs")

__all__ = ["Bootstrap", "ProgressBar", "run_bootstrap", "percentile_interval", "parameter_draws", "check_bootstrap",
           "bootstrap_bytes", "MAX_BOOTSTRAP"]


def percentile_interval(samples: np.ndarray, level: float, axis: int = 0) -> np.ndarray:
    """[lower, upper] percentiles enclosing ``level`` of the finite samples (NaN where none are)."""
    lo, hi = 50 * (1 - level), 100 - 50 * (1 - level)
    with np.errstate(all="ignore"):
        return np.stack([np.nanpercentile(samples, lo, axis=axis), np.nanpercentile(samples, hi, axis=axis)], axis=-1)


def parameter_draws(model, theta: np.ndarray, thetas: np.ndarray, level: float) -> tuple[np.ndarray, dict]:
    """The law's parameters at each replicate ``thetas`` (B, p; fitted coordinates), and each parameter's
    percentile interval at ``level``, named as ``model.params(theta)`` names them."""
    with np.errstate(over="ignore"):  # a runaway replicate's parameter is inf: identifiability says so
        draws = np.array([list(model.params(t).values()) for t in thetas])
    names = list(model.params(theta))
    return draws, {n: [float(v) for v in iv] for n, iv in zip(names, percentile_interval(draws, level))}


@dataclass(frozen=True)
class Bootstrap:
    """Replicate estimates (fitted coordinates), their objectives and residuals, and the settings."""

    thetas: np.ndarray  # (B, p)
    objectives: np.ndarray  # (B,)
    converged: np.ndarray  # (B,) bool
    residuals: np.ndarray  # (B, n) log predicted - log observed, on each replicate's own runs
    seed: int
    level: float

    @property
    def size(self) -> int:
        return len(self.thetas)

    def draw_residuals(self, count: int = 1) -> np.ndarray:
        """(B, count) residuals, drawn per replicate from its own residuals (seeded from ``seed``)."""
        rng = np.random.default_rng([self.seed, 1])
        cols = rng.integers(0, self.residuals.shape[1], size=(self.size, count))
        return np.take_along_axis(self.residuals, cols, axis=1)


def run_bootstrap(model: FitModel, objective: Objective, data: dict, y: np.ndarray, theta_hat: np.ndarray,
                  size: int, *, seed: int = 0, level: float = 0.95, progress=False) -> Bootstrap:
    """``size`` refits on resampled runs, all started from ``theta_hat``."""
    n = len(y)
    rng = np.random.default_rng(seed)
    index = rng.integers(0, n, size=(size, n))
    x = np.tile(np.asarray(theta_hat, dtype=float), (size, 1))
    fun, converged = np.empty(size), np.empty(size, bool)
    with ProgressBar(progress, size) as advance:
        for block in np.array_split(np.arange(size), max(1, -(-size * n // _BLOCK))):
            res = refine_many(model, objective, data, y, x[block], index[block], on_done=advance, **FAST_TOL)
            x[block], fun[block], converged[block] = res.x, res.fun, res.success
    picked = {k: v[index] for k, v in data.items()}
    residuals = model.predict(x, picked) - y[index]
    return Bootstrap(x, fun, converged, residuals, seed, level)


_BLOCK = 1 << 16
"""Replicates x runs refitted together: Newton's Jacobian is 5 floats per value, about 3 MB per block."""


class ProgressBar:
    """A rich progress bar on stderr (or nothing), yielding an ``advance(k)`` callback.

    ``show`` may also be a callable ``report(done, total, label)``, called after each step instead of
    drawing a bar (the web app streams these to the page).
    """

    def __init__(self, show, total: int, label: str = "bootstrap refits"):
        self.show, self.total, self.label = show, total, label
        self._bar = None

    def __enter__(self):
        if callable(self.show):
            report, total, label, done = self.show, self.total, self.label, [0]

            def advance(k: int = 1) -> None:
                done[0] += k
                report(done[0], total, label)

            return advance
        if not self.show:
            return None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                             console=Console(stderr=True), transient=True)
        self._bar.start()
        task = self._bar.add_task(self.label, total=self.total)
        return lambda k=1: self._bar.advance(task, k)

    def __exit__(self, *exc):
        if self._bar is not None:
            self._bar.stop()
        return False
