"""Downstream accuracy: an S-curve against compute, parameters, tokens or loss, fitted on raw accuracies.

    acc = floor + (ceiling - floor) sigma(slope (t - midpoint)),  t = log10 x  (x = C, N or D)
                                                                  t = -loss   (accuracy against loss)

Accuracies are fitted as they are, zeros and ones included (the pre-emergence points at chance
matter most), by least squares on accuracy (not on a log scale). The floor is the chance level
(fixed, e.g. 0.25 for 4-way multiple choice, or fitted) and the ceiling the best reachable accuracy
(fixed or fitted); both stay in [0, 1] with floor < ceiling. Prediction intervals for a new run
draw each bootstrap replicate's curve plus one of its residuals and clip the draw to that
replicate's [floor, ceiling], so intervals never leave the curve's range. The logistic form is
that of Wei et al. 2022 (arXiv:2206.07682) against scale and of the OLMo ladder (Bhagia et al.
2024, arXiv:2412.04403, eq. 2) against loss.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import product

import numpy as np

from .._version import __version__
from ..errors import InputError
from ..laws import SigmoidAccuracy
from ..laws.base import ParamSpec
from ..laws.sigmoid import sigmoid_accuracy
from ..options import spelled
from .bootstrap import check_bootstrap, parameter_draws, percentile_interval, run_bootstrap
from .estimators import estimate
from .identify import fit_diagnostics, fit_warnings
from .models import FitModel
from .objectives import Objective
from .result import FittedParams
from .runs import Runs, load_runs

__all__ = ["AccuracyModel", "AccuracyFit", "fit_accuracy", "ACCURACY_X", "accuracy_draws", "AccuracyPredictions",
           "predict_accuracy_runs", "parse_bound"]

ACCURACY_X = ("c", "n", "d", "loss")
_NAMES = {"c": "compute C (FLOP)", "n": "parameters N", "d": "tokens D", "loss": "loss"}


class AccuracyModel(FitModel):
    """The S-curve ``laws.sigmoid.sigmoid_accuracy`` with floor and ceiling each fixed or fitted; residuals in
    accuracy (Jacobian by central differences)."""

    family, law_class, response = "accuracy", SigmoidAccuracy, "linear"
    law_formula, law_inputs = staticmethod(sigmoid_accuracy), ("t",)

    def __init__(self, x: str = "c", floor: float | None = None, ceiling: float | None = None):
        if x not in ACCURACY_X:
            raise InputError(f"{spelled('x')} must be one of {', '.join(ACCURACY_X)} for the accuracy law, got {x!r}")
        _check_bounds(floor, ceiling)
        self.x, self.fixed = x, {"floor": floor, "ceiling": ceiling}
        specs = [s for s in SigmoidAccuracy.PARAMS if self.fixed.get(s.name) is None]
        if x == "loss":  # accuracy rises as loss falls: t = -loss, slope stays positive
            specs = [s if s.name != "slope" else ParamSpec("slope", 0.0, np.inf, (1.0, 3.0, 10.0, 30.0), False,
                                                           "steepness per unit of loss") for s in specs]
        super().__init__(tuple(specs))
        self.inputs = (x,) if x != "loss" else ()

    def data(self, runs: Runs, x_values: np.ndarray | None = None):
        """({"t": ...}, accuracy); ``x_values`` holds the losses when x is the loss."""
        if self.x == "loss":
            if x_values is None:
                raise InputError(f"fitting accuracy against loss needs a loss column ({spelled('loss_col')}) "
                                 f"beside the accuracy column ({spelled('accuracy_col')})")
            return {"t": -np.asarray(x_values, dtype=float)}, runs.loss.astype(float)
        runs.require((self.x,), f"fitting accuracy against {_NAMES[self.x]}")
        return {"t": np.log10(getattr(runs, self.x))}, runs.loss.astype(float)

    def full(self, theta: np.ndarray) -> np.ndarray:
        """(K, 4) columns floor, ceiling, midpoint, slope (fixed values filled in)."""
        theta = np.atleast_2d(theta)
        cols, i = [], 0
        for name in ("floor", "ceiling", "midpoint", "slope"):
            if self.fixed.get(name) is not None:
                cols.append(np.full((theta.shape[0], 1), float(self.fixed[name])))
            else:
                cols.append(theta[:, i:i + 1])
                i += 1
        return np.hstack(cols)

    def columns(self, theta):
        """The formula's columns floor, ceiling, midpoint, slope (fixed values filled in)."""
        return np.hsplit(self.full(theta), 4)

    def grid(self, data):
        t = data["t"]
        mids = np.quantile(t, [0.1, 0.3, 0.5, 0.7, 0.9])
        grids = []
        for s in self.specs:
            grids.append(mids if s.name == "midpoint" else (s.grid or (0.0,)))
        return np.array(list(product(*grids)), dtype=float)

    def to_law(self, theta):
        lo, hi, mid, slope = self.full(np.asarray(theta, dtype=float))[0]
        lo, hi = float(np.clip(lo, 0.0, 1.0)), float(np.clip(hi, 0.0, 1.0))
        if hi <= lo:
            hi = min(lo + 1e-9, 1.0) if lo < 1.0 else lo
            lo = hi - 1e-9
        return SigmoidAccuracy(lo, hi, float(mid), float(slope), "loss" if self.x == "loss" else "scale")

    def params(self, theta):
        law = self.to_law(theta)
        return {"floor": law.floor, "ceiling": law.ceiling, "midpoint": law.midpoint, "slope": law.slope}

    def t_of(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return -x if self.x == "loss" else np.log10(x)


def parse_bound(value, flag: str) -> float | None:
    """A fixed accuracy bound (``--floor``, ``--ceiling``), or None for "fit" / not given."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("fit", "fitted", "")):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(f"{flag} must be an accuracy in [0, 1] or 'fit', got {value!r}") from None


def _check_bounds(floor, ceiling) -> None:
    for name, value in (("floor", floor), ("ceiling", ceiling)):
        if value is not None and not (np.isfinite(value) and 0.0 <= value <= 1.0):
            raise InputError(f"{spelled(name)} must lie in [0, 1] (an accuracy), got {value!r}")
    if floor is not None and ceiling is not None and not floor < ceiling:
        raise InputError(f"{spelled('floor', value=f'{floor:g}')} must lie below "
                         f"{spelled('ceiling', value=f'{ceiling:g}')}")


def accuracy_draws(model: AccuracyModel, thetas: np.ndarray, residuals: np.ndarray, t: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
    """(K, m) new-run accuracies at ``t``: each replicate's curve minus one of its residuals, clipped.

    In-sample residuals understate a new run's scatter by sqrt((n - p) / n) (p free parameters);
    they are scaled back up by its inverse.
    """
    full = model.full(thetas)
    mean = model.predict(thetas, {"t": t})
    n, p = residuals.shape[1], len(model.specs)
    eps = residuals[np.arange(len(thetas))[:, None], rng.integers(0, n, size=mean.shape)] * np.sqrt(n / max(n - p, 1))
    lo, hi = np.clip(full[:, :1], 0, 1), np.clip(full[:, 1:2], 0, 1)
    return np.clip(mean - eps, lo, np.maximum(hi, lo))


@dataclass(frozen=True)
class AccuracyFit(FittedParams):
    """A fitted accuracy curve: parameters, uncertainty, diagnostics and predictions (keys say accuracy)."""

    x: str
    law_dict: dict
    params: dict
    fixed: dict
    objective: float
    n_runs: int
    data: dict
    diagnostics: dict
    level: float = 0.95
    stderr: dict | None = None
    intervals: dict | None = None
    bootstrap: dict | None = None
    predictions: list = field(default_factory=list)
    backtest: dict | None = None
    success: bool = True
    message: str = ""
    version: str = ""
    seconds: float = 0.0
    family: str = "accuracy"
    replicates: np.ndarray | None = field(default=None, repr=False, compare=False)
    """Bootstrap replicates (fitted coordinates) and their residuals, for ``predict_accuracy_runs``."""
    replicate_residuals: np.ndarray | None = field(default=None, repr=False, compare=False)
    model: AccuracyModel | None = field(default=None, repr=False, compare=False)
    theta: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def law(self) -> SigmoidAccuracy:
        from ..laws import law_from_dict

        return law_from_dict(self.law_dict)

    @property
    def warnings(self) -> list[str]:
        return list(self.diagnostics.get("warnings", []))

    def to_dict(self, *, timings: bool = False) -> dict:
        """JSON-safe; the wall-clock ``seconds`` only with ``timings`` (the same fit gives the same dict)."""
        return {"law": dict(self.law_dict), "family": self.family, "response": "accuracy", "x": self.x,
                "params": dict(self.params), "fixed": dict(self.fixed), "objective": self.objective,
                "objective_spec": {"name": "squares", "description": "least squares on accuracy (not log)"},
                "n_runs": self.n_runs, "data": self.data, "diagnostics": self.diagnostics, "level": self.level,
                "stderr": self.stderr, "intervals": self.intervals, "bootstrap": self.bootstrap,
                "predictions": list(self.predictions), "backtest": self.backtest, "success": self.success,
                "message": self.message, "version": self.version, **({"seconds": self.seconds} if timings else {})}

    def save(self, path):
        from .._io import atomic_write_json

        return atomic_write_json(path, self.to_dict())

    def report(self):
        from rich.console import Group
        from rich.text import Text

        from .._table import rich_table

        fixed = ", ".join(f"{k} fixed at {v:g}" for k, v in self.fixed.items() if v is not None) or "floor and ceiling fitted"
        parts = [Text(f"accuracy curve against {_NAMES[self.x]} fitted to {self.n_runs} runs of "
                      f"{self.data.get('source')} (least squares on accuracy; {fixed})", style="bold")]
        parts += [Text(f"note: {n}") for n in self.data.get("notes", [])]
        rows = []
        for name, value in self.params.items():
            iv = (self.intervals or {}).get(name)
            rows.append([name, f"{value:.5g}", "fixed" if self.fixed.get(name) is not None else
                         ("-" if iv is None else f"{iv[0]:.4g} - {iv[1]:.4g}")])
        parts.append(rich_table("Parameters", ["parameter", "value", f"{self.level:.0%} interval"], rows))
        res = self.diagnostics.get("residuals", {})
        parts.append(Text(f"residual sd (accuracy) {res.get('std', float('nan')):.4g}, objective {self.objective:.6g}"))
        if self.predictions:
            rows = [[f"{p['x']:.4g}", f"{p['accuracy']:.4f}",
                     "-" if not p.get("mean_interval") else f"{p['mean_interval'][0]:.4f} - {p['mean_interval'][1]:.4f}",
                     "-" if not p.get("prediction_interval") else
                     f"{p['prediction_interval'][0]:.4f} - {p['prediction_interval'][1]:.4f}"] for p in self.predictions]
            parts.append(rich_table("Accuracy at new x", [self.x, "accuracy", "mean-curve interval",
                                                          "prediction interval (new run)"], rows))
        prof = self.diagnostics.get("profile")
        if prof:
            lo, hi = prof["interval"]
            parts.append(Text(f"profile-likelihood {prof['level']:.0%} interval of {prof['parameter']}: "
                              + ("none within the profiled range" if lo is None else f"{lo:.4g} - {hi:.4g}")))
        if self.backtest:
            bt = self.backtest
            parts.append(Text(f"backtest ({bt['method']}): mean absolute error {bt['mae_points']:.2f} accuracy "
                              f"points, mean signed error {bt['bias_points']:+.2f}, coverage of the {self.level:.0%} "
                              f"prediction interval {bt['coverage']:.0%}"))
            parts += [Text(f"note: {n}") for n in bt["notes"]]
        parts += [Text(f"warning: {w}", style="yellow") for w in self.warnings]
        return Group(*parts)


def _load_accuracy(runs, columns: dict | None, table: dict | None, x: str):
    """(Runs with accuracy as the metric, losses for x = 'loss' or None)."""
    if isinstance(runs, Runs):
        return runs, None
    columns = {k: v for k, v in (columns or {}).items() if k in ("n_col", "d_col", "c_col", "loss_col", "u_col",
                                                                    "budget_col", "group_col", "accuracy_col")}
    acc_col = columns.pop("accuracy_col", None)
    loss_col = columns.pop("loss_col", None)
    if acc_col is None and x != "loss":
        acc_col = loss_col  # a one-metric table: the metric column is the accuracy
    if acc_col is None:
        from .runs import read_frame

        names = {str(c).strip().lower(): str(c) for c in read_frame(runs)[0].columns}
        acc_col = next((names[k] for k in ("accuracy", "acc") if k in names), None)  # else the metric column
    options = dict(table or {})
    options["response"] = "accuracy"
    acc = load_runs(runs, loss_col=acc_col, **columns, **options)
    if x != "loss":
        return acc, None
    if not loss_col:
        from .runs import FIELDS, read_frame

        names = {str(c).strip().lower(): str(c) for c in read_frame(runs)[0].columns}
        loss_col = next((names[k] for k in FIELDS["loss"] if k in names), None)
    if not loss_col or loss_col == acc_col:
        raise InputError(f"fitting accuracy against loss needs a loss column ({spelled('loss_col')}) beside "
                         f"the accuracy column ({spelled('accuracy_col')})")
    options["response"] = "loss"
    losses = load_runs(runs, loss_col=loss_col, **columns, **options)
    if not np.array_equal(losses.rows, acc.rows):
        raise InputError(f"{acc.source}: the rows kept for {spelled('loss_col', value=repr(loss_col))} and "
                         f"{spelled('accuracy_col', value=repr(acc_col))} differ; use "
                         f"{spelled('duplicates', value='keep')} or error")
    return acc, losses.loss


def fit_accuracy(runs, *, x: str = "c", floor: float | None = None, ceiling: float | None = None,
                 bootstrap: int = 0, seed: int = 0, level: float = 0.95, at=(), columns: dict | None = None,
                 table: dict | None = None, x_values=None, holdout_above: float | None = None,
                 profile: str | None = None) -> AccuracyFit:
    """Fit the accuracy S-curve to ``runs`` (``columns["accuracy_col"]`` names the accuracies).

    ``floor``/``ceiling``: fixed values in [0, 1], or None to fit them. ``at``: x values (FLOP,
    parameters, tokens or losses) at which to predict, with intervals when ``bootstrap`` > 0.
    ``holdout_above``: a backtest that fits the runs of compute up to that FLOP and predicts the
    others; ``profile``: a parameter whose profile-likelihood interval is added.
    """
    started = time.perf_counter()
    if not 0 < level < 1:
        raise InputError(f"{spelled('level')} must lie strictly between 0 and 1, got {level!r}")
    check_bootstrap(bootstrap)
    model = AccuracyModel(x, floor, ceiling)
    data_runs, losses = _load_accuracy(runs, columns, table, x)
    if x_values is not None:
        losses = np.asarray(x_values, dtype=float)
    data, y = model.data(data_runs, losses)
    check_bootstrap(bootstrap, runs=len(y), columns=len(data))
    p = len(model.specs)
    if len(y) <= p:
        raise InputError(f"{data_runs.source}: {len(y)} runs for the {p} free parameters of the accuracy curve "
                         f"({', '.join(model.names)}); need more than {p} (fix {spelled('floor')} or "
                         f"{spelled('ceiling')} to need fewer)")
    objective = Objective("squares")
    point = estimate(model, objective, data, y, "fast")
    params = model.params(point.theta)
    stderr = intervals = boot_info = boot_params = boot = None
    if bootstrap > 0:
        boot = run_bootstrap(model, objective, data, y, point.theta, bootstrap, seed=seed, level=level)
        boot_params, intervals = parameter_draws(model, point.theta, boot.thetas, level)
        stderr = dict(zip(intervals, boot_params.std(axis=0, ddof=1).tolist()))
        boot_info = {"size": bootstrap, "seed": seed, "level": level,
                     "method": "runs resampled with replacement; percentile intervals; new-run draws clipped to "
                               "each replicate's [floor, ceiling]"}
    free = [list(params).index(n) for n in model.names]
    diagnostics = fit_diagnostics(model, objective, data, y, point,
                                  None if boot_params is None else boot_params[:, free],
                                  None if boot is None else boot.thetas, intervals, level, profile)
    predictions = []
    rng = np.random.default_rng([seed, 3])
    for value in at:
        value = float(value)
        t = model.t_of([value])
        row = {"x": value, "accuracy": float(model.predict(point.theta[None, :], {"t": t})[0, 0]),
               "mean_interval": None, "prediction_interval": None}
        if boot is not None:
            mean = model.predict(boot.thetas, {"t": t})[:, 0]
            row["mean_interval"] = [float(v) for v in percentile_interval(mean, level)]
            draws = accuracy_draws(model, boot.thetas, boot.residuals, t, rng)[:, 0]
            row["prediction_interval"] = [float(v) for v in percentile_interval(draws, level)]
        predictions.append(row)
    info = data_runs.describe()
    info["accuracy_column"] = info["columns"].pop("loss", None)
    backtest = None
    if holdout_above is not None:
        backtest = _holdout(model, data_runs, losses, float(holdout_above), bootstrap or 200, seed, level)
        diagnostics["warnings"] += backtest["warnings"]
    return AccuracyFit(x=x, law_dict=model.to_law(point.theta).to_dict(), params=params, fixed=dict(model.fixed),
                       objective=point.objective, n_runs=len(y), data=info, diagnostics=diagnostics, level=level,
                       stderr=stderr, intervals=intervals, bootstrap=boot_info, predictions=predictions,
                       backtest=backtest, success=point.success, message=point.message, version=__version__,
                       seconds=time.perf_counter() - started, replicates=None if boot is None else boot.thetas,
                       replicate_residuals=None if boot is None else boot.residuals, model=model, theta=point.theta)


def _holdout(model: AccuracyModel, runs: Runs, losses, threshold: float, size: int, seed: int, level: float) -> dict:
    """Fit the runs of compute up to ``threshold`` (budgets whole), predict the others' accuracies.

    Errors are in accuracy points (accuracies may be 0, so no percentage); the interval for each
    held-out run is the chained new-run draw of ``accuracy_draws``.
    """
    from .backtest import above_threshold

    above, notes = above_threshold(runs, threshold)
    if not above.any():
        raise InputError(f"{runs.source}: no runs above {spelled('holdout_above', value=f'{threshold:.3g}')} FLOP "
                         f"(largest compute {runs.c.max():.3g})")
    p = len(model.specs)
    if (~above).sum() <= p:
        raise InputError(f"{runs.source}: {spelled('holdout_above', value=f'{threshold:.3g}')} leaves "
                         f"{int((~above).sum())} runs to fit the "
                         f"{p} free parameters of the accuracy curve; need more than {p}")
    x_all = None if losses is None else np.asarray(losses, dtype=float)
    data, y = model.data(runs.take(~above), None if x_all is None else x_all[~above])
    test, observed = model.data(runs.take(above), None if x_all is None else x_all[above])
    objective = Objective("squares")
    fit = estimate(model, objective, data, y, "fast")
    boot = run_bootstrap(model, objective, data, y, fit.theta, size, seed=seed, level=level)
    point = model.predict(fit.theta[None, :], test)[0]
    draws = accuracy_draws(model, boot.thetas, boot.residuals, test["t"], np.random.default_rng([seed, 6]))
    interval = percentile_interval(draws, level, axis=0)
    inside = (observed >= interval[:, 0]) & (observed <= interval[:, 1])
    errors = point - observed
    rows = [{"row": int(r), "compute": float(runs.c[above][i]), "observed": float(observed[i]),
             "predicted": float(point[i]), "error_points": float(100 * errors[i]),
             "prediction_interval": [float(v) for v in interval[i]], "inside": bool(inside[i])}
            for i, r in enumerate(runs.rows[above])]
    return {"method": f"fit on C <= {threshold:.3g} FLOP, predict the {int(above.sum())} runs above",
            "holdout_above": threshold, "train_runs": int((~above).sum()), "test_runs": int(above.sum()),
            "mae_points": float(100 * np.mean(np.abs(errors))), "bias_points": float(100 * np.mean(errors)),
            "coverage": float(np.mean(inside)), "bootstrap": size, "params": model.params(fit.theta), "rows": rows,
            "notes": notes, "warnings": [f"backtest fit on C <= {threshold:.3g}: {w}"
                                         for w in fit_warnings(model, objective, data, y, fit, boot.thetas, level)]}


@dataclass(frozen=True)
class AccuracyPredictions:
    """An accuracy fit against every run of a table: errors in accuracy points (accuracies may be 0)."""

    source: str
    level: float
    rows: list[dict]
    summary: dict
    interval_method: str

    def to_dict(self) -> dict:
        return {"law": "accuracy fit", "source": self.source, "level": self.level, "summary": dict(self.summary),
                "interval_method": self.interval_method, "rows": [dict(r) for r in self.rows]}

    def save(self, path):
        from pathlib import Path

        import pandas as pd

        from .._io import atomic_write_json, atomic_write_text

        if Path(path).suffix.lower() == ".json":
            return atomic_write_json(path, self.to_dict())
        flat = [{**{k: v for k, v in r.items() if k != "interval"},
                 "lower": (r["interval"] or [None, None])[0], "upper": (r["interval"] or [None, None])[1]}
                for r in self.rows]
        return atomic_write_text(path, pd.DataFrame(flat).to_csv(index=False))

    def report(self):
        from rich.text import Text

        s = self.summary
        cover = "" if s["coverage"] is None else f", {self.level:.0%} interval covers {s['coverage']:.1%}"
        return Text(f"accuracy fit predicting {s['runs']} runs of {self.source}: mean absolute error "
                    f"{s['mae_points']:.2f} accuracy points, mean signed error {s['bias_points']:+.2f}{cover} "
                    f"(intervals: {self.interval_method})")


def predict_accuracy_runs(fit: AccuracyFit, runs, *, columns: dict | None = None, table: dict | None = None,
                          level: float = 0.95, seed: int = 0) -> AccuracyPredictions:
    """Predict every run of ``runs`` with an accuracy fit (same columns; zeros and ones are accuracies)."""
    model = fit.model
    data_runs, losses = _load_accuracy(runs, columns, table, fit.x)
    data, observed = model.data(data_runs, losses)
    point = model.predict(fit.theta[None, :], data)[0]
    interval, method = None, f"none: fit with {spelled('bootstrap')} for intervals"
    if fit.replicates is not None:
        draws = accuracy_draws(model, fit.replicates, fit.replicate_residuals, data["t"],
                               np.random.default_rng([seed, 7]))
        interval = percentile_interval(draws, level, axis=0)
        method = f"bootstrap of the fit ({len(fit.replicates)} replicates) plus a resampled residual, clipped"
    errors = point - observed
    rows = [{"row": int(r), "observed": float(observed[i]), "predicted": float(point[i]),
             "interval": None if interval is None else [float(v) for v in interval[i]],
             "error_points": float(100 * errors[i])} for i, r in enumerate(data_runs.rows)]
    ss_tot = float(np.sum((observed - observed.mean()) ** 2))
    summary = {"runs": len(rows), "r2": 1 - float(np.sum(errors ** 2)) / ss_tot if ss_tot > 0 else None,
               "mae_points": float(100 * np.mean(np.abs(errors))), "bias_points": float(100 * np.mean(errors)),
               "coverage": None if interval is None else
               float(np.mean((observed >= interval[:, 0]) & (observed <= interval[:, 1])))}
    return AccuracyPredictions(data_runs.source, level, rows, summary, method)
