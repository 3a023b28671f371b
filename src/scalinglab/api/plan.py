"""``sl.plan`` and ``sl.predict``: compute-optimal allocations and a law's loss at given N, D or C."""

from __future__ import annotations

import numpy as np

from .._results import Result
from ..errors import InputError, refuse_together
from ..laws import DEFAULT_LAW
from ..units import parse_quantity
from .inputs import is_many, parse_value, parse_values, resolve, short


def _stack(plans: list):
    """One Plan holding arrays from several single-budget plans (same law and method)."""
    from ..plan import Plan

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


def _squeeze(the_plan):
    """A single-budget plan with floats instead of one-element arrays."""
    from ..plan import Plan

    def one(value):
        return float(np.asarray(value).ravel()[0]) if isinstance(value, (np.ndarray, np.number, float)) else value

    return Plan(the_plan.law, one(the_plan.compute_flops), one(the_plan.n_params), one(the_plan.n_tokens),
                None if the_plan.loss is None else one(the_plan.loss), the_plan.flops_per_param_token,
                the_plan.method, {k: one(v) for k, v in the_plan.extra.items()})


def _range_warnings(law, name: str, **values) -> list[str]:
    """Warnings where N, D or C lie more than 100x beyond the range ``law`` was fitted on (when known)."""
    from ..laws.ranges import extrapolation_warnings, fitted_range

    return extrapolation_warnings(fitted_range(law), name=name, **values)


def _plan_frame(the_plan):
    import pandas as pd

    data = {k: np.atleast_1d(v) for k, v in the_plan.to_dict().items() if isinstance(v, (int, float, list))
            and k not in ("flops_per_param_token", "warnings")}
    return pd.DataFrame(data)


def _plan_result(the_plan) -> Result:
    loss = "" if the_plan.loss is None else f", loss {short(the_plan.loss) if np.size(the_plan.loss) > 1 else f'{float(np.asarray(the_plan.loss).ravel()[0]):.4f}'}"
    summary = (f"{the_plan.law}: C = {short(the_plan.compute_flops)} FLOP -> N = {short(the_plan.n_params)}, "
               f"D = {short(the_plan.n_tokens)}{loss}")
    return Result(the_plan, kind="Plan", summary=summary, frame=_plan_frame)


def plan(compute=None, *, law=DEFAULT_LAW, unique_tokens=None, epochs=None, saturation: bool = False,
         target_loss=None, params=None, tokens=None, tokens_per_param: float | None = None, inference_tokens=None,
         flops_per_param_token: float = 6.0, cost: str | None = None, inputs=None) -> Result:
    """Compute-optimal parameters N and tokens D for a compute budget, and its variants.

    Parameters
    ----------
    compute : float, str or sequence, optional
        Training compute C in FLOP (``5.76e23``, ``"1e24"``, a list or ``"1e21,1e23"``).
    law : str, law object, fit result or path, default ``"besiroglu2024"``
        The loss law L(N, D): a published law, a saved fit (``.json``) or an object.
    unique_tokens : float or str, optional
        Unique tokens available (a data-constrained law repeats them for several epochs).
    epochs : float or sequence, optional
        With ``unique_tokens`` and no ``compute``: the budgets that optimally train these epochs.
    saturation : bool, default False
        With ``unique_tokens``: the budget beyond which more compute stops helping.
    target_loss : float or sequence, optional
        The least compute that reaches this loss (with ``inference_tokens``: inference-aware).
    params, tokens : float or str, optional
        Fix N or D for the budget (over- or under-trained models), or with ``tokens_per_param``.
    tokens_per_param : float, optional
        A fixed ratio D/N (e.g. 20) instead of the law's optimum.
    inference_tokens : float or str, optional
        Tokens to be served over the model's life: N and D minimising training plus inference
        compute (Sardana & Frankle 2023).
    flops_per_param_token : float, default 6
        k in C = k N D.
    cost : str, optional
        With ``compute``: a declared training cost, a formula of N and D (e.g. ``"6*N*D + 1e9*D"``),
        instead of k N D; the optimum is found numerically.
    inputs : dict or list of "NAME=VALUE", optional
        A formula law's inputs other than N and D, held fixed (e.g. ``{"E": 8}`` experts).

    Returns
    -------
    Result
        Wrapping a ``Plan``: ``compute_flops``, ``n_params``, ``n_tokens`` (float or arrays, as given),
        ``loss``; ``to_dict()`` keys ``compute``, ``n_opt``, ``d_opt``, ``loss``, ``tokens_per_param``.
        Single values in give floats; a list in (or several epochs) gives lists. The CLI passes
        ``compute`` as a list, so ``plan --json`` always prints lists, however many budgets are asked.

    Examples
    --------
    >>> import scalinglab as sl
    >>> p = sl.plan(compute=5.76e23, law="hoffmann2022")
    >>> round(p.n_params / 1e9, 1), round(p.n_tokens / 1e12, 2)
    (32.2, 2.98)
    >>> [f"{n:.3g}" for n in sl.plan(compute=[1e21, 1e23], law="hoffmann2022").to_dict()["n_opt"]]
    ['1.82e+09', '1.46e+10']
    """
    from ..plan import (compute_for_epochs, compute_for_loss, compute_optimal, data_constrained_optimal,
                       fixed_allocation, fixed_ratio, inference_optimal, saturation_compute)

    given = {"--compute": compute not in (None, [], ()), "--target-loss": target_loss not in (None, [], ()),
             "--cost": cost is not None,
             "--params": params is not None, "--tokens": tokens is not None,
             "--tokens-per-param": tokens_per_param is not None, "--inference-tokens": inference_tokens is not None,
             "--unique-tokens": unique_tokens is not None, "--epochs": epochs is not None, "--saturation": saturation}
    refuse_together(given, ("--compute", "--target-loss"), ("--inference-tokens", "--params"),
                    ("--inference-tokens", "--tokens"), ("--inference-tokens", "--tokens-per-param"),
                    ("--inference-tokens", "--unique-tokens"), ("--tokens-per-param", "--target-loss"),
                    ("--tokens-per-param", "--unique-tokens"), ("--target-loss", "--params"),
                    ("--target-loss", "--tokens"), ("--target-loss", "--unique-tokens"),
                    ("--unique-tokens", "--params"), ("--unique-tokens", "--tokens"), ("--compute", "--epochs"),
                    ("--compute", "--saturation"), ("--epochs", "--saturation"), ("--cost", "--target-loss"),
                    ("--cost", "--params"), ("--cost", "--tokens"), ("--cost", "--tokens-per-param"),
                    ("--cost", "--inference-tokens"), ("--cost", "--unique-tokens"))
    if given["--cost"] and not given["--compute"]:
        raise InputError("--cost needs --compute (the budget it spends)")
    if given["--tokens-per-param"] and given["--compute"] and (given["--params"] or given["--tokens"]):
        raise InputError("--tokens-per-param with --compute fixes both N and D; drop "
                         + " and ".join(f for f in ("--params", "--tokens") if given[f]))
    for needs in ("--epochs", "--saturation"):
        if given[needs] and not given["--unique-tokens"]:
            raise InputError(f"{needs} needs --unique-tokens")
    name, the_law = resolve(law)
    the_law = _with_inputs(the_law, inputs)
    budgets = parse_values(compute, "compute")
    losses = [] if target_loss is None else parse_values(target_loss, "target loss")
    many = any(is_many(v) or (isinstance(v, str) and "," in v) for v in (compute, target_loss, epochs))
    n_fixed, d_fixed = parse_value(params, "params"), parse_value(tokens, "tokens")
    unique = parse_value(unique_tokens, "unique tokens")
    k = flops_per_param_token
    if tokens_per_param is not None:
        if budgets:
            plans = [fixed_ratio(tokens_per_param, compute_flops=c, flops_per_param_token=k, law=the_law, name=name)
                     for c in budgets]
        else:
            plans = [fixed_ratio(tokens_per_param, n_tokens=d_fixed, n_params=n_fixed, flops_per_param_token=k,
                                 law=the_law, name=name)]
    elif inference_tokens is not None:
        t_inf = parse_quantity(inference_tokens, what="inference tokens")
        if budgets:
            plans = [inference_optimal(the_law, t_inf, compute_flops=c, flops_per_param_token=k, name=name)
                     for c in budgets]
        else:
            plans = [inference_optimal(the_law, t_inf, target_loss=t, flops_per_param_token=k, name=name)
                     for t in losses or [None]]
    elif losses:
        plans = [compute_for_loss(the_law, t, flops_per_param_token=k, name=name) for t in losses]
    elif unique is not None and not budgets:
        if saturation:
            plans = [saturation_compute(the_law, unique, flops_per_param_token=k)]
        else:
            plans = [compute_for_epochs(the_law, unique, e, flops_per_param_token=k)
                     for e in parse_values(epochs if epochs is not None else "1,4,16,60", "epochs")]
    elif not budgets:
        raise InputError("give --compute (or --target-loss, --unique-tokens, --tokens-per-param)")
    elif n_fixed is not None or d_fixed is not None:
        plans = [fixed_allocation(the_law, c, n_params=n_fixed, n_tokens=d_fixed, flops_per_param_token=k,
                                  name=name) for c in budgets]
    elif unique is not None:
        plans = [data_constrained_optimal(the_law, c, unique, flops_per_param_token=k, name=name) for c in budgets]
    elif cost is not None:
        from ..plan.declared_cost import optimal_under_cost

        plans = [optimal_under_cost(the_law, np.array(budgets), cost, name=name)]
    else:
        plans = [compute_optimal(the_law, np.array(budgets), flops_per_param_token=k, name=name)]
    stacked = _stack(plans)
    final = stacked if many or np.size(stacked.compute_flops) > 1 else _squeeze(stacked)
    return _plan_result(final.with_warnings(_range_warnings(law, name, n=final.n_params, d=final.n_tokens,
                                                            c=final.compute_flops)))


def _with_inputs(law, inputs):
    """A formula law with its inputs other than N and D held at the given values (``--input E=8``)."""
    if not inputs:
        return law
    from ..laws.formula_law import FormulaLaw, parse_named

    if not isinstance(law, FormulaLaw):
        raise InputError(f"--input fixes inputs of a formula law; the {law.family} law has none but N and D")
    values = {}
    for name, value in parse_named(inputs, "input").items():
        values[name] = parse_quantity(value, what=f"--input {name}")
    return law.with_inputs(values)


def predict(law=DEFAULT_LAW, *, params=None, tokens=None, unique_tokens=None, compute=None, x=None,
            inputs=None) -> Result:
    """The loss a law predicts at N parameters trained on D tokens (or at compute C, or at x).

    Parameters
    ----------
    law : str, law object, fit result or path, default ``"besiroglu2024"``
    params, tokens : float, str or array, optional
        N (parameters) and D (training tokens) for laws of N and D; arrays broadcast.
    unique_tokens : float, str or array, optional
        Unique tokens U (data-constrained laws: D/U epochs).
    compute : float, str or array, optional
        Compute C in FLOP (laws of compute only, e.g. ``kaplan2020-compute``).
    x : float or array, optional
        The variable of a one-variable law (power laws, sigmoids).
    inputs : dict or list of "NAME=VALUE", optional
        A formula law's inputs other than N and D, held fixed (e.g. ``{"E": 8}``).

    Returns
    -------
    Result
        Wrapping a ``Prediction``: ``loss`` (a float, or an array for array inputs) and ``inputs``.

    Examples
    --------
    >>> import scalinglab as sl
    >>> round(sl.predict("hoffmann2022", params="70B", tokens="1.4T").loss, 4)
    1.9366
    >>> sl.predict("hoffmann2022", params=[1e9, 7e10], tokens="1.4T").loss.round(3).tolist()
    [2.207, 1.937]
    """
    from ..plan import predict as _predict

    name, the_law = resolve(law)
    the_law = _with_inputs(the_law, inputs)
    n, d, c = parse_value(params, "params"), parse_value(tokens, "tokens"), parse_value(compute, "compute")
    result = _predict(the_law, n_params=n, n_tokens=d, unique_tokens=parse_value(unique_tokens, "unique tokens"),
                      compute_flops=c, x=parse_value(x, "x"), name=name)
    if n is not None and d is not None and c is None:
        c = 6.0 * np.asarray(n, dtype=float) * np.asarray(d, dtype=float)
    warnings = _range_warnings(law, name, n=n, d=d, c=c)
    if warnings:
        from dataclasses import replace

        result = replace(result, warnings=tuple(warnings))
    loss = result.loss
    shown = f"{loss:.4f}" if np.ndim(loss) == 0 else f"{np.size(loss)} values"
    return Result(result, kind="Prediction", summary=f"{name}: loss {shown}")
