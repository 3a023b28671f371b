"""``scalinglab demo``: run every part on bundled data and write ``out/report.html``."""

from __future__ import annotations

import typer

from ..report.demo import DEMO, run_demo
from ._common import console, table
from .declared import with_options


def _print_section(section) -> None:
    console.rule(section.title)
    for paragraph in section.paragraphs:
        console.print(paragraph, markup=False)
    for caption, frame in section.tables:
        rows = frame.astype(str).values.tolist()
        console.print(table(caption, [str(c) for c in frame.columns], rows))


def register(app: typer.Typer) -> None:
    @app.command("demo")
    @with_options(DEMO)
    def demo_command(**options) -> None:
        """Run the whole scaling picture on bundled data and write an HTML report."""
        from .._io import check_output_dir

        check_output_dir(options["out"], flag="--out")
        path, _ = run_demo(options["out"], on_section=_print_section)
        console.print(f"\nReport written to {path}", markup=False)
