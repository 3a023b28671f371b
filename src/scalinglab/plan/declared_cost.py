"""Compute-optimal allocation under a declared training cost: minimise L(N, D) subject to cost(N, D) = C.

The usual budget is C = k N D (``optimal.compute_optimal``). A user may declare another cost as a
formula of N and D (grammar: ``laws.formula``), for instance ``6*N*D + 6*N_attn*D`` with the attention
term fixed, or ``6*N*D + 2*N*D_eval``. The cost must increase with D for each N. For each N on a log
grid, D is the root of cost(N, D) = C (bisection in log D), and L(N, D(N)) is minimised over log N
(grid, then bounded Brent: ``optimal.minimise_over_log_n``).
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError, LawError
from ..laws import Law, NDLaw
from ..laws.base import as_positive_array
from ..laws.formula import evaluate, names, parse
from ..options import spelled
from .optimal import minimise_over_log_n
from .result import Plan

__all__ = ["optimal_under_cost"]

_LOG_MAX = 250.0  # no N or D beyond e^250 (about 1e108) is searched


def _cost_function(text: str):
    tree = parse(text)
    found = set(names(tree))
    if "D" not in found or not found <= {"N", "D"}:
        extra = ", ".join(sorted(found - {"N", "D"}))
        raise InputError(f"{spelled('cost')} {text!r}: the cost must be a formula of N and D" + (
            f" only (it names {extra}; write fixed values as numbers)" if extra else " that depends on D"))

    def cost(n, d):
        return np.asarray(evaluate(tree, {"N": n, "D": d}), dtype=float)

    return cost


def _tokens(cost, n: np.ndarray, budget: float, steps: int = 200) -> np.ndarray:
    """D with cost(N, D) = ``budget`` for each N (bisection in log D; NaN where no D in [1, e^250] fits)."""
    lo, hi = np.zeros_like(n), np.full_like(n, _LOG_MAX)
    with np.errstate(all="ignore"):
        ok = (cost(n, np.ones_like(n)) <= budget) & (cost(n, np.exp(hi)) >= budget)
        for _ in range(steps):
            mid = 0.5 * (lo + hi)
            above = cost(n, np.exp(mid)) > budget
            hi = np.where(above, mid, hi)
            lo = np.where(above, lo, mid)
            if np.all(hi - lo < 1e-13):
                break
    return np.where(ok, np.exp(0.5 * (lo + hi)), np.nan)


def optimal_under_cost(law: Law, compute_flops, cost: str, *, name: str = "") -> Plan:
    """N and D minimising ``law``'s loss at each budget C under the declared ``cost`` formula."""
    if not isinstance(law, NDLaw):
        raise LawError(f"law family {law.family!r} is not a law of loss in N and D; it cannot plan an allocation")
    budgets = as_positive_array(compute_flops, "compute_flops")
    spend = _cost_function(cost)
    flat = np.atleast_1d(budgets).ravel()
    n_opt, d_opt = np.empty_like(flat), np.empty_like(flat)
    grid = np.exp(np.linspace(0.0, _LOG_MAX, 2001))
    for i, budget in enumerate(flat):
        feasible = np.isfinite(_tokens(spend, grid, budget))
        if not feasible.any():
            raise InputError(f"{spelled('cost')} {cost!r}: no N, D of at least 1 costs {budget:.3g} FLOP")
        n_max = float(grid[np.flatnonzero(feasible)[-1]])
        if n_max <= 1.0:
            raise InputError(f"{spelled('cost')} {cost!r}: {budget:.3g} FLOP leaves no choice of N (only N = 1 fits)")

        def loss_of_n(n, budget=budget):
            flat = np.atleast_1d(np.asarray(n, dtype=float))
            d = _tokens(spend, flat, budget)
            with np.errstate(all="ignore"):
                loss = np.where(np.isfinite(d), law.loss(flat, np.where(np.isfinite(d), d, 1.0)), np.inf)
            return loss.reshape(np.shape(n))

        n_opt[i] = minimise_over_log_n(loss_of_n, n_max, 1.0)  # over N in [1, n_max]: n_max given as C/k, k = 1
        d_opt[i] = float(_tokens(spend, np.array([n_opt[i]]), budget)[0])
    n_opt, d_opt = n_opt.reshape(np.shape(budgets)), d_opt.reshape(np.shape(budgets))
    k = float(np.atleast_1d(budgets / (n_opt * d_opt)).ravel()[0])
    return Plan(name or law.family, budgets, n_opt, d_opt, law.loss(n_opt, d_opt), k,
                "numeric under a declared cost (grid + bounded Brent over log N)", {"cost": cost})
