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
    """First (fractional) year each sample's level reaches the threshold; +inf if never."""
    d = np.asarray(log_level - log_threshold, dtype=float)
    above = d >= 0
    hit = above.any(axis=0)
    first = above.argmax(axis=0)
    prev = np.maximum(first - 1, 0)
    cols = np.arange(d.shape[1])
    d_first, d_prev = d[first, cols], d[prev, cols]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(first > 0, -d_prev / (d_first - d_prev), 0.0)
    out = years[prev] + np.where(first > 0, frac, 0.0)
    out = np.where(first > 0, out, years[0]).astype(float)
    out[~hit] = np.inf
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
