"""``scalinglab fit``, ``isoflop``, ``fit-curves`` and ``predict-task``: laws fitted to a table of runs."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from ..errors import InputError
from ..fit.options import CURVES, FIT, ISOFLOP, PREDICT_TASK
from ._common import JsonOption, api, check_outputs, emit, old_option, print_json, refuse_unused, renamed, where_filter
from .declared import with_options

Plot = Annotated[str | None, typer.Option("--plot", help="Write a chart (.png, .svg, .pdf or .html).")]
Save = Annotated[str | None, typer.Option("--save", help="Write the result as JSON (usable as --law FILE by plan/predict).")]


def _check_timings(timings: bool, as_json: bool) -> None:
    if timings and not as_json:
        raise InputError("--timings adds the seconds to --json; give --json too")


def _emit_timed(result, as_json: bool, timings: bool) -> None:
    """Print the result; with ``--json --timings``, its JSON with the wall-clock seconds."""
    if as_json and timings:
        print_json(result.raw.to_dict(timings=True))
    else:
        emit(result, as_json)


def register(app: typer.Typer) -> None:
    @app.command("fit")
    @with_options(FIT.without("progress"))
    def fit_command(
        budget: Annotated[list[str] | None, old_option("--budget", "--compute")] = None,
        predict: Annotated[str | None, typer.Option("--predict", help="Then predict every run of this table with the fit (intervals from its bootstrap).")] = None,
        predictions_out: Annotated[str | None, typer.Option("--predictions-out", help="With --predict: write the per-run predictions (.csv or .json).")] = None,
        plot: Plot = None, save: Save = None, as_json: JsonOption = False,
        timings: Annotated[bool, typer.Option("--timings", help="With --json: include the wall-clock seconds of the fit (left out so that the same fit prints the same JSON).")] = False,
        **options,
    ) -> None:
        """Fit a scaling law to training runs, with bootstrap intervals, diagnostics and a backtest."""
        o = options
        o["where"] = where_filter(o["where"])
        runs = o["runs"]
        check_outputs(save=save, plot=plot, inputs=(runs, o["base"], predict))
        if predictions_out is not None:
            from .._io import check_output_path

            check_output_path(predictions_out, flag="--predictions-out", inputs=(runs, predict),
                              suffixes=(".csv", ".json"))
        _check_timings(timings, as_json)
        if predictions_out is not None and predict is None:
            raise InputError("--predictions-out writes the predictions of --predict; give --predict too")
        o["compute"] = renamed(o["compute"], budget, "--budget", "--compute")
        if o["group_by"] is not None:
            refuse_unused("does not apply to --group-by (each group gets a plain fit)",
                          {"--predict": predict, "--timings": timings})
        result = api.fit(**o, progress=sys.stderr.isatty())
        if plot:
            from ..charts import save_chart
            from ..charts.fit import fit_chart, groups_chart

            save_chart(groups_chart(result.raw) if o["group_by"] is not None else fit_chart(result.raw), plot)
        if save:
            result.save(save)
        if predict is None:
            _emit_timed(result, as_json, timings)
            return
        from ..fit.predictions import predict_runs

        predictions = predict_runs(None, predict, fit=result.raw, level=o["level"], seed=o["seed"],
                                   columns={name: o[name] for name in ("n_col", "d_col", "c_col", "loss_col", "u_col")},
                                   table={"duplicates": o["duplicates"], "drop_missing": o["drop_missing"]},
                                   accuracy_col=o["accuracy_col"])
        if predictions_out:
            predictions.save(predictions_out)
        if as_json:
            print_json({**result.to_dict(), "predictions": predictions.to_dict()})
        else:
            emit(result, False)
            emit(predictions, False)

    @app.command("fit-curves")
    @with_options(CURVES)
    def fit_curves_command(as_json: JsonOption = False, **options) -> None:
        """Fit each learning curve of a long table; power, saturating and 1-3-break power laws chosen on training points."""
        options["where"] = where_filter(options["where"])
        emit(api.fit_curves(**options), as_json)

    @app.command("predict-task")
    @with_options(PREDICT_TASK)
    def predict_task_command(
        as_json: JsonOption = False,
        timings: Annotated[bool, typer.Option("--timings", help="With --json: include the wall-clock seconds (left out so that the same inputs print the same JSON).")] = False,
        **options,
    ) -> None:
        """Task accuracy of target models in two steps: loss from (N, D), then accuracy from loss (OLMo ladder, Bhagia et al. 2024)."""
        options["where"] = where_filter(options["where"])
        _check_timings(timings, as_json)
        _emit_timed(api.predict_task(**options), as_json, timings)

    @app.command("isoflop")
    @with_options(ISOFLOP)
    def isoflop_command(plot: Plot = None, save: Save = None, as_json: JsonOption = False, **options) -> None:
        """N_opt = G C^a from IsoFLOP runs (Hoffmann et al. 2022, Approaches 1 and 2), with an interval for a."""
        options["where"] = where_filter(options["where"])
        check_outputs(save=save, plot=plot, inputs=(options["runs"],))
        if plot and options["group_by"] is not None:
            raise InputError("--plot draws one IsoFLOP analysis; with --group-by, use --where to pick a group")
        result = api.isoflop(**options)
        if plot:
            from ..charts import save_chart
            from ..charts.fit import isoflop_chart, nopt_chart

            save_chart((isoflop_chart(result.raw) | nopt_chart(result.raw)).resolve_scale(color="independent"), plot)
        if save:
            result.save(save)
        emit(result, as_json)

