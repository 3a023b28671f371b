"""Budgets joined to planning: dollars or GPUs x days -> FLOP -> compute-optimal N, D and loss."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglab.compute.budget import plan_budget
from scalinglab.compute.cost import estimate_cost
from scalinglab.compute.hardware import get_accelerator
from scalinglab.errors import InputError
from scalinglab.laws import DEFAULT_LAW, get_law
from scalinglab.plan import compute_optimal


def test_cloud_dollars_buy_gpu_hours_then_flops_then_a_plan():
    plan = plan_budget(accelerator="h100-sxm", dollars="100M", mfu=0.4)
    h100 = get_accelerator("h100-sxm")
    gpu_hours = 100e6 / h100.cloud_usd_per_hour
    flops = gpu_hours * 3600 * h100.peak("bf16") * 0.4 * 0.79  # default goodput 0.79 (PaLM, Gemini)
    assert plan.gpu_hours == pytest.approx(gpu_hours)
    assert plan.flops == pytest.approx(flops)
    # the FLOP its sourced goodput range (0.65-0.97) would buy, printed and in the assumptions
    assert plan.assumptions["goodput"]["flops_range"] == pytest.approx([flops * 0.65 / 0.79, flops * 0.97 / 0.79])
    assert any("buys" in note and "goodput=" in note for note in plan.notes)
    expected = compute_optimal(get_law(DEFAULT_LAW).law, flops)
    assert plan.n_opt == pytest.approx(float(expected.n_params))
    assert plan.d_opt == pytest.approx(float(expected.n_tokens))
    assert plan.loss == pytest.approx(float(expected.loss))
    assert plan.to_dict()["law"] == DEFAULT_LAW


def test_gpus_times_days_like_llama_31():
    # Llama 3 paper (arXiv:2407.21783): 16,384 H100s; at 38% MFU with 90% goodput 54 days give ~3.4e25 FLOP
    plan = plan_budget(accelerator="h100", gpus=16384, days=54, mfu=0.38, goodput=0.9, law="besiroglu2024")
    assert plan.flops == pytest.approx(16384 * 54 * 86400 * 989.4e12 * 0.38 * 0.9)
    assert plan.days == pytest.approx(54)
    assert plan.law == "besiroglu2024"


@settings(max_examples=20, deadline=None)
@given(dollars=st.floats(1e5, 1e10), basis=st.sampled_from(["cloud", "owned"]), gpus=st.integers(8, 100_000))
def test_spending_the_budget_costs_the_budget(dollars, basis, gpus):
    plan = plan_budget(accelerator="a100-80gb", dollars=dollars, gpus=gpus, basis=basis, mfu=0.45)
    est = estimate_cost(accelerator="a100-80gb", gpus=gpus, flops=plan.flops, mfu=0.45)
    key = "cloud_cost_usd" if basis == "cloud" else "owned_cost_usd"
    assert est.to_dict()[key] == pytest.approx(dollars, rel=1e-9)
    assert est.days == pytest.approx(plan.days, rel=1e-9)


def test_a_saved_fit_file_works_like_a_published_law(tmp_path):
    law = get_law("hoffmann2022").law.to_dict()
    path = tmp_path / "fit.json"
    path.write_text(json.dumps({"law": law, "note": "saved fit"}))
    saved = plan_budget(accelerator="h100", dollars="10M", law=str(path))
    published = plan_budget(accelerator="h100", dollars="10M", law="hoffmann2022")
    assert saved.loss == pytest.approx(published.loss) and saved.law == "fit.json"


def test_ranges_give_ordered_percentiles_of_n_d_and_loss():
    plan = plan_budget(accelerator="h100", dollars="50M to 200M", mfu="0.3 to 0.45", samples=2000, seed=3)
    for key in ("flops", "n_opt", "d_opt", "loss"):
        pct = plan.percentiles[key]
        assert pct["p5"] < pct["p50"] < pct["p95"], key
    # the loss at C's 95th percentile is the 5th percentile of the loss
    high = compute_optimal(get_law(DEFAULT_LAW).law, plan.percentiles["flops"]["p95"])
    assert plan.percentiles["loss"]["p5"] == pytest.approx(float(high.loss))


def test_budget_inputs_are_checked():
    with pytest.raises(InputError, match="over-determine"):
        plan_budget(accelerator="h100", dollars="1M", gpus=8, days=3)
    with pytest.raises(InputError, match="give a budget"):
        plan_budget(accelerator="h100")
    with pytest.raises(InputError, match="no cloud price"):
        plan_budget(accelerator="mi250x", dollars="1M")
    with pytest.raises(InputError, match="needs the number of GPUs"):
        plan_budget(accelerator="h100", dollars="1M", cluster_model=True)
    with pytest.raises(InputError, match="basis"):
        plan_budget(accelerator="h100", dollars="1M", basis="leased")


def test_budget_takes_hfu_converted_as_cost_does():
    """HFU with full recomputation is MFU x 8/6 (PaLM, appendix B): budget and cost convert it alike."""
    import scalinglab as sl

    by_hfu = sl.budget(1e9, gpu="h100", hfu=0.5).to_dict()
    by_mfu = sl.budget(1e9, gpu="h100", mfu=0.375).to_dict()
    assert by_hfu["mfu"] == pytest.approx(0.375) and by_hfu["flops"] == pytest.approx(by_mfu["flops"])
    assert sl.budget(1e9, gpu="h100", hfu=0.5, recompute="none").to_dict()["mfu"] == pytest.approx(0.5)
    cost = sl.cost(by_hfu["flops"], gpu="h100", gpus=by_hfu["gpus"] or 1024, hfu=0.5).to_dict()
    assert cost["mfu"] == pytest.approx(0.375)
    with pytest.raises(InputError, match="^give hfu= or mfu=, not both$"):
        sl.budget(1e9, gpu="h100", hfu=0.5, mfu=0.4)


def test_a_range_that_does_not_move_the_flop_bought_keeps_the_plan_a_point():
    """The owned-cost overhead does not change what a cloud budget buys: a range of it leaves the FLOP and the
    plan single values (it used to fail looking up the FLOP's percentiles)."""
    import scalinglab as sl

    plan = sl.budget("$10M", gpu="h100-sxm", overhead="0.3 to 0.5", cluster_model=True, gpus=1024).to_dict()
    fixed = sl.budget("$10M", gpu="h100-sxm", cluster_model=True, gpus=1024).to_dict()
    assert plan["flops"] == fixed["flops"] and "flops" not in (plan.get("percentiles") or {})
