"""Constraints that bind: the run's N, D and loss under a law, the data stock as a real ceiling, the binds table."""

import numpy as np
import yaml
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglab.errors import InputError
from scalinglab.forecast import get_scenario, parse_scenario, run_forecast
from scalinglab.forecast.constraints import run_law
from scalinglab.laws import get_law
from scalinglab.plan import compute_optimal

SRC = {"citation": "test"}


def constrained(*, stock=3e14, epochs=4, growth="4x/yr", cap="$1T", tokens_per_param=None, stock_growth=None,
                until=2045):
    """Compute from spending x FLOP/$ (capped), datasets from a rule, a data stock read ``epochs`` times."""
    dataset = {"rule": {"tokens_per_param": {"value": tokens_per_param, "source": SRC}}} if tokens_per_param \
        else {"rule": {"law": "hoffmann2022"}}
    data_stock = {"start": {"value": stock, "year": 2024, "source": SRC},
                  "binding_epochs": {"value": epochs, "source": SRC}}
    if stock_growth:
        data_stock["growth"] = {"rate": stock_growth, "source": SRC}
    return parse_scenario({"name": "constrained", "start_year": 2024, "until": until, "factors": {
        "spending": {"start": {"value": "$300M", "year": 2024, "source": SRC},
                     "growth": {"rate": growth, "source": SRC}, "cap": {"value": cap, "source": SRC}},
        "flop_per_dollar": {"start": {"value": 3e17, "year": 2024, "source": SRC},
                            "growth": {"rate": "1.3x/yr", "source": SRC}},
        "dataset": dataset, "data_stock": data_stock}})


def floor_loss(law_name, stock, epochs):
    """Loss of a run on E passes over U tokens as its parameters grow without end (Muennighoff et al. 2023, eq. 5-7):
    N' -> U_N (1 + R_N*), D' = U (1 + R_D* (1 - exp(-(E - 1) / R_D*)))."""
    law = run_law(law_name).law
    u_n = law.optimal_params_for_tokens(stock)
    d_eff = stock * (1 + law.R_D_star * (1 - np.exp(-(epochs - 1) / law.R_D_star)))
    return float(law.base.loss(u_n * (1 + law.R_N_star), d_eff))


@settings(max_examples=25, deadline=None)
@given(stock=st.floats(1e13, 1e16), epochs=st.floats(1, 60), growth=st.floats(1.5, 8.0),
       tokens_per_param=st.none() | st.floats(5, 300), stock_growth=st.none() | st.sampled_from(["2%/yr", "10%/yr"]))
def test_dataset_path_never_exceeds_stock_times_epochs(stock, epochs, growth, tokens_per_param, stock_growth):
    r = run_forecast(constrained(stock=stock, epochs=epochs, growth=f"{growth}x/yr", tokens_per_param=tokens_per_param,
                                 stock_growth=stock_growth), samples=3, seed=1)
    allowed = r.levels["data_stock"] + np.log10(epochs)
    assert np.all(r.levels["dataset"] <= allowed + 1e-12)
    assert np.all(r.levels["dataset"] <= r.levels["dataset_wanted"] + 1e-12)
    # where the stock does not bind the run keeps the dataset it wanted, and 6 N D = C throughout
    free = r.levels["dataset_wanted"] < allowed
    assert np.allclose(r.levels["dataset"][free], r.levels["dataset_wanted"][free])
    assert np.allclose(r.levels["n_params"] + r.levels["dataset"] + np.log10(6), r.levels["compute"])
    binds = r.binds["data stock"]
    assert binds["binds_share"] == pytest.approx(float(np.any(~free, axis=0).mean()))


@settings(max_examples=20, deadline=None)
@given(stock=st.floats(1e13, 1e15), epochs=st.floats(1, 16), growth=st.floats(3.0, 10.0))
def test_predicted_loss_flattens_after_the_stock_is_exhausted(stock, epochs, growth):
    r = run_forecast(constrained(stock=stock, epochs=epochs, growth=f"{growth}x/yr", cap="$1000T", until=2060),
                     samples=1, seed=0)
    loss = 10.0 ** r.levels["loss"][:, 0]
    bound = (r.levels["dataset_wanted"] > r.levels["data_stock"] + np.log10(epochs))[:, 0]
    assert bound.any()
    after = loss[np.argmax(bound) - 1:]
    floor = floor_loss("hoffmann2022", stock, epochs)
    assert np.all(np.diff(loss) <= 1e-12)  # more compute never hurts
    assert np.all(after >= floor - 1e-9)  # ... but past the stock it cannot go below the floor
    drops = -np.diff(after)
    assert np.all(np.diff(drops) <= 1e-9)  # and each year gains less than the year before: the curve flattens
    # the unconstrained run of the same compute (fresh data without end) ends far below that floor
    free = compute_optimal(get_law("hoffmann2022").law, 10.0 ** r.levels["compute"][-1, 0]).loss
    assert free < floor < loss[-1] + 1e-9
    # useful compute stops at what the stock allows although compute goes on growing
    assert r.levels["useful_compute"][-1, 0] < r.levels["compute"][-1, 0] - 1


@settings(max_examples=20, deadline=None)
@given(cap=st.floats(9.5, 13.0), factor=st.floats(1.0, 3.0), epochs=st.floats(1, 30))
def test_binds_table_changes_when_the_cap_changes(cap, factor, epochs):
    stock = "1e14 to 1e15"  # uncertain: the same seed draws the same stocks in both runs
    low = run_forecast(constrained(cap=10 ** cap, epochs=epochs, stock=stock), samples=50, seed=2).binds
    high = run_forecast(constrained(cap=10 ** (cap + factor), epochs=epochs, stock=stock), samples=50, seed=2).binds
    lo_year, hi_year = (b["spending cap"]["first_year"]["p50"] for b in (low, high))
    assert lo_year is not None  # the lower cap binds by 2045 ($300M at 4x/yr passes $3T in 2031)
    assert hi_year is None or hi_year > lo_year
    assert low != high
    # a higher spending cap leaves more compute, so the data stock binds no later and in no fewer samples
    assert high["data stock"]["binds_share"] >= low["data stock"]["binds_share"]
    lo_data, hi_data = (b["data stock"]["first_year"]["p5"] for b in (low, high))
    if lo_data is not None:
        assert hi_data is not None and hi_data <= lo_data + 1e-9


@settings(max_examples=15, deadline=None)
@given(epochs=st.floats(1, 20), more=st.floats(1.5, 10))
def test_more_allowed_epochs_bind_later(epochs, more):
    few = run_forecast(constrained(epochs=epochs), samples=1, seed=0).binds["data stock"]["first_year"]["p50"]
    many = run_forecast(constrained(epochs=epochs * more), samples=1, seed=0).binds["data stock"]["first_year"]["p50"]
    assert few is not None
    assert many is None or many > few


def test_a_looser_ceiling_on_the_same_stage_does_not_bind():
    """Spending and compute caps both cut compute: only the tighter one changes the path."""
    s = parse_scenario({"name": "two caps", "start_year": 2024, "until": 2030, "factors": {
        "compute": {"start": {"value": 1e26, "year": 2024, "source": SRC}, "growth": {"rate": "4x/yr", "source": SRC},
                    "cap": {"value": 1e29, "source": SRC}},
        "spending": {"start": {"value": "$300M", "year": 2024, "source": SRC}, "cap": {"value": "$10B", "source": SRC}},
        "flop_per_dollar": {"growth": {"rate": "1.3x/yr", "source": SRC}}}})
    r = run_forecast(s, samples=1)
    # by 2030 spending wants 3e8 x 3.08^6 = $2.5e11 (25x its cap), compute 1e26 x 4^6 = 4.1e29 (4.1x its cap):
    # the spending cap is the tighter one, and the compute cap, though exceeded, changes nothing
    assert r.binds["spending cap"]["binds_share"] == 1.0
    assert r.binds["compute cap"]["binds_share"] == 0.0
    assert r.binding_first["spending cap"] == 1.0
    # later the compute cap becomes the tighter (4^t outgrows 3.08^t) and takes over
    later = run_forecast(s, samples=1, until=2040).binds
    assert later["compute cap"]["binds_share"] == 1.0 and later["compute cap"]["binds_at_end_share"] == 1.0
    assert later["spending cap"]["binds_at_end_share"] == 0.0


def test_run_path_is_the_law_compute_optimal_run_before_the_stock_binds():
    """With --law the run wants the law's compute-optimal D (Hoffmann et al. 2022, eq. 4): N, D and loss match
    plan.compute_optimal until the data stock binds."""
    r = run_forecast(get_scenario("exponential-view"), samples=1, law="besiroglu2024")
    plan = compute_optimal(get_law("besiroglu2024").law, 10.0 ** r.levels["compute"][:3, 0])
    assert 10.0 ** r.levels["dataset"][:3, 0] == pytest.approx(plan.n_tokens, rel=1e-9)
    assert 10.0 ** r.levels["n_params"][:3, 0] == pytest.approx(plan.n_params, rel=1e-9)
    assert 10.0 ** r.levels["loss"][:3, 0] == pytest.approx(plan.loss, rel=1e-9)
    assert r.law == "besiroglu2024"


def test_exponential_view_dataset_stops_at_the_stock():
    """The issue's case: 'the largest run's dataset keeps growing to 146P tokens against a 314T stock'. With one
    pass over the stock (the essay's 'undertraining ... keeping dataset size constant') it stops there."""
    r = run_forecast(get_scenario("exponential-view"), samples=2000)
    assert r.value("dataset_wanted", 2040) > 1e17
    assert r.value("dataset", 2040) == pytest.approx(r.value("data_stock", 2040), rel=1e-6)
    assert r.binds["data stock"]["binds_share"] == 1.0
    assert r.value("loss", 2040) == pytest.approx(r.value("loss", 2033), abs=0.01)


def test_epoch_trends_states_it_has_no_spending_cap():
    r = run_forecast(get_scenario("epoch-trends"), samples=200)
    assert r.binds["spending cap"]["ceiling"] == "none"
    assert "Cottier et al. 2024" in r.binds["spending cap"]["source"]
    assert "spending cap" not in r.binding_first


def test_a_law_without_a_loss_in_n_and_d_is_refused():
    with pytest.raises(InputError, match="kaplan2020-allocation"):
        run_forecast(get_scenario("exponential-view"), samples=1, law="kaplan2020-allocation")


@settings(max_examples=40, deadline=None)
@given(log_c=st.floats(20, 36), log_d=st.floats(9, 18), log_u=st.floats(9, 17),
       law=st.sampled_from(["hoffmann2022", "besiroglu2024", "muennighoff2023"]))
def test_run_path_is_the_data_constrained_law(log_c, log_d, log_u, law):
    """The log-space run path equals DataConstrainedLaw.effective and .loss (Muennighoff et al. 2023, eq. 5-7)."""
    from scalinglab.forecast.constraints import run_path

    run = run_law(law)
    path = run_path(run, np.array([[log_c]]), np.array([[log_d]]), np.array([[log_u]]))
    n = 10.0 ** (log_c - log_d) / 6.0
    n_eff, d_eff = run.law.effective(n, 10.0 ** log_d, 10.0 ** log_u)
    assert 10.0 ** path["loss"][0, 0] == pytest.approx(float(run.law.loss(n, 10.0 ** log_d, 10.0 ** log_u)), rel=1e-9)
    assert path["useful_compute"][0, 0] == pytest.approx(float(np.log10(6 * n_eff * d_eff)), abs=1e-9)
    assert path["n_params"][0, 0] == pytest.approx(np.log10(n), abs=1e-12)


def test_run_path_chart_draws_wanted_trained_and_stock():
    from scalinglab.charts.forecast import forecast_chart, run_path_chart

    r = run_forecast(get_scenario("scaling-picture"), samples=200)
    spec = run_path_chart(r).to_dict()
    series = {row["series"] for rows in spec["datasets"].values() for row in rows}
    assert series == {"wanted", "trained on", "stock", "compute", "useful compute 6 N' D'"}
    assert "hoffmann2022" in spec["title"]
    assert run_path_chart(run_forecast(get_scenario("gpu-supply"), samples=10)) is None
    assert forecast_chart(r).to_dict()["vconcat"][0]["hconcat"]


@pytest.mark.parametrize("epochs, published, rel", [(1, 8e26, 0.07), (16, 8e28, 0.25), (60, 9e29, 0.01)])
def test_scaling_picture_compute_that_a_50t_stock_supports(epochs, published, rel):
    """Essay "The Scaling Picture": "Chinchilla optimal compute for a 50T token dataset is about 8e26 FLOPs, which turns
    into 8e28 FLOPs with 16x repetition of data, up to 9e29 FLOPs for the barely useful 60x repetition" (with "the
    Chinchilla multiplier of data/parameters ... from 20 to 60" as data repeats). The stock binds when
    D = sqrt(C r / 6) reaches E U, i.e. at C = 6 (E U)^2 / r: 7.5e26 (r = 20, 1 epoch), 6.4e28 (r = 60, 16 epochs;
    the essay rounds 100x of 8e26) and 9.0e29 (r = 60, 60 epochs)."""
    r = 20 if epochs == 1 else 60
    s = parse_scenario({"name": "50T", "start_year": 2024, "until": 2040, "factors": {
        "compute": {"start": {"value": 1e25, "year": 2024, "source": SRC}, "growth": {"rate": "4.1x/yr", "source": SRC}},
        "dataset": {"rule": {"tokens_per_param": {"value": r, "source": SRC}}},
        "data_stock": {"start": {"value": "50T", "year": 2024, "source": SRC},
                       "binding_epochs": {"value": epochs, "source": SRC}}}})
    result = run_forecast(s, samples=1)
    year = result.binds["data stock"]["first_year"]["p50"]
    at_binding = 1e25 * 4.1 ** (year - 2024)  # compute is log-linear between whole years
    assert at_binding == pytest.approx(6 * (epochs * 50e12) ** 2 / r, rel=1e-9)
    assert at_binding == pytest.approx(published, rel=rel)


DATA_PRESETS = ["exponential-view", "epoch-trends", "scaling-myths", "scaling-picture"]


@settings(max_examples=12, deadline=None)
@given(preset=st.sampled_from(DATA_PRESETS), seed=st.integers(0, 2**32 - 1))
def test_presets_keep_the_dataset_within_the_stock_and_their_loss_above_its_floor(preset, seed):
    """The presets with a data stock: the dataset path never exceeds stock x epochs, and once a sample's stock binds
    its loss only falls towards the floor of that stock (Muennighoff et al. 2023: N' -> U_N (1 + R_N*))."""
    from scalinglab.forecast.scenarios import get_scenario as preset_scenario

    s = preset_scenario(preset)
    r = run_forecast(s, samples=200, seed=seed)
    epochs = np.log10(np.broadcast_to(np.asarray(r.binding_epochs, dtype=float), (1, r.samples)))
    allowed = r.levels["data_stock"] + epochs
    assert np.all(r.levels["dataset"] <= allowed + 1e-12)
    loss = 10.0 ** r.levels["loss"]
    bound = r.levels["dataset_wanted"] > allowed
    law = run_law(r.law).law
    for j in np.flatnonzero(bound.any(axis=0))[:20]:
        after = loss[np.argmax(bound[:, j]):, j]
        stock = 10.0 ** float(np.broadcast_to(r.levels["data_stock"], loss.shape)[-1, j])
        e = 10.0 ** float(epochs[0, j])
        u_n = law.optimal_params_for_tokens(stock)
        d_eff = stock * (1 + law.R_D_star * (1 - np.exp(-(e - 1) / law.R_D_star)))
        floor = float(law.base.loss(u_n * (1 + law.R_N_star), d_eff))
        assert np.all(np.diff(after) <= 1e-12) and np.all(after >= floor - 1e-9)


@pytest.mark.parametrize("preset, factor, cap", [("exponential-view", "spending", "$1T"),
                                                 ("scaling-picture", "spending", "$10T"),
                                                 ("scaling-myths", "compute", 1e29)])
def test_a_preset_binds_table_changes_with_its_cap(preset, factor, cap):
    from scalinglab.forecast.scenarios import preset_path

    data = yaml.safe_load(preset_path(preset).read_text())
    before = run_forecast(parse_scenario(data), samples=500, seed=1).binds
    data["factors"][factor]["cap"]["value"] = cap
    after = run_forecast(parse_scenario(data), samples=500, seed=1).binds
    name = f"{factor} cap"
    assert after[name]["ceiling"] != before[name]["ceiling"]
    assert after[name]["first_year"] != before[name]["first_year"]
