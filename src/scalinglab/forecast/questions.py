"""Milestones asked as questions: ``"spending >= $10B"``, ``"loss <= 1.9"``, ``"dataset >= 1e15"``.

A question names a series of the forecast (any quantity in ``result.QUANTITIES``), a comparison
(``>=``/``>`` for "reaches", ``<=``/``<`` for "falls to") and a threshold in the series' units ($ for
money, plain numbers with SI suffixes for quantities). Its answer is the distribution of the first year
the largest run meets it, like the preset milestones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError, UnknownNameError
from ..options import spelled
from .milestones import crossing_years

__all__ = ["Question", "MilestoneError", "parse_milestone"]


class MilestoneError(InputError):
    """A milestone question that cannot be answered: bad syntax, unknown series, bad threshold."""

_PATTERN = re.compile(r"^\s*([A-Za-z_ ]+?)\s*(>=|<=|>|<)\s*(\S.*?)\s*$")


@dataclass(frozen=True)
class Question:
    """When does ``series`` first reach (``rising``) or fall to a threshold? ``parameter``: the one that asked
    it (``milestones`` of a forecast, ``milestone`` of a sensitivity), named in messages as the caller spells it."""

    series: str
    op: str
    threshold: float
    label: str
    parameter: str = field(default="milestones", compare=False)

    @property
    def rising(self) -> bool:
        return self.op.startswith(">")

    def check(self, levels: dict[str, np.ndarray], scenario: str = "the scenario") -> None:
        """Raise MilestoneError unless the forecast has the question's series."""
        if self.series not in levels:
            known = ", ".join(q for q in _quantities() if q in levels)
            raise MilestoneError(f"{spelled(self.parameter)} {self.label!r}: {scenario} has no series {self.series!r} "
                                 f"(it has: {known})")

    def years(self, levels: dict[str, np.ndarray], years: np.ndarray, scenario: str = "the scenario") -> np.ndarray:
        """First (fractional) year each sample meets the question; +inf if never."""
        self.check(levels, scenario)
        level, threshold = levels[self.series], np.log10(self.threshold)
        if self.rising:
            return crossing_years(level, threshold, years)
        return crossing_years(-np.asarray(level), -threshold, years)


def _quantities() -> dict:
    from .result import QUANTITIES

    return QUANTITIES


def parse_milestone(text, parameter: str = "milestones") -> Question:
    """``"SERIES OP VALUE"`` -> Question; one-line errors for an unknown series, operator or value, naming
    ``parameter`` (the one that asked it) as the caller spells it."""
    if isinstance(text, Question):
        return text
    from ..distributions import KINDS, format_value

    asked = f"{spelled(parameter)} {text!r}"
    match = _PATTERN.match(str(text))
    if not match:
        raise MilestoneError(f"{asked}: write SERIES OP VALUE, e.g. 'spending >= $10B' or 'loss <= 1.9'")
    name, op, raw = match.groups()
    name = name.strip().replace(" ", "_").lower()
    quantities = _quantities()
    if name not in quantities:
        raise MilestoneError(f"{asked}: {UnknownNameError('series', name, quantities)}")
    unit, kind, _ = quantities[name]
    try:
        value = float(KINDS[kind][0](raw))
    except (InputError, ValueError) as error:
        raise MilestoneError(f"{asked}: {error}") from None
    if not (np.isfinite(value) and value > 0):
        raise MilestoneError(f"{asked}: the threshold must be a positive number, got {raw!r}")
    number = f"{value:.3g}".replace("e+", "e") if kind == "quantity" and not 1e-3 <= value < 1e21 else format_value(value, kind)
    shown = number + (f" {unit}" if unit and kind != "money" else "")
    return Question(name, op, value, f"{name} {op} {shown}", parameter)
