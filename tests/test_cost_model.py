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


@settings(max_examples=40, deadline=None)
@given(goodput=st.one_of(st.floats(-10, 0), st.floats(1.0, 10).filter(lambda g: g > 1.0),
                         st.sampled_from([float("nan"), float("inf")])))
def test_goodput_outside_zero_to_one_is_refused(goodput):
    from scalinglab.errors import ScalingLabError

    with pytest.raises(ScalingLabError, match=r"goodput="):
        estimate_cost(accelerator="h100", gpus=8, flops=1e24, mfu=0.4, goodput=goodput)


@settings(max_examples=40, deadline=None)
@given(hfu=st.floats(0.01, 1.0), c=flops)
def test_hfu_with_full_recomputation_is_mfu_over_three_quarters(hfu, c):
    by_hfu = estimate_cost(accelerator="a100", gpus=1024, flops=c, hfu=hfu, goodput=0.9)
    by_mfu = estimate_cost(accelerator="a100", gpus=1024, flops=c, mfu=hfu * 0.75, goodput=0.9)
    assert by_hfu.mfu == pytest.approx(hfu * 0.75) and by_hfu.days == pytest.approx(by_mfu.days)


def test_the_default_goodput_span_brackets_the_estimate():
    est = estimate_cost(accelerator="h100", gpus=1024, flops=1e24, mfu=0.4)
    lo, hi = est.assumptions["goodput"]["gpu_hours_range"]
    assert lo == pytest.approx(est.gpu_hours * 0.79 / 0.97) and hi == pytest.approx(est.gpu_hours * 0.79 / 0.65)
    measured = estimate_cost(accelerator="h100", gpus=1024, flops=1e24, gpu_hours=1e6)
    lo, hi = measured.assumptions["goodput"]["mfu_range"]
    assert lo < measured.mfu < hi


@settings(max_examples=30, deadline=None)
@given(discount=st.floats(0, 0.99))
def test_a_cloud_discount_scales_the_cloud_cost_only(discount):
    """cloud cost = GPU-hours x list price x (1 - discount); the owned cost and the time do not move."""
    base = estimate_cost(accelerator="h100", gpus=1024, flops=1e24, mfu=0.4)
    cut = estimate_cost(accelerator="h100", gpus=1024, flops=1e24, mfu=0.4, cloud_discount=discount)
    assert cut.values["cloud_cost_usd"] == pytest.approx(base.values["cloud_cost_usd"] * (1 - discount), rel=1e-12)
    assert cut.values["owned_cost_usd"] == base.values["owned_cost_usd"]
    assert cut.values["days"] == base.values["days"]
    assert cut.assumptions["cloud_discount"] == {"value": str(discount), "source": "given"}


def test_the_cloud_discount_reaches_every_face_from_its_declaration(cli):
    """Declared once (compute/cost_options.py): the CLI flag, the Python keyword and the web field exist."""
    import json

    import scalinglab as sl

    python = sl.cost(1e24, gpu="h100", gpus=1024, mfu=0.4, cloud_discount="30%").to_dict()
    command = json.loads(cli("cost", "--compute", "1e24", "--gpu", "h100", "--gpus", "1024", "--mfu", "0.4",
                             "--cloud-discount", "30%", "--json").stdout)
    assert command == python
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from scalinglab.web import create_app

    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        web = client.post("/api/v1/cost", json={"compute": 1e24, "gpu": "h100", "gpus": 1024, "mfu": 0.4,
                                                 "cloud_discount": "30%"}).json()
    assert web["cloud_cost_usd"] == python["cloud_cost_usd"]
    budget = sl.budget(1e9, gpu="h100", cloud_discount=0.5).to_dict()
    assert budget["gpu_hours"] == pytest.approx(2 * sl.budget(1e9, gpu="h100").to_dict()["gpu_hours"])
