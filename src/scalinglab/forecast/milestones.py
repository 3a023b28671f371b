"""Milestones as distributions of the year they happen, and which constraint binds first.

Between the runs of two whole years the path is log-linear (exact inside an era), so the year a
level first reaches a threshold is interpolated: with d_t = log10 L_t - log10 threshold and the first
year t with d_t >= 0, the crossing is (t - 1) + d_{t-1} / (d_{t-1} - d_t). A milestone already met
in the first reported year is dated to that year; one never met by the last year is +inf.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

__all__ = ["crossing_years", "year_percentiles", "binding_first", "Milestones", "PERCENTILES"]

PERCENTILES = (5, 25, 50, 75, 95)


def crossing_years(log_level: np.ndarray, log_threshold, years: np.ndarray) -> np.ndarray:
    """First (fractional) year each sample's level reaches the threshold; +inf if never.

    ``log_level`` and ``log_threshold`` broadcast to (years, samples); a one-row array stands for every year.
    Only the two rows around each crossing are differenced: with a finite threshold, level >= threshold is
    the same test as level - threshold >= 0 (IEEE subtraction keeps the sign), without a full-size difference.
    """
    level = np.atleast_2d(np.asarray(log_level, dtype=float))
    threshold = np.atleast_2d(np.asarray(log_threshold, dtype=float))
    rows = len(years)
    width = max(level.shape[1], threshold.shape[1])
    if np.isfinite(threshold).all():
        above = level >= threshold
    else:  # inf - inf is nan: keep the difference's own test
        above = level - threshold >= 0
    above = np.broadcast_to(above, (rows, width))
    first = np.full(width, rows)
    for t in range(rows - 1, -1, -1):  # walking back leaves the earliest row that reaches it (row by row is fast)
        np.copyto(first, t, where=above[t])
    cols = np.arange(width)
    now = np.minimum(first, rows - 1)
    before = np.maximum(now - 1, 0)
    d_now = _at(level, now, cols, rows) - _at(threshold, now, cols, rows)
    d_before = _at(level, before, cols, rows) - _at(threshold, before, cols, rows)
    years = np.asarray(years, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = years[before] - d_before / (d_now - d_before)
    out[first == 0] = years[0]
    out[first == rows] = np.inf
    return out


def _at(array: np.ndarray, row: np.ndarray, cols: np.ndarray, rows: int) -> np.ndarray:
    """``array`` broadcast to (rows, len(cols)), at (row[j], j) for every column j, without broadcasting it."""
    np.broadcast_to(array, (rows, cols.size))  # the shapes must agree, as for the full difference
    if array.shape == (1, 1):
        return array[0]
    if array.shape[0] == 1:
        return array[0, cols]
    if array.shape[1] == 1:
        return array[row, 0]
    return array.ravel()[row * array.shape[1] + cols]


class Milestones(Mapping):
    """Milestone label -> first year per sample, each worked out when first read and then kept.

    Built from label -> years or label -> a zero-argument function giving them, in the order shown.
    """

    def __init__(self, items: dict | None = None):
        self._items: dict = dict(items or {})

    def __getitem__(self, label: str) -> np.ndarray:
        value = self._items[label]
        if callable(value):
            value = self._items[label] = value()
        return value

    def __contains__(self, label) -> bool:  # Mapping's would work the years out
        return label in self._items

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Milestones({list(self._items)})"


def year_percentiles(years: np.ndarray, percentiles=PERCENTILES) -> dict[str, float | None]:
    """Percentiles of a milestone year (inverse-CDF: actual sample values, so 'never' stays never)."""
    ordered = np.sort(np.asarray(years, dtype=float).ravel())
    n = ordered.size
    out = {}
    for q in percentiles:
        value = ordered[max(int(math.ceil(q / 100 * n)) - 1, 0)]
        out[f"p{q}"] = None if not np.isfinite(value) else float(value)
    out["reached_share"] = float(np.isfinite(ordered).mean())
    return out


def binding_first(first_years: dict[str, np.ndarray], n: int) -> dict[str, float]:
    """Share of samples in which each constraint binds first ('none' when none binds by the end)."""
    if not first_years:
        return {"none": 1.0}
    names = list(first_years)
    stacked = np.vstack([np.broadcast_to(np.asarray(first_years[k], dtype=float).ravel(), (n,)) for k in names])
    earliest = stacked.argmin(axis=0)
    never = ~np.isfinite(stacked.min(axis=0))
    shares = {name: float(((earliest == i) & ~never).mean()) for i, name in enumerate(names)}
    shares["none"] = float(never.mean())
    return shares
