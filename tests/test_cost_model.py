"""Invariants of the cost model (t = C / (G F g), energy = GPU-hours x W x PUE, ...)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglab.compute.cost import estimate_cost

flops = st.floats(1e18, 1e28)
gpus = st.integers(1, 200_000)
fraction = st.floats(0.05, 1.0)


@settings(max_examples=40, deadline=None)
@given(c=flops, g=gpus, mfu=fraction, goodput=fraction)
def test_gpu_hours_do_not_depend_on_cluster_size_at_fixed_mfu(c, g, mfu, goodput):
    one = estimate_cost(accelerator="h100", gpus=g, flops=c, mfu=mfu, goodput=goodput)
    two = estimate_cost(accelerator="h100", gpus=2 * g, flops=c, mfu=mfu, goodput=goodput)
    assert two.gpu_hours == pytest.approx(one.gpu_hours)
    assert two.days == pytest.approx(one.days / 2)
    assert one.energy_mwh == pytest.approx(two.energy_mwh) and one.cloud_cost_usd == pytest.approx(two.cloud_cost_usd)
    assert one.gpu_hours * 3600 * 989.4e12 * mfu * goodput == pytest.approx(c)


@settings(max_examples=40, deadline=None)
@given(c=flops, g=gpus, mfu=fraction, carbon=st.floats(0, 1), pue=st.floats(1, 2), price=st.floats(0, 1e5),
       rate=st.floats(0, 1), kwh=st.floats(0, 1))
def test_money_energy_and_carbon_identities(c, g, mfu, carbon, pue, price, rate, kwh):
    est = estimate_cost(accelerator="a100", gpus=g, flops=c, mfu=mfu, carbon=carbon, pue=pue, gpu_price=price,
                        depreciation=rate, electricity=kwh)
    assert est.owned_cost_usd == pytest.approx(est.depreciation_usd + est.electricity_cost_usd)
    assert est.co2_t == pytest.approx(est.energy_mwh * carbon)
    assert est.energy_mwh == pytest.approx(est.gpu_hours * 400 * pue / 1e6)
    assert est.capital_cost_usd == pytest.approx(g * price * 2.0)  # default overhead 1.0 (essay 000)


def test_goodput_stretches_time_but_not_the_useful_rate():
    full = estimate_cost(accelerator="b200", gpus=1000, flops=1e25, mfu=0.4, goodput=1)
    lossy = estimate_cost(accelerator="b200", gpus=1000, flops=1e25, mfu=0.4, goodput=0.8)
    assert lossy.days == pytest.approx(full.days / 0.8)
    assert lossy.mfu == full.mfu and lossy.average_utilisation == pytest.approx(0.32)
