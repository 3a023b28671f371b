"""Compute-optimal allocation under a loss law, and its inverse (compute needed for a loss).

With training compute C = k N D (k = 6 by default: one multiply-add is 2 FLOP, and the backward
pass costs twice the forward; Kaplan et al. 2020, section 2.1), the optimum minimises L(N, C/(kN)).
For the Chinchilla form the minimum has a closed form (Hoffmann et al. 2022, eq. 4):

    N_opt = G (C/k)^a,  D_opt = G^-1 (C/k)^b,  a = beta/(alpha+beta),  b = alpha/(alpha+beta),
    G = (alpha A / (beta B))^(1/(alpha+beta)).

Other laws are minimised numerically over log N (a dense grid, then bounded Brent refinement).
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError, LawError
from ..laws import AllocationRule, ChinchillaLaw, Law, NDLaw
from ..laws.base import as_positive_array
from ..options import spelled
from .result import Plan

__all__ = ["compute_optimal", "optimal_loss", "compute_for_loss", "minimise_over_log_n"]

_GRID = 241


def _check_k(flops_per_param_token: float) -> float:
    if not (np.isfinite(flops_per_param_token) and flops_per_param_token > 0):
        raise InputError(f"flops_per_param_token must be positive, got {flops_per_param_token!r}")
    return float(flops_per_param_token)


def minimise_over_log_n(loss_of_n, compute_flops: float, k: float, n_min: float = 1.0) -> float:
    """argmin over N in [n_min, C/k] of ``loss_of_n(N)`` (D = C/(kN) implied by the caller)."""
    from scipy import optimize

    n_max = compute_flops / k / 1.0
    if n_max <= n_min:
        raise InputError(f"compute {compute_flops:.3g} FLOP is too small to train even a 1-parameter model")
    grid = np.linspace(np.log(n_min), np.log(n_max), _GRID)
    values = np.asarray(loss_of_n(np.exp(grid)), dtype=float)
    i = int(np.nanargmin(values))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, _GRID - 1)]
    if hi <= lo:
        return float(np.exp(grid[i]))
    res = optimize.minimize_scalar(lambda x: float(loss_of_n(np.exp(x))), bounds=(lo, hi), method="bounded",
                                   options={"xatol": 1e-10})
    return float(np.exp(res.x))


def compute_optimal(law: Law, compute_flops, *, flops_per_param_token: float = 6.0, name: str = "") -> Plan:
    """Compute-optimal N and D for budget(s) C under ``law`` (vectorised over C)."""
    k = _check_k(flops_per_param_token)
    c = as_positive_array(compute_flops, "compute_flops")
    name = name or law.family
    if isinstance(law, ChinchillaLaw):
        g = law.allocation_constant
        n = g * (c / k) ** law.optimal_n_exponent
        d = (c / k) ** law.optimal_d_exponent / g
        return Plan(name, c, n, d, law.loss(n, d), k, "closed form (Hoffmann et al. 2022, eq. 4)")
    if isinstance(law, AllocationRule):
        n = law.n_opt(c)
        return Plan(name, c, n, c / (k * n), None, k, f"allocation rule N_opt ∝ C^{law.a:g}")
    if isinstance(law, NDLaw):
        flat = np.atleast_1d(c).ravel()
        n = np.array([minimise_over_log_n(lambda m, ci=ci: law.loss(m, ci / (k * m)), ci, k) for ci in flat])
        n = n.reshape(np.shape(c))
        d = c / (k * n)
        return Plan(name, c, n, d, law.loss(n, d), k, "numeric (grid + bounded Brent over log N)")
    raise LawError(f"law family {law.family!r} is not a law of loss in N and D; it cannot plan an allocation")


def optimal_loss(law: Law, compute_flops, *, flops_per_param_token: float = 6.0):
    """L*(C): the loss of the compute-optimal allocation."""
    return compute_optimal(law, compute_flops, flops_per_param_token=flops_per_param_token).loss


def compute_for_loss(law: Law, target_loss: float, *, flops_per_param_token: float = 6.0, name: str = "") -> Plan:
    """The least compute whose optimal allocation reaches ``target_loss`` (root of L*(C) = target).

    L*(C) falls monotonically towards the law's floor E, so targets at or below E are unreachable.
    """
    from scipy import optimize

    if not isinstance(law, NDLaw):
        raise LawError(f"law family {law.family!r} predicts no loss from N and D")
    target = float(target_loss)
    floor = law.irreducible()
    if not np.isfinite(target) or target <= floor:
        raise LawError(f"target loss {target:g} is at or below the law's irreducible loss E = {floor:.4g}: no compute reaches it")
    k = _check_k(flops_per_param_token)

    def gap(log10_c: float) -> float:
        return float(optimal_loss(law, 10.0**log10_c, flops_per_param_token=k)) - target

    lo, hi = 2.0, 40.0
    if gap(lo) < 0:
        raise LawError(f"target loss {target:g} is already reached below 1e2 FLOP; check the law's units")
    while gap(hi) > 0:
        if hi > 200:
            raise LawError(f"target loss {target:g} needs more than 1e200 FLOP under this law")
        hi += 20.0
    log10_c = optimize.brentq(gap, lo, hi, xtol=1e-12)
    return compute_optimal(law, 10.0**log10_c, flops_per_param_token=k, name=name)


def fixed_ratio(tokens_per_param: float, *, compute_flops=None, n_tokens=None, n_params=None,
                flops_per_param_token: float = 6.0, law: Law | None = None, name: str = "") -> Plan:
    """Allocation at a fixed D/N = r (e.g. r = 20, the Chinchilla rule of thumb), from C, D or N.

    C = k N D with D = r N gives N = sqrt(C / (k r)); from D: N = D / r; from N: D = r N.
    """
    r = float(as_positive_array(tokens_per_param, "tokens_per_param"))
    k = _check_k(flops_per_param_token)
    given = [x is not None for x in (compute_flops, n_tokens, n_params)]
    if sum(given) != 1:
        raise InputError("give exactly one of compute, tokens or params with a fixed tokens-per-parameter ratio")
    with np.errstate(over="ignore", divide="ignore"):
        if compute_flops is not None:
            c = as_positive_array(compute_flops, "compute_flops")
            n = np.sqrt(c / (k * r))
        elif n_tokens is not None:
            n = as_positive_array(n_tokens, "n_tokens") / r
        else:
            n = as_positive_array(n_params, "n_params")
        d = r * n
    if not (np.all(np.isfinite(n)) and np.all(np.isfinite(d)) and np.all(n > 0) and np.all(d > 0)):
        raise InputError(f"{spelled('tokens_per_param')} {r:g} puts N or D beyond what a number can hold "
                         f"(N = {np.ravel(n)[0]:.3g}, D = {np.ravel(d)[0]:.3g}); give a ratio such as 20")
    loss = law.loss(n, d) if isinstance(law, NDLaw) else None
    return Plan(name or (law.family if law is not None else f"{r:g} tokens/param"), k * n * d, n, d, loss, k,
                f"fixed ratio D/N = {r:g}")
