"""Milestones as distributions of the year they happen, and which constraint binds first.

Between the runs of two whole years the path is log-linear (exact inside an era), so the year a
level first reaches a threshold is interpolated: with d_t = log10 L_t - log10 threshold and the first
year t with d_t >= 0, the crossing is (t - 1) + d_{t-1} / (d_{t-1} - d_t). A milestone already met
in the first reported year is dated to that year; one never met by the last year is +inf.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["crossing_years", "year_percentiles", "binding_first", "PERCENTILES"]

PERCENTILES = (5, 25, 50, 75, 95)


def crossing_years(log_level: np.ndarray, log_threshold, years: np.ndarray) -> np.ndarray:
    """First (fractional) year each sample's level reaches the threshold; +inf if never.

    ``log_level`` and ``log_threshold`` broadcast to (years, samples); a one-row array stands for every year.
    """
    level = np.atleast_2d(np.asarray(log_level, dtype=float))
    threshold = np.atleast_2d(np.asarray(log_threshold, dtype=float))
    rows = len(years)
    width = max(level.shape[1], threshold.shape[1])
    d = np.ascontiguousarray(np.broadcast_to(level - threshold, (rows, width)))
    above = d >= 0
    first = np.full(width, rows)
    for t in range(rows - 1, -1, -1):  # walking back leaves the earliest row that reaches it (row by row is fast)
        np.copyto(first, t, where=above[t])
    cols = np.arange(width)
    now = np.minimum(first, rows - 1)
    before = np.maximum(now - 1, 0)
    flat = d.ravel()
    d_now, d_before = flat[now * width + cols], flat[before * width + cols]
    years = np.asarray(years, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = years[before] - d_before / (d_now - d_before)
    out[first == 0] = years[0]
    out[first == rows] = np.inf
    return out


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
