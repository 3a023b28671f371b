"""sweep, bench, laws, datasets, hardware, scenarios, serve and demo take their parameters from one declaration
each: the command-line flags and the Python signature are the declared ones, and a bad value is named as each
caller spells it (``--flag`` on the command line, ``name=`` in Python, ``name`` on the web)."""

from __future__ import annotations

import inspect

import pytest
import typer

import scalinglab as sl
from cli_options import invoke
from scalinglab.cli import app as cli_app
from scalinglab.web.settings import SERVE
from scalinglab.compute.options import ACCELERATOR
from scalinglab.datasets.options import DATASET, SHOW
from scalinglab.errors import InputError
from scalinglab.fit.bench_options import BENCH
from scalinglab.forecast.options import SHOW_SCENARIO
from scalinglab.laws.options import LAW
from scalinglab.options import speaking
from scalinglab.report.demo import DEMO
from scalinglab.sweep.options import EXPORT, GIVEN, PLAN, PLANNING, PRESETS, RUN, RUN_FLAGS, STATUS


def cli_error(*args: str) -> str:
    """The one line ``scalinglab ARGS`` prints for a user error (exit 2)."""
    code, out, err, _ = invoke(list(args))
    lines = err.strip().splitlines()
    assert code == 2 and out == "" and len(lines) == 1 and lines[0].startswith("error: "), (code, err)
    return lines[0]


def python_error(call, voice: str = "python") -> str:
    with speaking(voice), pytest.raises(InputError) as error:
        call()
    return str(error.value)


def _command(path: list[str]):
    command = typer.main.get_command(cli_app.tree_for(path))
    for name in path:
        command = command.commands[name]
    return command


@pytest.mark.parametrize("path, flags, function, python", [
    (["sweep", "plan"], PLAN, sl.sweep.plan, PLAN),
    (["sweep", "run"], RUN_FLAGS, sl.sweep.run, RUN),
    (["sweep", "status"], STATUS, sl.sweep.status, STATUS),
    (["sweep", "export"], EXPORT, sl.sweep.export, EXPORT),
    (["bench"], BENCH.without("on_task"), sl.bench, BENCH),
    (["laws", "show"], LAW, sl.laws.get, LAW),
    (["datasets", "show"], SHOW, sl.datasets.get, DATASET),
    (["hardware", "show"], ACCELERATOR, None, None),
    (["scenarios", "show"], SHOW_SCENARIO, None, None),
    (["serve"], SERVE, None, None),
    (["demo"], DEMO, None, None),
])
def test_the_cli_and_python_take_exactly_the_declared_parameters(path, flags, function, python):
    command = _command(path)
    shown = {p.name: p.opts[0] for p in command.params if p.param_type_name == "option" and not p.hidden}
    assert {name: flag for name, flag in shown.items() if name != "as_json"} == \
        {o.name: o.cli_flag.split("/")[0] for o in flags.items if not o.argument}
    assert [p.name for p in command.params if p.param_type_name == "argument"] == \
        [o.name for o in flags.items if o.argument]
    if function is None:  # a command without a Python face
        return
    assert list(inspect.signature(function).parameters) == list(python)
    for option in python.items:  # the docstring's Parameters section is the declaration's
        assert f"    {option.name} : " in function.__doc__


def _three(flag: str, name: str, rest: str) -> tuple[str, str, str]:
    """A message's words as the command line, Python and the web spell the parameter."""
    return flag + rest, f"{name}=" + rest, name + rest


@pytest.mark.parametrize("cli_args, call, words", [
    (["sweep", "plan", "--preset", "tiny", "--threads", "5000"], lambda: sl.sweep.plan(preset="tiny", threads=5000),
     _three("--threads", "threads", " must be in [1, 1,024], got 5,000")),
    (["sweep", "plan", "--preset", "tiny", "--max-epochs", "0"], lambda: sl.sweep.plan(preset="tiny", max_epochs=0),
     _three("--max-epochs", "max_epochs", " must be greater than 0, got 0")),
    (["sweep", "plan", "--preset", "tiny", "--budget", "1e10"], lambda: sl.sweep.plan(preset="tiny", budget=1e10),
     ("--budget needs --suggest", "budget= needs suggest=", "budget needs suggest")),
    (["sweep", "run", "--preset", "tiny", "--retries", "3"], lambda: sl.sweep.run(preset="tiny", retries=3),
     ("--retries needs --executor ray", "retries= needs executor=ray", "retries needs executor=ray")),
    (["sweep", "export", "--db", "x.sqlite", "--out", "x.csv"], lambda: sl.sweep.export("x.sqlite", out="x.csv"),
     ("give --name (the sweep to export)", "give name= (the sweep to export)", "give name (the sweep to export)")),
    (["bench", "--tables", "/no/such/folder"], lambda: sl.bench(tables="/no/such/folder"),
     ("--tables '/no/such/folder': no such folder", "tables='/no/such/folder': no such folder",
      "tables='/no/such/folder': no such folder")),
    (["serve", "--port", "70000"], lambda: SERVE.check({"port": 70000}),
     _three("--port", "port", " must be in [0, 65,535], got 70,000")),
    (["datasets", "show", "chinchilla-runs", "--head", "-1"], lambda: SHOW.check({"name": "x", "head": -1}),
     _three("--head", "head", " must be at least 0, got -1")),
])
def test_a_bad_value_is_named_as_each_caller_spells_it(cli_args, call, words):
    cli_words, python_words, web_words = words
    assert cli_words in cli_error(*cli_args)
    assert python_words in python_error(call)
    assert web_words in python_error(call, "web")


@pytest.mark.parametrize("preset", list(PRESETS))
def test_a_preset_sets_only_declared_options_to_values_they_accept(preset):
    assert set(PRESETS[preset]) <= set(PLANNING)
    assert PLANNING.check(PRESETS[preset]) == {**PLANNING.defaults(), **PRESETS[preset]}


def test_a_value_given_overrides_the_preset_even_when_it_is_the_declared_default(tmp_path):
    """The tiny preset's context is 64 tokens; ``n_ctx=128`` (the declared default) given by the caller wins."""
    pytest.importorskip("torch")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(f'{{"text": "line {i}: the quick brown fox jumps over the lazy dog"}}\n'
                              for i in range(2000)))
    common = {"preset": "tiny", "estimate": False, "cache_dir": str(tmp_path), "corpus": str(corpus),
              "max_epochs": 1000}
    assert sl.sweep.plan(**common).plan.n_ctx == 64
    assert sl.sweep.plan(**common, n_ctx=128).plan.n_ctx == 128
    assert GIVEN["n_ctx"].default is None and PLANNING["n_ctx"].default == 128
