"""One-variable power laws and the broken neural scaling law.

Each formula is written once, in log form and in the coordinates the fit works in (log-scale
parameters as their logarithms, the input as log x): parameters are (K, 1) columns (or numbers)
broadcast against (n,) inputs, and each law evaluates the exponential of its formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import InputError
from .base import Law, ParamSpec, as_positive_array, log_constants

__all__ = ["PowerLaw", "SaturatingPowerLaw", "BrokenPowerLaw", "power_log", "power_log_jacobian",
           "saturating_power_log", "saturating_power_log_jacobian", "broken_power_log"]


def power_log(log_c, a, log_x):
    """log L = log c - a log x."""
    return log_c - a * log_x


def power_log_jacobian(log_c, a, log_x):
    """d log L / d (log c, a) as (K, n, 2): (1, -log x)."""
    log_x = np.broadcast_to(log_x, np.broadcast_shapes(np.shape(log_c), np.shape(log_x)))
    return np.stack([np.ones_like(log_x), -log_x], axis=-1)


def saturating_power_log(log_e, log_a, a, log_x):
    """log L = LSE(log E, log A - a log x)."""
    return np.logaddexp(log_e, log_a - a * log_x)


def saturating_power_log_jacobian(log_e, log_a, a, log_x):
    """d log L / d (log E, log A, a) as (K, n, 3): the softmax weights (p_E, p_A, -p_A log x)."""
    t = log_a - a * log_x
    s = np.logaddexp(log_e, t)
    p_a = np.exp(t - s)
    return np.stack(np.broadcast_arrays(np.exp(log_e - s), p_a, -p_a * log_x), axis=-1)


def broken_power_log(log_a, log_b, c0, breaks, log_x):
    """log y = LSE(log a, log b - c0 log x - sum_i c_i f_i softplus((log x - log d_i) / f_i)), the broken power
    law of Caballero et al. 2023 (eq. 1) in log form; ``breaks`` holds (c_i, log d_i, log f_i) per break."""
    out = log_b - c0 * log_x
    for c, log_d, log_f in breaks:
        f = np.exp(log_f)
        out = out - c * f * np.logaddexp(0.0, (log_x - log_d) / f)
    return np.logaddexp(log_a, out)


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
        return np.exp(power_log(*log_constants(self.c), self.a, np.log(as_positive_array(x, "x"))))

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
        return np.exp(saturating_power_log(*log_constants(self.E, self.A), self.a, np.log(as_positive_array(x, "x"))))

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
        if not (self.a >= 0 and self.b >= 0):
            raise InputError(f"broken power law floor a and scale b must be non-negative, "
                             f"got a={self.a:g}, b={self.b:g}")

    @property
    def n_breaks(self) -> int:
        return len(self.c)

    def __call__(self, x):
        breaks = [(c_i, np.log(d_i), np.log(f_i)) for c_i, d_i, f_i in zip(self.c, self.d, self.f)]
        return np.exp(broken_power_log(*log_constants(self.a, self.b), self.c0, breaks, np.log(as_positive_array(x, "x"))))

    def local_exponent(self, x):
        """-d log(y - a) / d log x: c0 plus each break's exponent, switched on past d_i."""
        x = as_positive_array(x, "x")
        slope = np.full_like(x, self.c0, dtype=float)
        for c_i, d_i, f_i in zip(self.c, self.d, self.f):
            r = (x / d_i) ** (1.0 / f_i)
            slope = slope + c_i * r / (1.0 + r)
        return slope
