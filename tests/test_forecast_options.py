"""forecast, sensitivity, compare and trend take their parameters from one declaration (forecast/options.py):
the same names on the command line, in Python and on the web, and a bad value named in each caller's words."""

from __future__ import annotations

import inspect
import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st

import scalinglab as sl
from scalinglab.cli import app as cli_app
from scalinglab.errors import InputError
from scalinglab.forecast.options import COMPARE, FORECAST, SENSITIVITY, TREND
from scalinglab.forecast.questions import MilestoneError, parse_milestone
from scalinglab.options import speaking


def cli_error(*args: str) -> str:
    """The one line ``scalinglab ARGS`` prints for a user error (exit 2), without its 'error: ' prefix."""
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()), pytest.raises(SystemExit) as exit_info:
        cli_app.main(list(args))
    assert exit_info.value.code == 2
    line = err.getvalue().strip()
    assert line.startswith("error: ") and "\n" not in line, line
    return line[len("error: "):]


def cli_json(*args: str):
    out = io.StringIO()
    with redirect_stdout(out):
        cli_app.main([*args, "--json"])
    return json.loads(out.getvalue())


def python_error(call) -> str:
    with pytest.raises(InputError) as error:
        call()
    return str(error.value)


@pytest.mark.parametrize("command, declared, function, positional", [
    ("forecast", FORECAST, sl.forecast, ()),
    ("sensitivity", SENSITIVITY, sl.sensitivity, ()),
    ("compare", COMPARE, sl.compare, ("scenarios",)),
    ("trend", TREND, sl.trend, ("data",)),
])
def test_the_cli_and_python_take_exactly_the_declared_parameters(command, declared, function, positional):
    options = typer.main.get_command(cli_app.tree_for([command])).commands[command].params
    flags = {p.name: p.opts[0] for p in options if p.param_type_name == "option"}
    assert {flags[o.name] for o in declared.items if o.name not in positional} == \
        {o.cli_flag for o in declared.items if o.name not in positional}
    assert set(flags) - set(declared) == {"plot", "as_json"}  # the command's own: its file output and --json
    assert [p for p in inspect.signature(function).parameters] == list(declared)
    for option in declared.items:  # the docstring's Parameters section is the declaration's
        assert f"    {option.name} : " in function.__doc__ and option.help in function.__doc__


def test_the_web_body_is_the_declaration_plus_the_yaml_text():
    pytest.importorskip("fastapi")
    from scalinglab.web.schemas import ForecastRequest

    assert set(ForecastRequest.model_fields) == {*FORECAST, "yaml"}


@pytest.mark.parametrize("cli_args, call, python_words, cli_words", [
    (["forecast", "--scenario", "exponential-view", "--milestone", "spendng >= 10B"],
     lambda: sl.forecast("exponential-view", milestones=["spendng >= 10B"]),
     "milestones= 'spendng >= 10B': unknown series", "--milestone 'spendng >= 10B': unknown series"),
    (["forecast", "--scenario", "gpu-supply", "--law", "kaplan2020-allocation"],
     lambda: sl.forecast("gpu-supply", law="kaplan2020-allocation"),
     "law= 'kaplan2020-allocation' (allocation) has no loss", "--law 'kaplan2020-allocation' (allocation) has no loss"),
    (["forecast"], lambda: sl.forecast(), "forecast needs scenario=", "forecast needs --scenario"),
    (["sensitivity", "--scenario", "gpu-supply", "--milestone", "compute >= 1e27", "--samples", "100"],
     lambda: sl.sensitivity("gpu-supply", "compute >= 1e27", samples=100),
     "samples= must be in [500, 2,000,000], got 100", "--samples must be in [500, 2,000,000], got 100"),
    (["sensitivity", "--scenario", "gpu-supply", "--milestone", "loss <= 2", "--samples", "500"],
     lambda: sl.sensitivity("gpu-supply", "loss <= 2", samples=500),
     "milestone= 'loss <= 2 nats/token': gpu-supply has no series", "--milestone 'loss <= 2 nats/token': gpu-supply"),
    (["compare", "epoch-trends", "gpu-supply", "--until", "2020"],
     lambda: sl.compare("epoch-trends", "gpu-supply", until=2020),
     "until= must be after the scenario's start year", "--until must be after the scenario's start year"),
    (["trend", "notable-models", "--y", "Training compute (FLOP)", "--since", "last spring"],
     lambda: sl.trend("notable-models", "Training compute (FLOP)", since="last spring"),
     "cannot read since= 'last spring'", "cannot read --since 'last spring'"),
    (["trend", "notable-models", "--y", "Training compute (FLOP)", "--top-n", "0"],
     lambda: sl.trend("notable-models", "Training compute (FLOP)", top_n=0),
     "top_n= must be at least 1, got 0", "--top-n must be at least 1, got 0"),
])
def test_a_bad_value_is_named_as_each_caller_spells_it(cli_args, call, python_words, cli_words):
    assert python_words in python_error(call)
    assert cli_words in cli_error(*cli_args)


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from scalinglab.web import create_app

    with TestClient(create_app(), base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.mark.parametrize("body, words", [
    ({"scenario": "exponential-view", "milestones": ["spendng >= 10B"]},
     "milestones 'spendng >= 10B': unknown series"),
    ({"scenario": "gpu-supply", "law": "kaplan2020-allocation"}, "law 'kaplan2020-allocation' (allocation) has no loss"),
    ({"scenario": "epoch-trends", "samples": 0}, "samples must be in [1, 2,000,000], got 0"),
    ({"scenario": "epoch-trends", "until": 2020}, "until must be after the scenario's start year 2025"),
])
def test_the_web_names_the_field(client, body, words):
    response = client.post("/api/v1/forecast", json=body)
    assert response.status_code == 422 and words in response.json()["error"], response.text


def test_milestone_questions_reach_the_web_as_they_reach_the_cli(client):
    """A declared option is on every face: ``milestones`` came to /api/v1/forecast with its declaration."""
    questions = ["spending >= $10B", "dataset >= 1e15"]
    expected = cli_json("forecast", "--scenario", "epoch-trends", "--samples", "400", "--until", "2032",
                        "--milestone", questions[0], "--milestone", questions[1])
    body = {"scenario": "epoch-trends", "samples": 400, "until": 2032, "milestones": questions}
    response = client.post("/api/v1/forecast", json=body)
    assert response.status_code == 200, response.text
    assert response.json() == expected
    assert {"spending >= $10B", "dataset >= 1P tokens"} <= set(expected["milestones"])


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40), parameter=st.sampled_from(["milestones", "milestone"]))
def test_every_refused_question_names_its_parameter_in_each_voice(text, parameter):
    """Whatever the text, a question that cannot be read is refused naming the parameter that asked it: the
    forecast's ``milestones`` or the sensitivity's ``milestone``, spelled as the caller writes it."""
    spellings = {"python": f"{parameter}= ", "cli": "--milestone ", "web": f"{parameter} "}
    for voice, start in spellings.items():
        with speaking(voice):
            try:
                parse_milestone(text, parameter)
            except MilestoneError as error:
                assert str(error).startswith(start + repr(text)) and "\n" not in str(error)
