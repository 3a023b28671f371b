"""``scalinglab forecast | sensitivity | scenarios list|show | compare | trend``: Monte Carlo forecasts and trends.

The options are declared once, in ``scalinglab.forecast.options``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..forecast.options import COMPARE, FORECAST, SENSITIVITY, SHOW_SCENARIO, TREND
from ._common import JsonOption, api, check_outputs, console, emit, print_json, table
from .declared import with_options

PlotOption = Annotated[Optional[Path], typer.Option("--plot", help="Write a chart (.png .svg .pdf .html .json).")]
TornadoOption = Annotated[Optional[Path], typer.Option("--plot",
                                                       help="Write a tornado chart (.png .svg .pdf .html .json).")]


def _emit(result, as_json: bool, plot: Path | None, chart_name: str) -> None:
    """Print the result, then write its chart (``charts.forecast.<chart_name>``) when asked."""
    emit(result, as_json)
    if plot is None:
        return
    from ..charts import forecast as charts
    from ..charts import save_chart

    written = save_chart(getattr(charts, chart_name)(result.raw), plot)
    if not as_json:
        console.print(f"chart written to {written}", markup=False)


def register(app: typer.Typer) -> None:
    @app.command("forecast")
    @with_options(FORECAST)
    def forecast_command(plot: PlotOption = None, as_json: JsonOption = False, **options) -> None:
        """Monte Carlo forecast of a scenario: percentiles per year, milestone years, binding constraints."""
        check_outputs(plot=plot, inputs=(options["scenario"],))
        _emit(api.forecast(**options), as_json, plot, "forecast_chart")

    @app.command("sensitivity")
    @with_options(SENSITIVITY)
    def sensitivity_command(plot: TornadoOption = None, as_json: JsonOption = False, **options) -> None:
        """Which inputs drive a milestone's year: first-order Sobol shares and rank correlations, ranked."""
        check_outputs(plot=plot, inputs=(options["scenario"],))
        _emit(api.sensitivity(**options), as_json, plot, "tornado_chart")

    group = typer.Typer(help="Forecast scenarios: one preset per essay, or your own YAML.", no_args_is_help=True)
    app.add_typer(group, name="scenarios")

    @group.command("list")
    def list_command(as_json: JsonOption = False) -> None:
        """List the preset scenarios."""
        from ..forecast import list_scenarios

        scenarios = list_scenarios()
        if as_json:
            print_json([{"name": s.name, "title": s.title, "essay": s.essay, "start_year": s.start_year,
                         "until": s.until, "factors": s.given()} for s in scenarios])
            return
        rows = [[s.name, s.essay or "-", f"{s.start_year}-{s.until}", s.title] for s in scenarios]
        console.print(table("Preset scenarios (details: scalinglab scenarios show NAME)",
                            ["name", "essay", "years", "title"], rows))

    @group.command("show")
    @with_options(SHOW_SCENARIO)
    def show_command(as_json: JsonOption = False, **options) -> None:
        """Show a scenario: every input with its distribution and source."""
        from ..forecast.scenarios import describe_scenario, resolve_scenario

        scenario = resolve_scenario(options["name"])
        info = describe_scenario(scenario)
        if as_json:
            print_json(info)
            return
        console.print(f"[bold]{scenario.name}[/bold]: {scenario.title}")
        if scenario.essay:
            console.print(f"Essay: {scenario.essay}", markup=False)
        console.print(f"Years: {scenario.start_year}-{scenario.until}", markup=False)
        if scenario.summary:
            console.print(scenario.summary, markup=False)
        rows = [[item["path"], item["value"], item["source"]] for item in info["inputs"]]
        console.print(table("Inputs", ["field", "value", "source"], rows))
        for note in scenario.notes:
            console.print(f"Note: {note}", markup=False)

    @app.command("compare")
    @with_options(COMPARE)
    def compare_command(plot: PlotOption = None, as_json: JsonOption = False, **options) -> None:
        """Forecast several scenarios with the same samples and seed, side by side."""
        check_outputs(plot=plot, inputs=options["scenarios"])
        _emit(api.compare(**options), as_json, plot, "compare_chart")

    @app.command("trend")
    @with_options(TREND)
    def trend_command(plot: PlotOption = None, as_json: JsonOption = False, **options) -> None:
        """Exponential trend of a column against the date: growth per year with a bootstrap 90% interval."""
        check_outputs(plot=plot, inputs=(options["data"],))
        _emit(api.trend(**options), as_json, plot, "trend_chart")
