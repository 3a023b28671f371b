"""``scalinglab flops``: training FLOP from N and D (6ND) or from a transformer's shape."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..compute.options import FLOPS
from ._common import JsonOption, api, emit, old_option, renamed
from .declared import with_options


def register(app: typer.Typer) -> None:
    @app.command("flops")
    @with_options(FLOPS)
    def flops_command(
        method: Annotated[Optional[str], old_option("--method", "--flops-method")] = None,
        as_json: JsonOption = False, **options,
    ) -> None:
        """Training FLOP: 6ND from --params and --tokens, or a detailed count from a model shape."""
        if method is not None:
            chosen = options["flops_method"] if FLOPS["flops_method"].given(options["flops_method"]) else None
            options["flops_method"] = renamed(chosen, method, "--method", "--flops-method")
        emit(api.flops(**options), as_json)
