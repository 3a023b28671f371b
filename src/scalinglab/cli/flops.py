"""``scalinglab flops``: training FLOP from N and D (6ND) or from a transformer's shape."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import JsonOption, api, emit, old_option, refuse_unused, renamed


def register(app: typer.Typer) -> None:
    @app.command("flops")
    def flops_command(
        params: Annotated[str | None, typer.Option("--params", help="N, e.g. 175B (6ND count).")] = None,
        tokens: Annotated[str, typer.Option("--tokens", help="Training tokens D, e.g. 300B.")] = "",
        config: Annotated[str | None, typer.Option("--config", help="A known shape (gpt3-175b, llama3-70b, mixtral-8x7b, deepseek-v3, ...: see the README) or a local Hugging Face config.json.")] = None,
        layers: Annotated[int | None, typer.Option("--layers")] = None,
        d_model: Annotated[int | None, typer.Option("--d-model")] = None,
        heads: Annotated[int | None, typer.Option("--heads")] = None,
        vocab: Annotated[int | None, typer.Option("--vocab", help="With --layers: vocabulary size (default 50257).")] = None,
        context: Annotated[int | None, typer.Option("--context", help="With --layers: context length (default 2048).")] = None,
        ffn_ratio: Annotated[float | None, typer.Option("--ffn-ratio", help="With --layers: FFN width / d_model (default 4).")] = None,
        flops_method: Annotated[str | None, typer.Option("--flops-method", help="Detailed count: 6nd, kaplan or chinchilla (default chinchilla).")] = None,
        method: Annotated[str | None, old_option("--method", "--flops-method")] = None,
        embeddings: Annotated[bool | None, typer.Option("--embeddings/--no-embeddings", help="Count embedding FLOP (default: the method's convention).")] = None,
        lm_head: Annotated[bool | None, typer.Option("--lm-head/--no-lm-head", help="Count the final logits (default: yes).")] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Training FLOP: 6ND from --params and --tokens, or a detailed count from a model shape."""
        flops_method = renamed(flops_method, method, "--method", "--flops-method")
        shape = {"--vocab": vocab, "--context": context, "--ffn-ratio": ffn_ratio}
        if config is not None:
            refuse_unused("sets a shape given by --layers/--d-model/--heads; --config brings its own", shape)
        elif params is not None and layers is None:
            refuse_unused("applies to a model shape (--config or --layers); --params counts 6ND",
                          {**shape, "--flops-method": flops_method, "--embeddings/--no-embeddings": embeddings is not None,
                           "--lm-head/--no-lm-head": lm_head is not None})
        emit(api.flops(params, tokens, config=config, layers=layers, d_model=d_model, heads=heads,
                       vocab=50257 if vocab is None else vocab, context=2048 if context is None else context,
                       ffn_ratio=4.0 if ffn_ratio is None else ffn_ratio, flops_method=flops_method or "chinchilla",
                       embeddings=embeddings, lm_head=True if lm_head is None else lm_head), as_json)
