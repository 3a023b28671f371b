"""The command line's plain-value converter (``scalinglab.cli._coerce``) agrees with Typer's own.

For random strings, numbers, flags and lists, and every plain option type (``str``, ``int``, ``float``,
``bool``, lists of them, numbers with a range or clamped), the fast converter gives the same value of the
same type, or the same error message, as Typer's pydantic converter. Options it must not touch (paths,
choices) keep Typer's.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param

from scalinglab.cli import _coerce


class Colour(enum.Enum):
    red = "red"
    blue = "blue"


def _command():
    tree = typer.Typer()

    @tree.command()
    def sample(
        text: str = "x",
        whole: int = 0,
        real: float = 0.0,
        maybe: float | None = None,
        flag: bool = False,
        count: Annotated[int, typer.Option(min=0)] = 0,
        share: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.5,
        clamped: Annotated[int, typer.Option(min=0, max=5, clamp=True)] = 0,
        texts: list[str] | None = None,
        wholes: Annotated[list[int] | None, typer.Option(min=1)] = None,
        reals: list[float] | None = None,
        path: Path | None = None,
        colour: Colour = Colour.red,
    ) -> None:
        pass

    return typer.main.get_command(tree)


COMMAND = _command()
PARAMS = {param.name: param for param in COMMAND.params}
CTX = Context(COMMAND)
TYPER = {name: build_runtime_param(param.type_descriptor) for name, param in PARAMS.items()}
PLAIN = ["text", "whole", "real", "maybe", "flag", "count", "share", "clamped", "texts", "wholes", "reals"]


def _outcome(converter, name, value):
    try:
        result = converter.coerce(value, param=PARAMS[name], ctx=CTX)
    except BadParameter as error:
        return "error", error.format_message()
    items = result if isinstance(result, (list, tuple)) else [result]
    return type(result), [(type(item), repr(item)) for item in items]


def _plain(name):
    converter = _coerce._plain_param(PARAMS[name])
    assert converter is not None, name
    return converter


NUMBERISH = st.text(alphabet="0123456789+-._eE infaINx\t", max_size=14)
SCALARS = st.one_of(NUMBERISH, st.text(max_size=8), st.integers(), st.floats(), st.booleans(), st.none(),
                    st.binary(max_size=4))


@settings(max_examples=400, derandomize=True, deadline=None)
@given(name=st.sampled_from(PLAIN), value=SCALARS)
def test_plain_converter_gives_typers_value_or_message(name, value):
    if name in ("texts", "wholes", "reals") and value is not None and not isinstance(value, (str, bytes)):
        value = [value]
    assert _outcome(_plain(name), name, value) == _outcome(TYPER[name], name, value)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(name=st.sampled_from(["texts", "wholes", "reals"]), items=st.lists(NUMBERISH, max_size=4),
       as_tuple=st.booleans())
def test_plain_converter_gives_typers_lists(name, items, as_tuple):
    value = tuple(items) if as_tuple else items
    assert _outcome(_plain(name), name, value) == _outcome(TYPER[name], name, value)


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("whole", "-12", -12), ("real", "1e24", 1e24), ("real", ".5", 0.5), ("maybe", "7", 7.0),
    ("whole", "1_000", 1000), ("whole", " 7", 7), ("real", "inf", float("inf")), ("count", "0", 0),
])
def test_plain_and_delegated_values(name, value, expected):
    """Plain numbers are converted directly; underscores, spaces and ``inf`` are left to Typer (same value)."""
    assert _plain(name).coerce(value, param=PARAMS[name], ctx=CTX) == expected


def test_out_of_range_keeps_typers_message():
    message = _outcome(_plain("count"), "count", "-1")
    assert message == ("error", "Invalid value for '--count': Input should be greater than or equal to 0")
    assert _outcome(_plain("clamped"), "clamped", "9") == _outcome(TYPER["clamped"], "clamped", "9")


def test_paths_and_choices_keep_typers_converter():
    assert _coerce._plain_param(PARAMS["path"]) is None
    assert _coerce._plain_param(PARAMS["colour"]) is None


def test_speed_up_converts_plain_options_and_leaves_the_rest():
    command = _command()
    _coerce.speed_up(command)
    kinds = {param.name: type(param._runtime_param).__name__ for param in command.params}
    assert kinds["path"] == kinds["colour"] == "NoneType"
    assert {kinds[name] for name in PLAIN} == {"_PlainParam"}


def test_without_typers_private_converters_nothing_is_changed(monkeypatch):
    """Another Typer version (no ``typer._coercion.RuntimeParam``): every option keeps Typer's converter."""
    monkeypatch.setattr(_coerce, "RuntimeParam", None)
    command = _command()
    _coerce.speed_up(command)
    assert all(param._runtime_param is None for param in command.params)
