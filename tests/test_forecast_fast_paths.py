"""The forecast's shortcuts give the same numbers, to the bit, as the plain arithmetic they replace.

Each shortcut (crossings without a full-size difference, percentiles that check only candidate rows for
being constant, levels built in place, milestone years worked out when first read) is compared with the
straightforward formula written out here.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scalinglab.forecast import get_scenario, run_forecast
from scalinglab.forecast.growth import Grid, Piece
from scalinglab.forecast.milestones import Milestones, crossing_years
from scalinglab.forecast.montecarlo import _LOG10_MAX, _within_range
from scalinglab.forecast.result import PERCENTILES, percentile_rows


def crossing_years_by_difference(log_level, log_threshold, years):
    """First year with level - threshold >= 0 over the full (years, samples) difference, interpolated."""
    d = np.broadcast_to(np.atleast_2d(log_level) - np.atleast_2d(log_threshold), (len(years), max(
        np.atleast_2d(log_level).shape[1], np.atleast_2d(log_threshold).shape[1])))
    rows, width = d.shape
    above = d >= 0
    first = np.where(above.any(axis=0), above.argmax(axis=0), rows)
    now = np.minimum(first, rows - 1)
    before = np.maximum(now - 1, 0)
    cols = np.arange(width)
    years = np.asarray(years, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = years[before] - d[before, cols] / (d[now, cols] - d[before, cols])
    out[first == 0] = years[0]
    out[first == rows] = np.inf
    return out


_values = st.floats(-400, 400) | st.sampled_from([np.inf, -np.inf, np.nan, 0.0, -0.0])


@settings(max_examples=200, deadline=None)
@given(level=hnp.arrays(float, st.tuples(st.integers(1, 6), st.integers(1, 5)), elements=_values),
       threshold=_values, per_sample=st.booleans(), one_row=st.booleans())
def test_crossing_years_equal_the_full_difference(level, threshold, per_sample, one_row):
    rows, width = level.shape
    years = np.arange(2030, 2030 + rows)
    level = level[:1] if one_row else level  # a one-row level stands for every year
    limit = np.full((1, width), threshold) if per_sample else threshold
    if per_sample and width > 1:
        limit[0, 0] = 1.5
    with np.errstate(invalid="ignore"):  # inf - inf, as in the full difference
        got = crossing_years(level, limit, years)
        expected = crossing_years_by_difference(level, limit, years)
    np.testing.assert_array_equal(got, expected)
    assert np.array_equal(np.signbit(got), np.signbit(expected))


def percentile_rows_with_full_check(log_level):
    """Single-precision sort, linear between order statistics; a row with every sample equal kept exact."""
    ordered = np.sort(log_level.astype(np.float32), axis=1)
    n = ordered.shape[1]
    position = np.array(PERCENTILES) / 100 * (n - 1)
    lo = np.floor(position).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    out = ordered[:, lo] + (position - lo) * (ordered[:, hi].astype(float) - ordered[:, lo])
    first = log_level[:, 0]
    constant = (log_level.min(axis=1) == first) & (log_level.max(axis=1) == first)
    out[constant] = first[constant, None]
    return 10.0 ** out


@settings(max_examples=100, deadline=None)
@given(base=hnp.arrays(float, st.tuples(st.integers(1, 5), st.integers(2, 40)), elements=st.floats(-30, 30)),
       kinds=st.lists(st.sampled_from(["random", "constant", "float32 ties"]), min_size=5, max_size=5))
def test_percentiles_equal_the_full_constant_check(base, kinds):
    level = base.copy()
    for row, kind in zip(level, kinds):
        if kind == "constant":
            row[:] = row[0]
        elif kind == "float32 ties":  # equal in single precision, not in double: not a constant row
            row[:] = 25.123456789
            row[-1] = 25.123456789 + 1e-12
    np.testing.assert_array_equal(percentile_rows(level), percentile_rows_with_full_check(level))


def test_a_row_equal_only_in_single_precision_is_not_reported_as_constant():
    level = np.array([[25.123456789] * 9 + [25.123456789 + 1e-12], [25.123456789] * 10])
    table = percentile_rows(level)
    assert table[1, 0] == 10.0 ** 25.123456789  # constant: exact
    assert table[0, 0] == 10.0 ** float(np.float32(25.123456789))  # from the single-precision order statistics


@settings(max_examples=100, deadline=None)
@given(cum=hnp.arrays(float, st.tuples(st.integers(2, 5), st.integers(1, 4)), elements=st.floats(-5, 5)),
       anchor_row=st.sampled_from(["zero", "negative zero", "values"]), year=st.integers(0, 1),
       start=st.floats(-30, 30))
def test_a_level_built_in_place_equals_the_copy(cum, anchor_row, year, start):
    cum[0] = {"zero": 0.0, "negative zero": -0.0}.get(anchor_row, cum[0])
    grid = Grid(2030, 2030 + cum.shape[0] - 1, 2030)
    expected = cum - cum[year] + start  # the plain formula
    copied = Piece("x", cum.copy(), (start, 2030 + year)).level(grid)
    in_place = Piece("x", cum.copy(), (start, 2030 + year)).level(grid, in_place=True)
    for got in (copied, in_place):
        np.testing.assert_array_equal(got, expected)
        assert np.array_equal(np.signbit(got), np.signbit(expected))


def test_milestone_years_are_worked_out_once_when_first_read():
    calls = []

    def years():
        calls.append(1)
        return np.array([2031.5])

    milestones = Milestones({"a": years, "b": np.array([2040.0])})
    assert list(milestones) == ["a", "b"] and len(milestones) == 2 and "a" in milestones
    assert calls == []
    first = milestones["a"]
    assert milestones["a"] is first and calls == [1]
    assert milestones["b"][0] == 2040.0


def test_a_forecasts_milestones_equal_crossings_worked_out_at_once():
    r = run_forecast(get_scenario("scaling-picture"), samples=500, seed=3, milestones=["loss <= 1.9"])
    assert list(r.milestones)[:2] == ["spending >= $1B", "spending >= $10B"]
    assert list(r.milestones)[-1] == "loss <= 1.9 nats/token"
    np.testing.assert_array_equal(r.milestones["spending >= $10B"],
                                  crossing_years(r.levels["spending"], np.log10(1e10), r.years))
    np.testing.assert_array_equal(r.milestones["loss <= 1.9 nats/token"],
                                  crossing_years(-r.levels["loss"], -np.log10(1.9), r.years))
    summary = r.to_dict()["milestones"]["loss <= 1.9 nats/token"]
    assert summary["reached_share"] == float(np.isfinite(r.milestones["loss <= 1.9 nats/token"]).mean())


@settings(max_examples=100, deadline=None)
@given(shape=st.tuples(st.integers(1, 40), st.sampled_from([1, 3, 5000, 70_000])), where=st.integers(0, 10**9),
       value=st.sampled_from([0.0, 307.0, 308.3, -308.3, 400.0, np.inf, -np.inf, np.nan]))
def test_the_range_check_by_blocks_equals_the_whole_array_check(shape, where, value):
    level = np.zeros(shape)
    level.flat[where % level.size] = value
    expected = bool(level.max() < _LOG10_MAX and level.min() > -_LOG10_MAX)
    assert _within_range(level) is expected
