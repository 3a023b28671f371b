"""One declaration per option: name, kind, unit, domain, default and its source, and what it needs or excludes.

A command's public parameters are declared once, as an :class:`Options` of :class:`Option`, in Python names,
beside the science that uses them (``scalinglab.compute.cost_options``, ...). From that declaration come
the command-line options (``scalinglab.cli.declared``), the web request schemas
(``scalinglab.web.declared``), the Python function's signature and docstring (``scalinglab.api.declared``),
and the checks here, whose messages use the caller's vocabulary (:func:`spelled`): ``--gpus`` on the
command line, ``gpus=`` in Python, ``gpus`` on the web.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import InputError, did_you_mean

__all__ = ["Option", "Options", "spelled", "speaking", "voice", "VOICES"]

#: Who is calling: a Python caller (``name=``), the command line (``--flag``) or the web (``name``).
VOICES = ("python", "cli", "web")
_VOICE: ContextVar[str] = ContextVar("scalinglab_voice", default="python")
#: Python name -> command-line flag, where the flag is not ``--`` + the name with dashes (None where two
#: commands spell the same name differently: ``params`` is ``--params`` for cost, ``--param`` for a formula fit).
_FLAGS: dict[str, str | None] = {}

#: Kinds of value: ``text``, ``int``, ``float``, ``bool``, ``choice`` (one of ``choices``), ``quantity``
#: (a number or human text such as ``"70B"`` or ``"$2M"``) and ``uncertain`` (a quantity or a range
#: ``"0.3 to 0.5"``, checked against the domain by the science that draws it) and ``object`` (a Python value
#: such as a callback, passed as it is; no command-line or web form).
KINDS = ("text", "int", "float", "bool", "choice", "quantity", "uncertain", "object")


def spelled(name: str, flag: str | None = None, *, value=None) -> str:
    """A parameter's name as the caller writes it: ``--flops-method``, ``flops_method=`` or ``flops_method``
    (``flag``: its command-line spelling, when known better than by name); with ``value`` (text as shown), the
    parameter given that value: ``--duplicates mean`` or ``duplicates=mean``."""
    voice = _VOICE.get()
    if voice == "cli":
        flag = flag or _FLAGS.get(name) or "--" + name.replace("_", "-")
        return flag if value is None else f"{flag} {value}"
    if value is not None:
        return f"{name}={value}"
    return name if voice == "web" else f"{name}="


def voice() -> str:
    """Who is calling now (one of :data:`VOICES`), for a message whose form differs beyond a name."""
    return _VOICE.get()


@contextmanager
def speaking(voice: str):
    """Messages raised inside name parameters in ``voice``'s vocabulary (one of :data:`VOICES`)."""
    if voice not in VOICES:
        raise ValueError(f"voice must be one of {VOICES}, got {voice!r}")
    token = _VOICE.set(voice)
    try:
        yield
    finally:
        _VOICE.reset(token)


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _number_text(value: float) -> str:
    """``1,000,000`` for a whole number, else the shortest ``g`` form (``0.999999``, ``1e-09``)."""
    return f"{int(value):,}" if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"


def _span(low, high, low_open: bool, high_open: bool) -> str:
    if high is None:
        return f"{'greater than' if low_open else 'at least'} {_number_text(low)}"
    if low is None:
        return f"{'less than' if high_open else 'at most'} {_number_text(high)}"
    return f"in {'(' if low_open else '['}{_number_text(low)}, {_number_text(high)}{')' if high_open else ']'}"


@dataclass(frozen=True)
class Option:
    """One public parameter: the single place its name, meaning, unit, domain and default are written.

    ``default_source`` says where a published default comes from; ``requires`` names parameters that must
    be given with this one, ``excludes`` those that must not; ``flag`` is the command-line spelling where it
    is not ``--name-with-dashes``; an ``argument`` is required and positional (the runs table of ``fit``), a
    ``required`` option is required and named.
    """

    name: str
    help: str
    default: Any = None
    kind: str = "text"
    many: bool = False
    unit: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[str, ...] = ()
    default_source: str = ""
    flag: str = ""
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    argument: bool = False
    required: bool = False

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"option {self.name}: kind must be one of {KINDS}, got {self.kind!r}")
        previous = _FLAGS.get(self.name, self.cli_flag)
        _FLAGS[self.name] = self.cli_flag if previous == self.cli_flag else None

    @property
    def cli_flag(self) -> str:
        return self.flag or "--" + self.name.replace("_", "-")

    @property
    def spelled(self) -> str:
        """This parameter as the caller writes it (its own flag on the command line)."""
        return spelled(self.name, self.cli_flag)

    @property
    def needed(self) -> bool:
        """Whether the caller must give it (an argument or a required option)."""
        return self.argument or self.required

    @property
    def domain(self) -> str:
        """The allowed values in words, e.g. ``in (0, 1]`` or ``at least 1``; empty when anything goes."""
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.low is None and self.high is None:
            return ""
        return _span(self.low, self.high, self.low_open, self.high_open)

    def describe(self) -> str:
        """The help text with unit, domain and default (and the default's source); ``{name}`` in the text
        becomes that parameter as the current voice spells it."""
        text = _PLACEHOLDER.sub(lambda match: spelled(match.group(1)), self.help)
        if self.unit and f"({self.unit})" not in text:
            text += f" Unit: {self.unit}."
        if self.default not in (None, False, ()) and "default" not in text.lower():
            text += f" Default: {self.default}" + (f" ({self.default_source})." if self.default_source else ".")
        return text

    def given(self, value) -> bool:
        """Whether ``value`` was chosen by the caller: present, and not the declared default."""
        if value is None or (self.many and hasattr(value, "__len__") and len(value) == 0):
            return False
        if self.kind == "bool":  # with no default (None: "the method's convention"), either spelling is a choice
            return self.default is None or bool(value) != bool(self.default)
        return not (isinstance(value, (str, int, float)) and value == self.default)

    def check(self, value):
        """``value`` converted to the declared kind and checked against the domain, or an ``InputError``."""
        if value is None:
            return None
        if self.many and not isinstance(value, (str, bytes, dict)) and hasattr(value, "__len__"):
            return value if self.kind in ("text", "quantity", "uncertain") else [self._one(v) for v in value]
        return self._one(value)

    def _one(self, value):
        where = self.spelled
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise InputError(f"{where} must be true or false, got {value!r}")
            return value
        if self.kind == "choice":
            text = str(value).strip().lower()
            if text not in self.choices:
                raise InputError(f"{where}: unknown value {value!r}{did_you_mean(text, self.choices)}")
            return text
        if self.kind in ("int", "float"):
            value = self._number(value, where)
        return value

    def _number(self, value, where: str):
        if hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # a numpy scalar
            value = value.item()
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise InputError(f"{where} must be a number, got {value!r}")
        if self.kind == "int" and isinstance(value, int):  # exact, not rounded through a float
            if abs(value) > 2**63:
                raise InputError(f"{where} must be a whole number up to 2^63, got one of {value.bit_length()} bits")
            number = value
        else:
            try:
                number = float(value)
            except ValueError:
                raise InputError(f"{where} must be a number, got {value!r}") from None
            except OverflowError:
                raise InputError(f"{where} must be a finite number, got an integer beyond any float") from None
            if not math.isfinite(number):
                raise InputError(f"{where} must be a finite number, got {value!r}")
            if self.kind == "int":
                if number != int(number) or abs(number) > 2**63:
                    raise InputError(f"{where} must be a whole number, got {value!r}")
                number = int(number)
        self.check_bounds(number)
        return number

    def check_bounds(self, number: float) -> None:
        """An ``InputError`` naming the parameter when ``number`` lies outside the declared domain."""
        low, high = self.low, self.high
        if (low is not None and (number < low or (self.low_open and number == low))) or \
                (high is not None and (number > high or (self.high_open and number == high))):
            raise InputError(f"{self.spelled} must be {self.domain}, got {_number_text(number)}")


@dataclass(frozen=True)
class Options(Mapping):
    """The parameters of one command or function, in order, with the checks that span several of them."""

    items: tuple[Option, ...]
    by_name: dict[str, Option] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        names = [o.name for o in self.items]
        if len(set(names)) != len(names):
            raise ValueError(f"options declared twice: {sorted({n for n in names if names.count(n) > 1})}")
        object.__setattr__(self, "by_name", {o.name: o for o in self.items})
        for option in self.items:
            for other in (*option.requires, *option.excludes):
                if other not in self.by_name:
                    raise ValueError(f"option {option.name} refers to undeclared {other!r}")

    def __getitem__(self, name: str) -> Option:
        return self.by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_name)

    def __len__(self) -> int:
        return len(self.items)

    def __add__(self, other: Options) -> Options:
        return Options((*self.items, *other.items))

    def without(self, *names: str) -> Options:
        """These options less ``names`` (and the rules that name them)."""
        def rest(others: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(other for other in others if other not in names)

        return Options(tuple(replace(o, requires=rest(o.requires), excludes=rest(o.excludes))
                             for o in self.items if o.name not in names))

    def defaults(self) -> dict:
        return {o.name: o.default for o in self.items}

    def snippets(self, command: str, function: str, values: Mapping, *more: Mapping,
                 save: str | None = None) -> dict[str, str]:
        """The same request as a command line and as Python: ``{"cli": "scalinglab cost --gpus 8 ...",
        "python": "import scalinglab as sl\n\nsl.cost(gpus=8, ...)"}``, with the values given (not the
        defaults); one line each for ``more`` requests, and ``--save FILE`` / ``result.save(FILE)`` after each."""
        import shlex

        cli, python = [], []
        for request in (values, *more):
            words, call = self._spelled_call(command, function, request)
            cli.append(" ".join(words + (["--save", shlex.quote(save)] if save else [])))
            python.append(f"result = {call}\nresult.save({save!r})" if save else call)
        return {"cli": "\n".join(cli), "python": "import scalinglab as sl\n\n" + "\n".join(python)}

    def _spelled_call(self, command: str, function: str, values: Mapping) -> tuple[list[str], str]:
        import shlex

        def shown(value):  # 1024.0 from a JSON number reads as the user typed it: 1024
            return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 1e16 else value

        given = [(o, values[o.name]) for o in self.items if o.name in values and o.given(values[o.name])]
        words, args, kwargs = ["scalinglab", *command.split()], [], []
        for option, value in given:
            value = [shown(v) for v in value] if option.many and not isinstance(value, str) else shown(value)
            items = value if isinstance(value, list) else [value]
            if option.argument:
                words += [shlex.quote(str(item)) for item in items]
                args.append(repr(value))
                continue
            for item in items:
                words += [option.cli_flag] if option.kind == "bool" else [option.cli_flag, shlex.quote(str(item))]
            kwargs.append(f"{option.name}={value!r}")
        return words, f"sl.{function}({', '.join(args + kwargs)})"

    def check(self, values: Mapping) -> dict:
        """Every declared parameter's value (the default where not given), each checked, and the
        ``requires``/``excludes`` rules; unknown names are an ``InputError`` with a suggestion."""
        for name in values:
            if name not in self.by_name:
                raise InputError(f"unknown parameter {spelled(name)}{did_you_mean(name, list(self.by_name))}")
        out = {}
        for option in self.items:
            out[option.name] = option.check(values[option.name]) if option.name in values else option.default
        for option in self.items:
            if not option.given(out[option.name]):
                continue
            for other in option.excludes:
                if self[other].given(out[other]):
                    raise InputError(f"give {option.spelled} or {self[other].spelled}, not both")
            for other in option.requires:
                if not self[other].given(out[other]):
                    raise InputError(f"{option.spelled} needs {self[other].spelled}")
        return out
