"""``scalinglab inference roofline|plan``: serving throughput and $ per million tokens, and the
inference-aware plan priced in dollars."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .._defaults import DEFAULT_LAW
from ._common import JsonOption, api, emit, law_option_help


def _opt(name: str, text: str):
    return typer.Option(name, help=text)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Inference: prefill/decode roofline, $ per million tokens, inference-aware plan in dollars.",
                        no_args_is_help=True)
    app.add_typer(group, name="inference")

    @group.command("roofline")
    def roofline_command(
        config: Annotated[str, _opt("--config", "A known model shape (e.g. llama3-70b) or a local Hugging Face config.json.")],
        gpu: Annotated[str, _opt("--gpu", "Accelerator from the catalogue.")] = "h100-sxm",
        gpus: Annotated[int, _opt("--gpus", "GPUs holding the model (tensor parallelism).")] = 1,
        batch: Annotated[Optional[int], _opt("--batch", "Concurrent sequences (default: the most whose KV cache fits).")] = None,
        input_tokens: Annotated[int, _opt("--input", "Prompt tokens per sequence.")] = 512,
        output_tokens: Annotated[int, _opt("--output", "Generated tokens per sequence.")] = 512,
        weight_bytes: Annotated[float, _opt("--weight-bytes", "Bytes per weight: 2 (BF16), 1 (FP8/INT8), 0.5 (4-bit).")] = 2.0,
        kv_bytes: Annotated[Optional[float], _opt("--kv-bytes", "Bytes per KV-cache value (default: as the weights).")] = None,
        precision: Annotated[Optional[str], _opt("--precision", "Peak used for FLOP (default: fp8 with 1-byte weights, else the chip's 16-bit).")] = None,
        memory_fraction: Annotated[float, _opt("--memory-fraction", "Share of the memory left beside the weights that the KV cache may use.")] = 0.9,
        price_per_gpu_hour: Annotated[Optional[float], _opt("--price-per-gpu-hour", "USD per GPU-hour (default: catalogue).")] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Prefill and decode time from a roofline, output tokens/s and $ per million output tokens."""
        emit(api.inference(config, gpu=gpu, gpus=gpus, batch=batch, input_tokens=input_tokens,
                           output_tokens=output_tokens, weight_bytes=weight_bytes, kv_bytes=kv_bytes, precision=precision,
                           memory_fraction=memory_fraction, price_per_gpu_hour=price_per_gpu_hour), as_json)

    @group.command("plan")
    def plan_command(
        inference_tokens: Annotated[str, _opt("--inference-tokens", "Tokens the model will serve over its life, e.g. 2T.")],
        compute: Annotated[Optional[str], _opt("--compute", "Training FLOP whose compute-optimal loss is the target, e.g. 1e23.")] = None,
        target_loss: Annotated[Optional[float], _opt("--target-loss", "Target loss instead of --compute.")] = None,
        law: Annotated[str, _opt("--law", law_option_help)] = DEFAULT_LAW,
        gpu: Annotated[str, _opt("--gpu", "Accelerator that trains and serves.")] = "h100-sxm",
        training_mfu: Annotated[Optional[float], _opt("--training-mfu", "Training MFU (default 0.40, Llama 3.1).")] = None,
        inference_mfu: Annotated[Optional[float], _opt("--inference-mfu", "Serving MFU (default 0.44, TensorRT-LLM 70B on H100).")] = None,
        price_per_gpu_hour: Annotated[Optional[float], _opt("--price-per-gpu-hour", "USD per GPU-hour (default: catalogue).")] = None,
        as_json: JsonOption = False,
    ) -> None:
        """N and D reaching a loss at the least training + serving cost in dollars (Sardana & Frankle 2023)."""
        emit(api.inference_plan(inference_tokens, compute=compute, target_loss=target_loss, law=law, gpu=gpu,
                                training_mfu=training_mfu, inference_mfu=inference_mfu,
                                price_per_gpu_hour=price_per_gpu_hour), as_json)
