"""Inference cost: a prefill/decode roofline, dollars per million tokens, and the inference-aware plan in dollars.

Roofline (Williams et al. 2009; applied to transformer serving by Pope et al. 2022, "Efficiently Scaling
Transformer Inference", arXiv:2211.05102, section 2): each phase takes the longer of its FLOP at the
peak and its bytes at the memory bandwidth, over the GPUs that hold the model (tensor parallelism):

* prefill of ``batch`` prompts of ``input_tokens``: 2 N_active FLOP per token plus the causal attention
  (2 x 2 x layers x heads x head width x s^2 / 2 per prompt), against the weights read once;
* decode of ``output_tokens`` steps for the whole batch: per step 2 N_active FLOP per sequence plus the
  attention over the context, against the weights read once per step (for a mixture of experts, the
  experts the batch's tokens are routed to, expected over uniform routing) and each sequence's KV cache.

Without ``batch`` the batch is the largest whose KV cache fits in ``memory_fraction`` of the memory left
beside the weights (TensorRT-LLM's ``kv_cache_free_gpu_mem_fraction``, default 0.9), with sequences
admitted as others finish (in-flight batching), so that a live sequence holds on average
input + output / 2 tokens. Output tokens per second = batch x
output_tokens / (prefill + decode time); dollars per million output tokens = GPUs x $/GPU-hour / 3600 /
(tokens per second) x 1e6. ``bandwidth_efficiency`` and ``flops_efficiency`` (default 1: the pure
roofline, an upper bound on throughput) scale the peaks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .._memory import format_bytes
from .._table import rich_table
from ..errors import InputError
from ..options import spelled
from ..units import format_money, format_quantity
from .flops import TransformerConfig, param_counts
from .hardware import Accelerator, get_accelerator, normalise_precision
from .options import INFERENCE_PLAN, ROOFLINE, check_each

__all__ = ["InferenceEstimate", "inference_roofline", "InferenceCostPlan", "inference_aware_cost"]


class _Values:
    """Read ``values[name]`` as an attribute (``estimate.batch``)."""

    def __getattr__(self, name: str):
        values = object.__getattribute__(self, "values")
        if name in values:
            return values[name]
        raise AttributeError(name)


@dataclass(frozen=True)
class InferenceEstimate(_Values):
    """Prefill and decode times, throughput and price of serving one batch; medians are plain numbers."""

    model: str
    accelerator: str
    precision: str
    gpus: int
    values: dict[str, float | None]
    assumptions: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"model": self.model, "accelerator": self.accelerator, "precision": self.precision, "gpus": self.gpus,
                **self.values, "assumptions": dict(self.assumptions), "notes": list(self.notes)}

    def headline(self) -> str:
        price = self.values["usd_per_million_output_tokens"]
        return f"{self.values['output_tokens_per_second']:,.0f} output tokens/s" + (
            "" if price is None else f", ${price:.4g} per million")

    def report(self):
        v = self.values
        rows = [
            ["batch (sequences)", f"{v['batch']:,}"],
            ["input / output tokens", f"{v['input_tokens']:,} / {v['output_tokens']:,}"],
            ["weights + KV cache per GPU", f"{v['memory_per_gpu_bytes'] / 1e9:,.1f} GB"],
            ["prefill (time to first token)", f"{1e3 * v['prefill_seconds']:,.1f} ms ({v['prefill_bound']}-bound)"],
            ["decode step (time per output token)", f"{1e3 * v['decode_step_seconds']:,.2f} ms ({v['decode_bound']}-bound)"],
            ["decode tokens/s per sequence", f"{v['tokens_per_second_per_sequence']:,.1f}"],
            ["output tokens/s (all sequences)", f"{v['output_tokens_per_second']:,.0f}"],
            ["output tokens/s per GPU", f"{v['output_tokens_per_second_per_gpu']:,.0f}"],
            ["decode MFU", f"{100 * v['decode_mfu']:.1f}%"],
        ]
        if v.get("usd_per_million_output_tokens") is not None:
            rows.append(["$ per GPU-hour", format_money(v["price_per_gpu_hour"], 4)])
            rows.append(["$ per million output tokens", format_money(v["usd_per_million_output_tokens"], 4)])
        title = (f"Inference roofline: {self.model} on {self.gpus} x {self.accelerator} ({self.precision} peak, "
                 f"{v['weight_bytes']:g}-byte weights, {v['kv_bytes']:g}-byte KV cache)")
        table = rich_table(title, ["quantity", "value"], rows)
        table.caption = "\n".join(self.notes) or None
        table.caption_justify = "left"
        return table


def _weights_read(config: TransformerConfig, batch: float) -> float:
    """Parameters read per decode step: everything but the routed experts, plus the experts the batch's
    top-k choices are expected to touch under uniform routing, E (1 - (1 - k/E)^batch) per MoE layer."""
    counts = param_counts(config)
    total = counts["active_matmul"]
    if not config.is_moe:
        return float(total)
    expert = (3 if config.gated_ffn else 2) * config.d_model * config.expert_dim
    touched = config.n_experts * (1.0 - (1.0 - config.top_k / config.n_experts) ** batch)
    return float(total + config.n_moe_layers * (touched - config.top_k) * expert)


def _attention_flops_per_token(config: TransformerConfig, context: float) -> float:
    """QK^T and the weighted sum over ``context`` cached tokens, all layers (2 FLOP per multiply-add)."""
    return 2.0 * config.n_layers * context * config.n_heads * (config.qk_dim + config.v_dim)


def inference_roofline(config: TransformerConfig, *, accelerator: str | Accelerator = "h100-sxm", gpus: int = 1,
                       batch: int | None = None, input_tokens: int = 512, output_tokens: int = 512,
                       weight_bytes: float = 2.0, kv_bytes: float | None = None, precision: str | None = None,
                       memory_fraction: float = 0.9, bandwidth_efficiency: float = 1.0, flops_efficiency: float = 1.0,
                       price_per_gpu_hour: float | None = None, model: str = "model") -> InferenceEstimate:
    """Serve ``batch`` sequences of ``input_tokens`` + ``output_tokens`` (see the module docstring)."""
    check_each(ROOFLINE, gpus=gpus, batch=batch, input_tokens=input_tokens, output_tokens=output_tokens,
               weight_bytes=weight_bytes, kv_bytes=kv_bytes, memory_fraction=memory_fraction,
               bandwidth_efficiency=bandwidth_efficiency, flops_efficiency=flops_efficiency,
               price_per_gpu_hour=price_per_gpu_hour)
    kv_bytes = weight_bytes if kv_bytes is None else kv_bytes
    acc = get_accelerator(accelerator)
    if acc.memory_bytes is None or acc.memory_bandwidth is None:
        raise InputError(f"accelerator {acc.name!r} lacks memory size or bandwidth in the catalogue")
    if precision is None:
        precision = "fp8" if weight_bytes <= 1 and "fp8" in acc.peak_flops else acc.default_precision
    precision = normalise_precision(precision)
    peak = acc.peak(precision) * gpus * flops_efficiency
    bandwidth = acc.memory_bandwidth * gpus * bandwidth_efficiency
    counts = param_counts(config)
    weights = counts["total"] * weight_bytes
    kv_token = config.kv_cache_bytes_per_token(kv_bytes)
    seq_len = input_tokens + output_tokens
    free = acc.memory_bytes * gpus - weights
    notes = []
    if free <= 0:
        raise InputError(f"{model} needs {weights / 1e9:,.1f} GB of weights at {weight_bytes:g} bytes each; "
                         f"{gpus} x {acc.name} hold {acc.memory_bytes * gpus / 1e9:,.1f} GB: "
                         f"add {spelled('gpus')} or use fewer {spelled('weight_bytes')}")
    room = free * memory_fraction
    live = input_tokens + output_tokens / 2.0  # mean tokens a live sequence holds under in-flight batching
    max_batch = int(room // (kv_token * live))
    if batch is None:
        if max_batch < 1:
            raise InputError(f"no room for the KV cache of one {seq_len:,}-token sequence beside the weights")
        batch = max_batch
    elif batch > max_batch:
        raise InputError(f"{spelled('batch')} {batch:,} needs {format_bytes(batch * kv_token * live)} of KV cache but "
                         f"{format_bytes(room)} remain beside the weights on {gpus} x {acc.name}: at most "
                         f"{max_batch:,} sequences fit (lower {spelled('batch')} or add {spelled('gpus')})")
    n_matmul = counts["active_matmul"]
    # prefill: the batch's prompts in one pass; causal attention over on average s/2 earlier tokens
    prefill_flops = batch * input_tokens * (2.0 * n_matmul + _attention_flops_per_token(config, input_tokens / 2))
    prefill_bytes = weights + batch * input_tokens * kv_token
    prefill = max(prefill_flops / peak, prefill_bytes / bandwidth)
    # decode: one step per output token; the context grows from input to input + output (its mean is exact,
    # the cost is linear in it)
    context = input_tokens + (output_tokens - 1) / 2.0
    step_flops = batch * (2.0 * n_matmul + _attention_flops_per_token(config, context))
    step_bytes = _weights_read(config, batch) * weight_bytes + batch * context * kv_token
    step = max(step_flops / peak, step_bytes / bandwidth)
    total = prefill + output_tokens * step
    if not 0 < total < math.inf:
        raise InputError(f"the roofline gives no finite serving time: {spelled('bandwidth_efficiency')} or "
                         f"{spelled('flops_efficiency')} is too small, or {spelled('input_tokens')} and "
                         f"{spelled('output_tokens')} too large for this model")
    tokens_per_second = batch * output_tokens / total
    price = acc.cloud_usd_per_hour if price_per_gpu_hour is None else float(price_per_gpu_hour)
    if price is None:
        notes.append(f"no cloud price for {acc.name} in the catalogue: give {spelled('price_per_gpu_hour')} for "
                     "dollars")
    per_million = None if price is None else gpus * price / 3600.0 / tokens_per_second * 1e6
    values = {
        "batch": int(batch), "max_batch": max_batch, "input_tokens": int(input_tokens), "output_tokens": int(output_tokens),
        "weight_bytes": float(weight_bytes), "kv_bytes": float(kv_bytes),
        "weights_bytes_total": weights, "kv_cache_bytes_per_token": kv_token,
        "memory_per_gpu_bytes": (weights + batch * live * kv_token) / gpus,
        "prefill_seconds": prefill, "prefill_bound": "compute" if prefill_flops / peak >= prefill_bytes / bandwidth else "memory",
        "decode_step_seconds": step, "decode_bound": "compute" if step_flops / peak >= step_bytes / bandwidth else "memory",
        "tokens_per_second_per_sequence": 1.0 / step, "output_tokens_per_second": tokens_per_second,
        "output_tokens_per_second_per_gpu": tokens_per_second / gpus,
        "decode_mfu": 2.0 * n_matmul * batch / step / (acc.peak(precision) * gpus),
        "price_per_gpu_hour": price, "usd_per_million_output_tokens": per_million,
    }
    assumptions = {
        "peak_flops_per_gpu": acc.peak(precision), "memory_bandwidth_per_gpu": acc.memory_bandwidth,
        "memory_per_gpu": acc.memory_bytes, "memory_fraction": memory_fraction,
        "bandwidth_efficiency": bandwidth_efficiency, "flops_efficiency": flops_efficiency,
        "method": "roofline: max(FLOP / peak, bytes / bandwidth) per phase (Pope et al. 2022, section 2)",
        "price_source": "given" if price_per_gpu_hour is not None else str(acc.sources.get("cloud_usd_per_hour", "-")),
    }
    _check_physics(values, capacity=float(acc.memory_bytes))
    return InferenceEstimate(model, acc.name, precision, int(gpus), values, assumptions, tuple(notes))


def _check_physics(values: dict, *, capacity: float) -> None:
    """What no serving setup can do, refused rather than printed: a number that is not finite, memory
    per GPU above its capacity, a utilisation above 1. Each names the inputs that set it."""
    for name, value in values.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(f"{name.replace('_', ' ')} is not a finite number; {spelled('input_tokens')} and "
                             f"{spelled('output_tokens')} are too large for this model")
    if values["memory_per_gpu_bytes"] > capacity:
        raise InputError(f"the weights and KV cache need {format_bytes(values['memory_per_gpu_bytes'])} per GPU, "
                         f"more than its {format_bytes(capacity)}: lower {spelled('batch')} or "
                         f"{spelled('weight_bytes')}, or add {spelled('gpus')}")
    if not 0 < values["decode_mfu"] <= 1:
        raise InputError(f"decode MFU {values['decode_mfu']:.3g} is outside (0, 1]: {spelled('precision')} is below "
                         "the one the roofline used")


@dataclass(frozen=True)
class InferenceCostPlan(_Values):
    """The model that reaches a target loss at the least training + serving cost in dollars."""

    values: dict[str, float]
    assumptions: dict

    def to_dict(self) -> dict:
        return {**self.values, "assumptions": dict(self.assumptions)}

    def headline(self) -> str:
        v = self.values
        return (f"N = {format_quantity(v['n_params'])}, D = {format_quantity(v['n_tokens'])}, "
                f"${format_quantity(v['total_usd'])} ({100 * v['saving_fraction']:.1f}% saved)")

    def report(self):
        v = self.values
        rows = [
            ["parameters N", format_quantity(v["n_params"]), format_quantity(v["chinchilla_n_params"])],
            ["training tokens D", format_quantity(v["n_tokens"]), format_quantity(v["chinchilla_n_tokens"])],
            ["training FLOP", f"{v['training_flops']:.3g}", f"{v['chinchilla_training_flops']:.3g}"],
            ["inference FLOP", f"{v['inference_flops']:.3g}", f"{v['chinchilla_inference_flops']:.3g}"],
            ["training cost", format_money(v["training_usd"]), format_money(v["chinchilla_training_usd"])],
            ["inference cost", format_money(v["inference_usd"]), format_money(v["chinchilla_inference_usd"])],
            ["total cost", format_money(v["total_usd"]), format_money(v["chinchilla_total_usd"])],
        ]
        title = (f"Inference-aware plan in dollars (Sardana & Frankle 2023): loss {v['loss']:.4f}, "
                 f"{format_quantity(v['inference_tokens'])} tokens served; saves {100 * v['saving_fraction']:.1f}%")
        table = rich_table(title, ["", "cost-optimal", "Chinchilla-optimal"], rows)
        a = self.assumptions
        table.caption = (f"{a['accelerator']} at ${a['price_per_gpu_hour']:.2f}/GPU-hour; training at "
                         f"{100 * a['training_mfu']:.0f}% MFU, serving at {100 * a['inference_mfu']:.1f}% MFU "
                         f"({a['inference_mfu_source']})")
        table.caption_justify = "left"
        return table


def inference_aware_cost(law, inference_tokens: float, *, compute_flops: float | None = None,
                         target_loss: float | None = None, accelerator: str | Accelerator = "h100-sxm",
                         training_mfu: float | None = None, inference_mfu: float | None = None,
                         price_per_gpu_hour: float | None = None) -> InferenceCostPlan:
    """Sardana & Frankle 2023, section 3 ("real-world cost"): minimise training + serving dollars at a target
    loss, each FLOP priced at its own utilisation. With one $/GPU-hour this is the FLOP problem with the
    served tokens weighted by training MFU / inference MFU, solved by ``plan.inference_optimal``."""
    from ..plan import inference_optimal
    from ..plan.inference import INFERENCE_FLOPS_PER_PARAM_TOKEN
    from .cost import cost_defaults
    from .hardware import catalogue_data

    if inference_tokens is None:
        raise InputError(f"give {spelled('inference_tokens')}: the tokens the model will serve, e.g. 2T")
    if compute_flops is None and target_loss is None:
        raise InputError(f"give {spelled('compute')} (its compute-optimal loss is the target) or "
                         f"{spelled('target_loss')}")
    check_each(INFERENCE_PLAN, inference_tokens=inference_tokens, compute=compute_flops, target_loss=target_loss,
               training_mfu=training_mfu, inference_mfu=inference_mfu, price_per_gpu_hour=price_per_gpu_hour)
    acc = get_accelerator(accelerator)
    defaults = cost_defaults()
    data = catalogue_data()
    t_mfu = float(defaults["budget_mfu"].value) if training_mfu is None else float(training_mfu)
    if inference_mfu is None:
        spec = data["cost_defaults"]["inference_mfu"]
        i_mfu, i_source = float(spec["value"]), spec["note"]
    else:
        i_mfu, i_source = float(inference_mfu), "given"
    price = acc.cloud_usd_per_hour if price_per_gpu_hour is None else float(price_per_gpu_hour)
    if price is None:
        raise InputError(f"no cloud price for {acc.name}: give {spelled('price_per_gpu_hour')}")
    usd_per_flop_train = price / 3600.0 / (acc.peak() * t_mfu)
    usd_per_flop_serve = price / 3600.0 / (acc.peak() * i_mfu)
    if not (usd_per_flop_train > 0 and usd_per_flop_serve > 0):  # a price so small a FLOP costs 0.0
        raise InputError(f"{spelled('price_per_gpu_hour')} {price:g} is too small to price a FLOP; give dollars per "
                         "GPU-hour")
    if not (math.isfinite(usd_per_flop_train) and math.isfinite(usd_per_flop_serve)):  # a FLOP costs infinity
        raise InputError(f"{spelled('training_mfu')} {t_mfu:g} or {spelled('inference_mfu')} {i_mfu:g} is too small "
                         "to price a FLOP; give a utilisation such as 0.4")
    weight = usd_per_flop_serve / usd_per_flop_train
    plan = inference_optimal(law, float(inference_tokens) * weight, compute_flops=compute_flops,
                             target_loss=target_loss)
    n, d = float(plan.n_params), float(plan.n_tokens)
    ref_n, ref_d = plan.extra["chinchilla_n"], plan.extra["chinchilla_d"]
    k = float(plan.flops_per_param_token)

    def dollars(n_, d_):
        train = k * n_ * d_
        serve = INFERENCE_FLOPS_PER_PARAM_TOKEN * n_ * float(inference_tokens)
        return train, serve, train * usd_per_flop_train, serve * usd_per_flop_serve

    tr, sv, tr_usd, sv_usd = dollars(n, d)
    rtr, rsv, rtr_usd, rsv_usd = dollars(ref_n, ref_d)
    values = {
        "loss": float(plan.loss), "inference_tokens": float(inference_tokens),
        "n_params": n, "n_tokens": d, "training_flops": tr, "inference_flops": sv,
        "training_usd": tr_usd, "inference_usd": sv_usd, "total_usd": tr_usd + sv_usd,
        "chinchilla_n_params": ref_n, "chinchilla_n_tokens": ref_d, "chinchilla_training_flops": rtr,
        "chinchilla_inference_flops": rsv, "chinchilla_training_usd": rtr_usd, "chinchilla_inference_usd": rsv_usd,
        "chinchilla_total_usd": rtr_usd + rsv_usd,
        "saving_fraction": 1.0 - (tr_usd + sv_usd) / (rtr_usd + rsv_usd),
        "usd_per_million_tokens_served": 1e6 * INFERENCE_FLOPS_PER_PARAM_TOKEN * n * usd_per_flop_serve,
    }
    if not all(math.isfinite(value) for value in values.values()):
        raise InputError(f"the costs are not finite numbers: {spelled('training_mfu')} {t_mfu:g} or "
                         f"{spelled('inference_mfu')} {i_mfu:g} is too small, or {spelled('inference_tokens')} too "
                         "large")
    assumptions = {"accelerator": acc.name, "price_per_gpu_hour": price, "peak_flops": acc.peak(),
                   "training_mfu": t_mfu, "inference_mfu": i_mfu, "inference_mfu_source": i_source,
                   "law": getattr(law, "family", str(law))}
    return InferenceCostPlan(values, assumptions)
