"""The range of N, D and C a law was fitted on, and warnings when a question goes far beyond it.

Published laws carry ``fitted_range`` in ``published.yaml`` (with its source); saved fits carry
``data.fitted_range`` (the smallest and largest N, D, C of the runs fitted). A law answers
anything, but a prediction 100 times beyond the largest model, token count or budget it was fitted
on is a guess that should say so (Kaplan et al. 2020 and Hoffmann et al. 2022 both extrapolate
about 100x; Besiroglu et al. 2024 show how wide the intervals already are at that distance).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

__all__ = ["EXTRAPOLATION_FACTOR", "fitted_range", "extrapolation_warnings", "range_of"]

EXTRAPOLATION_FACTOR = 100.0
"""Warn when a quantity lies more than this factor beyond the fitted range."""

_NAMES = {"n": "N (parameters)", "d": "D (tokens)", "c": "C (FLOP)"}


def range_of(n=None, d=None, c=None) -> dict:
    """{"n": [min, max], ...} of the arrays given (what a fit records about its runs)."""
    out = {}
    for key, values in (("n", n), ("d", d), ("c", c)):
        if values is not None and np.size(values):
            values = np.asarray(values, dtype=float)
            out[key] = [float(np.nanmin(values)), float(np.nanmax(values))]
    return out


def fitted_range(spec) -> dict | None:
    """The fitted range of a published law (name or entry), a saved fit (path or result); None when unknown."""
    if not isinstance(spec, (str, Path)):
        found = getattr(spec, "fitted_range", None)
        if found is None:
            data = getattr(getattr(spec, "raw", spec), "data", None)
            found = data.get("fitted_range") if isinstance(data, dict) else None
        return dict(found) if isinstance(found, dict) and found else None
    path = Path(str(spec))
    if str(spec).lower().endswith(".json") or (len(str(spec)) < 4096 and path.is_file()):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        found = data.get("fitted_range") or (data.get("data") or {}).get("fitted_range")
        return dict(found) if isinstance(found, dict) else None
    from .registry import get_law

    try:
        entry = get_law(str(spec))
    except KeyError:
        return None
    return dict(entry.fitted_range) if entry.fitted_range else None


def _fmt(value: float) -> str:
    return f"{value:.3g}"


def extrapolation_warnings(ranges: dict | None, *, n=None, d=None, c=None, name: str = "the law",
                           factor: float = EXTRAPOLATION_FACTOR) -> list[str]:
    """One warning per quantity lying more than ``factor`` times beyond ``ranges`` (above or below)."""
    if not ranges:
        return []
    warnings = []
    for key, values in (("n", n), ("d", d), ("c", c)):
        bounds = ranges.get(key)
        if values is None or not bounds:
            continue
        lo, hi = float(bounds[0]), float(bounds[1])
        values = np.atleast_1d(np.asarray(values, dtype=float))
        values = values[np.isfinite(values) & (values > 0)]  # bad input is the law's to refuse, not ours
        if values.size == 0:
            continue
        top, bottom = float(np.nanmax(values)), float(np.nanmin(values))
        if top > factor * hi:
            warnings.append(f"{_NAMES[key]} = {_fmt(top)} is {top / hi:.3g}x beyond the largest {key.upper()} "
                            f"{name} was fitted on ({_fmt(hi)}); treat the answer as an extrapolation")
        if bottom < lo / factor:
            warnings.append(f"{_NAMES[key]} = {_fmt(bottom)} is {lo / bottom:.3g}x below the smallest {key.upper()} "
                            f"{name} was fitted on ({_fmt(lo)}); treat the answer as an extrapolation")
    return warnings
