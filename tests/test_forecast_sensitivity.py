"""Sensitivity of a milestone year: first-order Sobol shares (SALib's RBD-FAST) and rank correlations."""

import numpy as np
import pytest
from conftest import assert_user_error

from scalinglab.errors import InputError
from scalinglab.forecast import get_scenario, parse_scenario
from scalinglab.forecast.sensitivity import sensitivity

SRC = {"citation": "test"}


def two_inputs(spending="$100M to $10B", fpd="1e17 to 3e17"):
    """compute = spending x FLOP/$, both uncertain at the start, growing 3x and 1.3x a year (points)."""
    return parse_scenario({"name": "two inputs", "start_year": 2024, "until": 2060, "factors": {
        "spending": {"start": {"value": spending, "year": 2024, "source": SRC}, "growth": {"rate": "3x/yr", "source": SRC}},
        "flop_per_dollar": {"start": {"value": fpd, "year": 2024, "source": SRC},
                            "growth": {"rate": "1.3x/yr", "source": SRC}}}})


def test_first_order_shares_match_the_analytic_variance_split():
    """The year compute reaches C is t0 + (log C - log S0 - log F0) / log(3 x 1.3): linear in the two log-normal
    log-starts, so their first-order shares are their shares of the variance of log S0 + log F0:
    sigma ~ log10(100) and log10(3) for 90% intervals 100x and 3x wide -> 2^2 / (2^2 + 0.477^2) = 0.946."""
    result = sensitivity(two_inputs(), "compute >= 1e30", samples=8000, seed=3)
    shares = {r["input"]: r for r in result.rows}
    expected = 2.0 ** 2 / (2.0 ** 2 + np.log10(3) ** 2)
    assert shares["factors.spending.start"]["first_order"] == pytest.approx(expected, abs=0.03)
    assert shares["factors.flop_per_dollar.start"]["first_order"] == pytest.approx(1 - expected, abs=0.03)
    assert [r["input"] for r in result.rows] == ["factors.spending.start", "factors.flop_per_dollar.start"]
    # larger starts bring the year earlier; the milestone year is a monotone function of each input
    assert shares["factors.spending.start"]["rank_correlation"] < -0.9
    assert -0.5 < shares["factors.flop_per_dollar.start"]["rank_correlation"] < 0
    lo, hi = shares["factors.spending.start"]["first_order_ci90"]
    assert lo < shares["factors.spending.start"]["first_order"] < hi
    assert result.reached_share == 1.0


def test_swapping_the_spreads_swaps_the_ranking():
    result = sensitivity(two_inputs(spending="$1B to $3B", fpd="1e16 to 1e18"), "compute >= 1e30", samples=4000)
    assert result.rows[0]["input"] == "factors.flop_per_dollar.start"


def test_a_milestone_of_the_forecast_can_be_named():
    result = sensitivity(get_scenario("exponential-view"), "data stock binds", samples=2000)
    # the year the 1e14-1e15 stock is read through is set by the stock far more than by the 4-5x growth
    assert result.rows[0]["input"] == "factors.data_stock.start"
    assert result.rows[0]["first_order"] > 0.8
    data = result.to_dict()
    assert data["milestone"] == "data stock binds" and len(data["inputs"]) == 2


def test_nothing_to_explain_is_an_error():
    points = two_inputs(spending="$1B", fpd=2e17)
    with pytest.raises(InputError, match="no uncertain inputs"):
        sensitivity(points, "compute >= 1e30", samples=1000)
    with pytest.raises(InputError, match=r"samples= must be in \[500, 2,000,000\], got 100"):
        sensitivity(two_inputs(), "compute >= 1e30", samples=100)


def test_cli_sensitivity_json_and_tornado(cli, tmp_path):
    chart = tmp_path / "tornado.svg"
    r = cli("sensitivity", "--scenario", "gpu-supply", "--milestone", "compute >= 1e27", "--samples", "2000",
            "--json", "--plot", chart)
    assert r.code == 0, r.stderr
    data = r.json()
    assert data["inputs"][0]["input"] == "factors.gpu_production.growth[0].rate"
    assert chart.read_text().startswith("<svg")
    r = cli("sensitivity", "--scenario", "gpu-supply", "--milestone", "loss <= 2")
    assert_user_error(r, "--milestone 'loss <= 2 nats/token'", "gpu-supply has no series 'loss'")


def test_the_same_seed_gives_the_same_ranking():
    a = sensitivity(two_inputs(), "compute >= 1e30", samples=1000, seed=7).to_dict()
    assert a == sensitivity(two_inputs(), "compute >= 1e30", samples=1000, seed=7).to_dict()


def test_a_milestone_never_reached_has_nothing_to_explain():
    with pytest.raises(InputError, match="never reached by 2040 in epoch-trends"):
        sensitivity(get_scenario("epoch-trends"), "loss <= 1.5", samples=500)
