"""Shapes of today's models: GQA/MQA, SwiGLU, RMSNorm, untied embeddings, mixtures of experts, latent
attention; counts checked against published figures, Hugging Face config.json files read locally."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglab.compute import KNOWN_CONFIGS, TransformerConfig, flops_breakdown, param_counts
from scalinglab.compute.shapes import load_hf_config, published_counts, resolve_config
from scalinglab.errors import InputError

from conftest import assert_user_error

HF = Path(__file__).parent / "data" / "hf_configs"


@pytest.mark.parametrize("name, exact", [
    # Hugging Face safetensors metadata of each model (model pages, see models.yaml)
    ("llama2-70b", 68_976_648_192),
    ("llama3-8b", 8_030_261_248),
    ("llama3-70b", 70_553_706_496),
    ("llama3.1-405b", 405_853_388_800),
])
def test_llama_parameter_counts_match_the_published_counts(name, exact):
    counts = param_counts(KNOWN_CONFIGS[name])
    published = published_counts(name)
    assert counts["total"] == exact  # every weight: GQA projections, 3-matrix SwiGLU, RMSNorm scales, untied head
    assert counts["total"] == pytest.approx(published.total, rel=0.01)
    assert counts["active"] == counts["total"]  # dense


def test_mixtral_8x7b_total_and_active_within_one_percent():
    # Mistral AI, "Mixtral of experts" (2023): "46.7B total parameters but only uses 12.9B parameters per token"
    counts = param_counts(KNOWN_CONFIGS["mixtral-8x7b"])
    assert counts["total"] == pytest.approx(46.7e9, rel=0.01)
    assert counts["active"] == pytest.approx(12.9e9, rel=0.01)
    assert counts["total"] == 46_702_792_704


def test_deepseek_v3_total_within_one_percent_and_active_within_the_published_rounding():
    # DeepSeek-V3 Technical Report (arXiv:2412.19437), abstract: "671B total parameters with 37B activated for
    # each token" (the 14B multi-token-prediction module is not part of the 671B).
    counts = param_counts(KNOWN_CONFIGS["deepseek-v3"])
    assert counts["total"] == pytest.approx(671e9, rel=0.01)
    assert counts["total"] == pytest.approx(671.03e9, rel=1e-4)
    # 37B is rounded to the billion: the weights a token multiplies (no input lookup) are 36.6B, inside
    # [36.5B, 37.5B); counting the 0.93B input embedding as well gives 37.55B.
    assert 36.5e9 <= counts["active_matmul"] < 37.5e9
    assert counts["active_matmul"] == pytest.approx(37e9, rel=0.0105)
    assert counts["active"] - counts["active_matmul"] == 129280 * 7168


def test_published_counts_carry_their_sources():
    for name in ("llama2-70b", "llama3-8b", "llama3-70b", "llama3.1-405b", "mixtral-8x7b", "deepseek-v3"):
        pub = published_counts(name)
        assert pub.source.citation and pub.shape_source.citation
    assert published_counts("deepseek-v3").source.identifier == "arXiv:2412.19437"


def test_moe_flops_per_token_are_six_n_active_plus_attention():
    cfg = KNOWN_CONFIGS["mixtral-8x7b"]
    counts = param_counts(cfg)
    six = flops_breakdown(cfg, 1.0, method="6nd", include_embeddings=False)
    assert six.total == pytest.approx(6 * counts["active_non_embedding"])
    detailed = flops_breakdown(cfg, 1.0, method="chinchilla", include_embeddings=False)
    # 6 N_active (matrix weights, with the lm_head) + the attention logits and weighted sum over the context
    attention_context = 3 * cfg.n_layers * (2 * cfg.n_ctx * 4096 * 2 + 3 * 32 * cfg.n_ctx)
    matmul = counts["active_matmul"] - counts["norms"]
    assert detailed.total == pytest.approx(6 * matmul + attention_context, rel=1e-9)
    # the total parameters would overcount the work 3.6-fold
    assert counts["total"] / counts["active"] == pytest.approx(3.63, abs=0.01)


@pytest.mark.parametrize("name", ["llama3-8b", "mixtral-8x7b", "deepseek-v3"])
def test_hugging_face_config_json_gives_the_known_shape(name):
    config = load_hf_config(HF / f"{name}.config.json")
    known = KNOWN_CONFIGS[name]
    assert param_counts(config) == param_counts(replace(known, n_ctx=config.n_ctx))
    assert resolve_config(str(HF / f"{name}.config.json")) == config


def test_config_json_missing_a_field_names_the_file_and_field(tmp_path):
    data = json.loads((HF / "llama3-8b.config.json").read_text())
    del data["intermediate_size"]
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=r"config\.json.*missing field 'intermediate_size'"):
        load_hf_config(path)
    data["intermediate_size"] = "big"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match="'intermediate_size' must be an integer"):
        load_hf_config(path)
    path.write_text("{not json")
    with pytest.raises(InputError, match="not readable JSON"):
        load_hf_config(path)


def test_cli_flops_reads_a_config_json_and_missing_fields_are_one_line(cli, tmp_path):
    result = cli("flops", "--config", str(HF / "mixtral-8x7b.config.json"), "--tokens", "1T", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["params"]["total"] == 46_702_792_704 and data["params"]["active"] == 12_879_925_248
    bad = tmp_path / "config.json"
    bad.write_text(json.dumps({"model_type": "llama", "hidden_size": 4096}))
    assert_user_error(cli("flops", "--config", str(bad), "--tokens", "1T"), "config.json", "missing field",
                      "num_hidden_layers")
    assert_user_error(cli("flops", "--config", "llama9-1t", "--tokens", "1T"), "unknown model config")


def test_shape_errors_are_input_errors():
    with pytest.raises(InputError, match="multiple of n_kv_heads"):
        TransformerConfig(n_layers=2, d_model=64, n_heads=8, n_kv_heads=3, vocab_size=10, n_ctx=8)
    with pytest.raises(InputError, match="top_k"):
        TransformerConfig(n_layers=2, d_model=64, n_heads=8, vocab_size=10, n_ctx=8, n_experts=4, top_k=5)
    with pytest.raises(InputError, match="need n_experts"):
        TransformerConfig(n_layers=2, d_model=64, n_heads=8, vocab_size=10, n_ctx=8, top_k=2)


shapes = st.builds(
    lambda L, heads, group, d_head, ffn, vocab, gated, norm: TransformerConfig(
        n_layers=L, d_model=heads * d_head, n_heads=heads, n_kv_heads=heads // group, vocab_size=vocab, n_ctx=256,
        d_ff=ffn, gated_ffn=gated, norm=norm, bias=False, positions="rotary", tied_embeddings=False),
    st.integers(1, 8), st.sampled_from([4, 8, 16]), st.sampled_from([1, 2, 4]), st.sampled_from([16, 32, 64]),
    st.integers(16, 512), st.integers(10, 1000), st.booleans(), st.sampled_from(["layernorm", "rmsnorm"]))


@settings(max_examples=50, deadline=None)
@given(cfg=shapes, experts=st.integers(2, 16), data=st.data())
def test_moe_counts_are_consistent(cfg, experts, data):
    top_k = data.draw(st.integers(1, experts))
    moe = replace(cfg, n_experts=experts, top_k=top_k)
    dense, sparse = param_counts(cfg), param_counts(moe)
    assert sparse["active"] <= sparse["total"]
    # routed experts multiply the FFN; the router adds n_experts x d_model per layer
    ffn_one = dense["ffn"] // cfg.n_layers
    assert sparse["ffn"] == cfg.n_layers * (experts * ffn_one + experts * cfg.d_model)
    assert sparse["ffn_active"] == cfg.n_layers * (top_k * ffn_one + experts * cfg.d_model)
    if top_k == experts:
        assert sparse["active"] == sparse["total"]


@settings(max_examples=50, deadline=None)
@given(cfg=shapes)
def test_fewer_kv_heads_never_add_parameters_or_flops(cfg):
    mha = replace(cfg, n_kv_heads=None)
    assert param_counts(cfg)["attention"] <= param_counts(mha)["attention"]
    assert flops_breakdown(cfg, 1.0).total <= flops_breakdown(mha, 1.0).total
    assert cfg.kv_cache_bytes_per_token() * cfg.n_heads == pytest.approx(mha.kv_cache_bytes_per_token() * cfg.kv_heads)
