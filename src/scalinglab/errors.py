"""One exception family for everything a user can fix.

The CLI prints ``str(error)`` on one line and exits with code 2; library callers catch
``ScalingLabError``. Messages name the thing at fault (file, column, row, field, value).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

__all__ = [
    "ScalingLabError",
    "UnitError",
    "InputError",
    "UnknownNameError",
    "LawError",
    "Interrupted",
    "did_you_mean",
    "refuse_together",
    "RenamedWarning",
]


_NUMPY_REPR = re.compile(r"\bnp\.(?:float|int|uint|complex)\d*\(([^()]*)\)|\bnp\.(?:True|False)_\b|\bnp\.str_\(([^()]*)\)")


def _plain(message: str) -> str:
    """``got np.float64(-1.0)`` -> ``got -1.0``: numpy 2 scalar reprs read as code, not as values."""
    return _NUMPY_REPR.sub(lambda m: m.group(1) or m.group(2) or m.group(0)[3:-1], message)


class ScalingLabError(Exception):
    """Base class of every error caused by user input."""

    def __init__(self, *args):
        if args and isinstance(args[0], str):
            args = (_plain(args[0]), *args[1:])
        super().__init__(*args)


class UnitError(ScalingLabError, ValueError):
    """A quantity, money amount, duration or growth rate could not be parsed."""


class InputError(ScalingLabError, ValueError):
    """An argument, file, column or field holds a value that cannot be used."""


class LawError(ScalingLabError, ValueError):
    """A law cannot answer the question asked (e.g. a target loss at or below E)."""


class UnknownNameError(ScalingLabError, KeyError):
    """A name (law, dataset, accelerator, scenario) is not in its registry."""

    def __init__(self, kind: str, name: str, choices: Iterable[str]):
        self.kind, self.name, self.choices = kind, name, sorted(choices)
        super().__init__(f"unknown {kind} {name!r}{did_you_mean(name, self.choices)}")

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class Interrupted(BaseException):
    """A signal (SIGINT from Ctrl-C, or SIGTERM) stopped a command.

    Not an ``Exception``: ordinary error handling lets it through, and code that must tidy up (the
    sweep runner) adds a ``detail`` saying what was kept. The command line exits ``128 + signum``
    (130 for SIGINT, 143 for SIGTERM) after one line on stderr.
    """

    def __init__(self, signum: int, detail: str = ""):
        super().__init__(signum, detail)
        self.signum, self.detail = signum, detail

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    def __str__(self) -> str:
        return "interrupted" + (f"; {self.detail}" if self.detail else "")


def refuse_together(given: dict[str, bool], *pairs: tuple[str, str]) -> None:
    """An options pair that cannot both apply is an error naming both (``given``: option -> whether
    the user gave it), never one of them silently ignored."""
    for first, second in pairs:
        if given.get(first) and given.get(second):
            raise InputError(f"{first} and {second} cannot be used together; give one of them")


class RenamedWarning(FutureWarning):
    """A name or flag was renamed; the old spelling still works (the CLI prints this as one ``note:`` line)."""


def did_you_mean(name: str, choices: Iterable[str], n: int = 3) -> str:
    """'; did you mean 'a', 'b'?' for the closest choices, else the list of all choices."""
    choices = list(choices)
    close = difflib.get_close_matches(name.lower(), [c.lower() for c in choices], n=n, cutoff=0.5)
    if close:
        lookup = {c.lower(): c for c in choices}
        return "; did you mean " + ", ".join(repr(lookup[c]) for c in close) + "?"
    if len(choices) <= 20:
        return "; choose from " + ", ".join(choices)
    return ""
