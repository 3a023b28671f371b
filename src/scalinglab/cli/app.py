"""The ``scalinglab`` command: a thin Typer app that assembles one module per command group."""

from __future__ import annotations

import functools
import importlib
import os
import signal
import sys
import threading
from contextlib import contextmanager

import typer

try:  # typer >= 0.20 vendors click
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover
    from click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from ..errors import Interrupted, ScalingLabError
from ..options import speaking
from ._coerce import speed_up

__all__ = ["app", "main"]

#: Command modules under ``scalinglab.cli``; each defines ``register(app)``.
COMMAND_MODULES = (
    "laws",
    "plan",
    "flops",
    "datasets",
    "hardware",
    "cost",
    "memory",
    "inference",
    "fit",
    "suggest",
    "bench",
    "forecast",
    "sweep",
    "demo",
    "serve",
)

_SETTINGS = dict(name="scalinglab", help="Scaling laws with provenance: fit, plan, cost and forecast AI training runs.",
                 no_args_is_help=True, add_completion=True, pretty_exceptions_enable=False, rich_markup_mode=None)


def _version(value: bool) -> None:
    if value:
        from .._version import __version__

        sys.stdout.write(f"scalinglab {__version__}\n")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.", callback=_version,
                                 is_eager=True),
) -> None:
    """Scaling laws with provenance: fit, plan, cost and forecast AI training runs."""


def _typer() -> typer.Typer:
    """An empty ``scalinglab`` app with the root options."""
    tree = typer.Typer(**_SETTINGS)
    tree.callback()(_root)
    return tree


#: Command or group name -> the module under ``scalinglab.cli`` that registers it, so that a command imports
#: its own module only (a test checks this table against what each module registers).
MODULE_OF: dict[str, str] = {
    "laws": "laws", "plan": "plan", "predict": "plan", "flops": "flops", "datasets": "datasets",
    "hardware": "hardware", "cost": "cost", "budget": "cost", "memory": "memory", "inference": "inference",
    "fit": "fit", "fit-curves": "fit", "predict-task": "fit", "isoflop": "fit", "suggest": "suggest", "forecast": "forecast",
    "bench": "bench", "sensitivity": "forecast", "compare": "forecast", "trend": "forecast", "scenarios": "forecast",
    "sweep": "sweep", "demo": "demo", "serve": "serve",
}


def _command_name(info) -> str:
    """The name a registered command is called by."""
    return info.name or info.callback.__name__.replace("_", "-")


@functools.cache
def _everything() -> typer.Typer:
    """The whole app: every command module registered (the full help, shell completion, tests)."""
    tree = _typer()
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__package__}.{name}").register(tree)
    return tree


def __getattr__(name: str):
    if name == "app":  # ``from scalinglab.cli.app import app``: built on first use, not by every command
        return _everything()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _noop() -> None:  # pragma: no cover - the listing never runs a command
    pass


def _listing() -> typer.Typer:
    """The top-level help without building every command's options: each command's name and help only."""
    import inspect

    tree, app = _typer(), _everything()
    for info in app.registered_commands:
        tree.command(info.name, help=info.help or inspect.getdoc(info.callback), hidden=info.hidden)(_noop)
    for info in app.registered_groups:
        tree.add_typer(typer.Typer(), name=info.name, help=info.help or info.typer_instance.info.help)
    return tree


def tree_for(args: list[str]) -> typer.Typer:
    """The smallest app that runs ``args``: the one command (or group) named, the listing for the top-level
    help, else everything (building every command's options is most of the start-up time)."""
    if "_SCALINGLAB_COMPLETE" in os.environ:  # shell completion: the command line is in COMP_WORDS, not argv
        return _everything()
    first = next((a for a in args if not a.startswith("-")), None)
    if first in MODULE_OF:
        tree = _typer()
        importlib.import_module(f"{__package__}.{MODULE_OF[first]}").register(tree)
        tree.registered_commands = [info for info in tree.registered_commands if _command_name(info) == first]
        tree.registered_groups = [info for info in tree.registered_groups if info.name == first]
        return tree
    if not args or args == ["--help"]:
        return _listing()
    return _everything()


def fail(message: str, code: int = 2) -> None:
    """One line on stderr and exit ``code`` (2 for user errors)."""
    sys.stderr.write(f"error: {message}\n")
    raise SystemExit(code)


def _raise_interrupted(signum, frame) -> None:
    # A second signal while the first one is being tidied up falls back to the default action.
    signal.signal(signum, signal.SIG_DFL if signum != signal.SIGINT else signal.default_int_handler)
    raise Interrupted(signum)


@contextmanager
def _signals_interrupt():
    """While a command runs, SIGINT (Ctrl-C) and SIGTERM raise :class:`Interrupted` (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise_interrupted) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def _renames_as_notes():
    """Old names and flags (``RenamedWarning``) become one ``note:`` line each on stderr once the command
    has succeeded; a failing command prints only its one ``error:`` line. Other warnings pass through."""
    import warnings

    from ..errors import RenamedWarning

    caught: list = []
    succeeded = False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RenamedWarning)
            yield
        succeeded = True
    finally:
        for w in caught:
            if not issubclass(w.category, RenamedWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        if succeeded:
            for message in dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, RenamedWarning)):
                sys.stderr.write(f"note: {message}\n")


def main(argv: list[str] | None = None) -> None:
    """Entry point: user errors become one line on stderr and exit code 2, never a traceback.

    Ctrl-C (SIGINT) exits 130 and SIGTERM 143, with one line saying what was kept.
    """
    command = typer.main.get_command(tree_for(sys.argv[1:] if argv is None else list(argv)))
    speed_up(command)
    try:
        with _signals_interrupt(), _renames_as_notes(), speaking("cli"):
            code = command.main(args=argv, prog_name="scalinglab", standalone_mode=False)
    except Interrupted as stop:
        fail(str(stop), stop.exit_code)
    except ScalingLabError as error:
        fail(str(error))
    except NoArgsIsHelpError as error:
        sys.stdout.write(error.ctx.get_help() + "\n")
        return
    except UsageError as error:
        fail(error.format_message().replace("\n", " "))
    except ClickException as error:
        fail(error.format_message().replace("\n", " "), error.exit_code or 2)
    except typer.Exit as error:
        raise SystemExit(error.exit_code) from None
    except typer.Abort:
        fail("aborted", 130)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except MemoryError:
        fail("out of memory: the machine cannot hold this computation; ask for less (fewer --samples, "
             "--bootstrap refits or runs, an earlier --until)")
    # Without standalone mode Typer returns (not raises) the code of an ``Exit``, including the 130 it
    # makes of a KeyboardInterrupt it caught itself.
    if isinstance(code, int) and not isinstance(code, bool) and code != 0:
        if code == 130:
            fail("interrupted", 130)
        raise SystemExit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
