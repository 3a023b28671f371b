"""The law families by name, and building a law from ``{"family": ..., "params": {...}}``.

Kept apart from the registry of published laws so that reading a saved fit (``saved``) and the
registry (which reads saved fits) both use it without importing each other.
"""

from __future__ import annotations

import math

from ..errors import UnknownNameError
from .allocation import AllocationRule
from .base import Law
from .chinchilla import ChinchillaLaw
from .data_constrained import DataConstrainedLaw
from .formula_law import FormulaLaw
from .kaplan import KaplanComputeLaw, KaplanLaw
from .power import BrokenPowerLaw, PowerLaw, SaturatingPowerLaw
from .sigmoid import SigmoidAccuracy

__all__ = ["FAMILIES", "law_from_dict", "number"]

FAMILIES: dict[str, type[Law]] = {
    cls.family: cls
    for cls in (
        ChinchillaLaw, KaplanLaw, KaplanComputeLaw, DataConstrainedLaw, AllocationRule,
        PowerLaw, SaturatingPowerLaw, BrokenPowerLaw, SigmoidAccuracy, FormulaLaw,
    )
}


def _exp_log_keys(params: dict) -> dict:
    """{'log_E': e, ...} -> {'E': exp(e), ...}, recursively: some papers publish log parameters."""
    out = {}
    for key, value in params.items():
        if isinstance(value, dict):
            out[key] = _exp_log_keys(value)
        elif key.startswith("log_"):
            out[key[4:]] = math.exp(float(value))
        else:
            out[key] = number(value)
    return out


def number(value):
    """YAML 1.1 reads '8.8e13' (no sign in the exponent) as a string: take it as the float it is."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def law_from_dict(data: dict) -> Law:
    """Build a law from ``{"family": ..., "params": {...}}`` (the form ``Law.to_dict`` writes; a formula law
    also has ``formula`` and ``variables``, and its parameter names are taken as written)."""
    family = data.get("family")
    if family not in FAMILIES:
        raise UnknownNameError("law family", str(family), FAMILIES)
    if family == FormulaLaw.family:
        return FormulaLaw.from_law_dict(data)
    return FAMILIES[family].from_params(_exp_log_keys(dict(data["params"])))
