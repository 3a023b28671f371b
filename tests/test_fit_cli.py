"""The ``fit`` and ``isoflop`` commands as a user runs them: JSON contract, saved fits, charts, bad input."""

from __future__ import annotations

import json

import pytest
from conftest import assert_user_error

from scalinglab.laws import resolve_law

PUBLISHED = {"E": 1.8172, "A": 477.84, "B": 2143.86, "alpha": 0.3473, "beta": 0.3672}  # Besiroglu et al. 2024, Section 3


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    from conftest import _run

    out = tmp_path_factory.mktemp("fit")
    result = _run("fit", "chinchilla", "--law", "chinchilla", "--drop-highest-loss", "5", "--bootstrap", "60",
                  "--seed", "1", "--holdout-above", "1e21", "--save", out / "fit.json", "--plot", out / "fit.svg",
                  "--at", "70B:1.4T", "--json")
    return result, out


def test_fit_json_contract(fitted):
    result, _ = fitted
    assert result.code == 0, result.stderr
    data = result.json()
    assert set(data["params"]) == {"E", "A", "B", "alpha", "beta"}
    for name, value in PUBLISHED.items():
        assert data["params"][name] == pytest.approx(value, rel=0.01)
    assert data["objective"] <= 1.0184e-3
    assert set(data["stderr"]) == set(data["params"])
    assert data["backtest"]["mape"] > 0
    assert data["law"] == {"family": "chinchilla", "params": data["params"]}
    assert data["derived"]["points"][0]["prediction_interval"]


def test_saved_fit_is_a_law_for_plan_and_predict(fitted, cli):
    _, out = fitted
    saved = json.loads((out / "fit.json").read_text())
    name, law = resolve_law(str(out / "fit.json"))
    assert law.params() == pytest.approx(saved["params"])
    plan = cli("plan", "--law", out / "fit.json", "--compute", "5.76e23", "--json")
    assert plan.code == 0, plan.stderr
    assert 50e9 < plan.json()["n_opt"][0] < 100e9
    assert (out / "fit.svg").read_text().lstrip().startswith("<svg")


def test_hoffmann_estimator_option_and_report(cli):
    result = cli("fit", "chinchilla", "--law", "saturating-power", "--x", "c", "--estimator", "hoffmann")
    assert result.code == 0, result.stderr
    assert "saturating-power law fitted to 245 runs" in result.stdout


def test_isoflop_command_prints_the_exponent_and_its_interval(cli, tmp_path):
    result = cli("isoflop", "chinchilla", "--json", "--bootstrap", "100", "--plot", tmp_path / "iso.png")
    assert result.code == 0, result.stderr
    data = result.json()
    assert 0.45 < data["a"] < 0.53  # Hoffmann et al. 2022, Table 2, Approach 2: a = 0.49
    low, high = data["a_interval"]
    assert low < data["a"] < high
    assert (tmp_path / "iso.png").read_bytes()[:4] == b"\x89PNG"


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = "1e8,2e9,3.1\n2e8,4e9,2.9\n3e8,6e9,2.8\n4e8,8e9,2.7\n5e8,1e10,2.65\n6e8,1.2e10,2.6\n"


def test_nan_and_negative_losses_name_their_rows(cli, tmp_path):
    path = _write(tmp_path, "runs.csv", "n,d,loss\n1e8,2e9,3.1\n2e8,4e9,nan\n3e8,6e9,-2.5\n4e8,8e9,2.8\n")
    assert_user_error(cli("fit", path), "runs.csv", "column 'loss'", "NaN", "row 2", "non-positive", "row 3")


def test_missing_column_names_the_columns(cli, tmp_path):
    path = _write(tmp_path, "runs.csv", "n,tokens_x,loss\n" + GOOD)
    assert_user_error(cli("fit", path), "runs.csv", "D (tokens", "'tokens_x'")
    assert_user_error(cli("fit", path, "--d-col", "toks"), "runs.csv", "no column 'toks'")


def test_fewer_runs_than_parameters(cli, tmp_path):
    path = _write(tmp_path, "runs.csv", "n,d,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n")
    assert_user_error(cli("fit", path), "runs.csv", "2 runs for the 5 parameters", "E, A, B, alpha, beta")


def test_one_budget_only_for_approach_2(cli, tmp_path):
    path = _write(tmp_path, "runs.csv", "n,c,loss\n1e8,1e19,3.2\n2e8,1e19,3.0\n3e8,1.01e19,2.95\n"
                                        "4e8,1e19,2.97\n5e8,0.99e19,3.0\n6e8,1e19,3.05\n")
    assert_user_error(cli("isoflop", path), "runs.csv", "two or more compute budgets", "found 1", "6 runs")


def test_unknown_names_and_bad_options(cli):
    assert_user_error(cli("fit", "chinchilla", "--law", "chinchila"), "chinchilla")
    assert_user_error(cli("fit", "chinchilla", "--estimator", "exact"), "estimator", "hoffmann")
    assert_user_error(cli("fit", "no-such.csv"), "no-such.csv", "does not exist")
    assert_user_error(cli("fit", "chinchilla", "--at", "70B"), "--at", "N:D")
