"""Kaplan et al. 2020, "Scaling Laws for Neural Language Models" (arXiv:2001.08361)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .base import Law, NDLaw, ParamSpec, as_positive_array

__all__ = ["KaplanLaw", "KaplanComputeLaw", "PF_DAY"]

PF_DAY = 1e15 * 86400.0
"""One petaflop/s-day in FLOP (Kaplan et al. 2020, section 1.3)."""


@dataclass(frozen=True, slots=True)
class KaplanLaw(NDLaw):
    """L(N, D) = [(N_c / N)^(alpha_N / alpha_D) + D_c / D]^alpha_D  (Kaplan et al. 2020, eq. 1.5).

    N counts non-embedding parameters; loss in nats per token on WebText2.
    """

    N_c: float
    D_c: float
    alpha_N: float
    alpha_D: float

    family: ClassVar[str] = "kaplan"
    n_convention: ClassVar[str] = "non-embedding"
    PARAMS: ClassVar[tuple[ParamSpec, ...]] = (
        ParamSpec("N_c", 0.0, np.inf, (20.0, 25.0, 30.0, 35.0), True, "parameter scale"),
        ParamSpec("D_c", 0.0, np.inf, (20.0, 25.0, 30.0, 35.0), True, "data scale"),
        ParamSpec("alpha_N", 0.0, 2.0, (0.03, 0.1, 0.3), False, "parameter exponent"),
        ParamSpec("alpha_D", 0.0, 2.0, (0.03, 0.1, 0.3), False, "data exponent"),
    )

    def loss(self, n_params, n_tokens):
        n = as_positive_array(n_params, "n_params")
        d = as_positive_array(n_tokens, "n_tokens")
        return ((self.N_c / n) ** (self.alpha_N / self.alpha_D) + self.D_c / d) ** self.alpha_D


@dataclass(frozen=True, slots=True)
class KaplanComputeLaw(Law):
    """L(C_min) = (C_c^min / C_min)^alpha_C^min  (Kaplan et al. 2020, eq. 1.4; C in PF-days)."""

    C_c: float
    alpha_C: float

    family: ClassVar[str] = "kaplan-compute"

    def __call__(self, compute_flops):
        pf_days = as_positive_array(compute_flops, "compute_flops") / PF_DAY
        return (self.C_c / pf_days) ** self.alpha_C
