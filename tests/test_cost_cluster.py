"""Cluster-size model U(G) = U1 G^(-b): b computed from the published points, and its properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scalinglab.compute.cluster import (
    ClusterSizeModel, achieved_flops_per_gpu, calibrate_b, default_cluster_model, implied_b, scaling_points,
)
from scalinglab.compute.cost import estimate_cost
from scalinglab.errors import InputError


def test_b_from_mt_nlg_and_llama_31_points():
    # Smith et al. 2022 (arXiv:2201.11990), Table 1: 2,240 -> 3,360 A100s gave 126 -> 113 TFLOP/s per GPU.
    # Llama 3 paper (arXiv:2407.21783), Table 4: 8,192 -> 16,384 H100s gave 43% -> 41% MFU.
    cal = calibrate_b()
    assert cal.b_by_run["MT-NLG 530B"] == pytest.approx(math.log(126 / 113) / math.log(3360 / 2240))
    assert cal.b_by_run["MT-NLG 530B"] == pytest.approx(0.2686, abs=1e-4)
    assert cal.b_by_run["Llama 3.1 405B"] == pytest.approx(math.log(43 / 41) / math.log(2))
    assert cal.b_by_run["Llama 3.1 405B"] == pytest.approx(0.0687, abs=1e-4)
    # pooled slope with one intercept per run weights each run by its spread in ln G
    x1, x2 = math.log(1.5), math.log(2.0)
    pooled = (math.log(126 / 113) * x1 + math.log(43 / 41) * x2) / (x1 ** 2 + x2 ** 2)
    assert cal.b == pytest.approx(pooled)
    assert cal.b == pytest.approx(0.1197, abs=1e-4)


def test_scaling_points_convert_tflops_to_mfu_with_the_dense_peak():
    points = {(p.run, p.gpus): p for p in scaling_points()}
    assert points[("MT-NLG 530B", 2240)].mfu == pytest.approx(126 / 312)
    assert points[("Llama 3.1 405B", 16384)].mfu == 0.41
    assert all(p.source.identifier.startswith("arXiv:") for p in points.values())


def test_default_model_passes_through_its_anchor_and_reproduces_llama_within_a_point():
    model = default_cluster_model()
    assert float(model.utilisation(8192)) == pytest.approx(0.43)
    assert float(model.utilisation(16384)) == pytest.approx(0.43 * 2 ** -model.b)
    assert abs(float(model.utilisation(16384)) - 0.41) < 0.015
    assert model.u1 == pytest.approx(0.43 * 8192 ** model.b)


@given(b=st.floats(0.0, 0.9), g1=st.floats(1, 1e6), factor=st.floats(1.01, 100))
def test_utilisation_never_rises_with_cluster_size_and_b_is_recovered(b, g1, factor):
    model = ClusterSizeModel(b, 0.4, 1000)
    u1, u2 = model.utilisation(g1), model.utilisation(g1 * factor)
    assert 0 < u2 <= u1 <= 1
    if u1 < 1:
        assert implied_b(float(u1), g1, float(u2), g1 * factor) == pytest.approx(b, abs=1e-9)


@given(b=st.floats(0.0, 0.9), g=st.floats(2, 1e6))
def test_effective_compute_grows_as_g_to_the_one_minus_b(b, g):
    # essay 002: effective compute G^(1-b) P U; doubling G multiplies it by 2^(1-b)
    model = ClusterSizeModel(b, 0.4, 1000)
    assert model.effective_gpus(2 * g) / model.effective_gpus(g) == pytest.approx(2 ** (1 - b))


def test_cost_with_the_cluster_model_uses_u_of_g_and_warns_when_extrapolating():
    est = estimate_cost(accelerator="h100", gpus=16384, flops=3.8e25, cluster_model=True)
    assert est.mfu == pytest.approx(float(default_cluster_model().utilisation(16384)))
    small = estimate_cost(accelerator="h100", gpus=64, flops=1e22, cluster_model=True)
    assert any("extrapolation" in note for note in small.notes)
    steeper = estimate_cost(accelerator="h100", gpus=16384, flops=3.8e25, cluster_model=True, cluster_b=0.2686)
    assert steeper.mfu < est.mfu


def test_exactly_one_utilisation_is_required():
    with pytest.raises(InputError, match="exactly one utilisation"):
        achieved_flops_per_gpu(1e15, 8)
    with pytest.raises(InputError, match="exactly one utilisation"):
        achieved_flops_per_gpu(1e15, 8, mfu=0.4, flops_per_second_per_gpu=1e14)
    with pytest.raises(InputError, match="FLOP per token"):
        achieved_flops_per_gpu(1e15, 8, tokens_per_second_per_gpu=100)
    assert np.allclose(achieved_flops_per_gpu(1e15, 8, mfu=0.4), 4e14)
    with pytest.raises(InputError):
        ClusterSizeModel(1.2, 0.4, 1000)
