"""``scalinglab memory``: bytes per GPU by part under TP/PP/SP/EP/DP and ZeRO, and a layout search."""

from __future__ import annotations

import typer

from ..compute.options import MEMORY
from ._common import JsonOption, api, emit
from .declared import with_options


def register(app: typer.Typer) -> None:
    @app.command("memory")
    @with_options(MEMORY)
    def memory_command(as_json: JsonOption = False, **options) -> None:
        """Memory per GPU by part (weights, gradients, optimizer, activations, KV cache), fits or not; --search ranks layouts."""
        emit(api.memory(**options), as_json)
