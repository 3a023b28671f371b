"""Milestones asked as questions (--milestone "spending >= 10B"): any series, any threshold, one-line errors."""

import numpy as np
import pytest
from conftest import assert_user_error
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglab.forecast import get_scenario, run_forecast
from scalinglab.forecast.milestones import crossing_years
from scalinglab.forecast.questions import MilestoneError, parse_milestone


def test_a_question_is_answered_like_a_preset_milestone():
    r = run_forecast(get_scenario("exponential-view"), samples=500, milestones=["spending >= 10B", "spending >= 30B"])
    # the same label as the preset's own "$10B" milestone: asked twice, answered once
    assert [m for m in r.milestones if m.startswith("spending >= $")] == ["spending >= $1B", "spending >= $10B",
                                                                         "spending >= $100B", "spending >= $30B"]
    expected = crossing_years(r.levels["spending"], np.log10(3e10), r.years)
    assert np.array_equal(r.milestones["spending >= $30B"], expected)
    assert np.all(r.milestones["spending >= $30B"] >= r.milestones["spending >= $10B"])


def test_falling_series_are_asked_with_less_than():
    r = run_forecast(get_scenario("exponential-view"), samples=300, milestones=["loss <= 1.76", "loss < 1.5"])
    loss = 10.0 ** r.levels["loss"]
    years = r.milestones["loss <= 1.76 nats/token"]
    reached = np.isfinite(years)
    assert reached.any()
    assert np.all(loss.min(axis=0)[reached] <= 1.76 + 1e-12) and np.all(loss.min(axis=0)[~reached] > 1.76)
    # hoffmann2022's irreducible loss is 1.69: 1.5 is never reached
    assert np.all(np.isinf(r.milestones["loss < 1.5 nats/token"]))


@pytest.mark.parametrize("text, fragment", [
    ("spendin >= 10B", "did you mean 'spending'"),
    ("spending => 10B", "write SERIES OP VALUE"),
    ("compute >= lots", "compute >= lots"),
    ("compute >= 0", "positive"),
])
def test_bad_questions_name_the_problem(text, fragment):
    with pytest.raises(MilestoneError, match=fragment):
        parse_milestone(text)


def test_a_series_the_scenario_lacks_is_named_with_those_it_has():
    with pytest.raises(MilestoneError, match="exponential-view has no series 'gpus' .*it has: spending"):
        run_forecast(get_scenario("exponential-view"), samples=10, milestones=["gpus >= 1e6"])


def test_cli_milestone_is_repeatable_and_in_the_json(cli):
    r = cli("forecast", "--scenario", "epoch-trends", "--samples", "400", "--json",
            "--milestone", "spending >= $10B", "--milestone", "dataset >= 1e15", "--milestone", "useful_compute >= 1e28")
    assert r.code == 0, r.stderr
    milestones = r.json()["milestones"]
    assert {"spending >= $10B", "dataset >= 1P tokens", "useful_compute >= 1e28 FLOP"} <= set(milestones)
    assert r.json()["binds"]["spending cap"]["ceiling"] == "none"


def test_cli_unknown_series_is_one_line_exit_2(cli):
    r = cli("forecast", "--scenario", "exponential-view", "--milestone", "spendng >= 10B")
    assert_user_error(r, "--milestone 'spendng >= 10B'", "unknown series 'spendng'", "did you mean 'spending'")
    r = cli("forecast", "--scenario", "gpu-supply", "--milestone", "loss <= 2", "--samples", "10")
    assert_user_error(r, "--milestone 'loss <= 2 nats/token'", "gpu-supply has no series 'loss'")
    r = cli("forecast", "--scenario", "exponential-view", "--law", "kaplan2020-allocation")
    assert_user_error(r, "--law 'kaplan2020-allocation'", "Chinchilla form")


_VIEW = run_forecast(get_scenario("exponential-view"), samples=300, seed=5)


@settings(max_examples=40, deadline=None)
@given(series=st.sampled_from(["spending", "compute", "dataset", "n_params", "useful_compute"]),
       log_threshold=st.floats(8, 40), step=st.floats(0.01, 3))
def test_a_higher_bar_is_reached_no_earlier(series, log_threshold, step):
    low = parse_milestone(f"{series} >= {10 ** log_threshold:.6g}")
    high = parse_milestone(f"{series} >= {10 ** (log_threshold + step):.6g}")
    years_low, years_high = (q.years(_VIEW.levels, _VIEW.years) for q in (low, high))
    assert np.all(years_high >= years_low)
    # reached exactly where the path gets there by the last year
    top = _VIEW.levels[series].max(axis=0)
    assert np.array_equal(np.isfinite(years_low), top >= np.log10(low.threshold))


def test_a_path_past_the_largest_float_is_one_error_naming_the_year(cli):
    """epoch-trends' effective compute (compute 4-5x/yr times algorithms halving every 5-14 months) passes 1e308 in
    the 2200s: the forecast says so instead of printing inf or leaking an overflow warning."""
    r = cli("forecast", "--scenario", "epoch-trends", "--until", "2325", "--samples", "500")
    assert_user_error(r, "epoch-trends: effective_compute passes 1e308", "end the forecast earlier")
