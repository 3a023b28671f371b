"""Inference-aware allocation (Sardana & Frankle 2023, "Beyond Chinchilla-Optimal", arXiv:2401.00448).

A model that will serve T_inf tokens costs 6 N D_tr to train and about 2 N T_inf to serve. For a
target loss l, minimise 6 N D_tr + 2 N T_inf subject to L(N, D_tr) = l: a smaller model trained on
more tokens than the Chinchilla optimum, the more so the more it is used. The target defaults to the
compute-optimal loss of a training budget C, so the answer is compared with that optimum.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError, LawError
from ..laws import ChinchillaLaw, KaplanLaw, NDLaw
from .optimal import compute_for_loss, compute_optimal, minimise_over_log_n
from .result import Plan

__all__ = ["tokens_for_loss", "inference_optimal"]

INFERENCE_FLOPS_PER_PARAM_TOKEN = 2.0
"""Forward pass: one multiply-add (2 FLOP) per parameter per token (Kaplan et al. 2020, Table 1)."""


def tokens_for_loss(law: NDLaw, n_params: float, target_loss: float) -> float:
    """D such that L(N, D) = target, or inf when N alone cannot reach the target."""
    from scipy import optimize

    if isinstance(law, ChinchillaLaw):
        gap = target_loss - law.E - law.A / n_params**law.alpha
        return np.inf if gap <= 0 else (law.B / gap) ** (1.0 / law.beta)
    if isinstance(law, KaplanLaw):
        gap = target_loss ** (1.0 / law.alpha_D) - (law.N_c / n_params) ** (law.alpha_N / law.alpha_D)
        return np.inf if gap <= 0 else law.D_c / gap
    if float(law.loss(n_params, 1e40)) >= target_loss:
        return np.inf
    root = optimize.brentq(lambda x: float(law.loss(n_params, 10.0**x)) - target_loss, 0.0, 40.0, xtol=1e-12)
    return 10.0**root


def inference_optimal(law: NDLaw, inference_tokens: float, *, compute_flops: float | None = None,
                      target_loss: float | None = None, flops_per_param_token: float = 6.0, name: str = "") -> Plan:
    """N and D_tr reaching the target loss with the least training + inference FLOP."""
    if not isinstance(law, NDLaw):
        raise LawError(f"law family {law.family!r} predicts no loss from N and D")
    if (compute_flops is None) == (target_loss is None):
        raise InputError("give exactly one of compute_flops (its optimal loss is the target) or target_loss")
    if not (np.isfinite(inference_tokens) and inference_tokens >= 0):
        raise InputError(f"inference tokens must be zero or positive, got {inference_tokens!r}")
    k = float(flops_per_param_token)
    reference = None
    if compute_flops is not None:
        reference = compute_optimal(law, compute_flops, flops_per_param_token=k)
        target_loss = float(reference.loss)
    if target_loss <= law.irreducible():
        raise LawError(f"target loss {target_loss:g} is at or below the law's irreducible loss E = {law.irreducible():.4g}")

    tokens = np.vectorize(lambda m: tokens_for_loss(law, float(m), target_loss), otypes=[float])

    def log_total(n):
        return np.log(k * n * tokens(n) + INFERENCE_FLOPS_PER_PARAM_TOKEN * n * inference_tokens)

    n = minimise_over_log_n(log_total, 1e45, 1.0)
    d = tokens_for_loss(law, n, target_loss)
    training = k * n * d
    inference = INFERENCE_FLOPS_PER_PARAM_TOKEN * n * inference_tokens
    if reference is None:
        reference = compute_for_loss(law, target_loss, flops_per_param_token=k)
    ref_total = float(reference.compute_flops) + INFERENCE_FLOPS_PER_PARAM_TOKEN * float(reference.n_params) * inference_tokens
    extra = {
        "inference_tokens": float(inference_tokens),
        "training_flops": training,
        "inference_flops": inference,
        "total_flops": training + inference,
        "chinchilla_n": float(reference.n_params),
        "chinchilla_d": float(reference.n_tokens),
        "chinchilla_total_flops": ref_total,
        "saving_fraction": 1.0 - (training + inference) / ref_total,
    }
    return Plan(name or law.family, np.float64(training), np.float64(n), np.float64(d), np.float64(target_loss), k,
                "inference-aware (Sardana & Frankle 2023)", extra)

