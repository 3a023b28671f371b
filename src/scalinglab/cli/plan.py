"""``scalinglab plan`` and ``scalinglab predict``: allocations and losses under a law."""

from __future__ import annotations

from typing import Annotated

import typer

from .. import api
from ..laws import DEFAULT_LAW
from ._common import JsonOption, emit, law_option_help

LawOption = Annotated[str, typer.Option("--law", help=law_option_help)]
Quantity = Annotated[str | None, typer.Option(help="A number with an optional K/M/B/T suffix.")]


def register(app: typer.Typer) -> None:
    @app.command("plan")
    def plan_command(
        compute: Annotated[list[str] | None, typer.Option("--compute", help="Training budget(s) in FLOP, e.g. 5.76e23 (repeat or comma-separate).")] = None,
        law: LawOption = DEFAULT_LAW,
        unique_tokens: Annotated[str | None, typer.Option("--unique-tokens", help="Unique tokens available (data-constrained law), e.g. 50T.")] = None,
        epochs: Annotated[str | None, typer.Option("--epochs", help="With --unique-tokens and no --compute: the budgets that train these epochs optimally, e.g. 1,4,16,60.")] = None,
        saturation: Annotated[bool, typer.Option("--saturation", help="With --unique-tokens: the budget beyond which more compute stops helping.")] = False,
        target_loss: Annotated[list[float] | None, typer.Option("--target-loss", help="The least compute that reaches this loss (repeatable).")] = None,
        params: Annotated[str | None, typer.Option("--params", help="Fix N (with --compute or --tokens-per-param).")] = None,
        tokens: Annotated[str | None, typer.Option("--tokens", help="Fix D (with --compute or --tokens-per-param).")] = None,
        tokens_per_param: Annotated[float | None, typer.Option("--tokens-per-param", help="Fixed ratio D/N, e.g. 20.")] = None,
        inference_tokens: Annotated[str | None, typer.Option("--inference-tokens", help="Tokens to be served: inference-aware N and D (Sardana & Frankle 2023).")] = None,
        flops_per_param_token: Annotated[float, typer.Option("--flops-per-param-token", help="k in C = k N D.")] = 6.0,
        as_json: JsonOption = False,
    ) -> None:
        """Compute-optimal N and D for a budget, and its variants (inverse, fixed N or D, data-constrained, inference-aware)."""
        emit(api.plan(compute or [], law=law, unique_tokens=unique_tokens, epochs=epochs, saturation=saturation,
                      target_loss=target_loss, params=params, tokens=tokens, tokens_per_param=tokens_per_param,
                      inference_tokens=inference_tokens, flops_per_param_token=flops_per_param_token), as_json)

    @app.command("predict")
    def predict_command(
        law: LawOption = DEFAULT_LAW,
        params: Quantity = None,
        tokens: Quantity = None,
        unique_tokens: Annotated[str | None, typer.Option("--unique-tokens", help="Unique tokens (data-constrained laws).")] = None,
        compute: Annotated[str | None, typer.Option("--compute", help="Compute in FLOP (laws of compute, e.g. kaplan2020-compute).")] = None,
        x: Annotated[str | None, typer.Option("--x", help="The variable of a one-variable law.")] = None,
        as_json: JsonOption = False,
    ) -> None:
        """The loss a law predicts for N parameters trained on D tokens (or at a compute, or at x)."""
        emit(api.predict(law, params=params, tokens=tokens, unique_tokens=unique_tokens, compute=compute, x=x),
             as_json)

