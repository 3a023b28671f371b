"""The forecast model: essays' figures reproduced, the money identity, ceilings, data exhaustion, determinism."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglab.forecast import get_scenario, load_scenario_file, parse_scenario, run_forecast
from scalinglab.forecast.milestones import crossing_years, year_percentiles
from scalinglab.forecast.model import _dataset_from_law
from scalinglab.forecast.scenarios import example_path
from scalinglab.laws import get_law
from scalinglab.plan import compute_optimal
from scalinglab.units import SECONDS_PER

SRC = {"citation": "test"}

# Muennighoff et al. 2023 (arXiv:2305.16264), datablations README: R_D* = 15.387756
R_D_STAR = 15.387756


def repetition_multiplier(epochs):
    """Effective data of E epochs in units of the unique tokens: 1 + R_D* (1 - exp(-(E - 1) / R_D*)) (eq. 5)."""
    return 1 + R_D_STAR * (1 - math.exp(-(epochs - 1) / R_D_STAR))


def scenario(factors, start=2024, until=2040, **extra):
    return parse_scenario({"name": "t", "start_year": start, "until": until, "factors": factors, **extra})


def start(value, year=2024):
    return {"value": value, "year": year, "source": SRC}


def rate(value, **era):
    return {"rate": value, "source": SRC, **era}


# ----------------------------------------------------------------------------- essay 004's table

def test_compute_slowdown_reproduces_the_essay_growth_table():
    """Essay on compute, algorithms and spending slowing down, Appendix 'Growth': Total 15868.3033 (2012->2018), 3070589719 (2018->2025),
    421231.043 (2025->2035); the essay counts an era A-B as B - A growth-years, with no growth 2017 -> 2018."""
    result = run_forecast(get_scenario("compute-slowdown"), samples=20, seed=0)
    table = {(2012, 2018): 15868.3033, (2018, 2025): 3070589719.0, (2025, 2035): 421231.043}
    for (a, b), published in table.items():
        ours = result.growth_between("effective_compute", a, b, uncapped=True)
        assert ours[0] == pytest.approx(published, rel=0.01)
    # the same essay's per-year totals (Exponents table: 6.92, 22.663, 3.651338)
    for (a, b), published in {(2013, 2014): 6.92, (2019, 2020): 22.663, (2027, 2028): 3.651338}.items():
        assert result.growth_between("effective_compute", a, b, uncapped=True)[0] == pytest.approx(published, rel=1e-6)
    # "2012 vs 2023: 95,000,000,000x" (the alternative breakdown, 9.487E+10)
    assert result.growth_between("effective_compute", 2012, 2023, uncapped=True)[0] == pytest.approx(9.487e10, rel=0.01)


def test_compute_slowdown_spending_matches_the_essay_and_stops_at_its_cap():
    """004: "$100m+ is a good estimate of the cost to train the largest models in 2023"; cap "around $100b"."""
    result = run_forecast(get_scenario("compute-slowdown"), samples=20, seed=0)
    assert result.value("spending", 2023) == pytest.approx(1e8)
    assert result.value("spending", 2040) == pytest.approx(1e11)
    assert result.growth_between("effective_compute", 2025, 2035)[0] < 421231.043 / 10
    assert result.binding_first["spending cap"] == 1.0


# ------------------------------------------------------------------------- essay 000 (exponential view)

def test_exponential_view_cost_growth_is_compute_growth_times_cost_per_flop():
    """000: compute "growing by 4-5x every single year", costs "declined by 35% per year", "roughly tripling"."""
    result = run_forecast(get_scenario("exponential-view"), samples=20_000, seed=1)
    assert result.derived == {"spending": "growth", "flop_per_dollar": "start"}
    assert result.derived_growth()["spending"] == pytest.approx(math.sqrt(20) * 0.65, rel=0.01)
    point = scenario({
        "compute": {"start": start(2.1e25, 2023), "growth": rate("4.5x/yr")},
        "cost_per_flop": {"growth": rate("-35%/yr")},
        "spending": {"start": start("$500M", 2023)},
    }, start=2023)
    assert run_forecast(point, samples=10).derived_growth()["spending"] == pytest.approx(4.5 * 0.65)


def test_exponential_view_billion_dollar_years_follow_from_tripling():
    """The median run crosses $10B and $100B when $500M x (4.47 x 0.65)^t does (000: '$10 billion' in 2025,
    '$100 billion' in 2027; tripling from GPT-4's ~$500M cluster gets there about a year later)."""
    result = run_forecast(get_scenario("exponential-view"), samples=20_000, seed=2)
    growth = math.sqrt(20) * 0.65
    summary = result.milestone_summary()
    assert summary["spending >= $10B"]["p50"] == pytest.approx(2023 + math.log(20) / math.log(growth), abs=0.03)
    assert summary["spending >= $100B"]["p50"] == pytest.approx(2023 + math.log(200) / math.log(growth), abs=0.03)
    assert 2025 < summary["spending >= $10B"]["p50"] < 2026.5
    assert 2027 < summary["spending >= $100B"]["p50"] < 2028.5


# ------------------------------------------------------------------------------------ data exhaustion

def test_epoch_trends_data_exhaustion_and_the_muennighoff_shift():
    """Stock 1e14-1e15 (Villalobos et al. 2024, median 3.16e14), datasets 15T in 2024 growing 3x/yr:
    exhaustion at 1 epoch in 2024 + ln(3.16e14 / 15e12) / ln 3; E epochs add ln(multiplier(E)) / ln 3 years."""
    result = run_forecast(get_scenario("epoch-trends"), samples=40_000, seed=3)
    summary = result.milestone_summary()
    one = summary["data stock exhausted at 1 epoch"]["p50"]
    assert 2026 < one < 2030
    assert one == pytest.approx(2024 + math.log(math.sqrt(1e29) / 15e12) / math.log(3), abs=0.03)
    for epochs in (4, 16, 60):
        later = summary[f"data stock exhausted at {epochs} epochs"]["p50"]
        assert later - one == pytest.approx(math.log(repetition_multiplier(epochs)) / math.log(3), abs=0.03)


def test_repetition_beyond_60_epochs_adds_little():
    """Effective data saturates at U (1 + R_D*): 60 epochs are worth about 16 fresh passes."""
    assert repetition_multiplier(60) == pytest.approx(16.06, abs=0.01)
    assert repetition_multiplier(4) == pytest.approx(3.73, abs=0.01)


# ------------------------------------------------------------------------------ the money identity

def test_consistency_check_flags_epoch_rates_that_do_not_multiply_up():
    """Cottier et al. 2024 cost 2.4x/yr x Hobbhahn & Besiroglu 2022 FLOP/$ (doubling 2.46 yr) = 3.2x/yr < 4-5x/yr."""
    result = run_forecast(get_scenario("epoch-trends"), samples=20_000, seed=4)
    check = result.checks()["consistency"]
    assert check["compute_growth_given"] == pytest.approx(math.sqrt(20), rel=0.01)
    assert check["compute_growth_implied"] == pytest.approx(math.sqrt(2.0 * 2.9) * 2 ** (1 / math.sqrt(2.24 * 2.72)), rel=0.02)
    assert check["consistent"] is False


def test_consistent_rates_pass_the_check():
    s = scenario({
        "compute": {"start": start(1e26), "growth": rate("6x/yr")},
        "spending": {"start": start("$1B"), "growth": rate("4x/yr")},
        "flop_per_dollar": {"growth": rate("1.5x/yr")},
    })
    check = run_forecast(s, samples=10).checks()["consistency"]
    assert check["ratio"] == pytest.approx(1.0)
    assert check["consistent"] is True


def test_missing_start_makes_the_identity_hold_where_the_others_start():
    s = scenario({
        "spending": {"start": start("$1B"), "growth": rate("3x/yr")},
        "flop_per_dollar": {"growth": rate("1.4x/yr")},
        "utilisation": {"start": {"value": "40%", "source": SRC}},
        "compute": {"start": start(4e26)},
    })
    r = run_forecast(s, samples=10)
    fpd_2024 = 4e26 / (1e9 * 0.4)
    assert r.value("flop_per_dollar", 2024) == pytest.approx(fpd_2024)
    assert r.value("compute", 2030) == pytest.approx(1e9 * 3**6 * fpd_2024 * 1.4**6 * 0.4)


# ------------------------------------------------------------------------------------------ ceilings

def test_share_of_gdp_cap_binds_when_spending_reaches_it():
    s = scenario({
        "spending": {"start": start("$1B"), "growth": rate("10x/yr"), "cap": {"share_of_gdp": "1%", "source": SRC}},
        "flop_per_dollar": {"start": start(1e17), "growth": rate("1x/yr")},
        "world_gdp": {"start": start("$110T"), "growth": rate("3%/yr")},
    })
    r = run_forecast(s, samples=10)
    # 1e9 10^t = 0.01 x 1.1e14 x 1.03^t
    t = math.log10(1.1e3) / (1 - math.log10(1.03))
    assert r.milestone_summary()["spending cap binds"]["p50"] == pytest.approx(2024 + t, abs=0.02)
    gdp = 1.1e14 * 1.03 ** np.arange(17)
    spending = r.percentiles("spending")[:, 2]
    assert np.all(spending <= 0.01 * gdp * (1 + 1e-9))
    assert r.value("compute", 2040) == pytest.approx(0.01 * gdp[-1] * 1e17)


def test_saturation_levels_off_at_the_geometric_sum():
    """After Y the step rate is g^(2^(-k/h)): the level tends to L_Y g^(1 / (1 - 2^(-1/h)))."""
    s = scenario({
        "compute": {"start": start(1e25, 2024), "growth": rate("2x/yr"),
                    "saturate": {"after": 2030, "half_life": {"value": "1 year", "source": SRC}}},
    }, until=2090)
    r = run_forecast(s, samples=10)
    assert r.value("compute", 2090) / r.value("compute", 2030) == pytest.approx(2 ** 2, rel=1e-9)


def test_compute_cap_with_uncertainty_never_lets_compute_exceed_it():
    s = scenario({"compute": {"start": start(1e26), "growth": rate("4 to 5x/yr"),
                              "cap": {"value": "1e27 to 1e29", "source": SRC}}})
    r = run_forecast(s, samples=5000, seed=5)
    assert r.percentiles("compute")[-1, 4] <= 1e29 * 10
    assert np.all(r.levels["compute"] <= r.uncapped["compute"] + 1e-12)


# ------------------------------------------------------------------------------ GPUs, datasets

def test_gpu_route_multiplies_gpus_flops_utilisation_and_time():
    """002: FLOPs = training time x #GPUs x peak FLOP/s x utilisation; 25,000 GPUs (2023), A100 3.12e14 FLOP/s
    (2020) doubling every 2.31 years, utilisation 33% at 2 GPUs falling as G^-0.12, six months."""
    r = run_forecast(get_scenario("gpu-supply"), samples=10, seed=0)
    utilisation = 0.33 * (25_000 / 2) ** -0.12
    expected = 25_000 * 3.12e14 * 2 ** (3 / 2.31) * utilisation * 0.5 * SECONDS_PER["year"]
    assert r.value("compute", 2023) == pytest.approx(expected, rel=1e-9)
    assert r.value("utilisation", 2023) == pytest.approx(utilisation)


def test_gpu_supply_caps_the_cluster():
    r = run_forecast(get_scenario("gpu-supply"), samples=5000, seed=6)
    share = r.levels["gpus"] - r.levels["gpu_production"]
    assert np.all(share <= 1e-12)  # at most all of a year's shipments (max_share <= 100%)
    assert 0.5 < r.binding_first["GPU supply"] <= 1.0


def test_dataset_from_twenty_tokens_per_parameter():
    """C = 6 N D with D = 20 N (Hoffmann et al. 2022) gives D = sqrt(20 C / 6): GPT-4's 2.1e25 -> 8.4e12 tokens."""
    r = run_forecast(get_scenario("exponential-view"), samples=10)
    assert r.value("dataset", 2023) == pytest.approx(math.sqrt(2.1e25 * 20 / 6))


@pytest.mark.parametrize("law", ["hoffmann2022", "hoffmann2022-approach1", "besiroglu2024"])
def test_dataset_from_a_law_matches_the_planner(law):
    compute = np.array([[1e24, 3e26], [5e27, 2e29]])
    ours = 10 ** _dataset_from_law(law, np.log10(compute))
    plan = compute_optimal(get_law(law).law, compute.ravel())
    assert ours.ravel() == pytest.approx(plan.n_tokens, rel=1e-6)


# ------------------------------------------------------------------------------ determinism, shape

def test_same_seed_same_output_and_other_seeds_differ():
    s = load_scenario_file(example_path())
    a = run_forecast(s, samples=3000, seed=11).to_dict()
    b = run_forecast(s, samples=3000, seed=11).to_dict()
    c = run_forecast(s, samples=3000, seed=12).to_dict()
    assert a == b
    assert a != c


def test_key_order_in_the_file_does_not_change_the_draws():
    factors = {
        "compute": {"start": start(1e26), "growth": rate("3 to 5x/yr")},
        "data_stock": {"start": start("1e14 to 1e15")},
        "dataset": {"start": start("15T"), "growth": rate("2 to 3x/yr")},
    }
    reordered = dict(reversed(list(factors.items())))
    a = run_forecast(scenario(factors), samples=500, seed=3).to_dict()
    b = run_forecast(scenario(reordered), samples=500, seed=3).to_dict()
    assert a == b


def test_full_model_reports_every_quantity_and_constraint():
    r = run_forecast(load_scenario_file(example_path()), samples=4000, seed=0)
    assert set(r.quantities) == {"spending", "flop_per_dollar", "utilisation", "compute", "algorithms",
                                 "effective_compute", "gpus", "gpu_production", "dataset", "data_stock", "world_gdp",
                                 "dataset_wanted", "n_params", "loss", "useful_compute"}
    assert r.law == "hoffmann2022"  # the example's dataset rule
    assert set(r.binding_first) == {"spending cap", "GPU supply", "data stock", "none"}
    assert sum(r.binding_first.values()) == pytest.approx(1.0)
    data = r.to_dict()
    assert len(data["quantities"]["compute"]["percentiles"]) == 30
    for name, entry in data["milestones"].items():
        finite = [entry[f"p{q}"] for q in (5, 25, 50, 75, 95) if entry[f"p{q}"] is not None]
        assert finite == sorted(finite), name


def test_until_extends_the_forecast():
    r = run_forecast(get_scenario("gpu-supply"), samples=10, until=2050)
    assert r.years[-1] == 2050


@settings(max_examples=50, deadline=None)
@given(steps=st.lists(st.floats(0.0, 2.0), min_size=3, max_size=20), threshold=st.floats(-1.0, 30.0))
def test_crossing_year_interpolates_the_path(steps, threshold):
    path = np.concatenate([[0.0], np.cumsum(steps)])[:, None]
    years = np.arange(2000, 2000 + len(path))
    when = crossing_years(path, threshold, years)[0]
    if threshold > path[-1, 0]:
        assert when == np.inf
    elif threshold <= path[0, 0]:
        assert when == 2000
    else:
        assert np.interp(when, years, path[:, 0]) == pytest.approx(threshold, abs=1e-9)
    assert crossing_years(path, threshold - 0.5, years)[0] <= when  # a lower bar is reached no later


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.floats(2000, 2100) | st.just(np.inf), min_size=1, max_size=200))
def test_milestone_percentiles_are_ordered_sample_values(values):
    summary = year_percentiles(np.array(values))
    finite = [summary[f"p{q}"] for q in (5, 25, 50, 75, 95)]
    reached = [v for v in finite if v is not None]
    assert reached == sorted(reached)
    assert all(v in values for v in reached)
    assert summary["reached_share"] == pytest.approx(np.isfinite(values).mean())
