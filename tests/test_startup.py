"""What a command builds and imports at start-up: its own command only, no pydantic, no pandas, and no YAML
parser once the bundled registries are kept as JSON (``scalinglab._io.read_bundled_yaml``)."""

from __future__ import annotations

import importlib
import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import scalinglab
from scalinglab import _io
from scalinglab.cli import app as cli_app
from scalinglab.compute import hardware
from scalinglab.datasets import read_bundled
from scalinglab.forecast import load_scenario_file, scenarios

BUNDLED = [Path(scalinglab.__file__).parent / "laws" / "published.yaml",
           Path(scalinglab.__file__).parent / "datasets" / "registry.yaml",
           Path(scalinglab.__file__).parent / "compute" / "accelerators.yaml",
           Path(scalinglab.__file__).parent / "compute" / "models.yaml",
           Path(scalinglab.__file__).parent / "compute" / "parallelism.yaml"]


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


def _same_cell(ours, theirs) -> bool:
    """The same cell: both missing (NaN), the same text, or floats equal bit for bit."""
    if isinstance(theirs, float) and math.isnan(theirs):
        return type(ours) is float and math.isnan(ours)
    if isinstance(theirs, str):
        return type(ours) is str and ours == theirs
    return type(ours) is float and ours.hex() == float(theirs).hex()


def test_the_hardware_table_is_read_with_the_csv_module_as_pandas_reads_it():
    """Every cell of the bundled ``ml-hardware`` table, read with the csv module for the accelerator catalogue,
    is the cell ``pd.read_csv`` gives: the same columns in order, text, floats to the bit, NaN where missing."""
    frame = read_bundled("ml-hardware")
    rows = hardware.epoch_rows()
    assert len(rows) == len(frame) == 170
    assert all(list(row) == list(frame.columns) for row in rows)
    numeric = [column for column in frame.columns if pd.api.types.is_float_dtype(frame[column])]
    assert "Tensor-FP16/BF16 performance (FLOP/s)" in numeric and "Hardware name" not in numeric
    different = [(i, column, theirs, rows[i][column]) for column in frame.columns
                 for i, theirs in enumerate(frame[column].tolist()) if not _same_cell(rows[i][column], theirs)]
    assert different == []


def test_a_cell_pandas_reads_as_missing_or_as_text_is_read_so(monkeypatch):
    """The typing rule on cells the bundled table does not hold: pandas' missing markers, numbers that are
    not plain decimals (``1_000``, ``inf``) making the column text, and a column of missing cells only."""
    from io import StringIO

    text = "name,a,b,c,d\nx,1.5,NA,1_000,\ny,N/A,2e3,7,\nz,-.25,3,inf,\n"
    header, *cells = [line.split(",") for line in text.splitlines()]
    monkeypatch.setattr(sys.modules["scalinglab.datasets"], "read_bundled_cells", lambda name: (header, cells))
    frame = pd.read_csv(StringIO(text))
    rows = hardware.epoch_rows()
    assert all(_same_cell(rows[i][column], theirs) for column in frame.columns
               for i, theirs in enumerate(frame[column].tolist()))
    assert [row["c"] for row in rows] == ["1_000", "7", "inf"] and math.isnan(rows[0]["d"])


#: An installed copy's environment: Python writes and reads bytecode caches (and the registries kept as JSON).
_CACHES = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def _modules_after(argv: list[str], packages=("pydantic", "yaml", "pandas", "statistics")) -> str:
    """The modules of ``packages`` and ``scalinglab.cli`` (but the shared ``cli.declared``, which builds declared
    options) that the second of two runs of ``argv`` imports (the first writes the bytecode caches and the registries kept as JSON, as on a user's first run)."""
    code = ("import sys\nfrom scalinglab.cli.app import main\n"
            f"main({argv!r})\n"
            f"sys.stderr.write(repr(sorted(m for m in sys.modules if m.split('.')[0] in {tuple(packages)!r}"
            " or (m.startswith('scalinglab.cli.') and m != 'scalinglab.cli.declared'))))")
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                              env=_CACHES)
        assert proc.returncode == 0, proc.stderr
    return proc.stderr[proc.stderr.rindex("["):]


@pytest.mark.parametrize("argv", [["plan", "--compute", "1e24", "--json"],
                                  ["fit", "chinchilla-runs", "--drop-highest-loss", "5", "--json"],
                                  ["cost", "--compute", "3.8e25", "--gpu", "h100", "--gpus", "16384", "--json"],
                                  ["budget", "--dollars", "1e9", "--gpu", "h100", "--json"],
                                  ["hardware", "list", "--json"],
                                  ["memory", "--config", "llama3-70b", "--gpu", "h100", "--gpus", "64", "--json"],
                                  ["flops", "--config", "llama3-70b", "--tokens", "15T", "--json"]])
def test_plain_commands_import_neither_pydantic_nor_yaml_nor_pandas_nor_other_commands(argv):
    """Importing pydantic and building Typer's pydantic converters was about a third of ``plan``'s run;
    importing PyYAML about 0.01 s; importing pandas for the hardware table about 0.3 s of ``cost``,
    ``hardware`` and ``memory``; ``statistics`` (with decimal, fractions and random) a few ms, for a normal
    quantile other than the 90% interval's. The second run of a command reads the registries kept as JSON."""
    own = f"scalinglab.cli.{cli_app.MODULE_OF[argv[0]]}"
    expected = sorted(["scalinglab.cli._coerce", "scalinglab.cli._common", "scalinglab.cli.app", own])
    assert _modules_after(argv) == repr(expected)


@pytest.mark.parametrize("argv", [["forecast", "--scenario", "scaling-picture", "--samples", "200", "--json"],
                                  ["scenarios", "list", "--json"]])
def test_a_forecast_imports_neither_pandas_nor_yaml(argv):
    """``forecast`` needs pydantic (the scenario schema), not pandas (about 0.25 s with pyarrow): only a table
    (``to_frame()``) or a trend fit imports it; nor PyYAML once the presets are kept as JSON (about 0.015 s
    for one preset, 0.04 s for all six)."""
    assert _modules_after(argv, packages=("pandas", "pyarrow", "yaml")) == repr(
        ["scalinglab.cli._coerce", "scalinglab.cli._common", "scalinglab.cli.app", "scalinglab.cli.forecast"])


@pytest.mark.parametrize("name", scenarios._names())
def test_a_preset_kept_as_json_is_what_the_strict_loader_reads(name, writes_caches):
    """A preset read through ``read_bundled_yaml`` is the mapping the strict loader of a user's scenario file
    gives (no repeated key, same order and types), and the same validated scenario."""
    path = scenarios.preset_path(name)
    strict = _io.load_yaml(path.read_text(encoding="utf-8"), origin=str(path))
    kept = _io.read_bundled_yaml(path)
    assert kept == strict and json.dumps(kept) == json.dumps(strict)
    assert scenarios.get_scenario.__wrapped__(name) == load_scenario_file(path)


def test_tabled_t_quantiles_are_scipys_bit_for_bit():
    """The cluster-size calibration's 95% interval uses ``scipy.stats.t.ppf(0.975, dof)``, tabled up to 30
    degrees of freedom (the bundled calibration has 2) so that the cluster model imports no ``scipy.stats``."""
    from scipy import stats

    from scalinglab.compute.cluster import _T975, _t975

    assert len(_T975) == 30
    for dof in range(1, 41):
        assert _t975(dof) == float(stats.t.ppf(0.975, dof)), dof
    assert _t975(2) == 4.302652729749462  # Student's t table, 2 degrees of freedom, two-sided 95%: 4.303


@pytest.mark.parametrize("argv", [["hardware", "cluster", "--json"],
                                  ["cost", "--params", "70B", "--tokens", "1.4T", "--gpu", "a100", "--gpus", "1024",
                                   "--cluster-model", "--json"]])
def test_the_cluster_model_imports_no_scipy(argv):
    """Importing ``scipy.stats`` for one t quantile was about 0.5 s of ``hardware cluster`` and
    ``cost --cluster-model``."""
    assert _modules_after(argv, packages=("scipy", "pandas", "yaml", "pydantic")) == repr(sorted(
        ["scalinglab.cli._coerce", "scalinglab.cli._common", "scalinglab.cli.app", f"scalinglab.cli.{argv[0]}"]))


@pytest.mark.parametrize("argv", [["hardware", "list", "--json"], ["hardware", "show", "h100", "--json"]])
def test_the_accelerator_catalogue_imports_no_numpy(argv):
    """The catalogue is text, floats and sources: ``scalinglab.compute`` imports its modules on first use, so
    ``hardware list`` and ``show`` import no numpy (about 0.04 s), and with it not the FLOP, cost and budget
    models."""
    assert _modules_after(argv, packages=("numpy", "pandas", "yaml")) == repr(
        ["scalinglab.cli._coerce", "scalinglab.cli._common", "scalinglab.cli.app", "scalinglab.cli.hardware"])


def test_the_command_listing_imports_no_numpy():
    """``scalinglab --help`` builds every command's declared options: the declarations (``sweep.options``,
    ``laws.options``, ...) and the packages above them import no numpy, pandas, PyYAML or pydantic (importing
    numpy alone took 0.1 s here, longer than the whole 0.09 s listing)."""
    code = ("import sys\nfrom scalinglab.cli.app import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write(repr(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('numpy', 'pandas', 'yaml', 'pydantic'))))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=_CACHES)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.endswith("[]"), proc.stderr[-500:]
