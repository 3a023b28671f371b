"""``FitResult``: everything a fit produced, with ``report()``, ``to_dict()``, ``save()`` and ``load()``.

The JSON form has a top-level ``"law": {"family", "params"}`` so a saved fit is a law wherever one
is accepted (``scalinglab.laws.resolve_law("fit.json")``, ``predict``/``plan --law fit.json``).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field, fields
from pathlib import Path

from .._io import atomic_write_json
from ..errors import InputError
from ..laws import Law, law_from_dict
from .runs import Runs

__all__ = ["FitResult", "FittedParams", "format_cell"]


def format_cell(value) -> str:
    """A number for a table cell: 5 significant digits, 4 in scientific notation when large or small; "-" for None."""
    if value is None:
        return "-"
    value = float(value)
    if value != 0 and (abs(value) >= 1e4 or abs(value) < 1e-3):
        return f"{value:.4g}"
    return f"{value:.5g}"


class FittedParams:
    """The headline and the parameter table of a fit with ``law``, ``params``, ``stderr`` and ``intervals``."""

    def headline(self) -> str:
        """The law's family and its first five parameters."""
        shown = ", ".join(f"{k} = {v:.4g}" for k, v in list(self.params.items())[:5])
        return f"{self.law.family}: {shown}"

    def to_frame(self):
        """One row per parameter: value, standard error and interval (None where not estimated)."""
        import pandas as pd

        rows = []
        for name, value in self.params.items():
            interval = (self.intervals or {}).get(name)
            rows.append({"parameter": name, "value": value, "stderr": (self.stderr or {}).get(name),
                         "low": None if interval is None else interval[0],
                         "high": None if interval is None else interval[1]})
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class FitResult(FittedParams):
    """A fitted law: parameters, uncertainty, diagnostics, derived quantities and backtest."""

    family: str
    law_dict: dict
    params: dict[str, float]
    objective: float
    objective_spec: dict
    estimator: str
    success: bool
    message: str
    n_runs: int
    n_starts: int
    n_refined: int
    data: dict
    diagnostics: dict
    level: float = 0.95
    stderr: dict | None = None
    intervals: dict | None = None
    bootstrap: dict | None = None
    derived: dict = field(default_factory=dict)
    backtest: dict | None = None
    settings: dict = field(default_factory=dict)
    version: str = ""
    seconds: float = 0.0
    runs: Runs | None = field(default=None, repr=False, compare=False)
    replicate_laws: tuple = field(default=(), repr=False, compare=False)

    _NOT_SAVED = ("runs", "replicate_laws")

    @property
    def law(self) -> Law:
        return law_from_dict(self.law_dict)

    @property
    def warnings(self) -> list[str]:
        return list(self.diagnostics.get("warnings", []))

    def to_dict(self, *, timings: bool = False) -> dict:
        """JSON-safe dict; the runs and the bootstrap replicates' laws stay in memory only.

        The wall-clock ``seconds`` is left out (the same fit gives the same dict) unless ``timings``."""
        from ..laws.base import FORMAT_VERSION

        out = {"law": copy.deepcopy(self.law_dict), "format_version": FORMAT_VERSION}
        for f in fields(self):
            if f.name not in self._NOT_SAVED and f.name != "law_dict" and (timings or f.name != "seconds"):
                out[f.name] = copy.deepcopy(getattr(self, f.name))
        return out

    def save(self, path: str | Path) -> Path:
        """Write the fit as JSON (atomically); ``FitResult.load`` reads it back."""
        return atomic_write_json(path, self.to_dict())

    @classmethod
    def from_dict(cls, data: dict) -> "FitResult":
        data = dict(data)
        data.pop("format_version", None)
        data["law_dict"] = data.pop("law")
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def load(cls, path: str | Path) -> "FitResult":
        """Read a saved fit; its law is validated (schema, format version, parameter bounds)."""
        from .._io import read_text_file
        from ..laws.registry import FAMILIES
        from ..laws.saved import check_law_dict

        origin = f"fit file {str(path)!r}"
        try:
            data = json.loads(read_text_file(path, what="fit file"))
        except ValueError as error:
            raise InputError(f"{origin} is not valid JSON ({error})") from None
        if not isinstance(data, dict) or "law" not in data or "params" not in data:
            raise InputError(f"{origin} is not a saved fit (no 'law' and 'params')")
        check_law_dict(data, origin, FAMILIES)
        return cls.from_dict(data)

    def report(self):
        """Sectioned report: data, parameters, fit statistics, correlations, derived, backtest, warnings."""
        from rich.console import Group
        from rich.text import Text

        from .._table import rich_table
        from ..units import format_quantity

        parts = []
        d = self.data
        head = (f"{self.family} law fitted to {self.n_runs} runs of {d.get('source')} with the {self.estimator} "
                f"estimator ({self.objective_spec.get('description', '')})")
        parts.append(Text(head, style="bold"))
        if self.law_dict.get("formula"):
            inputs = ", ".join(f"{k} = {v!r}" for k, v in self.law_dict.get("variables", {}).items())
            parts.append(Text(f"law: {self.law_dict['formula']}   (inputs: {inputs})"))
        for note in d.get("notes", []):
            parts.append(Text(f"note: {note}"))
        if d.get("dropped_rows"):
            parts.append(Text(f"dropped the {len(d['dropped_rows'])} highest-loss runs (rows "
                              f"{', '.join(map(str, d['dropped_rows']))})"))
        columns = ["parameter", "value", "stderr", f"{self.level:.0%} interval", "stderr (Gauss-Newton)"]
        gn = self.diagnostics.get("stderr_gauss_newton", {})
        rows = []
        ident = self.diagnostics.get("identifiability") or {}
        for name, value in self.params.items():
            se = None if self.stderr is None else self.stderr.get(name)
            iv = None if self.intervals is None else self.intervals.get(name)
            shown = "-" if iv is None else f"{format_cell(iv[0])} - {format_cell(iv[1])}"
            if (ident.get(name) or {}).get("unbounded"):
                shown = f"unbounded {ident[name]['unbounded']}"
            rows.append([name, format_cell(value), format_cell(se), shown, format_cell(gn.get(name))])
        parts.append(rich_table("Parameters", columns, rows))
        res = self.diagnostics.get("residuals", {})
        stats = [["objective", f"{self.objective:.6g}"], ["runs", str(self.n_runs)],
                 ["starts (evaluated / refined)", f"{self.n_starts} / {self.n_refined}"],
                 ["converged", f"{self.success} ({self.message})"],
                 [f"residual sd ({res.get('space', 'log loss')})", format_cell(res.get("std"))],
                 ["residual max |r|", format_cell(res.get("max_abs"))],
                 ["in-sample MAPE of loss (%)", format_cell(res.get("mape_percent"))],
                 ["condition number", format_cell(self.diagnostics.get("condition_number"))],
                 ["time (s)", f"{self.seconds:.2f}"]]
        if self.bootstrap:
            stats.append(["bootstrap", f"{self.bootstrap['size']} refits, seed {self.bootstrap['seed']}, "
                                       f"{self.bootstrap['converged_fraction']:.1%} converged"])
        parts.append(rich_table("Fit statistics", ["statistic", "value"], stats))
        corr = self.diagnostics.get("correlations")
        if corr:
            names = corr["names"]
            parts.append(rich_table(f"Correlations ({corr['source']})", [""] + names,
                                    [[n] + [f"{v:+.3f}" for v in row] for n, row in zip(names, corr["matrix"])]))
        prof = self.diagnostics.get("profile")
        if prof:
            lo, hi = prof["interval"]
            shown = "none within the profiled range" if lo is None else (
                f"{'unbounded below' if prof['open_below'] else format_cell(lo)} - "
                f"{'unbounded above' if prof['open_above'] else format_cell(hi)}"
                + (f" (flat from {format_cell(lo)} to {format_cell(hi)})"
                   if prof["open_below"] or prof["open_above"] else ""))
            parts.append(Text(f"profile-likelihood {prof['level']:.0%} interval of {prof['parameter']}: {shown} "
                              f"({prof['method']})"))
        parts += self._derived_tables(rich_table, format_quantity)
        if self.backtest:
            parts.append(self._backtest_table(rich_table))
        for warning in self.warnings:
            parts.append(Text(f"warning: {warning}", style="yellow"))
        return Group(*parts)

    def _derived_tables(self, rich_table, format_quantity) -> list:
        def iv(pair, fmt):
            return "-" if not pair else f"{fmt(pair[0])} - {fmt(pair[1])}"

        tables = []
        if self.derived.get("budgets"):
            rows = [[f"{b['compute']:.3g}", format_quantity(b["n_opt"]), iv(b["n_opt_interval"], format_quantity),
                     format_quantity(b["d_opt"]), iv(b["d_opt_interval"], format_quantity),
                     f"{b['tokens_per_param']:.3g}", iv(b["tokens_per_param_interval"], lambda v: f"{v:.3g}"),
                     f"{b['loss']:.4f}", iv(b["loss_interval"], lambda v: f"{v:.4f}")] for b in self.derived["budgets"]]
            columns = ["C (FLOP)", "N_opt", "interval", "D_opt", "interval", "D/N", "interval", "loss", "interval"]
            tables.append(rich_table("Compute-optimal allocation", columns, rows))
        if self.derived.get("points"):
            rows = [[format_quantity(p["n"]), format_quantity(p["d"]), f"{p['loss']:.4f}",
                     iv(p["mean_interval"], lambda v: f"{v:.4f}"), iv(p["prediction_interval"], lambda v: f"{v:.4f}")]
                    for p in self.derived["points"]]
            tables.append(rich_table("Loss at new (N, D)", ["N", "D", "loss", "mean-curve interval",
                                                            "prediction interval (new run)"], rows))
            cal = self.derived.get("calibration")
            if cal and any(p.get("beyond_fitted_compute") for p in self.derived["points"]):
                from rich.text import Text

                tables.append(Text(f"note: beyond the fitted compute ({cal['compute_max']:.3g} FLOP) the new-run interval "
                                   f"is calibrated: {cal['method']}"))
        if self.derived.get("targets"):
            rows = [[f"{t['loss']:.4f}", format_cell(t["compute"]), iv(t["compute_interval"], lambda v: f"{v:.3g}"),
                     "-" if t["reachable_fraction"] is None else f"{t['reachable_fraction']:.1%}"]
                    for t in self.derived["targets"]]
            tables.append(rich_table("Compute to reach a loss", ["target loss", "C (FLOP)", "interval",
                                                                 "replicates reaching it"], rows))
        return tables

    def _backtest_table(self, rich_table):
        bt = self.backtest
        rows = [["method", bt["method"]], ["MAPE of loss (%)", f"{bt['mape']:.3f}"],
                ["mean signed error (%)", f"{bt['bias_percent']:+.3f}"],
                [f"coverage of the {bt['level']:.0%} prediction interval", f"{bt['coverage']:.1%}"]]
        if bt.get("calibration"):
            cal = bt["calibration"]
            rows.append(["coverage of the bootstrap interval alone", f"{bt['coverage_bootstrap']:.1%}"])
            cross = cal.get("coverage_cross_fold")
            rows.append(["beyond the fitted compute", cal["method"] + ("" if cross is None else
                                                                       f"; {cross:.0%} covered with each split's "
                                                                       f"quantile learnt on the others")])
        if "train_runs" in bt:
            rows.append(["runs (fit / predicted)", f"{bt['train_runs']} / {bt['test_runs']}"])
        rows += [["note", note] for note in bt.get("notes", [])]
        for fold in bt.get("folds", []):
            rows.append([f"budget {fold['budget']:.3g} ({fold['test_runs']} runs)",
                         f"MAPE {fold['mape']:.2f}%, coverage {fold['coverage']:.0%}"])
        return rich_table("Backtest", ["", "value"], rows)
