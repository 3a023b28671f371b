"""One-variable power laws and the broken neural scaling law."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import InputError
from .base import Law, ParamSpec, as_positive_array

__all__ = ["PowerLaw", "SaturatingPowerLaw", "BrokenPowerLaw"]


@dataclass(frozen=True, slots=True)
class PowerLaw(Law):
    """L(X) = c X^(-a)  (Kaplan et al. 2020, eq. 1.1-1.3 form)."""

    c: float
    a: float

    family: ClassVar[str] = "power"
    PARAMS: ClassVar[tuple[ParamSpec, ...]] = (
        ParamSpec("c", 0.0, np.inf, (-5.0, 0.0, 5.0, 10.0), True, "scale"),
        ParamSpec("a", -5.0, 5.0, (0.05, 0.2, 0.5, 1.0), False, "exponent"),
    )

    def __call__(self, x):
        return self.c * as_positive_array(x, "x") ** (-self.a)

    def inverse(self, y):
        """X such that c X^(-a) = y."""
        return (as_positive_array(y, "y") / self.c) ** (-1.0 / self.a)


@dataclass(frozen=True, slots=True)
class SaturatingPowerLaw(Law):
    """L(X) = E + A X^(-a): a power law approaching the floor E (Hoffmann et al. 2022, eq. 2 in one variable)."""

    E: float
    A: float
    a: float

    family: ClassVar[str] = "saturating-power"
    PARAMS: ClassVar[tuple[ParamSpec, ...]] = (
        ParamSpec("E", 0.0, np.inf, (-1.0, 0.0, 0.5, 1.0), True, "floor"),
        ParamSpec("A", 0.0, np.inf, (0.0, 5.0, 10.0, 20.0), True, "scale"),
        ParamSpec("a", 0.0, 5.0, (0.05, 0.2, 0.5, 1.0), False, "exponent"),
    )

    def __call__(self, x):
        return self.E + self.A * as_positive_array(x, "x") ** (-self.a)

    def inverse(self, y):
        """X such that E + A X^(-a) = y; needs y > E."""
        gap = np.asarray(y, dtype=float) - self.E
        if np.any(gap <= 0):
            raise InputError(f"target {np.min(y)!r} is at or below the floor E = {self.E:.4g}")
        return (gap / self.A) ** (-1.0 / self.a)


@dataclass(frozen=True, slots=True)
class BrokenPowerLaw(Law):
    """y = a + b x^(-c0) prod_i (1 + (x / d_i)^(1/f_i))^(-c_i f_i)  (Caballero et al. 2023, eq. 1).

    Any number of breaks; ``c``, ``d``, ``f`` are tuples of equal length (one entry per break).
    With no breaks it is the saturating power law a + b x^(-c0).
    """

    a: float
    b: float
    c0: float
    c: tuple[float, ...] = ()
    d: tuple[float, ...] = ()
    f: tuple[float, ...] = ()

    family: ClassVar[str] = "broken-power"

    def __post_init__(self):
        object.__setattr__(self, "c", tuple(float(v) for v in self.c))
        object.__setattr__(self, "d", tuple(float(v) for v in self.d))
        object.__setattr__(self, "f", tuple(float(v) for v in self.f))
        if not len(self.c) == len(self.d) == len(self.f):
            raise InputError(
                f"broken power law needs one c, d and f per break, got {len(self.c)}, {len(self.d)}, {len(self.f)}"
            )
        if any(v <= 0 for v in self.d + self.f):
            raise InputError("broken power law break locations d_i and sharpnesses f_i must be positive")

    @property
    def n_breaks(self) -> int:
        return len(self.c)

    def __call__(self, x):
        x = as_positive_array(x, "x")
        y = self.b * x ** (-self.c0)
        for c_i, d_i, f_i in zip(self.c, self.d, self.f):
            y = y * (1.0 + (x / d_i) ** (1.0 / f_i)) ** (-c_i * f_i)
        return self.a + y

    def local_exponent(self, x):
        """-d log(y - a) / d log x: c0 plus each break's exponent, switched on past d_i."""
        x = as_positive_array(x, "x")
        slope = np.full_like(x, self.c0, dtype=float)
        for c_i, d_i, f_i in zip(self.c, self.d, self.f):
            r = (x / d_i) ** (1.0 / f_i)
            slope = slope + c_i * r / (1.0 + r)
        return slope
