"""Backtests: fit on small runs, predict large ones; leave one IsoFLOP budget out."""

from __future__ import annotations

import pytest

from scalinglab.errors import InputError
from scalinglab.fit import fit_law


def test_holdout_above_scores_the_larger_chinchilla_runs():
    result = fit_law("chinchilla", "chinchilla", drop_highest_loss=5, holdout_above=1e21, bootstrap=100, seed=0)
    bt = result.backtest
    assert bt["train_runs"] + bt["test_runs"] == 240
    assert all(row["compute"] > 1e21 for row in bt["rows"])
    assert 0 < bt["mape"] < 3.0  # the law extrapolates the larger runs to within a few percent
    assert 0.5 <= bt["coverage"] <= 1.0
    recomputed = sum(abs(r["error_percent"]) for r in bt["rows"]) / len(bt["rows"])
    assert bt["mape"] == pytest.approx(recomputed)
    assert bt["coverage"] == pytest.approx(sum(r["inside"] for r in bt["rows"]) / len(bt["rows"]))


def test_leave_one_budget_out_has_a_fold_per_budget():
    result = fit_law("chinchilla", "chinchilla", drop_highest_loss=5, leave_one_budget_out=True, bootstrap=30)
    folds = result.backtest["folds"]
    assert 9 <= len(folds) <= 11
    assert all(fold["train_runs"] + fold["test_runs"] <= 240 for fold in folds)
    assert result.backtest["mape"] < 5.0


def test_backtest_split_errors_name_the_problem():
    with pytest.raises(InputError, match="no runs above --holdout-above"):
        fit_law("chinchilla", "chinchilla", holdout_above=1e30)
    with pytest.raises(InputError, match="leaves 1 run to fit 5 parameters"):
        fit_law("chinchilla", "chinchilla", holdout_above=1.5e18)
