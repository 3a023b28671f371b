"""``scalinglab suggest``: which runs to train next, ranked by expected variance reduction at the target per cost."""

from __future__ import annotations

import typer

from ..fit.design.options import SUGGEST
from ._common import JsonOption, api, emit
from .declared import with_options


def register(app: typer.Typer) -> None:
    @app.command("suggest")
    @with_options(SUGGEST)
    def suggest_command(as_json: JsonOption = False, **options) -> None:
        """Which runs to train next: a batch within a budget that most narrows the prediction at the target."""
        emit(api.suggest(**options), as_json)
