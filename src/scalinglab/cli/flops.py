"""``scalinglab flops``: training FLOP from N and D (6ND) or from a transformer's shape."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import JsonOption, api, emit, old_option, renamed


def register(app: typer.Typer) -> None:
    @app.command("flops")
    def flops_command(
        params: Annotated[str | None, typer.Option("--params", help="N, e.g. 175B (6ND count).")] = None,
        tokens: Annotated[str, typer.Option("--tokens", help="Training tokens D, e.g. 300B.")] = "",
        config: Annotated[str | None, typer.Option("--config", help="A known shape (gpt3-175b, llama3-70b, mixtral-8x7b, deepseek-v3, ...: see docs/flops.md) or a local Hugging Face config.json.")] = None,
        layers: Annotated[int | None, typer.Option("--layers")] = None,
        d_model: Annotated[int | None, typer.Option("--d-model")] = None,
        heads: Annotated[int | None, typer.Option("--heads")] = None,
        vocab: Annotated[int, typer.Option("--vocab")] = 50257,
        context: Annotated[int, typer.Option("--context")] = 2048,
        ffn_ratio: Annotated[float, typer.Option("--ffn-ratio")] = 4.0,
        flops_method: Annotated[str | None, typer.Option("--flops-method", help="Detailed count: 6nd, kaplan or chinchilla (default chinchilla).")] = None,
        method: Annotated[str | None, old_option("--method", "--flops-method")] = None,
        embeddings: Annotated[bool | None, typer.Option("--embeddings/--no-embeddings", help="Count embedding FLOP (default: the method's convention).")] = None,
        lm_head: Annotated[bool, typer.Option("--lm-head/--no-lm-head", help="Count the final logits.")] = True,
        as_json: JsonOption = False,
    ) -> None:
        """Training FLOP: 6ND from --params and --tokens, or a detailed count from a model shape."""
        emit(api.flops(params, tokens, config=config, layers=layers, d_model=d_model, heads=heads, vocab=vocab,
                       context=context, ffn_ratio=ffn_ratio, flops_method=renamed(flops_method, method, "--method", "--flops-method") or "chinchilla", embeddings=embeddings,
                       lm_head=lm_head), as_json)
