"""Rank correlations between inputs in scenario files (Gaussian copula, Iman-Conover reordering)."""

import numpy as np
import pytest
import yaml
from conftest import assert_user_error
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from scalinglab.forecast import ScenarioError, load_scenario_file, parse_scenario, run_forecast
from scalinglab.forecast.copula import gaussian_copula_matrix, rank_correlate
from scalinglab.forecast.scenarios import example_path

SRC = {"citation": "test"}
SPEND, FPD, STOCK = "factors.spending.growth[0].rate", "factors.flop_per_dollar.growth[0].rate", "factors.data_stock.start"


def scenario_data(*correlations):
    return {"name": "correlated", "start_year": 2024, "until": 2040, "factors": {
        "spending": {"start": {"value": "$300M", "year": 2024, "source": SRC}, "growth": {"rate": "2 to 3x/yr", "source": SRC}},
        "flop_per_dollar": {"start": {"value": 3e17, "year": 2024, "source": SRC},
                            "growth": {"rate": "1.2 to 1.5x/yr", "source": SRC}},
        "dataset": {"rule": {"tokens_per_param": {"value": 20, "source": SRC}}},
        "data_stock": {"start": {"value": "1e14 to 1e15", "year": 2024, "source": SRC}}},
        "correlations": [{"between": list(pair), "rank": rank, "source": SRC} for pair, rank in correlations]}


@settings(max_examples=15, deadline=None)
@given(rank=st.floats(-0.95, 0.95))
def test_inputs_get_the_stated_rank_correlation_and_keep_their_marginals(rank):
    free = run_forecast(parse_scenario(scenario_data()), samples=5000, seed=4, keep_inputs=True)
    tied = run_forecast(parse_scenario(scenario_data(((SPEND, FPD), rank))), samples=5000, seed=4, keep_inputs=True)
    assert stats.spearmanr(tied.inputs[SPEND], tied.inputs[FPD]).statistic == pytest.approx(rank, abs=0.05)
    for name in (SPEND, FPD, STOCK):  # the same values, paired differently
        assert np.array_equal(np.sort(tied.inputs[name]), np.sort(free.inputs[name]))
    assert np.array_equal(tied.inputs[STOCK], free.inputs[STOCK])  # an input outside the correlations is untouched


def test_correlated_growth_widens_the_compute_spread():
    """log compute growth = log spending growth + log FLOP/$ growth: a positive correlation adds 2 rho s1 s2 to its
    variance, a negative one removes it."""
    spread = {}
    for rank in (-0.8, 0.0, 0.8):
        data = scenario_data(((SPEND, FPD), rank)) if rank else scenario_data()
        p = run_forecast(parse_scenario(data), samples=20000, seed=1).percentiles("compute")[-1]
        spread[rank] = np.log10(p[4] / p[0])
    assert spread[-0.8] < spread[0.0] < spread[0.8]


def test_three_correlations_that_cannot_hold_together_are_refused():
    data = scenario_data(((SPEND, FPD), 0.9), ((SPEND, STOCK), 0.9), ((FPD, STOCK), -0.9))
    with pytest.raises(ScenarioError, match="correlations: the rank correlations cannot hold together"):
        parse_scenario(data, "bad.yaml")


@pytest.mark.parametrize("pair, rank, fragment", [
    ((SPEND, "factors.spending.growth[0].rat"), 0.5, "correlations[0].between[1]: unknown input"),
    ((SPEND, "factors.spending.start"), 0.5, "is a single value"),
    ((SPEND, SPEND), 0.5, "cannot be correlated with itself"),
    ((SPEND, FPD), 1.5, "less than or equal to 1"),
])
def test_bad_correlations_name_the_field(pair, rank, fragment):
    with pytest.raises(ScenarioError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        parse_scenario(scenario_data((pair, rank)), "bad.yaml")


def test_rank_correlate_handles_a_semidefinite_matrix():
    """Two inputs perfectly rank-correlated: the matrix is singular but valid, and the ranks coincide."""
    rng = np.random.default_rng(0)
    a, b = rng.lognormal(size=1000), rng.uniform(size=1000)
    x, y = rank_correlate([a, b], gaussian_copula_matrix(["a", "b"], [("a", "b", 1.0)]), rng)
    assert np.array_equal(np.argsort(x), np.argsort(y))


def test_example_scenario_correlates_algorithms_with_spending():
    example = load_scenario_file(example_path())
    assert example.correlations and example.correlations[0].source.citation


def test_cli_bad_correlation_is_one_line_exit_2(cli, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(scenario_data(((SPEND, "factors.spendng.growth[0].rate"), 0.5))))
    r = cli("forecast", "--scenario", path)
    assert_user_error(r, f"{path}: correlations[0].between[1]: unknown input 'factors.spendng.growth[0].rate'",
                      "did you mean")


def test_scenarios_show_lists_the_correlations(cli):
    r = cli("scenarios", "show", str(example_path()), "--json")
    assert r.code == 0, r.stderr
    rows = [i for i in r.json()["inputs"] if i["path"].startswith("correlations")]
    assert rows == [{"path": "correlations[0]",
                     "value": "rank +0.5: factors.spending.growth[0].rate ~ factors.algorithms.growth[0].rate",
                     "source": rows[0]["source"], "source_detail": rows[0]["source_detail"]}]
    assert rows[0]["source_detail"]["citation"]
