"""The GPT allocates exactly the parameters scalinglab.compute.param_counts counts, and behaves like a
causal language model."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from hypothesis import given, settings, strategies as st  # noqa: E402

from scalinglab.compute import KNOWN_CONFIGS, TransformerConfig, param_counts  # noqa: E402
from scalinglab.errors import InputError  # noqa: E402
from scalinglab.sweep.model import GPT  # noqa: E402

torch.set_num_threads(1)


@settings(max_examples=20, deadline=None)
@given(n_layers=st.integers(1, 3), heads=st.sampled_from([1, 2, 4]), head_dim=st.sampled_from([4, 8, 16]),
       vocab=st.integers(5, 300), n_ctx=st.integers(4, 64), positions=st.sampled_from(["learned", "rotary"]),
       tied=st.booleans())
def test_model_parameters_equal_param_counts(n_layers, heads, head_dim, vocab, n_ctx, positions, tied):
    config = TransformerConfig(n_layers=n_layers, d_model=heads * head_dim, n_heads=heads, vocab_size=vocab,
                               n_ctx=n_ctx, positions=positions, tied_embeddings=tied)
    with torch.device("meta"):
        model = GPT(config)
    counts = param_counts(config)
    assert model.num_params() == {"total": counts["total"], "non_embedding": counts["non_embedding"]}
    assert sum(p.numel() for p in model.parameters()) == counts["total"]


def test_gpt2_small_has_124m_parameters():
    # Radford et al. 2019 GPT-2 small (12 x 768, vocabulary 50257, context 1024, tied embeddings):
    # 124,439,808 parameters with the position table, as nanoGPT's model.py reports ("124M").
    with torch.device("meta"):
        model = GPT(KNOWN_CONFIGS["gpt2-124m"])
    assert model.num_params()["total"] == 124_439_808


def test_logits_at_a_position_ignore_later_tokens():
    config = TransformerConfig(n_layers=2, d_model=32, n_heads=4, vocab_size=50, n_ctx=16, positions="rotary")
    torch.manual_seed(0)
    model = GPT(config).eval()
    x = torch.randint(0, 50, (1, 16))
    y = x.clone()
    y[0, 10:] = (y[0, 10:] + 1) % 50
    with torch.no_grad():
        a, _ = model(x)
        b, _ = model(y)
    assert torch.allclose(a[0, :10], b[0, :10], atol=1e-6)
    assert not torch.allclose(a[0, 10:], b[0, 10:], atol=1e-6)


@pytest.mark.parametrize("positions", ["learned", "rotary"])
def test_initial_loss_is_near_uniform_guessing(positions):
    config = TransformerConfig(n_layers=2, d_model=32, n_heads=2, vocab_size=257, n_ctx=32, positions=positions)
    torch.manual_seed(0)
    model = GPT(config)
    x, y = torch.randint(0, 257, (8, 32)), torch.randint(0, 257, (8, 32))
    with torch.no_grad():
        _, loss = model(x, y)
    assert abs(float(loss) - math.log(257)) < 0.1


def test_same_seed_same_weights():
    config = TransformerConfig(n_layers=1, d_model=16, n_heads=2, vocab_size=40, n_ctx=8)
    torch.manual_seed(3)
    a = GPT(config).state_dict()
    torch.manual_seed(3)
    b = GPT(config).state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_too_long_sequence_and_gated_ffn_are_refused():
    config = TransformerConfig(n_layers=1, d_model=16, n_heads=2, vocab_size=40, n_ctx=8)
    model = GPT(config)
    with pytest.raises(InputError, match="longer than the context"):
        model(torch.zeros((1, 9), dtype=torch.long))
    with pytest.raises(InputError, match="gated"):
        GPT(TransformerConfig(n_layers=1, d_model=16, n_heads=2, vocab_size=40, n_ctx=8, gated_ffn=True))
