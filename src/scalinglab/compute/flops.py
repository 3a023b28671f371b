"""Training FLOPs and parameter counts of a decoder-only transformer.

Three counts, named by their source:

* ``6nd`` — C = 6 N D (Kaplan et al. 2020, section 2.1): 2 FLOP per parameter per token forward,
  twice that backward.
* ``kaplan`` — Kaplan et al. 2020, Table 1: forward FLOP per token = 2 N + 2 n_layer n_ctx d_attn
  (N non-embedding), training = 3x forward. Embeddings are omitted unless asked for.
* ``chinchilla`` — Hoffmann et al. 2022, Appendix F: per sequence forward FLOP of embeddings,
  attention (QKV projections, QK^T logits, softmax, the softmax-weighted sum, output projection),
  the dense block and the final logits; backward = 2x forward. Embeddings and lm_head counted
  unless switched off.

One multiply-add is 2 FLOP throughout.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .._table import rich_table
from ..errors import InputError
from ..units import format_quantity, format_span
from .options import METHODS

__all__ = ["TransformerConfig", "training_flops", "SixND", "param_counts", "flops_per_token", "FlopsBreakdown",
           "flops_breakdown", "METHODS", "KNOWN_CONFIGS"]


def training_flops(n_params, n_tokens, flops_per_param_token: float = 6.0):
    """C = k N D with k = 6 (Kaplan et al. 2020, section 2.1)."""
    n = np.asarray(n_params, dtype=float)
    d = np.asarray(n_tokens, dtype=float)
    for name, value in (("n_params", n), ("n_tokens", d)):
        if np.any(~np.isfinite(value) | (value <= 0)):
            raise InputError(f"{name} must be positive and finite, got {value.flat[0]!r}")
    return flops_per_param_token * n * d


class SixND:
    """C = k N D: training FLOP from parameters and tokens (a float, or an array for arrays)."""

    __slots__ = ("params", "tokens", "flops", "flops_per_param_token")

    def __init__(self, params, tokens, flops, k):
        self.params, self.tokens, self.flops, self.flops_per_param_token = params, tokens, flops, k

    def to_dict(self) -> dict:
        return {"flops": self.flops, "params": self.params, "tokens": self.tokens, "method": "6nd"}

    def headline(self) -> str:
        return f"6ND = {format_span(self.flops)} FLOP"

    def report(self) -> str:
        if np.ndim(self.flops) == 0:
            return (f"C = 6 N D = 6 x {format_quantity(float(self.params))} x {format_quantity(float(self.tokens))}"
                    f" = {float(self.flops):.4g} FLOP")
        return "C = 6 N D: " + ", ".join(f"{v:.4g}" for v in np.ravel(self.flops)) + " FLOP"


@dataclass(frozen=True, slots=True)
class TransformerConfig:
    """Shape of a decoder-only transformer, dense or mixture-of-experts.

    ``d_ff`` defaults to ``ffn_ratio * d_model``; ``head_dim`` to ``d_model / n_heads``; ``n_kv_heads`` to
    ``n_heads`` (fewer: grouped-query attention, GQA; one: multi-query, MQA); positions are ``"learned"``
    (an n_ctx x d_model table, GPT-2/3) or ``"rotary"`` (no parameters); embeddings are tied to the lm_head
    unless ``tied_embeddings=False``; ``gated_ffn`` is a 3-matrix FFN (SwiGLU); ``norm`` is ``"layernorm"``
    (scale and bias) or ``"rmsnorm"`` (scale only); ``bias`` puts biases on the attention and FFN matrices.

    Mixture of experts: ``n_experts`` routed experts of width ``moe_d_ff`` (default ``d_ff``), ``top_k`` of
    them per token, ``n_shared_experts`` always on, in every layer but the first ``n_dense_layers`` (dense FFN
    of width ``d_ff``). Multi-head latent attention (DeepSeek-V2/V3) when ``kv_lora_rank`` is set, with
    ``q_lora_rank`` (None: a full query projection), ``qk_nope_head_dim``, ``qk_rope_head_dim`` and
    ``v_head_dim``.
    """

    n_layers: int
    d_model: int
    n_heads: int
    vocab_size: int
    n_ctx: int
    ffn_ratio: float = 4.0
    d_ff: int | None = None
    positions: str = "learned"
    tied_embeddings: bool = True
    gated_ffn: bool = False
    n_kv_heads: int | None = None
    head_dim: int | None = None
    norm: str = "layernorm"
    bias: bool = True
    n_experts: int = 0
    top_k: int = 0
    n_shared_experts: int = 0
    moe_d_ff: int | None = None
    n_dense_layers: int = 0
    q_lora_rank: int | None = None
    kv_lora_rank: int | None = None
    qk_nope_head_dim: int | None = None
    qk_rope_head_dim: int | None = None
    v_head_dim: int | None = None

    def __post_init__(self):
        for name in ("n_layers", "d_model", "n_heads", "vocab_size", "n_ctx"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise InputError(f"transformer {name} must be a positive integer, got {value!r}")
        for name in ("n_kv_heads", "head_dim", "d_ff", "moe_d_ff", "q_lora_rank", "kv_lora_rank", "qk_nope_head_dim",
                     "qk_rope_head_dim", "v_head_dim"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, (int, np.integer)) or value <= 0):
                raise InputError(f"transformer {name} must be a positive integer, got {value!r}")
        for name in ("n_experts", "top_k", "n_shared_experts", "n_dense_layers"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 0:
                raise InputError(f"transformer {name} must be a non-negative integer, got {value!r}")
        if self.head_dim is None and self.kv_lora_rank is None and self.d_model % self.n_heads:
            raise InputError(f"d_model {self.d_model} is not divisible by n_heads {self.n_heads}")
        if self.kv_heads > self.n_heads or self.n_heads % self.kv_heads:
            raise InputError(f"n_heads {self.n_heads} is not a multiple of n_kv_heads {self.kv_heads}")
        if self.positions not in ("learned", "rotary"):
            raise InputError(f"positions must be 'learned' or 'rotary', got {self.positions!r}")
        if self.norm not in ("layernorm", "rmsnorm"):
            raise InputError(f"norm must be 'layernorm' or 'rmsnorm', got {self.norm!r}")
        if not (isinstance(self.ffn_ratio, (int, float)) and math.isfinite(self.ffn_ratio) and self.ffn_ratio > 0):
            raise InputError(f"transformer ffn_ratio must be a positive number, got {self.ffn_ratio!r}")
        if self.n_experts:
            if not 1 <= self.top_k <= self.n_experts:
                raise InputError(f"top_k must be between 1 and n_experts {self.n_experts}, got {self.top_k}")
            if self.n_dense_layers > self.n_layers:
                raise InputError(f"n_dense_layers {self.n_dense_layers} exceeds n_layers {self.n_layers}")
        elif self.top_k or self.n_shared_experts:
            raise InputError("top_k and n_shared_experts need n_experts > 0")
        if self.kv_lora_rank is not None and None in (self.qk_nope_head_dim, self.qk_rope_head_dim, self.v_head_dim):
            raise InputError("latent attention (kv_lora_rank) needs qk_nope_head_dim, qk_rope_head_dim and v_head_dim")

    @property
    def ffn_dim(self) -> int:
        return int(self.d_ff if self.d_ff is not None else round(self.ffn_ratio * self.d_model))

    @property
    def d_head(self) -> int:
        if self.head_dim is not None:
            return int(self.head_dim)
        if self.kv_lora_rank is not None:
            return int(self.qk_nope_head_dim + self.qk_rope_head_dim)
        return self.d_model // self.n_heads

    @property
    def kv_heads(self) -> int:
        return int(self.n_heads if self.n_kv_heads is None else self.n_kv_heads)

    @property
    def is_moe(self) -> bool:
        return self.n_experts > 0

    @property
    def n_moe_layers(self) -> int:
        return self.n_layers - self.n_dense_layers if self.is_moe else 0

    @property
    def expert_dim(self) -> int:
        return int(self.moe_d_ff if self.moe_d_ff is not None else self.ffn_dim)

    @property
    def qk_dim(self) -> int:
        """Query/key width per head (for the QK^T logits)."""
        return self.d_head

    @property
    def v_dim(self) -> int:
        """Value width per head."""
        return int(self.v_head_dim) if self.kv_lora_rank is not None else self.d_head

    def kv_cache_bytes_per_token(self, bytes_per_value: float = 2.0) -> float:
        """KV cache per token over all layers: K and V per KV head (GQA/MQA), or MLA's compressed latent
        plus its rotary key (DeepSeek-V2, section 2.1.2: (d_c + d_h^R) l elements per token)."""
        if self.kv_lora_rank is not None:
            per_layer = self.kv_lora_rank + self.qk_rope_head_dim
        else:
            per_layer = 2 * self.kv_heads * self.d_head
        return float(self.n_layers * per_layer * bytes_per_value)

    def to_dict(self) -> dict:
        return asdict(self)


def _ffn_matrix(config: TransformerConfig, width: int) -> int:
    """Weights of one FFN (or expert) of hidden width ``width``: 3 matrices when gated (SwiGLU), else 2."""
    return (3 if config.gated_ffn else 2) * config.d_model * width


def _attention_weights(config: TransformerConfig) -> tuple[int, int, int]:
    """Per layer: (matrix weights, biases, extra norm scales) of the attention block."""
    d, h = config.d_model, config.n_heads
    if config.kv_lora_rank is not None:  # multi-head latent attention (DeepSeek-V2, section 2.1)
        qk = config.qk_nope_head_dim + config.qk_rope_head_dim
        if config.q_lora_rank is not None:
            q = d * config.q_lora_rank + config.q_lora_rank * h * qk
            norms = config.q_lora_rank
        else:
            q, norms = d * h * qk, 0
        kv = d * (config.kv_lora_rank + config.qk_rope_head_dim) \
            + config.kv_lora_rank * h * (config.qk_nope_head_dim + config.v_head_dim)
        o = h * config.v_head_dim * d
        return q + kv + o, 0, norms + config.kv_lora_rank
    q_width, kv_width = h * config.d_head, config.kv_heads * config.d_head
    weights = d * q_width + 2 * d * kv_width + q_width * d
    biases = (q_width + 2 * kv_width + d) if config.bias else 0
    return weights, biases, 0


def param_counts(config: TransformerConfig) -> dict[str, int]:
    """Parameters by part. ``non_embedding`` is Kaplan's N (attention + FFN + norms); ``active`` and
    ``active_non_embedding`` count what one token uses (all of a dense model; for a mixture of experts, the
    top-k routed and the shared experts, the router and everything outside the experts)."""
    d, f, L = config.d_model, config.ffn_dim, config.n_layers
    attn_w, attn_b, attn_norms = _attention_weights(config)
    norm_size = 2 * d if config.norm == "layernorm" else d
    dense_ffn = _ffn_matrix(config, f) + (((2 if config.gated_ffn else 1) * f + d) if config.bias else 0)
    n_dense, n_moe = L - config.n_moe_layers, config.n_moe_layers
    expert = _ffn_matrix(config, config.expert_dim)
    router = config.n_experts * d
    attention = L * (attn_w + attn_b)
    ffn = n_dense * dense_ffn + n_moe * ((config.n_experts + config.n_shared_experts) * expert + router)
    ffn_active = n_dense * dense_ffn + n_moe * ((config.top_k + config.n_shared_experts) * expert + router)
    norms = L * (2 * norm_size + attn_norms) + norm_size  # two per block and the final one
    embedding = config.vocab_size * d
    positions = config.n_ctx * d if config.positions == "learned" else 0
    lm_head = 0 if config.tied_embeddings else config.vocab_size * d
    non_embedding = attention + ffn + norms
    active_non_embedding = attention + ffn_active + norms
    return {
        "attention": attention,
        "ffn": ffn,
        "norms": norms,
        "embedding": embedding,
        "positions": positions,
        "lm_head": lm_head,
        "non_embedding": non_embedding,
        "total": non_embedding + embedding + positions + lm_head,
        "ffn_active": ffn_active,
        "active_non_embedding": active_non_embedding,
        "active": active_non_embedding + embedding + positions + lm_head,
        # the weights a token multiplies: no input lookup, the output head once (tied or not)
        "active_matmul": active_non_embedding + (embedding if config.tied_embeddings else lm_head),
    }


def _matmul_weights(config: TransformerConfig) -> tuple[int, int]:
    """Per token: (attention, FFN) matrix weights one token multiplies (biases and norms left out)."""
    attn_w, _, _ = _attention_weights(config)
    f = config.ffn_dim
    n_dense, n_moe = config.n_layers - config.n_moe_layers, config.n_moe_layers
    expert = _ffn_matrix(config, config.expert_dim)
    ffn = n_dense * _ffn_matrix(config, f) + n_moe * ((config.top_k + config.n_shared_experts) * expert
                                                      + config.n_experts * config.d_model)
    return config.n_layers * attn_w, ffn


def _chinchilla_forward_per_token(config: TransformerConfig, include_embeddings: bool, include_lm_head: bool) -> dict:
    """Hoffmann et al. 2022, Appendix F, divided by the sequence length. Projections count the weights one
    token multiplies (fewer key/value heads under GQA/MQA; the top-k and shared experts of an MoE layer plus
    its router); the logits and the weighted sum use the query/key and value widths of all heads."""
    s, L, v, d = config.n_ctx, config.n_layers, config.vocab_size, config.d_model
    attn_w, ffn_w = _matmul_weights(config)
    h_qk = config.n_heads * config.qk_dim
    h_v = config.n_heads * config.v_dim
    attention = (
        2 * attn_w  # query, key, value and output projections
        + L * 2 * s * h_qk  # key @ query logits
        + L * 3 * config.n_heads * s  # softmax
        + L * 2 * s * h_v  # softmax @ value reductions
    )
    return {
        "embeddings": 2 * v * d if include_embeddings else 0,
        "attention": attention,
        "dense": 2 * ffn_w,
        "logits": 2 * d * v if include_lm_head else 0,
    }


def _kaplan_forward_per_token(config: TransformerConfig, include_embeddings: bool, include_lm_head: bool) -> dict:
    """Kaplan et al. 2020, Table 1 (per token, forward): 2 N + 2 n_layer n_ctx d_attn, with N the weights a
    token uses (for MoE: the active experts)."""
    d, s, L = config.d_model, config.n_ctx, config.n_layers
    attn_w, ffn_w = _matmul_weights(config)
    return {
        "embeddings": 4 * d if include_embeddings else 0,
        "attention": 2 * attn_w + L * 2 * s * config.n_heads * config.qk_dim,  # projections, mask (context)
        "dense": 2 * ffn_w,
        "logits": 2 * d * config.vocab_size if include_lm_head else 0,
    }


def _6n_forward_per_token(config: TransformerConfig, include_embeddings: bool, include_lm_head: bool) -> dict:
    """2 N per token forward, N the parameters a token uses (6 N_active D for a mixture of experts)."""
    counts = param_counts(config)
    return {
        "embeddings": 2 * (counts["embedding"] + counts["positions"]) if include_embeddings else 0,
        "attention": 2 * counts["attention"],
        "dense": 2 * (counts["ffn_active"] + counts["norms"]),
        "logits": 0,
    }


_FORWARD = {"6nd": _6n_forward_per_token, "kaplan": _kaplan_forward_per_token, "chinchilla": _chinchilla_forward_per_token}


def flops_per_token(config: TransformerConfig, *, method: str = "chinchilla", include_embeddings: bool | None = None,
                    include_lm_head: bool = True) -> float:
    """Training FLOP per token (forward + backward = 3x forward) by the named method."""
    return flops_breakdown(config, 1.0, method=method, include_embeddings=include_embeddings,
                           include_lm_head=include_lm_head).total


@dataclass(frozen=True)
class FlopsBreakdown:
    """Training FLOP split into embeddings, attention, dense (FFN) and logits (lm_head)."""

    method: str
    n_tokens: float
    components: dict[str, float]
    params: dict[str, int]

    @property
    def total(self) -> float:
        return float(sum(self.components.values()))

    @property
    def shares(self) -> dict[str, float]:
        total = self.total
        return {k: v / total for k, v in self.components.items()}

    @property
    def six_nd(self) -> float:
        """6 N D with N the non-embedding parameters a token uses (all of them unless MoE), for comparison."""
        return 6.0 * self.params["active_non_embedding"] * self.n_tokens

    def to_dict(self) -> dict:
        return {
            "method": self.method, "n_tokens": self.n_tokens, "flops": self.total, "components": self.components,
            "shares": self.shares, "params": self.params, "flops_6nd_non_embedding": self.six_nd,
            "flops_6nd_total": 6.0 * self.params["total"] * self.n_tokens,
            "flops_6nd_active": 6.0 * self.params["active"] * self.n_tokens,
        }

    def headline(self) -> str:
        return f"{self.method}: {self.total:.4g} FLOP"

    def report(self):
        rows = [[k, f"{v:.4g}", f"{100 * self.shares[k]:.2f}%"] for k, v in self.components.items()]
        rows.append(["total", f"{self.total:.4g}", "100%"])
        moe = self.params["active"] != self.params["total"]
        label = "6 N D (N active non-embedding)" if moe else "6 N D (N non-embedding)"
        rows.append([label, f"{self.six_nd:.4g}", f"{100 * self.six_nd / self.total:.1f}%"])
        title = (f"Training FLOP ({self.method}) for {format_quantity(self.n_tokens)} tokens; "
                 f"N = {format_quantity(self.params['total'])} total, "
                 + (f"{format_quantity(self.params['active'])} active per token, " if moe else "")
                 + f"{format_quantity(self.params['non_embedding'])} non-embedding")
        return rich_table(title, ["part", "FLOP", "share"], rows)


def flops_breakdown(config: TransformerConfig, n_tokens: float, *, method: str = "chinchilla",
                    include_embeddings: bool | None = None, include_lm_head: bool = True) -> FlopsBreakdown:
    """Training FLOP for ``n_tokens`` tokens, by component. ``include_embeddings`` defaults to the
    method's own convention (counted for ``chinchilla``, not for ``kaplan`` and ``6nd``)."""
    if method not in _FORWARD:
        raise InputError(f"unknown FLOP method {method!r}; choose from {', '.join(METHODS)}")
    if not (np.isfinite(n_tokens) and n_tokens > 0):
        raise InputError(f"n_tokens must be positive and finite, got {n_tokens!r}")
    if include_embeddings is None:
        include_embeddings = method == "chinchilla"
    if method == "6nd":
        include_lm_head = include_lm_head and include_embeddings
    forward = _FORWARD[method](config, include_embeddings, include_lm_head)
    components = {k: 3.0 * v * float(n_tokens) for k, v in forward.items()}
    return FlopsBreakdown(method, float(n_tokens), components, param_counts(config))


KNOWN_CONFIGS = {
    # Brown et al. 2020, Table 2.1 (vocabulary 50257, context 2048)
    "gpt3-175b": TransformerConfig(n_layers=96, d_model=12288, n_heads=96, vocab_size=50257, n_ctx=2048),
    "gpt3-6.7b": TransformerConfig(n_layers=32, d_model=4096, n_heads=32, vocab_size=50257, n_ctx=2048),
    "gpt3-125m": TransformerConfig(n_layers=12, d_model=768, n_heads=12, vocab_size=50257, n_ctx=2048),
    # Radford et al. 2019 / nanoGPT's 124M GPT-2 (context 1024)
    "gpt2-124m": TransformerConfig(n_layers=12, d_model=768, n_heads=12, vocab_size=50257, n_ctx=1024),
    # Hoffmann et al. 2022, Table 4 (Chinchilla 70B: 80 layers, d_model 8192, 64 heads, vocab 32k)
    "chinchilla-70b": TransformerConfig(n_layers=80, d_model=8192, n_heads=64, vocab_size=32000, n_ctx=2048,
                                        positions="rotary", tied_embeddings=False),
}


def model_table() -> dict:
    """``models.yaml``: published model shapes (Llama 2/3, Mixtral, DeepSeek-V3) with their sources."""
    from pathlib import Path

    from .._io import read_bundled_yaml

    return read_bundled_yaml(Path(__file__).with_name("models.yaml"))


KNOWN_CONFIGS.update({name: TransformerConfig(**entry["shape"]) for name, entry in model_table()["models"].items()})
