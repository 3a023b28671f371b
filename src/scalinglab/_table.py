"""Rich tables for result ``report()`` methods (the CLI prints them; notebooks render them)."""

from __future__ import annotations

from typing import Any


__all__ = ["rich_table"]


#: The width tables are laid out for when the terminal's is unknown (piped output, files, notebooks).
WIDTH = 100


def header(name: str) -> str:
    """A column header for people: ``unique_tokens`` -> ``unique tokens``."""
    return str(name).replace("_", " ")


def rich_table(title: str | None, columns: list[str], rows: list[list[Any]]):
    """A table with the first column left-aligned and the rest right-aligned.

    The title stays on one line (the table is at least as wide as its title, up to ``WIDTH``), headers
    have no underscores, and cells that do not fit wrap instead of being cut with an ellipsis.
    """
    from rich.table import Table

    out = Table(title=title, title_justify="left", min_width=min(len(title), WIDTH) if title else None)
    for i, column in enumerate(columns):
        out.add_column(header(column), justify="left" if i == 0 else "right", no_wrap=i == 0, overflow="fold")
    for row in rows:
        out.add_row(*[str(cell) for cell in row])
    return out
