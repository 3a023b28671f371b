"""Newton refits (exact Hessian, damped steps) and the fast estimator's screened ranking.

The Chinchilla runs are those of Besiroglu et al. 2024 (arXiv:2404.10102): 240 lowest-loss of the 245
extracted from Hoffmann et al. 2022; their Section 4 reports bootstrap standard errors E 0.026,
A 124.5, B 1293, alpha 0.015, beta 0.021 (pinned in test_fit_chinchilla.py)."""

from __future__ import annotations

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglab.fit import load_runs, make_model, make_objective, run_bootstrap
from scalinglab.fit import estimators
from scalinglab.fit.estimators import FAST_TOL, estimate, make_fg
from scalinglab.fit.newton import newton_many
from scalinglab.fit.optimize import minimize_many

RNG = np.random.default_rng(11)
N = 10 ** RNG.uniform(7.5, 10.0, 60)
D = 10 ** RNG.uniform(9.0, 11.5, 60)


@pytest.fixture(scope="module")
def chinchilla():
    runs, _ = load_runs("chinchilla-runs").drop_highest_loss(5)
    model = make_model("chinchilla")
    data, y = model.data(runs)
    objective = make_objective("huber", delta=1e-3)
    return model, objective, data, y, estimate(model, objective, data, y).theta


@pytest.mark.parametrize("objective", ["huber", "squares", "asymmetric"])
@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_chinchilla_hessian_matches_central_differences_of_the_gradient(objective, seed):
    model = make_model("chinchilla")
    rng = np.random.default_rng(seed)
    theta = np.array([[0.5, 6.0, 7.5, 0.34, 0.37]]) + rng.normal(0, 0.1, (1, 5))
    data = {"lN": np.log(N), "lD": np.log(D)}
    # residuals at least 0.005 from 0 (the asymmetric objective's kink) and far below 0.5 (the wide Huber's),
    # so no central difference straddles a jump of psi'
    noise = rng.choice([-1.0, 1.0], len(N)) * (0.005 + np.abs(rng.normal(0, 0.02, len(N))))
    y = model.predict(theta, data)[0] + noise
    obj = make_objective(objective, delta=0.5)
    value, grad, hess = model.value_grad_hess(theta, data, y, obj)
    v0, g0 = model.value_grad(theta, data, y, obj)
    np.testing.assert_allclose(value, v0, rtol=1e-12)
    np.testing.assert_allclose(grad, g0, rtol=1e-10, atol=1e-12)
    numeric = np.empty((5, 5))
    for j in range(5):
        h = 1e-6 * max(1.0, abs(theta[0, j]))
        up, down = theta.copy(), theta.copy()
        up[0, j] += h
        down[0, j] -= h
        numeric[:, j] = (model.value_grad(up, data, y, obj)[1][0] - model.value_grad(down, data, y, obj)[1][0]) / (2 * h)
    np.testing.assert_allclose(hess[0], numeric, rtol=1e-5, atol=1e-6 * np.abs(numeric).max())
    np.testing.assert_allclose(hess[0], hess[0].T, rtol=1e-12, atol=1e-15)


def test_newton_refits_reach_lbfgsb_optima_or_lower(chinchilla):
    """Every bootstrap refit ends at least as low as SciPy's L-BFGS-B (tight tolerances) from the same
    start on the same resample, and the standard errors agree to 0.1%."""
    model, objective, data, y, theta = chinchilla
    size = 200
    boot = run_bootstrap(model, objective, data, y, theta, size, seed=3)
    index = np.random.default_rng(3).integers(0, len(y), size=(size, len(y)))
    lbfgsb = minimize_many(make_fg(model, objective, data, y, index), np.tile(theta, (size, 1)), bounds=model.bounds(),
                           **FAST_TOL)
    assert boot.converged.all()
    assert (boot.objectives <= lbfgsb.fun + 1e-15).all()
    params = [np.array([list(model.params(t).values()) for t in thetas]) for thetas in (boot.thetas, lbfgsb.x)]
    np.testing.assert_allclose(params[0].std(axis=0, ddof=1), params[1].std(axis=0, ddof=1), rtol=1e-3)


def test_newton_stops_at_a_bound_unconverged_so_lbfgsb_finishes():
    """A minimum outside the bounds: Newton stops on the bound and says so; the bootstrap then hands the
    problem to L-BFGS-B, whose projected gradient handles bounds."""

    def vgh(x, rows, hessian):
        f = ((x + 1.0) ** 2).sum(axis=1)
        return (f, 2 * (x + 1.0), np.tile(2 * np.eye(x.shape[1]), (len(x), 1, 1))) if hessian else f

    x, f, converged = newton_many(vgh, np.ones((3, 2)), bounds=[(0.0, None), (None, None)])
    np.testing.assert_allclose(x[:, 0], 0.0)
    np.testing.assert_allclose(x[:, 1], -1.0)
    assert not converged.any()
    free_x, free_f, free_converged = newton_many(vgh, np.ones((3, 2)))
    np.testing.assert_allclose(free_x, -1.0)
    assert free_converged.all() and np.allclose(free_f, 0.0)


def test_screened_ranking_keeps_the_starts_of_full_ranking(chinchilla):
    model, objective, data, y, _ = chinchilla
    candidates = np.vstack([model.grid(data), model.extra_starts(data, y)])
    full = estimators.objective_values(model, objective, data, y, candidates)
    screened = estimators._rank(model, objective, data, y, candidates)
    assert len(candidates) > 2 * estimators._SCREEN_KEEP and len(y) > 2 * estimators._SCREEN_RUNS
    assert np.isinf(screened).sum() == len(candidates) - estimators._SCREEN_KEEP
    np.testing.assert_array_equal(estimators._distinct(candidates, screened, model.refine),
                                  estimators._distinct(candidates, full, model.refine))


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10_000), noise=st.sampled_from([0.005, 0.02, 0.05]))
def test_screened_fast_fit_equals_the_unscreened_one(seed, noise):
    """On noisy Chinchilla-like tables the fit with screening ends where ranking every start on every
    run ends (the screening changes the time, not the answer)."""
    model, objective = make_model("chinchilla"), make_objective("huber", delta=1e-3)
    rng = np.random.default_rng(seed)
    truth = np.array([[np.log(1.7), np.log(400.0), np.log(1800.0), 0.34, 0.28]]) + rng.normal(0, 0.1, (1, 5))
    n, d = 10 ** rng.uniform(7.5, 10.0, 150), 10 ** rng.uniform(9.0, 11.5, 150)
    data = {"lN": np.log(n), "lD": np.log(d)}
    y = model.predict(truth, data)[0] + rng.normal(0, noise, len(n))
    screened = estimate(model, objective, data, y)
    with mock.patch.object(estimators, "_rank", lambda *args: estimators.objective_values(*args)):
        full = estimate(model, objective, data, y)
    assert screened.objective <= full.objective * (1 + 1e-9)


def test_a_singular_system_refuses_only_its_own_step():
    """An exactly singular damped Hessian (a zero pivot) gives NaN for that problem only, so its step is
    refused and the damping grows, while the other problems step on."""
    from scalinglab.fit.newton import _solve

    matrices = np.array([np.zeros((2, 2)), 2 * np.eye(2), [[2.0, 1.0], [1.0, 2.0]]])
    steps = _solve(matrices, np.array([[1.0, 1.0], [2.0, 4.0], [3.0, 3.0]]))
    assert np.isnan(steps[0]).all()
    np.testing.assert_allclose(steps[1:], [[1.0, 2.0], [1.0, 1.0]])
