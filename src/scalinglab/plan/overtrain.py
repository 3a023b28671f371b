"""Off-optimal allocations: fix N (or D), take the other from the budget, and price the penalty.

For a budget C with N fixed, D = C/(kN) (or N = C/(kD) with D fixed). The penalty is the loss above
the compute-optimal loss at the same C, and ``compute_overhead`` is how much more compute the fixed
allocation spends than the optimum needs to reach the same loss.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..laws import NDLaw
from ..laws.base import as_positive_array
from .optimal import compute_for_loss, compute_optimal
from .result import Plan

__all__ = ["fixed_allocation"]


def fixed_allocation(law: NDLaw, compute_flops: float, *, n_params: float | None = None, n_tokens: float | None = None,
                     flops_per_param_token: float = 6.0, name: str = "") -> Plan:
    """Plan with N or D fixed; ``extra`` carries the optimum and the loss and compute penalties."""
    if (n_params is None) == (n_tokens is None):
        raise InputError("give exactly one of n_params or n_tokens to fix")
    if not isinstance(law, NDLaw):
        raise InputError(f"law family {law.family!r} predicts no loss from N and D")
    k = float(flops_per_param_token)
    c = float(as_positive_array(compute_flops, "compute_flops"))
    if n_params is not None:
        n = float(as_positive_array(n_params, "n_params"))
        d = c / (k * n)
    else:
        d = float(as_positive_array(n_tokens, "n_tokens"))
        n = c / (k * d)
    loss = float(law.loss(n, d))
    best = compute_optimal(law, c, flops_per_param_token=k)
    same_loss = compute_for_loss(law, loss, flops_per_param_token=k)
    extra = {
        "n_compute_optimal": float(best.n_params),
        "d_compute_optimal": float(best.n_tokens),
        "loss_compute_optimal": float(best.loss),
        "loss_penalty": loss - float(best.loss),
        "compute_overhead": c / float(same_loss.compute_flops) - 1.0,
    }
    fixed = "N" if n_params is not None else "D"
    return Plan(name or law.family, np.float64(c), np.float64(n), np.float64(d), np.float64(loss), k,
                f"{fixed} fixed", extra)
