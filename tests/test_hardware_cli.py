"""``scalinglab hardware list|show|cluster`` through the command line."""

from __future__ import annotations

import pytest
from conftest import assert_user_error


def test_hardware_list_and_show(cli):
    listed = cli("hardware", "list", "--json")
    assert listed.code == 0, listed.stderr
    names = {entry["name"] for entry in listed.json()}
    assert {"h100-sxm", "a100-80gb", "tpu-v5p", "trainium2", "rtx-4090"} <= names
    shown = cli("hardware", "show", "H100", "--json")
    assert shown.code == 0, shown.stderr
    data = shown.json()
    # NVIDIA H100 datasheet: 1,979 TFLOPS BF16 with sparsity -> 989 dense
    assert data["name"] == "h100-sxm" and data["peak_flops"]["bf16"] == pytest.approx(989e12, rel=1e-3)
    assert "Epoch AI" in data["sources"]["bf16"]["citation"]
    table = cli("hardware", "show", "tpu-v5e")
    assert table.code == 0 and "SemiAnalysis" in table.stdout


def test_hardware_cluster_shows_b(cli):
    result = cli("hardware", "cluster", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    # three MT-NLG sizes (Smith et al. 2022, Table 1: 126/121/113 TFLOP/s on 2,240/2,800/3,360 A100s)
    assert data["calibration"]["b_by_run"]["MT-NLG 530B"] == pytest.approx(0.2654, abs=1e-4)
    # the default curve is one run family's own line (Llama 3.1 on H100s), not the pooled slope
    assert data["model"]["b"] == pytest.approx(data["calibration"]["families"]["Llama 3.1 405B"]["b"])
    lo, hi = data["calibration"]["b_interval_95"]
    assert lo < data["calibration"]["b"] < hi
    # MT-NLG's 126 TFLOP/s is shown as hardware FLOP and converted, not labelled as 40.4% MFU
    mtnlg = data["calibration"]["points"][0]
    assert mtnlg["kind"] == "hfu" and mtnlg["reported"] == "126 TFLOP/s per GPU (HFU, 40.4% of peak)"
    assert mtnlg["mfu"] == pytest.approx(0.303, abs=5e-4)
    assert "HFU" in cli("hardware", "cluster").stdout


def test_unknown_accelerator_is_one_line(cli):
    assert_user_error(cli("hardware", "show", "a101"), "unknown accelerator", "did you mean", "'a100'")
