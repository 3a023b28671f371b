"""Rich tables for result ``report()`` methods (the CLI prints them; notebooks render them)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

__all__ = ["rich_table"]


def rich_table(title: str | None, columns: list[str], rows: list[list[Any]]) -> Table:
    """A table with the first column left-aligned and the rest right-aligned."""
    out = Table(title=title, title_justify="left")
    for i, column in enumerate(columns):
        out.add_column(column, justify="left" if i == 0 else "right", no_wrap=i == 0)
    for row in rows:
        out.add_row(*[str(cell) for cell in row])
    return out
