"""Typer options built from an :class:`~scalinglab.options.Options` declaration, beside a command's own."""

from __future__ import annotations

import functools
import inspect
from typing import Annotated, Optional

import typer

from ..options import Option, Options, speaking

__all__ = ["with_options"]

_LEAF = {"text": str, "int": int, "float": float, "bool": bool, "choice": str, "quantity": str, "uncertain": str}
_RANGE = ' Accepts a range, e.g. "0.3 to 0.5" (lognormal 90% interval) or "uniform 0.3 to 0.5".'


def cli_parameter(option: Option) -> inspect.Parameter:
    """The Typer option of one declared parameter (a list when repeatable, optional when it has no default)."""
    leaf = _LEAF[option.kind]
    kind = list[leaf] if option.many else leaf
    if option.default is None and not option.needed:
        kind = Optional[kind]
    with speaking("cli"):
        text = option.describe() + (_RANGE if option.kind == "uncertain" else "")
    if option.argument:
        return inspect.Parameter(option.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                 annotation=Annotated[kind, typer.Argument(help=text, show_default=False)])
    default = inspect.Parameter.empty if option.required else option.default
    return inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY, default=default,
                             annotation=Annotated[kind, typer.Option(option.cli_flag, help=text, show_default=False)])


def with_options(options: Options):
    """A command taking the declared ``options`` as Typer options, after its own parameters (arguments,
    ``--json``, renamed flags); the declared values reach it as keyword arguments."""

    def decorate(function):
        own = [p for p in inspect.signature(function, eval_str=True).parameters.values()
               if p.kind is not inspect.Parameter.VAR_KEYWORD]
        declared = [cli_parameter(o) for o in options.items]
        arguments = [p for p in declared if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
        params = arguments + own + [p for p in declared if p not in arguments]

        @functools.wraps(function)
        def command(**values):
            return function(**values)

        command.__signature__ = inspect.Signature(params)
        command.__annotations__ = {p.name: p.annotation for p in params}
        return command

    return decorate
