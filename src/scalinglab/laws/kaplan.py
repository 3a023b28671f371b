"""Kaplan et al. 2020, "Scaling Laws for Neural Language Models" (arXiv:2001.08361)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .base import Law, NDLaw, ParamSpec, as_positive_array, log_constants

__all__ = ["KaplanLaw", "KaplanComputeLaw", "PF_DAY", "kaplan_log_loss", "kaplan_log_loss_jacobian"]

PF_DAY = 1e15 * 86400.0
"""One petaflop/s-day in FLOP (Kaplan et al. 2020, section 1.3)."""


def _kaplan_parts(log_nc, log_dc, alpha_n, alpha_d, log_n, log_d):
    alpha_d = np.where(np.abs(alpha_d) < 1e-12, 1e-12, alpha_d)
    gap = log_nc - log_n
    u = (alpha_n / alpha_d) * gap
    s = np.logaddexp(u, log_dc - log_d)
    return s, u, gap, alpha_d


def kaplan_log_loss(log_nc, log_dc, alpha_n, alpha_d, log_n, log_d):
    """log L = alpha_D LSE((alpha_N / alpha_D)(log N_c - log N), log D_c - log D)  (eq. 1.5 in log form;
    |alpha_D| is held at least 1e-12)."""
    s, _, _, alpha_d = _kaplan_parts(log_nc, log_dc, alpha_n, alpha_d, log_n, log_d)
    return alpha_d * s


def kaplan_log_loss_jacobian(log_nc, log_dc, alpha_n, alpha_d, log_n, log_d):
    """d log L / d (log N_c, log D_c, alpha_N, alpha_D) as (K, n, 4), with p the first term's softmax weight:
    (alpha_N p, alpha_D (1 - p), p (log N_c - log N), LSE - p u)."""
    s, u, gap, alpha_d = _kaplan_parts(log_nc, log_dc, alpha_n, alpha_d, log_n, log_d)
    p = np.exp(u - s)
    return np.stack(np.broadcast_arrays(alpha_n * p, alpha_d * (1 - p), p * gap, s - p * u), axis=-1)


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
        log_nc, log_dc = log_constants(self.N_c, self.D_c)
        return np.exp(kaplan_log_loss(log_nc, log_dc, self.alpha_N, self.alpha_D, np.log(n), np.log(d)))


@dataclass(frozen=True, slots=True)
class KaplanComputeLaw(Law):
    """L(C_min) = (C_c^min / C_min)^alpha_C^min  (Kaplan et al. 2020, eq. 1.4; C in PF-days)."""

    C_c: float
    alpha_C: float

    family: ClassVar[str] = "kaplan-compute"

    def __call__(self, compute_flops):
        pf_days = as_positive_array(compute_flops, "compute_flops") / PF_DAY
        return (self.C_c / pf_days) ** self.alpha_C
