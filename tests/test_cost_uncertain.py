"""Ranges as inputs: parsing, the lognormal 90% interval, seeded Monte Carlo and percentile tables."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglab.compute.cost import estimate_cost
from scalinglab.compute.uncertain import InputRange, parse_value
from scalinglab.errors import InputError


@pytest.mark.parametrize("text, expected", [
    ("0.4", 0.4), ("40%", 0.4), ("$2.5M", 2.5e6), ("1.4T", 1.4e12), ("15,000", 15000.0), ("0.168/kWh", 0.168),
    ("400W", 400.0), ("25%/yr", 0.25), ("$2/h", 2.0), (3, 3.0),
])
def test_parse_numbers_with_units(text, expected):
    assert parse_value(text) == pytest.approx(expected)


def test_parse_ranges():
    assert parse_value("0.3 to 0.5") == InputRange(0.3, 0.5, "lognormal")
    assert parse_value("uniform 30% to 50%") == InputRange(0.3, 0.5, "uniform")
    assert parse_value("normal 1 to 3").kind == "normal"
    assert parse_value("$50M to $200M") == InputRange(5e7, 2e8)
    with pytest.raises(InputError, match="lo > hi"):
        parse_value("0.5 to 0.3", what="mfu")
    with pytest.raises(InputError, match="lo > 0"):
        parse_value("0 to 1")
    with pytest.raises(InputError, match="cannot read"):
        parse_value("lots")


@settings(max_examples=25, deadline=None)
@given(lo=st.floats(1e-3, 1e3), ratio=st.floats(1.5, 100.0), seed=st.integers(0, 2**31))
def test_lognormal_range_holds_90_percent_between_its_ends(lo, ratio, seed):
    r = InputRange(lo, lo * ratio)
    draws = r.sample(20_000, np.random.default_rng(seed))
    inside = np.mean((draws >= r.lo) & (draws <= r.hi))
    assert inside == pytest.approx(0.90, abs=0.012)
    assert np.median(draws) == pytest.approx(r.median, rel=0.05)


def test_monte_carlo_is_seeded_and_gives_percentiles_of_every_output():
    kwargs = dict(accelerator="h100", gpus=8192, flops=3.8e25, mfu="0.3 to 0.5", samples=2000)
    a, b = estimate_cost(seed=1, **kwargs), estimate_cost(seed=1, **kwargs)
    c = estimate_cost(seed=2, **kwargs)
    assert a.percentiles == b.percentiles and a.percentiles != c.percentiles
    for key in ("days", "gpu_hours", "energy_mwh", "co2_t", "cloud_cost_usd", "owned_cost_usd"):
        pct = a.percentiles[key]
        assert pct["p5"] < pct["p50"] < pct["p95"]
    # time is inversely proportional to MFU: its p5 sits at MFU's p95 (0.5) and its p95 at MFU's p5 (0.3)
    point = estimate_cost(accelerator="h100", gpus=8192, flops=3.8e25, mfu=0.4)
    assert a.percentiles["days"]["p95"] == pytest.approx(point.days * 0.4 / 0.3, rel=0.03)
    assert a.percentiles["days"]["p5"] == pytest.approx(point.days * 0.4 / 0.5, rel=0.03)


def test_draws_above_one_are_capped_with_a_note():
    est = estimate_cost(accelerator="h100", gpus=8, flops=1e21, mfu="0.6 to 0.99", samples=1000)
    assert est.percentiles["mfu"]["p95"] <= 1.0
    assert any("capped at 1" in note for note in est.notes)


def test_bad_ranges_and_values_fail_with_one_line():
    with pytest.raises(InputError, match=r"must be in \(0, 1\]"):
        estimate_cost(accelerator="h100", gpus=8, flops=1e21, mfu="0.5 to 1.5")
    with pytest.raises(InputError, match="at least 1"):
        estimate_cost(accelerator="h100", gpus=0, flops=1e21, mfu=0.4)
    with pytest.raises(InputError, match="PUE"):
        estimate_cost(accelerator="h100", gpus=8, flops=1e21, mfu=0.4, pue=0.9)
