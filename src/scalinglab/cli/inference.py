"""``scalinglab inference roofline|plan``: serving throughput and $ per million tokens, and the
inference-aware plan priced in dollars."""

from __future__ import annotations

import typer

from ..compute.options import INFERENCE_PLAN, ROOFLINE
from ._common import JsonOption, api, emit
from .declared import with_options


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Inference: prefill/decode roofline, $ per million tokens, inference-aware plan in dollars.",
                        no_args_is_help=True)
    app.add_typer(group, name="inference")

    @group.command("roofline")
    @with_options(ROOFLINE)
    def roofline_command(as_json: JsonOption = False, **options) -> None:
        """Prefill and decode time from a roofline, output tokens/s and $ per million output tokens."""
        emit(api.inference(**options), as_json)

    @group.command("plan")
    @with_options(INFERENCE_PLAN)
    def plan_command(as_json: JsonOption = False, **options) -> None:
        """N and D reaching a loss at the least training + serving cost in dollars (Sardana & Frankle 2023)."""
        emit(api.inference_plan(**options), as_json)
