"""The parameters of ``predict``: a law's loss at given N, D, C or x (declared in ``plan.options``), or for
every run of a table, whose columns and filters are the ``fit`` table's own declarations, taken only with
``runs``."""

from __future__ import annotations

from dataclasses import replace

from ..options import Option, Options
from ..plan.options import PREDICT_POINT
from .options import BOOTSTRAP, COLUMNS, FIT, RUNS, TABLE

__all__ = ["PREDICT"]


def _with_runs(option: Option, help: str = "") -> Option:
    """``option`` as ``predict`` takes it: only with a runs table, and its help says so."""
    text = help or option.help[0].lower() + option.help[1:]
    return replace(option, help="With {runs}: " + text, requires=(*option.requires, "runs"))


PREDICT = Options((
    *PREDICT_POINT.items,
    replace(RUNS, argument=False, excludes=tuple(PREDICT_POINT.without("law")),
            help="Predict every run of this table (intervals, residuals, R^2, MAPE): " + RUNS.help[0].lower()
                 + RUNS.help[1:]),
    _with_runs(BOOTSTRAP["level"], "coverage of the prediction intervals, e.g. 0.95."),
    *(_with_runs(COLUMNS[key]) for key in ("n_col", "d_col", "c_col", "loss_col")),
    _with_runs(FIT["u_col"]),
    *(_with_runs(TABLE[key]) for key in ("where", "duplicates", "drop_missing")),
    Option("variables", "With {runs} and a formula law: read input NAME from COLUMN (NAME=COLUMN, repeatable), "
                        "instead of the column its fit used.", many=True, flag="--var", requires=("runs",)),
))
