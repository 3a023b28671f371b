"""Parse and format human quantities: sizes, money, durations and growth rates.

Sizes use SI-style suffixes as the field writes them: K = 1e3, M = 1e6, B (or G) = 1e9,
T = 1e12, P = 1e15, Q = 1e18 (``70B`` parameters, ``1.4T`` tokens). Money is USD (``$10M``).
Durations accept seconds, minutes, hours, days, weeks, months (30.44 d) and years (365.25 d)
and return seconds. Growth rates have three equivalent forms, converted exactly:

    factor per year g  <->  doubling time T = ln 2 / ln g  <->  OOM per year = log10 g
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import InputError, UnitError
from .options import spelled

__all__ = [
    "parse_quantity",
    "parse_pairs",
    "format_quantity",
    "format_span",
    "parse_money",
    "format_money",
    "parse_duration",
    "format_duration",
    "GrowthRate",
    "parse_growth",
    "SECONDS_PER",
    "kind_of",
    "check_kind",
]

SUFFIXES = {"": 1.0, "K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12, "P": 1e15, "Q": 1e18}
FORMAT_SUFFIXES = [("P", 1e15), ("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)]

SECONDS_PER = {
    "s": 1.0,
    "min": 60.0,
    "h": 3600.0,
    "day": 86400.0,
    "week": 7 * 86400.0,
    "month": 365.25 / 12 * 86400.0,
    "year": 365.25 * 86400.0,
}
_DURATION_ALIASES = {
    "s": "s", "sec": "s", "secs": "s", "second": "s", "seconds": "s",
    "m": "min", "min": "min", "mins": "min", "minute": "min", "minutes": "min",
    "h": "h", "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
    "d": "day", "day": "day", "days": "day",
    "w": "week", "wk": "week", "week": "week", "weeks": "week",
    "mo": "month", "month": "month", "months": "month",
    "y": "year", "yr": "year", "yrs": "year", "year": "year", "years": "year",
}

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_QUANTITY_RE = re.compile(rf"^\s*({_NUMBER})\s*([a-zA-Z]?)\s*$")


def _number_with_suffix(text: str, what: str) -> float:
    match = _QUANTITY_RE.match(text.replace(",", "").replace("_", ""))
    if not match:
        raise UnitError(f"cannot read {what} {text!r}: expected a number with an optional K/M/B/T/P suffix, e.g. 70B or 5.76e23")
    number, suffix = match.groups()
    key = suffix.upper()
    if key not in SUFFIXES:
        raise UnitError(f"cannot read {what} {text!r}: unknown suffix {suffix!r} (use K, M, B, T, P or Q)")
    value = float(number) * SUFFIXES[key]
    if not math.isfinite(value):
        raise UnitError(f"cannot read {what} {text!r}: not a finite number")
    return value


def parse_quantity(value: str | float | int, *, what: str = "quantity") -> float:
    """``'70B'`` -> 7e10, ``'1.4T'`` -> 1.4e12, ``'5.76e23'`` -> 5.76e23; numbers pass through."""
    if isinstance(value, bool):
        raise UnitError(f"cannot read {what} {value!r}: not a number")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise UnitError(f"cannot read {what} {value!r}: not a finite number")
        return float(value)
    return _number_with_suffix(str(value), what)


def parse_pairs(points) -> list[tuple[float, float]]:
    """(N, D) pairs from tuples or ``"70B:1.4T"`` text (``at``)."""
    pairs = []
    for point in points or ():
        if isinstance(point, str):
            parts = point.replace(",", ":").split(":")
            if len(parts) != 2:
                raise InputError(f"{spelled('at')} expects N:D such as 70B:1.4T, got {point!r}")
            point = parts
        if len(point) != 2:
            raise InputError(f"{spelled('at')} expects N:D such as 70B:1.4T, got {point!r}")
        pairs.append((parse_quantity(point[0], what="N"), parse_quantity(point[1], what="D")))
    return pairs


def format_quantity(value: float, digits: int = 3) -> str:
    """7e10 -> '70B', 3e15 -> '3P'; from 1e18 up (and below 1e-3) scientific notation, as FLOP are written."""
    if not math.isfinite(value):
        return str(value)
    magnitude = abs(value)
    if magnitude >= 1e18 or (0 < magnitude < 1e-3):
        return f"{value:.{digits}g}"
    for suffix, scale in FORMAT_SUFFIXES:
        if magnitude >= scale:
            return f"{value / scale:.{digits}g}{suffix}"
    return f"{value:.{digits}g}"


def format_span(value) -> str:
    """One quantity as ``format_quantity`` writes it, or an array's first and last: ``'1.82B..14.6B'``."""
    import numpy as np

    array = np.atleast_1d(np.asarray(value, dtype=float))
    if array.size == 1:
        return format_quantity(float(array[0]))
    return f"{format_quantity(float(array[0]))}..{format_quantity(float(array[-1]))}"


def parse_money(value: str | float | int, *, what: str = "amount") -> float:
    """``'$10M'`` -> 1e7, ``'$2.5B'`` -> 2.5e9 (USD); plain numbers pass through."""
    if isinstance(value, str):
        text = value.strip()
        if text.upper().endswith("USD"):
            text = text[:-3]
        text = text.strip().lstrip("$").strip()
        return parse_quantity(text, what=what) if text else _raise(what, value)
    return parse_quantity(value, what=what)


def _raise(what: str, value: object) -> float:
    raise UnitError(f"cannot read {what} {value!r}: expected e.g. $10M or 2.5e9")


def format_money(value: float, digits: int = 3) -> str:
    """1e7 -> '$10M'."""
    sign = "-" if value < 0 else ""
    return f"{sign}${format_quantity(abs(value), digits)}"


_DURATION_RE = re.compile(rf"^\s*({_NUMBER})\s*([a-zA-Z]+)\s*$")


def parse_duration(value: str | float | int, *, what: str = "duration") -> float:
    """``'21 days'`` -> seconds. A bare number is taken as seconds."""
    if not isinstance(value, str):
        return parse_quantity(value, what=what)
    match = _DURATION_RE.match(value)
    if not match:
        try:
            return parse_quantity(value, what=what)
        except UnitError:
            raise UnitError(f"cannot read {what} {value!r}: expected e.g. '21 days', '6 months' or '90 min'") from None
    number, unit = match.groups()
    key = _DURATION_ALIASES.get(unit.lower())
    if key is None:
        raise UnitError(f"cannot read {what} {value!r}: unknown time unit {unit!r}")
    return float(number) * SECONDS_PER[key]


def format_duration(seconds: float) -> str:
    """Seconds -> the largest unit that keeps the number at least 1 ('20.8 days', '7.2 years')."""
    for unit in ("year", "day", "h", "min"):
        if abs(seconds) >= SECONDS_PER[unit] * (1 if unit != "year" else 2):
            shown = seconds / SECONDS_PER[unit]
            name = {"year": "years", "day": "days", "h": "hours", "min": "min"}[unit]
            return f"{shown:.3g} {name}"
    return f"{seconds:.3g} s"


@dataclass(frozen=True, slots=True)
class GrowthRate:
    """A steady exponential growth rate, stored as the factor per year.

    >>> GrowthRate.from_doubling_years(1.0).factor_per_year
    2.0
    """

    factor_per_year: float

    def __post_init__(self):
        if not (math.isfinite(self.factor_per_year) and self.factor_per_year > 0):
            raise UnitError(f"growth factor must be a positive finite number, got {self.factor_per_year!r}")

    @classmethod
    def from_doubling_years(cls, years: float) -> "GrowthRate":
        """Doubling time T (years; negative = halving) -> factor 2^(1/T)."""
        if years == 0 or not math.isfinite(years):
            raise UnitError(f"doubling time must be a non-zero finite number of years, got {years!r}")
        return cls(2.0 ** (1.0 / years))

    @classmethod
    def from_oom_per_year(cls, oom: float) -> "GrowthRate":
        """Orders of magnitude per year k -> factor 10^k."""
        return cls(10.0 ** oom)

    @property
    def doubling_years(self) -> float:
        """ln 2 / ln g (inf when g = 1, negative when shrinking)."""
        log_g = math.log(self.factor_per_year)
        return math.inf if log_g == 0 else math.log(2.0) / log_g

    @property
    def doubling_months(self) -> float:
        return 12.0 * self.doubling_years

    @property
    def oom_per_year(self) -> float:
        return math.log10(self.factor_per_year)

    @property
    def log_rate(self) -> float:
        """Continuous rate ln g per year."""
        return math.log(self.factor_per_year)

    def over(self, years: float) -> float:
        """Total factor over a span of years: g^years."""
        return self.factor_per_year ** years

    def __str__(self) -> str:
        return format_growth(self)


_GROWTH_FACTOR_RE = re.compile(rf"^\s*({_NUMBER})\s*x\s*(?:/|per)\s*(?:yr|year|y)\s*$", re.I)
_GROWTH_OOM_RE = re.compile(rf"^\s*({_NUMBER})\s*oom\s*(?:/|per)\s*(?:yr|year|y)\s*$", re.I)
_GROWTH_DOUBLING_RE = re.compile(
    rf"^\s*(?:doubling\s*(?:every|time|:)?\s*({_NUMBER})\s*([a-z]+)|({_NUMBER})\s*([a-z]+)\s*doubling(?:\s*time)?)\s*$", re.I
)
_GROWTH_PERCENT_RE = re.compile(rf"^\s*({_NUMBER})\s*%\s*(?:/|per)\s*(?:yr|year|y)\s*$", re.I)


def parse_growth(value: str | float | GrowthRate, *, what: str = "growth rate") -> GrowthRate:
    """Read '4.1x/yr', 'doubling 8 months', '8 months doubling', '0.6 OOM/yr' or '-35%/yr'.

    A bare number is a factor per year.
    """
    if isinstance(value, GrowthRate):
        return value
    if not isinstance(value, str):
        return GrowthRate(parse_quantity(value, what=what))
    text = value.strip()
    try:
        if m := _GROWTH_FACTOR_RE.match(text):
            return GrowthRate(float(m.group(1)))
        if m := _GROWTH_OOM_RE.match(text):
            return GrowthRate.from_oom_per_year(float(m.group(1)))
        if m := _GROWTH_PERCENT_RE.match(text):
            return GrowthRate(1.0 + float(m.group(1)) / 100.0)
        if m := _GROWTH_DOUBLING_RE.match(text):
            number, unit = (m.group(1), m.group(2)) if m.group(1) is not None else (m.group(3), m.group(4))
            key = _DURATION_ALIASES.get(unit.lower())
            if key is None:
                raise UnitError(f"cannot read {what} {value!r}: unknown time unit {unit!r}")
            return GrowthRate.from_doubling_years(float(number) * SECONDS_PER[key] / SECONDS_PER["year"])
        return GrowthRate(parse_quantity(text, what=what))
    except UnitError as error:
        if str(error).startswith(f"cannot read {what}"):
            if "unknown time unit" in str(error):
                raise
        raise UnitError(
            f"cannot read {what} {value!r}: expected e.g. '4.1x/yr', 'doubling 8 months', '0.6 OOM/yr' or '-35%/yr'"
        ) from None


def format_growth(rate: GrowthRate, form: str = "factor", digits: int = 3) -> str:
    """Format as 'factor' ('4.1x/yr'), 'doubling' ('doubling 5.9 months') or 'oom' ('0.61 OOM/yr')."""
    if form == "factor":
        return f"{rate.factor_per_year:.{digits}g}x/yr"
    if form == "doubling":
        months = rate.doubling_months
        if abs(months) < 36:
            return f"doubling {months:.{digits}g} months"
        return f"doubling {rate.doubling_years:.{digits}g} years"
    if form == "oom":
        return f"{rate.oom_per_year:.{digits}g} OOM/yr"
    raise UnitError(f"unknown growth format {form!r}; choose factor, doubling or oom")


# -- kinds: a value written with the units of another kind is an error, not a silent number ---------------
_KIND_NAMES = {"money": "an amount of money such as $100M", "duration": "a duration such as '21 days' or 90",
               "count": "a plain number such as 2048 or 1.4T", "fraction": "a share such as 0.4 or 40%",
               "rate": "a number per unit such as 0.168/kWh or 400W"}
_DURATION_TAIL = re.compile(rf"^\s*{_NUMBER}\s*([a-z]+)\s*$", re.I)
_SHAPES = ("lognormal", "normal", "uniform", "loguniform")


def kind_of(text: str) -> str | None:
    """The kind a piece of text is written in: ``money`` ($, USD), ``duration`` (days, h, weeks, ...),
    ``fraction`` (%), or None for a plain number (with an optional K/M/B/T suffix or another unit)."""
    piece = str(text).strip().lower().replace(",", "").replace("_", "")
    if piece.startswith(("$", "-$", "+$")) or piece.endswith("usd") or piece.startswith("usd"):
        return "money"
    if "%" in piece:
        return "fraction"
    match = _DURATION_TAIL.match(piece)
    if match and match.group(1) in _DURATION_ALIASES and match.group(1) not in ("m", "w"):  # M is million, W watts
        return "duration"
    return None


def _pieces(value: str) -> list[str]:
    words = [w for w in str(value).split() if w.lower() not in _SHAPES]
    return [p for p in re.split(r"\s+to\s+", " ".join(words)) if p.strip()]


def check_kind(value, kind: str, *, what: str, unit: str | None = None):
    """Refuse ``value`` written in another kind's units: ``check_kind("21 days", "money", what="--dollars")``
    is an error. ``kind`` is money, duration, count, fraction or rate. For a ``duration`` with ``unit``
    (``"day"``, ``"h"``), pieces written with a time unit are converted to that unit ("3 weeks" -> "21")
    so the caller reads plain numbers. Non-text values pass through unchanged."""
    if not isinstance(value, str):
        return value
    allowed = {"money": {"money"}, "duration": {"duration"}, "count": set(), "fraction": {"fraction"},
               "rate": {"money", "fraction"}}[kind]
    converted = value
    for piece in _pieces(value):
        found = kind_of(piece)
        if found is not None and found not in allowed:
            raise UnitError(f"{what} {value.strip()!r} is {_KIND_NAMES.get(found, found).split(' such')[0]}; "
                            f"expected {_KIND_NAMES[kind]}")
        if found == "duration" and unit is not None:
            number = parse_duration(piece.strip(), what=what) / SECONDS_PER[unit]
            converted = converted.replace(piece.strip(), repr(number), 1)
    return converted
