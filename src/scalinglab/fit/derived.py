"""Quantities derived from a fitted law, with bootstrap intervals.

At a compute budget C: N_opt, D_opt, tokens per parameter and the loss of the compute-optimal
allocation (``scalinglab.plan.compute_optimal``; closed form for Chinchilla, Hoffmann et al. 2022
eq. 4). At a new (N, D): the loss, with the mean-curve interval and the prediction interval for
one new run kept apart (see ``bootstrap``). For a target loss: the least compute that reaches it
(``scalinglab.plan.compute_for_loss``); replicates whose floor E lies above the target cannot reach
it and are counted, not hidden.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError, LawError
from ..laws import NDLaw
from ..options import spelled
from ..plan import compute_for_loss, compute_optimal
from .bootstrap import Bootstrap, percentile_interval
from .models import FitModel

__all__ = ["derived_quantities"]


def _interval(samples, level):
    samples = np.asarray(samples, dtype=float)
    if samples.size == 0 or not np.isfinite(samples).any():
        return None
    return [float(v) for v in percentile_interval(samples, level)]


def _compute_for(law, target: float, k: float) -> tuple[float, float, float]:
    try:
        plan = compute_for_loss(law, target, flops_per_param_token=k)
    except LawError:
        return np.nan, np.nan, np.nan
    return float(plan.compute_flops), float(plan.n_params), float(plan.n_tokens)


def _optimal(law, budgets, k: float):
    """A replicate's allocation, or None where its parameters have none (a bound hit, e.g. B = 0)."""
    try:
        return compute_optimal(law, budgets, flops_per_param_token=k)
    except LawError:
        return None


def derived_quantities(model: FitModel, theta: np.ndarray, boot: Bootstrap | None, *, budgets=(), points=(),
                       targets=(), flops_per_param_token: float = 6.0, level: float = 0.95,
                       calibration: dict | None = None) -> dict:
    """Budgets, new-run predictions and compute-for-loss, each with intervals when ``boot`` is given.

    ``calibration`` (``backtest.extrapolation_calibration``): prediction intervals of points whose
    compute k N D exceeds the fitted runs' largest are set by its studentised quantile
    (``backtest.calibrated_interval``); ``bootstrap_interval`` keeps the plain one.
    """
    from .backtest import calibrated_interval

    law = model.to_law(theta)
    if not isinstance(law, NDLaw):
        return {}
    k = float(flops_per_param_token)
    laws = [] if boot is None else [model.to_law(t) for t in boot.thetas]
    out: dict[str, list] = {"budgets": [], "points": [], "targets": []}

    budgets = [float(c) for c in budgets]
    if budgets:
        plan = compute_optimal(law, budgets, flops_per_param_token=k)
        reps = [r for r in (_optimal(rep, budgets, k) for rep in laws) if r is not None]
        for i, c in enumerate(budgets):
            row = {"compute": c}
            for key, attr in (("n_opt", "n_params"), ("d_opt", "n_tokens"), ("tokens_per_param", "tokens_per_param"),
                              ("loss", "loss")):
                row[key] = float(np.atleast_1d(getattr(plan, attr))[i])
                samples = [np.atleast_1d(getattr(r, attr))[i] for r in reps]
                row[f"{key}_interval"] = _interval(samples, level) if reps else None
            out["budgets"].append(row)

    if points:
        eps = boot.draw_residuals(1)[:, 0] if boot is not None else None
        for n, d in points:
            row = {"n": float(n), "d": float(d), "loss": float(law.loss(n, d))}
            if laws:
                mean = np.array([float(rep.loss(n, d)) for rep in laws])
                row["mean_interval"] = _interval(mean, level)
                row["prediction_interval"] = _interval(mean * np.exp(-eps), level)
                row["bootstrap_interval"] = row["prediction_interval"]
                outside = bool(calibration) and k * n * d > calibration["compute_max"]
                row["beyond_fitted_compute"] = outside
                if outside and row["prediction_interval"]:
                    spread = float(np.nanstd(np.log(mean) - eps))
                    row["prediction_interval"] = [float(v) for v in calibrated_interval(
                        calibration, row["loss"], np.array(row["prediction_interval"]), spread, True, k * n * d)]
                    row["calibration_factor"] = float(np.log(row["prediction_interval"][1] / row["prediction_interval"][0])
                                                      / np.log(row["bootstrap_interval"][1] / row["bootstrap_interval"][0]))
            else:
                row["mean_interval"] = row["prediction_interval"] = None
            out["points"].append(row)

    for target in targets:
        c, n, d = _compute_for(law, float(target), k)
        if not np.isfinite(c):
            raise InputError(f"{spelled('target_loss', value=f'{float(target):g}')} is at or below the fitted law's "
                             f"irreducible loss "
                             f"E = {law.irreducible():.4g}: no compute reaches it")
        row = {"loss": float(target), "compute": c, "n_opt": n, "d_opt": d}
        if laws:
            reps = np.array([_compute_for(rep, float(target), k) for rep in laws])
            row["compute_interval"] = _interval(reps[:, 0], level)
            row["reachable_fraction"] = float(np.isfinite(reps[:, 0]).mean())
        else:
            row["compute_interval"], row["reachable_fraction"] = None, None
        out["targets"].append(row)
    return {key: rows for key, rows in out.items() if rows}
