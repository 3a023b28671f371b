"""The public face: ``import scalinglab as sl``; the CLI, the web app and notebooks call these functions.

Every function takes keyword arguments named like the command-line flags (``compute``, ``params``,
``tokens``, ``unique_tokens``, ``flops_method``, ``config``), accepts numbers, arrays or human quantities
(``"70B"``, ``"1.4T"``, ``"5.76e23"``), and a law as a registry name, a law object, a published-law
entry, a fit result or a saved fit (``fit.json``). Each returns a frozen ``Result``: ``report()``,
``to_dict()`` (plain floats: exactly what the command's ``--json`` prints), ``to_frame()`` where the
result is a table, a short ``repr()`` and HTML for Jupyter.

    >>> import scalinglab as sl
    >>> sl.predict("hoffmann2022", params="70B", tokens="1.4T")
    <Prediction hoffmann2022: loss 1.9366>
"""

from __future__ import annotations

import functools
import importlib

from .._results import Result
from .catalogue import datasets, laws
from .compute import budget, cost, flops, inference, inference_plan, memory
from .fit import bench, fit, fit_curves, formula_options, isoflop, load_fit, predict_task, suggest
from .forecast import compare, forecast, sensitivity, trend
from .plan import plan, predict
from .sweep import sweep

__all__ = [
    "plan", "predict", "fit", "isoflop", "flops", "cost", "budget", "forecast", "sensitivity", "compare", "trend",
    "laws", "datasets", "sweep", "load_fit", "Result", "memory", "inference", "inference_plan", "suggest", "bench",
    "fit_curves", "predict_task",
]


class _Entry:
    """An API function that also reads through to its science package (``sl.plan.compute_optimal``).

    ``scalinglab.plan``, ``scalinglab.fit`` and ``scalinglab.forecast`` are both functions of this face
    and subpackages; the package attribute is this callable, and the subpackage's names read through it.
    """

    def __init__(self, function, package: str):
        functools.update_wrapper(self, function)
        self._package = package

    def __call__(self, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(importlib.import_module(self._package), name)

    def __repr__(self) -> str:
        return f"<function scalinglab.{self.__name__}>"


_PACKAGES = {"plan": "scalinglab.plan", "fit": "scalinglab.fit", "forecast": "scalinglab.forecast"}
_FACE: dict[str, object] = {}


def face(name: str):
    """What ``scalinglab.<name>`` is: the function (or namespace) of this module."""
    if name not in _FACE:
        value = globals()[name]
        _FACE[name] = _Entry(value, _PACKAGES[name]) if name in _PACKAGES else value
    return _FACE[name]
