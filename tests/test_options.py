"""One declaration per option: domains, requires/excludes, and messages in the caller's vocabulary.

The same bad value is named ``--bootstrap`` on the command line, ``bootstrap=`` in Python and ``bootstrap``
on the web, because each face sets its voice and the science spells names with ``spelled``.
"""

from __future__ import annotations

import io
import math
from contextlib import redirect_stderr, redirect_stdout

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scalinglab as sl
from scalinglab.cli.app import main
from scalinglab.compute.cost_options import BUDGET, COST
from scalinglab.errors import InputError
from scalinglab.fit.options import FIT, ISOFLOP
from scalinglab.options import Option, Options, speaking, spelled

DECLARED = {"cost": COST, "budget": BUDGET, "fit": FIT, "isoflop": ISOFLOP}


def cli_error(*args: str) -> str:
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()), pytest.raises(SystemExit) as stop:
        main(list(args))
    assert stop.value.code == 2
    line = err.getvalue().strip()
    assert line.startswith("error: ") and "\n" not in line
    return line[len("error: "):]


def test_spelled_in_each_voice():
    assert spelled("flops_method") == "flops_method="
    with speaking("cli"):
        assert spelled("flops_method") == "--flops-method"
        assert spelled("variables") == "--var"  # a declared flag that is not the name with dashes
    with speaking("web"):
        assert spelled("flops_method") == "flops_method"
    with pytest.raises(ValueError):
        with speaking("shell"):
            pass


def test_a_bad_value_is_named_three_ways():
    with pytest.raises(InputError, match=r"^bootstrap= must be in \[0, 100,000\], got -1$"):
        sl.fit("chinchilla-runs", bootstrap=-1)
    assert cli_error("fit", "chinchilla-runs", "--bootstrap", "-1") == "--bootstrap must be in [0, 100,000], got -1"
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from scalinglab.web import create_app

    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        fitted = client.post("/api/v1/fit", data={"dataset": "chinchilla-runs", "bootstrap": "-1"})
        answer = client.post("/api/v1/cost", json={"compute": 1e24, "gpu": "h100-sxm", "gpus": 8, "goodput": 2})
    assert fitted.status_code == 422 and fitted.json() == {"error": "bootstrap must be in [0, 100,000], got -1"}
    assert answer.status_code == 422 and answer.json() == {"error": "goodput must be in (0, 1], got 2"}
    with pytest.raises(InputError, match=r"^goodput= must be in \(0, 1\], got 2$"):
        sl.cost(1e24, gpu="h100-sxm", gpus=8, goodput=2)
    assert cli_error("cost", "--compute", "1e24", "--gpu", "h100-sxm", "--gpus", "8", "--goodput", "2") == \
        "--goodput must be in (0, 1], got 2"


def test_requires_and_excludes_come_from_the_declaration():
    with pytest.raises(InputError, match="^recompute= needs hfu=$"):
        sl.cost(1e24, gpu="h100-sxm", gpus=8, recompute="full")
    assert cli_error("cost", "--compute", "1e24", "--gpu", "h100", "--gpus", "8", "--hfu", "0.5", "--mfu", "0.4") == \
        "give --hfu or --mfu, not both"
    with pytest.raises(InputError, match="^variables= needs formula=$"):
        sl.fit("chinchilla-runs", variables=["N=params"])
    # a FLOP count method counts a shape's FLOP; with the FLOP or N given it would change nothing
    assert cli_error("cost", "--compute", "1e23", "--gpus", "1024", "--flops-method", "chinchilla") == \
        "--flops-method needs --config"
    with pytest.raises(InputError, match="^flops_method= needs config=$"):
        sl.cost(params="70B", tokens="1.4T", gpus=1024, flops_method="kaplan")


def test_every_declared_option_is_a_cli_option_and_a_python_parameter():
    import inspect

    from scalinglab.cli.app import _everything

    commands = {c.name: c for c in __import__("typer").main.get_command(_everything()).commands.values()}
    faces = {"cost": sl.cost, "budget": sl.budget, "fit": sl.fit, "isoflop": sl.isoflop}
    for name, options in DECLARED.items():
        flags = {opt for param in commands[name].params for opt in getattr(param, "opts", ())}
        python = set(inspect.signature(faces[name]).parameters)
        for option in options.items:
            assert option.name in python, (name, option.name)
            if option.name != "progress" and not option.argument:
                assert option.cli_flag in flags, (name, option.cli_flag)
        assert python == set(options), name


def test_unknown_python_parameter_is_a_type_error_as_for_any_function():
    with pytest.raises(TypeError):
        sl.cost(1e24, gpu="h100-sxm", gpus=8, goodputt=0.5)


def test_declarations_refuse_references_to_undeclared_options():
    with pytest.raises(ValueError, match="undeclared"):
        Options((Option("a", "A.", requires=("b",)),))
    with pytest.raises(ValueError, match="declared twice"):
        Options((Option("a", "A."), Option("a", "A again.")))


@settings(max_examples=200, deadline=None)
@given(low=st.floats(-1e6, 1e6), width=st.floats(0, 1e6), low_open=st.booleans(), high_open=st.booleans(),
       value=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**30, 10**30)))
def test_a_checked_number_lies_in_its_domain_or_is_refused(low, width, low_open, high_open, value):
    option = Option("x", "X.", kind="float", low=low, high=low + width, low_open=low_open, high_open=high_open)
    try:
        number = option.check(value)
    except InputError as error:
        assert str(error).startswith("x= must be") and "\n" not in str(error)
        return
    assert math.isfinite(number)
    assert (number > low if low_open else number >= low)
    assert (number < low + width if high_open else number <= low + width)


@settings(max_examples=100, deadline=None)
@given(value=st.one_of(st.text(max_size=20), st.integers(), st.floats(), st.booleans(), st.none()))
def test_a_choice_is_one_of_its_choices_or_refused(value):
    option = Option("basis", "B.", kind="choice", choices=("cloud", "owned"), default="cloud")
    try:
        checked = option.check(value)
    except InputError as error:
        assert str(error).startswith("basis=: unknown value")
        return
    assert checked in ("cloud", "owned", None)


# -- science messages in the caller's voice ------------------------------------------------------------
# The science modules spell every option they name with ``spelled``: one bad input, three wordings.

_REPEATED = {"n": [1e8, 1e8, 2e8, 4e8], "d": [2e9, 2e9, 4e9, 8e9], "loss": [3.0, 3.1, 2.8, 2.6]}


def _repeated_runs():
    import pandas as pd

    return pd.DataFrame(_REPEATED)


def _fit_runs_refuse_duplicates():
    from scalinglab.fit.runs import load_runs

    load_runs(_repeated_runs(), duplicates="error")


def _fit_runs_keep_duplicates():
    from scalinglab.fit.runs import load_runs

    raise InputError(load_runs(_repeated_runs()).notes[-1])  # a note, raised to be read like the errors


def _groups_without_columns():
    from scalinglab.fit.groups import split_groups

    split_groups(_repeated_runs(), " ")


def _formula_without_inputs():
    from scalinglab.laws.formula_law import formula_family

    formula_family("E + A / N^alpha")


def _a_point_without_tokens():
    from scalinglab.units import parse_pairs

    parse_pairs(["70B"])


def _a_filter_cut_short():
    from scalinglab.filters import parse_filter

    parse_filter("loss >")


def _slurm_option_without_submitit():
    from scalinglab.sweep.executors import check_options

    check_options("local", slurm={"partition": "gpu"})


@pytest.mark.parametrize("science, python, cli, web", [
    (_fit_runs_refuse_duplicates, "Choose duplicates=keep, mean or min", "Choose --duplicates keep, mean or min",
     "Choose duplicates=keep, mean or min"),
    (_fit_runs_keep_duplicates, "all kept (duplicates=mean averages them", "all kept (--duplicates mean averages them",
     "all kept (duplicates=mean averages them"),
    (_groups_without_columns, "group_by= needs one or more column names, e.g. group_by=dataset,model",
     "--group-by needs one or more column names, e.g. --group-by dataset,model",
     "group_by needs one or more column names, e.g. group_by=dataset,model"),
    (_formula_without_inputs, "bind the data with variables=NAME=COLUMN (e.g. variables=N=params)",
     "bind the data with --var NAME=COLUMN (e.g. --var N=params)",
     "bind the data with variables=NAME=COLUMN (e.g. variables=N=params)"),
    (_a_point_without_tokens, "at= expects N:D", "--at expects N:D", "at expects N:D"),
    (_a_filter_cut_short, "where='loss >': ends early", "--where 'loss >': ends early", "where='loss >': ends early"),
    (_slurm_option_without_submitit, "slurm['partition'] needs executor=submitit",
     "--slurm-partition needs --executor submitit", "slurm['partition'] needs executor=submitit"),
])
def test_science_messages_name_options_in_each_voice(science, python, cli, web):
    for voice, expected in (("python", python), ("cli", cli), ("web", web)):
        with speaking(voice), pytest.raises(InputError) as caught:
            science()
        assert expected in str(caught.value) and "\n" not in str(caught.value), (voice, str(caught.value))
    with pytest.raises(InputError) as caught:  # no voice set: a Python caller
        science()
    assert python in str(caught.value)


def test_spelled_with_a_value_in_each_voice():
    assert spelled("duplicates", value="mean") == "duplicates=mean"
    with speaking("cli"):
        assert spelled("duplicates", value="mean") == "--duplicates mean"
        assert spelled("variables", value="N=params") == "--var N=params"
    with speaking("web"):
        assert spelled("duplicates", value="mean") == "duplicates=mean"


def test_a_fit_of_repeated_runs_names_duplicates_as_its_caller_does(tmp_path):
    import pandas as pd

    path = tmp_path / "runs.csv"
    pd.DataFrame(_REPEATED).to_csv(path, index=False)
    with pytest.raises(InputError, match=r"Choose duplicates=keep, mean or min") as caught:
        sl.fit(str(path), duplicates="error")
    line = cli_error("fit", str(path), "--duplicates", "error")
    assert line == str(caught.value).replace("duplicates=keep", "--duplicates keep")
    with pytest.raises(InputError, match=r"^target_loss=1 is at or below the fitted law's irreducible loss"):
        sl.fit("chinchilla-runs", target_loss=1.0)
    assert cli_error("fit", "chinchilla-runs", "--target-loss", "1").startswith(
        "--target-loss 1 is at or below the fitted law's irreducible loss")
