"""``sl.flops``, ``sl.cost``, ``sl.budget``, ``sl.memory``, ``sl.inference`` and ``sl.inference_plan``."""

from __future__ import annotations

import numpy as np

from .._results import Result
from ..compute.cost_options import BUDGET, COST
from ..compute.options import FLOPS, INFERENCE_PLAN, MEMORY, ROOFLINE, check_each
from ..errors import InputError
from ..options import spelled
from .declared import declared
from .inputs import parse_value, resolve, unwrap


@declared(FLOPS, positional=("params", "tokens"))
def flops(**values) -> Result:
    """Training FLOP: C = 6ND from parameters and tokens, or a detailed count from a model shape (``config``: a
    known shape, a Hugging Face ``config.json`` or a ``TransformerConfig``; or ``layers``, ``d_model`` and
    ``heads``) by the method of Hoffmann et al. 2022 Appendix F or Kaplan et al. 2020 Table 1.

    Returns
    -------
    Result
        ``flops`` in FLOP; with a shape, the breakdown by part and its ``shares``.

    Examples
    --------
    >>> import scalinglab as sl
    >>> f"{sl.flops(params='175B', tokens='300B').flops:.3g}"
    '3.15e+23'
    """
    from ..compute import TransformerConfig, flops_breakdown, training_flops
    from ..compute.flops import SixND

    if values["tokens"] is None:
        raise InputError(f"give {spelled('tokens')} (training tokens D, e.g. 300B)")
    n_tokens = parse_value(values["tokens"], "tokens")
    check_each(FLOPS, tokens=n_tokens)
    if values["params"] is not None:
        n_params = parse_value(values["params"], "params")
        check_each(FLOPS, params=n_params)
        total = training_flops(n_params, n_tokens)
        total = float(total) if np.ndim(total) == 0 else np.asarray(total)
        return Result(SixND(n_params, n_tokens, total, 6.0), kind="Flops")
    if values["config"] is not None:
        from ..compute.shapes import resolve_config

        shape = resolve_config(unwrap(values["config"]))
    elif values["layers"] is None:
        raise InputError(f"give {spelled('params')}, or {spelled('config')} NAME, or {spelled('layers')}, "
                         f"{spelled('d_model')} and {spelled('heads')}")
    else:
        shape = TransformerConfig(n_layers=values["layers"], d_model=values["d_model"], n_heads=values["heads"],
                                  vocab_size=values["vocab"], n_ctx=values["context"], ffn_ratio=values["ffn_ratio"])
    method = values["flops_method"]
    breakdown = flops_breakdown(shape, n_tokens, method=method, include_embeddings=values["embeddings"],
                                include_lm_head=values["lm_head"])
    return Result(breakdown, kind="Flops")


@declared(COST, positional=("compute",))
def cost(**values) -> Result:
    """Days, GPU-hours, cloud and owned cost, energy and CO2 of a training run.

    Numeric arguments take numbers, text (``"40%"``, ``"$2M"``, ``"70B"``) or ranges
    (``"0.3 to 0.5"``: a lognormal 90% interval, sampled ``samples`` times with ``seed``).

    Returns
    -------
    Result
        Wrapping a ``CostEstimate``: ``values`` (days, gpu_hours, cloud_cost_usd, ...), ``percentiles``
        for ranges, ``assumptions`` with sources; ``to_frame()`` gives one row per quantity.

    Examples
    --------
    >>> import scalinglab as sl
    >>> estimate = sl.cost(compute=3.14e23, gpu="v100", gpus=1024, mfu=0.3, goodput=0.8)
    >>> round(estimate.days, 1)
    118.3
    """
    from ..compute.cost import estimate_cost

    result = estimate_cost(accelerator=values.pop("gpu"), flops=values.pop("compute"), n_params=values.pop("params"),
                           n_tokens=values.pop("tokens"), **values)
    return Result(result, kind="Cost")


@declared(BUDGET, positional=("dollars",))
def budget(**values) -> Result:
    """What a budget buys: GPU-hours and FLOP, then the compute-optimal N, D and loss under a law.

    Returns
    -------
    Result
        Wrapping a ``BudgetPlan``: ``flops``, ``n_opt``, ``d_opt``, ``loss`` and the assumptions.

    Examples
    --------
    >>> import scalinglab as sl
    >>> plan = sl.budget(gpus=1024, days=30, gpu="h100-sxm", mfu=0.4, goodput=1, law="hoffmann2022")
    >>> f"{plan.flops:.3g}"
    '1.05e+24'
    """
    from ..compute.budget import plan_budget

    result = plan_budget(accelerator=values.pop("gpu"), law=unwrap(values.pop("law")), **values)
    return Result(result, kind="Budget")


def _model(config) -> tuple:
    """The shape ``config`` names (a known name, a ``config.json``, a ``TransformerConfig``) and its label."""
    from ..compute.shapes import resolve_config

    config = unwrap(config)
    return resolve_config(config), config if isinstance(config, str) else "model"


@declared(MEMORY, positional=("config",))
def memory(**values) -> Result:
    """Memory per GPU by part under TP/PP/SP/EP/DP and ZeRO, fits or not; ``search=True`` ranks the layouts
    that fit on ``gpus`` by estimated step time (options given pin the search).

    Returns
    -------
    Result
        Wrapping a ``MemoryEstimate`` (``parts`` in bytes, ``total``, ``fits``, the step-time estimate), or a
        ``LayoutSearch`` with ``search``.

    Examples
    --------
    >>> import scalinglab as sl
    >>> sl.memory("llama3-70b", gpus=1024, tp=8, pp=8, zero=1, recompute="full", seq=8192).fits
    True
    """
    from ..compute.memory import LayoutSearch, estimate_memory

    shape, name = _model(values.pop("config"))
    result = estimate_memory(shape, accelerator=values.pop("gpu"), model=name, **values)
    return Result(result, kind="LayoutSearch" if isinstance(result, LayoutSearch) else "Memory")


@declared(ROOFLINE, positional=("config",))
def inference(**values) -> Result:
    """Prefill and decode times from a roofline, output tokens/s and $ per million output tokens.

    Returns
    -------
    Result
        Wrapping an ``InferenceEstimate``: ``batch``, times, tokens/s, ``usd_per_million_output_tokens``.

    Examples
    --------
    >>> import scalinglab as sl
    >>> round(sl.inference("llama3-70b", weight_bytes=1, kv_bytes=1, input_tokens=128, output_tokens=2048).batch)
    45
    """
    from ..compute.inference import inference_roofline

    shape, name = _model(values.pop("config"))
    result = inference_roofline(shape, accelerator=values.pop("gpu"), model=name, **values)
    return Result(result, kind="Inference")


@declared(INFERENCE_PLAN, positional=("inference_tokens",))
def inference_plan(**values) -> Result:
    """N and D reaching a loss at the least training + serving dollars (Sardana & Frankle 2023).

    Returns
    -------
    Result
        Wrapping an ``InferenceCostPlan``: ``n_params``, ``n_tokens``, dollars, and the Chinchilla-optimal
        model's for comparison.

    Examples
    --------
    >>> import scalinglab as sl
    >>> sl.inference_plan("2T", compute=7.7355e22, law="hoffmann2022").saving_fraction > 0
    True
    """
    from ..compute.inference import inference_aware_cost

    _, the_law = resolve(values.pop("law"))
    result = inference_aware_cost(
        the_law, parse_value(values.pop("inference_tokens"), spelled("inference_tokens")),
        compute_flops=parse_value(values.pop("compute"), spelled("compute")), accelerator=values.pop("gpu"), **values)
    return Result(result, kind="InferencePlan")
