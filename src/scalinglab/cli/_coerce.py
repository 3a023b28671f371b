"""Plain option values converted without pydantic: the same values and errors as Typer, faster start-up.

Typer (0.29) converts every option's value through a pydantic ``TypeAdapter`` that it builds the first
time the option is parsed; importing pydantic and building the adapters of one command was about a third
of ``scalinglab plan``'s whole run. :func:`speed_up` gives each option of type ``str``, ``int``,
``float`` or ``bool`` (or a list of one of them), with no parser, choices, path or file handling, a
converter that handles the unambiguous cases itself: a value already of the right type, or a string
that is a plain decimal number (``12``, ``-3``, ``1e24``, ``.5``). Anything else (``1_000``, `` 7``,
``inf``, ``abc``, an out-of-range value) goes to Typer's own converter, built only then, so errors and
edge cases stay exactly Typer's. A test checks both give the same value or the same message for random
input.

If Typer's private names are not there (another Typer version), nothing is changed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, is_dataclass
from typing import Any, get_args, get_origin

__all__ = ["speed_up"]

try:  # Typer's private coercion layer (0.29); absent elsewhere, then Typer is left alone.
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer.core import _TyperParameter
except ImportError:  # pragma: no cover - other Typer versions
    RuntimeParam = None
if RuntimeParam is not None and not (is_dataclass(RuntimeParam) and RuntimeParam.__dataclass_params__.frozen):
    RuntimeParam = None  # pragma: no cover - a Typer whose converters are built differently

_INT = re.compile(r"[+-]?[0-9]{1,18}")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")
_SIMPLE = (str, int, float, bool)
_MISSING = object()


def _plain(leaf: type, value: Any, low, high) -> Any:
    """``value`` as ``leaf`` when that is unambiguous, else ``_MISSING`` (for Typer to decide)."""
    kind = type(value)
    if leaf is str or leaf is bool:
        return value if kind is leaf else _MISSING
    if kind is str:
        if leaf is int and _INT.fullmatch(value):
            number = int(value)
        elif leaf is float and _FLOAT.fullmatch(value):
            number = float(value)
        else:
            return _MISSING
    elif kind is leaf:
        number = value
    else:
        return _MISSING
    if leaf is float and not math.isfinite(number):
        return _MISSING
    if (low is not None and number < low) or (high is not None and number > high):
        return _MISSING
    return number


if RuntimeParam is not None:

    @dataclass(frozen=True)
    class _PlainParam(RuntimeParam):
        """Converts plain values itself and hands anything else to Typer's converter."""

        descriptor: Any
        leaf: type
        many: bool
        low: Any
        high: Any

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.many:
                if isinstance(value, (list, tuple)):
                    items = [_plain(self.leaf, item, self.low, self.high) for item in value]
                    if _MISSING not in items:
                        return items
            else:
                number = _plain(self.leaf, value, self.low, self.high)
                if number is not _MISSING:
                    return number
            typer_param = build_runtime_param(self.descriptor)
            param._runtime_param = typer_param  # later values go straight to Typer's converter
            return typer_param._coerce_value(value, param=param, ctx=ctx)


def _plain_param(param: Any):
    """A :class:`_PlainParam` for ``param``, or None when its type or settings need Typer's converter."""
    descriptor = param.type_descriptor
    info = descriptor.parameter_info
    annotation = descriptor.annotation
    many = get_origin(annotation) is list
    leaf = get_args(annotation)[0] if many and len(get_args(annotation)) == 1 else annotation
    if leaf not in _SIMPLE or (many and not param.multiple and param.nargs != -1):
        return None
    if descriptor.file_annotation is not None or descriptor.is_path or descriptor.is_choice:
        return None
    if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
        return None
    low, high = getattr(info, "min", None), getattr(info, "max", None)
    if leaf in (str, bool) and (low is not None or high is not None):
        return None
    return _PlainParam(annotation=annotation, parameter_info=info, descriptor=descriptor, leaf=leaf, many=many,
                       low=low, high=high)


def _convert(param: Any) -> None:
    if isinstance(param, _TyperParameter) and getattr(param, "_runtime_param", _MISSING) is None:
        try:
            plain = _plain_param(param)
        except (AttributeError, TypeError):  # pragma: no cover - a Typer whose descriptors differ
            plain = None
        if plain is not None:
            param._runtime_param = plain


def speed_up(command: Any) -> None:
    """Give every plain option of ``command`` and its subcommands the converter above (in place), the
    ``--help`` option too (which Typer makes while parsing)."""
    if RuntimeParam is None:  # another Typer version
        return
    for param in command.params:
        _convert(param)
    help_option = getattr(command, "get_help_option", None)
    if help_option is not None:

        def get_help_option(ctx, _made=help_option):
            option = _made(ctx)
            if option is not None:
                _convert(option)
            return option

        command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        speed_up(sub)
