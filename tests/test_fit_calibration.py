"""Prediction intervals for new runs beyond the fitted compute: calibrated on the fitting runs alone."""

from __future__ import annotations

import numpy as np
import pytest

from scalinglab.fit import fit_law, load_runs, make_model, make_objective
from scalinglab.fit.backtest import extrapolation_calibration, widen


def test_chinchilla_runs_above_1e21_are_covered_at_85_percent_when_fitted_below():
    # Hoffmann et al. 2022 Figure 4 runs (Besiroglu et al. 2024 extraction), 5 highest-loss dropped as in
    # Besiroglu et al. section 3: fit C <= 1e21 FLOP (the 9.8e20 budget whole, its three runs at 1.01e21
    # included), predict the 20 larger runs. The bootstrap interval alone covers well under 85% of them;
    # calibrated, at least 85%.
    result = fit_law("chinchilla-runs", "chinchilla", drop_highest_loss=5, holdout_above=1e21, bootstrap=200, seed=0)
    bt = result.backtest
    assert bt["test_runs"] == 20
    assert bt["coverage_bootstrap"] < 0.8
    assert bt["coverage"] >= 0.85
    assert bt["calibration"]["factor"] > 1.0 and bt["calibration"]["folds"] >= 3


def test_intervals_inside_the_fitted_range_stay_the_bootstrap_ones():
    result = fit_law("chinchilla-runs", "chinchilla", drop_highest_loss=5, holdout_above=1e21, bootstrap=100, seed=1)
    for row in result.backtest["rows"]:  # every test run lies beyond the fit, so every interval is widened
        lo, hi = row["prediction_interval"]
        blo, bhi = row["bootstrap_interval"]
        assert lo <= blo and hi >= bhi
    fit = fit_law("chinchilla-runs", "chinchilla", drop_highest_loss=5, bootstrap=100, seed=1,
                  points=[(1e9, 2e10), (70e9, 1.4e12)])
    inside, outside = fit.derived["points"]
    assert not inside["beyond_fitted_compute"] and inside["prediction_interval"] == inside["bootstrap_interval"]
    assert outside["beyond_fitted_compute"]
    assert outside["prediction_interval"][0] < outside["bootstrap_interval"][0]
    assert outside["prediction_interval"][1] > outside["bootstrap_interval"][1]


def test_calibration_needs_budgets_and_widening_is_symmetric_in_log_space():
    runs = load_runs("chinchilla-runs").take(np.arange(20))
    model, objective = make_model("chinchilla"), make_objective("huber")
    few = runs.take(runs.c < 2e19)
    assert extrapolation_calibration(model, objective, few, bootstrap=10) is None
    wide = widen([2.0], np.array([[1.9, 2.2]]), 2.0, [True])
    np.testing.assert_allclose(np.log(wide[0]) - np.log(2.0), 2 * (np.log([1.9, 2.2]) - np.log(2.0)))
    np.testing.assert_allclose(widen([2.0], np.array([[1.9, 2.2]]), 2.0, [False]), [[1.9, 2.2]])
    assert widen([2.0], np.array([[1.9, 2.2]]), 0.5, [True])[0] == pytest.approx([1.9, 2.2])  # never narrower


# The method's invariants (backtest module doc): split-conformal order statistic, studentised scores over a
# difficulty that never falls with distance, intervals never narrower than the bootstrap's.

from hypothesis import given, settings, strategies as st  # noqa: E402

from scalinglab.fit.backtest import (calibrated_interval, conformal_quantile, difficulty_at, fit_difficulty,  # noqa: E402
                                     studentised)

scores_st = st.lists(st.floats(0, 1e3, allow_nan=False), min_size=1, max_size=200)


@given(scores=scores_st, level=st.floats(0.5, 0.99))
def test_the_conformal_quantile_is_a_score_with_at_least_its_rank_below_it(scores, level):
    s = np.array(scores)
    q = conformal_quantile(s, level)
    assert q in s
    rank = int(np.ceil((len(s) + 1) * level - 1e-9))
    assert np.sum(s <= q) >= min(rank, len(s))
    assert conformal_quantile(s, min(0.995, level + 0.004)) >= q  # never falls as the level rises


@given(scores=st.lists(st.floats(0, 100, allow_nan=False), min_size=3, max_size=60), data=st.data())
def test_the_difficulty_never_falls_with_distance_and_stays_positive(scores, data):
    n = len(scores)
    distance = np.array(data.draw(st.lists(st.floats(0, 3), min_size=n, max_size=n)))
    runs = np.array(data.draw(st.lists(st.integers(7, 500), min_size=n, max_size=n)), dtype=float)
    model = fit_difficulty(np.array(scores), distance, runs)
    assert model["distance"] >= 0 and model["floor"] > 0
    near, far = difficulty_at(model, [0.0, 5.0], [runs.max(), runs.max()])
    assert far >= near >= model["floor"]


def test_the_difficulty_recovers_a_linear_trend():
    distance, runs = np.tile([0.1, 0.5, 1.0, 2.0], 5), np.repeat([20.0, 40, 80, 160, 320], 4)
    model = fit_difficulty(1.0 + 2.0 * distance - 0.1 * np.log(runs), distance, runs)
    assert (model["intercept"], model["distance"], model["log_runs"]) == pytest.approx((1.0, 2.0, -0.1))


@given(point=st.floats(0.5, 10), lo=st.floats(0.01, 0.5), hi=st.floats(0.01, 0.5), sd=st.floats(0, 0.5),
       q=st.floats(0, 10), outside=st.booleans())
def test_a_calibrated_interval_never_narrows_the_bootstrap_one_and_is_symmetric_in_log_space(point, lo, hi, sd, q,
                                                                                              outside):
    boot = np.array([[point * np.exp(-lo), point * np.exp(hi)]])
    flat = {"quantile": q, "difficulty": {"intercept": 1.0, "distance": 0.0, "log_runs": 0.0, "floor": 1.0},
            "runs": 10, "compute_max": 1e20}
    got = calibrated_interval(flat, [point], boot, [sd], [outside], [1e21])[0]
    if not outside:
        np.testing.assert_array_equal(got, boot[0])
        return
    assert got[0] <= boot[0, 0] * (1 + 1e-12) and got[1] >= boot[0, 1] * (1 - 1e-12)
    assert np.log(point) - np.log(got[0]) == pytest.approx(max(lo, q * sd), rel=1e-9, abs=1e-12)
    assert np.log(got[1]) - np.log(point) == pytest.approx(max(hi, q * sd), rel=1e-9, abs=1e-12)


@given(observed=st.floats(0.5, 10), ratio=st.floats(0.5, 2), sd=st.floats(1e-3, 1), scale=st.floats(1e-3, 1e3))
def test_studentised_scores_ignore_the_loss_scale(observed, ratio, sd, scale):
    one = studentised([observed * ratio], [observed], np.array([sd]), True)
    assert studentised([scale * observed * ratio], [scale * observed], np.array([sd]), True) == pytest.approx(one)
    assert one[0] == pytest.approx(abs(np.log(ratio)) / sd)


def test_forward_chaining_on_the_chinchilla_runs_meets_the_coverage_target():
    # Issue 21 target: 95% intervals cover 90-98% in forward chaining, median half-width at most twice the 95th
    # percentile of the absolute errors. Hoffmann et al. 2022 Figure 4 runs (Besiroglu et al. 2024 extraction),
    # 5 highest-loss dropped as in Besiroglu et al. section 3; benchmarks/calibration_forward_chaining.py
    # measured 91.6% and 0.90 with 100 replicates.
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))
    from calibration_forward_chaining import measure

    m = measure("chinchilla-runs", {"drop_highest_loss": 5}, {}, bootstrap=100)
    assert m["predictions"] == 311 and m["splits"] == 5
    assert 0.90 <= m["coverage"] <= 0.98
    assert m["ratio"] <= 2.0
