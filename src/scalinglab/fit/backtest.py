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
chaining and split-conformal prediction (Vovk et al. 2005; Angelopoulos and Bates 2021): for each
forward-chaining group b from the fourth on, fit the runs at groups <= b and predict the larger
ones; each prediction's score is studentised, |log observed - log predicted| over the standard
deviation of its bootstrap new-run draws. Those fits have fewer runs and extrapolate less far than
the fit being calibrated, and both move the scores, so each score is divided by a difficulty
a + b distance + c ln(runs fitted) (b >= 0) fitted by least squares to the scores (normalised
nonconformity scores: Papadopoulos et al. 2008; Lei et al. 2018). The quantile q is the
ceil((n + 1) level)-th smallest of the n normalised scores. Beyond the fitted compute range only, a
new run's interval is prediction x exp(+-q difficulty sd), never narrower than the bootstrap
interval; inside it the bootstrap interval stands. The warnings of every inner fit are kept, with
the fits that gave them.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from .bootstrap import percentile_interval, run_bootstrap
from .estimators import estimate
from .identify import normal_quantile, fit_warnings, merged_warnings
from .isoflop import find_budgets
from .models import FitModel
from .objectives import Objective
from .runs import Runs

__all__ = ["holdout_above", "leave_one_budget_out", "extrapolation_calibration", "widen", "forward_groups",
           "calibration_skipped", "calibrated_interval", "studentised", "fit_difficulty", "difficulty_at",
           "above_threshold", "BUDGET_RTOL", "DEFAULT_BACKTEST_BOOTSTRAP", "conformal_quantile"]

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
                 seed: int, level: float) -> dict:
    """A fit of ``train`` predicting ``test``: ``point``, bootstrap prediction ``interval`` (n, 2), ``spread`` (the
    new-run draws' standard deviation, log space for log responses), ``observed``, ``theta`` and the fit's
    ``warnings``."""
    data, y = model.data(train)
    fit = estimate(model, objective, data, y, estimator)
    test_data, observed = model.data(test)
    point = _response(model, model.predict(fit.theta[None, :], test_data)[0])
    boot = run_bootstrap(model, objective, data, y, fit.theta, size, seed=seed, level=level)
    mean = model.predict(boot.thetas, test_data)
    draws = mean - boot.draw_residuals(len(test))  # in the model's space (log loss for log responses)
    return {"point": point, "interval": percentile_interval(_response(model, draws), level, axis=0),
            "spread": np.nanstd(draws, axis=0), "observed": _response(model, observed), "theta": fit.theta,
            "warnings": fit_warnings(model, objective, data, y, fit, boot.thetas, level)}


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
    """The quantile and difficulty model that set prediction intervals beyond the fitted compute (module doc).

    Returns None when the runs have no C or too few distinct computes to chain (``calibration_skipped``
    says why). ``warnings``: those of the forward-chaining fits, each with the fits that gave it.
    """
    if runs.c is None:
        return None
    labels, budgets = forward_groups(runs, min_budgets)
    if len(budgets) <= min_budgets:
        return None
    scores, folds, distances, sizes, labelled = [], [], [], [], []
    p = len(model.specs)
    for i, b in enumerate(budgets[min_budgets - 1:-1]):
        below = labels <= b
        if below.sum() < p + 2 or (~below).sum() == 0:
            continue
        split = _fit_predict(model, objective, runs.take(below), runs.take(~below), estimator, bootstrap,
                             seed + 1000 + i, level)
        scores.append(studentised(split["point"], split["observed"], split["spread"], model.response == "log"))
        folds.append(np.full(len(scores[-1]), len(folds)))
        distances.append(np.log10(runs.c[~below] / runs.c[below].max()))
        sizes.append(np.full(len(scores[-1]), float(below.sum())))
        labelled.append((f"fit on C <= {b:.3g}", split["warnings"]))
    if not scores:
        return None
    s, fold, dist, size = (np.concatenate(v) for v in (scores, folds, distances, sizes))
    difficulty = fit_difficulty(s, dist, size)
    r = s / difficulty_at(difficulty, dist, size)
    quantile = conformal_quantile(r, level)
    z = normal_quantile(0.5 + level / 2)
    held = [r[fold == k] <= conformal_quantile(r[fold != k], level) for k in range(len(scores)) if len(scores) > 1]
    return {"quantile": quantile, "difficulty": difficulty, "runs": len(runs), "compute_max": float(runs.c.max()),
            "factor": float(quantile * difficulty_at(difficulty, 0.0, len(runs)) / z),
            "fold_quantiles": [conformal_quantile(r[fold == k], level) for k in range(len(scores))],
            "calibration_size": int(len(s)), "scores": int(len(s)), "folds": len(scores), "level": level,
            "by_distance": [[d, float(quantile * difficulty_at(difficulty, d, len(runs))), int(np.sum(dist >= d - 1e-9))]
                            for d in np.arange(0.0, float(dist.max()) + 1e-9, DISTANCE_STEP).tolist()],
            "coverage_bootstrap": float(np.mean(s <= z)),
            "coverage_cross_fold": float(np.mean(np.concatenate(held))) if held else None,
            "warnings": merged_warnings(labelled, "forward-chaining fits"),
            "method": (f"split-conformal over {len(s)} forward-chaining predictions ({len(scores)} splits of the "
                       f"fitting runs): |log error| / bootstrap sd, over a difficulty linear in the extrapolation "
                       f"distance (dex) and the log number of runs fitted; interval = prediction x exp(+-q "
                       f"difficulty sd) with q = {quantile:.2f}, the ceil((n + 1) {level:g})-th smallest, never "
                       f"narrower than the bootstrap's")}


DISTANCE_STEP = 0.25
"""Extrapolation distances (dex beyond the fitted compute) at which ``by_distance`` tables the half-width in sds."""


def studentised(point, observed, spread, log: bool) -> np.ndarray:
    """|observed - point| over the bootstrap new-run spread (log space for log responses)."""
    f = np.log if log else (lambda v: v)
    return np.abs(f(np.asarray(observed, dtype=float)) - f(np.asarray(point, dtype=float))) / np.maximum(spread, 1e-12)


def fit_difficulty(scores: np.ndarray, distance: np.ndarray, runs: np.ndarray) -> dict:
    """Least squares of the scores on [1, distance (dex), ln runs fitted], the distance term kept >= 0
    (refitted without it when negative: farther extrapolation is not easier); ``floor``: the smallest
    difficulty of the calibration predictions, below which no prediction's difficulty falls."""
    columns = np.column_stack([np.ones_like(scores), distance, np.log(runs)])
    coef = np.linalg.lstsq(columns, scores, rcond=None)[0]
    if coef[1] < 0:
        coef = np.insert(np.linalg.lstsq(columns[:, [0, 2]], scores, rcond=None)[0], 1, 0.0)
    fitted = columns @ coef
    floor = float(max(np.min(fitted), 1e-3 * max(float(np.max(fitted)), 1e-12), 1e-12))
    return {"intercept": float(coef[0]), "distance": float(coef[1]), "log_runs": float(coef[2]), "floor": floor}


def difficulty_at(difficulty: dict, distance, runs) -> np.ndarray:
    """The difficulty model of ``fit_difficulty`` at ``distance`` dex beyond a fit of ``runs`` runs."""
    value = (difficulty["intercept"] + difficulty["distance"] * np.asarray(distance, dtype=float)
             + difficulty["log_runs"] * np.log(np.asarray(runs, dtype=float)))
    return np.maximum(value, difficulty["floor"])


def calibrated_interval(calibration: dict, point, interval, spread, outside, compute, log: bool = True) -> np.ndarray:
    """Beyond the fitted compute (``outside``): point -+ quantile x difficulty x ``spread`` (log space for log
    responses), never narrower than the bootstrap ``interval``; inside it, ``interval`` itself. A
    calibration saved before the difficulty model widens ``interval`` by its ``factor``."""
    point, interval = np.asarray(point, dtype=float), np.asarray(interval, dtype=float)
    if "difficulty" not in calibration:
        return widen(point, interval, float(calibration["factor"]), outside, log)
    f, g = (np.log, np.exp) if log else ((lambda v: v), (lambda v: v))
    distance = np.log10(np.asarray(compute, dtype=float) / calibration["compute_max"])
    half = (calibration["quantile"] * difficulty_at(calibration["difficulty"], distance, calibration["runs"])
            * np.asarray(spread, dtype=float))
    lo, hi = np.minimum(f(interval[..., 0]), f(point) - half), np.maximum(f(interval[..., 1]), f(point) + half)
    return np.where(np.asarray(outside, dtype=bool)[..., None], g(np.stack([lo, hi], axis=-1)), interval)


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    """The ceil((n + 1) level)-th smallest of n scores (the largest when that exceeds n)."""
    rank = min(len(scores), int(np.ceil((len(scores) + 1) * level - 1e-9)))
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
    split = _fit_predict(model, objective, train, test, estimator, size, seed, level)
    point, boot_interval, obs, theta = split["point"], split["interval"], split["observed"], split["theta"]
    calibration = extrapolation_calibration(model, objective, train, estimator=estimator,
                                            bootstrap=min(size, CALIBRATION_BOOTSTRAP), seed=seed,
                                            level=level) if calibrate else None
    outside = (test.c > train.c.max()) if (calibration and test.c is not None) else np.zeros(len(test), dtype=bool)
    interval = (calibrated_interval(calibration, point, boot_interval, split["spread"], outside, test.c,
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
            "notes": [calibration_skipped(train)] if calibrate and calibration is None else [],
            "warnings": split["warnings"],
            "calibration_warnings": [] if calibration is None else calibration["warnings"]}


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
    warnings = ([f"backtest fit on C <= {threshold:.3g}: {w}" for w in split.pop("warnings")]
                + [f"backtest calibration: {w}" for w in split.pop("calibration_warnings")])
    out = {"method": f"fit on C <= {threshold:.3g} FLOP, predict the {int(above.sum())} runs above",
           "holdout_above": threshold, "notes": notes + split.pop("notes"), "warnings": warnings, "level": level,
           "bootstrap": bootstrap, "seed": seed}
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
    folds, errors, inside, labelled = [], [], [], []
    for i, budget in enumerate(budgets):
        held = labels == budget
        split = _predict_split(model, objective, runs.take(~held), runs.take(held), estimator, bootstrap, seed + i,
                               level, calibrate=False)
        e, ok, ok_boot = split.pop("errors"), split.pop("inside"), split.pop("inside_boot")
        split.pop("notes"), split.pop("calibration_warnings")
        labelled.append((f"without budget {budget:.3g}", split.pop("warnings")))
        errors.append(e)
        inside.append(ok)
        folds.append({"budget": float(budget), **_scores(e, ok, ok_boot), **split})
    every = np.concatenate(inside)
    out = {"method": f"leave one of {len(budgets)} IsoFLOP budgets out", "level": level, "bootstrap": bootstrap,
           "seed": seed, **_scores(np.concatenate(errors), every, every), "folds": folds,
           "warnings": [f"backtest: {w}" for w in merged_warnings(labelled, "leave-one-budget-out fits")]}
    return out
