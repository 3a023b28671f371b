"""Which planner answers a plan's question, from the options given, and one ``Plan`` of all its budgets.

Options that cannot go together are refused by their declaration (:mod:`scalinglab.plan.options`)
before this runs; what is left picks the planner, in this order: a fixed D/N ratio, inference tokens,
a target loss, unique tokens without a budget (epochs or saturation), then for budgets fixed N or D,
unique tokens (data-constrained), a declared cost, or the compute-optimal allocation C = k N D.
"""

from __future__ import annotations

import numpy as np

from ..errors import InputError
from ..laws import Law
from ..laws.ranges import extrapolation_warnings
from ..options import spelled
from .data_constrained import compute_for_epochs, data_constrained_optimal, saturation_compute
from .inference import inference_optimal
from .optimal import compute_for_loss, compute_optimal, fixed_ratio
from .options import DEFAULT_EPOCHS
from .overtrain import fixed_allocation
from .result import Plan

__all__ = ["plan_for"]


def plan_for(law: Law, *, name: str, compute=None, target_loss=None, epochs=None, params=None, tokens=None,
             tokens_per_param=None, unique_tokens=None, inference_tokens=None, saturation: bool = False,
             flops_per_param_token: float = 6.0, cost: str | None = None, many: bool = False,
             fitted_range: dict | None = None) -> Plan:
    """The plan answering the declared options given, numbers already read (``compute``, ``target_loss``
    and ``epochs`` as lists), one value per budget, target loss or epoch count.

    ``many`` keeps arrays for a single budget (a list was asked for); ``fitted_range`` (the law's, when
    known) adds a warning where N, D or C lie far beyond it.
    """
    budgets, target_losses, k = list(compute or ()), list(target_loss or ()), flops_per_param_token
    if tokens_per_param is not None and budgets and (params is not None or tokens is not None):
        raise InputError(f"{spelled('tokens_per_param')} with {spelled('compute')} fixes both N and D; drop "
                         + " and ".join(spelled(f) for f, v in (("params", params), ("tokens", tokens))
                                        if v is not None))
    if tokens_per_param is not None:
        plans = ([fixed_ratio(tokens_per_param, compute_flops=c, flops_per_param_token=k, law=law, name=name)
                  for c in budgets] if budgets else
                 [fixed_ratio(tokens_per_param, n_tokens=tokens, n_params=params, flops_per_param_token=k,
                              law=law, name=name)])
    elif inference_tokens is not None:
        plans = ([inference_optimal(law, inference_tokens, compute_flops=c, flops_per_param_token=k, name=name)
                  for c in budgets] if budgets else
                 [inference_optimal(law, inference_tokens, target_loss=t, flops_per_param_token=k, name=name)
                  for t in target_losses or [None]])
    elif target_losses:
        plans = [compute_for_loss(law, t, flops_per_param_token=k, name=name) for t in target_losses]
    elif unique_tokens is not None and not budgets:
        plans = ([saturation_compute(law, unique_tokens, flops_per_param_token=k)] if saturation else
                 [compute_for_epochs(law, unique_tokens, e, flops_per_param_token=k)
                  for e in (DEFAULT_EPOCHS if epochs is None else epochs)])
    elif not budgets:
        raise InputError(f"give {spelled('compute')} (or "
                         + ", ".join(spelled(f) for f in ("target_loss", "unique_tokens", "tokens_per_param")) + ")")
    elif params is not None or tokens is not None:
        plans = [fixed_allocation(law, c, n_params=params, n_tokens=tokens, flops_per_param_token=k, name=name)
                 for c in budgets]
    elif unique_tokens is not None:
        plans = [data_constrained_optimal(law, c, unique_tokens, flops_per_param_token=k, name=name) for c in budgets]
    elif cost is not None:
        from .declared_cost import optimal_under_cost

        plans = [optimal_under_cost(law, np.array(budgets), cost, name=name)]
    else:
        plans = [compute_optimal(law, np.array(budgets), flops_per_param_token=k, name=name)]
    stacked = _stack(plans)
    final = stacked if many or np.size(stacked.compute_flops) > 1 else _squeeze(stacked)
    return final.with_warnings(extrapolation_warnings(fitted_range, name=name, n=final.n_params, d=final.n_tokens,
                                                      c=final.compute_flops))


def _stack(plans: list[Plan]) -> Plan:
    """One Plan holding arrays from several single-budget plans (same law and method)."""
    if len(plans) == 1 and np.ndim(plans[0].compute_flops) > 0:
        return plans[0]
    first = plans[0]
    extra = {}
    for key, value in first.extra.items():
        values = [p.extra.get(key) for p in plans]
        if all(isinstance(v, (int, float, np.number, np.ndarray)) and not isinstance(v, bool) for v in values):
            extra[key] = np.array([float(np.asarray(v)) for v in values])
        else:
            extra[key] = value
    loss = None if first.loss is None else np.array([float(np.asarray(p.loss)) for p in plans])
    return Plan(first.law, np.array([float(np.asarray(p.compute_flops)) for p in plans]),
                np.array([float(np.asarray(p.n_params)) for p in plans]),
                np.array([float(np.asarray(p.n_tokens)) for p in plans]), loss, first.flops_per_param_token,
                first.method, extra)


def _squeeze(plan: Plan) -> Plan:
    """A single-budget plan with floats instead of one-element arrays."""

    def one(value):
        return float(np.asarray(value).ravel()[0]) if isinstance(value, (np.ndarray, np.number, float)) else value

    return Plan(plan.law, one(plan.compute_flops), one(plan.n_params), one(plan.n_tokens),
                None if plan.loss is None else one(plan.loss), plan.flops_per_param_token, plan.method,
                {k: one(v) for k, v in plan.extra.items()})
