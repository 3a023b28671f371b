"""Chinchilla parametric loss (Hoffmann et al. 2022, arXiv:2203.15556, eq. 2 and section 3.3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import LawError
from .base import NDLaw, ParamSpec, as_positive_array

__all__ = ["ChinchillaLaw"]


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
        return self.E + self.A / n**self.alpha + self.B / d**self.beta

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
        return (self.alpha * self.A / (self.beta * self.B)) ** (1.0 / (self.alpha + self.beta))
