"""Face functions whose signature, docstring parameters and checks come from one :class:`Options` declaration."""

from __future__ import annotations

import functools
import inspect

from ..options import Option, Options, speaking

__all__ = ["declared"]

_TYPES = {"text": "str", "int": "int", "float": "float", "bool": "bool", "choice": "str",
          "quantity": "float or str", "uncertain": "float or str (a value or a range, e.g. \"0.3 to 0.5\")",
          "object": "object"}


def _doc_entry(option: Option) -> str:
    kind = "{" + ", ".join(f'"{c}"' for c in option.choices) + "}" if option.choices else _TYPES[option.kind]
    if option.many:
        kind += ", or a list of them"
    optional = "" if option.needed else ", optional" if option.default is None else f", default {option.default!r}"
    with speaking("web"):  # plain names in a docstring
        text = option.describe()
    return f"    {option.name} : {kind}{optional}\n        {text}\n"


def _with_parameters(doc: str, options: Options) -> str:
    """``doc`` with a numpydoc Parameters section listing ``options``, placed before Returns."""
    section = "    Parameters\n    ----------\n" + "".join(_doc_entry(o) for o in options.items) + "\n"
    marker = "    Returns\n"
    return doc.replace(marker, section + marker, 1) if marker in doc else doc.rstrip() + "\n\n" + section


def declared(options: Options, *, positional: tuple[str, ...] = ()):
    """Make ``function(**values)`` a face function taking exactly the declared parameters (arguments, then
    the ``positional`` ones, also by position), checked in the caller's vocabulary before it runs."""
    arguments = [o for o in options.items if o.argument]
    first = arguments + [options[name] for name in positional]
    rest = [o for o in options.items if o not in first]
    signature = inspect.Signature(
        [inspect.Parameter(o.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                           default=inspect.Parameter.empty if o.needed else o.default) for o in first]
        + [inspect.Parameter(o.name, inspect.Parameter.KEYWORD_ONLY,
                             default=inspect.Parameter.empty if o.required else o.default) for o in rest])

    def decorate(function):
        @functools.wraps(function)
        def face(*args, **kwargs):
            return function(**options.check(signature.bind(*args, **kwargs).arguments))

        face.__signature__ = signature
        face.__doc__ = _with_parameters(inspect.getdoc(function) and function.__doc__ or "", options)
        face.options = options
        return face

    return decorate
