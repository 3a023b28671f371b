"""``scalinglab memory``: bytes per GPU by part under TP/PP/SP/EP/DP and ZeRO, and a layout search."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ._common import JsonOption, api, emit


def _opt(name: str, text: str):
    return typer.Option(name, help=text)


def register(app: typer.Typer) -> None:
    @app.command("memory")
    def memory_command(
        config: Annotated[str, _opt("--config", "A known model shape (e.g. llama3-70b) or a local Hugging Face config.json.")],
        gpu: Annotated[str, _opt("--gpu", "Accelerator from the catalogue (its memory is the capacity).")] = "h100-sxm",
        gpus: Annotated[Optional[int], _opt("--gpus", "Total GPUs (tp x pp x dp); needed by --search.")] = None,
        tp: Annotated[Optional[int], _opt("--tp", "Tensor-parallel size (divides the heads).")] = None,
        pp: Annotated[Optional[int], _opt("--pp", "Pipeline-parallel stages (at most the layers).")] = None,
        ep: Annotated[Optional[int], _opt("--ep", "Expert-parallel size (mixtures of experts; divides the experts and DP).")] = None,
        zero: Annotated[Optional[int], _opt("--zero", "ZeRO stage 0-3: shard optimizer (1), + gradients (2), + weights (3) over DP.")] = None,
        recompute: Annotated[Optional[str], _opt("--recompute", "Activation recomputation: none, selective or full.")] = None,
        micro_batch: Annotated[Optional[int], _opt("--micro-batch", "Sequences per micro-batch (inference: the batch).")] = None,
        global_batch: Annotated[Optional[int], _opt("--global-batch", "Sequences per step (default: about 4M tokens).")] = None,
        seq: Annotated[Optional[int], _opt("--seq", "Sequence length (default: the model's context).")] = None,
        no_sp: Annotated[bool, _opt("--no-sp", "Without sequence parallelism (norm and dropout activations replicated across TP).")] = False,
        inference: Annotated[bool, _opt("--inference", "Serving: weights and KV cache only.")] = False,
        weight_bytes: Annotated[Optional[float], _opt("--weight-bytes", "Bytes per weight (inference; 1 for FP8/INT8, 0.5 for 4-bit).")] = None,
        virtual_stages: Annotated[Optional[int], _opt("--virtual-stages", "Model chunks per pipeline stage; above 1 the interleaved schedule, bubble (PP-1)/(m v) (Narayanan et al. 2021).")] = None,
        search: Annotated[bool, _opt("--search", "List the layouts that fit on --gpus, ranked by estimated step time.")] = False,
        top: Annotated[int, _opt("--top", "Layouts to list with --search.")] = 10,
        as_json: JsonOption = False,
    ) -> None:
        """Memory per GPU by part (weights, gradients, optimizer, activations, KV cache), fits or not; --search ranks layouts."""
        emit(api.memory(config, gpu=gpu, gpus=gpus, tp=tp, pp=pp, ep=ep, zero=zero, recompute=recompute,
                        micro_batch=micro_batch, global_batch=global_batch, seq=seq, sp=not no_sp, inference=inference,
                        weight_bytes=weight_bytes, search=search, top=top, virtual_stages=virtual_stages), as_json)
