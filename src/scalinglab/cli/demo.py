"""``scalinglab demo``: run every part on bundled data and write ``out/report.html``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import console, table


def _print_section(section) -> None:
    console.rule(section.title)
    for paragraph in section.paragraphs:
        console.print(paragraph, markup=False)
    for caption, frame in section.tables:
        rows = frame.astype(str).values.tolist()
        console.print(table(caption, [str(c) for c in frame.columns], rows))


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_command(
        out: Annotated[Path, typer.Option("--out", help="Folder for report.html and charts.")] = Path("out"),
    ) -> None:
        """Run the whole scaling picture on bundled data and write an HTML report."""
        from .._io import check_output_dir

        check_output_dir(out, flag="--out")
        from ..report.demo import run_demo

        path, _ = run_demo(out, on_section=_print_section)
        console.print(f"\nReport written to {path}", markup=False)
