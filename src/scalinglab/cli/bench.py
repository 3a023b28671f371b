"""``scalinglab bench``: the extrapolation benchmark (fit on small runs, score predictions of larger ones)."""

from __future__ import annotations

import typer

from ..fit.bench_options import BENCH
from ._common import JsonOption, api, emit
from .declared import with_options


def register(app: typer.Typer) -> None:
    @app.command("bench")
    @with_options(BENCH.without("on_task"))
    def bench_command(as_json: JsonOption = False, **options) -> None:
        """Fit each task's published law (and the other laws that apply) on the train rows, predict the
        test rows, and print R^2 (clipped to [-1, 1]) and MAPE beside the figure the source reports."""
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True) as progress:
            bar = progress.add_task("bench", total=None)

            def on_task(name: str, index: int, count: int) -> None:
                progress.update(bar, description=f"bench: {name}", completed=index, total=count)

            result = api.bench(**options, on_task=on_task)
        emit(result, as_json)
