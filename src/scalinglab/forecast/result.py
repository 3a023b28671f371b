"""Forecast results: percentile tables per year, milestone years, checks; report() and to_dict()."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .._table import rich_table
from ..distributions import format_value
from .milestones import PERCENTILES, year_percentiles
from .schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ForecastResult", "CompareResult", "QUANTITIES", "percentile_rows"]

#: quantity -> (unit, kind for formatting, what it is)
QUANTITIES: dict[str, tuple[str, str, str]] = {
    "spending": ("USD", "money", "spending on the largest training run"),
    "flop_per_dollar": ("FLOP/$", "quantity", "peak FLOP per dollar of run cost"),
    "utilisation": ("", "fraction", "achieved / peak FLOP/s"),
    "compute": ("FLOP", "quantity", "training compute of the largest run"),
    "algorithms": ("x", "quantity", "algorithmic efficiency since the start year"),
    "effective_compute": ("FLOP-eq", "quantity", "compute x algorithmic efficiency"),
    "gpus": ("GPUs", "quantity", "accelerators in the largest run"),
    "gpu_flops": ("FLOP/s", "quantity", "peak FLOP/s per accelerator"),
    "gpu_production": ("GPUs/yr", "quantity", "accelerators shipped per year"),
    "dataset": ("tokens", "quantity", "training tokens of the largest run (at most the stock x allowed epochs)"),
    "dataset_wanted": ("tokens", "quantity", "training tokens the largest run would want without the data stock"),
    "n_params": ("params", "quantity", "parameters of the largest run, N = C / (6 D)"),
    "loss": ("nats/token", "quantity", "predicted loss of the largest run (data-constrained law)"),
    "useful_compute": ("FLOP", "quantity", "6 N' D': compute the run's effective parameters and data are worth"),
    "data_stock": ("tokens", "quantity", "stock of public human text"),
    "world_gdp": ("USD/yr", "money", "world GDP"),
}


def percentile_rows(log_level: np.ndarray, percentiles=PERCENTILES, years: int | None = None) -> np.ndarray:
    """Percentiles over samples for each year (rows = years), linear between order statistics of log10.

    A one-row path (the same every year) is summarised once and repeated for ``years`` rows.
    """
    if years is not None and log_level.shape[0] == 1 and years > 1:
        return np.repeat(percentile_rows(log_level, percentiles), years, axis=0)
    if log_level.shape[1] == 1:
        return np.repeat(10.0 ** log_level, len(percentiles), axis=1)
    # order statistics from a single-precision sort (a third faster; log10 values keep ~1e-6 relative
    # precision, far inside the Monte Carlo error); rows the same in every sample stay exact
    ordered = log_level.astype(np.float32)
    ordered.sort(axis=1)  # in place: the single-precision copy is ours
    n = ordered.shape[1]
    out = np.empty((ordered.shape[0], len(percentiles)))
    for j, q in enumerate(percentiles):
        pos = q / 100 * (n - 1)
        lo = int(np.floor(pos))
        hi = min(lo + 1, n - 1)
        out[:, j] = ordered[:, lo] + (pos - lo) * (ordered[:, hi].astype(float) - ordered[:, lo])
    # a row the same in every sample has equal single-precision extremes: only such rows are checked exactly
    maybe = np.flatnonzero(ordered[:, 0] == ordered[:, -1])
    if maybe.size:
        rows = log_level[maybe]
        first = rows[:, 0]
        constant = (rows.min(axis=1) == first) & (rows.max(axis=1) == first)
        out[maybe[constant]] = first[constant, None]
    return 10.0 ** out


def _fmt_year(value: float | None, until: int) -> str:
    return f"> {until}" if value is None else f"{value:.1f}"


@dataclass
class ForecastResult:
    """A scenario's forecast: log10 paths (years x samples), milestone years per sample, checks."""

    scenario: Scenario
    samples: int
    seed: int
    years: np.ndarray
    levels: dict[str, np.ndarray]
    milestones: Mapping[str, np.ndarray]  # label -> first year per sample (worked out when first read)
    binding_first: dict[str, float]
    route: str
    derived: dict[str, str] = field(default_factory=dict)
    growth_check: dict | None = None
    level_check: dict | None = None
    uncapped: dict[str, np.ndarray] = field(default_factory=dict)
    binding_epochs: object = 4.0
    law: str | None = None
    dataset_from: str | None = None
    binds: dict = field(default_factory=dict)
    inputs: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # uncertain input -> its draws
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def until(self) -> int:
        return int(self.years[-1])

    @property
    def quantities(self) -> list[str]:
        return [q for q in QUANTITIES if q in self.levels]

    def percentiles(self, quantity: str) -> np.ndarray:
        """(years, 5) array of the 5/25/50/75/95th percentiles of ``quantity``."""
        if quantity not in self.levels:
            from ..errors import UnknownNameError

            raise UnknownNameError("quantity", quantity, self.quantities)
        if quantity not in self._cache:
            self._cache[quantity] = percentile_rows(self.levels[quantity], years=len(self.years))
        return self._cache[quantity]

    def _fill_percentiles(self) -> None:
        """Percentiles of every quantity, sorted on two threads (numpy's sort releases the GIL)."""
        todo = [q for q in self.quantities if q not in self._cache]
        if len(todo) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=2) as pool:
                tables = list(pool.map(lambda q: percentile_rows(self.levels[q], years=len(self.years)), todo))
            self._cache.update(zip(todo, tables))

    def headline(self) -> str:
        return f"{self.scenario.name}: {self.samples:,} samples, {int(self.years[0])}-{self.until}"

    def to_frame(self) -> pd.DataFrame:
        """Percentiles of every quantity by year, one row per quantity and year."""
        import pandas as pd

        frames = []
        for quantity in self.quantities:
            frame = self.percentile_frame(quantity).reset_index()
            frame.insert(0, "quantity", quantity)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def percentile_frame(self, quantity: str) -> pd.DataFrame:
        import pandas as pd

        table = self.percentiles(quantity)
        frame = pd.DataFrame(table, columns=[f"p{q}" for q in PERCENTILES])
        frame.insert(0, "year", self.years)
        return frame

    def value(self, quantity: str, year: int, percentile: int = 50) -> float:
        return float(self.percentiles(quantity)[int(year) - int(self.years[0]), PERCENTILES.index(percentile)])

    def growth_between(self, quantity: str, start: int, end: int, *, uncapped: bool = False) -> np.ndarray:
        """Per-sample total growth factor of ``quantity`` from year ``start`` to year ``end``."""
        source = self.uncapped if uncapped and quantity in self.uncapped else self.levels
        level = source[quantity]
        i, j = int(start) - int(self.years[0]), int(end) - int(self.years[0])
        if not (0 <= i < len(self.years) and 0 <= j < len(self.years)):
            from ..errors import InputError

            raise InputError(f"years {start} and {end} must lie within the forecast {self.years[0]}-{self.until}")
        if level.shape[0] == 1:
            return np.ones(level.shape[1])
        return 10.0 ** (level[j] - level[i])

    def milestone_summary(self) -> dict[str, dict]:
        return {name: year_percentiles(years) for name, years in self.milestones.items()}

    def derived_growth(self) -> dict[str, float]:
        """Median average growth per year over the forecast of each factor whose growth was derived."""
        out = {}
        span = self.until - int(self.years[0])
        for name, what in self.derived.items():
            level = self.uncapped.get(name, self.levels.get(name))
            if what in ("growth", "path") and level is not None and level.shape[0] > 1:
                out[name] = float(np.median(10.0 ** ((level[-1] - level[0]) / span)))
        return out

    def checkpoint_growth(self) -> dict[str, dict[str, dict]]:
        """Growth of each quantity between consecutive checkpoint years (before and after ceilings)."""
        marks = [y for y in self.scenario.checkpoints if self.years[0] <= y <= self.until]
        out = {}
        for a, b in zip(marks, marks[1:]):
            span = {}
            for name in ("algorithms", "flop_per_dollar", "spending", "compute", "effective_compute"):
                if name not in self.levels:
                    continue
                entry = {"median": float(np.median(self.growth_between(name, a, b)))}
                if name in self.uncapped:
                    entry["median_before_ceilings"] = float(np.median(self.growth_between(name, a, b, uncapped=True)))
                span[name] = entry
            out[f"{a}-{b}"] = span
        return out

    def checks(self) -> dict:
        out: dict = {"route": self.route, "derived": dict(self.derived), "derived_growth_per_year": self.derived_growth()}
        if self.growth_check is not None:
            out["consistency"] = dict(self.growth_check)
        if self.level_check is not None:
            out["level_check"] = dict(self.level_check)
        return out

    def to_dict(self) -> dict:
        self._fill_percentiles()
        quantities = {}
        for name in self.quantities:
            unit, _, description = QUANTITIES[name]
            table = self.percentiles(name)
            quantities[name] = {
                "unit": unit, "description": description,
                "percentiles": {str(int(y)): {f"p{q}": float(f"{v:.12g}") for q, v in zip(PERCENTILES, row)}
                                for y, row in zip(self.years, table)},
            }
        s = self.scenario
        return {
            "scenario": {"name": s.name, "title": s.title, "essay": s.essay},
            "samples": self.samples, "seed": self.seed, "start_year": int(self.years[0]), "until": self.until,
            "quantities": quantities,
            "milestones": self.milestone_summary(),
            "binding_first": dict(self.binding_first),
            "law": self.law,
            "dataset_from": self.dataset_from,
            "binds": self.binds,
            "checks": self.checks(),
            "growth_between": self.checkpoint_growth(),
        }

    # ------------------------------------------------------------------------------- report
    def _report_years(self) -> list[int]:
        years = [int(y) for y in self.years]
        step = 1 if len(years) <= 12 else (2 if len(years) <= 24 else 5)
        keep = [y for y in years if (y - years[0]) % step == 0]
        return keep if keep[-1] == years[-1] else keep + [years[-1]]

    def report(self):
        from rich.console import Group
        from rich.text import Text

        s = self.scenario
        head = Text(f"{s.title or s.name}  [{s.name}]" + (f"  essay: {s.essay}" if s.essay else ""), style="bold")
        settings = Text(f"{self.samples:,} samples, seed {self.seed}, {int(self.years[0])}-{self.until}; "
                        f"compute from: {self.route}. Cells: median (5th-95th percentile).")
        parts = [head, settings]
        shown = self.quantities
        for k in range(0, len(shown), 4):
            group = shown[k:k + 4]
            rows = [[str(year)] + [self._cell(q, year) for q in group] for year in self._report_years()]
            columns = ["year"] + [f"{q} ({QUANTITIES[q][0]})" if QUANTITIES[q][0] else q for q in group]
            parts.append(rich_table("Largest training run" if k == 0 else None, columns, rows))
        summary = self.milestone_summary()
        if summary:
            mrows = [[name] + [_fmt_year(v[f"p{q}"], self.until) for q in PERCENTILES] + [f"{v['reached_share']:.0%}"]
                     for name, v in summary.items()]
            parts.append(rich_table("Milestone year", ["milestone", "p5", "p25", "median", "p75", "p95",
                                                       f"by {self.until}"], mrows))
        if self.binds:
            from rich.text import Text as _Text

            parts.append(self._binds_table())
            parts += [_Text(f"{name}: none stated. {b['source']}") for name, b in self.binds.items() if b["ceiling"] == "none"]
        if len(self.binding_first) > 1:
            parts.append(rich_table("Which constraint binds first (share of samples)", ["constraint", "share"],
                                    [[k, f"{v:.1%}"] for k, v in self.binding_first.items()]))
        parts += self._report_checks()
        return Group(*parts)

    def _binds_table(self):
        rows = []
        for name, b in self.binds.items():
            if b["ceiling"] == "none":
                rows.append([name, "none stated (below)", "-", "-", "-"])
                continue
            first = b["first_year"]
            when = "-" if first["p50"] is None and first["p5"] is None else \
                f"{_fmt_year(first['p50'], self.until)} ({_fmt_year(first['p5'], self.until)}-{_fmt_year(first['p95'], self.until)})"
            cut = "-" if b["cut_at_end"] is None else f"{b['cut_at_end']:.3g}x in {b['binds_at_end_share']:.0%}"
            rows.append([name, b["ceiling"], f"{b['binds_share']:.0%}", when, cut])
        law = (f" The run's dataset: {self.dataset_from}, at most the stock x allowed epochs; N = C / (6 D); loss "
               f"under {self.law} with repeats discounted as in Muennighoff et al. 2023.") if self.law else ""
        return rich_table("Constraints: where a ceiling changes the largest run's path (binds: share of samples; "
                          f"from: first year, median (p5-p95); {self.until}: wanted / allowed, in what share)." + law,
                          ["constraint", "ceiling", "binds", "from", str(self.until)], rows)

    def _cell(self, quantity: str, year: int) -> str:
        p = self.percentiles(quantity)[year - int(self.years[0])]
        kind = QUANTITIES[quantity][1]
        if np.isclose(p[0], p[4], rtol=1e-9):
            return format_value(p[2], kind)
        return f"{format_value(p[2], kind)} ({format_value(p[0], kind)}-{format_value(p[4], kind)})"

    def _report_checks(self) -> list:
        rows = []
        for name, growth in self.derived_growth().items():
            rows.append([f"{name} growth (derived)", f"{growth:.3g}x/yr", "from the other factors of compute = spending x FLOP/$ x U"])
        if self.growth_check is not None:
            g = self.growth_check
            verdict = "consistent" if g["consistent"] else "NOT consistent"
            rows.append(["compute growth given", f"{g['compute_growth_given']:.3g}x/yr", ""])
            rows.append(["spending x FLOP/$ x U imply", f"{g['compute_growth_implied']:.3g}x/yr",
                         f"{verdict} (ratio {g['ratio']:.3g} per year; within 10% counts as consistent)"])
        if self.level_check is not None:
            rows.append([f"compute / (spending x FLOP/$ x U) in {self.level_check['year']}",
                         f"{self.level_check['compute_over_implied']:.3g}", "1 when the start values agree"])
        out = [rich_table("Checks", ["check", "value", "note"], rows)] if rows else []
        growth = self.checkpoint_growth()
        if growth:
            spans = list(growth)
            names = [q for q in QUANTITIES if any(q in values for values in growth.values())]
            crow = []
            for q in names:
                crow.append([q] + [f"{growth[span][q]['median']:.5g}" if q in growth[span] else "-" for span in spans])
                before = [growth[span].get(q, {}).get("median_before_ceilings") for span in spans]
                if any(v is not None and not np.isclose(v, growth[span][q]["median"]) for v, span in zip(before, spans)):
                    crow.append([f"{q}, before ceilings"] + ["-" if v is None else f"{v:.5g}" for v in before])
            out.append(rich_table("Total growth between checkpoints (median factor)", ["quantity"] + spans, crow))
        return out


@dataclass
class CompareResult:
    """Several scenarios forecast with the same samples, seed and horizon."""

    results: list[ForecastResult]

    @property
    def names(self) -> list[str]:
        return [r.scenario.name for r in self.results]

    def headline(self) -> str:
        return ", ".join(self.names)

    def to_dict(self) -> dict:
        first = self.results[0]
        quantities: dict[str, dict] = {}
        milestones: dict[str, dict] = {}
        for r in self.results:
            data = r.to_dict()
            for q, entry in data["quantities"].items():
                quantities.setdefault(q, {"unit": entry["unit"], "scenarios": {}})["scenarios"][r.scenario.name] = entry["percentiles"]
            for m, entry in data["milestones"].items():
                milestones.setdefault(m, {})[r.scenario.name] = entry
        return {
            "scenarios": [{"name": r.scenario.name, "title": r.scenario.title, "essay": r.scenario.essay,
                           "start_year": int(r.years[0]), "binding_first": r.binding_first, "binds": r.binds,
                           "law": r.law, "checks": r.checks()}
                          for r in self.results],
            "samples": first.samples, "seed": first.seed, "until": first.until,
            "quantities": quantities, "milestones": milestones,
        }

    def report(self):
        from rich.console import Group

        names = self.names
        until = self.results[0].until
        milestones = []
        for r in self.results:
            milestones += [m for m in r.milestones if m not in milestones]
        rows = []
        for m in milestones:
            row = [m]
            for r in self.results:
                if m not in r.milestones:
                    row.append("-")
                    continue
                v = year_percentiles(r.milestones[m])
                row.append(f"{_fmt_year(v['p50'], until)} ({_fmt_year(v['p5'], until)}-{_fmt_year(v['p95'], until)})")
            rows.append(row)
        parts = [rich_table("Milestone year: median (5th-95th percentile)", ["milestone"] + names, rows)]
        years = sorted({y for r in self.results for y in (2025, 2030, r.until) if r.years[0] <= y <= r.until})
        for q in ("spending", "compute", "effective_compute", "dataset"):
            if not any(q in r.levels for r in self.results):
                continue
            qrows = []
            for y in years:
                row = [str(y)]
                for r in self.results:
                    ok = q in r.levels and r.years[0] <= y <= r.until
                    row.append(format_value(r.value(q, y), QUANTITIES[q][1]) if ok else "-")
                qrows.append(row)
            parts.append(rich_table(f"{q} ({QUANTITIES[q][0]}), median", ["year"] + names, qrows))
        parts.append(rich_table("Constraints: which binds first, and which change the run at all (share of samples)",
                                ["scenario", "binds first", "binds at some point by the last year"],
                                [[r.scenario.name, ", ".join(f"{k} {v:.0%}" for k, v in r.binding_first.items() if v > 0),
                                  ", ".join(f"{k} {b['binds_share']:.0%}" if b["ceiling"] != "none" else f"{k} none stated"
                                            for k, b in r.binds.items()) or "-"]
                                 for r in self.results]))
        return Group(*parts)
