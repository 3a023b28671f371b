"""``scalinglab cost`` and ``scalinglab budget`` through the command line, as a user runs them."""

from __future__ import annotations

import pytest
from conftest import assert_user_error

CONTRACT = ("days", "gpu_hours", "energy_mwh", "co2_t", "cloud_cost_usd", "owned_cost_usd", "electricity_cost_usd",
            "depreciation_usd")


def test_cost_json_has_the_contract_keys_for_llama_65b(cli):
    # Touvron et al. 2023, section 2.4 and Table 15: 20.8 days, ~1.02M GPU-hours, 449 MWh, 173 tCO2eq; the
    # paper's days are 1.4T tokens / (380 tokens/s x 2,048 GPUs) with no time lost: goodput 1
    result = cli("cost", "--params", "65.2B", "--tokens", "1.4T", "--gpu", "a100-80gb", "--gpus", "2048",
                 "--tokens-per-second-per-gpu", "380", "--goodput", "1", "--watts", "400", "--pue", "1.1", "--carbon", "0.385",
                 "--gpu-price", "15000", "--depreciation", "25%", "--electricity", "0.168", "--overhead", "0",
                 "--price-per-gpu-hour", "2", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert all(data[key] is not None for key in CONTRACT)
    assert data["days"] == pytest.approx(20.8, abs=0.05)
    assert data["energy_mwh"] == pytest.approx(449, rel=0.005)
    assert data["co2_t"] == pytest.approx(173, rel=0.005)
    assert data["cloud_cost_usd"] == pytest.approx(2 * data["gpu_hours"])
    assert data["owned_cost_usd"] == pytest.approx(data["depreciation_usd"] + data["electricity_cost_usd"])


def test_cost_with_ranges_prints_a_percentile_table(cli):
    result = cli("cost", "--flops", "3.8e25", "--gpu", "H100", "--gpus", "16384", "--mfu", "0.38 to 0.43",
                 "--goodput", "uniform 0.85 to 0.95", "--samples", "2000", "--seed", "7")
    assert result.code == 0, result.stderr
    assert "p5" in result.stdout and "p95" in result.stdout and "seed 7" in result.stdout


def test_cost_with_the_cluster_model(cli):
    result = cli("cost", "--flops", "1e25", "--gpu", "h100-sxm", "--gpus", "8192", "--cluster-model", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    # on H100s the curve is Llama 3.1's own (Llama 3 paper, Table 4: 43% MFU on 8,192 H100s, 41% on 16,384)
    assert data["mfu"] == pytest.approx(0.43, abs=1e-9)
    assert data["assumptions"]["cluster_model"]["b"] == pytest.approx(0.0687, abs=1e-4)
    lo, hi = data["assumptions"]["cluster_model"]["mfu_interval_95"]
    assert lo < 0.43 < hi
    # on A100s it is MT-NLG's (Smith et al. 2022, Table 1), named or chosen by the accelerator
    a100 = cli("cost", "--flops", "1e25", "--gpu", "a100-80gb", "--gpus", "2240", "--cluster-model", "--json").json()
    named = cli("cost", "--flops", "1e25", "--gpu", "h100-sxm", "--gpus", "2240", "--cluster-model",
                "--cluster-family", "MT-NLG 530B", "--json").json()
    assert a100["mfu"] == pytest.approx(named["mfu"]) == pytest.approx(0.3046, abs=1e-4)
    assert a100["assumptions"]["cluster_model"]["b"] == pytest.approx(0.2654, abs=1e-4)


def test_budget_json_has_flops_n_d_and_loss(cli):
    result = cli("budget", "--dollars", "100M", "--gpu", "h100-sxm", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    for key in ("flops", "n_opt", "d_opt", "loss"):
        assert data[key] > 0
    assert data["cloud_cost_usd"] == pytest.approx(100e6)


@pytest.mark.parametrize("args, fragments", [
    (("--gpu", "h1000", "--gpus", "8", "--mfu", "0.4"), ("unknown accelerator 'h1000'", "did you mean", "'h100'")),
    (("--gpu", "h100", "--gpus", "8", "--mfu", "1.5"), ("mfu", "(0, 1]", "1.5")),
    (("--gpu", "h100", "--gpus", "0", "--mfu", "0.4"), ("GPUs", "at least 1", "0")),
    (("--gpu", "h100", "--gpus", "8", "--mfu", "0.5 to 0.3"), ("lo > hi",)),
])
def test_bad_cost_input_is_one_line_and_exit_2(cli, args, fragments):
    assert_user_error(cli("cost", "--flops", "1e24", *args), *fragments)


def test_bad_budget_input_is_one_line_and_exit_2(cli):
    assert_user_error(cli("budget", "--dollars", "10M", "--gpu", "h100", "--law", "no-such-law"), "unknown law")


def test_gpu_hours_alone_give_energy_co2_and_dollars(cli):
    # Meta publishes GPU-hours, not GPU counts: the Llama 3.1 model card's 30.84M H100-hours price the run
    # (energy, CO2, cloud and owned cost) without --gpus; only days and the capital outlay need the count.
    result = cli("cost", "--gpu-hours", "30.84M", "--gpu", "h100-sxm", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["energy_mwh"] == pytest.approx(30.84e6 * 700 * 1.1 / 1e6)  # TDP 700 W, PUE 1.1
    assert data["co2_t"] == pytest.approx(data["energy_mwh"] * 0.385)
    assert data["cloud_cost_usd"] == pytest.approx(30.84e6 * data["price_per_gpu_hour"])
    assert data["owned_cost_usd"] is not None and data["days"] is None and data["capital_cost_usd"] is None
    with_gpus = cli("cost", "--gpu-hours", "30.84M", "--gpu", "h100-sxm", "--gpus", "16384", "--json").json()
    for key in ("energy_mwh", "co2_t", "cloud_cost_usd", "depreciation_usd", "owned_cost_usd"):
        assert with_gpus[key] == pytest.approx(data[key])


def test_goodput_and_hfu_end_to_end(cli):
    # the default goodput and its sourced range are printed and in JSON (PaLM 540B and Gemini 1.0, see
    # tests/test_cost_wholerun.py); --goodput replaces it
    shown = cli("cost", "--compute", "3.8e25", "--gpu", "h100", "--gpus", "16384", "--mfu", "0.4")
    assert shown.code == 0 and "goodput not given: 79% assumed" in shown.stdout and "65-97%" in shown.stdout
    data = cli("cost", "--compute", "3.8e25", "--gpu", "h100", "--gpus", "16384", "--mfu", "0.4", "--json").json()
    assert data["goodput"] == 0.79 and data["assumptions"]["goodput"]["range"] == [0.65, 0.97]
    given = cli("cost", "--compute", "3.8e25", "--gpu", "h100", "--gpus", "16384", "--mfu", "0.4", "--goodput", "90%",
                "--json").json()
    assert given["goodput"] == 0.9 and given["days"] == pytest.approx(data["days"] * 0.79 / 0.9)
    assert not any("goodput not given" in note for note in given["notes"])
    budget = cli("budget", "--dollars", "100M", "--gpu", "h100-sxm", "--goodput", "0.9", "--json").json()
    assert budget["goodput"] == 0.9
    # MT-NLG's 126 TFLOP/s per A100 (Smith et al. 2022, Table 1) are hardware FLOP with full recomputation:
    # 40.4% HFU is 30.3% MFU (PaLM, Table 3: 30.2%)
    hfu = cli("cost", "--compute", "1e24", "--gpu", "a100-80gb", "--gpus", "2240", "--hfu", f"{126 / 312}",
              "--json").json()
    assert hfu["mfu"] == pytest.approx(126 / 312 * 0.75)
    flops = cli("cost", "--compute", "1e24", "--gpu", "a100-80gb", "--gpus", "2240",
                "--flops-per-second-per-gpu", "126e12", "--json").json()
    assert flops["mfu"] == pytest.approx(126 / 312) and any("HFU-based" in note for note in flops["notes"])


@pytest.mark.parametrize("args, words", [
    (("--goodput", "0"), ("--goodput must be", "(0, 1]")),
    (("--goodput", "1.2"), ("--goodput", "1.2")),
    (("--hfu", "0.5", "--mfu", "0.4"), ("give --hfu or --mfu, not both",)),
    (("--hfu", "1.5"), ("--hfu", "1.5")),
    (("--hfu", "0.5", "--cluster-model"), ("give --hfu or --cluster-model, not both",)),
    (("--mfu", "0.4", "--recompute", "full"), ("--recompute", "--hfu")),
    (("--hfu", "0.5", "--recompute", "some"), ("--recompute", "'some'")),
    (("--hfu", "0.5", "--recompute", "selective"), ("selective", "--config")),
    (("--mfu", "0.4", "--cluster-family", "MT-NLG 530B"), ("--cluster-family", "--cluster-model")),
    (("--cluster-model", "--cluster-family", "GPT-5"), ("calibration run", "GPT-5")),
])
def test_goodput_hfu_and_family_errors_are_one_line(cli, args, words):
    assert_user_error(cli("cost", "--compute", "1e24", "--gpu", "h100", "--gpus", "1024", *args), *words)


def test_selective_recomputation_converts_by_the_model_shape(cli):
    # Korthikanti et al. 2022 (arXiv:2205.05198), section 5: selective recomputation repeats only the attention
    # core; for GPT-3 175B at 2,048 tokens that is under 1% of the training FLOP
    data = cli("cost", "--config", "gpt3-175b", "--tokens", "300B", "--gpu", "a100-80gb", "--gpus", "1024",
               "--hfu", "0.5", "--recompute", "selective", "--json").json()
    assert 0.49 < data["mfu"] < 0.5
