"""The parameters of ``flops``, ``memory``, ``inference roofline`` and ``inference plan``, each declared once.

Physical domains: counts (GPUs, parallel sizes, sequences, tokens) are whole numbers of at least 1; bytes
per stored value lie in [1/8, 8], from 1-bit quantisation to float64; utilisations and shares in (0, 1].
The science below checks what it is given against these declarations (:func:`check_each`), so that a
value out of its domain is refused under the caller's name for it, whichever way it came in.
"""

from __future__ import annotations

import math

from .._defaults import DEFAULT_LAW
from ..errors import InputError
from ..options import Option, Options, spelled

__all__ = ["ACCELERATOR", "FLOPS", "MEMORY", "ROOFLINE", "INFERENCE_PLAN", "METHODS", "RECOMPUTE", "BYTES_PER_VALUE", "check_each"]

#: FLOP counting methods: 6 N D, Kaplan et al. 2020 Table 1, Hoffmann et al. 2022 Appendix F.
METHODS = ("6nd", "kaplan", "chinchilla")
#: Activation recomputation (Korthikanti et al. 2022): none, the attention core only, or whole layers.
RECOMPUTE = ("none", "selective", "full")
#: Bytes per stored number: from 1-bit quantisation to float64; anything outside is no number format.
BYTES_PER_VALUE = (0.125, 8.0)


#: ``hardware show``: one accelerator of the catalogue (``accelerators.yaml``).
ACCELERATOR = Options((
    Option("name", "Accelerator name or alias, e.g. h100, A100, tpu-v5p.", argument=True),
))


def _count(name: str, help: str, default: int | None = None, **rules) -> Option:
    return Option(name, help, default=default, kind="int", low=1, **rules)


def _bytes(name: str, help: str, default: float | None = None, **rules) -> Option:
    return Option(name, help, default=default, kind="float", unit="bytes", low=BYTES_PER_VALUE[0],
                  high=BYTES_PER_VALUE[1], **rules)


def _share(name: str, help: str, default: float | None = None, **rules) -> Option:
    return Option(name, help, default=default, kind="float", low=0, low_open=True, high=1, **rules)


#: The model of ``memory`` and ``inference roofline``.
_MODEL_CONFIG = Option("config", "The model: a known shape (e.g. llama3-70b; see docs/flops.md) or a local Hugging "
                                 "Face config.json.", required=True)


_SHAPE = ("layers", "d_model", "heads")

FLOPS = Options((
    Option("params", "N, e.g. 175B (6ND count; in Python also a list or an array).", kind="quantity", low=0,
           low_open=True, excludes=("config", *_SHAPE, "flops_method", "embeddings", "lm_head")),
    Option("tokens", "Training tokens D, e.g. 300B (required).", kind="quantity", low=0, low_open=True),
    Option("config", "A known shape (gpt3-175b, llama3-70b, mixtral-8x7b, deepseek-v3, ...: see docs/flops.md) or a "
                     "local Hugging Face config.json.", excludes=_SHAPE),
    _count("layers", "Layers of a shape given by its numbers (with {d_model} and {heads}).", requires=("d_model", "heads")),
    _count("d_model", "Model width of a shape given by its numbers.", requires=("layers", "heads")),
    _count("heads", "Attention heads of a shape given by its numbers.", requires=("layers", "d_model")),
    _count("vocab", "Vocabulary of a shape given by its numbers.", default=50257, requires=("layers",)),
    _count("context", "Context of a shape given by its numbers (tokens).", default=2048, requires=("layers",)),
    Option("ffn_ratio", "FFN width over model width, of a shape given by its numbers.", default=4.0, kind="float",
           low=0, low_open=True, requires=("layers",)),
    Option("flops_method", "Detailed count: 6nd, kaplan (Kaplan et al. 2020, Table 1) or chinchilla (Hoffmann et "
                           "al. 2022, Appendix F).", default="chinchilla", kind="choice", choices=METHODS),
    Option("embeddings", "Count embedding FLOP (default: the method's convention).", kind="bool",
           flag="--embeddings/--no-embeddings"),
    Option("lm_head", "Count the final logits.", default=True, kind="bool", flag="--lm-head/--no-lm-head"),
))

MEMORY = Options((
    _MODEL_CONFIG,
    Option("gpu", "Accelerator from the catalogue (its memory is the capacity).", default="h100-sxm"),
    _count("gpus", "Total GPUs (tp x pp x dp; default tp x pp); needed by {search}."),
    _count("tp", "Tensor-parallel size (divides the heads)."),
    _count("pp", "Pipeline-parallel stages (at most the layers)."),
    _count("ep", "Expert-parallel size (mixtures of experts; divides the experts and DP)."),
    Option("zero", "ZeRO stage 0-3: shard optimizer (1), + gradients (2), + weights (3) over DP.", kind="int", low=0,
           high=3),
    Option("recompute", "Activation recomputation: none, selective or full.", kind="choice", choices=RECOMPUTE),
    _count("micro_batch", "Sequences per micro-batch (inference: the batch)."),
    _count("global_batch", "Sequences per step (default: about 4M tokens)."),
    _count("seq", "Sequence length (default: the model's context)."),
    Option("sp", "Sequence parallelism; without it norm and dropout activations are replicated across TP.",
           default=True, kind="bool", flag="--sp/--no-sp"),
    Option("inference", "Serving: weights and KV cache only.", default=False, kind="bool",
           excludes=("zero", "recompute", "global_batch", "sp")),
    _bytes("weight_bytes", "Bytes per weight with {inference} (1 for FP8/INT8, 0.5 for 4-bit; default 2).",
           requires=("inference",)),
    _bytes("kv_bytes", "Bytes per KV-cache value with {inference} (default 2).", requires=("inference",)),
    _count("virtual_stages", "Model chunks per pipeline stage; above 1 the interleaved schedule, bubble (PP-1)/(m v) "
                             "(Narayanan et al. 2021)."),
    Option("search", "List the layouts that fit on the GPUs, ranked by estimated step time (the options given pin "
                     "the search; with sequence parallelism).", default=False, kind="bool", requires=("gpus",),
           excludes=("inference", "sp")),
    _count("top", "Layouts to list with {search}.", default=10, requires=("search",)),
))

ROOFLINE = Options((
    _MODEL_CONFIG,
    Option("gpu", "Accelerator from the catalogue.", default="h100-sxm"),
    _count("gpus", "GPUs holding the model (tensor parallelism).", default=1),
    _count("batch", "Concurrent sequences (default: the most whose KV cache fits)."),
    _count("input_tokens", "Prompt tokens per sequence.", default=512, flag="--input"),
    _count("output_tokens", "Generated tokens per sequence.", default=512, flag="--output"),
    _bytes("weight_bytes", "Bytes per weight: 2 (BF16), 1 (FP8/INT8), 0.5 (4-bit).", default=2.0),
    _bytes("kv_bytes", "Bytes per KV-cache value (default: as {weight_bytes})."),
    Option("precision", "Peak used for FLOP (default: fp8 with 1-byte weights, else the chip's 16-bit)."),
    _share("memory_fraction", "Share of the memory left beside the weights that the KV cache may use.", default=0.9,
           default_source="TensorRT-LLM's kv_cache_free_gpu_mem_fraction"),
    _share("bandwidth_efficiency", "Share of the peak memory bandwidth reached (1: the pure roofline, an upper "
                                   "bound on throughput).", default=1.0),
    _share("flops_efficiency", "Share of the peak FLOP/s reached (1: the pure roofline).", default=1.0),
    Option("price_per_gpu_hour", "Price per GPU-hour (default: catalogue).", kind="float", unit="USD", low=0),
))

INFERENCE_PLAN = Options((
    Option("inference_tokens", "Tokens the model will serve over its life, e.g. 2T.", kind="quantity", low=0,
           low_open=True, required=True),
    Option("compute", "Training FLOP whose compute-optimal loss is the target, e.g. 1e23.", kind="quantity",
           unit="FLOP", low=0, low_open=True, excludes=("target_loss",)),
    Option("target_loss", "Target loss instead of {compute}.", kind="float", low=0, low_open=True),
    Option("law", "A published law (see `scalinglab laws list`), a saved fit (.json) or a law object.",
           default=DEFAULT_LAW),
    Option("gpu", "Accelerator that trains and serves.", default="h100-sxm"),
    _share("training_mfu", "Training MFU (default 0.40, Llama 3.1)."),
    _share("inference_mfu", "Serving MFU (default 0.44, TensorRT-LLM 70B on H100)."),
    Option("price_per_gpu_hour", "Price per GPU-hour (default: catalogue).", kind="float", unit="USD", low=0,
           low_open=True),
))


def _numbers(value) -> list:
    return value.ravel().tolist() if hasattr(value, "ravel") else [value]


def check_each(options: Options, **values) -> None:
    """Each given value checked against its declaration in ``options`` (the rules between options are the
    face's); a quantity is checked once read as a number (or an array of them)."""
    for name, value in values.items():
        option = options[name]
        if option.kind != "quantity":
            option.check(value)
        elif value is not None and not isinstance(value, str):
            for number in _numbers(value):
                if not math.isfinite(number):
                    raise InputError(f"{spelled(name)} must be a finite number, got {number}")
                option.check_bounds(number)
