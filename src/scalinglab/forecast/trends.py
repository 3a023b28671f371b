"""Exponential trends from data: least squares of log10(y) on the date, with a bootstrap interval.

    log10 y = a + b t   (t in decimal years)  ->  growth per year g = 10^b, doubling = log10(2) / b years

The 90% interval resamples the rows with replacement (``bootstrap`` times, seeded) and takes the
5th and 95th percentiles of 10^b. Filters: a date range, a domain (one of the comma-separated labels
of a 'Domain'/'category' column), and the top N rows per calendar year by training compute (the
frontier; another ranking column on request). The default keeps every row with a date and a positive value: Epoch AI's "4-5x per year"
(Sevilla and Roldan 2024, "Training Compute of Frontier AI Models Grows by 4-5x per Year") is a fit
over all notable models from 2010.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._table import rich_table
from ..errors import InputError, UnknownNameError
from ..options import spelled
from ..tablefile import read_table_file
from .options import TREND

__all__ = ["Trend", "fit_trend", "load_table", "decimal_year"]

_DATE_COLUMNS = ("date", "publication date", "release date", "publication_date", "release_date", "year")
_DOMAIN_COLUMNS = ("domain", "category")
_COMPUTE_COLUMNS = ("training compute (flop)", "comp")  # what top_n ranks by unless told otherwise


def decimal_year(values: pd.Series) -> pd.Series:
    """Dates (ISO strings or datetimes) or plain years -> decimal years (2024-07-02 -> 2024.50)."""
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.notna().sum() >= values.notna().sum() and values.notna().any():
        return numeric.astype(float)
    dates = pd.to_datetime(values, errors="coerce", format="mixed")
    start = pd.to_datetime(dates.dt.year.astype("Int64").astype(str) + "-01-01", errors="coerce")
    days = np.where(dates.dt.is_leap_year, 366.0, 365.0)
    return dates.dt.year + (dates - start).dt.days / days


def _parse_when(value, parameter: str) -> float | None:
    """A year or a date given as ``parameter`` (``since``, ``until``) -> a decimal year."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        return float(text)
    except ValueError:
        pass
    parsed = decimal_year(pd.Series([text])).iloc[0]
    if pd.isna(parsed):
        raise InputError(f"cannot read {spelled(parameter)} {value!r}: expected a year (2010) or a date (2010-06-01)")
    return float(parsed)


def load_table(spec: str) -> tuple[pd.DataFrame, str, str | None]:
    """(table, its name, its date column) from a bundled dataset name or a table file (CSV, Parquet, JSON
    lines), read within the limits of :func:`scalinglab.tablefile.read_table_file`."""
    from ..datasets import get_dataset, is_dataset_name, read_bundled

    if is_dataset_name(spec):
        info = get_dataset(spec)
        return read_bundled(info.name), info.name, info.date_column
    path = Path(spec)
    if not path.is_file():
        from ..datasets import list_datasets

        raise UnknownNameError("dataset or CSV file", spec, [d.name for d in list_datasets()])
    return read_table_file(path, what="trend table"), path.name, None


def _find_column(frame: pd.DataFrame, wanted: str | None, candidates: tuple[str, ...], what: str, origin: str) -> str:
    columns = {str(c).lower(): str(c) for c in frame.columns}
    if wanted is not None:
        if wanted in frame.columns:
            return wanted
        if wanted.lower() in columns:
            return columns[wanted.lower()]
        raise UnknownNameError(f"column of {origin}", wanted, [str(c) for c in frame.columns])
    for name in candidates:
        if name in columns:
            return columns[name]
    raise InputError(f"{origin} has no {what} column (looked for {', '.join(candidates)}); name it with "
                     f"{spelled(what + '_column')}")


@dataclass(frozen=True)
class Trend:
    """An exponential trend y = 10^(a + b t) fitted to dated rows."""

    origin: str
    y: str
    date_column: str
    slope: float  # log10 per year
    intercept: float  # log10 y at t = 0
    r2: float
    n: int
    ci90: tuple[float, float]  # growth per year
    bootstrap: int
    seed: int
    filters: dict = field(default_factory=dict)
    first: float = 0.0
    last: float = 0.0
    points: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def growth_per_year(self) -> float:
        return 10.0 ** self.slope

    @property
    def doubling_months(self) -> float:
        return 12.0 * math.log10(2.0) / self.slope if self.slope != 0 else math.inf

    def headline(self) -> str:
        return f"{self.y}: x{self.growth_per_year:.3g} per year (doubling {self.doubling_months:.3g} months)"

    def predict(self, year) -> np.ndarray:
        return 10.0 ** (self.intercept + self.slope * np.asarray(year, dtype=float))

    def to_dict(self) -> dict:
        return {
            "dataset": self.origin, "y": self.y, "date_column": self.date_column, "n": self.n,
            "growth_per_year": self.growth_per_year, "ci90": list(self.ci90),
            "oom_per_year": self.slope, "doubling_months": self.doubling_months,
            "r2": self.r2, "intercept_log10": self.intercept, "first_date": self.first, "last_date": self.last,
            "filters": dict(self.filters), "bootstrap": self.bootstrap, "seed": self.seed,
        }

    def report(self):
        from rich.console import Group
        from rich.text import Text

        filters = ", ".join(f"{k}={v}" for k, v in self.filters.items() if v is not None) or "none"
        head = Text(f"{self.y} in {self.origin}: {self.growth_per_year:.3g}x per year "
                    f"(90% CI {self.ci90[0]:.3g}-{self.ci90[1]:.3g}), n = {self.n}", style="bold")
        rows = [
            ["growth per year", f"{self.growth_per_year:.4g}x", f"90% CI {self.ci90[0]:.4g}-{self.ci90[1]:.4g} "
                                                               f"({self.bootstrap} bootstrap resamples, seed {self.seed})"],
            ["OOM per year", f"{self.slope:.4g}", "slope of log10 y on the date"],
            ["doubling time", f"{self.doubling_months:.3g} months", ""],
            ["R^2 (log10)", f"{self.r2:.3f}", ""],
            ["rows", str(self.n), f"{self.first:.1f}-{self.last:.1f}; filters: {filters}"],
        ]
        return Group(head, rich_table(None, ["", "value", "note"], rows))


def _slopes(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares slopes of each row of y on the same row of t (vectorised over rows)."""
    tc = t - t.mean(axis=-1, keepdims=True)
    yc = y - y.mean(axis=-1, keepdims=True)
    return (tc * yc).sum(axis=-1) / (tc * tc).sum(axis=-1)


def fit_trend(data, y: str, *, date_column: str | None = None, since=None, until=None, domain: str | None = None,
              domain_column: str | None = None, top_n: int | None = None, rank_by: str | None = None,
              bootstrap: int = 2000, seed: int = 0) -> Trend:
    """Fit log10(y) = a + b t to the rows of a bundled dataset, a CSV path or a DataFrame."""
    if isinstance(data, pd.DataFrame):
        frame, origin, default_date = data, "table", None
    else:
        frame, origin, default_date = load_table(str(data))
    bootstrap, top_n = TREND["bootstrap"].check(bootstrap), TREND["top_n"].check(top_n)
    y_col = _find_column(frame, y, (), "y", origin)
    d_col = _find_column(frame, date_column or default_date, _DATE_COLUMNS, "date", origin)
    t = decimal_year(frame[d_col])
    values = pd.to_numeric(frame[y_col], errors="coerce")
    keep = t.notna() & values.notna() & (values > 0)
    lo, hi = _parse_when(since, "since"), _parse_when(until, "until")
    if lo is not None:
        keep &= t >= lo
    if hi is not None:
        keep &= t < hi
    if domain is not None:
        dom_col = _find_column(frame, domain_column, _DOMAIN_COLUMNS, "domain", origin)
        labels = frame[dom_col].fillna("").astype(str).str.lower().str.split(r"\s*,\s*")
        keep &= labels.apply(lambda items: domain.strip().lower() in items)
    rows = pd.DataFrame({"t": t[keep], "y": values[keep]})
    if top_n is not None:
        columns = {str(c).lower(): c for c in frame.columns}
        default = next((columns[c] for c in _COMPUTE_COLUMNS if c in columns), y_col)
        rank_col = default if rank_by is None else _find_column(frame, rank_by, (), "rank-by", origin)
        rank = pd.to_numeric(frame[rank_col], errors="coerce")
        rows["rank"] = rank[keep]
        rows = rows.assign(year=np.floor(rows["t"])).sort_values("rank", ascending=False)
        rows = rows.groupby("year", sort=False).head(top_n).drop(columns=["rank", "year"])
    filters = {"since": since, "until": until, "domain": domain, "top_n": top_n}
    if len(rows) < 3 or rows["t"].nunique() < 2:
        shown = ", ".join(f"{k} {v}" for k, v in filters.items() if v is not None) or "no filters"
        raise InputError(f"only {len(rows)} rows of {origin} have a date in {d_col!r} and a positive {y_col!r} "
                         f"({shown}); a trend needs at least 3 on different dates")
    t_arr = rows["t"].to_numpy(float)
    y_arr = np.log10(rows["y"].to_numpy(float))
    slope = float(_slopes(t_arr, y_arr))
    intercept = float(y_arr.mean() - slope * t_arr.mean())
    residual = y_arr - (intercept + slope * t_arr)
    r2 = float(1.0 - (residual ** 2).sum() / ((y_arr - y_arr.mean()) ** 2).sum())
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(t_arr), size=(bootstrap, len(t_arr)))
    with np.errstate(invalid="ignore", divide="ignore"):
        boot = _slopes(t_arr[idx], y_arr[idx])
    boot = boot[np.isfinite(boot)]
    ci = (float(10 ** np.percentile(boot, 5)), float(10 ** np.percentile(boot, 95)))
    points = rows.assign(fit=10.0 ** (intercept + slope * rows["t"]))
    return Trend(origin, y_col, d_col, slope, intercept, r2, len(rows), ci, bootstrap, seed, filters,
                 float(t_arr.min()), float(t_arr.max()), points)
