"""Packages whose public names are imported from their modules on first use.

``scalinglab.fit`` and ``scalinglab.plan`` answer ``fit_law``, ``compute_optimal``, ... without importing their
estimators until asked, so a command that only declares its options (or lists the commands) stays fast. A
public name that is also one of the package's submodules (``plan.predict`` the function, ``plan/predict.py``
the module) is a data descriptor on the package's class: importing the submodule, which stores it as a package
attribute, does not hide the function (the same device as ``scalinglab``'s own face names).
"""

from __future__ import annotations

import importlib
import sys
import types
from pathlib import Path

__all__ = ["lazy_package"]


class _Shadowed:
    """A public name that a submodule of the same name would otherwise replace."""

    def __init__(self, name: str, home: str):
        self.name, self.home = name, home

    def __get__(self, module, owner=None):
        if module is None:
            return self
        return getattr(importlib.import_module(f"{module.__name__}.{self.home}"), self.name)

    def __set__(self, module, value) -> None:  # the import system storing the submodule
        module.__dict__[self.name] = value


def lazy_package(name: str, homes: dict[str, str]) -> None:
    """Give package ``name`` its public names (``homes``: name -> the submodule defining it) on first use."""
    package = sys.modules[name]
    submodules = {path.stem for folder in package.__path__ for path in Path(folder).glob("*.py")}

    class LazyPackage(types.ModuleType):
        def __getattr__(self, attribute: str):
            if attribute in homes:
                return getattr(importlib.import_module(f"{name}.{homes[attribute]}"), attribute)
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}")

        def __dir__(self):
            return sorted(set(super().__dir__()) | set(homes))

    for public, home in homes.items():
        if public in submodules:
            setattr(LazyPackage, public, _Shadowed(public, home))
    package.__class__ = LazyPackage
