"""units: parsing and formatting of sizes, money, durations and growth rates."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scalinglab.errors import UnitError
from scalinglab.units import (
    GrowthRate,
    format_growth,
    format_money,
    format_quantity,
    parse_duration,
    parse_growth,
    parse_money,
    parse_quantity,
)


@pytest.mark.parametrize(
    "text, value",
    [("70B", 70e9), ("1.4T", 1.4e12), ("5.76e23", 5.76e23), ("65e9", 65e9), ("300b", 300e9), ("1,000", 1000.0),
     ("2.5K", 2500.0), ("1P", 1e15), ("7", 7.0)],
)
def test_parse_quantity_reads_the_forms_the_field_writes(text, value):
    assert parse_quantity(text) == pytest.approx(value)


@pytest.mark.parametrize("text, value", [("$10M", 1e7), ("$2.5B", 2.5e9), ("100M", 1e8), ("$ 40M", 4e7), ("3e9 USD", 3e9)])
def test_parse_money(text, value):
    assert parse_money(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text, days", [("21 days", 21.0), ("3 weeks", 21.0), ("36 h", 1.5), ("1 year", 365.25), ("90 min", 90 / 1440)]
)
def test_parse_duration_returns_seconds(text, days):
    assert parse_duration(text) == pytest.approx(days * 86400)


@pytest.mark.parametrize(
    "text, factor",
    [("4.1x/yr", 4.1), ("4.1x per year", 4.1), ("doubling 8 months", 2 ** 1.5), ("8 months doubling", 2 ** 1.5),
     ("0.6 OOM/yr", 10 ** 0.6), ("-35%/yr", 0.65), ("doubling 2.46 years", 2 ** (1 / 2.46)), ("3", 3.0)],
)
def test_parse_growth_forms(text, factor):
    assert parse_growth(text).factor_per_year == pytest.approx(factor)


@pytest.mark.parametrize("bad", ["", "abc", "70X", "1..2B", "nan", "inf", "B70"])
def test_bad_quantities_are_clear_errors(bad):
    with pytest.raises(UnitError, match="cannot read"):
        parse_quantity(bad)


@pytest.mark.parametrize("bad", ["fast", "4x/decade", "doubling soon", "0x/yr", "doubling 0 months"])
def test_bad_growth_rates_are_clear_errors(bad):
    with pytest.raises(UnitError):
        parse_growth(bad)


def test_bad_duration_unit_is_named():
    with pytest.raises(UnitError, match="fortnights"):
        parse_duration("3 fortnights")


positive = st.floats(min_value=1e-2, max_value=1e30, allow_nan=False, allow_infinity=False)


@given(positive)
def test_format_then_parse_round_trips(x):
    assert parse_quantity(format_quantity(x, digits=12)) == pytest.approx(x, rel=1e-10)


@given(positive)
def test_money_round_trips(x):
    assert parse_money(format_money(x, digits=12)) == pytest.approx(x, rel=1e-10)


factors = st.floats(min_value=1.001, max_value=1e3, allow_nan=False) | st.floats(min_value=1e-3, max_value=0.999)


@given(factors)
def test_growth_forms_are_inverses(g):
    rate = GrowthRate(g)
    assert GrowthRate.from_doubling_years(rate.doubling_years).factor_per_year == pytest.approx(g, rel=1e-12)
    assert GrowthRate.from_oom_per_year(rate.oom_per_year).factor_per_year == pytest.approx(g, rel=1e-12)
    for form in ("factor", "doubling", "oom"):
        assert parse_growth(format_growth(rate, form, digits=15)).factor_per_year == pytest.approx(g, rel=1e-9)


@given(factors, st.floats(min_value=0.0, max_value=20.0))
def test_growth_over_years_composes(g, years):
    rate = GrowthRate(g)
    assert rate.over(years) == pytest.approx(math.exp(rate.log_rate * years), rel=1e-9)


def test_growth_of_one_never_doubles():
    assert GrowthRate(1.0).doubling_years == math.inf
