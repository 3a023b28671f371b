"""Compute-optimal training when unique data is limited (Muennighoff et al. 2023, arXiv:2305.16264).

With U unique tokens, a budget C = k N D is spent on D = C/(kN) tokens, i.e. D/U epochs; the
data-constrained law discounts repeated tokens (D') and excess parameters (N'). The optimum
minimises L(N, C/(kN), U) over N numerically (as the paper's own README does by grid search).

``compute_for_epochs`` answers "how much compute is it optimal to spend on U tokens repeated e
times": the budget whose data-constrained optimum trains for exactly e epochs.

``saturation_compute`` is the budget beyond which more compute stops helping: as C grows, the
optimal loss falls towards the floor L_inf = E + A / (U_N (1 + R_N*))^alpha + B / (U (1 + R_D*))^beta
(the limits of N' and D'), and we report the least C whose optimal loss has realised ``fraction``
of the reduction from the one-epoch optimum down to that floor.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError, LawError
from ..laws import DataConstrainedLaw
from ..laws.base import as_positive_array
from .optimal import minimise_over_log_n
from .result import Plan

__all__ = ["data_constrained_optimal", "compute_for_epochs", "asymptotic_loss", "saturation_compute"]


def _check(law) -> DataConstrainedLaw:
    if not isinstance(law, DataConstrainedLaw):
        raise LawError(f"unique tokens need a data-constrained law (e.g. muennighoff2023), not {law.family!r}")
    return law


def data_constrained_optimal(law: DataConstrainedLaw, compute_flops, unique_tokens: float, *,
                             flops_per_param_token: float = 6.0, name: str = "") -> Plan:
    """Optimal N, D, epochs and loss for budget(s) C with U unique tokens."""
    law = _check(law)
    k = float(flops_per_param_token)
    u = float(as_positive_array(unique_tokens, "unique_tokens"))
    c = as_positive_array(compute_flops, "compute_flops")
    flat = np.atleast_1d(c).ravel()
    n = np.array([minimise_over_log_n(lambda m, ci=ci: law.loss(m, ci / (k * m), u), ci, k) for ci in flat])
    n = n.reshape(np.shape(c))
    d = c / (k * n)
    n_eff, d_eff = law.effective(n, d, u)
    extra = {"unique_tokens": u, "epochs": d / u, "effective_params": n_eff, "effective_tokens": d_eff}
    return Plan(name or law.family, c, n, d, law.loss(n, d, u), k,
                "numeric, data-constrained (Muennighoff et al. 2023, eq. 7)", extra)


def compute_for_epochs(law: DataConstrainedLaw, unique_tokens: float, epochs: float, *,
                       flops_per_param_token: float = 6.0) -> Plan:
    """The budget whose data-constrained optimum trains exactly ``epochs`` passes over U tokens."""
    from scipy import optimize

    law = _check(law)
    if not (np.isfinite(epochs) and epochs > 0):
        raise InputError(f"epochs must be positive, got {epochs!r}")
    u = float(unique_tokens)

    def gap(log10_c: float) -> float:
        plan = data_constrained_optimal(law, 10.0**log10_c, u, flops_per_param_token=flops_per_param_token)
        return float(np.log(plan.extra["epochs"] / epochs))

    lo, hi = 10.0, 45.0
    if gap(lo) > 0 or gap(hi) < 0:
        raise LawError(f"no budget between 1e10 and 1e45 FLOP trains {epochs:g} epochs of {u:.3g} tokens optimally")
    log10_c = optimize.brentq(gap, lo, hi, xtol=1e-10)
    return data_constrained_optimal(law, 10.0**log10_c, u, flops_per_param_token=flops_per_param_token)


def asymptotic_loss(law: DataConstrainedLaw, unique_tokens: float) -> float:
    """The floor of the optimal loss as compute grows without bound at fixed U."""
    law = _check(law)
    u = float(as_positive_array(unique_tokens, "unique_tokens"))
    u_n = float(law.optimal_params_for_tokens(u))
    base = law.base
    return base.E + base.A / (u_n * (1 + law.R_N_star)) ** base.alpha + base.B / (u * (1 + law.R_D_star)) ** base.beta


def saturation_compute(law: DataConstrainedLaw, unique_tokens: float, *, fraction: float = 0.95,
                       flops_per_param_token: float = 6.0) -> Plan:
    """Least budget whose optimal loss has realised ``fraction`` of the possible gain past one epoch."""
    from scipy import optimize

    if not 0 < fraction < 1:
        raise InputError(f"fraction must lie strictly between 0 and 1, got {fraction!r}")
    law = _check(law)
    floor = asymptotic_loss(law, unique_tokens)
    one_epoch = compute_for_epochs(law, unique_tokens, 1.0, flops_per_param_token=flops_per_param_token)
    start = float(one_epoch.loss)
    target = floor + (1.0 - fraction) * (start - floor)

    def gap(log10_c: float) -> float:
        plan = data_constrained_optimal(law, 10.0**log10_c, unique_tokens, flops_per_param_token=flops_per_param_token)
        return float(plan.loss) - target

    lo = float(np.log10(one_epoch.compute_flops))
    hi = lo + 2.0
    while gap(hi) > 0:
        hi += 2.0
        if hi > 80:
            raise LawError("the optimal loss does not approach its floor below 1e80 FLOP")
    log10_c = optimize.brentq(gap, lo, hi, xtol=1e-10)
    plan = data_constrained_optimal(law, 10.0**log10_c, unique_tokens, flops_per_param_token=flops_per_param_token)
    extra = dict(plan.extra, asymptotic_loss=floor, fraction_of_gain=fraction)
    return Plan(plan.law, plan.compute_flops, plan.n_params, plan.n_tokens, plan.loss, plan.flops_per_param_token,
                f"saturation: {fraction:.0%} of the gain beyond one epoch", extra)

