"""Compute-optimal allocation rules: N_opt = n_anchor (C / c_anchor)^a, D_opt = C / (6 N_opt).

The published exponents of Hoffmann et al. 2022 (Table 2: Approaches 1-3 give a = 0.50, 0.49,
0.46) and Kaplan et al. 2020 (eq. 6.1: a = 0.73) describe how the optimal model size grows with
compute without a loss law; each is anchored on one published point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .base import Law, as_positive_array

__all__ = ["AllocationRule"]


@dataclass(frozen=True, slots=True)
class AllocationRule(Law):
    """N_opt(C) = n_anchor (C / c_anchor)^a; D_opt = C / (k N_opt) with k = 6 by default."""

    a: float
    n_anchor: float
    c_anchor: float

    family: ClassVar[str] = "allocation"

    def n_opt(self, compute_flops):
        return self.n_anchor * (as_positive_array(compute_flops, "compute_flops") / self.c_anchor) ** self.a

    def d_opt(self, compute_flops, flops_per_param_token: float = 6.0):
        c = as_positive_array(compute_flops, "compute_flops")
        return c / (flops_per_param_token * self.n_opt(c))
