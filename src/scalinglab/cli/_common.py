"""What the commands share: JSON output, Rich tables and option parsing into library types."""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import Annotated, Any

import typer

from .._results import plain
from .._table import WIDTH, rich_table

__all__ = ["JsonOption", "console", "print_json", "emit", "table", "check_outputs", "where_filter"]


class _Lazy:
    """A module-level object built on first use, so that ``scalinglab --help`` imports no science."""

    def __init__(self, build):
        self._build, self._value = build, None

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if self._value is None:
            self._value = self._build()
        return getattr(self._value, name)


def _console():
    from rich.console import Console

    return Console(highlight=False, width=shutil.get_terminal_size((WIDTH, 40)).columns)


def _api():
    from .. import api as module

    return module


console = _Lazy(_console)
api = _Lazy(_api)
"""``scalinglab.api``, imported when a command runs (not when ``--help`` lists the commands)."""

JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON instead of a table.")]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(plain(data), indent=2) + "\n")


def emit(result, as_json: bool) -> None:
    """Print a result object: its ``to_dict()`` as JSON, or its ``report()`` for people."""
    if as_json:
        print_json(result.to_dict())
    else:
        report = result.report()
        console.print(report) if not isinstance(report, str) else console.print(report, markup=False)


table = rich_table


def renamed(value, old_value, old: str, new: str):
    """The value of a renamed flag: the new spelling's, or the old one's with a ``RenamedWarning`` (a note).

    Old spellings stay accepted (hidden from ``--help``) so that scripts keep working.
    """
    if old_value is None or old_value == [] or old_value == ():
        return value
    if value is not None and value != [] and value != ():
        from ..errors import InputError

        raise InputError(f"give {new} or its old spelling {old}, not both")
    import warnings

    from ..errors import RenamedWarning

    warnings.warn(RenamedWarning(f"{old} is now {new}"), stacklevel=2)
    return old_value


def old_option(flag: str, new: str):
    """A hidden option for the old spelling ``flag`` of ``new``."""
    return typer.Option(flag, hidden=True, help=f"Old spelling of {new}.")


def where_filter(text: str | None):
    """``--where`` parsed before any work (a table is not read for a filter that cannot be)."""
    from ..filters import as_filter

    return as_filter(text, flag="--where")


def check_outputs(*, save=None, plot=None, inputs=()) -> None:
    """Check ``--save FILE`` (JSON) and ``--plot FILE`` (a chart) before any work: writable, not a
    folder, not one of the command's input files."""
    from .._io import check_output_path
    from ..charts.save import CHART_FORMATS

    if save is not None:
        check_output_path(save, flag="--save", inputs=inputs)
    if plot is not None:
        if save is not None and os.path.abspath(save) == os.path.abspath(plot):
            from ..errors import InputError

            raise InputError(f"--save and --plot name the same file {str(save)!r}; give two files")
        check_output_path(plot, flag="--plot", inputs=inputs, suffixes=CHART_FORMATS)


def refuse_unused(why: str, given: dict) -> None:
    """An option given where it has no effect is an error naming it and why (``given``: flag -> value)."""
    from ..errors import InputError

    for flag, value in given.items():
        if value is not None and value is not False and not (isinstance(value, (list, tuple)) and not value):
            raise InputError(f"{flag} {why}")
