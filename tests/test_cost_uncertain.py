"""Ranges as cost inputs: seeded Monte Carlo and percentile tables (parsing: tests/test_distributions.py)."""

from __future__ import annotations

import pytest

from scalinglab.compute.cost import estimate_cost
from scalinglab.distributions import Uniform
from scalinglab.errors import InputError


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
    with pytest.raises(InputError, match="pue= must be at least 1"):
        estimate_cost(accelerator="h100", gpus=8, flops=1e21, mfu=0.4, pue=0.9)


def test_a_distribution_object_is_the_same_input_as_its_text():
    kwargs = dict(accelerator="h100", gpus=8192, flops=3.8e25, samples=1000, seed=4)
    given = estimate_cost(mfu=Uniform(0.3, 0.5, "number"), **kwargs)
    written = estimate_cost(mfu="uniform 0.3 to 0.5", **kwargs)
    assert given.percentiles == written.percentiles
    assert given.inputs["mfu"] == "uniform 0.3 to 0.5"


def test_lo_above_hi_names_the_input():
    with pytest.raises(InputError, match="mfu=: lo > hi"):
        estimate_cost(accelerator="h100", gpus=8, flops=1e21, mfu="0.5 to 0.3")
