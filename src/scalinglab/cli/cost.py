"""``scalinglab cost`` and ``scalinglab budget``: training time, dollars, energy and CO2; budgets -> plans."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..compute.cost_options import BUDGET, COST
from ._common import JsonOption, api, emit, old_option, renamed
from .declared import with_options


def register(app: typer.Typer) -> None:
    @app.command("cost")
    @with_options(COST)
    def cost_command(
        flops: Annotated[Optional[str], old_option("--flops", "--compute")] = None,
        model: Annotated[Optional[str], old_option("--model", "--config")] = None,
        as_json: JsonOption = False, **options,
    ) -> None:
        """Days, GPU-hours, cloud and owned cost, energy and CO2 of a training run."""
        options["compute"] = renamed(options["compute"], flops, "--flops", "--compute")
        options["config"] = renamed(options["config"], model, "--model", "--config")
        emit(api.cost(**options), as_json)

    @app.command("budget")
    @with_options(BUDGET)
    def budget_command(as_json: JsonOption = False, **options) -> None:
        """What a budget buys: FLOP, then the compute-optimal N, D and loss under a law."""
        emit(api.budget(**options), as_json)
