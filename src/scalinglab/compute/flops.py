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

from dataclasses import asdict, dataclass

import numpy as np

from .._table import rich_table
from ..errors import InputError
from ..units import format_quantity

__all__ = ["TransformerConfig", "training_flops", "param_counts", "flops_per_token", "FlopsBreakdown",
           "flops_breakdown", "METHODS", "KNOWN_CONFIGS"]

METHODS = ("6nd", "kaplan", "chinchilla")


def training_flops(n_params, n_tokens, flops_per_param_token: float = 6.0):
    """C = k N D with k = 6 (Kaplan et al. 2020, section 2.1)."""
    n = np.asarray(n_params, dtype=float)
    d = np.asarray(n_tokens, dtype=float)
    for name, value in (("n_params", n), ("n_tokens", d)):
        if np.any(~np.isfinite(value) | (value <= 0)):
            raise InputError(f"{name} must be positive and finite, got {value.flat[0]!r}")
    return flops_per_param_token * n * d


@dataclass(frozen=True, slots=True)
class TransformerConfig:
    """Shape of a decoder-only transformer.

    ``d_ff`` defaults to ``ffn_ratio * d_model``; ``d_head`` to ``d_model / n_heads``; positions are
    ``"learned"`` (an n_ctx x d_model table, GPT-2/3) or ``"rotary"`` (no parameters); embeddings are
    tied to the lm_head unless ``tied_embeddings=False``.
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

    def __post_init__(self):
        for name in ("n_layers", "d_model", "n_heads", "vocab_size", "n_ctx"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value <= 0:
                raise InputError(f"transformer {name} must be a positive integer, got {value!r}")
        if self.d_model % self.n_heads:
            raise InputError(f"d_model {self.d_model} is not divisible by n_heads {self.n_heads}")
        if self.positions not in ("learned", "rotary"):
            raise InputError(f"positions must be 'learned' or 'rotary', got {self.positions!r}")
        if self.ffn_ratio <= 0:
            raise InputError(f"ffn_ratio must be positive, got {self.ffn_ratio!r}")

    @property
    def ffn_dim(self) -> int:
        return int(self.d_ff if self.d_ff is not None else round(self.ffn_ratio * self.d_model))

    @property
    def d_head(self) -> int:
        return self.d_model // self.n_heads

    def to_dict(self) -> dict:
        return asdict(self)


def param_counts(config: TransformerConfig) -> dict[str, int]:
    """Parameters by part. ``non_embedding`` is Kaplan's N (attention + FFN + norms)."""
    d, f, L = config.d_model, config.ffn_dim, config.n_layers
    attention = L * (4 * d * d + 4 * d)  # Q, K, V, O weights and biases
    ffn = L * ((3 if config.gated_ffn else 2) * d * f + f + d)
    norms = L * 2 * (2 * d) + 2 * d  # two LayerNorms per block and the final one (scale + bias)
    embedding = config.vocab_size * d
    positions = config.n_ctx * d if config.positions == "learned" else 0
    lm_head = 0 if config.tied_embeddings else config.vocab_size * d
    non_embedding = attention + ffn + norms
    return {
        "attention": attention,
        "ffn": ffn,
        "norms": norms,
        "embedding": embedding,
        "positions": positions,
        "lm_head": lm_head,
        "non_embedding": non_embedding,
        "total": non_embedding + embedding + positions + lm_head,
    }


def _chinchilla_forward_per_token(config: TransformerConfig, include_embeddings: bool, include_lm_head: bool) -> dict:
    """Hoffmann et al. 2022, Appendix F, divided by the sequence length (key_size x heads = d_model here)."""
    d, s, L, v = config.d_model, config.n_ctx, config.n_layers, config.vocab_size
    h_k = config.d_head * config.n_heads
    f = config.ffn_dim
    attention = (
        2 * 3 * d * h_k  # key, query and value projections
        + 2 * s * h_k  # key @ query logits
        + 3 * config.n_heads * s  # softmax
        + 2 * s * h_k  # softmax @ value reductions
        + 2 * h_k * d  # final linear
    )
    dense = 2 * ((3 if config.gated_ffn else 2) * d * f)
    return {
        "embeddings": 2 * v * d if include_embeddings else 0,
        "attention": L * attention,
        "dense": L * dense,
        "logits": 2 * d * v if include_lm_head else 0,
    }


def _kaplan_forward_per_token(config: TransformerConfig, include_embeddings: bool, include_lm_head: bool) -> dict:
    """Kaplan et al. 2020, Table 1 (per token, forward)."""
    d, s, L = config.d_model, config.n_ctx, config.n_layers
    f = config.ffn_dim
    return {
        "embeddings": 4 * d if include_embeddings else 0,
        "attention": L * (2 * 3 * d * d + 2 * s * d + 2 * d * d),  # QKV, mask (context), projection
        "dense": L * 2 * 2 * d * f,
        "logits": 2 * d * config.vocab_size if include_lm_head else 0,
    }


def _6n_forward_per_token(config: TransformerConfig, include_embeddings: bool, include_lm_head: bool) -> dict:
    counts = param_counts(config)
    return {
        "embeddings": 2 * (counts["embedding"] + counts["positions"]) if include_embeddings else 0,
        "attention": 2 * counts["attention"],
        "dense": 2 * (counts["ffn"] + counts["norms"]),
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
        """6 N D with N the non-embedding parameters, for comparison."""
        return 6.0 * self.params["non_embedding"] * self.n_tokens

    def to_dict(self) -> dict:
        return {
            "method": self.method, "n_tokens": self.n_tokens, "flops": self.total, "components": self.components,
            "shares": self.shares, "params": self.params, "flops_6nd_non_embedding": self.six_nd,
            "flops_6nd_total": 6.0 * self.params["total"] * self.n_tokens,
        }

    def report(self):
        rows = [[k, f"{v:.4g}", f"{100 * self.shares[k]:.2f}%"] for k, v in self.components.items()]
        rows.append(["total", f"{self.total:.4g}", "100%"])
        rows.append(["6 N D (N non-embedding)", f"{self.six_nd:.4g}", f"{100 * self.six_nd / self.total:.1f}%"])
        title = (f"Training FLOP ({self.method}) for {format_quantity(self.n_tokens)} tokens; "
                 f"N = {format_quantity(self.params['total'])} total, "
                 f"{format_quantity(self.params['non_embedding'])} non-embedding")
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
