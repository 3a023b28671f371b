"""The committed H200 measurements (benchmarks/results/gpu_h200.json) agree with themselves and with a refit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import scalinglab as sl

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"
GPU = json.loads((RESULTS / "gpu_h200.json").read_text())


@pytest.mark.parametrize("row", GPU["throughput"]["models"], ids=lambda r: r["model"])
def test_mfu_is_tokens_per_second_times_flops_per_token_over_peak(row):
    for count in ("palm", "6n"):
        expected = row["tokens_per_second"] * row[f"flops_per_token_{count}"] / GPU["peak_flops"]
        assert row[f"mfu_{count}"] == pytest.approx(expected, rel=1e-12)
    assert 0 < row["mfu_6n"] < row["mfu_palm"] < 1


def test_gpt2_shapes_have_the_published_parameter_counts():
    # Radford et al. 2019 report 117M/345M/762M/1542M; the released checkpoints count 124M/355M/774M/1558M
    counts = {row["model"]: row["params"] for row in GPU["throughput"]["models"]}
    assert counts == {"gpt2-124m": 124_439_808, "gpt2-355m": 354_823_168, "gpt2-774m": 774_030_080,
                      "gpt2-1558m": 1_557_611_200}


def test_recorded_isoflop_exponent_is_what_a_refit_of_the_runs_gives():
    sweep = GPU["isoflop_sweep"]
    result = sl.isoflop(RESULTS / "gpu_h200_isoflop_runs.csv").to_dict()
    assert len(sweep["runs"]) == 15
    assert result["a"] == pytest.approx(sweep["approach2_a"], rel=1e-9)
    assert result["a_interval"] == pytest.approx(sweep["approach2_a_interval"], rel=1e-9)
