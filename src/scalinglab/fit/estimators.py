"""Point estimators: ``hoffmann`` (the published multi-start procedure) and ``fast`` (same optimum, quicker).

``hoffmann`` (Hoffmann et al. 2022, section 3.3 and D.2; as replicated by Besiroglu et al. 2024,
arXiv:2404.10102, section 3): L-BFGS-B with SciPy's default settings from every point of the
family's full start grid (for Chinchilla the 4,500 points alpha, beta in {0, 0.5, ..., 2},
e in {-1, -0.5, ..., 1}, a, b in {0, 5, ..., 25}, unbounded as published), keeping the best end.

``fast``: evaluates the objective on the same grid and on data-driven candidates (variable
projection: for fixed exponents the scale parameters follow from a linear least-squares solve),
then runs L-BFGS-B with tight tolerances from the few best distinct candidates only. With many
candidates and runs, all candidates are first screened on 32 evenly spaced runs in single precision
and only the best 512 are ranked on every run (a test checks that the chosen starts are unchanged
on the Chinchilla runs, and that screened and unscreened fits end at the same objective on random
tables).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UnknownNameError
from .models import FitModel
from .objectives import Objective
from .newton import newton_many
from .optimize import FTOL, GTOL, ManyResult, minimize_many

__all__ = ["Estimate", "ESTIMATORS", "estimate", "make_fg", "make_vgh", "objective_values", "refine_many", "FAST_TOL"]

ESTIMATORS = ("fast", "hoffmann")
FAST_TOL = {"ftol": 1e-14, "gtol": 1e-10, "maxiter": 5000, "maxfun": 20000}
_TIGHT = 8  # with more candidates than this, a rough pass (at most _ROUGH_ITER steps each) picks the best 8
_ROUGH_ITER = 150
_BLOCK = 65536  # runs x parameter vectors evaluated per vectorised call
_RANK_RUNS = 20_000  # runs the fast estimator ranks its starts on
_SCREEN_RUNS, _SCREEN_KEEP = 32, 512  # candidates screened on this many runs; this many best ranked on all
_VALUES_BLOCK = 1 << 21  # residuals per chunk when ranking starts (16 MB per temporary array)


@dataclass(frozen=True)
class Estimate:
    """The best parameter vector (fitted coordinates), its objective and how it was found."""

    theta: np.ndarray
    objective: float
    success: bool
    message: str
    estimator: str
    n_starts: int
    n_refined: int
    optima: np.ndarray  # distinct local optima found, best first (fitted coordinates)


def make_fg(model: FitModel, objective: Objective, data: dict, y: np.ndarray, index: np.ndarray | None = None):
    """fg(X, rows) for ``minimize_many``: objective and gradient; ``index`` (R, n) resamples runs per problem."""

    def block(theta: np.ndarray, rows: np.ndarray):
        if index is None:
            d, yy = data, y
        else:
            pick = index[rows]
            d, yy = {k: v[pick] for k, v in data.items()}, y[pick]
        with np.errstate(all="ignore"):
            return model.value_grad(theta, d, yy, objective)

    def fg(theta: np.ndarray, rows: np.ndarray):
        if len(theta) * len(y) <= _BLOCK:
            return block(theta, rows)
        step = max(1, _BLOCK // len(y))  # blocks small enough to stay in cache
        parts = [block(theta[i:i + step], rows[i:i + step]) for i in range(0, len(theta), step)]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    return fg


def make_vgh(model: FitModel, objective: Objective, data: dict, y: np.ndarray):
    """vgh(X, rows, hessian) for ``newton_many``; ``data`` and ``y`` hold one row of runs per problem (R, n)
    or one set shared by all (n,)."""
    per_problem = np.ndim(y) == 2

    def vgh(theta: np.ndarray, rows: np.ndarray, hessian: bool):
        d, yy = data, y
        if per_problem and len(rows) < len(y):
            d, yy = {k: v[rows] for k, v in data.items()}, y[rows]
        with np.errstate(all="ignore"):
            if hessian:
                return model.value_grad_hess(theta, d, yy, objective)
            return objective.value_and_psi(model.predict(theta, d) - yy)[0]

    return vgh


def refine_many(model: FitModel, objective: Objective, data: dict, y: np.ndarray, x0: np.ndarray,
                index: np.ndarray | None = None, on_done=None, **tol) -> ManyResult:
    """Minimise from each row of ``x0`` with tolerances ``tol`` (``minimize_many``'s); ``index`` (K, n) resamples.

    Families with an exact Hessian take damped Newton steps first (``newton``); L-BFGS-B finishes the
    problems Newton leaves unconverged or on a bound, and is the whole method for the other families."""
    x0 = np.atleast_2d(np.asarray(x0, dtype=float))
    k = len(x0)
    x, fun, done = x0.copy(), np.full(k, np.inf), np.zeros(k, bool)
    nit, nfev, messages = np.zeros(k, int), np.zeros(k, int), [""] * k  # L-BFGS-B's counts: 0 where Newton finished
    if model.has_hessian:
        per_problem = (data, y) if index is None else ({name: v[index] for name, v in data.items()}, y[index])
        x, fun, done = newton_many(make_vgh(model, objective, *per_problem), x0, bounds=model.bounds(),
                                   gtol=tol.get("gtol", GTOL), ftol=tol.get("ftol", FTOL))
        messages = [_NEWTON_MESSAGE if ok else "" for ok in done]
        if on_done is not None and done.any():
            on_done(int(done.sum()))
    rest = np.flatnonzero(~done)
    if len(rest):
        res = minimize_many(make_fg(model, objective, data, y, None if index is None else index[rest]), x[rest],
                            bounds=model.bounds(), on_done=on_done, **tol)
        x[rest], fun[rest], done[rest], nit[rest], nfev[rest] = res.x, res.fun, res.success, res.nit, res.nfev
        for j, i in enumerate(rest):
            messages[i] = res.message[j]
    return ManyResult(x, fun, nit, nfev, done, messages)


_NEWTON_MESSAGE = "CONVERGENCE: NEWTON STEP WITHIN TOLERANCE"


def objective_values(model: FitModel, objective: Objective, data: dict, y: np.ndarray, thetas: np.ndarray,
                     chunk: int = 2048) -> np.ndarray:
    """The objective at each row of ``thetas`` (vectorised in chunks); NaN becomes +inf.

    Chunks hold at most ``_VALUES_BLOCK`` residuals, so memory does not grow with starts x runs."""
    chunk = max(1, min(chunk, _VALUES_BLOCK // max(len(y), 1)))
    out = np.empty(len(thetas))
    for start in range(0, len(thetas), chunk):
        block = thetas[start:start + chunk]
        with np.errstate(all="ignore"):
            out[start:start + chunk] = objective.value_and_psi(model.predict(block, data) - y)[0]
    return np.where(np.isfinite(out), out, np.inf)


def _evenly_spaced(data: dict, y: np.ndarray, count: int) -> tuple[dict, np.ndarray]:
    """At most ``count`` runs, evenly spaced through the table (all of them when there are fewer).

    The fast estimator ranks its thousands of starts on these; the refinement then uses every run.
    Time and memory of the ranking stay fixed as tables grow (every bundled table has fewer runs)."""
    if len(y) <= count:
        return data, y
    pick = np.linspace(0, len(y) - 1, count).round().astype(int)
    return {k: v[pick] for k, v in data.items()}, y[pick]


def _distinct(thetas: np.ndarray, values: np.ndarray, count: int, decimals: int = 3) -> np.ndarray:
    """Indices of the ``count`` best rows whose rounded coordinates differ."""
    chosen, seen = [], set()
    for i in np.argsort(values, kind="stable"):
        if not np.isfinite(values[i]):
            break
        key = tuple(np.round(thetas[i], decimals))
        if key in seen:
            continue
        seen.add(key)
        chosen.append(int(i))
        if len(chosen) == count:
            break
    return np.array(chosen, dtype=int)


def _rank(model: FitModel, objective: Objective, data: dict, y: np.ndarray, candidates: np.ndarray,
          screen_runs: int = _SCREEN_RUNS, keep: int = _SCREEN_KEEP) -> np.ndarray:
    """Each candidate's objective on all runs; +inf for those a screening on ``screen_runs`` runs left out."""
    if len(y) <= 2 * screen_runs or len(candidates) <= 2 * keep:
        return objective_values(model, objective, data, y, candidates)
    few, few_y = _evenly_spaced(data, y, screen_runs)
    single = {name: v.astype(np.float32) for name, v in few.items()}  # a screening: single precision is plenty
    rough = objective_values(model, objective, single, few_y.astype(np.float32), candidates.astype(np.float32))
    best = np.argsort(rough, kind="stable")[:keep]
    values = np.full(len(candidates), np.inf)
    values[best] = objective_values(model, objective, data, y, candidates[best])
    return values


def _published_bounds(model: FitModel):
    """Hoffmann's procedure runs L-BFGS-B without bounds on the Chinchilla family; others keep theirs."""
    return None if model.family == "chinchilla" else model.bounds()


def estimate(model: FitModel, objective: Objective, data: dict, y: np.ndarray, estimator: str = "fast",
             on_done=None) -> Estimate:
    """Minimise the summed objective over the model's parameters with the named estimator."""
    key = str(estimator).strip().lower()
    if key not in ESTIMATORS:
        raise UnknownNameError("estimator", estimator, ESTIMATORS)
    fg = make_fg(model, objective, data, y)
    grid = model.grid(data)
    if key == "hoffmann":
        res = minimize_many(fg, grid, bounds=_published_bounds(model), on_done=on_done)
        n_starts, starts_used = len(grid), len(grid)
    else:
        def fit(other: FitModel, objective_name: str) -> np.ndarray:
            return estimate(other, Objective(objective_name), data, y).theta

        few, few_y = _evenly_spaced(data, y, _RANK_RUNS)
        candidates = np.vstack([grid, model.extra_starts(few, few_y, fit=fit)])
        values = _rank(model, objective, few, few_y, candidates)
        pick = _distinct(candidates, values, model.refine)
        if not len(pick):  # no candidate has a finite objective: refine one, whose failure the caller reports
            pick = np.arange(1)
        starts = candidates[pick]
        if len(pick) > _TIGHT:
            rough = minimize_many(fg, starts, bounds=model.bounds(), maxiter=_ROUGH_ITER)
            starts = rough.x[_distinct(rough.x, rough.fun, _TIGHT)]
        res = refine_many(model, objective, data, y, starts, on_done=on_done, **FAST_TOL)
        n_starts, starts_used = len(candidates), len(pick)
    order = _distinct(res.x, res.fun, 5)
    best = int(order[0]) if len(order) else res.best
    return Estimate(theta=res.x[best].copy(), objective=float(res.fun[best]), success=bool(res.success[best]),
                    message=res.message[best], estimator=key, n_starts=n_starts, n_refined=starts_used,
                    optima=res.x[order] if len(order) else res.x[[best]])
