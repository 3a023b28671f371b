"""Many L-BFGS-B minimisations at once: SciPy's own L-BFGS-B, stepped in lockstep.

Hoffmann et al. (2022) and Besiroglu et al. (2024) run L-BFGS-B from every point of a 4,500-point
start grid. Run one after the other through ``scipy.optimize.minimize`` that takes about a minute,
almost all of it Python overhead around a 240-run objective. Here every start keeps its own SciPy
L-BFGS-B state (the reverse-communication routine ``setulb`` that ``minimize`` itself drives, with
the same defaults), and whenever several starts ask for the objective at their current point, the
objective is evaluated for all of them in one vectorised call. Each start follows exactly the path
it would follow alone. Where SciPy's internal routine is not available in this form, the starts are
run one by one through ``scipy.optimize.minimize`` instead (same answer, slower).

Only the compiled routine is loaded, straight from its file: importing it the ordinary way runs
``scipy/optimize/__init__``, which pulls in ``scipy.linalg``, ``scipy.sparse``, ``scipy.special`` and
more (about 0.3 s of a 0.4 s command). If that load fails, the ordinary import is used.

OpenBLAS threads make each tiny ``setulb`` call up to 100 times slower on a busy machine, so BLAS
is held to one thread while optimising (with ``threadpoolctl`` when it is installed).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["ManyResult", "bound_limits", "minimize_many", "single_threaded_blas"]

FTOL = 2.2204460492503131e-09
"""SciPy's default L-BFGS-B ``ftol`` (factr = 1e7)."""
GTOL = 1e-5
"""SciPy's default L-BFGS-B ``gtol``."""
_MAXCOR = 10
_MAXLS = 20

FG = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class ManyResult:
    """Final points ``x`` (K, p), objectives ``fun`` (K,), iterations, evaluations and convergence flags."""

    x: np.ndarray
    fun: np.ndarray
    nit: np.ndarray
    nfev: np.ndarray
    success: np.ndarray
    message: list[str]

    @property
    def best(self) -> int:
        return int(np.nanargmin(np.where(np.isfinite(self.fun), self.fun, np.inf)))


@contextlib.contextmanager
def single_threaded_blas():
    """Hold BLAS to one thread inside the block (no-op without ``threadpoolctl``)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional speed-up
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _bounds_arrays(bounds, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SciPy's (lower, upper, nbd) encoding: 0 free, 1 lower only, 2 both, 3 upper only."""
    low, up, nbd = np.zeros(n), np.zeros(n), np.zeros(n, np.int32)
    if bounds is None:
        return low, up, nbd
    for i, (lo, hi) in enumerate(bounds):
        has_lo, has_hi = lo is not None and np.isfinite(lo), hi is not None and np.isfinite(hi)
        low[i] = lo if has_lo else 0.0
        up[i] = hi if has_hi else 0.0
        nbd[i] = {(False, False): 0, (True, False): 1, (True, True): 2, (False, True): 3}[(has_lo, has_hi)]
    return low, up, nbd


def bound_limits(bounds, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) arrays of ``bounds`` (pairs with None for no bound), infinite where unbounded."""
    if bounds is None:
        return np.full(n, -np.inf), np.full(n, np.inf)
    lo = np.array([-np.inf if b[0] is None else b[0] for b in bounds], dtype=float)
    hi = np.array([np.inf if b[1] is None else b[1] for b in bounds], dtype=float)
    return lo, hi


def _clip_to_bounds(x0: np.ndarray, bounds) -> np.ndarray:
    return x0 if bounds is None else np.clip(x0, *bound_limits(bounds, x0.shape[1]))


def _safe(f: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    f = np.where(np.isfinite(f), f, np.inf)
    g = np.where(np.isfinite(g), g, 0.0)
    return f.astype(float), g.astype(float)


_STATUS = {0: "START", 1: "NEW_X", 2: "RESTART", 3: "FG", 4: "CONVERGENCE", 5: "STOP", 6: "WARNING", 7: "ERROR",
           8: "ABNORMAL"}
"""SciPy's ``status_messages`` (scipy/optimize/_lbfgsb_py.py, SciPy 1.15-1.17)."""
_TASK = {0: "", 301: "", 302: "", 401: "NORM OF PROJECTED GRADIENT <= PGTOL",
         402: "RELATIVE REDUCTION OF F <= FACTR*EPSMCH", 501: "CPU EXCEEDING THE TIME LIMIT",
         502: "TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT", 503: "PROJECTED GRADIENT IS SUFFICIENTLY SMALL",
         504: "TOTAL NO. OF ITERATIONS REACHED LIMIT", 505: "CALLBACK REQUESTED HALT",
         601: "ROUNDING ERRORS PREVENT PROGRESS", 602: "STP = STPMAX", 603: "STP = STPMIN",
         604: "XTOL TEST SATISFIED", 701: "NO FEASIBLE SOLUTION", 702: "FACTR < 0", 703: "FTOL < 0",
         704: "GTOL < 0", 705: "XTOL < 0", 706: "STP < STPMIN", 707: "STP > STPMAX", 708: "STPMIN < 0",
         709: "STPMAX < STPMIN", 710: "INITIAL G >= 0", 711: "M <= 0", 712: "N <= 0"}
"""SciPy's ``task_messages`` (same file)."""


@functools.cache
def _load_setulb():
    """SciPy's compiled ``setulb``, loaded from ``scipy/optimize/_lbfgsb*.so`` without the package ``__init__``."""
    import importlib.machinery
    import importlib.util
    from pathlib import Path

    scipy_spec = importlib.util.find_spec("scipy")  # finds the package without importing it
    if scipy_spec is not None and scipy_spec.submodule_search_locations:
        for folder in scipy_spec.submodule_search_locations:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                path = Path(folder) / "optimize" / f"_lbfgsb{suffix}"
                if path.is_file():
                    spec = importlib.util.spec_from_file_location("scipy.optimize._lbfgsb", path)
                    try:
                        module = importlib.util.module_from_spec(spec)
                        spec.loader.exec_module(module)
                        return module.setulb
                    except (ImportError, AttributeError, OSError):
                        break
    from scipy.optimize import _lbfgsb

    return _lbfgsb.setulb


def _lockstep(fg: FG, x0: np.ndarray, bounds, ftol: float, gtol: float, maxiter: int, maxfun: int,
              on_done: Callable[[int], None] | None) -> ManyResult:
    k, n = x0.shape
    low, up, nbd = _bounds_arrays(bounds, n)
    factr = ftol / np.finfo(float).eps
    m = _MAXCOR
    size = 2 * m * n + 5 * n + 11 * m * m + 8 * m
    # One SciPy L-BFGS-B state per start: x, f, g, wa, iwa, task, lsave, isave, dsave, ln_task.
    states = [(row.astype(float).copy(), np.array(0.0), np.zeros(n), np.zeros(size), np.zeros(3 * n, np.int32),
               np.zeros(2, np.int32), np.zeros(4, np.int32), np.zeros(44, np.int32), np.zeros(29),
               np.zeros(2, np.int32)) for row in x0]
    nit = np.zeros(k, int)
    nfev = np.zeros(k, int)
    setulb = _load_setulb()
    active = list(range(k))
    while active:
        wanting = []
        for i in active:
            x, f, g, wa, iwa, task, lsave, isave, dsave, ln_task = states[i]
            while True:
                setulb(m, x, low, up, nbd, f, g, factr, gtol, wa, iwa, task, lsave, isave, dsave, _MAXLS, ln_task)
                code = int(task[0])
                if code == 3:
                    if nfev[i] >= maxfun:
                        task[0], task[1] = 5, 502
                    else:
                        wanting.append(i)
                    break
                if code == 1:
                    nit[i] += 1
                    if nit[i] >= maxiter:
                        task[0], task[1] = 5, 504
                        break
                    continue
                break
            if task[0] != 3 and on_done is not None:
                on_done(1)
        if wanting:
            f_new, g_new = _safe(*fg(np.array([states[i][0] for i in wanting]), np.asarray(wanting)))
            for j, i in enumerate(wanting):
                states[i][1][...] = f_new[j]
                states[i][2][:] = g_new[j]
            nfev[wanting] += 1
        active = wanting
    xs = [s[0] for s in states]
    fs = [s[1] for s in states]
    tasks = [s[5] for s in states]
    messages = [f"{_STATUS.get(int(t[0]), t[0])}: {_TASK.get(int(t[1]), t[1])}" for t in tasks]
    return ManyResult(np.array(xs), np.array([float(f) for f in fs]), nit, nfev,
                      np.array([int(t[0]) == 4 for t in tasks]), messages)


def _one_by_one(fg: FG, x0: np.ndarray, bounds, ftol: float, gtol: float, maxiter: int, maxfun: int,
                on_done: Callable[[int], None] | None) -> ManyResult:
    from scipy import optimize

    xs, fs, nits, nfevs, oks, messages = [], [], [], [], [], []
    for i, start in enumerate(x0):
        rows = np.array([i])

        def single(x, rows=rows):
            f, g = _safe(*fg(x[None, :], rows))
            return float(f[0]), g[0]

        res = optimize.minimize(single, start, jac=True, method="L-BFGS-B", bounds=bounds,
                                options={"ftol": ftol, "gtol": gtol, "maxiter": maxiter, "maxfun": maxfun})
        xs.append(res.x)
        fs.append(float(res.fun))
        nits.append(res.nit)
        nfevs.append(res.nfev)
        oks.append(bool(res.success))
        messages.append(str(res.message))
        if on_done is not None:
            on_done(1)
    return ManyResult(np.array(xs), np.array(fs), np.array(nits), np.array(nfevs), np.array(oks), messages)


_LOCKSTEP_WORKS: bool | None = None


def _lockstep_works() -> bool:
    """Whether this SciPy's ``setulb`` has the reverse-communication signature used here (SciPy >= 1.15)."""
    global _LOCKSTEP_WORKS
    if _LOCKSTEP_WORKS is None:
        try:
            probe = _lockstep(lambda x, rows: ((x**2).sum(1), 2 * x), np.ones((1, 2)), None, FTOL, GTOL, 50, 50,
                              None)
            _LOCKSTEP_WORKS = bool(np.allclose(probe.x, 0.0, atol=1e-6))
        except (ImportError, TypeError, ValueError, AttributeError):
            _LOCKSTEP_WORKS = False
    return _LOCKSTEP_WORKS


def minimize_many(fg: FG, x0, *, bounds=None, ftol: float = FTOL, gtol: float = GTOL, maxiter: int = 15000,
                  maxfun: int = 15000, on_done: Callable[[int], None] | None = None) -> ManyResult:
    """L-BFGS-B from each row of ``x0`` (K, p); ``fg(X, rows)`` returns objectives (k,) and gradients (k, p).

    ``rows`` tells ``fg`` which of the K problems each row of ``X`` belongs to (so each start may
    have its own data, as bootstrap replicates do). ``on_done(1)`` is called as each start finishes.
    """
    x0 = np.atleast_2d(np.asarray(x0, dtype=float))
    x0 = _clip_to_bounds(x0, bounds)
    runner = _lockstep if _lockstep_works() else _one_by_one
    with single_threaded_blas():
        return runner(fg, x0, bounds, ftol, gtol, maxiter, maxfun, on_done)
