"""Accelerator catalogue: dense peaks pinned to datasheets, every value sourced, lookup by name."""

from __future__ import annotations

import pytest

from scalinglab.compute.hardware import (
    PRECISIONS, custom_accelerator, get_accelerator, list_accelerators, normalise_precision,
)
from scalinglab.errors import InputError, UnknownNameError

REQUIRED = ("v100", "a100-40gb", "a100-80gb", "h100-sxm", "h100-pcie", "h800", "h200", "b200", "mi250x", "mi300x",
            "tpu-v4", "tpu-v5e", "tpu-v5p", "trainium2", "rtx-4090")


def test_catalogue_has_every_required_accelerator():
    names = [a.name for a in list_accelerators()]
    assert set(REQUIRED) <= set(names)
    assert len(names) == len(set(names))


def test_h100_sxm_dense_bf16_peak_is_989_tflops():
    # NVIDIA H100 Tensor Core GPU datasheet: BF16 Tensor Core 1,979 TFLOPS *with sparsity* -> 989 dense.
    h100 = get_accelerator("h100-sxm")
    assert h100.peak("bf16") == pytest.approx(989e12, rel=1e-3)
    assert "H100 SXM5" in h100.sources["bf16"].locator
    # FP8 dense is twice BF16 dense (3,958 TFLOPS with sparsity in the datasheet, halved)
    assert h100.peak("fp8") == pytest.approx(1979e12, rel=1e-3)
    assert "datasheet" in h100.sources["fp8"].citation


def test_a100_dense_bf16_peak_is_312_tflops():
    # NVIDIA A100 datasheet: BF16 Tensor Core 312 TFLOPS dense (624 with sparsity).
    for name in ("a100-40gb", "a100-80gb", "A100"):
        assert get_accelerator(name).peak("bf16") == pytest.approx(312e12)
    assert "A100 SXM4 80 GB" in get_accelerator("a100").sources["bf16"].locator


def test_no_sparse_figures_slip_in():
    # dense peaks: BF16 <= FP8 <= FP4, each step at most 2x (a sparse figure would double a step); TF32 <= BF16
    for acc in list_accelerators():
        if "tf32" in acc.peak_flops:
            assert acc.peak_flops["tf32"] <= acc.peak() * 1.01, acc.name
        ladder = [acc.peak_flops[p] for p in ("bf16", "fp8", "fp4") if p in acc.peak_flops]
        for lower, higher in zip(ladder, ladder[1:]):
            assert lower <= higher * 1.01, acc.name
            assert higher <= 2.0 * lower * 1.01, acc.name


def test_every_field_of_every_entry_has_a_source():
    for acc in list_accelerators():
        fields = acc.fields()
        assert fields, acc.name
        for key in fields:
            source = acc.sources.get(key)
            assert source is not None and source.citation, (acc.name, key)
        assert set(acc.sources) == set(fields), acc.name


def test_cloud_prices_carry_a_date():
    priced = [a for a in list_accelerators() if a.cloud_usd_per_hour is not None]
    assert len(priced) >= 10
    for acc in priced:
        assert acc.cloud_price_date and acc.cloud_price_date[:2] == "20", acc.name


def test_overrides_of_epoch_values_say_why():
    # RTX 4090: Ada whitepaper BF16 with FP32 accumulate is 165.2 TFLOPS dense (Epoch lists 330, FP16 accumulate)
    rtx = get_accelerator("rtx-4090")
    assert rtx.peak("bf16") == pytest.approx(165.2e12)
    assert "Ada" in rtx.sources["bf16"].citation and "accumulate" in rtx.notes["bf16"]
    # V100 has no BF16: the default precision falls back to the FP16 tensor rate (125 TFLOPS, V100 datasheet)
    v100 = get_accelerator("v100")
    assert "bf16" not in v100.peak_flops and v100.default_precision == "fp16"
    assert v100.peak() == pytest.approx(125e12)
    with pytest.raises(InputError, match="no bf16 peak"):
        v100.peak("bf16")


@pytest.mark.parametrize("name, expected", [
    ("H100", "h100-sxm"), ("h100", "h100-sxm"), ("A100", "a100-80gb"), ("a100 40gb", "a100-40gb"),
    ("NVIDIA H100 SXM5 80GB", "h100-sxm"), ("TPU v5p", "tpu-v5p"), ("tpu_v4", "tpu-v4"), ("RTX 4090", "rtx-4090"),
    ("4090", "rtx-4090"), ("MI300X", "mi300x"), ("trn2", "trainium2"), ("H800", "h800"),
])
def test_lookup_ignores_case_and_knows_aliases(name, expected):
    assert get_accelerator(name).name == expected


def test_unknown_accelerator_names_the_closest():
    with pytest.raises(UnknownNameError) as info:
        get_accelerator("h1000")
    assert "did you mean" in str(info.value) and "'h100'" in str(info.value)
    with pytest.raises(UnknownNameError, match="choose from .*h100-sxm"):
        get_accelerator("quantum-abacus")


def test_precision_names_are_normalised():
    assert normalise_precision("BF16") == "bf16" and normalise_precision("bfloat16") == "bf16"
    assert normalise_precision("FP8") == "fp8" and set(PRECISIONS) == {"fp32", "tf32", "bf16", "fp16", "fp8", "fp4"}
    with pytest.raises(InputError, match="unknown precision"):
        normalise_precision("int3")


def test_custom_accelerator_for_a_whole_supercomputer():
    machine = custom_accelerator(5.3e17, name="supercomputer")
    assert machine.peak() == 5.3e17 and machine.sources["bf16"].citation == "given by the user"
    with pytest.raises(InputError):
        custom_accelerator(0.0)


def test_to_dict_round_trips_through_json():
    import json

    data = json.loads(json.dumps(get_accelerator("b200").to_dict()))
    assert data["peak_flops"]["fp4"] == pytest.approx(9e15)
    assert data["sources"]["release_price_usd"]["citation"].startswith("CNBC")


def test_tpu_and_trainium2_have_dated_list_prices_with_sources():
    # Google Cloud TPU pricing: v4 $3.22 per chip-hour on demand (11 August 2022, INFER question 1114);
    # v5e $1.20 and v5p $4.20 per chip-hour (AI Wiki TPU v5 guide, January 2026); Trainium2: trn2.48xlarge
    # $38.47/hour for 16 chips (Stackpulsar, Q2 2026).
    expected = {"tpu-v4": 3.22, "tpu-v5e": 1.20, "tpu-v5p": 4.20, "trainium2": 38.47 / 16}
    for name, price in expected.items():
        acc = get_accelerator(name)
        assert acc.cloud_usd_per_hour == pytest.approx(price, abs=0.005), name
        assert acc.cloud_price_date and acc.sources["cloud_usd_per_hour"].citation, name
