"""How a result shows itself: a short repr, plain-JSON ``to_dict()``, text, HTML for notebooks, frames.

``Result`` wraps any object that has ``report()`` (a string or a Rich renderable), ``to_dict()`` and
``headline()`` (one line with its headline numbers), and ``to_frame()`` where it is a table; it forwards
attribute access to it (``result.n_opt``, ``result.params``) and is frozen. ``plain`` turns
numpy scalars and arrays into floats and lists and non-finite floats into ``None``: what ``--json`` prints.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

__all__ = ["Result", "plain", "render_text"]

#: Width of rendered text reports: what the CLI's tables are laid out for.
TEXT_WIDTH = 100


def plain(value: Any) -> Any:
    """JSON-safe copy: numpy scalars to floats, arrays and tuples to lists, NaN and infinities to None."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        value = value.item()
    if hasattr(value, "tolist"):
        return plain(value.tolist())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def render_text(renderable, width: int = TEXT_WIDTH) -> str:
    """A report (a string or a Rich renderable) as plain text ``width`` columns wide."""
    if isinstance(renderable, str):
        return renderable
    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, width=width, highlight=False, color_system=None, force_terminal=False).print(renderable)
    return buffer.getvalue().rstrip("\n")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


class Result:
    """A frozen result: ``report()``, ``to_dict()``, ``to_json()``, ``to_frame()`` where tabular, HTML.

    Parameters
    ----------
    value : object
        The science result (it has ``report()``, ``to_dict()`` and ``headline()``; ``to_frame()`` where it
        is a table); its attributes read through.
    kind : str
        What it is, e.g. ``"Plan"``: the first word of the repr, whose rest is the value's ``headline()``.
    """

    __slots__ = ("_value", "_kind")

    def __init__(self, value, *, kind: str):
        object.__setattr__(self, "_value", value)
        object.__setattr__(self, "_kind", kind)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(object.__getattribute__(self, "_value"), name)

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"{self._kind} results are frozen: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{self._kind} results are frozen: cannot delete {name!r}")

    def __reduce__(self):
        return (_rebuild, (self._value, self._kind))

    def __dir__(self):
        return sorted(set(object.__dir__(self)) | set(dir(self._value)))

    @property
    def raw(self):
        """The wrapped science object."""
        return self._value

    @property
    def summary(self) -> str:
        """The headline numbers in one line (the value's ``headline()``)."""
        return self._value.headline()

    def to_dict(self) -> dict:
        """Plain JSON types only (floats, lists, strings, None): exactly what the CLI's ``--json`` prints."""
        return plain(self._value.to_dict())

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict()`` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent)

    def report(self):
        """The report the CLI prints: a string or a Rich renderable (``str(result)`` gives it as text)."""
        return self._value.report()

    def to_text(self, width: int = TEXT_WIDTH) -> str:
        """The report as plain text ``width`` columns wide."""
        return render_text(self.report(), width)

    def to_frame(self):
        """The result's table as a pandas DataFrame."""
        if hasattr(self._value, "to_frame"):
            return self._value.to_frame()
        raise TypeError(f"a {self._kind} result has no table; use to_dict()")

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return f"<{self._kind} {self.summary}>"

    def _repr_html_(self) -> str:
        import html  # for notebooks only: not imported by every command

        data = self.to_dict()
        head = [(k, v) for k, v in data.items() if isinstance(v, (int, float, str)) and not isinstance(v, bool)]
        rows = "".join(f"<tr><th style='text-align:left'>{html.escape(str(k))}</th>"
                       f"<td style='text-align:left'>{html.escape(_cell(v))}</td></tr>" for k, v in head[:16])
        return (f"<div class='scalinglab-result'><p><strong>{html.escape(self._kind)}</strong> "
                f"{html.escape(self.summary)}</p>"
                + (f"<table>{rows}</table>" if rows else "")
                + f"<details><summary>report</summary><pre>{html.escape(self.to_text())}</pre></details></div>")


def _rebuild(value, kind) -> Result:
    return Result(value, kind=kind)
