"""``scalinglab fit`` and ``scalinglab isoflop``: fit a law (or N_opt = G C^a) to a table of runs."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..errors import InputError
from ._common import (WHERE_HELP, JsonOption, api, check_outputs, emit, old_option, print_json, refuse_unused, renamed,
                      where_filter)

RunsArgument = Annotated[str, typer.Argument(help="Runs table (.csv, .parquet, .jsonl) or a bundled dataset name, e.g. chinchilla.")]
NCol = Annotated[str | None, typer.Option("--n-col", help="Column of parameter counts N.")]
DCol = Annotated[str | None, typer.Option("--d-col", help="Column of training tokens D.")]
CCol = Annotated[str | None, typer.Option("--c-col", help="Column of training compute C (FLOP); D = C/(6N) when no D column.")]
LossCol = Annotated[str | None, typer.Option("--loss-col", help="Column of final losses (or the metric to fit).")]
BudgetCol = Annotated[str | None, typer.Option("--budget-col", help="Column naming each run's IsoFLOP budget.")]
GroupCol = Annotated[str | None, typer.Option("--group-col", help="Column naming the training run of each checkpoint.")]
Seed = Annotated[int, typer.Option("--seed", min=0, help="Seed of the bootstrap's random generator.")]
Level = Annotated[float, typer.Option("--level", help="Coverage of the percentile intervals, e.g. 0.95.")]
Plot = Annotated[str | None, typer.Option("--plot", help="Write a chart (.png, .svg, .pdf or .html).")]
Save = Annotated[str | None, typer.Option("--save", help="Write the result as JSON (usable as --law FILE by plan/predict).")]
Where = Annotated[str | None, typer.Option("--where", help=WHERE_HELP)]
Duplicates = Annotated[str, typer.Option("--duplicates", help="Runs repeating an (N, D) setting: keep (default, noted), mean, min (the best run of each, as for a hyper-parameter sweep) or error.")]
DropMissing = Annotated[bool, typer.Option("--drop-missing", help="Drop rows with a missing or unreadable value in a column used (noted).")]
CNote = Annotated[str | None, typer.Option("--c-note", help="Explain a --c-col that is not k N D (e.g. 'detailed count with attention'): a note instead of an error.")]
FlopsK = Annotated[float | None, typer.Option("--flops-per-param-token", help="k in C = k N D (default 6).")]


def register(app: typer.Typer) -> None:
    @app.command("fit")
    def fit_command(
        runs: RunsArgument,
        law: Annotated[str, typer.Option("--law", help="Law family: chinchilla, kaplan, data-constrained, power, saturating-power, broken-power, or accuracy (alias sigmoid: an S-curve of accuracy).")] = "chinchilla",
        estimator: Annotated[str, typer.Option("--estimator", help="fast (default) or hoffmann (the published 4,500-start procedure).")] = "fast",
        objective: Annotated[str | None, typer.Option("--objective", help="huber (log-Huber, the default), squares (on log loss) or asymmetric; the accuracy law: squares only; with --formula, target-huber (target-squares, ...) takes residuals in the target's own units (the default when a target is zero or negative).")] = None,
        delta: Annotated[float, typer.Option("--delta", help="Huber delta on log-loss residuals.")] = 1e-3,
        weight: Annotated[float, typer.Option("--weight", help="Asymmetric objective: weight of over-prediction.")] = 4.0,
        drop_highest_loss: Annotated[int, typer.Option("--drop-highest-loss", help="Drop the K runs with the highest loss first.")] = 0,
        bootstrap: Annotated[int, typer.Option("--bootstrap", help="Bootstrap refits over runs (0: none).")] = 0,
        seed: Seed = 0,
        level: Level = 0.95,
        holdout_above: Annotated[str | None, typer.Option("--holdout-above", help="Backtest: fit runs with C <= this FLOP, predict the rest.")] = None,
        leave_one_budget_out: Annotated[bool, typer.Option("--leave-one-budget-out", help="Backtest: predict each IsoFLOP budget from the others.")] = False,
        compute: Annotated[list[str] | None, typer.Option("--compute", help="Compute budget(s) in FLOP for N_opt, D_opt (default 5.76e23).")] = None,
        budget: Annotated[list[str] | None, old_option("--budget", "--compute")] = None,
        at: Annotated[list[str] | None, typer.Option("--at", help="Predict the loss at N:D, e.g. 70B:1.4T (repeatable); accuracy law: at an x value, e.g. 1e24.")] = None,
        target_loss: Annotated[list[float] | None, typer.Option("--target-loss", help="Compute needed to reach this loss (repeatable).")] = None,
        x: Annotated[str, typer.Option("--x", help="One-variable laws: the variable, n, d or c (accuracy law: also loss).")] = "c",
        base: Annotated[str | None, typer.Option("--base", help="Data-constrained: base law (name or fit.json) held fixed; default: fitted too.")] = None,
        n_col: NCol = None, d_col: DCol = None, c_col: CCol = None, loss_col: LossCol = None,
        u_col: Annotated[str | None, typer.Option("--u-col", help="Column of unique tokens U (data-constrained law).")] = None,
        budget_col: BudgetCol = None, group_col: GroupCol = None,
        flops_per_param_token: FlopsK = None,
        where: Where = None, duplicates: Duplicates = "keep", drop_missing: DropMissing = False, c_note: CNote = None,
        group_by: Annotated[str | None, typer.Option("--group-by", help="One fit per group of rows sharing these columns' values (COL[,COL]), compared in one table and chart.")] = None,
        profile: Annotated[str | None, typer.Option("--profile", help="Add the profile-likelihood interval of this parameter (e.g. R_N_star).")] = None,
        floor: Annotated[str | None, typer.Option("--floor", help="Accuracy law: the chance level, fixed (e.g. 0.25) or 'fit' (default).")] = None,
        ceiling: Annotated[str | None, typer.Option("--ceiling", help="Accuracy law: the best reachable accuracy, fixed (e.g. 1) or 'fit' (default).")] = None,
        accuracy_col: Annotated[str | None, typer.Option("--accuracy-col", help="Accuracy law: the column of accuracies in [0, 1] (with --x loss, --loss-col names the losses).")] = None,
        formula: Annotated[str | None, typer.Option("--formula", help="Fit a law of your own, e.g. \"L + B / (N^alpha * E^beta)\": numbers, names, + - * / ^, parentheses, log exp sqrt abs min max softplus log1p.")] = None,
        var: Annotated[list[str] | None, typer.Option("--var", help="With --formula: an input NAME=COLUMN (repeatable); --var N alone takes the runs' N (D, C, U alike). Other names are parameters.")] = None,
        param: Annotated[list[str] | None, typer.Option("--param", help="With --formula: a parameter's NAME=START:LOWER:UPPER, e.g. alpha=0.3:0:3 (fields may be empty; lower = upper fixes it).")] = None,
        predict: Annotated[str | None, typer.Option("--predict", help="Then predict every run of this table with the fit (intervals from its bootstrap).")] = None,
        predictions_out: Annotated[str | None, typer.Option("--predictions-out", help="With --predict: write the per-run predictions (.csv or .json).")] = None,
        plot: Plot = None, save: Save = None, as_json: JsonOption = False,
        timings: Annotated[bool, typer.Option("--timings", help="With --json: include the wall-clock seconds of the fit (left out so that the same fit prints the same JSON).")] = False,
    ) -> None:
        """Fit a scaling law to training runs, with bootstrap intervals, diagnostics and a backtest."""
        where = where_filter(where)
        check_outputs(save=save, plot=plot, inputs=(runs, base, predict))
        if predictions_out is not None:
            from .._io import check_output_path

            check_output_path(predictions_out, flag="--predictions-out", inputs=(runs, predict),
                              suffixes=(".csv", ".json"))
        if timings and not as_json:
            raise InputError("--timings adds the seconds to --json; give --json too")
        if predictions_out is not None and predict is None:
            raise InputError("--predictions-out writes the predictions of --predict; give --predict too")
        if group_by is not None:
            refuse_unused("does not apply to --group-by (each group gets a plain fit)", {
                "--profile": profile, "--holdout-above": holdout_above, "--leave-one-budget-out": leave_one_budget_out,
                "--compute": compute, "--at": at, "--target-loss": target_loss, "--base": base, "--floor": floor,
                "--ceiling": ceiling, "--accuracy-col": accuracy_col, "--predict": predict, "--timings": timings})
            from ..fit.groups import fit_groups

            groups = fit_groups(runs, group_by, law, flops_per_param_token=flops_per_param_token,
                                columns={"n_col": n_col, "d_col": d_col, "c_col": c_col, "loss_col": loss_col,
                                         "u_col": u_col, "budget_col": budget_col, "group_col": group_col},
                                table={"where": where, "duplicates": duplicates, "drop_missing": drop_missing,
                                       "c_note": c_note},
                                estimator=estimator, objective=objective, delta=delta, weight=weight,
                                drop_highest_loss=drop_highest_loss, bootstrap=bootstrap, seed=seed, level=level, x=x,
                                **api.formula_options(law, formula, var, param))
            if plot:
                from ..charts import save_chart
                from ..charts.fit import groups_chart

                save_chart(groups_chart(groups), plot)
            if save:
                from .._io import atomic_write_json

                atomic_write_json(save, groups.to_dict())
            emit(groups, as_json)
            return
        result = api.fit(
            runs, law, estimator=estimator, objective=objective, delta=delta, weight=weight,
            drop_highest_loss=drop_highest_loss, bootstrap=bootstrap, seed=seed, level=level,
            holdout_above=holdout_above, leave_one_budget_out=leave_one_budget_out,
            compute=renamed(compute, budget, "--budget", "--compute"), at=at,
            target_loss=target_loss, x=x, base=base, n_col=n_col, d_col=d_col, c_col=c_col, loss_col=loss_col,
            u_col=u_col, budget_col=budget_col, group_col=group_col, flops_per_param_token=flops_per_param_token,
            where=where, duplicates=duplicates, drop_missing=drop_missing, c_note=c_note, progress=sys.stderr.isatty(),
            floor=floor, ceiling=ceiling, accuracy_col=accuracy_col, profile=profile, formula=formula,
            variables=var, params=param)
        if plot:
            from ..charts import save_chart
            from ..charts.fit import fit_chart

            save_chart(fit_chart(result.raw), plot)
        if save:
            result.save(save)
        if predict is None:
            if as_json and timings:
                print_json(result.raw.to_dict(timings=True))
            else:
                emit(result, as_json)
            return
        columns = {"n_col": n_col, "d_col": d_col, "c_col": c_col, "loss_col": loss_col, "u_col": u_col}
        from ..fit.predictions import predict_runs

        predictions = predict_runs(None, predict, fit=result.raw, level=level, seed=seed, columns=columns,
                                   table={"duplicates": duplicates, "drop_missing": drop_missing},
                                   accuracy_col=accuracy_col)
        if predictions_out:
            predictions.save(predictions_out)
        if as_json:
            print_json({**result.to_dict(), "predictions": predictions.to_dict()})
        else:
            emit(result, False)
            emit(predictions, False)

    @app.command("fit-curves")
    def fit_curves_command(
        runs: RunsArgument,
        curve_col: Annotated[str, typer.Option("--curve-col", help="Column naming the curve (run) of each row.")],
        x_col: Annotated[str, typer.Option("--x-col", help="Column of the scale along each curve (tokens, steps, FLOP).")],
        loss_col: Annotated[str, typer.Option("--loss-col", help="Column of the loss.")] = "loss",
        holdout_col: Annotated[str | None, typer.Option("--holdout-col", help="Column marking held-out points; with --holdout-value, the value that means held out (else true, 1, yes, test, holdout, val).")] = None,
        holdout_value: Annotated[str | None, typer.Option("--holdout-value", help="With --holdout-col: the value that marks a held-out row, e.g. 1.")] = None,
        train_col: Annotated[str | None, typer.Option("--train-col", help="Column marking the training points (the others are held out); with --train-value, the value that means training.")] = None,
        train_value: Annotated[str | None, typer.Option("--train-value", help="With --train-col: the value that marks a training row, e.g. 1.")] = None,
        holdout_above: Annotated[str | None, typer.Option("--holdout-above", help="Hold out the points with x above this value.")] = None,
        where: Where = None, duplicates: Duplicates = "keep",
        as_json: JsonOption = False,
    ) -> None:
        """Fit each learning curve of a long table; power, saturating and 1-3-break power laws chosen on training points."""
        from ..fit.curves import fit_curves
        from ..units import parse_quantity

        where = where_filter(where)
        emit(fit_curves(runs, curve_col=curve_col, x_col=x_col, loss_col=loss_col, holdout_col=holdout_col,
                        holdout_value=holdout_value, train_col=train_col, train_value=train_value,
                        holdout_above=None if holdout_above is None else parse_quantity(holdout_above, what="--holdout-above"),
                        where=where, duplicates=duplicates), as_json)

    @app.command("predict-task")
    def predict_task_command(
        runs: RunsArgument,
        at: Annotated[list[str], typer.Option("--at", help="Target model N:D, e.g. 7B:140B (repeatable).")],
        accuracy_col: Annotated[str, typer.Option("--accuracy-col", help="Column of task accuracies in [0, 1].")],
        loss_col: Annotated[list[str] | None, typer.Option("--loss-col", help="Column of a general loss (repeatable: without --task-loss-col, the one whose chain best predicts the ladder's second-largest models is used).")] = None,
        task_loss_col: Annotated[str | None, typer.Option("--task-loss-col", help="Column of the task's own loss (bits per byte of the correct answer): the intermediate step when given; the chain through --loss-col is reported beside it.")] = None,
        floor: Annotated[str | None, typer.Option("--floor", help="Chance accuracy, fixed (e.g. 0.25) or 'fit' (default).")] = None,
        ceiling: Annotated[str | None, typer.Option("--ceiling", help="Best reachable accuracy, fixed (e.g. 1) or 'fit' (default).")] = None,
        bootstrap: Annotated[int, typer.Option("--bootstrap", help="Bootstrap replicates of each step (at least 20).")] = 200,
        seed: Seed = 0,
        level: Level = 0.95,
        n_col: NCol = None, d_col: DCol = None, c_col: CCol = None,
        where: Where = None, duplicates: Duplicates = "keep", drop_missing: DropMissing = False,
        as_json: JsonOption = False,
        timings: Annotated[bool, typer.Option("--timings", help="With --json: include the wall-clock seconds (left out so that the same inputs print the same JSON).")] = False,
    ) -> None:
        """Task accuracy of target models in two steps: loss from (N, D), then accuracy from loss (OLMo ladder, Bhagia et al. 2024)."""
        from ..fit.accuracy import parse_bound
        from ..fit.task import predict_task
        from ..units import parse_pairs

        where = where_filter(where)
        if timings and not as_json:
            raise InputError("--timings adds the seconds to --json; give --json too")
        result = predict_task(runs, parse_pairs(at), accuracy_col=accuracy_col, loss_col=loss_col,
                              task_loss_col=task_loss_col,
                              floor=parse_bound(floor, "--floor"), ceiling=parse_bound(ceiling, "--ceiling"),
                              bootstrap=bootstrap, seed=seed, level=level,
                              columns={"n_col": n_col, "d_col": d_col, "c_col": c_col},
                              table={"where": where, "duplicates": duplicates, "drop_missing": drop_missing})
        print_json(result.to_dict(timings=True)) if as_json and timings else emit(result, as_json)

    @app.command("isoflop")
    def isoflop_command(
        runs: RunsArgument,
        approach: Annotated[int, typer.Option("--approach", help="2: parabola per IsoFLOP budget; 1: lower envelope of runs with checkpoints.")] = 2,
        bootstrap: Annotated[int, typer.Option("--bootstrap", help="Bootstrap replicates for the interval of a.")] = 500,
        seed: Seed = 0,
        level: Level = 0.95,
        min_runs: Annotated[int, typer.Option("--min-runs", help="Approach 2: fewest runs that make a budget.")] = 5,
        keep_outside: Annotated[bool, typer.Option("--keep-outside", help="Approach 2: keep budgets whose minimum lies outside the sampled sizes (flagged as extrapolated).")] = False,
        n_col: NCol = None, d_col: DCol = None, c_col: CCol = None, loss_col: LossCol = None,
        budget_col: BudgetCol = None, group_col: GroupCol = None, flops_per_param_token: FlopsK = None,
        where: Where = None, duplicates: Duplicates = "keep", drop_missing: DropMissing = False, c_note: CNote = None,
        group_by: Annotated[str | None, typer.Option("--group-by", help="One analysis per group of rows sharing these columns' values (COL[,COL]), compared in one table.")] = None,
        plot: Plot = None, save: Save = None, as_json: JsonOption = False,
    ) -> None:
        """N_opt = G C^a from IsoFLOP runs (Hoffmann et al. 2022, Approaches 1 and 2), with an interval for a."""
        where = where_filter(where)
        check_outputs(save=save, plot=plot, inputs=(runs,))
        result = api.isoflop(runs, approach=approach, bootstrap=bootstrap, seed=seed, level=level, min_runs=min_runs,
                             n_col=n_col, d_col=d_col, c_col=c_col, loss_col=loss_col, budget_col=budget_col,
                             group_col=group_col, flops_per_param_token=flops_per_param_token, where=where,
                             duplicates=duplicates, drop_missing=drop_missing, c_note=c_note, keep_outside=keep_outside,
                             group_by=group_by)
        if group_by is not None:
            if plot:
                from ..errors import InputError

                raise InputError("--plot draws one IsoFLOP analysis; with --group-by, use --where to pick a group")
            if save:
                from .._io import atomic_write_json

                atomic_write_json(save, result.to_dict())
            emit(result, as_json)
            return
        if plot:
            from ..charts import save_chart
            from ..charts.fit import isoflop_chart, nopt_chart

            save_chart((isoflop_chart(result.raw) | nopt_chart(result.raw)).resolve_scale(color="independent"), plot)
        if save:
            result.save(save)
        emit(result, as_json)

