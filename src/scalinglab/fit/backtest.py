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

__all__ = ["holdout_above", "leave_one_budget_out", "extrapolation_calibration", "widen", "DEFAULT_BACKTEST_BOOTSTRAP",
           "conformal_quantile"]

DEFAULT_BACKTEST_BOOTSTRAP = 200
"""Bootstrap replicates for the prediction intervals of a backtest when none were asked for."""
CALIBRATION_BOOTSTRAP = 200
"""Most bootstrap replicates per forward-chaining split of ``extrapolation_calibration``."""


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


def widen(point, interval, factor: float, outside, log: bool = True) -> np.ndarray:
    """``interval`` stretched about ``point`` by ``factor`` where ``outside`` (log space for log responses)."""
    point, interval = np.asarray(point, dtype=float), np.asarray(interval, dtype=float)
    f, g = (np.log, np.exp) if log else ((lambda v: v), (lambda v: v))
    p = f(point)
    scale = np.where(np.asarray(outside, dtype=bool), max(float(factor), 1.0), 1.0)
    lo = g(p - scale * (p - f(interval[..., 0])))
    hi = g(p + scale * (f(interval[..., 1]) - p))
    return np.stack([lo, hi], axis=-1)


def extrapolation_calibration(model: FitModel, objective: Objective, runs: Runs, *, estimator: str = "fast",
                              bootstrap: int = DEFAULT_BACKTEST_BOOTSTRAP, seed: int = 0,
                              level: float = 0.95, min_budgets: int = 4) -> dict | None:
    """The factor that widens prediction intervals beyond the fitted compute range (see the module doc).

    Returns None when the runs have fewer than ``min_budgets`` + 1 IsoFLOP budgets or no C.
    """
    if runs.c is None:
        return None
    labels = find_budgets(runs)
    labels = np.where(np.isfinite(labels), labels, runs.c)
    budgets = np.unique(labels)
    budgets = budgets[[np.sum(labels == b) >= 3 for b in budgets]]
    if len(budgets) <= min_budgets:
        return None
    scores, quantiles = [], []
    p = len(model.specs)
    for i, b in enumerate(budgets[min_budgets - 1:-1]):
        below = labels <= b
        if below.sum() < p + 2 or (~below).sum() == 0:
            continue
        point, interval, observed, _ = _fit_predict(model, objective, runs.take(below), runs.take(~below), estimator,
                                                    bootstrap, seed + 1000 + i, level)
        s = _score(point, interval, observed, model.response == "log")
        scores.append(s)
        quantiles.append(conformal_quantile(s, level))
    if not scores:
        return None
    s = np.concatenate(scores)
    q = max(quantiles)
    return {"factor": max(q, 1.0), "fold_quantiles": quantiles, "scores": int(len(s)), "folds": len(scores),
            "level": level, "coverage_bootstrap": float(np.mean(s <= 1)), "compute_max": float(runs.c.max()),
            "method": (f"forward chaining over {len(scores)} budget splits of the fitting runs ({len(s)} predictions); "
                       f"largest split-conformal quantile of |log error| / bootstrap half-width")}


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
    interval = (widen(point, boot_interval, calibration["factor"], outside, model.response == "log")
                if calibration else boot_interval)
    inside = (obs >= interval[:, 0]) & (obs <= interval[:, 1])
    inside_boot = (obs >= boot_interval[:, 0]) & (obs <= boot_interval[:, 1])
    rows = [{"row": int(r), "compute": None if test.c is None else float(test.c[i]), "observed": float(obs[i]),
             "predicted": float(point[i]), "error_percent": float(100 * (point[i] - obs[i]) / obs[i]),
             "prediction_interval": [float(v) for v in interval[i]],
             "bootstrap_interval": [float(v) for v in boot_interval[i]], "inside": bool(inside[i]),
             "inside_bootstrap": bool(inside_boot[i])}
            for i, r in enumerate(test.rows)]
    return {"train_runs": len(train), "test_runs": len(test), "params": model.params(theta), "rows": rows,
            "calibration": calibration, "errors": (point - obs) / obs, "inside": inside, "inside_boot": inside_boot}


def _scores(errors: np.ndarray, inside: np.ndarray, inside_boot: np.ndarray) -> dict:
    return {"mape": float(100 * np.mean(np.abs(errors))), "bias_percent": float(100 * np.mean(errors)),
            "coverage": float(np.mean(inside)), "coverage_bootstrap": float(np.mean(inside_boot))}


def holdout_above(model: FitModel, objective: Objective, runs: Runs, threshold: float, *, estimator: str = "fast",
                  bootstrap: int = DEFAULT_BACKTEST_BOOTSTRAP, seed: int = 0, level: float = 0.95) -> dict:
    """Fit on runs with C <= ``threshold`` FLOP, score the predictions of the runs above it."""
    runs.require(("c",), "--holdout-above")
    threshold = float(threshold)
    above = runs.c > threshold
    if not above.any():
        raise InputError(f"{runs.source}: no runs above --holdout-above {threshold:.3g} FLOP "
                         f"(largest compute {runs.c.max():.3g})")
    split = _predict_split(model, objective, runs.take(~above), runs.take(above), estimator, bootstrap, seed, level)
    out = {"method": f"fit on C <= {threshold:.3g} FLOP, predict the {int(above.sum())} runs above",
           "holdout_above": threshold, "level": level, "bootstrap": bootstrap, "seed": seed}
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
        errors.append(e)
        inside.append(ok)
        folds.append({"budget": float(budget), **_scores(e, ok, ok_boot), **split})
    every = np.concatenate(inside)
    out = {"method": f"leave one of {len(budgets)} IsoFLOP budgets out", "level": level, "bootstrap": bootstrap,
           "seed": seed, **_scores(np.concatenate(errors), every, every), "folds": folds}
    return out
