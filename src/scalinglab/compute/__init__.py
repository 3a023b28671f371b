"""Compute: FLOP counts of transformer training (and, alongside, hardware and cost models)."""

from .flops import (
    KNOWN_CONFIGS,
    METHODS,
    FlopsBreakdown,
    TransformerConfig,
    flops_breakdown,
    flops_per_token,
    param_counts,
    training_flops,
)

__all__ = [
    "KNOWN_CONFIGS", "METHODS", "FlopsBreakdown", "TransformerConfig", "flops_breakdown", "flops_per_token",
    "param_counts", "training_flops",
]
