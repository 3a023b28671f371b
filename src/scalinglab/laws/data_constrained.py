"""Data-constrained scaling (Muennighoff et al. 2023, arXiv:2305.16264, section 3.1, eq. 5-7).

Repeated tokens and excess parameters are worth less than fresh ones. With U unique tokens seen
for R_D = D/U - 1 repetitions, the effective data is

    D' = U + U R_D* (1 - exp(-R_D / R_D*))

and likewise N' = U_N + U_N R_N* (1 - exp(-R_N / R_N*)), with U_N = min(N, N_opt(U)) the
compute-optimal size for U tokens under the base law and R_N = N / U_N - 1. The loss is the base
Chinchilla law evaluated at (N', D'): ``data_constrained_log_loss`` writes it once, in the coordinates
the fit works in, on ``chinchilla_log_loss``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .base import NDLaw, ParamSpec, as_positive_array, log_constants
from .chinchilla import ChinchillaLaw, allocation_constant, chinchilla_log_loss

__all__ = ["DataConstrainedLaw", "effective_data", "effective_params", "data_constrained_log_loss"]


def _effective(unique, excess, r_star):
    """U + U R* (1 - exp(-R / R*)); expm1 keeps it exact when R* is huge."""
    return unique + unique * r_star * -np.expm1(-excess / r_star)


def _optimal_params(g, alpha, beta, n_tokens):
    """U_N = G (G D)^(beta/alpha) for the allocation constant G (Hoffmann et al. 2022, eq. 4)."""
    return g * (g * n_tokens) ** (beta / alpha)


def data_constrained_log_loss(e, a, b, alpha, beta, log_r_d_star, log_r_n_star, n, d, u):
    """log L(N, D, U) = log L_Chinchilla(N', D') with the effective N' and D' of eq. 5-6.

    Parameters as the fit sees them: e, a, b the logarithms of E, A, B and the log R*; inputs N, D and
    U in their own units. alpha and beta are held at least 1e-9 in the allocation.
    """
    r_d, r_n = np.exp(log_r_d_star), np.exp(log_r_n_star)
    u = np.minimum(u, d)
    d_eff = _effective(u, np.maximum(d / u - 1.0, 0.0), r_d)
    alpha = np.maximum(alpha, 1e-9)
    g = allocation_constant(np.exp(a), np.exp(b), alpha, np.maximum(beta, 1e-9))
    u_n = np.minimum(n, _optimal_params(g, alpha, beta, u))
    n_eff = _effective(u_n, np.maximum(n / u_n - 1.0, 0.0), r_n)
    return chinchilla_log_loss(e, a, b, alpha, beta, np.log(n_eff), np.log(d_eff))


def effective_data(n_tokens, unique_tokens, r_d_star: float):
    """D' = U + U R_D* (1 - exp(-R_D / R_D*)), R_D = max(D/U - 1, 0) (Muennighoff et al. eq. 5)."""
    d = as_positive_array(n_tokens, "n_tokens")
    u = np.minimum(as_positive_array(unique_tokens, "unique_tokens"), d)
    return _effective(u, np.maximum(d / u - 1.0, 0.0), r_d_star)


def effective_params(n_params, unique_params, r_n_star: float):
    """N' = U_N + U_N R_N* (1 - exp(-R_N / R_N*)), U_N = min(N, unique_params) (eq. 6)."""
    n = as_positive_array(n_params, "n_params")
    u_n = np.minimum(n, as_positive_array(unique_params, "unique_params"))
    return _effective(u_n, np.maximum(n / u_n - 1.0, 0.0), r_n_star)


@dataclass(frozen=True, slots=True)
class DataConstrainedLaw(NDLaw):
    """L(N, D, U) = E + A / N'^alpha + B / D'^beta  (Muennighoff et al. 2023, eq. 7)."""

    base: ChinchillaLaw
    R_D_star: float
    R_N_star: float

    family: ClassVar[str] = "data-constrained"
    PARAMS: ClassVar[tuple[ParamSpec, ...]] = (
        ParamSpec("R_D_star", 0.0, np.inf, tuple(np.log([1.0, 5.0, 15.0, 50.0])), True, "repetition half-life of data"),
        ParamSpec("R_N_star", 0.0, np.inf, tuple(np.log([1.0, 5.0, 15.0, 50.0])), True, "half-life of excess parameters"),
    )

    def params(self) -> dict:
        return {"base": self.base.params(), "R_D_star": self.R_D_star, "R_N_star": self.R_N_star}

    def to_dict(self) -> dict:
        return {"family": self.family, "params": self.params()}

    @classmethod
    def from_params(cls, params: dict) -> "DataConstrainedLaw":
        base = params["base"]
        base = base if isinstance(base, ChinchillaLaw) else ChinchillaLaw(**base)
        return cls(base=base, R_D_star=params["R_D_star"], R_N_star=params["R_N_star"])

    def irreducible(self) -> float:
        return self.base.E

    def optimal_params_for_tokens(self, n_tokens):
        """U_N = G (G D)^(beta/alpha): the compute-optimal N for D tokens under the base law.

        Follows from N_opt = G (C/k)^a and D_opt = (C/k)^b / G (Hoffmann et al. 2022, eq. 4).
        """
        return _optimal_params(self.base.allocation_constant, self.base.alpha, self.base.beta,
                               as_positive_array(n_tokens, "n_tokens"))

    def effective(self, n_params, n_tokens, unique_tokens) -> tuple[np.ndarray, np.ndarray]:
        """(N', D') for N parameters trained on D tokens drawn from U unique tokens."""
        d_eff = effective_data(n_tokens, unique_tokens, self.R_D_star)
        u = np.minimum(as_positive_array(unique_tokens, "unique_tokens"), as_positive_array(n_tokens, "n_tokens"))
        n_eff = effective_params(n_params, self.optimal_params_for_tokens(u), self.R_N_star)
        return n_eff, d_eff

    def loss(self, n_params, n_tokens, unique_tokens=None):
        """Loss with repetition; with ``unique_tokens=None`` every token is fresh (the base law)."""
        if unique_tokens is None:
            return self.base.loss(n_params, n_tokens)
        n = as_positive_array(n_params, "n_params")
        d = as_positive_array(n_tokens, "n_tokens")
        u = as_positive_array(unique_tokens, "unique_tokens")
        base = self.base
        _ = base.allocation_constant  # a LawError unless A, B, alpha and beta are positive
        shape = np.broadcast_shapes(n.shape, d.shape, u.shape)
        n, d, u = (np.broadcast_to(v, shape).ravel() for v in (n, d, u))
        e, a, b = log_constants(base.E, base.A, base.B)
        log_loss = data_constrained_log_loss(e, a, b, base.alpha, base.beta, np.log(self.R_D_star),
                                             np.log(self.R_N_star), n, d, u)
        return np.exp(log_loss).reshape(shape)[()]
