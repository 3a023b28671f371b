"""Resolving what callers pass: results unwrapped, laws by name, numbers or human quantities, one or many."""

from __future__ import annotations

import importlib

import numpy as np

from .._results import Result
from ..units import parse_quantity


def unwrap(value):
    return value.raw if isinstance(value, Result) else value


def resolve(law) -> tuple[str, object]:
    from ..laws import resolve_law

    return resolve_law(unwrap(law))


def is_many(value) -> bool:
    """True for lists, tuples and arrays with at least one dimension (not for strings)."""
    if value is None or isinstance(value, (str, bytes)):
        return False
    return isinstance(value, (list, tuple)) or np.ndim(value) > 0


def parse_value(value, what: str):
    """``None``, a float, or a float array from numbers, arrays or human quantities (``"70B"``)."""
    if value is None:
        return None
    if is_many(value):
        return np.array([parse_quantity(v.item() if hasattr(v, "item") else v, what=what) for v in np.ravel(
            np.asarray(value, dtype=object))], dtype=float)
    return parse_quantity(value.item() if hasattr(value, "item") else value, what=what)


def parse_values(value, what: str) -> list[float]:
    """A list of floats from one value, a list, or comma-separated text (``"1e21,1e23"``)."""
    if value is None:
        return []
    items = value if is_many(value) else [value]
    out = []
    for item in np.ravel(np.asarray(items, dtype=object)):
        if isinstance(item, str):
            out += [parse_quantity(part, what=what) for part in item.split(",") if part.strip()]
        else:
            out.append(parse_quantity(item.item() if hasattr(item, "item") else item, what=what))
    return out


class Namespace:
    """A few functions, and the names of a subpackage behind them (``sl.laws.ChinchillaLaw``)."""

    _package = ""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(importlib.import_module(self._package), name)

    def __repr__(self) -> str:
        public = [n for n in type(self).__dict__ if not n.startswith("_")]
        return f"<{self._package}: {', '.join(public)}>"
