"""``sl.flops``, ``sl.cost``, ``sl.budget``, ``sl.memory``, ``sl.inference`` and ``sl.inference_plan``."""

from __future__ import annotations

import numpy as np

from .._results import Result
from ..compute.cost_options import BUDGET, COST
from ..errors import InputError, refuse_together
from ..laws import DEFAULT_LAW
from ..units import format_quantity
from .declared import declared
from .inputs import parse_value, resolve, short, unwrap


class _SixND:
    """C = k N D: training FLOP from parameters and tokens."""

    __slots__ = ("params", "tokens", "flops", "flops_per_param_token")

    def __init__(self, params, tokens, flops, k):
        self.params, self.tokens, self.flops, self.flops_per_param_token = params, tokens, flops, k

    def to_dict(self) -> dict:
        return {"flops": self.flops, "params": self.params, "tokens": self.tokens, "method": "6nd"}

    def report(self) -> str:
        if np.ndim(self.flops) == 0:
            return (f"C = 6 N D = 6 x {format_quantity(float(self.params))} x {format_quantity(float(self.tokens))}"
                    f" = {float(self.flops):.4g} FLOP")
        return "C = 6 N D: " + ", ".join(f"{v:.4g}" for v in np.ravel(self.flops)) + " FLOP"


def flops(params=None, tokens=None, *, config=None, layers: int | None = None, d_model: int | None = None,
          heads: int | None = None, vocab: int = 50257, context: int = 2048, ffn_ratio: float = 4.0,
          flops_method: str = "chinchilla", embeddings: bool | None = None, lm_head: bool = True) -> Result:
    """Training FLOP: C = 6ND from parameters and tokens, or a detailed count from a model shape.

    Parameters
    ----------
    params : float, str or array, optional
        N; with ``tokens`` and no shape, C = 6 N D.
    tokens : float or str
        Training tokens D.
    config : str, path or TransformerConfig, optional
        A known shape (``"gpt3-175b"``, ``"llama3-70b"``), a Hugging Face ``config.json`` or a ``TransformerConfig``.
    layers, d_model, heads, vocab, context, ffn_ratio : optional
        A shape given by its numbers.
    flops_method : {"chinchilla", "kaplan", "6nd"}
        The detailed counting method (Hoffmann et al. 2022 Appendix F, or Kaplan et al. 2020 Table 1).

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

    refuse_together({"--params": params is not None, "--config": config is not None,
                     "--layers/--d-model/--heads": any(v is not None for v in (layers, d_model, heads))},
                    ("--config", "--params"), ("--layers/--d-model/--heads", "--params"),
                    ("--config", "--layers/--d-model/--heads"))
    if tokens is None or (isinstance(tokens, str) and not tokens):
        raise InputError("give --tokens (training tokens D, e.g. 300B)")
    n_tokens = parse_value(tokens, "tokens")
    if params is not None and config is None and layers is None:
        n_params = parse_value(params, "params")
        total = training_flops(n_params, n_tokens)
        total = float(total) if np.ndim(total) == 0 else np.asarray(total)
        return Result(_SixND(n_params, n_tokens, total, 6.0), kind="Flops", summary=f"6ND = {short(total)} FLOP")
    if config is not None:
        from ..compute.shapes import resolve_config

        shape = resolve_config(config)
    elif None in (layers, d_model, heads):
        raise InputError("give --params, or --config NAME, or --layers, --d-model and --heads")
    else:
        shape = TransformerConfig(n_layers=layers, d_model=d_model, n_heads=heads, vocab_size=vocab, n_ctx=context,
                                  ffn_ratio=ffn_ratio)
    breakdown = flops_breakdown(shape, n_tokens, method=flops_method, include_embeddings=embeddings,
                                include_lm_head=lm_head)
    return Result(breakdown, kind="Flops", summary=f"{flops_method}: {breakdown.total:.4g} FLOP")


def _estimate_frame(estimate):
    import pandas as pd

    rows = []
    for key, value in estimate.values.items():
        row = {"quantity": key, "value": value}
        row.update(estimate.percentiles.get(key, {}))
        rows.append(row)
    return pd.DataFrame(rows)


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
    days = result.values.get("days")
    shown = "" if days is None else f"{days:.4g} days"
    dollars = result.values.get("cloud_cost_usd")
    if dollars is not None:
        shown += f", cloud ${format_quantity(dollars)}"
    return Result(result, kind="Cost", summary=f"{result.accelerator}: {shown.strip(', ')}", frame=_estimate_frame)


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
    v = result.values
    summary = (f"{result.accelerator} under {result.law}: {v['flops']:.3g} FLOP -> N = {format_quantity(v['n_opt'])}, "
               f"D = {format_quantity(v['d_opt'])}")
    return Result(result, kind="Budget", summary=summary, frame=_estimate_frame)


def memory(config, *, gpu: str = "h100-sxm", gpus: int | None = None, tp: int | None = None, pp: int | None = None,
           ep: int | None = None, zero: int | None = None, recompute: str | None = None, micro_batch: int | None = None,
           global_batch: int | None = None, seq: int | None = None, sp: bool = True, inference: bool = False,
           weight_bytes: float | None = None, search: bool = False, top: int = 10,
           virtual_stages: int | None = None) -> Result:
    """Memory per GPU by part under TP/PP/SP/EP/DP and ZeRO, fits or not; ``search=True`` ranks the layouts
    that fit on ``gpus`` by estimated step time (options given pin the search).

    Parameters
    ----------
    config : str, path or TransformerConfig
        A known shape (``"llama3-70b"``), a Hugging Face ``config.json`` or a ``TransformerConfig``.
    gpus : int, optional
        Total GPUs (TP x PP x DP); default TP x PP. Needed by ``search``.
    seq : int, optional
        Sequence length; default the model's context. ``global_batch`` (sequences) defaults to about 4M tokens.
    virtual_stages : int, optional
        Model chunks per pipeline stage: above 1, the interleaved schedule (bubble (p - 1) / (m v)).

    Examples
    --------
    >>> import scalinglab as sl
    >>> sl.memory("llama3-70b", gpus=1024, tp=8, pp=8, zero=1, recompute="full", seq=8192).fits
    True
    """
    from ..compute.memory import Layout, check_counts, memory_per_gpu, parallelism_data, search_layouts
    from ..compute.shapes import resolve_config

    check_counts(gpus=gpus, tp=tp, pp=pp, ep=ep, micro_batch=micro_batch, global_batch=global_batch, seq=seq,
                 virtual_stages=virtual_stages)
    if weight_bytes is not None and not inference:
        raise InputError("--weight-bytes sets the serving precision and needs --inference (training keeps "
                         "mixed-precision weights, gradients and Adam state)")
    if inference:
        for flag, value in (("--zero", zero), ("--recompute", recompute), ("--global-batch", global_batch),
                            ("--no-sp", None if sp else True)):
            if value is not None:
                raise InputError(f"{flag} applies to training; serving (--inference) keeps weights and KV cache only")
    shape = resolve_config(unwrap(config))
    name = config if isinstance(config, str) else "model"
    seq_len = shape.n_ctx if seq is None else int(seq)
    if search:
        if gpus is None:
            raise InputError("--search needs --gpus (the number of GPUs to lay the model out on)")
        if inference:
            raise InputError("--search ranks training layouts; drop --inference")
        fixed = {k: v for k, v in dict(tp=tp, pp=pp, ep=ep, zero=zero, recompute=recompute, micro_batch=micro_batch,
                                       virtual_stages=virtual_stages).items() if v is not None}
        result = search_layouts(shape, gpus=int(gpus), accelerator=gpu, seq=seq_len, global_batch=global_batch,
                                model=name, fixed=fixed, top=top)
        best = result.ranked[0] if result.ranked else None
        summary = (f"{result.fits:,} of {result.candidates:,} layouts fit; fastest {best.layout.label()}" if best
                   else "no layout fits")
        return Result(result, kind="LayoutSearch", summary=summary)
    t, p = (1 if tp is None else tp), (1 if pp is None else pp)
    total = t * p if gpus is None else int(gpus)
    if total % (t * p):
        raise InputError(f"--gpus {total} is not a multiple of --tp {t} x --pp {p}")
    d, mb = total // (t * p), (1 if micro_batch is None else micro_batch)
    if global_batch is None:
        tokens = float(parallelism_data()["step_time"]["default_global_batch_tokens"]["value"])
        global_batch = max(d * mb, round(tokens / seq_len / (d * mb)) * d * mb)
    layout = Layout(tp=t, pp=p, dp=d, ep=1 if ep is None else ep, sp=sp, zero=zero or 0, recompute=recompute or "none",
                    micro_batch=mb, global_batch=int(global_batch), seq=seq_len,
                    virtual_stages=1 if virtual_stages is None else virtual_stages)
    result = memory_per_gpu(shape, layout, accelerator=gpu, gpus=total, inference=inference, model=name,
                            weight_bytes=weight_bytes)
    verdict = "fits" if result.fits else "does not fit"
    return Result(result, kind="Memory", summary=f"{result.total / 1e9:,.1f} GB per GPU, {verdict}")


def inference(config, *, gpu: str = "h100-sxm", gpus: int = 1, batch: int | None = None, input_tokens: int = 512,
              output_tokens: int = 512, weight_bytes: float = 2.0, kv_bytes: float | None = None,
              precision: str | None = None, memory_fraction: float = 0.9,
              price_per_gpu_hour: float | None = None) -> Result:
    """Prefill and decode times from a roofline, output tokens/s and $ per million output tokens.

    Examples
    --------
    >>> import scalinglab as sl
    >>> round(sl.inference("llama3-70b", weight_bytes=1, kv_bytes=1, input_tokens=128, output_tokens=2048).batch)
    45
    """
    from ..compute.inference import inference_roofline
    from ..compute.shapes import resolve_config

    shape = resolve_config(unwrap(config))
    result = inference_roofline(shape, accelerator=gpu, gpus=gpus, batch=batch, input_tokens=input_tokens,
                                output_tokens=output_tokens, weight_bytes=weight_bytes, kv_bytes=kv_bytes,
                                precision=precision, memory_fraction=memory_fraction,
                                price_per_gpu_hour=price_per_gpu_hour,
                                model=config if isinstance(config, str) else "model")
    price = result.values["usd_per_million_output_tokens"]
    summary = f"{result.values['output_tokens_per_second']:,.0f} output tokens/s" + (
        "" if price is None else f", ${price:.4g} per million")
    return Result(result, kind="Inference", summary=summary)


def inference_plan(inference_tokens, *, compute=None, target_loss=None, law=DEFAULT_LAW, gpu: str = "h100-sxm",
                   training_mfu=None, inference_mfu=None, price_per_gpu_hour=None) -> Result:
    """N and D reaching a loss at the least training + serving dollars (Sardana & Frankle 2023).

    Examples
    --------
    >>> import scalinglab as sl
    >>> sl.inference_plan("2T", compute=7.7355e22, law="hoffmann2022").saving_fraction > 0
    True
    """
    from ..compute.inference import inference_aware_cost

    if (compute is None) == (target_loss is None):
        raise InputError("give exactly one of --compute (its compute-optimal loss is the target) or --target-loss")
    _, the_law = resolve(law)
    result = inference_aware_cost(the_law, parse_value(inference_tokens, "inference tokens"),
                                  compute_flops=parse_value(compute, "compute"), target_loss=target_loss, accelerator=gpu,
                                  training_mfu=training_mfu, inference_mfu=inference_mfu,
                                  price_per_gpu_hour=price_per_gpu_hour)
    v = result.values
    return Result(result, kind="InferencePlan",
                  summary=f"N = {format_quantity(v['n_params'])}, D = {format_quantity(v['n_tokens'])}, "
                          f"${format_quantity(v['total_usd'])} ({100 * v['saving_fraction']:.1f}% saved)")
