"""The parameters of ``datasets show`` (``sl.datasets.get``), each declared once."""

from __future__ import annotations

from ..options import Option, Options

__all__ = ["DATASET", "SHOW"]

DATASET = Options((
    Option("name", "Dataset name, e.g. chinchilla-runs.", argument=True),
))

#: ``datasets show``: the dataset and how many of its rows the table previews.
SHOW = DATASET + Options((
    Option("head", "Rows to preview (default 5; the table, not --json).", kind="int", low=0),
))
