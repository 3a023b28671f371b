"""``scalinglab forecast | scenarios list|show | compare | trend``: Monte Carlo forecasts and trends."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..errors import InputError
from ._common import JsonOption, check_outputs, console, emit, print_json, table

PlotOption = Annotated[Optional[Path], typer.Option("--plot", help="Write a chart (.png .svg .pdf .html .json).")]
SamplesOption = Annotated[int, typer.Option("--samples", help="Monte Carlo samples.")]
SeedOption = Annotated[int, typer.Option("--seed", min=0, help="Random seed (the same seed gives the same output).")]
UntilOption = Annotated[Optional[int], typer.Option("--until", help="Last year of the forecast (default: the scenario's).")]


LawOption = Annotated[Optional[str], typer.Option(
    "--law", help="Law of the largest run's N, D and loss (e.g. hoffmann2022, besiroglu2024, muennighoff2023); "
                  "the run then wants that law's compute-optimal dataset. Default: the scenario's dataset rule, else hoffmann2022.")]
MilestoneOption = Annotated[Optional[list[str]], typer.Option(
    "--milestone", help="A question such as 'spending >= $10B', 'compute >= 1e28' or 'loss <= 1.8' (repeatable).")]


@contextmanager
def _flag(flag: str, errors: tuple[type, ...]):
    """Name the user's flag in the one-line error about its value."""
    try:
        yield
    except errors as error:
        message = str(error)
        raise InputError(f"--{message}" if message.startswith(flag.lstrip("-")) else f"{flag}: {message}") from None


def _check_law(law: str | None) -> None:
    """A law the run's loss can follow, or a one-line error naming --law."""
    if law is not None:
        from ..errors import ScalingLabError
        from ..forecast.constraints import run_law

        with _flag("--law", (ScalingLabError,)):
            run_law(law)


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
    def forecast_command(
        scenario: Annotated[str, typer.Option("--scenario", help="A preset (scalinglab scenarios list) or a scenario YAML file.")],
        samples: SamplesOption = 10_000,
        seed: SeedOption = 0,
        until: UntilOption = None,
        law: LawOption = None,
        milestone: MilestoneOption = None,
        plot: PlotOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Monte Carlo forecast of a scenario: percentiles per year, milestone years, binding constraints."""
        from .. import api
        from ..forecast.questions import MilestoneError

        check_outputs(plot=plot, inputs=(scenario,))
        _check_law(law)
        with _flag("--milestone", (MilestoneError,)):
            result = api.forecast(scenario, samples=samples, seed=seed, until=until, law=law,
                                  milestones=milestone or ())
        _emit(result, as_json, plot, "forecast_chart")

    @app.command("sensitivity")
    def sensitivity_command(
        scenario: Annotated[str, typer.Option("--scenario", help="A preset (scalinglab scenarios list) or a scenario YAML file.")],
        milestone: Annotated[str, typer.Option("--milestone", help="A question such as 'spending >= $100B', or one of "
                                               "the forecast's milestones such as 'data stock binds'.")],
        samples: SamplesOption = 10_000,
        seed: SeedOption = 0,
        until: UntilOption = None,
        law: LawOption = None,
        plot: Annotated[Optional[Path], typer.Option("--plot", help="Write a tornado chart (.png .svg .pdf .html .json).")] = None,
        as_json: JsonOption = False,
    ) -> None:
        """Which inputs drive a milestone's year: first-order Sobol shares and rank correlations, ranked."""
        from .. import api
        from ..forecast.questions import MilestoneError

        check_outputs(plot=plot, inputs=(scenario,))
        _check_law(law)
        with _flag("--milestone", (MilestoneError,)):
            result = api.sensitivity(scenario, milestone, samples=samples, seed=seed, until=until, law=law)
        _emit(result, as_json, plot, "tornado_chart")

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
    def show_command(
        name: Annotated[str, typer.Argument(help="A preset name or a scenario YAML file.")],
        as_json: JsonOption = False,
    ) -> None:
        """Show a scenario: every input with its distribution and source."""
        from ..forecast.scenarios import describe_scenario, resolve_scenario

        scenario = resolve_scenario(name)
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
    def compare_command(
        scenarios: Annotated[list[str], typer.Argument(help="Two or more presets or scenario files.")],
        samples: SamplesOption = 10_000,
        seed: SeedOption = 0,
        until: UntilOption = None,
        plot: PlotOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Forecast several scenarios with the same samples and seed, side by side."""
        from .. import api

        check_outputs(plot=plot, inputs=scenarios)
        result = api.compare(*scenarios, samples=samples, seed=seed, until=until)
        _emit(result, as_json, plot, "compare_chart")

    @app.command("trend")
    def trend_command(
        dataset: Annotated[str, typer.Argument(help="A bundled dataset (scalinglab datasets list) or a CSV file.")],
        y: Annotated[str, typer.Option("--y", help="Column to fit, e.g. 'Training compute (FLOP)'.")],
        since: Annotated[Optional[str], typer.Option("--since", help="Keep rows from this year or date on.")] = None,
        until: Annotated[Optional[str], typer.Option("--until", help="Keep rows before this year or date.")] = None,
        domain: Annotated[Optional[str], typer.Option("--domain", help="Keep rows whose domain labels include this, e.g. Language.")] = None,
        top_n: Annotated[Optional[int], typer.Option("--top-n", help="Keep the N largest rows per calendar year.")] = None,
        rank_by: Annotated[Optional[str], typer.Option("--rank-by", help="Column that ranks rows for --top-n (default: training compute, else --y).")] = None,
        date_column: Annotated[Optional[str], typer.Option("--date-column", help="Date column (default: the dataset's).")] = None,
        domain_column: Annotated[Optional[str], typer.Option("--domain-column", help="Domain column (default: Domain or category).")] = None,
        bootstrap: Annotated[int, typer.Option("--bootstrap", help="Bootstrap resamples for the 90% interval.")] = 2000,
        seed: SeedOption = 0,
        plot: PlotOption = None,
        as_json: JsonOption = False,
    ) -> None:
        """Exponential trend of a column against the date: growth per year with a bootstrap 90% interval."""
        from .. import api

        check_outputs(plot=plot, inputs=(dataset,))
        result = api.trend(dataset, y, date_column=date_column, since=since, until=until, domain=domain,
                           domain_column=domain_column, top_n=top_n, rank_by=rank_by, bootstrap=bootstrap, seed=seed)
        _emit(result, as_json, plot, "trend_chart")
