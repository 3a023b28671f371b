"""Backtests: fit on some runs, predict the others, and score the predictions.

``holdout_above``: fit on the runs whose compute is at most C and predict those above it, the
question a lab asks before a larger run. ``leave_one_budget_out``: for each IsoFLOP budget, fit on
every other run and predict that budget. Scores: the mean absolute percentage error of the loss
(MAPE, with the point fit), the mean signed error (bias) and the coverage of the prediction
interval for a new run (bootstrap of the training fit plus resampled residual scatter; see
``bootstrap``): a calibrated 95% interval covers about 95% of held-out runs.
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

__all__ = ["holdout_above", "leave_one_budget_out", "DEFAULT_BACKTEST_BOOTSTRAP"]

DEFAULT_BACKTEST_BOOTSTRAP = 200
"""Bootstrap replicates for the prediction intervals of a backtest when none were asked for."""


def _response(model: FitModel, values: np.ndarray) -> np.ndarray:
    return np.exp(values) if model.response == "log" else values


def _predict_split(model: FitModel, objective: Objective, train: Runs, test: Runs, estimator: str, size: int,
                   seed: int, level: float) -> dict:
    """Fit on ``train``, predict ``test``: point predictions, intervals and per-run rows."""
    p = len(model.specs)
    if len(train) < p:
        runs = f"{len(train)} run" + ("" if len(train) == 1 else "s")
        raise InputError(f"{train.source}: the backtest leaves {runs} to fit {p} parameters; "
                         f"choose a split with at least {p} training runs")
    data, y = model.data(train)
    fit = estimate(model, objective, data, y, estimator)
    test_data, observed = model.data(test)
    point = _response(model, model.predict(fit.theta[None, :], test_data)[0])
    boot = run_bootstrap(model, objective, data, y, fit.theta, size, seed=seed, level=level)
    mean = _response(model, model.predict(boot.thetas, test_data))
    eps = boot.draw_residuals(len(test))
    draws = mean * np.exp(-eps) if model.response == "log" else mean - eps
    interval = percentile_interval(draws, level, axis=0)
    obs = _response(model, observed)
    inside = (obs >= interval[:, 0]) & (obs <= interval[:, 1])
    rows = [{"row": int(r), "compute": None if test.c is None else float(test.c[i]), "observed": float(obs[i]),
             "predicted": float(point[i]), "error_percent": float(100 * (point[i] - obs[i]) / obs[i]),
             "prediction_interval": [float(v) for v in interval[i]], "inside": bool(inside[i])}
            for i, r in enumerate(test.rows)]
    return {"train_runs": len(train), "test_runs": len(test), "params": model.params(fit.theta), "rows": rows,
            "errors": (point - obs) / obs, "inside": inside}


def _scores(errors: np.ndarray, inside: np.ndarray) -> dict:
    return {"mape": float(100 * np.mean(np.abs(errors))), "bias_percent": float(100 * np.mean(errors)),
            "coverage": float(np.mean(inside))}


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
    out.update(_scores(split.pop("errors"), split.pop("inside")))
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
                               level)
        e, ok = split.pop("errors"), split.pop("inside")
        errors.append(e)
        inside.append(ok)
        folds.append({"budget": float(budget), **_scores(e, ok), **split})
    out = {"method": f"leave one of {len(budgets)} IsoFLOP budgets out", "level": level, "bootstrap": bootstrap,
           "seed": seed, **_scores(np.concatenate(errors), np.concatenate(inside)), "folds": folds}
    return out
