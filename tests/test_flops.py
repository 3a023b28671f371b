"""compute.flops: 6ND, the detailed Kaplan and Chinchilla counts, parameter counts."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scalinglab.compute import KNOWN_CONFIGS, TransformerConfig, flops_breakdown, param_counts, training_flops
from scalinglab.errors import InputError


def test_gpt3_175b_training_flops_6nd():
    # Brown et al. 2020 (arXiv:2005.14165), Table D.1: GPT-3 175B trained on 300B tokens = 3.14e23 FLOP
    assert float(training_flops(175e9, 300e9)) == pytest.approx(3.14e23, rel=0.01)


def test_gpt3_shape_has_175b_parameters():
    # Brown et al. 2020, Table 2.1: 96 layers, d_model 12288, 96 heads -> 175B parameters
    counts = param_counts(KNOWN_CONFIGS["gpt3-175b"])
    assert counts["total"] == pytest.approx(175e9, rel=0.005)
    # Kaplan et al. 2020, section 2.1: N ≈ 12 n_layer d_model^2 for non-embedding parameters
    assert counts["non_embedding"] == pytest.approx(12 * 96 * 12288**2, rel=0.001)


def test_gpt2_124m_parameter_count():
    # nanoGPT / GPT-2 small: 124.44M parameters with tied embeddings and learned positions
    assert param_counts(KNOWN_CONFIGS["gpt2-124m"])["total"] == 124_439_808


def test_gpt3_detailed_count_reports_attention_and_embedding_shares():
    breakdown = flops_breakdown(KNOWN_CONFIGS["gpt3-175b"], 300e9, method="chinchilla")
    shares = breakdown.shares
    assert set(shares) == {"embeddings", "attention", "dense", "logits"}
    assert 0.30 < shares["attention"] < 0.40
    assert 0 < shares["embeddings"] < 0.01
    # Hoffmann et al. 2022, Appendix F / Table A4: the detailed count is within a few percent of 6ND
    assert breakdown.total == pytest.approx(6 * 175e9 * 300e9, rel=0.05)
    assert sum(shares.values()) == pytest.approx(1.0)


def test_kaplan_count_is_2n_plus_context_term():
    # Kaplan et al. 2020, Table 1: C_forward ≈ 2N + 2 n_layer n_ctx d_model per token; training = 3x
    cfg = KNOWN_CONFIGS["gpt3-175b"]
    breakdown = flops_breakdown(cfg, 1.0, method="kaplan", include_lm_head=False)
    n = 12 * cfg.n_layers * cfg.d_model**2
    expected = 3 * (2 * n + 2 * cfg.n_layers * cfg.n_ctx * cfg.d_model)
    assert breakdown.total == pytest.approx(expected, rel=1e-9)


def test_embeddings_and_lm_head_can_be_switched_off():
    cfg = KNOWN_CONFIGS["gpt2-124m"]
    full = flops_breakdown(cfg, 1e9, method="chinchilla")
    bare = flops_breakdown(cfg, 1e9, method="chinchilla", include_embeddings=False, include_lm_head=False)
    assert bare.components["embeddings"] == 0 and bare.components["logits"] == 0
    assert full.total > bare.total


def test_untied_embeddings_add_an_lm_head():
    tied = param_counts(TransformerConfig(n_layers=2, d_model=64, n_heads=4, vocab_size=1000, n_ctx=128))
    untied = param_counts(TransformerConfig(n_layers=2, d_model=64, n_heads=4, vocab_size=1000, n_ctx=128,
                                            tied_embeddings=False))
    assert untied["total"] - tied["total"] == 1000 * 64


@given(st.integers(1, 48), st.integers(1, 64), st.sampled_from([1, 2, 4, 8]), st.integers(256, 100_000))
def test_flops_grow_with_depth_and_width(layers, width_units, heads, vocab):
    d = width_units * heads * 8
    small = TransformerConfig(n_layers=layers, d_model=d, n_heads=heads, vocab_size=vocab, n_ctx=512)
    deeper = TransformerConfig(n_layers=layers + 1, d_model=d, n_heads=heads, vocab_size=vocab, n_ctx=512)
    for method in ("6nd", "kaplan", "chinchilla"):
        assert flops_breakdown(deeper, 1e6, method=method).total > flops_breakdown(small, 1e6, method=method).total


def test_bad_shapes_are_errors():
    with pytest.raises(InputError, match="divisible"):
        TransformerConfig(n_layers=2, d_model=100, n_heads=3, vocab_size=10, n_ctx=8)
    with pytest.raises(InputError, match="n_layers"):
        TransformerConfig(n_layers=0, d_model=64, n_heads=4, vocab_size=10, n_ctx=8)
    with pytest.raises(InputError, match="method"):
        flops_breakdown(KNOWN_CONFIGS["gpt2-124m"], 1e9, method="magic")
    with pytest.raises(InputError):
        training_flops(-1, 1e9)
