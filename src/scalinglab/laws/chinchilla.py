"""Chinchilla parametric loss (Hoffmann et al. 2022, arXiv:2203.15556, eq. 2 and section 3.3).

The formula is written once, in the log-sum-exp form of Hoffmann et al. 2022 (section D.2) that the
fit works in (``chinchilla_log_loss``):

    log L = LSE(a - alpha log N, b - beta log D, e),  A = exp(a), B = exp(b), E = exp(e).

Parameters are (K, 1) columns (or numbers) broadcast against (n,) inputs; ``ChinchillaLaw.loss`` is
its exponential.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import LawError
from .base import NDLaw, ParamSpec, as_positive_array, log_constants

__all__ = ["ChinchillaLaw", "allocation_constant", "chinchilla_log_loss", "chinchilla_exponentials",
           "chinchilla_log_loss_jacobian", "log_sum_exp3"]


def allocation_constant(a_coef, b_coef, alpha, beta):
    """G = (alpha A / (beta B))^(1 / (alpha + beta)), so N_opt = G (C/k)^a, D_opt = (C/k)^b / G (eq. 4)."""
    return (alpha * a_coef / (beta * b_coef)) ** (1.0 / (alpha + beta))


def log_sum_exp3(t1, t2, t3):
    """log(e^t1 + e^t2 + e^t3) and the three softmax weights."""
    m = np.maximum(np.maximum(t1, t2), t3)
    w1, w2, w3 = np.exp(t1 - m), np.exp(t2 - m), np.exp(t3 - m)
    s = w1 + w2 + w3
    return m + np.log(s), w1 / s, w2 / s, w3 / s


def chinchilla_exponentials(e, a, b, alpha, beta, log_n, log_d):
    """(m, w1, w2, w3): the maximum m of the terms a - alpha log N, b - beta log D and e, and exp(term - m),
    computed in place (``log_n`` and ``log_d`` are arrays)."""
    w1 = a - alpha * log_n
    w2 = b - beta * log_d
    m = np.maximum(np.maximum(w1, w2), e)
    w1 -= m
    np.exp(w1, out=w1)
    w2 -= m
    np.exp(w2, out=w2)
    return m, w1, w2, np.exp(e - m)


def chinchilla_log_loss(e, a, b, alpha, beta, log_n, log_d):
    """log L = LSE(a - alpha log N, b - beta log D, e): ``log_sum_exp3``'s first output by the same
    operations, in place and without the weights."""
    m, w1, w2, w3 = chinchilla_exponentials(e, a, b, alpha, beta, log_n, log_d)
    w1 += w2
    w1 += w3
    np.log(w1, out=w1)
    m += w1
    return m


def chinchilla_log_loss_jacobian(e, a, b, alpha, beta, log_n, log_d):
    """d log L / d (e, a, b, alpha, beta) as (K, n, 5): the softmax weights (p3, p1, p2, -p1 log N, -p2 log D)."""
    t1 = a - alpha * log_n
    _, p1, p2, p3 = log_sum_exp3(t1, b - beta * log_d, np.broadcast_to(e, t1.shape))
    return np.stack([p3, p1, p2, -p1 * log_n, -p2 * log_d], axis=-1)


@dataclass(frozen=True, slots=True)
class ChinchillaLaw(NDLaw):
    """L(N, D) = E + A / N^alpha + B / D^beta  (Hoffmann et al. 2022, eq. 2; N counts all params)."""

    E: float
    A: float
    B: float
    alpha: float
    beta: float

    family: ClassVar[str] = "chinchilla"
    PARAMS: ClassVar[tuple[ParamSpec, ...]] = (
        ParamSpec("E", 0.0, np.inf, (-1.0, -0.5, 0.0, 0.5, 1.0), True, "irreducible loss"),
        ParamSpec("A", 0.0, np.inf, (0.0, 5.0, 10.0, 15.0, 20.0, 25.0), True, "parameter term scale"),
        ParamSpec("B", 0.0, np.inf, (0.0, 5.0, 10.0, 15.0, 20.0, 25.0), True, "data term scale"),
        ParamSpec("alpha", 0.0, np.inf, (0.0, 0.5, 1.0, 1.5, 2.0), False, "parameter exponent"),
        ParamSpec("beta", 0.0, np.inf, (0.0, 0.5, 1.0, 1.5, 2.0), False, "data exponent"),
    )

    def loss(self, n_params, n_tokens):
        n = as_positive_array(n_params, "n_params")
        d = as_positive_array(n_tokens, "n_tokens")
        shape = np.broadcast_shapes(n.shape, d.shape)
        e, a, b = log_constants(self.E, self.A, self.B)
        log_loss = chinchilla_log_loss(e, a, b, self.alpha, self.beta, np.log(np.broadcast_to(n, shape)).ravel(),
                                       np.log(np.broadcast_to(d, shape)).ravel())
        return np.exp(log_loss).reshape(shape)[()]

    def reducible_terms(self, n_params, n_tokens) -> tuple[np.ndarray, np.ndarray]:
        """(A / N^alpha, B / D^beta), the two reducible parts of the loss."""
        n = as_positive_array(n_params, "n_params")
        d = as_positive_array(n_tokens, "n_tokens")
        return self.A / n**self.alpha, self.B / d**self.beta

    @property
    def optimal_n_exponent(self) -> float:
        """a in N_opt ∝ C^a: beta / (alpha + beta) (Hoffmann et al. 2022, eq. 4)."""
        return self.beta / (self.alpha + self.beta)

    @property
    def optimal_d_exponent(self) -> float:
        """b in D_opt ∝ C^b: alpha / (alpha + beta)."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def allocation_constant(self) -> float:
        """G = (alpha A / (beta B))^(1 / (alpha + beta)), so N_opt = G (C/k)^a, D_opt = (C/k)^b / G."""
        if not min(self.A, self.B, self.alpha, self.beta) > 0:
            raise LawError(f"no compute-optimal allocation: it needs A, B, alpha and beta > 0, got A={self.A:g}, "
                           f"B={self.B:g}, alpha={self.alpha:g}, beta={self.beta:g}")
        return allocation_constant(self.A, self.B, self.alpha, self.beta)
