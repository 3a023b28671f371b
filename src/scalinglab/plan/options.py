"""The parameters of ``plan`` and of ``predict`` at given N, D, C or x, each declared once: meaning, unit,
domain, default and rules (``predict`` over a runs table adds the table's options: ``fit.predict_options``).

Which options go together is written here as ``requires``/``excludes`` (a plan for a budget cannot also
target a loss, a declared cost needs the budget it spends, ...); the one rule that spans three options
(a D/N ratio with a budget fixes N and D, so neither may be given too) is the planner's own
(:func:`scalinglab.plan.dispatch.plan_for`). Quantities are numbers or human text (``"70B"``, ``"1.4T"``),
read with their name in the message where they are used.
"""

from __future__ import annotations

from .._defaults import DEFAULT_LAW
from ..options import Option, Options

__all__ = ["PLAN", "PREDICT_POINT", "DEFAULT_EPOCHS"]

#: Epochs whose optimal budgets ``plan`` gives for a unique-token count when none are asked for.
DEFAULT_EPOCHS = (1, 4, 16, 60)

_LAW = Option("law", "A published law (see `scalinglab laws list`), a saved fit (.json) or a law object.",
              default=DEFAULT_LAW)
_INPUTS = Option("inputs", "A formula law's input other than N and D held fixed, NAME=VALUE (repeatable), e.g. E=8, "
                           "or a dict of them.", many=True, flag="--input")

PLAN = Options((
    Option("compute", "Training budget(s), e.g. 5.76e23 (repeat or comma-separate).", kind="quantity", many=True,
           unit="FLOP", low=0, low_open=True, excludes=("target_loss", "epochs", "saturation")),
    _LAW,
    Option("unique_tokens", "Unique tokens available (data-constrained law), e.g. 50T.", kind="quantity",
           unit="tokens", low=0, low_open=True, excludes=("params", "tokens")),
    Option("epochs", "With {unique_tokens} and no {compute}: the budgets that train these epochs optimally, e.g. "
                     "1,4,16,60 (the default).", kind="quantity", many=True, low=0, low_open=True, requires=("unique_tokens",),
           excludes=("saturation",)),
    Option("saturation", "With {unique_tokens}: the budget beyond which more compute stops helping.", default=False,
           kind="bool", requires=("unique_tokens",)),
    Option("target_loss", "The least compute that reaches this loss (repeatable).", kind="float", many=True, low=0, low_open=True,
           excludes=("params", "tokens", "unique_tokens", "tokens_per_param")),
    Option("params", "Fix N (with {compute} or {tokens_per_param}).", kind="quantity", unit="parameters", low=0,
           low_open=True),
    Option("tokens", "Fix D (with {compute} or {tokens_per_param}).", kind="quantity", unit="tokens", low=0,
           low_open=True),
    Option("tokens_per_param", "Fixed ratio D/N, e.g. 20.", kind="float", low=0, low_open=True,
           excludes=("unique_tokens",)),
    Option("inference_tokens", "Tokens to be served: inference-aware N and D (Sardana & Frankle 2023).",
           kind="quantity", unit="tokens", low=0, excludes=("params", "tokens", "tokens_per_param", "unique_tokens")),
    Option("flops_per_param_token", "k in C = k N D, FLOP per parameter and token (2 is a forward pass, 6 "
                                    "training; no transformer's lies outside [0.1, 100]).", default=6.0, kind="float",
           low=0.1, high=100,
           default_source="Kaplan et al. 2020, section 2.1: 6 FLOP per parameter and token"),
    Option("cost", "With {compute}: the training cost as a formula of N and D, e.g. \"6*N*D + 2e9*D\", instead of "
                   "k N D (numeric optimum).", requires=("compute",),
           excludes=("target_loss", "params", "tokens", "tokens_per_param", "inference_tokens", "unique_tokens")),
    _INPUTS,
))

#: ``predict`` at given N, D, C or x (the web's: a request names no table on the server); with a runs table it
#: is ``fit.predict_options.PREDICT``.
PREDICT_POINT = Options((
    _LAW,
    Option("params", "Parameters N, e.g. 70B; several values (repeated, or a list) broadcast against the "
                     "other inputs.",
           kind="quantity", many=True, unit="parameters"),
    Option("tokens", "Training tokens D, e.g. 1.4T.", kind="quantity", many=True, unit="tokens"),
    Option("unique_tokens", "Unique tokens (data-constrained laws).", kind="quantity", many=True, unit="tokens"),
    Option("compute", "Compute (laws of compute, e.g. kaplan2020-compute).", kind="quantity", many=True,
           unit="FLOP"),
    Option("x", "The variable of a one-variable law.", kind="quantity", many=True,
           excludes=("params", "tokens", "unique_tokens", "compute")),
    _INPUTS,
))
