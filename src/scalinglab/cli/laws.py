"""``scalinglab laws list|show``: the registry of published laws."""

from __future__ import annotations

import typer

from ..laws.options import LAW
from ._common import JsonOption, api, console, emit, print_json, table
from .declared import with_options


def _format_params(params: dict) -> str:
    items = []
    for key, value in params.items():
        if isinstance(value, dict):
            items.append(f"{key}: ({_format_params(value)})")
        else:
            items.append(f"{key}={value:.5g}" if isinstance(value, float) else f"{key}={value}")
    return ", ".join(items)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Published scaling laws with their sources.", no_args_is_help=True)
    app.add_typer(group, name="laws")

    @group.command("list")
    def list_command(as_json: JsonOption = False) -> None:
        """List every published law with its family, N convention and source, then the formula laws by group."""
        from ..laws import list_laws
        from ..laws.catalogue import catalogue

        laws, formulas = list_laws(), list(catalogue().values())
        if as_json:
            print_json([entry.to_dict() for entry in laws] + [entry.to_dict() for entry in formulas])
            return
        rows = [[e.name, e.family, e.n_convention, _format_params(e.law.params()), e.source.short]
                for e in laws]
        console.print(table("Published laws (details: scalinglab laws show NAME)",
                            ["name", "family", "N", "parameters", "source"], rows))
        rows, group = [], None
        for e in sorted(formulas, key=lambda e: e.group):
            rows.append([e.group if e.group != group else "", e.name, ", ".join(e.inputs),
                         "published" if e.constants else "fittable"])
            group = e.group
        console.print(table("Formula laws by group (formula, units, source: scalinglab laws show NAME)",
                            ["group", "name", "inputs", "constants"], rows))

    @group.command("show")
    @with_options(LAW)
    def show_command(as_json: JsonOption = False, **options) -> None:
        """Show one law: formula, inputs and units, parameters (with published values and standard errors),
        data and source."""
        emit(api.laws.get(**options), as_json)
