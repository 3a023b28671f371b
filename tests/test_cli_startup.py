"""What a command builds and imports at start-up: its own module's command, no pydantic, no other commands."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from scalinglab.cli import app as cli_app


def test_module_of_names_every_command_of_every_module():
    """The static command -> module table is exactly what the command modules register."""
    registered = {}
    for module in cli_app.COMMAND_MODULES:
        tree = cli_app._typer()
        importlib.import_module(f"scalinglab.cli.{module}").register(tree)
        registered.update({cli_app._command_name(info): module for info in tree.registered_commands})
        registered.update({info.name: module for info in tree.registered_groups})
    assert registered == cli_app.MODULE_OF
    assert list(dict.fromkeys(registered.values())) == list(cli_app.COMMAND_MODULES)


@pytest.mark.parametrize(("argv", "names"), [
    (["plan", "--compute", "1e24"], ["plan"]),
    (["predict", "--params", "70B"], ["predict"]),
    (["--json", "fit", "chinchilla-runs"], ["fit"]),
    (["sweep", "plan"], ["sweep"]),
])
def test_a_command_builds_only_itself(argv, names):
    tree = cli_app.tree_for(argv)
    built = [cli_app._command_name(info) for info in tree.registered_commands]
    built += [info.name for info in tree.registered_groups]
    assert built == names


def test_unknown_commands_and_completion_get_every_command():
    assert len(cli_app.tree_for(["plna"]).registered_commands) == len(cli_app.app.registered_commands) > 15


@pytest.mark.parametrize("argv", [["plan", "--compute", "1e24", "--json"],
                                  ["fit", "chinchilla-runs", "--drop-highest-loss", "5", "--json"]])
def test_plain_commands_import_neither_pydantic_nor_other_commands(argv):
    """Importing pydantic and building Typer's pydantic converters was about a third of ``plan``'s run."""
    code = ("import sys\nfrom scalinglab.cli.app import main\n"
            f"main({argv!r})\n"
            "sys.stderr.write(repr(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'"
            " or m.startswith('scalinglab.cli.'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    own = f"scalinglab.cli.{argv[0]}"
    expected = sorted(["scalinglab.cli._coerce", "scalinglab.cli._common", "scalinglab.cli.app", own])
    assert proc.stderr.endswith(repr(expected)), proc.stderr[-500:]
