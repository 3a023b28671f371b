"""Uncertain inputs, one parser for the whole package: a point, ``lo to hi``, uniform, or a mixture.

``"5 to 50"`` is a lognormal whose central 90% interval is [5, 50] (median sqrt(lo hi) = 15.8):

    ln X ~ Normal(mu, sigma),  mu = (ln lo + ln hi) / 2,  sigma = (ln hi - ln lo) / (2 z),

with z = Phi^-1((1 + ci) / 2) = 1.6449 for ci = 0.9. ``"5 to 50 normal"`` (or ``"normal 5 to 50"``)
is a normal with that central interval (mean (lo + hi) / 2, sd (hi - lo) / (2 z)), truncated to the
quantity's valid range; ``"uniform 5 to 50"`` is flat on [lo, hi] and ``"loguniform 5 to 50"`` flat
in log. A mixture draws each sample from one component chosen with the given weights.

Every value goes through the unit parser of its kind, so ``"$10M to $1B"`` (money), ``"4 to 5x/yr"``
and ``"doubling 5 to 14 months"`` (growth), ``"20% to 40%"`` (fraction) all work. The ``number`` kind
reads the cost model's inputs: K/M/B/T suffixes, ``$``, ``%`` (divided by 100) and the unit words of
:data:`UNIT_WORDS` (``/kWh``, ``W``, ``/yr``, ...), with no bounds of its own (the caller checks them).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np

from .errors import InputError, UnitError
from .units import format_duration, format_money, format_quantity, parse_duration, parse_growth, parse_money, parse_quantity

__all__ = [
    "Distribution", "Point", "LogNormal", "Normal", "Uniform", "LogUniform", "Mixture", "KINDS", "SHAPES",
    "UNIT_WORDS", "Z90", "parse_value", "parse_number", "parse_fraction", "format_value", "z_score",
]

SHAPES = ("lognormal", "normal", "uniform", "loguniform")

#: Phi^-1(0.95): the half-width of a central 90% interval in standard deviations.
Z90 = 1.6448536269514722

#: Unit words that :func:`parse_number` strips after the number (longest match first).
UNIT_WORDS = ("/gpu-hour", "/gpu/hr", "/gpu-hr", "/hour", "/hr", "/h", "/kwh", "kg/kwh", "/year", "/yr", "per year",
              "tco2e", "flop/s", "flops", "flop", "tokens/s", "kw", "w", "usd", "days", "day", "gpus", "x")
_UNIT_WORDS_LONGEST_FIRST = sorted(UNIT_WORDS, key=len, reverse=True)


def z_score(ci: float) -> float:
    """z = Phi^-1((1 + ci) / 2), so that P(|Z| <= z) = ci for a standard normal Z."""
    if ci == 0.9:
        return Z90
    from statistics import NormalDist  # with decimal, fractions and random: a few ms no command needs at start-up

    return NormalDist().inv_cdf(0.5 + ci / 2.0)


def parse_fraction(value, *, what: str = "fraction") -> float:
    """``'40%'`` -> 0.4, ``0.4`` -> 0.4."""
    if isinstance(value, str) and value.strip().endswith("%"):
        return parse_quantity(value.strip()[:-1], what=what) / 100.0
    return parse_quantity(value, what=what)


def parse_number(value, *, what: str = "value") -> float:
    """``'0.4'``, ``'40%'`` (0.4), ``'$2.5M'``, ``'1.4T'``, ``'15,000'``, ``'0.168/kWh'``, ``'400W'``, ``'25%/yr'``."""
    if not isinstance(value, str):
        return parse_quantity(value, what=what)
    text = value.strip().lower().replace(",", "")
    percent = text.endswith("%") or "%/" in text or "% per" in text
    for word in _UNIT_WORDS_LONGEST_FIRST:
        if text.endswith(word) and len(text) > len(word):
            text = text[: -len(word)].strip()
            break
    text = text.replace("%", "").replace("$", "").strip()
    try:
        number = parse_quantity(text, what=what)
    except UnitError:
        raise InputError(f"cannot read {what} {value.strip()!r}: expected a number such as 0.4, 40%, $2M or "
                         f"'0.3 to 0.5'") from None
    return number / 100.0 if percent else number


_FACTOR = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*x\b", re.I)


def _growth(value, *, what: str = "growth rate") -> float:
    try:
        return parse_growth(value, what=what).factor_per_year
    except UnitError:
        match = _FACTOR.match(str(value))
        if match and float(match.group(1)) <= 0:
            raise InputError(f"a growth factor must be positive (write a decline as '-35%/yr' or '0.65x/yr'), got {value!r}") from None
        raise


def format_value(value: float, kind: str) -> str:
    """A number in the units of its kind: $10B, 4.5x/yr, 40%, 21 days, 3e+14 (plain ``:g`` for ``number``)."""
    if kind == "money":
        return format_money(value)
    if kind == "growth":
        return f"{value:.3g}x/yr"
    if kind == "fraction":
        return f"{100 * value:.3g}%"
    if kind == "duration":
        return format_duration(value)
    if kind == "number":
        return f"{value:g}"
    return format_quantity(value)


#: kind -> (parser to a float, lower bound (exclusive), upper bound (inclusive), unit shown)
KINDS: dict[str, tuple[Callable, float, float, str]] = {
    "money": (parse_money, 0.0, math.inf, "USD"),
    "quantity": (parse_quantity, 0.0, math.inf, ""),
    "fraction": (parse_fraction, 0.0, 1.0, ""),
    "growth": (_growth, 0.0, math.inf, "x/yr"),
    "duration": (parse_duration, 0.0, math.inf, "s"),
    "number": (parse_number, -math.inf, math.inf, ""),
}


class Distribution:
    """Base class: ``sample(rng, n)`` gives a float (points) or an array of n draws."""

    kind: str

    def sample(self, rng: np.random.Generator, n: int):
        raise NotImplementedError

    @property
    def is_point(self) -> bool:
        return False

    @property
    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value written (a point's value twice; the ends of an interval)."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


def _bounded(kind: str, draws: np.ndarray, redraw: Callable[[int], np.ndarray]) -> np.ndarray:
    """Redraw values outside (lower, upper] (a truncated distribution); clip what is left after 50 rounds."""
    _, lower, upper, _ = KINDS[kind]
    for _ in range(50):
        bad = ~((draws > lower) & (draws <= upper))
        if not bad.any():
            return draws
        draws[bad] = redraw(int(bad.sum()))
    tiny = np.nextafter(lower, math.inf) if lower == 0 else lower
    return np.clip(draws, tiny, upper)


@dataclass(frozen=True)
class Point(Distribution):
    value: float
    kind: str = "quantity"

    def sample(self, rng, n):
        return float(self.value)

    @property
    def is_point(self) -> bool:
        return True

    @property
    def median(self) -> float:
        return float(self.value)

    @property
    def bounds(self) -> tuple[float, float]:
        return float(self.value), float(self.value)

    def describe(self) -> str:
        return format_value(self.value, self.kind)

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class _Interval(Distribution):
    """A distribution described by an interval [lo, hi]; ``str()`` gives it back as it is written."""

    lo: float
    hi: float
    shape: ClassVar[str] = ""

    def __post_init__(self):
        if not (math.isfinite(self.lo) and math.isfinite(self.hi)):
            raise InputError(f"a range must be finite, got {self.lo!r} to {self.hi!r}")
        if self.lo > self.hi:
            raise InputError(f"lo > hi in {self.lo:g} to {self.hi:g}: write the smaller value first")
        if self.shape in ("lognormal", "loguniform") and self.lo <= 0:
            raise InputError(f"a {self.shape} range needs lo > 0, got {self.lo:g} to {self.hi:g} "
                             f"(use 'uniform lo to hi')")
        if not (0 < getattr(self, "ci", 0.9) < 1):
            raise InputError(f"ci must be between 0 and 1 (e.g. 0.9), got {self.ci!r}")

    @property
    def bounds(self) -> tuple[float, float]:
        return float(self.lo), float(self.hi)

    def describe(self) -> str:
        """``'$10B to $100B (lognormal, 90% CI)'``."""
        ci = getattr(self, "ci", None)
        name = self.shape if ci is None else f"{self.shape}, {ci:.0%} CI"
        return f"{format_value(self.lo, self.kind)} to {format_value(self.hi, self.kind)} ({name})"

    def __str__(self) -> str:
        prefix = "" if self.shape == "lognormal" else f"{self.shape} "
        ci = getattr(self, "ci", 0.9)
        suffix = "" if ci == 0.9 else f" ({ci:.0%} CI)"
        return f"{prefix}{format_value(self.lo, self.kind)} to {format_value(self.hi, self.kind)}{suffix}"


@dataclass(frozen=True)
class LogNormal(_Interval):
    """ln X ~ N(mu, sigma) with P(lo <= X <= hi) = ci."""

    ci: float = 0.9
    kind: str = "quantity"
    shape: ClassVar[str] = "lognormal"

    @property
    def z(self) -> float:
        return z_score(self.ci)

    @property
    def mu(self) -> float:
        return 0.5 * (math.log(self.lo) + math.log(self.hi))

    @property
    def sigma(self) -> float:
        return (math.log(self.hi) - math.log(self.lo)) / (2.0 * self.z)

    @property
    def median(self) -> float:
        return math.exp(self.mu)

    def sample(self, rng, n):
        out = np.exp(rng.normal(self.mu, self.sigma, n))
        return _bounded(self.kind, out, lambda k: np.exp(rng.normal(self.mu, self.sigma, k))) if self.kind == "fraction" else out


@dataclass(frozen=True)
class Normal(_Interval):
    """X ~ N(mean, sd) with P(lo <= X <= hi) = ci, truncated to the kind's valid range."""

    ci: float = 0.9
    kind: str = "quantity"
    shape: ClassVar[str] = "normal"

    @property
    def mean(self) -> float:
        return 0.5 * (self.lo + self.hi)

    @property
    def sd(self) -> float:
        return (self.hi - self.lo) / (2.0 * z_score(self.ci))

    @property
    def median(self) -> float:
        return self.mean

    def sample(self, rng, n):
        return _bounded(self.kind, rng.normal(self.mean, self.sd, n), lambda k: rng.normal(self.mean, self.sd, k))


@dataclass(frozen=True)
class Uniform(_Interval):
    """X uniform on [lo, hi]."""

    kind: str = "quantity"
    shape: ClassVar[str] = "uniform"

    @property
    def median(self) -> float:
        return 0.5 * (self.lo + self.hi)

    def sample(self, rng, n):
        return rng.uniform(self.lo, self.hi, n)


@dataclass(frozen=True)
class LogUniform(_Interval):
    """ln X uniform on [ln lo, ln hi]: every order of magnitude in the range equally likely."""

    kind: str = "quantity"
    shape: ClassVar[str] = "loguniform"

    @property
    def median(self) -> float:
        return math.sqrt(self.lo * self.hi)

    def sample(self, rng, n):
        return np.exp(rng.uniform(math.log(self.lo), math.log(self.hi), n))


@dataclass(frozen=True)
class Mixture(Distribution):
    """Each draw comes from component i with probability weight_i / sum(weights)."""

    weights: tuple[float, ...]
    components: tuple[Distribution, ...]
    kind: str = "quantity"

    def sample(self, rng, n):
        p = np.asarray(self.weights, dtype=float)
        choice = rng.choice(len(p), size=n, p=p / p.sum())
        out = np.empty(n)
        for i, component in enumerate(self.components):
            draws = component.sample(rng, n)
            mask = choice == i
            out[mask] = draws[mask] if np.ndim(draws) else draws
        return out

    @property
    def bounds(self) -> tuple[float, float]:
        ends = [c.bounds for c in self.components]
        return min(lo for lo, _ in ends), max(hi for _, hi in ends)

    def describe(self) -> str:
        total = sum(self.weights)
        return " | ".join(f"{w / total:.0%}: {c.describe()}" for w, c in zip(self.weights, self.components))

    __str__ = describe


_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_PARTS = re.compile(rf"^(?P<prefix>[^\d+.-]*?)\s*(?P<number>{_NUM})\s*(?P<suffix>.*?)$")
_SHAPE_CLASSES = {"lognormal": LogNormal, "normal": Normal, "uniform": Uniform, "loguniform": LogUniform}


def _split_affixes(text: str) -> tuple[str, str, str] | None:
    match = _PARTS.match(text.strip())
    return None if match is None else (match["prefix"].strip(), match["number"], match["suffix"].strip())


def _complete(left: str, right: str) -> tuple[str, str]:
    """'4 to 5x/yr' -> ('4x/yr', '5x/yr'); '$10 to 100B' -> ('$10B', '$100B'); 'doubling 5 to 14 months'."""
    a, b = _split_affixes(left), _split_affixes(right)
    if a is None or b is None:
        return left, right
    return f"{a[0] or b[0]} {a[1]}{a[2] or b[2]}".strip(), f"{b[0] or a[0]} {b[1]}{b[2] or a[2]}".strip()


def parse_value(value, kind: str = "number", *, shape: str | None = None, ci: float = 0.9,
                what: str | None = None) -> Distribution:
    """A point or ``lo to hi`` string/number of ``kind`` (money, quantity, fraction, growth, duration, number).

    A leading or trailing ``lognormal``/``normal``/``uniform``/``loguniform`` (or ``shape``) picks the
    distribution; the default for an interval is lognormal with ``ci`` of the mass inside it. A
    :class:`Distribution` passes through. ``what`` names the input in error messages.
    """
    if isinstance(value, Distribution):
        return value
    if kind not in KINDS:
        raise InputError(f"unknown value kind {kind!r}; choose from {', '.join(KINDS)}")
    if not (0 < ci < 1):
        raise InputError(f"ci must be between 0 and 1 (e.g. 0.9), got {ci!r}")
    named = {"what": what} if what else {}
    parser = KINDS[kind][0]
    if isinstance(value, bool):
        raise _fail(what, f"cannot read {value!r} as a number", UnitError)
    if not isinstance(value, str):
        return _checked_point(parser(value, **named), kind, what)
    text = " ".join(value.split())
    words = text.lower().split(" ")
    if words[0] in SHAPES:
        shape, text = shape or words[0], text.split(" ", 1)[1] if " " in text else ""
    elif words[-1] in SHAPES and len(words) > 1:
        shape, text = shape or words[-1], text.rsplit(" ", 1)[0]
    pieces = re.split(r"\s+to\s+", text)
    if len(pieces) == 1:
        if shape not in (None, "lognormal") and shape:
            raise _fail(what, f"a {shape} distribution needs 'lo to hi', got {value!r}")
        return _checked_point(parser(text, **named), kind, what)
    if len(pieces) != 2:
        raise _fail(what, f"cannot read {value!r}: expected 'lo to hi'", UnitError)
    left, right = _complete(*pieces)
    lo, hi = parser(left, **named), parser(right, **named)
    if kind == "growth" and "doubling" in text.lower():
        lo, hi = hi, lo  # the longer doubling time (written second) is the smaller factor
    if lo > hi:
        raise _fail(what, f"lo > hi in {value!r}: write the smaller value first")
    for bound in (lo, hi):
        _checked_point(bound, kind, what)
    if lo == hi:
        return Point(lo, kind)
    cls = _SHAPE_CLASSES[shape or "lognormal"]
    try:
        return cls(lo, hi, ci, kind) if cls in (LogNormal, Normal) else cls(lo, hi, kind)
    except InputError as error:
        raise _fail(what, str(error)) from None


def _fail(what: str | None, message: str, error: type = InputError) -> Exception:
    return error(f"{what}: {message}" if what else message)


def _checked_point(number: float, kind: str, what: str | None = None) -> Point:
    _, lower, upper, _ = KINDS[kind]
    if not (lower < number <= upper):
        if kind == "growth":
            raise _fail(what, f"a growth factor must be positive, got {number:.4g}")
        if kind == "fraction":
            raise _fail(what, f"a fraction must be in (0, 1], got {number:.4g}")
        raise _fail(what, f"must be positive, got {number:.4g}")
    return Point(float(number), kind)
