"""Ranges for cost inputs: ``"0.3 to 0.5"`` is a lognormal whose 90% interval is [0.3, 0.5].

A deliberately small parser for the cost and budget estimates (the forecast package has its own,
richer distributions). A value is a plain number or an :class:`InputRange`:

* ``"lo to hi"`` or ``"lognormal lo to hi"``: ln X ~ Normal(mu, sigma) with
  mu = (ln lo + ln hi) / 2 and sigma = (ln hi - ln lo) / (2 z), z = 1.6449 (the 95th percentile of
  the standard normal), so P(lo <= X <= hi) = 0.9;
* ``"uniform lo to hi"``: X ~ Uniform(lo, hi);
* ``"normal lo to hi"``: the normal with that 90% interval.

Numbers may carry units the cost model understands: K/M/B/T suffixes, ``$``, ``%`` (divided by 100),
and the unit words listed in :data:`UNIT_WORDS` (``/kWh``, ``W``, ``/yr``, ...), which are stripped.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..errors import InputError, UnitError
from ..units import parse_quantity

__all__ = ["InputRange", "parse_value", "is_range", "sample", "Z90", "UNIT_WORDS"]

Z90 = 1.6448536269514722
KINDS = ("lognormal", "uniform", "normal")
UNIT_WORDS = ("/gpu-hour", "/gpu/hr", "/gpu-hr", "/hour", "/hr", "/h", "/kwh", "kg/kwh", "/year", "/yr", "per year",
              "tco2e", "flop/s", "flops", "flop", "tokens/s", "kw", "w", "usd", "days", "day", "gpus", "x")
_RANGE_RE = re.compile(r"^\s*(?:(lognormal|uniform|normal)\s+)?(.+?)\s+to\s+(.+?)\s*$", re.I)


@dataclass(frozen=True, slots=True)
class InputRange:
    """An uncertain input: ``lo`` and ``hi`` bound its central 90% (lognormal, normal) or its support
    (uniform)."""

    lo: float
    hi: float
    kind: str = "lognormal"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise InputError(f"unknown range kind {self.kind!r}; choose from {', '.join(KINDS)}")
        if not (math.isfinite(self.lo) and math.isfinite(self.hi)):
            raise InputError(f"range {self.lo!r} to {self.hi!r} must be finite")
        if self.lo > self.hi:
            raise InputError(f"range {self.lo:g} to {self.hi:g} has lo > hi")
        if self.kind == "lognormal" and self.lo <= 0:
            raise InputError(f"lognormal range {self.lo:g} to {self.hi:g} needs lo > 0 (use 'uniform lo to hi')")

    @property
    def median(self) -> float:
        if self.kind == "lognormal":
            return math.sqrt(self.lo * self.hi)
        return (self.lo + self.hi) / 2

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.kind == "uniform":
            return rng.uniform(self.lo, self.hi, n)
        if self.kind == "normal":
            return rng.normal(self.median, (self.hi - self.lo) / (2 * Z90), n)
        mu = (math.log(self.lo) + math.log(self.hi)) / 2
        return np.exp(rng.normal(mu, (math.log(self.hi) - math.log(self.lo)) / (2 * Z90), n))

    def __str__(self) -> str:
        prefix = "" if self.kind == "lognormal" else f"{self.kind} "
        return f"{prefix}{self.lo:g} to {self.hi:g}"


def _number(text: str, what: str) -> float:
    t = text.strip().lower().replace(",", "")
    percent = t.endswith("%") or "%/" in t or "% per" in t
    for word in sorted(UNIT_WORDS, key=len, reverse=True):
        if t.endswith(word) and len(t) > len(word):
            t = t[: -len(word)].strip()
            break
    t = t.replace("%", "").replace("$", "").strip()
    try:
        value = parse_quantity(t, what=what)
    except UnitError:
        raise InputError(f"cannot read {what} {text.strip()!r}: expected a number such as 0.4, 40%, $2M or "
                         f"'0.3 to 0.5'") from None
    return value / 100.0 if percent else value


def parse_value(value, *, what: str = "value") -> float | InputRange:
    """A number, an :class:`InputRange`, or text: ``'40%'``, ``'$2.5M'``, ``'0.3 to 0.5'``."""
    if value is None or isinstance(value, InputRange):
        return value
    if isinstance(value, bool):
        raise InputError(f"{what} must be a number, got {value!r}")
    if isinstance(value, (int, float, np.integer, np.floating)):
        if not math.isfinite(value):
            raise InputError(f"{what} must be finite, got {value!r}")
        return float(value)
    text = str(value)
    match = _RANGE_RE.match(text)
    if match:
        kind, lo, hi = match.groups()
        lo_v, hi_v = _number(lo, what), _number(hi, what)
        if lo_v > hi_v:
            raise InputError(f"{what} range {text.strip()!r} has lo > hi")
        try:
            return InputRange(lo_v, hi_v, (kind or "lognormal").lower())
        except InputError as error:
            raise InputError(f"{what}: {error}") from None
    return _number(text, what)


def is_range(value) -> bool:
    return isinstance(value, InputRange)


def sample(value, n: int, rng: np.random.Generator):
    """``n`` draws of a range, or the number itself (broadcast by numpy)."""
    return value.sample(n, rng) if isinstance(value, InputRange) else value
