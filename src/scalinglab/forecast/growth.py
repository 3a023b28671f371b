"""Growth by eras, saturation and ceilings, evaluated on a grid of years for all samples at once.

Levels are kept as log10 arrays of shape (years, samples) (or (years, 1) when nothing in them is
uncertain). The run of year y is the level at grid point y; an era ``{from: A, until: B}`` with
rate g contributes log10 g to each step y -> y + 1 with A <= y < B, so it multiplies the level
g^(B - A) between year A and year B. After ``saturate.after`` = Y the log rate of step y -> y + 1 is
scaled by 2^(-(y - Y) / h) (half-life h years), so the level approaches L_Y g^(1 / (1 - 2^(-1/h)))
instead of growing without end. A cap clips the level: L = min(L_uncapped, cap). A factor without
growth stays one row (1, samples) until it meets one that changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..units import SECONDS_PER
from .schema import Scenario, ScenarioError, Series

__all__ = ["Grid", "Piece", "Draws", "series_piece", "IDENTITY_FACTORS"]

#: factors tied by compute = spending x FLOP/$ x utilisation, whose missing growth or start is derived.
IDENTITY_FACTORS = ("spending", "flop_per_dollar", "cost_per_flop", "compute")


@dataclass(frozen=True)
class Grid:
    """Whole years ``first .. last``; the reported years start at ``report_from``."""

    first: int
    last: int
    report_from: int

    @property
    def years(self) -> np.ndarray:
        return np.arange(self.first, self.last + 1)

    @property
    def size(self) -> int:
        return self.last - self.first + 1

    def index(self, year: int) -> int:
        return int(year) - self.first


class Draws:
    """The sampled value of every sourced number of a scenario, drawn once in schema order.

    One generator feeds every input, so a sample index is one joint world shared by all factors and
    the same seed gives the same draws. Uncertain values come back as a row (1, n), points as floats.
    """

    def __init__(self, scenario: Scenario, rng: np.random.Generator, n: int):
        from .schema import iter_numbers

        self.n = n
        self._values: dict[tuple[int, str], float | np.ndarray] = {}
        for _, number in iter_numbers(scenario):
            for field in number.VALUE_FIELDS:
                if getattr(number, field, None) is None:
                    continue
                draw = number.distribution(field).sample(rng, n)
                key = (id(number), field)
                self._values[key] = draw if np.ndim(draw) == 0 else np.asarray(draw, dtype=float)[None, :]

    def __call__(self, number, field: str | None = None):
        return self._values[(id(number), field or number.VALUE_FIELDS[0])]

    def replace(self, number, field: str, values: np.ndarray) -> None:
        """Put reordered draws of one input back (the copula pairs inputs' values across samples)."""
        key = (id(number), field)
        self._values[key] = np.asarray(values, dtype=float).reshape(np.shape(self._values[key]))

    def log10(self, number, field: str | None = None):
        return np.log10(self(number, field))


@dataclass
class Piece:
    """What a scenario says about one factor: cumulative log10 growth over the grid and/or a start."""

    name: str
    cum: np.ndarray | None  # (years, n|1), zero at the grid's first year
    start: tuple[np.ndarray | float, int] | None  # (log10 value, year)
    cap: np.ndarray | float | None = None  # log10 ceiling, broadcastable to (years, n)

    def level(self, grid: Grid, *, in_place: bool = False) -> np.ndarray:
        """log10 level over the grid (uncapped); (1, n|1) when the factor has no growth.

        ``in_place``: the growth array becomes the level (no copy); for a piece that is not used again.
        """
        log_start, year = self.start
        if self.cum is None:
            return np.atleast_2d(np.asarray(log_start, dtype=float))
        anchor = self.cum[grid.index(year)]
        if np.ndim(log_start) and np.shape(log_start)[-1] > self.cum.shape[1]:
            return self.cum - anchor + log_start
        shifted = anchor.any() or np.signbit(anchor).any()  # x - (+0.0) is x: no pass for a zero anchor
        if not in_place:
            if not shifted:
                return self.cum + log_start
            out = self.cum - anchor
        else:
            out = self.cum
            if shifted:
                out -= anchor  # numpy reads the anchor row as if copied first
        out += log_start
        return out


def _era_bounds(series: Series, name: str, grid: Grid, needed_from: int) -> None:
    eras = series.growth or []
    first, last = eras[0], eras[-1]
    if first.from_ is not None and first.from_ > needed_from:
        raise ScenarioError(f"factors.{name}.growth[0].from: growth starts in {first.from_} but the forecast needs it "
                            f"from {needed_from} (add an earlier era or leave 'from' out)")
    if last.until is not None and last.until < grid.last:
        raise ScenarioError(f"factors.{name}.growth[{len(eras) - 1}].until: growth ends in {last.until} but the forecast "
                            f"runs to {grid.last} (add a later era or leave 'until' out)")


def cumulative_growth(series: Series, grid: Grid, draws: Draws) -> np.ndarray:
    """Cumulative log10 growth from the grid's first year (shape (years, n|1)), saturation applied.

    Step y -> y + 1 adds log10 g of the era with from <= y < until, times 2^(-(y - after) / h) once
    saturation has started. Built row by row, which keeps every pass over memory contiguous.
    """
    rates = [(era.from_, era.until, draws.log10(era)) for era in series.growth]
    fade, weight = None, 1.0
    if series.saturate is not None:  # weight 2^(-(y - after) / h), updated by the factor 2^(-1/h) each year
        fade = np.ravel(2.0 ** (-SECONDS_PER["year"] / draws(series.saturate.half_life)))
    width = max([np.size(r) for _, _, r in rates] + [1 if fade is None else fade.size])
    out = np.empty((grid.size, width))
    out[0] = 0.0
    for i, year in enumerate(grid.years[:-1]):
        # steps before the years a factor is needed may lie outside its eras: they never reach a result
        rate = next((r for lo, hi, r in rates if (lo is None or lo <= year) and (hi is None or year < hi)), 0.0)
        rate = np.ravel(rate)
        if fade is not None and year > series.saturate.after:
            weight = weight * fade
            rate = rate * weight
        np.add(out[i], rate, out=out[i + 1])
    return out


def series_piece(name: str, series: Series | None, grid: Grid, draws: Draws, gdp: np.ndarray | None = None) -> Piece:
    """The cumulative growth, start and cap of one factor as given (any of them may be missing)."""
    if series is None:
        return Piece(name, None, None)
    cum = None
    if series.growth:
        needed_from = min(series.start.year or grid.report_from, grid.report_from) if series.start else grid.report_from
        _era_bounds(series, name, grid, needed_from)
        cum = cumulative_growth(series, grid, draws)
    start = None
    if series.start is not None:
        year = series.start.year if series.start.year is not None else grid.report_from
        start = (draws.log10(series.start), year)
    cap = None
    if series.cap is not None and not series.cap.none:
        if series.cap.value is not None:
            cap = draws.log10(series.cap, "value")
        else:
            cap = draws.log10(series.cap, "share_of_gdp") + gdp
    return Piece(name, cum, start, cap)
