"""Batch prediction: a law (published, saved fit or a fit in memory) against every run of a table.

Each row gets the predicted loss, its prediction interval for a new run, the residual and the
percentage error; the summary gives R^2 (of the loss), MAPE, the mean signed error and the
coverage of the intervals. Intervals:

* a fit in memory with a bootstrap: each replicate law's prediction times exp(-r), r drawn from
  the fit's own log residuals (see ``bootstrap``), widened beyond the fitted compute by the fit's
  extrapolation calibration when it has one (see ``backtest``);
* a saved fit: point x exp(+-t s sqrt(1 + p/n)) with s the residual standard deviation of log loss
  it recorded (the parameter spread is not saved), widened in the same way beyond its range;
* a published law: none (no residual spread is published), said in a note.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..laws import DataConstrainedLaw, Law, NDLaw, resolve_law
from ..laws.formula_law import FormulaLaw, formula_option
from ..laws.ranges import extrapolation_warnings, fitted_range
from ..options import spelled
from .bootstrap import percentile_interval
from .runs import Runs, rows_text

__all__ = ["RunPredictions", "predict_runs"]


_ROW_KEYS = {"row", "n", "d", "c", "u", "observed", "predicted", "interval", "residual_log", "residual",
             "error_percent", "beyond_fitted_compute"}
"""The keys of every prediction row; a formula law's rows add its input columns."""


@dataclass(frozen=True)
class RunPredictions:
    """Predictions for every run of a table, with residuals and scores."""

    law: str
    source: str
    level: float
    interval_method: str
    rows: list[dict]
    summary: dict
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"law": self.law, "source": self.source, "level": self.level, "interval_method": self.interval_method,
                "summary": dict(self.summary), "rows": [dict(r) for r in self.rows], "notes": list(self.notes),
                "warnings": list(self.warnings)}

    def headline(self) -> str:
        return f"{self.law}: {self.summary['runs']} runs of {self.source}"

    def to_frame(self):
        """The rows as a DataFrame (interval split into lower and upper columns)."""
        import pandas as pd

        flat = []
        for r in self.rows:
            row = {k: v for k, v in r.items() if k != "interval"}
            row["predicted_loss"] = r["predicted"]
            row["lower"], row["upper"] = (r["interval"] or [None, None])
            flat.append(row)
        return pd.DataFrame(flat)

    def save(self, path: str | Path) -> Path:
        """CSV (one row per run) or JSON (``to_dict()``), by the file's suffix; written atomically."""
        from .._io import atomic_write_csv, atomic_write_json

        suffix = Path(path).suffix.lower()
        if suffix == ".json":
            return atomic_write_json(path, self.to_dict())
        if suffix in (".csv", ".txt"):
            return atomic_write_csv(path, self.to_frame())
        raise InputError(f"--out {str(path)!r}: write predictions to a .csv or .json file")

    def report(self):
        from rich.console import Group
        from rich.text import Text

        from .._table import rich_table
        from ..units import format_quantity

        s = self.summary
        r2 = "undefined (the observed losses do not vary)" if s.get("r2") is None else f"{s['r2']:.4f}"
        scores = "" if s.get("mape") is None else (
            f": R^2 {r2}, MAPE {s['mape']:.3f}%, mean signed error {s['bias_percent']:+.3f}%"
            + ("" if s.get("coverage") is None else f", {self.level:.0%} interval covers {s['coverage']:.1%}"))
        head = Text(f"{self.law} predicting {s['runs']} runs of {self.source}{scores}", style="bold")
        step = max(1, len(self.rows) // 20)

        def q(v):
            return "-" if v is None else format_quantity(v)

        # a formula law's own input columns, else N and D
        inputs = [k for k in (self.rows[0] if self.rows else {}) if k not in _ROW_KEYS] or ["n", "d"]
        table_rows = [[str(r["row"]), *(q(r.get(k)) for k in inputs),
                       "-" if r["observed"] is None else f"{r['observed']:.4f}", f"{r['predicted']:.4f}",
                       "-" if r["interval"] is None else f"{r['interval'][0]:.4f} - {r['interval'][1]:.4f}",
                       "-" if r.get("error_percent") is None else f"{r['error_percent']:+.2f}"]
                      for r in self.rows[::step]]
        title = "Predictions" + ("" if step == 1 else f" (every {step}th run; --out writes all)")
        shown = [{"n": "N", "d": "D"}.get(k, k) for k in inputs]
        parts = [head, rich_table(title, ["row", *shown, "observed", "predicted", f"{self.level:.0%} interval",
                                          "error %"], table_rows), Text(f"intervals: {self.interval_method}")]
        parts += [Text(f"note: {n}") for n in self.notes]
        parts += [Text(f"warning: {w}", style="yellow") for w in self.warnings]
        return Group(*parts)


def _point(law: Law, runs: Runs) -> np.ndarray:
    if isinstance(law, FormulaLaw):
        values = np.broadcast_to(np.asarray(law.evaluate(runs.inputs), dtype=float), (len(runs),))
        bad = ~np.isfinite(values)
        if bad.any():
            raise InputError(f"{runs.source}: the law {law.text!r} gives NaN or infinity at {rows_text(runs.rows[bad])}; "
                             f"check its inputs there")
        return values
    if isinstance(law, DataConstrainedLaw):
        runs.require(("n", "d", "u"), f"predicting with the {law.family} law")
        return np.asarray(law.loss(runs.n, runs.d, runs.u), dtype=float)
    if isinstance(law, NDLaw):
        runs.require(("n", "d"), f"predicting with the {law.family} law")
        return np.asarray(law.loss(runs.n, runs.d), dtype=float)
    raise InputError(f"a {law.family} law does not predict a loss from N and D; batch prediction takes laws of "
                     f"N and D (chinchilla, kaplan, data-constrained, a formula or a fit of one)")


def _scores(observed, predicted, interval) -> dict:
    if observed is None:
        return {"runs": int(predicted.size), "r2": None, "mape": None, "bias_percent": None, "rmse": None,
                "coverage": None}
    err = (predicted - observed) / observed
    ss_res = float(np.sum((observed - predicted) ** 2))
    ss_tot = float(np.sum((observed - observed.mean()) ** 2))
    out = {"runs": int(observed.size), "r2": 1 - ss_res / ss_tot if ss_tot > 0 else None,  # undefined for one run or equal losses
           "mape": float(100 * np.mean(np.abs(err))), "bias_percent": float(100 * np.mean(err)),
           "rmse": float(np.sqrt(np.mean((observed - predicted) ** 2))), "coverage": None}
    if interval is not None:
        out["coverage"] = float(np.mean((observed >= interval[:, 0]) & (observed <= interval[:, 1])))
    return out


def _resolve(law, fit, variables: dict | None):
    """(display name, law, fitted range, saved fit dict or None) of what predicts."""
    if fit is not None:
        name, the_law, ranges, saved = f"{fit.family} fit", fit.law, fit.data.get("fitted_range"), fit.to_dict()
    else:
        name, the_law = resolve_law(law if isinstance(law, Law) else str(law))
        ranges, saved = (None, None) if isinstance(law, Law) else (fitted_range(str(law)), None)
        if str(law).lower().endswith(".json"):
            try:
                saved = json.loads(Path(str(law)).read_text())
            except (OSError, ValueError):
                saved = None
    if variables:
        if not isinstance(the_law, FormulaLaw):
            raise InputError(f"{formula_option('variables')} rebinds a formula law's inputs; the {the_law.family} law "
                             f"has none")
        unknown = [n for n in variables if n not in the_law.variables]
        if unknown:
            raise InputError(f"{formula_option('variables', unknown[0])}: not an input of the law {the_law.text!r} "
                             f"(inputs: {', '.join(the_law.variables)})")
        from dataclasses import replace

        the_law = replace(the_law, variables={**the_law.variables, **variables})
    return name, the_law, ranges, saved


def predict_runs(law, runs, *, columns: dict | None = None, table: dict | None = None, level: float = 0.95,
                 fit=None, seed: int = 0, variables: dict | None = None, accuracy_col: str | None = None):
    """Predict every run of ``runs`` with ``law`` (a published name, a saved fit's path, or a ``FitResult``).

    ``columns`` and ``table`` are as in ``fit_law``; ``fit`` (a ``FitResult``) gives bootstrap intervals.
    A formula law reads its inputs from the columns its fit was given, or from ``variables`` (formula
    name -> column) where given. A table without a loss column is predicted without scores. An accuracy
    ``fit`` predicts accuracies (``accuracy_col`` the observed one) with ``predict_accuracy_runs``.
    """
    from .api import as_runs

    if fit is not None and fit.family == "accuracy":
        from .accuracy import predict_accuracy_runs

        return predict_accuracy_runs(fit, runs, columns={**(columns or {}), "accuracy_col": accuracy_col},
                                     table=table, level=level, seed=seed)
    from .backtest import calibrated_interval

    if not 0 < level < 1:
        raise InputError(f"{spelled('level')} must lie strictly between 0 and 1, got {level!r}")
    name, the_law, ranges, saved = _resolve(law, fit, variables)
    options = {**(table or {}), "require_loss": False}
    if isinstance(the_law, FormulaLaw):
        options.update({"inputs": dict(the_law.variables), "response": "any"})
    data = as_runs(runs, columns, None, options)
    notes = list(data.notes)
    log = ((saved or {}).get("settings") or {}).get("space", "log") == "log"
    to_space, from_space = (np.log, np.exp) if log else ((lambda v: v), (lambda v: v))
    point = _point(the_law, data)
    observed = None if data.loss is None else data.loss.astype(float)
    if observed is None:
        notes.append(f"no loss column in {data.source}: predictions only, no residuals or scores")
    beyond = (np.zeros(len(data), dtype=bool) if not ranges or "c" not in ranges or data.c is None
              else data.c > float(ranges["c"][1]))
    calibration = ((saved or {}).get("derived") or {}).get("calibration")
    interval, spread, method = None, None, "none: a published law carries no residual spread"
    if fit is not None and fit.replicate_laws and fit.runs is not None:
        from ..laws import law_from_dict

        reps = np.array([_point(replace_inputs(law_from_dict(d), the_law), data) for d in fit.replicate_laws])
        own = to_space(_point(fit.law, fit.runs)) - to_space(fit.runs.loss)
        rng = np.random.default_rng([seed, 2])
        eps = own[rng.integers(0, own.size, size=reps.shape)]
        draws = to_space(reps) - eps
        interval, spread = percentile_interval(from_space(draws), level, axis=0), np.nanstd(draws, axis=0)
        method = (f"bootstrap of the fit ({len(reps)} replicate laws) plus resampled "
                  f"{'log ' if log else ''}residuals")
    elif saved is not None:
        res = ((saved.get("diagnostics") or {}).get("residuals") or {})
        s, n_fit, p = res.get("std"), saved.get("n_runs"), len(saved.get("params") or {})
        if s and n_fit and n_fit > p:
            from scipy import stats

            t = stats.t.ppf(0.5 + level / 2, n_fit - p)
            spread = np.full(len(data), float(s) * np.sqrt(1 + p / n_fit))
            half = t * spread
            interval = np.column_stack([from_space(to_space(point) - half), from_space(to_space(point) + half)])
            shown = "point x exp(+-t s sqrt(1 + p/n))" if log else "point +- t s sqrt(1 + p/n)"
            method = (f"saved fit: {shown}, residual sd s = {float(s):.4g} of {'log loss' if log else 'the target'} "
                      f"over {n_fit} runs (parameter spread not saved)")
    if interval is not None and calibration and beyond.any():
        interval = calibrated_interval(calibration, point, interval, spread, beyond, data.c, log)
        method += f"; beyond the fitted compute: {calibration['method']}"
    elif interval is not None and beyond.any():
        notes.append(f"{int(beyond.sum())} runs lie beyond the fitted compute; their intervals are not calibrated "
                     f"for extrapolation (fit with {spelled('bootstrap')} and {spelled('at')} to calibrate)")
    inputs = the_law.variables if isinstance(the_law, FormulaLaw) else {}
    rows = []
    for i, r in enumerate(data.rows):
        row = {"row": int(r), "n": None if data.n is None else float(data.n[i]),
               "d": None if data.d is None else float(data.d[i]), "c": None if data.c is None else float(data.c[i])}
        if data.u is not None:
            row["u"] = float(data.u[i])
        row.update({column: float(data.inputs[formula_name][i]) for formula_name, column in inputs.items()
                    if column not in row})
        row.update({"observed": None if observed is None else float(observed[i]), "predicted": float(point[i]),
                    "interval": None if interval is None else [float(v) for v in interval[i]]})
        if observed is not None:
            row.update({"residual_log": float(np.log(observed[i]) - np.log(point[i])) if log else None,
                        "residual": float(observed[i] - point[i]),
                        "error_percent": float(100 * (point[i] - observed[i]) / observed[i])})
        row["beyond_fitted_compute"] = bool(beyond[i])
        rows.append(row)
    warnings = extrapolation_warnings(ranges, n=data.n, d=data.d, c=data.c, name=name)
    return RunPredictions(name, data.source, level, method, rows, _scores(observed, point, interval), notes, warnings)


def replace_inputs(law: Law, like: Law) -> Law:
    """``law`` reading its inputs from the same columns as ``like`` (a replicate of a rebound formula law)."""
    if isinstance(law, FormulaLaw) and isinstance(like, FormulaLaw):
        from dataclasses import replace

        return replace(law, variables=dict(like.variables))
    return law
