"""Downstream accuracy: raw accuracies (zeros and ones) against compute, parameters or loss; floor and ceiling."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalinglab.cli.app import main
from scalinglab.errors import InputError
from scalinglab.fit.accuracy import fit_accuracy
from scalinglab.laws import SigmoidAccuracy

TRUE = SigmoidAccuracy(0.25, 0.9, 21.0, 2.0)  # 4-way multiple choice: chance 0.25


def _runs(seed: int = 0, zeros: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    c = np.logspace(18, 23.5, 45)
    acc = np.clip(TRUE(c) + rng.normal(0, 0.01, c.size), 0, 1)
    acc[:zeros] = 0.0
    acc[-1] = 1.0 if zeros else acc[-1]
    loss = 1.8 + 40 * c ** -0.07
    return pd.DataFrame({"flops": c, "params": np.sqrt(c / 120), "loss": loss, "accuracy": acc})


def test_floor_fixed_at_chance_recovers_the_curve():
    result = fit_accuracy(_runs(), floor=0.25, columns={"accuracy_col": "accuracy", "c_col": "flops"})
    assert result.params["floor"] == 0.25 and result.fixed["floor"] == 0.25
    assert result.params["ceiling"] == pytest.approx(0.9, abs=0.01)
    assert result.params["midpoint"] == pytest.approx(21.0, abs=0.05)
    assert result.params["slope"] == pytest.approx(2.0, rel=0.1)


def test_zeros_and_ones_are_accuracies_and_the_objective_says_so():
    result = fit_accuracy(_runs(zeros=4), columns={"accuracy_col": "accuracy", "c_col": "flops"}, floor=0.25,
                          ceiling=1.0)
    data = result.to_dict()
    assert data["n_runs"] == 45 and data["response"] == "accuracy"
    assert data["objective_spec"]["description"] == "least squares on accuracy (not log)"
    assert data["data"]["accuracy_column"] == "accuracy"


def test_floor_and_ceiling_fitted_against_params_and_against_loss():
    fitted = fit_accuracy(_runs(1), x="n", columns={"accuracy_col": "accuracy", "n_col": "params"})
    assert fitted.params["floor"] == pytest.approx(0.25, abs=0.03)
    assert fitted.params["ceiling"] == pytest.approx(0.9, abs=0.03)
    against_loss = fit_accuracy(_runs(1), x="loss", floor=0.25,
                                columns={"accuracy_col": "accuracy", "loss_col": "loss", "c_col": "flops"})
    assert against_loss.law.against == "loss"
    frame = _runs(1)
    predicted = against_loss.law(frame["loss"].to_numpy())
    assert np.abs(predicted - frame["accuracy"]).mean() < 0.02


@pytest.mark.parametrize("floor, ceiling", [(0.25, 0.9), (None, None)])
def test_prediction_intervals_stay_inside_floor_and_ceiling(floor, ceiling):
    result = fit_accuracy(_runs(2, zeros=3), floor=floor, ceiling=ceiling, bootstrap=60, at=[1e17, 1e21, 1e26],
                          columns={"accuracy_col": "accuracy", "c_col": "flops"})
    lo_floor = floor if floor is not None else result.intervals["floor"][0]
    hi_ceiling = ceiling if ceiling is not None else result.intervals["ceiling"][1]
    for row in result.predictions:
        for key in ("mean_interval", "prediction_interval"):
            low, high = row[key]
            assert lo_floor - 1e-9 <= low <= high <= hi_ceiling + 1e-9, (row, key)
            assert 0.0 <= low and high <= 1.0


def test_cli_accuracy_family_and_bad_input_is_one_line(tmp_path, capsys):
    path = tmp_path / "acc.csv"
    _runs(zeros=2).to_csv(path, index=False)
    main(["fit", str(path), "--law", "accuracy", "--accuracy-col", "accuracy", "--c-col", "flops", "--floor", "0.25",
          "--ceiling", "fit", "--at", "1e24", "--bootstrap", "30", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["family"] == "accuracy" and "accuracy" in data["predictions"][0] and "loss" not in data["predictions"][0]
    bad = tmp_path / "bad.csv"
    _runs().assign(accuracy=lambda f: f.accuracy * 100).to_csv(bad, index=False)  # percentages, not accuracies
    for argv, message in [
        ([str(bad), "--accuracy-col", "accuracy"], "values outside [0, 1] (not an accuracy)"),
        ([str(path), "--accuracy-col", "accuracy", "--floor", "0.9", "--ceiling", "0.5"], "--floor 0.9 must lie below --ceiling 0.5"),
        ([str(path), "--accuracy-col", "accuracy", "--floor", "1.5"], "--floor must lie in [0, 1]"),
        ([str(path), "--accuracy-col", "accuracy", "--x", "loss", "--loss-col", "accuracy"], "needs a loss column (--loss-col)"),
    ]:
        with pytest.raises(SystemExit) as info:
            main(["fit", "--law", "accuracy", "--c-col", "flops", *argv])
        err = capsys.readouterr().err
        assert info.value.code == 2 and message in err and err.count("\n") == 1, err


def test_too_few_runs_for_the_free_parameters():
    with pytest.raises(InputError, match="4 runs for the 4 free parameters"):
        fit_accuracy(_runs().head(4), columns={"accuracy_col": "accuracy", "c_col": "flops"})


def test_a_backtest_fit_that_sees_only_the_rise_says_its_ceiling_is_loose():
    result = fit_accuracy(_runs(), columns={"accuracy_col": "accuracy", "c_col": "flops"}, holdout_above=1e20,
                          bootstrap=30)
    loose = [w for w in result.warnings if w.startswith("backtest fit on C <= 1e+20: ceiling is not identified")]
    assert len(loose) == 1 and loose[0] in result.backtest["warnings"]
