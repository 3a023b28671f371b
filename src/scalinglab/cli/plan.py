"""``scalinglab plan`` and ``scalinglab predict``: allocations and losses under a law."""

from __future__ import annotations

from typing import Annotated

import typer

from .._defaults import DEFAULT_LAW
from ..errors import InputError
from ._common import WHERE_HELP, JsonOption, api, emit, law_option_help, refuse_unused, where_filter

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
        cost: Annotated[str | None, typer.Option("--cost", help="With --compute: the training cost as a formula of N and D, e.g. \"6*N*D + 2e9*D\", instead of k N D (numeric optimum).")] = None,
        input_: Annotated[list[str] | None, typer.Option("--input", help="A formula law's input other than N and D held fixed, NAME=VALUE (repeatable), e.g. E=8.")] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Compute-optimal N and D for a budget, and its variants (inverse, fixed N or D, data-constrained, inference-aware)."""
        emit(api.plan(compute or [], law=law, unique_tokens=unique_tokens, epochs=epochs, saturation=saturation,
                      target_loss=target_loss, params=params, tokens=tokens, tokens_per_param=tokens_per_param,
                      inference_tokens=inference_tokens, flops_per_param_token=flops_per_param_token, cost=cost,
                      inputs=input_), as_json)

    @app.command("predict")
    def predict_command(
        law: LawOption = DEFAULT_LAW,
        params: Quantity = None,
        tokens: Quantity = None,
        unique_tokens: Annotated[str | None, typer.Option("--unique-tokens", help="Unique tokens (data-constrained laws).")] = None,
        compute: Annotated[str | None, typer.Option("--compute", help="Compute in FLOP (laws of compute, e.g. kaplan2020-compute).")] = None,
        x: Annotated[str | None, typer.Option("--x", help="The variable of a one-variable law.")] = None,
        runs: Annotated[str | None, typer.Option("--runs", help="Predict every run of this table (.csv, .parquet, .jsonl or a bundled dataset): intervals, residuals, R^2, MAPE.")] = None,
        out: Annotated[str | None, typer.Option("--out", help="With --runs: write the per-run predictions (.csv or .json).")] = None,
        level: Annotated[float | None, typer.Option("--level", help="With --runs: coverage of the prediction intervals (default 0.95).")] = None,
        n_col: Annotated[str | None, typer.Option("--n-col", help="With --runs: column of N.")] = None,
        d_col: Annotated[str | None, typer.Option("--d-col", help="With --runs: column of D.")] = None,
        c_col: Annotated[str | None, typer.Option("--c-col", help="With --runs: column of C.")] = None,
        loss_col: Annotated[str | None, typer.Option("--loss-col", help="With --runs: column of observed losses.")] = None,
        u_col: Annotated[str | None, typer.Option("--u-col", help="With --runs: column of unique tokens.")] = None,
        where: Annotated[str | None, typer.Option("--where", help=f"With --runs: {WHERE_HELP[0].lower()}{WHERE_HELP[1:]}")] = None,
        duplicates: Annotated[str | None, typer.Option("--duplicates", help="With --runs: keep (default), mean, min or error for repeated (N, D).")] = None,
        drop_missing: Annotated[bool, typer.Option("--drop-missing", help="With --runs: drop rows with missing values.")] = False,
        var: Annotated[list[str] | None, typer.Option("--var", help="With --runs and a formula law: read input NAME from COLUMN (NAME=COLUMN, repeatable), instead of the column its fit used.")] = None,
        input_: Annotated[list[str] | None, typer.Option("--input", help="A formula law's input other than N and D held fixed, NAME=VALUE (repeatable), e.g. E=8.")] = None,
        as_json: JsonOption = False,
    ) -> None:
        """The loss a law predicts for N parameters trained on D tokens (or at a compute, or at x), or for every run of a table."""
        where = where_filter(where)
        if runs is None:
            if out is not None:
                raise InputError("--out writes the per-run predictions of --runs; give --runs too")
            if var:
                raise InputError("--var goes with --runs (the table whose columns it names)")
            if where is not None:
                raise InputError("--where filters the rows of a table: give it with --runs TABLE")
            refuse_unused("goes with --runs TABLE (it applies to the predictions of a table's runs)", {
                "--level": level, "--n-col": n_col, "--d-col": d_col, "--c-col": c_col, "--loss-col": loss_col,
                "--u-col": u_col, "--duplicates": duplicates, "--drop-missing": drop_missing})
            refuse_unused("is the variable of a one-variable law; --params, --tokens, --unique-tokens and --compute "
                          "are the inputs of the others: give one kind", {"--x": x if any(
                              v is not None for v in (params, tokens, unique_tokens, compute)) else None})
            emit(api.predict(law, params=params, tokens=tokens, unique_tokens=unique_tokens, compute=compute, x=x,
                             inputs=input_), as_json)
            return
        if input_:
            raise InputError("--input holds an input fixed for --params/--tokens; with --runs the table gives every "
                             "input (rebind a column with --var)")
        refuse_unused("and --runs cannot be used together: --runs predicts each run at its own N and D",
                      {"--params": params, "--tokens": tokens, "--unique-tokens": unique_tokens, "--compute": compute,
                       "--x": x})
        from .._io import check_output_path
        from ..fit.predictions import predict_runs
        from ..laws.formula_law import parse_named

        if out is not None:
            check_output_path(out, flag="--out", inputs=(runs, law), suffixes=(".csv", ".json"))
        result = predict_runs(law, runs, level=0.95 if level is None else level, columns={"n_col": n_col, "d_col": d_col, "c_col": c_col,
                                                                "loss_col": loss_col, "u_col": u_col},
                              table={"where": where, "duplicates": duplicates or "keep", "drop_missing": drop_missing},
                              variables=parse_named(var, "var"))
        if out:
            result.save(out)
        emit(result, as_json)

