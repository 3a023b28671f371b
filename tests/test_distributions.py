"""The shared uncertain-input parser: points, 'lo to hi' (lognormal 90% CI), normal, uniform, loguniform,
mixtures, and the cost model's numbers with units."""

import ast
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from scalinglab.errors import InputError, ScalingLabError
import scalinglab
from scalinglab.distributions import (
    Z90, LogNormal, LogUniform, Mixture, Normal, Point, Uniform, parse_number, parse_value, z_score,
)


def test_lo_to_hi_is_a_lognormal_whose_90_percent_interval_is_lo_hi():
    dist = parse_value("1e14 to 1e15", "quantity")
    assert isinstance(dist, LogNormal)
    assert dist.median == pytest.approx(math.sqrt(1e14 * 1e15))
    law = stats.lognorm(s=dist.sigma, scale=math.exp(dist.mu))
    assert law.cdf(1e14) == pytest.approx(0.05)
    assert law.cdf(1e15) == pytest.approx(0.95)


def test_units_carry_from_one_end_to_the_other():
    assert parse_value("4 to 5x/yr", "growth") == LogNormal(4.0, 5.0, 0.9, "growth")
    assert parse_value("$10 to 100B", "money") == LogNormal(1e10, 1e11, 0.9, "money")
    assert parse_value("$100M to $1B", "money") == LogNormal(1e8, 1e9, 0.9, "money")
    assert parse_value("-40 to -30%/yr", "growth") == LogNormal(0.6, 0.7, 0.9, "growth")
    assert parse_value("90 to 180 days", "duration").lo == pytest.approx(90 * 86400)


def test_doubling_times_become_growth_factors_longest_doubling_lowest():
    dist = parse_value("doubling 5 to 14 months", "growth")
    assert dist.lo == pytest.approx(2 ** (12 / 14))
    assert dist.hi == pytest.approx(2 ** (12 / 5))


def test_shapes_on_request():
    assert isinstance(parse_value("0.5 to 1.5 normal", "quantity"), Normal)
    assert isinstance(parse_value("uniform 20% to 100%", "fraction"), Uniform)
    assert isinstance(parse_value("loguniform 3.8e25 to 3.8e27", "quantity"), LogUniform)
    assert isinstance(parse_value("5 to 50", "quantity", shape="uniform"), Uniform)
    assert parse_value("3e14", "quantity") == Point(3e14, "quantity")
    assert parse_value(4.5, "growth") == Point(4.5, "growth")


def test_a_95_percent_interval_is_wider_in_sigma_terms():
    ci90 = parse_value("2 to 6", "quantity", ci=0.9)
    ci95 = parse_value("2 to 6", "quantity", ci=0.95)
    assert ci95.sigma < ci90.sigma
    assert stats.norm.cdf((math.log(2) - ci95.mu) / ci95.sigma) == pytest.approx(0.025)


@pytest.mark.parametrize("text, kind, fragment", [
    ("50 to 5", "quantity", "lo > hi"),
    ("doubling 14 to 5 months", "growth", "lo > hi"),
    ("-2x/yr", "growth", "must be positive"),
    ("150%", "fraction", "(0, 1]"),
    ("-5", "quantity", "must be positive"),
    ("4 to 5 to 6", "quantity", "lo to hi"),
    ("lots", "quantity", "cannot read"),
])
def test_bad_values_raise_one_line_errors(text, kind, fragment):
    with pytest.raises(ScalingLabError) as error:
        parse_value(text, kind)
    assert fragment in str(error.value)
    assert "\n" not in str(error.value)


def test_normal_draws_are_truncated_to_the_valid_range():
    dist = parse_value("0.01 to 2 normal", "quantity")
    draws = dist.sample(np.random.default_rng(0), 50_000)
    assert draws.min() > 0
    fraction = parse_value("0.9 to 1 normal", "fraction").sample(np.random.default_rng(0), 50_000)
    assert fraction.max() <= 1.0 and fraction.min() > 0


def test_mixture_draws_follow_the_weights():
    mixture = Mixture((3.0, 1.0), (Point(1.0), Point(2.0)))
    draws = mixture.sample(np.random.default_rng(1), 40_000)
    assert np.mean(draws == 1.0) == pytest.approx(0.75, abs=0.01)


def test_same_seed_same_draws():
    dist = parse_value("4 to 5x/yr", "growth")
    a = dist.sample(np.random.default_rng(7), 1000)
    b = dist.sample(np.random.default_rng(7), 1000)
    assert np.array_equal(a, b)


@settings(max_examples=60, deadline=None)
@given(lo=st.floats(1e-3, 1e20), ratio=st.floats(1.01, 1e6))
def test_lognormal_interval_holds_for_any_positive_bounds(lo, ratio):
    hi = lo * ratio
    dist = LogNormal(lo, hi)
    assert math.exp(dist.mu) == pytest.approx(math.sqrt(lo * hi), rel=1e-9)
    z_lo = (math.log(lo) - dist.mu) / dist.sigma
    assert stats.norm.cdf(z_lo) == pytest.approx(0.05, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(lo=st.floats(0.01, 100), width=st.floats(0.01, 100), seed=st.integers(0, 2**32 - 1))
def test_uniform_and_loguniform_stay_inside_their_bounds(lo, width, seed):
    hi = lo + width
    rng = np.random.default_rng(seed)
    for dist in (Uniform(lo, hi), LogUniform(lo, hi)):
        draws = dist.sample(rng, 200)
        assert draws.min() >= lo * (1 - 1e-12) and draws.max() <= hi * (1 + 1e-12)


def test_unknown_kind_is_an_input_error():
    with pytest.raises(InputError):
        parse_value("1", "furlongs")


@pytest.mark.parametrize("text, expected", [
    ("0.4", 0.4), ("40%", 0.4), ("$2.5M", 2.5e6), ("1.4T", 1.4e12), ("15,000", 15000.0), ("0.168/kWh", 0.168),
    ("400W", 400.0), ("25%/yr", 0.25), ("$2/h", 2.0), (3, 3.0), (np.int64(3), 3.0),
])
def test_numbers_with_the_cost_models_units(text, expected):
    assert parse_number(text) == pytest.approx(expected)
    assert parse_value(text) == Point(pytest.approx(expected), "number")


def test_number_ranges_default_to_lognormal_and_take_a_shape_word():
    assert parse_value("0.3 to 0.5") == LogNormal(0.3, 0.5, 0.9, "number")
    assert parse_value("uniform 30% to 50%") == Uniform(0.3, 0.5, "number")
    assert parse_value("normal 1 to 3") == Normal(1.0, 3.0, 0.9, "number")
    assert parse_value("$50M to $200M") == LogNormal(5e7, 2e8, 0.9, "number")
    assert parse_value("20 to 40%") == LogNormal(0.2, 0.4, 0.9, "number")
    assert parse_value("uniform -1 to 1").bounds == (-1.0, 1.0)


@pytest.mark.parametrize("text, fragments", [
    ("0.5 to 0.3", ("mfu: ", "lo > hi", "'0.5 to 0.3'")),
    ("0 to 1", ("mfu: ", "lo > 0", "uniform")),
    ("lots", ("cannot read mfu 'lots'",)),
    ("normal 0.4", ("mfu: ", "needs 'lo to hi'")),
])
def test_number_errors_name_the_input_on_one_line(text, fragments):
    with pytest.raises(ScalingLabError) as error:
        parse_value(text, what="mfu")
    assert all(f in str(error.value) for f in fragments)
    assert "\n" not in str(error.value)


def test_a_distribution_passes_through_and_prints_as_it_is_written():
    dist = Uniform(0.85, 0.95, "number")
    assert parse_value(dist) is dist
    assert str(parse_value("0.3 to 0.5")) == "0.3 to 0.5"
    assert str(dist) == "uniform 0.85 to 0.95"
    assert str(parse_value("50M to 200M")) == "5e+07 to 2e+08"


@settings(max_examples=40, deadline=None)
@given(lo=st.floats(1e-6, 1e12), ratio=st.floats(1.001, 1e4), shape=st.sampled_from(["", "uniform ", "normal "]))
def test_a_printed_number_range_parses_back_to_itself(lo, ratio, shape):
    dist = parse_value(f"{shape}{lo!r} to {lo * ratio!r}")
    again = parse_value(str(dist))
    assert type(again) is type(dist)
    assert again.lo == pytest.approx(dist.lo, rel=1e-5) and again.hi == pytest.approx(dist.hi, rel=1e-5)


def test_direct_construction_checks_the_interval():
    with pytest.raises(InputError, match="lo > hi"):
        Uniform(2.0, 1.0)
    with pytest.raises(InputError, match="lo > 0"):
        LogNormal(0.0, 1.0)
    with pytest.raises(InputError, match="finite"):
        Normal(0.0, math.inf)


def test_z_is_the_normal_quantile():
    assert Z90 == z_score(0.9)
    assert Z90 == pytest.approx(stats.norm.ppf(0.95), rel=1e-15)
    for ci in (0.5, 0.8, 0.95, 0.99):
        assert z_score(ci) == pytest.approx(stats.norm.ppf(0.5 + ci / 2), rel=1e-14)


@settings(max_examples=25, deadline=None)
@given(lo=st.floats(1e-3, 1e3), ratio=st.floats(1.5, 100.0), seed=st.integers(0, 2**31))
def test_lognormal_draws_hold_90_percent_between_the_ends(lo, ratio, seed):
    dist = LogNormal(lo, lo * ratio)
    draws = dist.sample(np.random.default_rng(seed), 20_000)
    inside = np.mean((draws >= dist.lo) & (draws <= dist.hi))
    assert inside == pytest.approx(0.90, abs=0.012)
    assert np.median(draws) == pytest.approx(dist.median, rel=0.05)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | \
        {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}


def test_the_module_sits_below_compute_and_forecast():
    """It imports only numpy, the standard library and scalinglab.units / scalinglab.errors; compute no forecast."""
    package = Path(scalinglab.__file__).parent
    stdlib = {"__future__", "math", "re", "dataclasses", "statistics", "typing"}
    assert _imports(package / "distributions.py") - stdlib == {"numpy", "errors", "units"}
    for path in (package / "compute").glob("*.py"):
        assert not any("forecast" in module for module in _imports(path)), path.name
