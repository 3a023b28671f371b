"""``scalinglab plan`` and ``scalinglab predict``: allocations and losses under a law."""

from __future__ import annotations

from typing import Annotated

import typer

from ..errors import InputError
from ..laws import DEFAULT_LAW, resolve_law
from ..plan import (
    compute_for_epochs,
    compute_for_loss,
    compute_optimal,
    data_constrained_optimal,
    fixed_allocation,
    fixed_ratio,
    inference_optimal,
    predict,
    saturation_compute,
)
from ..units import parse_quantity
from ._common import JsonOption, console, emit, law_option_help, print_json, table

LawOption = Annotated[str, typer.Option("--law", help=law_option_help)]
Quantity = Annotated[str | None, typer.Option(help="A number with an optional K/M/B/T suffix.")]


def _quantity(text: str | None, what: str) -> float | None:
    return None if text is None else parse_quantity(text, what=what)


def _quantities(texts: list[str] | None, what: str) -> list[float]:
    return [parse_quantity(part, what=what) for text in texts or [] for part in text.split(",") if part.strip()]


def _print_plans(plans: list, as_json: bool) -> None:
    if as_json:
        print_json(plans[0].to_dict() if len(plans) == 1 else [p.to_dict() for p in plans])
        return
    first = plans[0]
    console.print(table(f"{first.law}: {first.method}", first.columns(), [row for p in plans for row in p.rows()]))


def register(app: typer.Typer) -> None:
    @app.command("plan")
    def plan_command(
        compute: Annotated[list[str] | None, typer.Option("--compute", help="Training budget(s) in FLOP, e.g. 5.76e23 (repeat or comma-separate).")] = None,
        law: LawOption = DEFAULT_LAW,
        unique_tokens: Annotated[str | None, typer.Option("--unique-tokens", help="Unique tokens available (data-constrained law), e.g. 50T.")] = None,
        epochs: Annotated[str | None, typer.Option("--epochs", help="With --unique-tokens and no --compute: the budgets that train these epochs optimally, e.g. 1,4,16,60.")] = None,
        saturation: Annotated[bool, typer.Option("--saturation", help="With --unique-tokens: the budget beyond which more compute stops helping.")] = False,
        target_loss: Annotated[float | None, typer.Option("--target-loss", help="The least compute that reaches this loss.")] = None,
        params: Annotated[str | None, typer.Option("--params", help="Fix N (with --compute or --tokens-per-param).")] = None,
        tokens: Annotated[str | None, typer.Option("--tokens", help="Fix D (with --compute or --tokens-per-param).")] = None,
        tokens_per_param: Annotated[float | None, typer.Option("--tokens-per-param", help="Fixed ratio D/N, e.g. 20.")] = None,
        inference_tokens: Annotated[str | None, typer.Option("--inference-tokens", help="Tokens to be served: inference-aware N and D (Sardana & Frankle 2023).")] = None,
        flops_per_param_token: Annotated[float, typer.Option("--flops-per-param-token", help="k in C = k N D.")] = 6.0,
        as_json: JsonOption = False,
    ) -> None:
        """Compute-optimal N and D for a budget, and its variants (inverse, fixed N or D, data-constrained, inference-aware)."""
        name, the_law = resolve_law(law)
        budgets = _quantities(compute, "compute")
        n_fixed, d_fixed = _quantity(params, "params"), _quantity(tokens, "tokens")
        unique = _quantity(unique_tokens, "unique tokens")
        k = flops_per_param_token
        if tokens_per_param is not None:
            plans = [fixed_ratio(tokens_per_param, compute_flops=c, flops_per_param_token=k, law=the_law, name=name) for c in budgets]
            if not budgets:
                plans = [fixed_ratio(tokens_per_param, n_tokens=d_fixed, n_params=n_fixed, flops_per_param_token=k,
                                     law=the_law, name=name)]
        elif inference_tokens is not None:
            t_inf = parse_quantity(inference_tokens, what="inference tokens")
            if budgets:
                plans = [inference_optimal(the_law, t_inf, compute_flops=c, flops_per_param_token=k, name=name) for c in budgets]
            else:
                plans = [inference_optimal(the_law, t_inf, target_loss=target_loss, flops_per_param_token=k, name=name)]
        elif target_loss is not None:
            plans = [compute_for_loss(the_law, target_loss, flops_per_param_token=k, name=name)]
        elif unique is not None and not budgets:
            if saturation:
                plans = [saturation_compute(the_law, unique, flops_per_param_token=k)]
            else:
                plans = [compute_for_epochs(the_law, unique, e, flops_per_param_token=k)
                         for e in _quantities([epochs or "1,4,16,60"], "epochs")]
        elif not budgets:
            raise InputError("give --compute (or --target-loss, --unique-tokens, --tokens-per-param)")
        elif n_fixed is not None or d_fixed is not None:
            plans = [fixed_allocation(the_law, c, n_params=n_fixed, n_tokens=d_fixed, flops_per_param_token=k, name=name)
                     for c in budgets]
        elif unique is not None:
            plans = [data_constrained_optimal(the_law, c, unique, flops_per_param_token=k, name=name) for c in budgets]
        else:
            plans = [compute_optimal(the_law, c, flops_per_param_token=k, name=name) for c in budgets]
        _print_plans(plans, as_json)

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
        name, the_law = resolve_law(law)
        result = predict(the_law, n_params=_quantity(params, "params"), n_tokens=_quantity(tokens, "tokens"),
                         unique_tokens=_quantity(unique_tokens, "unique tokens"),
                         compute_flops=_quantity(compute, "compute"), x=_quantity(x, "x"), name=name)
        emit(result, as_json)

