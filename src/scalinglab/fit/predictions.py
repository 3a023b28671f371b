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
from ..laws.ranges import extrapolation_warnings, fitted_range
from .bootstrap import percentile_interval
from .runs import Runs

__all__ = ["RunPredictions", "predict_runs"]


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

    def frame(self):
        """The rows as a DataFrame (interval split into lower and upper columns)."""
        import pandas as pd

        flat = []
        for r in self.rows:
            row = {k: v for k, v in r.items() if k != "interval"}
            row["lower"], row["upper"] = (r["interval"] or [None, None])
            flat.append(row)
        return pd.DataFrame(flat)

    def save(self, path: str | Path) -> Path:
        """CSV (one row per run) or JSON (``to_dict()``), by the file's suffix; written atomically."""
        from .._io import atomic_write_json, atomic_write_text

        suffix = Path(path).suffix.lower()
        if suffix == ".json":
            return atomic_write_json(path, self.to_dict())
        if suffix in (".csv", ".txt"):
            return atomic_write_text(path, self.frame().to_csv(index=False))
        raise InputError(f"--out {str(path)!r}: write predictions to a .csv or .json file")

    def report(self):
        from rich.console import Group
        from rich.text import Text

        from .._table import rich_table
        from ..units import format_quantity

        s = self.summary
        r2 = "undefined (the observed losses do not vary)" if s["r2"] is None else f"{s['r2']:.4f}"
        head = Text(f"{self.law} predicting {s['runs']} runs of {self.source}: R^2 {r2}, MAPE "
                    f"{s['mape']:.3f}%, mean signed error {s['bias_percent']:+.3f}%"
                    + ("" if s.get("coverage") is None else
                       f", {self.level:.0%} interval covers {s['coverage']:.1%}"), style="bold")
        step = max(1, len(self.rows) // 20)

        def q(v):
            return "-" if v is None else format_quantity(v)

        table_rows = [[str(r["row"]), q(r.get("n")), q(r.get("d")), f"{r['observed']:.4f}", f"{r['predicted']:.4f}",
                       "-" if r["interval"] is None else f"{r['interval'][0]:.4f} - {r['interval'][1]:.4f}",
                       f"{r['error_percent']:+.2f}"] for r in self.rows[::step]]
        title = "Predictions" + ("" if step == 1 else f" (every {step}th run; --out writes all)")
        parts = [head, rich_table(title, ["row", "N", "D", "observed", "predicted", f"{self.level:.0%} interval",
                                          "error %"], table_rows), Text(f"intervals: {self.interval_method}")]
        parts += [Text(f"note: {n}") for n in self.notes]
        parts += [Text(f"warning: {w}", style="yellow") for w in self.warnings]
        return Group(*parts)


def _point(law: Law, runs: Runs) -> np.ndarray:
    if isinstance(law, DataConstrainedLaw):
        runs.require(("n", "d", "u"), f"predicting with the {law.family} law")
        return np.asarray(law.loss(runs.n, runs.d, runs.u), dtype=float)
    if isinstance(law, NDLaw):
        runs.require(("n", "d"), f"predicting with the {law.family} law")
        return np.asarray(law.loss(runs.n, runs.d), dtype=float)
    raise InputError(f"a {law.family} law does not predict a loss from N and D; batch prediction takes laws of "
                     f"N and D (chinchilla, kaplan, data-constrained or a fit of one)")


def _scores(observed, predicted, interval) -> dict:
    err = (predicted - observed) / observed
    ss_res = float(np.sum((observed - predicted) ** 2))
    ss_tot = float(np.sum((observed - observed.mean()) ** 2))
    out = {"runs": int(observed.size), "r2": 1 - ss_res / ss_tot if ss_tot > 0 else None,  # undefined for one run or equal losses
           "mape": float(100 * np.mean(np.abs(err))), "bias_percent": float(100 * np.mean(err)),
           "rmse": float(np.sqrt(np.mean((observed - predicted) ** 2))), "coverage": None}
    if interval is not None:
        out["coverage"] = float(np.mean((observed >= interval[:, 0]) & (observed <= interval[:, 1])))
    return out


def predict_runs(law, runs, *, columns: dict | None = None, table: dict | None = None, level: float = 0.95,
                 fit=None, seed: int = 0) -> RunPredictions:
    """Predict every run of ``runs`` with ``law`` (a published name, a saved fit's path, or a ``FitResult``).

    ``columns`` and ``table`` are as in ``fit_law``; ``fit`` (a ``FitResult``) gives bootstrap intervals.
    """
    from .api import as_runs
    from .backtest import widen

    if not 0 < level < 1:
        raise InputError(f"--level must lie strictly between 0 and 1, got {level!r}")
    data = as_runs(runs, columns, None, table)
    notes, saved = list(data.notes), None
    if fit is not None:
        name, the_law, ranges = f"{fit.family} fit", fit.law, fit.data.get("fitted_range")
        saved = fit.to_dict()
    else:
        name, the_law = resolve_law(str(law))
        ranges = fitted_range(str(law))
        if str(law).lower().endswith(".json"):
            try:
                saved = json.loads(Path(str(law)).read_text())
            except (OSError, ValueError):
                saved = None
    point = _point(the_law, data)
    observed = data.loss.astype(float)
    beyond = (np.zeros(len(data), dtype=bool) if not ranges or "c" not in ranges or data.c is None
              else data.c > float(ranges["c"][1]))
    calibration = ((saved or {}).get("derived") or {}).get("calibration")
    interval, method = None, "none: a published law carries no residual spread"
    if fit is not None and fit.replicate_laws and fit.runs is not None:
        from ..laws import law_from_dict

        reps = np.array([_point(law_from_dict(d), data) for d in fit.replicate_laws])
        own = np.log(_point(the_law, fit.runs)) - np.log(fit.runs.loss)
        rng = np.random.default_rng([seed, 2])
        eps = own[rng.integers(0, own.size, size=reps.shape)]
        interval = percentile_interval(reps * np.exp(-eps), level, axis=0)
        method = f"bootstrap of the fit ({len(reps)} replicate laws) plus resampled log residuals"
    elif saved is not None:
        res = ((saved.get("diagnostics") or {}).get("residuals") or {})
        s, n_fit, p = res.get("std"), saved.get("n_runs"), len(saved.get("params") or {})
        if s and n_fit and n_fit > p:
            from scipy import stats

            t = stats.t.ppf(0.5 + level / 2, n_fit - p)
            half = t * float(s) * np.sqrt(1 + p / n_fit)
            interval = np.column_stack([point * np.exp(-half), point * np.exp(half)])
            method = (f"saved fit: point x exp(+-t s sqrt(1 + p/n)), residual sd s = {float(s):.4g} of log loss "
                      f"over {n_fit} runs (parameter spread not saved)")
    if interval is not None and calibration and beyond.any():
        interval = widen(point, interval, calibration["factor"], beyond)
        method += f"; widened x{calibration['factor']:.2f} beyond the fitted compute ({calibration['method']})"
    elif interval is not None and beyond.any():
        notes.append(f"{int(beyond.sum())} runs lie beyond the fitted compute; their intervals are not calibrated "
                     f"for extrapolation (fit with --bootstrap and --at to calibrate)")
    rows = []
    for i, r in enumerate(data.rows):
        row = {"row": int(r), "n": None if data.n is None else float(data.n[i]),
               "d": None if data.d is None else float(data.d[i]), "c": None if data.c is None else float(data.c[i])}
        if data.u is not None:
            row["u"] = float(data.u[i])
        row.update({"observed": float(observed[i]), "predicted": float(point[i]),
                    "interval": None if interval is None else [float(v) for v in interval[i]],
                    "residual_log": float(np.log(observed[i]) - np.log(point[i])),
                    "error_percent": float(100 * (point[i] - observed[i]) / observed[i]),
                    "beyond_fitted_compute": bool(beyond[i])})
        rows.append(row)
    warnings = extrapolation_warnings(ranges, n=data.n, d=data.d, c=data.c, name=name)
    return RunPredictions(name, data.source, level, method, rows, _scores(observed, point, interval), notes, warnings)
