"""Backtests: fit on some runs, predict the others, and score the predictions.

``holdout_above``: fit on the runs whose compute is at most C and predict those above it, the
question a lab asks before a larger run. ``leave_one_budget_out``: for each IsoFLOP budget, fit on
every other run and predict that budget. Scores: the mean absolute percentage error of the loss
(MAPE, with the point fit), the mean signed error (bias) and the coverage of the prediction
interval for a new run (bootstrap of the training fit plus resampled residual scatter; see
``bootstrap``): a calibrated 95% interval covers about 95% of held-out runs.

The bootstrap interval assumes large runs scatter around the law as small runs do; they do not
(on the Chinchilla runs fitted below 1e21 FLOP it covers about two thirds of the larger runs).
``extrapolation_calibration`` measures how far off it is on the fitting runs alone, by forward
chaining (split-conformal, Vovk et al. 2005; Angelopoulos and Bates 2021): for each IsoFLOP budget
b from the fourth on, fit the runs at budgets <= b and predict the larger ones; each prediction's
score is |log observed - log predicted| divided by the half-width of its bootstrap interval on the
side of the error. Each split's conformal quantile of its n scores (the ceil((n + 1) level)-th
smallest) says how much that split's intervals had to grow; the largest over splits, at least 1,
is the factor by which intervals are widened *beyond the fitted compute range only* (the splits
extrapolate by different distances, so the widest one is kept); inside it the bootstrap interval
stands.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from .bootstrap import percentile_interval, run_bootstrap
from .estimators import estimate
from .isoflop import find_budgets
from .models import FitModel
from .objectives import Objective
from .runs import Runs

__all__ = ["holdout_above", "leave_one_budget_out", "extrapolation_calibration", "widen", "forward_groups",
           "calibration_skipped", "calibration_factor", "above_threshold", "BUDGET_RTOL", "DEFAULT_BACKTEST_BOOTSTRAP",
           "conformal_quantile"]

DEFAULT_BACKTEST_BOOTSTRAP = 200
"""Bootstrap replicates for the prediction intervals of a backtest when none were asked for."""
CALIBRATION_BOOTSTRAP = 200
"""Most bootstrap replicates per forward-chaining split of ``extrapolation_calibration``."""


BUDGET_RTOL = 10 ** 0.05 - 1
"""Relative tolerance of a compute threshold: 0.05 dex, the window that gathers runs into one IsoFLOP budget."""


def above_threshold(runs: Runs, threshold: float, flag: str = "--holdout-above") -> tuple[np.ndarray, list[str]]:
    """(runs above ``threshold`` FLOP, notes), comparing each run's IsoFLOP budget (its own C outside any).

    A budget is compared as a whole, so its runs are never split across the threshold, and within
    ``BUDGET_RTOL`` of it counts as at the threshold (kept below): a computed 6ND of a 1e19-FLOP
    budget may read 1.03e19.
    """
    runs.require(("c",), flag)
    labels = find_budgets(runs)
    budget = np.where(np.isfinite(labels), labels, runs.c)
    above = budget > threshold * (1 + BUDGET_RTOL)
    notes = []
    near = ~above & (runs.c > threshold)
    if near.any():
        notes.append(f"{int(near.sum())} runs with C above {flag} {threshold:.3g} belong to a budget within "
                     f"{BUDGET_RTOL:.0%} of it and count as at the threshold (a budget is never split)")
    return above, notes


def _response(model: FitModel, values: np.ndarray) -> np.ndarray:
    return np.exp(values) if model.response == "log" else values


def _fit_predict(model: FitModel, objective: Objective, train: Runs, test: Runs, estimator: str, size: int,
                 seed: int, level: float):
    """(point, bootstrap prediction interval (n, 2), observed, fitted theta) of ``test`` from a fit of ``train``."""
    data, y = model.data(train)
    fit = estimate(model, objective, data, y, estimator)
    test_data, observed = model.data(test)
    point = _response(model, model.predict(fit.theta[None, :], test_data)[0])
    boot = run_bootstrap(model, objective, data, y, fit.theta, size, seed=seed, level=level)
    mean = _response(model, model.predict(boot.thetas, test_data))
    eps = boot.draw_residuals(len(test))
    draws = mean * np.exp(-eps) if model.response == "log" else mean - eps
    return point, percentile_interval(draws, level, axis=0), _response(model, observed), fit.theta


def _score(point, interval, observed, log: bool) -> np.ndarray:
    """|error| over the interval's half-width on the side of the error (in log space for log responses)."""
    f = np.log if log else (lambda v: v)
    p, lo, hi, o = f(point), f(interval[:, 0]), f(interval[:, 1]), f(observed)
    half = np.where(o >= p, hi - p, p - lo)
    return np.abs(o - p) / np.maximum(half, 1e-12)


def widen(point, interval, factor, outside, log: bool = True) -> np.ndarray:
    """``interval`` stretched about ``point`` by ``factor`` (one, or one per row, never below 1) where
    ``outside`` (log space for log responses)."""
    point, interval = np.asarray(point, dtype=float), np.asarray(interval, dtype=float)
    f, g = (np.log, np.exp) if log else ((lambda v: v), (lambda v: v))
    p = f(point)
    scale = np.where(np.asarray(outside, dtype=bool), np.maximum(np.asarray(factor, dtype=float), 1.0), 1.0)
    lo = g(p - scale * (p - f(interval[..., 0])))
    hi = g(p + scale * (f(interval[..., 1]) - p))
    return np.stack([lo, hi], axis=-1)


COMPUTE_BINS = 10
"""Groups of equal size by log C that forward chaining uses when the runs are not on IsoFLOP budgets."""


def forward_groups(runs: Runs, min_budgets: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """(a group label per run, the ordered labels that forward chaining splits at).

    The IsoFLOP budgets of at least three runs each (a run outside any budget is labelled by its own
    C); with ``min_budgets`` or fewer of those (a learning-rate sweep reduced to its best run per
    setting) and at least three runs per bin, ``COMPUTE_BINS`` bins of equal size by compute, each labelled by its largest C (equal C
    always share a bin).
    """
    labels = find_budgets(runs)
    labels = np.where(np.isfinite(labels), labels, runs.c)
    budgets = np.unique(labels)
    budgets = budgets[[np.sum(labels == b) >= 3 for b in budgets]]
    if len(budgets) > min_budgets or len(runs) < 3 * COMPUTE_BINS:
        return labels, budgets
    edges = np.unique(np.quantile(runs.c, np.linspace(0, 1, COMPUTE_BINS + 1)[1:-1]))
    bins = np.searchsorted(edges, runs.c, side="left")
    tops = np.array([runs.c[bins == k].max() for k in range(len(edges) + 1) if np.any(bins == k)])
    labels = tops[np.searchsorted(np.unique(bins), bins)]
    return labels, np.unique(labels)


def calibration_skipped(runs: Runs) -> str:
    """The note said when ``extrapolation_calibration`` returns None."""
    if runs.c is None:
        return "intervals beyond the fitted compute are not calibrated: the runs have no compute C"
    return (f"intervals beyond the fitted compute are not calibrated: {len(runs)} runs at "
            f"{len(np.unique(runs.c))} distinct computes are too few to chain forward (the bootstrap interval alone "
            f"understates extrapolation error)")


def extrapolation_calibration(model: FitModel, objective: Objective, runs: Runs, *, estimator: str = "fast",
                              bootstrap: int = DEFAULT_BACKTEST_BOOTSTRAP, seed: int = 0,
                              level: float = 0.95, min_budgets: int = 4) -> dict | None:
    """The factor that widens prediction intervals beyond the fitted compute range (see the module doc).

    Returns None when the runs have no C or too few distinct computes to chain (``calibration_skipped``
    says why).
    """
    if runs.c is None:
        return None
    labels, budgets = forward_groups(runs, min_budgets)
    if len(budgets) <= min_budgets:
        return None
    scores, folds, distances = [], [], []
    p = len(model.specs)
    for i, b in enumerate(budgets[min_budgets - 1:-1]):
        below = labels <= b
        if below.sum() < p + 2 or (~below).sum() == 0:
            continue
        point, interval, observed, _ = _fit_predict(model, objective, runs.take(below), runs.take(~below), estimator,
                                                    bootstrap, seed + 1000 + i, level)
        scores.append(_score(point, interval, observed, model.response == "log"))
        folds.append(np.full(len(observed), len(folds)))
        distances.append(np.log10(runs.c[~below] / runs.c[below].max()))
    if not scores:
        return None
    s, fold, dist = np.concatenate(scores), np.concatenate(folds), np.concatenate(distances)
    held = [s[fold == k] <= conformal_quantile(s[fold != k], level) for k in range(len(scores)) if len(scores) > 1]
    return {"factor": conformal_quantile(s, level), "by_distance": _by_distance(s, dist, level),
            "fold_quantiles": [conformal_quantile(f, level) for f in scores], "calibration_size": int(len(s)),
            "scores": int(len(s)), "folds": len(scores), "level": level, "coverage_bootstrap": float(np.mean(s <= 1)),
            "coverage_cross_fold": float(np.mean(np.concatenate(held))) if held else None,
            "compute_max": float(runs.c.max()),
            "method": (f"split-conformal over {len(s)} forward-chaining predictions ({len(scores)} splits of the "
                       f"fitting runs): the ceil((n + 1) {level:g})-th smallest |log error| / bootstrap half-width "
                       f"among those extrapolating at least as far")}


DISTANCE_STEP = 0.25
"""Extrapolation distances (dex of compute beyond the fitted runs) at which the calibration factor is tabled."""


def _by_distance(scores: np.ndarray, distances: np.ndarray, level: float) -> list[list[float]]:
    """[[d, factor, n], ...]: the conformal quantile of the n scores of predictions at least d dex beyond
    their fit, for d = 0, 0.25, ... while n >= level / (1 - level) (enough for the quantile to be a score);
    never decreasing with d, since farther extrapolation is not easier."""
    need = int(np.ceil(level / (1 - level)))
    rows, d, top = [], 0.0, 0.0
    while np.sum(distances >= d - 1e-9) >= need:
        far = scores[distances >= d - 1e-9]
        top = max(top, conformal_quantile(far, level))
        rows.append([d, top, int(far.size)])
        d += DISTANCE_STEP
    return rows


def calibration_factor(calibration: dict, compute) -> np.ndarray:
    """The factor for predictions at ``compute`` FLOP: that of the farthest tabled distance they reach
    (the pooled factor for calibrations saved without the table)."""
    compute = np.atleast_1d(np.asarray(compute, dtype=float))
    table = calibration.get("by_distance") or []
    if not table:
        return np.full(compute.shape, float(calibration["factor"]))
    steps, factors = np.array([r[0] for r in table]), np.array([r[1] for r in table])
    distance = np.log10(compute / float(calibration["compute_max"]))
    return factors[np.clip(np.searchsorted(steps, distance, side="right") - 1, 0, len(steps) - 1)]


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    """The ceil((n + 1) level)-th smallest of n scores (the largest when that exceeds n)."""
    rank = min(len(scores), int(np.ceil((len(scores) + 1) * level)))
    return float(np.sort(scores)[rank - 1])


def _predict_split(model: FitModel, objective: Objective, train: Runs, test: Runs, estimator: str, size: int,
                   seed: int, level: float, calibrate: bool = True) -> dict:
    """Fit on ``train``, predict ``test``: point predictions, intervals and per-run rows.

    With ``calibrate``, runs beyond the training compute get the interval widened by the training
    runs' own ``extrapolation_calibration``; ``inside_bootstrap`` keeps the plain bootstrap verdict.
    """
    p = len(model.specs)
    if len(train) < p:
        runs = f"{len(train)} run" + ("" if len(train) == 1 else "s")
        raise InputError(f"{train.source}: the backtest leaves {runs} to fit {p} parameters; "
                         f"choose a split with at least {p} training runs")
    point, boot_interval, obs, theta = _fit_predict(model, objective, train, test, estimator, size, seed, level)
    calibration = extrapolation_calibration(model, objective, train, estimator=estimator,
                                            bootstrap=min(size, CALIBRATION_BOOTSTRAP), seed=seed,
                                            level=level) if calibrate else None
    outside = (test.c > train.c.max()) if (calibration and test.c is not None) else np.zeros(len(test), dtype=bool)
    interval = (widen(point, boot_interval, calibration_factor(calibration, test.c), outside,
                      model.response == "log") if calibration else boot_interval)
    inside = (obs >= interval[:, 0]) & (obs <= interval[:, 1])
    inside_boot = (obs >= boot_interval[:, 0]) & (obs <= boot_interval[:, 1])
    rows = [{"row": int(r), "compute": None if test.c is None else float(test.c[i]), "observed": float(obs[i]),
             "predicted": float(point[i]), "error_percent": float(100 * (point[i] - obs[i]) / obs[i]),
             "prediction_interval": [float(v) for v in interval[i]],
             "bootstrap_interval": [float(v) for v in boot_interval[i]], "inside": bool(inside[i]),
             "inside_bootstrap": bool(inside_boot[i])}
            for i, r in enumerate(test.rows)]
    return {"train_runs": len(train), "test_runs": len(test), "params": model.params(theta), "rows": rows,
            "calibration": calibration, "errors": (point - obs) / obs, "inside": inside, "inside_boot": inside_boot,
            "notes": [calibration_skipped(train)] if calibrate and calibration is None else []}


def _scores(errors: np.ndarray, inside: np.ndarray, inside_boot: np.ndarray) -> dict:
    return {"mape": float(100 * np.mean(np.abs(errors))), "bias_percent": float(100 * np.mean(errors)),
            "coverage": float(np.mean(inside)), "coverage_bootstrap": float(np.mean(inside_boot))}


def holdout_above(model: FitModel, objective: Objective, runs: Runs, threshold: float, *, estimator: str = "fast",
                  bootstrap: int = DEFAULT_BACKTEST_BOOTSTRAP, seed: int = 0, level: float = 0.95) -> dict:
    """Fit on runs with C <= ``threshold`` FLOP, score the predictions of the runs above it."""
    threshold = float(threshold)
    above, notes = above_threshold(runs, threshold)
    if not above.any():
        raise InputError(f"{runs.source}: no runs above --holdout-above {threshold:.3g} FLOP "
                         f"(largest compute {runs.c.max():.3g})")
    split = _predict_split(model, objective, runs.take(~above), runs.take(above), estimator, bootstrap, seed, level)
    out = {"method": f"fit on C <= {threshold:.3g} FLOP, predict the {int(above.sum())} runs above",
           "holdout_above": threshold, "notes": notes + split.pop("notes"), "level": level, "bootstrap": bootstrap, "seed": seed}
    out.update(_scores(split.pop("errors"), split.pop("inside"), split.pop("inside_boot")))
    out.update(split)
    return out


def leave_one_budget_out(model: FitModel, objective: Objective, runs: Runs, *, estimator: str = "fast",
                         bootstrap: int = DEFAULT_BACKTEST_BOOTSTRAP, seed: int = 0, level: float = 0.95) -> dict:
    """For each IsoFLOP budget: fit on all other runs, score the predictions of that budget's runs."""
    labels = find_budgets(runs)
    budgets = np.unique(labels[np.isfinite(labels)])
    if len(budgets) < 2:
        raise InputError(f"{runs.source}: leave-one-budget-out needs runs at two or more compute budgets; "
                         f"found {len(budgets)}")
    folds, errors, inside = [], [], []
    for i, budget in enumerate(budgets):
        held = labels == budget
        split = _predict_split(model, objective, runs.take(~held), runs.take(held), estimator, bootstrap, seed + i,
                               level, calibrate=False)
        e, ok, ok_boot = split.pop("errors"), split.pop("inside"), split.pop("inside_boot")
        split.pop("notes")
        errors.append(e)
        inside.append(ok)
        folds.append({"budget": float(budget), **_scores(e, ok, ok_boot), **split})
    every = np.concatenate(inside)
    out = {"method": f"leave one of {len(budgets)} IsoFLOP budgets out", "level": level, "bootstrap": bootstrap,
           "seed": seed, **_scores(np.concatenate(errors), every, every), "folds": folds}
    return out
