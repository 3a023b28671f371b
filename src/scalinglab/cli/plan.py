"""``scalinglab plan`` and ``scalinglab predict``: allocations and losses under a law."""

from __future__ import annotations

from typing import Annotated

import typer

from ..fit.predict_options import PREDICT
from ..plan.options import PLAN
from ._common import JsonOption, api, emit
from .declared import with_options

#: ``predict`` quantities: one value each on the command line (a list arrives only when repeated).
_POINT = ("params", "tokens", "unique_tokens", "compute", "x")


def register(app: typer.Typer) -> None:
    @app.command("plan")
    @with_options(PLAN)
    def plan_command(as_json: JsonOption = False, **options) -> None:
        """Compute-optimal N and D for a budget, and its variants (inverse, fixed N or D, data-constrained, inference-aware)."""
        options["compute"] = options["compute"] or []  # a list always: the JSON holds lists, however many budgets
        emit(api.plan(**options), as_json)

    @app.command("predict")
    @with_options(PREDICT)
    def predict_command(
        out: Annotated[str | None, typer.Option("--out", help="With --runs: write the per-run predictions (.csv or .json).")] = None,
        as_json: JsonOption = False, **options,
    ) -> None:
        """The loss a law predicts for N parameters trained on D tokens (or at a compute, or at x), or for every run of a table."""
        from ..errors import InputError

        if out is not None:
            if options["runs"] is None:
                raise InputError("--out writes the per-run predictions of --runs; give --runs too")
            from .._io import check_output_path

            check_output_path(out, flag="--out", inputs=(options["runs"], options["law"]), suffixes=(".csv", ".json"))
        for name in _POINT:
            if options[name] and len(options[name]) == 1:
                options[name] = options[name][0]
        result = api.predict(**options)
        if out is not None:
            result.save(out)
        emit(result, as_json)
