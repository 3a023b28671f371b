"""Files read back are validated: a saved fit (pydantic schema, format version, the family's parameter
bounds) and a scenario YAML (strict UTF-8, no repeated keys, bounded nesting, null values). Each bad
file is one line naming the file and the field, never a traceback or a negative loss."""

from __future__ import annotations

import json

import pytest

from conftest import assert_user_error
from scalinglab.errors import InputError
from scalinglab.fit.result import FitResult
from scalinglab.laws import resolve_law
from scalinglab.laws.saved import FORMAT_VERSION

GOOD = {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}  # Hoffmann et al. 2022, eq. 10


def _saved(tmp_path, params=None, **top):
    path = tmp_path / "fit.json"
    data = {"law": {"family": "chinchilla", "params": GOOD if params is None else params}, "params": {}, **top}
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


@pytest.mark.parametrize(("field", "value", "fragment"), [
    ("E", -1.0, "law.params.E: must be positive, got -1.0"),
    ("A", 0.0, "law.params.A: must be positive, got 0.0"),
    ("alpha", -0.3, "law.params.alpha: must lie in [0, inf], got -0.3"),
    ("B", float("nan"), "law.params.B: must be a finite number, got nan"),
    ("beta", float("inf"), "law.params.beta: must be a finite number, got inf"),
    ("E", "1.69", "law.params.E: must be a number, got '1.69'"),
    ("E", None, "law.params.E: must be a number, got null"),
    ("E", True, "law.params.E: must be a number, got True"),
])
def test_bad_parameter_in_a_saved_fit_is_one_line_naming_it(tmp_path, field, value, fragment):
    path = _saved(tmp_path, {**GOOD, field: value})
    with pytest.raises(InputError) as caught:
        resolve_law(str(path))
    assert fragment in str(caught.value) and str(path) in str(caught.value)


def test_missing_parameter_and_unknown_family_are_errors(tmp_path):
    with pytest.raises(InputError, match="missing beta"):
        resolve_law(str(_saved(tmp_path, {k: v for k, v in GOOD.items() if k != "beta"})))
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"law": {"family": "nope", "params": GOOD}}))
    with pytest.raises(InputError, match="unknown law family 'nope'"):
        resolve_law(str(path))


@pytest.mark.parametrize("version", [0, 3, 999, "1", None, True])
def test_unknown_format_version_is_refused(tmp_path, version):
    path = _saved(tmp_path, format_version=version)
    with pytest.raises(InputError, match=f"format_version {version!r} is not one this scalinglab reads"):
        resolve_law(str(path))


def test_a_fit_saved_now_reads_back_with_its_version(cli, tmp_path):
    path = tmp_path / "fit.json"
    assert cli("fit", "chinchilla", "--save", str(path)).code == 0
    data = json.loads(path.read_text())
    assert data["format_version"] == FORMAT_VERSION and "seconds" not in data
    loaded = FitResult.load(path)
    name, law = resolve_law(str(path))
    assert law.to_dict() == loaded.law.to_dict() and name == "fit.json"
    assert "seconds" in cli("fit", "chinchilla", "--json", "--timings").json()


def test_negative_parameter_reaches_no_command(cli, tmp_path):
    path = _saved(tmp_path, {**GOOD, "E": -1.0})
    assert_user_error(cli("predict", "--law", str(path), "--params", "70B", "--tokens", "1.4T"),
                      "law.params.E", "positive")
    assert_user_error(cli("plan", "--law", str(path), "--compute", "1e23"), "law.params.E")


def test_saved_fit_that_is_not_json_or_not_utf8(tmp_path):
    path = tmp_path / "fit.json"
    path.write_text("{not json")
    with pytest.raises(InputError, match="is not valid JSON"):
        resolve_law(str(path))
    path.write_bytes(b'{"law": "caf\xe9"}')
    with pytest.raises(InputError, match="not UTF-8 text"):
        resolve_law(str(path))


@pytest.mark.parametrize(("text", "fragment"), [
    ("a: " + "[" * 3000 + "]" * 3000 + "\n", "nested 3000 levels deep"),
    ("name: a\nname: b\nstart_year: 2025\nuntil: 2030\n", "line 2: key 'name' appears twice (first on line 1)"),
    ("name: null\nstart_year: 2025\nuntil: 2030\n", "name"),
    ("- 1\n- 2\n", "must be a YAML mapping"),
])
def test_bad_scenario_yaml_is_one_line(cli, tmp_path, text, fragment):
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    assert_user_error(cli("scenarios", "show", str(path)), str(path), fragment)


def test_scenario_that_is_not_utf8_names_the_byte(cli, tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_bytes("name: caf\xe9\n".encode("latin-1"))
    assert_user_error(cli("forecast", "--scenario", str(path)), "not UTF-8", "0xe9", "line 1")
