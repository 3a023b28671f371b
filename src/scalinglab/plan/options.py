"""The parameters of ``plan`` and ``predict``, each declared once: meaning, unit, domain, default and rules.

Which options go together is written here as ``requires``/``excludes`` (a plan for a budget cannot also
target a loss, a declared cost needs the budget it spends, ...); the one rule that spans three options
(a D/N ratio with a budget fixes N and D, so neither may be given too) is the planner's own
(:func:`scalinglab.plan.dispatch.plan_for`). Quantities are numbers or human text (``"70B"``, ``"1.4T"``),
read with their name in the message where they are used.
"""

from __future__ import annotations

from .._defaults import DEFAULT_LAW
from ..options import Option, Options

__all__ = ["PLAN", "PREDICT", "PREDICT_POINT", "RUNS_ONLY", "DEFAULT_EPOCHS"]

#: Epochs whose optimal budgets ``plan`` gives for a unique-token count when none are asked for.
DEFAULT_EPOCHS = (1, 4, 16, 60)

_LAW = Option("law", "A published law (see `scalinglab laws list`), a saved fit (.json) or a law object.",
              default=DEFAULT_LAW)
_INPUTS = Option("inputs", "A formula law's input other than N and D held fixed, NAME=VALUE (repeatable), e.g. E=8, "
                           "or a dict of them.", many=True, flag="--input")

PLAN = Options((
    Option("compute", "Training budget(s), e.g. 5.76e23 (repeat or comma-separate).", kind="quantity", many=True,
           unit="FLOP", excludes=("target_loss", "epochs", "saturation")),
    _LAW,
    Option("unique_tokens", "Unique tokens available (data-constrained law), e.g. 50T.", kind="quantity",
           unit="tokens", excludes=("params", "tokens")),
    Option("epochs", "With {unique_tokens} and no {compute}: the budgets that train these epochs optimally, e.g. "
                     "1,4,16,60 (the default).", kind="quantity", many=True, requires=("unique_tokens",),
           excludes=("saturation",)),
    Option("saturation", "With {unique_tokens}: the budget beyond which more compute stops helping.", default=False,
           kind="bool", requires=("unique_tokens",)),
    Option("target_loss", "The least compute that reaches this loss (repeatable).", kind="float", many=True,
           excludes=("params", "tokens", "unique_tokens", "tokens_per_param")),
    Option("params", "Fix N (with {compute} or {tokens_per_param}).", kind="quantity", unit="parameters"),
    Option("tokens", "Fix D (with {compute} or {tokens_per_param}).", kind="quantity", unit="tokens"),
    Option("tokens_per_param", "Fixed ratio D/N, e.g. 20.", kind="float", low=0, low_open=True,
           excludes=("unique_tokens",)),
    Option("inference_tokens", "Tokens to be served: inference-aware N and D (Sardana & Frankle 2023).",
           kind="quantity", unit="tokens", excludes=("params", "tokens", "tokens_per_param", "unique_tokens")),
    Option("flops_per_param_token", "k in C = k N D.", default=6.0, kind="float", low=0, low_open=True,
           default_source="Kaplan et al. 2020, section 2.1: 6 FLOP per parameter and token"),
    Option("cost", "With {compute}: the training cost as a formula of N and D, e.g. \"6*N*D + 2e9*D\", instead of "
                   "k N D (numeric optimum).", requires=("compute",),
           excludes=("target_loss", "params", "tokens", "tokens_per_param", "inference_tokens", "unique_tokens")),
    _INPUTS,
))

#: ``predict`` options that read a runs table: only with ``runs``.
RUNS_ONLY = ("runs", "level", "n_col", "d_col", "c_col", "loss_col", "u_col", "where", "duplicates", "drop_missing",
             "variables")
_WITH_RUNS = "With {runs}: "

PREDICT = Options((
    _LAW,
    Option("params", "Parameters N, e.g. 70B; several values (repeated, or a list) broadcast against the "
                     "other inputs.",
           kind="quantity", many=True, unit="parameters"),
    Option("tokens", "Training tokens D, e.g. 1.4T.", kind="quantity", many=True, unit="tokens"),
    Option("unique_tokens", "Unique tokens (data-constrained laws).", kind="quantity", many=True, unit="tokens"),
    Option("compute", "Compute (laws of compute, e.g. kaplan2020-compute).", kind="quantity", many=True,
           unit="FLOP"),
    Option("x", "The variable of a one-variable law.", kind="quantity", many=True),
    _INPUTS,
    Option("runs", "Predict every run of this table (.csv, .parquet, .jsonl or a bundled dataset): intervals, "
                   "residuals, R^2, MAPE.", excludes=("params", "tokens", "unique_tokens", "compute", "x", "inputs")),
    Option("level", _WITH_RUNS + "coverage of the prediction intervals.", default=0.95, kind="float", low=0, high=1,
           low_open=True, high_open=True, requires=("runs",)),
    *(Option(f"{key}_col", f"{_WITH_RUNS}column of {what}.", requires=("runs",))
      for key, what in (("n", "N"), ("d", "D"), ("c", "C"), ("loss", "observed losses"), ("u", "unique tokens"))),
    Option("where", _WITH_RUNS + "keep the rows that match a filter, e.g. \"dataset == 'c4' and lr <= 0.004\" "
                                 "(comparisons, and/or/not, in [...], `odd names` in backticks, numbers such as 7B; "
                                 "see docs/where.md).", requires=("runs",)),
    Option("duplicates", _WITH_RUNS + "keep, mean, min or error for repeated (N, D).", default="keep", kind="choice",
           choices=("keep", "mean", "min", "error"), requires=("runs",)),
    Option("drop_missing", _WITH_RUNS + "drop rows with missing values.", default=False, kind="bool",
           requires=("runs",)),
    Option("variables", "With {runs} and a formula law: read input NAME from COLUMN (NAME=COLUMN, repeatable), "
                                 "instead of the column its fit used.", many=True, flag="--var",
           requires=("runs",)),
))

#: ``predict`` at given N, D, C or x (the web's: a request names no table on the server).
PREDICT_POINT = PREDICT.without(*RUNS_ONLY)
