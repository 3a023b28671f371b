"""``scalinglab bench``: the extrapolation benchmark (fit on small runs, score predictions of larger ones)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ._common import JsonOption, api, emit


def register(app: typer.Typer) -> None:
    @app.command("bench")
    def bench_command(
        task: Annotated[Optional[str], typer.Option("--task", help="Run one task (default: all of them).")] = None,
        tables: Annotated[Optional[Path], typer.Option(
            "--tables", help="Folder of the SLDBench tables (parallel.csv, vocab.csv, ...); tasks on bundled "
                             "datasets need none.")] = None,
        objective: Annotated[str, typer.Option(
            "--objective", help="squares (least squares of log residuals, default) or huber.")] = "squares",
        as_json: JsonOption = False,
    ) -> None:
        """Fit each task's published law (and the other laws that apply) on the train rows, predict the
        test rows, and print R^2 (clipped to [-1, 1]) and MAPE beside the figure the source reports."""
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=Console(stderr=True), transient=True) as progress:
            bar = progress.add_task("bench", total=None)

            def on_task(name: str, index: int, count: int) -> None:
                progress.update(bar, description=f"bench: {name}", completed=index, total=count)

            result = api.bench(task, tables=tables, objective=objective, on_task=on_task)
        emit(result, as_json)
