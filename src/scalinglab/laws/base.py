"""What every law shares: parameter specs, array handling and a JSON form.

A law is an immutable description (a frozen dataclass of its parameters) with a vectorised pure
function. Two-variable laws implement ``loss(n_params, n_tokens)``; one-variable laws implement
``__call__(x)``. ``PARAMS`` lists parameter specs that the fitting engine reads.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

from ..errors import InputError

__all__ = ["ParamSpec", "Law", "NDLaw", "as_positive_array", "log_constants", "FORMAT_VERSION", "READABLE_VERSIONS",
           "jsonable"]

#: Version of the saved-fit layout written by ``FitResult.to_dict`` (``format_version``); files without
#: the key (written before it existed, or by hand) are read as version 1. Version 2 adds formula laws
#: (``"law": {"family": "formula", "formula", "variables", "params"}``); version 1 files read unchanged.
#: Kept here rather than in ``saved`` so that writing a fit does not build the reader's pydantic models.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """A parameter's name, bounds, starting grid and whether it is fitted in log space.

    For ``log_scale`` parameters the grid holds log values (the coordinates the fit works in).
    """

    name: str
    lower: float = -np.inf
    upper: float = np.inf
    grid: tuple[float, ...] = ()
    log_scale: bool = False
    description: str = ""


def as_positive_array(value, name: str) -> np.ndarray:
    """Float array of ``value``; an InputError when any entry is non-positive or not finite."""
    array = np.asarray(value, dtype=float)
    bad = ~np.isfinite(array) | (array <= 0)
    if np.any(bad):
        example = float(array[bad].flat[0] if array.ndim else array)
        raise InputError(f"{name} must be positive and finite, got {example:g}")
    return array



def log_constants(*values) -> tuple[float, ...]:
    """The logarithms of a law's scale constants; a zero constant is a term of -inf in log space."""
    with np.errstate(divide="ignore"):
        return tuple(float(v) for v in np.log(values))


class Law:
    """Base of all law families: ``family``, ``PARAMS`` and (de)serialisation."""

    family: ClassVar[str] = ""
    PARAMS: ClassVar[tuple[ParamSpec, ...]] = ()

    def params(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]

    def to_dict(self) -> dict:
        return {"family": self.family, "params": jsonable(self.params())}

    @classmethod
    def from_params(cls, params: dict) -> "Law":
        return cls(**params)

    def formula(self) -> str:
        return (self.__doc__ or "").strip().splitlines()[0]


class NDLaw(Law):
    """A law of loss in parameters N and training tokens D."""

    #: Convention for N (``"non-embedding"`` or ``"total"``), for users comparing laws.
    n_convention: ClassVar[str] = "total"

    def loss(self, n_params, n_tokens):  # pragma: no cover - abstract
        raise NotImplementedError

    def irreducible(self) -> float:
        """The loss floor as N, D -> infinity (0 when the law has none)."""
        return float(getattr(self, "E", 0.0))


def jsonable(value):
    """``value`` with laws as their ``to_dict()`` and numpy scalars as Python numbers, for JSON."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Law):
        return value.to_dict()
    if isinstance(value, np.generic):
        return value.item()
    return value
