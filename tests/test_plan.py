"""plan: compute-optimal allocations reproduce the published tables and satisfy their optimality conditions."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglab.errors import InputError, LawError
from scalinglab.laws import get_law
from scalinglab.plan import (
    asymptotic_loss,
    compute_for_epochs,
    compute_for_loss,
    compute_optimal,
    data_constrained_optimal,
    fixed_allocation,
    fixed_ratio,
    inference_optimal,
    saturation_compute,
)

# Hoffmann et al. 2022 (arXiv:2203.15556), Table 3: (parameters, FLOP, tokens), Approach 1.
CHINCHILLA_TABLE_3 = [
    (400e6, 1.92e19, 8.0e9), (1e9, 1.21e20, 20.2e9), (10e9, 1.23e22, 205.1e9), (67e9, 5.76e23, 1.5e12),
    (175e9, 3.85e24, 3.7e12), (280e9, 9.90e24, 5.9e12), (520e9, 3.43e25, 11.0e12), (1e12, 1.27e26, 21.2e12),
    (10e12, 1.30e28, 216.2e12),
]


@pytest.mark.parametrize("n, c, d", CHINCHILLA_TABLE_3)
def test_approach1_rule_reproduces_chinchilla_table_3(n, c, d):
    # N_opt = 67B (C / 5.76e23)^0.50 (Table 2 exponent, anchored on the 67B row), D = C / (6 N)
    plan = compute_optimal(get_law("hoffmann2022-approach1").law, c)
    assert float(plan.n_params) == pytest.approx(n, rel=0.05)
    assert float(plan.n_tokens) == pytest.approx(d, rel=0.05)


def test_hoffmann2022_closed_form_exponent():
    # N_opt ∝ C^(beta/(alpha+beta)) = C^(0.28/0.62) = C^0.4516 (Hoffmann et al. 2022, eq. 4, Approach 3)
    law = get_law("hoffmann2022").law
    c = np.array([1e20, 1e22, 1e24, 1e26])
    plan = compute_optimal(law, c)
    slope_n = np.polyfit(np.log(c), np.log(plan.n_params), 1)[0]
    slope_d = np.polyfit(np.log(c), np.log(plan.n_tokens), 1)[0]
    assert slope_n == pytest.approx(0.4516, abs=1e-4)
    assert slope_d == pytest.approx(1 - 0.4516, abs=1e-4)
    assert np.allclose(6 * plan.n_params * plan.n_tokens, c)


@pytest.mark.parametrize("c", [1e19, 5.76e23, 1e27])
def test_closed_form_satisfies_first_order_condition(c):
    # d/dlogN L(N, C/(6N)) = 0 at the optimum, and it is a minimum (checked by central differences)
    law = get_law("hoffmann2022").law
    n = float(compute_optimal(law, c).n_params)

    def along(log_n):
        m = np.exp(log_n)
        return float(law.loss(m, c / (6 * m)))

    h = 1e-4
    derivative = (along(np.log(n) + h) - along(np.log(n) - h)) / (2 * h)
    assert abs(derivative) < 1e-8
    assert along(np.log(n) + 0.1) > along(np.log(n)) < along(np.log(n) - 0.1)


@pytest.mark.parametrize("name", ["kaplan2020", "besiroglu2024"])
def test_numeric_optimum_agrees_with_a_dense_scan(name):
    law = get_law(name).law
    c = 1e23
    n = float(compute_optimal(law, c).n_params)
    grid = np.logspace(6, 13, 20001)
    best = grid[np.argmin(law.loss(grid, c / (6 * grid)))]
    assert n == pytest.approx(best, rel=2e-3)


def test_numeric_and_closed_form_agree_for_chinchilla():
    from scalinglab.plan.optimal import minimise_over_log_n

    law = get_law("besiroglu2024").law
    c = 3e24
    numeric = minimise_over_log_n(lambda m: law.loss(m, c / (6 * m)), c, 6.0)
    assert numeric == pytest.approx(float(compute_optimal(law, c).n_params), rel=1e-6)


def test_besiroglu_mle_gives_about_20_tokens_per_parameter():
    # Besiroglu et al. 2024: their estimate implies ~20 tokens per parameter, consistent with Approaches 1-2
    plan = compute_optimal(get_law("besiroglu2024").law, 5.76e23)
    assert 15 < float(plan.tokens_per_param) < 30


@settings(max_examples=30, deadline=None)
@given(st.floats(min_value=18, max_value=28), st.floats(min_value=0.1, max_value=3.0))
def test_optimal_loss_falls_with_compute(log10_c, step):
    law = get_law("hoffmann2022").law
    lo, hi = compute_optimal(law, [10**log10_c, 10 ** (log10_c + step)]).loss
    assert hi < lo


@settings(max_examples=30, deadline=None)
@given(st.floats(min_value=1.75, max_value=3.5))
def test_compute_for_loss_inverts_optimal_loss(target):
    law = get_law("hoffmann2022").law
    plan = compute_for_loss(law, target)
    assert float(plan.loss) == pytest.approx(target, rel=1e-9)


def test_target_at_or_below_the_floor_is_an_error():
    with pytest.raises(LawError, match="irreducible"):
        compute_for_loss(get_law("hoffmann2022").law, 1.69)


def test_overtraining_penalty_is_positive_and_zero_at_the_optimum():
    law = get_law("hoffmann2022").law
    c = 5.76e23
    best = compute_optimal(law, c)
    small = fixed_allocation(law, c, n_params=7e9)
    assert small.extra["loss_penalty"] > 0 and small.extra["compute_overhead"] > 0
    at_opt = fixed_allocation(law, c, n_params=float(best.n_params))
    assert at_opt.extra["loss_penalty"] == pytest.approx(0.0, abs=1e-12)
    assert at_opt.extra["compute_overhead"] == pytest.approx(0.0, abs=1e-6)


def test_scaling_picture_essay_twenty_tokens_per_parameter():
    # Essay "The Scaling Picture": "Chinchilla optimal compute for a 50T token dataset is about 8e26 FLOPs"
    plan = fixed_ratio(20, n_tokens=50e12)
    assert float(plan.n_params) == pytest.approx(2.5e12)
    assert float(plan.compute_flops) == pytest.approx(7.5e26)


def test_muennighoff_optimum_over_50t_unique_tokens():
    # The same essay: 8e28 FLOP at 16 epochs, 9e29 at 60 epochs. Our law's numbers (README worked example):
    law = get_law("muennighoff2023").law
    one = compute_for_epochs(law, 50e12, 1)
    sixteen = compute_for_epochs(law, 50e12, 16)
    sixty = compute_for_epochs(law, 50e12, 60)
    assert float(one.compute_flops) == pytest.approx(7.65e26, rel=0.01)
    assert float(one.tokens_per_param) == pytest.approx(19.6, abs=0.1)
    assert float(sixteen.compute_flops) == pytest.approx(9.86e28, rel=0.01)
    assert float(sixty.compute_flops) == pytest.approx(1.06e30, rel=0.01)
    assert float(sixteen.extra["epochs"]) == pytest.approx(16, rel=1e-6)
    assert float(one.tokens_per_param) < float(sixteen.tokens_per_param) < float(sixty.tokens_per_param)


def test_data_constrained_plan_reports_epochs_and_approaches_its_floor():
    law = get_law("muennighoff2023").law
    plans = data_constrained_optimal(law, [1e26, 1e28, 1e30], 50e12)
    assert np.allclose(plans.extra["epochs"], plans.n_tokens / 50e12)
    assert np.all(np.diff(plans.loss) < 0)
    assert np.all(plans.loss > asymptotic_loss(law, 50e12))
    saturation = saturation_compute(law, 50e12)
    assert 1e28 < float(saturation.compute_flops) < 1e31


def test_with_plenty_of_data_the_data_constrained_optimum_is_the_base_optimum():
    law = get_law("muennighoff2023").law
    constrained = data_constrained_optimal(law, 1e22, 1e15)
    base = compute_optimal(law.base, 1e22)
    assert float(constrained.n_params) == pytest.approx(float(base.n_params), rel=1e-4)


def test_inference_aware_models_are_smaller_and_cheaper_overall():
    # Sardana & Frankle 2023: with heavy inference demand, train smaller models on more tokens
    law = get_law("hoffmann2022").law
    none = inference_optimal(law, 0.0, compute_flops=5.76e23)
    heavy = inference_optimal(law, 1e14, compute_flops=5.76e23)
    assert float(none.n_params) == pytest.approx(none.extra["chinchilla_n"], rel=1e-3)
    assert float(heavy.n_params) < float(none.n_params)
    assert float(heavy.tokens_per_param) > float(none.tokens_per_param)
    assert float(heavy.loss) == pytest.approx(float(none.loss))
    assert 0 < heavy.extra["saving_fraction"] < 1


def test_planner_input_errors():
    law = get_law("hoffmann2022").law
    with pytest.raises(InputError):
        compute_optimal(law, -1.0)
    with pytest.raises(InputError):
        compute_optimal(law, float("nan"))
    with pytest.raises(InputError):
        fixed_allocation(law, 1e23)
    with pytest.raises(LawError, match="data-constrained"):
        data_constrained_optimal(law, 1e23, 1e12)


def test_plan_for_picks_the_planner_from_the_options_given():
    from scalinglab.plan.dispatch import plan_for

    law = get_law("hoffmann2022").law
    optimal = plan_for(law, name="hoffmann2022", compute=[5.76e23])
    assert float(optimal.n_params) == pytest.approx(float(compute_optimal(law, 5.76e23).n_params))
    assert np.ndim(optimal.n_params) == 0 and np.ndim(plan_for(law, name="h", compute=[5.76e23], many=True).n_params) == 1
    fixed = plan_for(law, name="hoffmann2022", compute=[5.76e23], params=2e10)
    assert float(fixed.n_params) == 2e10 and fixed.extra["loss_penalty"] > 0
    epochs = plan_for(get_law("muennighoff2023").law, name="m", unique_tokens=5e13)
    assert np.round(epochs.extra["epochs"]).tolist() == [1, 4, 16, 60]  # the default epochs
    with pytest.raises(InputError, match="fixes both N and D; drop params="):
        plan_for(law, name="h", compute=[1e23], tokens_per_param=20, params=7e9)
    with pytest.raises(InputError, match=r"^give compute= \(or target_loss=, unique_tokens=, tokens_per_param=\)$"):
        plan_for(law, name="h")


def test_predict_warns_beyond_the_fitted_range_counting_c_as_6nd():
    from scalinglab.plan import predict

    law = get_law("hoffmann2022").law
    # 6 x 70B x 1.4T = 5.9e23 FLOP, over 100x the largest C of this made-up range (1e21); N and D stay inside it
    beyond = predict(law, n_params=7e10, n_tokens=1.4e12, fitted_range={"n": [1e7, 1e11], "d": [1e9, 1e13],
                                                                        "c": [1e17, 1e21]})
    assert len(beyond.warnings) == 1 and beyond.warnings[0].startswith("C (FLOP) = 5.88e+23 is 588x beyond")
    assert predict(law, n_params=7e10, n_tokens=1.4e12).warnings == ()
