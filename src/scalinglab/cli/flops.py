"""``scalinglab flops``: training FLOP from N and D (6ND) or from a transformer's shape."""

from __future__ import annotations

from typing import Annotated

import typer

from ..compute import KNOWN_CONFIGS, METHODS, TransformerConfig, flops_breakdown, training_flops
from ..compute.shapes import resolve_config
from ..errors import InputError
from ..units import format_quantity, parse_quantity
from ._common import JsonOption, console, emit, print_json


def register(app: typer.Typer) -> None:
    @app.command("flops")
    def flops_command(
        params: Annotated[str | None, typer.Option("--params", help="N, e.g. 175B (6ND count).")] = None,
        tokens: Annotated[str, typer.Option("--tokens", help="Training tokens D, e.g. 300B.")] = "",
        config: Annotated[str | None, typer.Option("--config", help=f"A known shape ({', '.join(KNOWN_CONFIGS)}) or a local Hugging Face config.json.")] = None,
        layers: Annotated[int | None, typer.Option("--layers")] = None,
        d_model: Annotated[int | None, typer.Option("--d-model")] = None,
        heads: Annotated[int | None, typer.Option("--heads")] = None,
        vocab: Annotated[int, typer.Option("--vocab")] = 50257,
        context: Annotated[int, typer.Option("--context")] = 2048,
        ffn_ratio: Annotated[float, typer.Option("--ffn-ratio")] = 4.0,
        method: Annotated[str, typer.Option("--method", help=f"Detailed count: {', '.join(METHODS)}.")] = "chinchilla",
        embeddings: Annotated[bool | None, typer.Option("--embeddings/--no-embeddings", help="Count embedding FLOP (default: the method's convention).")] = None,
        lm_head: Annotated[bool, typer.Option("--lm-head/--no-lm-head", help="Count the final logits.")] = True,
        as_json: JsonOption = False,
    ) -> None:
        """Training FLOP: 6ND from --params and --tokens, or a detailed count from a model shape."""
        if not tokens:
            raise InputError("give --tokens (training tokens D, e.g. 300B)")
        n_tokens = parse_quantity(tokens, what="tokens")
        if params is not None and config is None and layers is None:
            n_params = parse_quantity(params, what="params")
            flops = float(training_flops(n_params, n_tokens))
            if as_json:
                print_json({"flops": flops, "params": n_params, "tokens": n_tokens, "method": "6nd"})
            else:
                console.print(f"C = 6 N D = 6 x {format_quantity(n_params)} x {format_quantity(n_tokens)} = {flops:.4g} FLOP")
            return
        if config is not None:
            shape = resolve_config(config)
        elif None in (layers, d_model, heads):
            raise InputError("give --params, or --config NAME, or --layers, --d-model and --heads")
        else:
            shape = TransformerConfig(n_layers=layers, d_model=d_model, n_heads=heads, vocab_size=vocab, n_ctx=context,
                                      ffn_ratio=ffn_ratio)
        emit(flops_breakdown(shape, n_tokens, method=method, include_embeddings=embeddings, include_lm_head=lm_head), as_json)
