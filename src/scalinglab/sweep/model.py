"""A decoder-only transformer (GPT) in one readable file.

Pre-norm blocks (LayerNorm -> causal self-attention -> residual, LayerNorm -> MLP -> residual), rotary
(Su et al. 2021, arXiv:2104.09864) or learned absolute positions, token embeddings tied to the output
head (Press & Wolf 2017), attention through ``F.scaled_dot_product_attention``. The shape is a
:class:`scalinglab.compute.TransformerConfig`, so the parameters this module allocates are exactly the
ones :func:`scalinglab.compute.param_counts` counts (Q, K, V, O with biases; a two-layer GELU MLP with
biases; LayerNorms with scale and bias) and the trainer's FLOPs per token come from the same function
the sweep planner uses.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from ..compute import TransformerConfig
from ..errors import InputError

__all__ = ["GPT", "check_config"]


def check_config(config: TransformerConfig) -> None:
    """The torch model builds plain (non-gated) MLPs with tied or untied output heads."""
    if config.gated_ffn:
        raise InputError("the sweep's GPT has a plain GELU MLP; gated_ffn=True is not supported")
    if config.positions == "rotary" and config.d_head % 2:
        raise InputError(f"rotary positions need an even head size, got d_head {config.d_head}")


def _rotary_tables(n_ctx: int, d_head: int, base: float = 10000.0) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of angle t * base^(-2i/d_head) for positions t < n_ctx; each (n_ctx, d_head/2)."""
    inv_freq = 1.0 / (base ** (torch.arange(0, d_head, 2, dtype=torch.float32) / d_head))
    angles = torch.outer(torch.arange(n_ctx, dtype=torch.float32), inv_freq)
    return angles.cos(), angles.sin()


def _rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate pairs (x1, x2) of the head dimension by each position's angle. x: (B, H, T, d_head)."""
    x1, x2 = x[..., 0::2], x[..., 1::2]
    cos, sin = cos.to(x.dtype), sin.to(x.dtype)
    return torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1).flatten(-2)


class CausalSelfAttention(nn.Module):
    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.n_heads, self.d_head = config.n_heads, config.d_head
        self.qkv = nn.Linear(config.d_model, 3 * config.d_model)  # Q, K, V projections (with biases)
        self.proj = nn.Linear(config.d_model, config.d_model)  # output projection O
        self.rotary = config.positions == "rotary"

    def forward(self, x: torch.Tensor, cos: torch.Tensor | None, sin: torch.Tensor | None) -> torch.Tensor:
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)  # each (B, T, C)
        q, k, v = (t.view(B, T, self.n_heads, self.d_head).transpose(1, 2) for t in (q, k, v))  # (B, H, T, d_head)
        if self.rotary:
            q, k = _rotate(q, cos[:T], sin[:T]), _rotate(k, cos[:T], sin[:T])
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, H, T, d_head)
        return self.proj(y.transpose(1, 2).contiguous().view(B, T, C))


class MLP(nn.Module):
    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.up = nn.Linear(config.d_model, config.ffn_dim)
        self.down = nn.Linear(config.ffn_dim, config.d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(F.gelu(self.up(x)))


class Block(nn.Module):
    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.ln_attn = nn.LayerNorm(config.d_model)
        self.attn = CausalSelfAttention(config)
        self.ln_mlp = nn.LayerNorm(config.d_model)
        self.mlp = MLP(config)

    def forward(self, x, cos, sin):
        x = x + self.attn(self.ln_attn(x), cos, sin)
        return x + self.mlp(self.ln_mlp(x))


class GPT(nn.Module):
    """GPT on a :class:`TransformerConfig`. ``forward(idx, targets)`` returns (logits, mean cross-entropy)."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        check_config(config)
        self.config = config
        self.tok_emb = nn.Embedding(config.vocab_size, config.d_model)
        self.pos_emb = nn.Embedding(config.n_ctx, config.d_model) if config.positions == "learned" else None
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.ln_f = nn.LayerNorm(config.d_model)
        self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        if config.tied_embeddings:
            self.lm_head.weight = self.tok_emb.weight  # one matrix for input and output (Press & Wolf 2017)
        if config.positions == "rotary":
            cos, sin = _rotary_tables(config.n_ctx, config.d_head)
            self.register_buffer("rope_cos", cos, persistent=False)
            self.register_buffer("rope_sin", sin, persistent=False)
        else:
            self.rope_cos = self.rope_sin = None
        self.apply(self._init_weights)
        # GPT-2's scaled init of the residual projections: std 0.02 / sqrt(2 n_layers) (Radford et al. 2019)
        for name, param in self.named_parameters():
            if name.endswith("proj.weight") or name.endswith("down.weight"):
                nn.init.normal_(param, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layers))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_params(self) -> dict[str, int]:
        """Counted from the allocated tensors (tied weights once): total and non-embedding."""
        total = sum(p.numel() for p in self.parameters())
        embedding = self.tok_emb.weight.numel() + (self.pos_emb.weight.numel() if self.pos_emb is not None else 0)
        if not self.config.tied_embeddings:
            embedding += self.lm_head.weight.numel()
        return {"total": total, "non_embedding": total - embedding}

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None):
        B, T = idx.shape
        if T > self.config.n_ctx:
            raise InputError(f"sequence of {T} tokens is longer than the context n_ctx={self.config.n_ctx}")
        x = self.tok_emb(idx)  # (B, T, d_model)
        if self.pos_emb is not None:
            x = x + self.pos_emb(torch.arange(T, device=idx.device))
        for block in self.blocks:
            x = block(x, self.rope_cos, self.rope_sin)
        logits = self.lm_head(self.ln_f(x))  # (B, T, vocab)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.float().view(-1, logits.size(-1)), targets.reshape(-1))
        return logits, loss

    def optimizer_groups(self, weight_decay: float) -> list[dict]:
        """AdamW groups: decay matrices (and the embedding), not biases or LayerNorm scales."""
        decay = [p for p in self.parameters() if p.dim() >= 2]
        no_decay = [p for p in self.parameters() if p.dim() < 2]
        return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
