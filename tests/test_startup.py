"""What a command builds and imports at start-up: its own command only, no pydantic, and no YAML parser
once the bundled registries are kept as JSON (``scalinglab._io.read_bundled_yaml``)."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import scalinglab
from scalinglab import _io
from scalinglab.cli import app as cli_app

BUNDLED = [Path(scalinglab.__file__).parent / "laws" / "published.yaml",
           Path(scalinglab.__file__).parent / "datasets" / "registry.yaml"]


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


@pytest.fixture
def writes_caches(monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def _no_yaml(text):
    raise AssertionError("the YAML parser ran")


@pytest.mark.parametrize("bundled", BUNDLED, ids=lambda p: p.name)
def test_bundled_yaml_is_kept_as_json_and_read_back_the_same(bundled, tmp_path, writes_caches, monkeypatch):
    path = tmp_path / bundled.name
    shutil.copy(bundled, path)
    expected = yaml.safe_load(bundled.read_text(encoding="utf-8"))
    assert _io.read_bundled_yaml(path) == expected
    assert (tmp_path / "__pycache__" / f"{bundled.name}.json").is_file()
    monkeypatch.setattr(_io, "load_bundled_yaml", _no_yaml)
    again = _io.read_bundled_yaml(path)
    assert again == expected
    assert json.dumps(again) == json.dumps(expected)  # same order, same types (1.0 stays a float)


def test_a_changed_yaml_file_is_parsed_again(tmp_path, writes_caches):
    path = tmp_path / "laws.yaml"
    path.write_text("a:\n  x: 1.5\n", encoding="utf-8")
    assert _io.read_bundled_yaml(path) == {"a": {"x": 1.5}}
    path.write_text("a:\n  x: 2.5\n", encoding="utf-8")
    assert _io.read_bundled_yaml(path) == {"a": {"x": 2.5}}
    (tmp_path / "__pycache__" / "laws.yaml.json").write_text("{not json", encoding="utf-8")
    assert _io.read_bundled_yaml(path) == {"a": {"x": 2.5}}


def test_objects_json_cannot_hold_exactly_are_not_kept(tmp_path, writes_caches):
    path = tmp_path / "dated.yaml"
    path.write_text("released: 2022-03-29\n7: seven\n", encoding="utf-8")
    assert _io.read_bundled_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8"))
    assert not (tmp_path / "__pycache__").exists()


def test_nothing_is_kept_under_pythondontwritebytecode(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    path = tmp_path / "laws.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert _io.read_bundled_yaml(path) == {"a": 1}
    assert not (tmp_path / "__pycache__").exists()


def _modules_after(argv: list[str], env: dict) -> list[str]:
    code = ("import sys\nfrom scalinglab.cli.app import main\n"
            f"main({argv!r})\n"
            "sys.stderr.write(repr(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'yaml')"
            " or m.startswith('scalinglab.cli.'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stderr[proc.stderr.rindex("["):]


@pytest.mark.parametrize("argv", [["plan", "--compute", "1e24", "--json"],
                                  ["fit", "chinchilla-runs", "--drop-highest-loss", "5", "--json"]])
def test_plain_commands_import_neither_pydantic_nor_yaml_nor_other_commands(argv):
    """Importing pydantic and building Typer's pydantic converters was about a third of ``plan``'s run;
    importing PyYAML about 0.01 s. The second run of a command reads the registries kept as JSON."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    _modules_after(argv, env)
    own = f"scalinglab.cli.{argv[0]}"
    expected = sorted(["scalinglab.cli._coerce", "scalinglab.cli._common", "scalinglab.cli.app", own])
    assert _modules_after(argv, env) == repr(expected)
