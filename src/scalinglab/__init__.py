"""scalinglab: scaling laws with provenance, fitting, planning, cost and forecasts.

    >>> import scalinglab as sl
    >>> sl.plan(compute=1e24, law="hoffmann2022")
    <Plan hoffmann2022: C = 1e+24 FLOP -> N = 41.3B, D = 4.04T, loss 1.9112>

The functions (``plan``, ``predict``, ``fit``, ``isoflop``, ``flops``, ``cost``, ``budget``, ``forecast``, ``sensitivity``,
``compare``, ``trend``, ``load_fit``, ``suggest``, ``bench``) and namespaces (``laws``, ``datasets``, ``sweep``) live in
``scalinglab.api``, imported on first use so that ``import scalinglab`` stays fast.
"""

import sys as _sys
import types as _types

from ._version import __version__

_FACE = ("plan", "predict", "fit", "isoflop", "flops", "cost", "budget", "forecast", "sensitivity", "compare", "trend",
         "load_fit", "laws", "datasets", "sweep", "Result", "memory", "inference", "inference_plan", "suggest", "bench",
         "fit_curves", "predict_task")

__all__ = ["__version__", *_FACE]


class _FaceName:
    """``scalinglab.<name>`` is the face's function, even where a subpackage has the same name.

    Importing ``scalinglab.plan`` (the subpackage) sets the package attribute ``plan``; this data
    descriptor keeps that module in the package's dict for the import system and answers the function.
    """

    def __init__(self, name: str):
        self.name = name

    def __get__(self, module, owner=None):
        if module is None:
            return self
        from importlib import import_module

        return import_module("scalinglab.api").face(self.name)

    def __set__(self, module, value) -> None:
        module.__dict__[self.name] = value

    def __delete__(self, module) -> None:
        module.__dict__.pop(self.name, None)


class _Package(_types.ModuleType):
    def __dir__(self):
        return sorted(set(super().__dir__()) | set(_FACE))


for _name in _FACE:
    setattr(_Package, _name, _FaceName(_name))
_sys.modules[__name__].__class__ = _Package
del _name
