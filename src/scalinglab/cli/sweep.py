"""``scalinglab sweep plan|run|status|export``: IsoFLOP sweeps of small GPTs, recorded in SQLite.

The options are declared once, in ``scalinglab.sweep.options``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ..sweep.options import EXPORT, PLAN, RUN_FLAGS, STATUS
from ._common import JsonOption, api, emit, old_option, renamed
from .declared import with_options

OldBudgets = Annotated[str | None, old_option("--budgets", "--compute")]
OldFlops = Annotated[str | None, old_option("--flops", "--flops-method")]


def _renamed(options: dict, old_budgets, old_flops) -> dict:
    options["compute"] = renamed(options["compute"], old_budgets, "--budgets", "--compute")
    options["flops_method"] = renamed(options["flops_method"], old_flops, "--flops", "--flops-method")
    return options


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="IsoFLOP sweeps of small GPTs: plan, run (local or Ray), status, export.",
                        no_args_is_help=True)
    app.add_typer(group, name="sweep")

    @group.command("plan")
    @with_options(PLAN)
    def plan_command(old_budgets: OldBudgets = None, old_flops: OldFlops = None, as_json: JsonOption = False,
                     **options) -> None:
        """Plan an IsoFLOP sweep and estimate its time on the device (trains nothing)."""
        emit(api.sweep.plan(**_renamed(options, old_budgets, old_flops)), as_json)

    @group.command("run")
    @with_options(RUN_FLAGS)
    def run_command(old_budgets: OldBudgets = None, old_flops: OldFlops = None, as_json: JsonOption = False,
                    **options) -> None:
        """Train every run of the sweep (skipping finished ones) and record it in the registry."""
        from .._io import check_output_dir, check_output_path

        check_output_dir(options["out"], flag="--out")
        if options["db"] is not None:
            check_output_path(options["db"], flag="--db")
        emit(api.sweep.run(**_renamed(options, old_budgets, old_flops), progress=not as_json), as_json)

    @group.command("status")
    @with_options(STATUS)
    def status_command(as_json: JsonOption = False, **options) -> None:
        """Sweeps in a registry, one sweep's runs, and a consistency check (exit 1 when it finds problems)."""
        status = api.sweep.status(**options)
        emit(status, as_json)
        if status.problems:
            raise typer.Exit(1)

    @group.command("export")
    @with_options(EXPORT)
    def export_command(as_json: JsonOption = False, **options) -> None:
        """Write finished runs as CSV with the columns scalinglab fit / isoflop read (params, tokens, flops, loss, budget)."""
        from .._io import check_output_path

        if options["out"] is not None:
            check_output_path(options["out"], flag="--out", inputs=(options["db"],))
        emit(api.sweep.export(**options), as_json)
