"""``scalinglab suggest``: which runs to train next, ranked by expected variance reduction at the target per cost."""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import JsonOption, api, emit


def register(app: typer.Typer) -> None:
    @app.command("suggest")
    def suggest_command(
        runs: Annotated[str, typer.Option("--runs", help="The runs done: a table (.csv, .parquet, .jsonl) or a bundled dataset name.")],
        budget: Annotated[str, typer.Option("--budget", help="The most the suggested runs may cost together (FLOP by default, e.g. 1e21).")],
        law: Annotated[str, typer.Option("--law", help="Law family (chinchilla, kaplan, power, ...), a published law or a saved fit (.json): its family is fitted to the runs.")] = "chinchilla",
        formula: Annotated[str | None, typer.Option("--formula", help="Design for a law of your own, e.g. \"L + A / N^alpha + B / D^beta\" (as for fit --formula).")] = None,
        var: Annotated[list[str] | None, typer.Option("--var", help="With --formula: an input NAME=COLUMN (repeatable); --grid and --target then use these names.")] = None,
        param: Annotated[list[str] | None, typer.Option("--param", help="With --formula: a parameter's NAME=START:LOWER:UPPER.")] = None,
        candidates: Annotated[str | None, typer.Option("--candidates", help="Runs that could be trained next: a table with N, D or C (and an optional cost column).")] = None,
        grid: Annotated[str | None, typer.Option("--grid", help="Candidates as log-spaced ranges, every combination, e.g. \"N=10M..1B:12,D=1B..100B:12\".")] = None,
        target: Annotated[str | None, typer.Option("--target", help="Where the law must be right, e.g. \"C=1e22..1e24\" (compute-optimal runs of the fit) or \"N=70B,D=1.4T\".")] = None,
        target_rows: Annotated[str | None, typer.Option("--target-rows", help="Target points as a table with the law's inputs.")] = None,
        cost: Annotated[str | None, typer.Option("--cost", help="Each candidate's cost as a formula of N, D, C, U, e.g. \"6*N*D\" (default: the candidates' cost column, else C = k N D).")] = None,
        k: Annotated[int, typer.Option("--k", help="The most runs to suggest.")] = 5,
        bootstrap: Annotated[int, typer.Option("--bootstrap", min=0, help="Bootstrap refits the design is averaged over (0: the fit alone).")] = 32,
        seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of the bootstrap's random generator.")] = 0,
        criterion: Annotated[str, typer.Option("--criterion", help="v (V-optimal: variance at the target, default) or d (D-optimal: all parameters).")] = "v",
        x: Annotated[str, typer.Option("--x", help="One-variable laws: the variable, n, d or c.")] = "c",
        n_col: Annotated[str | None, typer.Option("--n-col", help="Column of parameter counts N.")] = None,
        d_col: Annotated[str | None, typer.Option("--d-col", help="Column of training tokens D.")] = None,
        c_col: Annotated[str | None, typer.Option("--c-col", help="Column of training compute C (FLOP).")] = None,
        loss_col: Annotated[str | None, typer.Option("--loss-col", help="Column of final losses.")] = None,
        flops_per_param_token: Annotated[float | None, typer.Option("--flops-per-param-token", help="k in C = k N D (default 6).")] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Which runs to train next: a batch within a budget that most narrows the prediction at the target."""
        result = api.suggest(runs, law, candidates=candidates, grid=grid, target=target, target_rows=target_rows,
                             budget=budget, cost=cost, k=k, bootstrap=bootstrap, seed=seed, criterion=criterion, x=x,
                             n_col=n_col, d_col=d_col, c_col=c_col, loss_col=loss_col,
                             flops_per_param_token=flops_per_param_token, formula=formula, variables=var, params=param)
        emit(result, as_json)
