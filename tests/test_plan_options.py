"""plan and predict take their options from one declaration (scalinglab.plan.options): the CLI flags, the
Python signature and the web request fields are the same parameters, and a bad value is named in each
caller's own words (``--tokens-per-param``, ``tokens_per_param=``, ``tokens_per_param``)."""

from __future__ import annotations

import inspect
import json

import pytest

import scalinglab as sl
from conftest import assert_user_error
from scalinglab.errors import InputError
from scalinglab.fit.predict_options import PREDICT
from scalinglab.plan.options import PLAN, PREDICT_POINT

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from scalinglab.web import create_app  # noqa: E402
from scalinglab.web.schemas import PlanRequest, PredictRequest  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), base_url="http://127.0.0.1") as test_client:
        yield test_client


def test_python_cli_and_web_take_the_declared_parameters():
    from scalinglab.cli.app import app
    from typer.main import get_command

    assert list(inspect.signature(sl.plan).parameters) == list(PLAN)
    assert list(inspect.signature(sl.predict).parameters) == list(PREDICT)
    assert list(PlanRequest.model_fields) == list(PLAN)
    assert list(PredictRequest.model_fields) == list(PREDICT_POINT)  # the web names no runs table on the server
    commands = get_command(app).commands
    for command, options in (("plan", PLAN), ("predict", PREDICT)):
        flags = {flag for param in commands[command].params for flag in param.opts}
        assert {option.cli_flag for option in options.items} <= flags
    assert "tokens_per_param : float, optional" in sl.plan.__doc__
    assert "--input" in {flag for param in commands["plan"].params for flag in param.opts}


# (CLI arguments, Python keyword arguments, web body, the message with {} where the parameter names stand)
CASES = [
    ("plan", ["--compute", "1e23", "--tokens-per-param", "0"], {"compute": 1e23, "tokens_per_param": 0},
     "{tokens_per_param} must be greater than 0, got 0"),
    ("plan", ["--compute", "1e23", "--target-loss", "2.0"], {"compute": 1e23, "target_loss": 2.0},
     "give {compute} or {target_loss}, not both"),
    ("plan", ["--epochs", "4"], {"epochs": 4}, "{epochs} needs {unique_tokens}"),
    ("plan", ["--compute", "1e23", "--tokens-per-param", "20", "--params", "7B"],
     {"compute": 1e23, "tokens_per_param": 20, "params": "7B"},
     "{tokens_per_param} with {compute} fixes both N and D; drop {params}"),
    ("predict", ["--law", "hoffmann2022", "--params", "70B"], {"law": "hoffmann2022", "params": "70B"},
     "law 'hoffmann2022' needs both {params} and {tokens}"),
    ("predict", ["--law", "hoffmann2022", "--params", "70B", "--tokens", "1.4T", "--input", "E=8"],
     {"law": "hoffmann2022", "params": "70B", "tokens": "1.4T", "inputs": ["E=8"]},
     "{inputs} fixes inputs of a formula law; the chinchilla law has none but N and D"),
]
_CLI = {"tokens_per_param": "--tokens-per-param", "target_loss": "--target-loss", "unique_tokens": "--unique-tokens",
        "inputs": "--input"}


def _words(message: str, voice) -> str:
    names = ("tokens_per_param", "compute", "target_loss", "epochs", "unique_tokens", "params", "tokens", "inputs")
    return message.format(**{name: voice(name) for name in names})


@pytest.mark.parametrize("command, argv, values, message", CASES)
def test_the_same_bad_value_is_named_three_ways(cli, client, command, argv, values, message):
    assert_user_error(cli(command, *argv), _words(message, lambda n: _CLI.get(n, "--" + n)))
    with pytest.raises(InputError) as python_error:
        getattr(sl, command)(**values)
    assert str(python_error.value) == _words(message, lambda n: f"{n}=")
    response = client.post(f"/api/v1/{command}", json=values)
    assert response.status_code == 422 and response.json()["error"] == _words(message, str)


def test_predict_reads_a_runs_table_in_python_as_on_the_command_line(cli):
    expected = cli("predict", "--law", "hoffmann2022", "--runs", "chinchilla-runs", "--where", "loss < 3", "--json")
    assert expected.code == 0, expected.stderr
    result = sl.predict("hoffmann2022", runs="chinchilla-runs", where="loss < 3")
    python, command_line = json.loads(result.to_json()), expected.json()
    assert python["notes"][0] == "where='loss < 3': 206 rows kept"  # the filter named as each caller wrote it
    assert command_line["notes"][0] == "--where 'loss < 3': 206 rows kept"
    assert python["notes"][1:] == command_line["notes"][1:]
    assert {**python, "notes": []} == {**command_line, "notes": []}
    assert result.to_frame().shape[0] == expected.json()["summary"]["runs"]
    with pytest.raises(InputError, match=r"^give runs= or params=, not both$"):
        sl.predict("hoffmann2022", runs="chinchilla-runs", params="7B")
    with pytest.raises(InputError, match=r"^level= needs runs=$"):
        sl.predict("hoffmann2022", params="7B", tokens="1T", level=0.8)


def test_a_name_two_commands_flag_differently_is_spelled_as_each_declares_it():
    from scalinglab.fit.options import FIT
    from scalinglab.options import speaking, spelled

    with speaking("cli"):
        assert spelled("params") == "--params"  # fit's --param and plan's --params: no one flag outside a command
        assert spelled("inputs") == "--input" and spelled("variables") == "--var"  # one flag wherever declared
        assert FIT["params"].spelled == "--param" and PLAN["params"].spelled == "--params"
        assert PREDICT["variables"].spelled == "--var"
