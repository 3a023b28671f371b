"""Exponential trends against the date, with bootstrap intervals and filters, on bundled data or a CSV."""

import math

import numpy as np
import pandas as pd
import pytest
from conftest import assert_user_error
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglab.errors import InputError, UnknownNameError
from scalinglab.forecast import fit_trend
from scalinglab.forecast.trends import decimal_year


def test_notable_models_compute_grows_4_to_5x_a_year_since_2010():
    """Sevilla and Roldan 2024 (Epoch AI), "Training Compute of Frontier AI Models Grows by 4-5x per Year":
    a fit over all notable models from 2010."""
    trend = fit_trend("notable-models", "Training compute (FLOP)", since="2010")
    assert 4.0 < trend.growth_per_year < 5.0
    assert trend.ci90[0] < trend.growth_per_year < trend.ci90[1]
    assert 3.8 < trend.ci90[0] and trend.ci90[1] < 5.2
    assert trend.n > 400
    assert trend.doubling_months == pytest.approx(12 * math.log10(2) / math.log10(trend.growth_per_year))


def test_filters_change_the_rows_used():
    base = fit_trend("notable-models", "Training compute (FLOP)", since="2010", bootstrap=200)
    language = fit_trend("notable-models", "Training compute (FLOP)", since="2010", domain="Language", bootstrap=200)
    frontier = fit_trend("notable-models", "Training compute (FLOP)", since="2010", top_n=3, bootstrap=200)
    window = fit_trend("notable-models", "Training compute (FLOP)", since="2010", until="2024-06-01", bootstrap=200)
    assert language.n < base.n and frontier.n < base.n and window.n < base.n
    assert frontier.points.assign(year=np.floor(frontier.points["t"])).groupby("year").size().max() <= 3
    assert window.last < 2024.42


def test_recovers_an_exact_exponential_from_a_csv(tmp_path):
    dates = pd.date_range("2015-01-01", "2024-01-01", freq="90D")
    t = decimal_year(pd.Series(dates.strftime("%Y-%m-%d")))
    frame = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "flop": 1e20 * 3.0 ** (t - 2015)})
    path = tmp_path / "runs.csv"
    frame.to_csv(path, index=False)
    trend = fit_trend(str(path), "flop")
    assert trend.growth_per_year == pytest.approx(3.0, rel=1e-9)
    assert trend.ci90[0] == pytest.approx(3.0, rel=1e-6) and trend.ci90[1] == pytest.approx(3.0, rel=1e-6)
    assert trend.r2 == pytest.approx(1.0)


@settings(max_examples=25, deadline=None)
@given(growth=st.floats(1.1, 20.0), seed=st.integers(0, 1000))
def test_noisy_trends_recover_their_growth(growth, seed):
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(2010, 2025, 200))
    y = 10 ** (np.log10(growth) * (t - 2010) + 18 + rng.normal(0, 0.3, t.size))
    trend = fit_trend(pd.DataFrame({"year": t, "y": y}), "y", bootstrap=300, seed=seed)
    assert trend.ci90[0] <= trend.growth_per_year <= trend.ci90[1]
    assert math.log10(trend.growth_per_year) == pytest.approx(math.log10(growth), abs=0.05)


def test_same_seed_same_interval():
    a = fit_trend("llm-dataset-sizes", "dataset", bootstrap=500, seed=4)
    b = fit_trend("llm-dataset-sizes", "dataset", bootstrap=500, seed=4)
    assert a.ci90 == b.ci90


def test_bad_inputs():
    with pytest.raises(UnknownNameError, match="did you mean"):
        fit_trend("notable-models", "Training compute (FLOPS)")
    with pytest.raises(InputError, match="only .* rows"):
        fit_trend("notable-models", "Training compute (FLOP)", since="2026-04")
    with pytest.raises(UnknownNameError, match="unknown dataset or CSV file"):
        fit_trend("notable-modles", "x")
    with pytest.raises(InputError, match="cannot read since= 'last spring'"):
        fit_trend("notable-models", "Training compute (FLOP)", since="last spring")


def test_trend_cli_json_contract(cli):
    result = cli("trend", "notable-models", "--y", "Training compute (FLOP)", "--since", "2010", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert 4.0 < data["growth_per_year"] < 5.0
    lo, hi = data["ci90"]
    assert lo < data["growth_per_year"] < hi
    assert data["filters"]["since"] == "2010"


def test_trend_cli_errors(cli):
    assert_user_error(cli("trend", "notable-models", "--y", "Training compute"), "column", "did you mean")
