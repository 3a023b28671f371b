"""Each family's one formula in ``laws``: its analytic Jacobian against central differences of the formula,
the law's evaluation against the fit model's prediction, and the fused Chinchilla objective against it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglab.fit import make_model, make_objective

RNG = np.random.default_rng(11)
N = 10 ** RNG.uniform(7.5, 10.5, 50)
D = 10 ** RNG.uniform(9.0, 12.0, 50)
X = 10 ** RNG.uniform(17.0, 23.0, 50)


def _data(family):
    """The fit model's data for the runs (N, D) or x, and the law's arguments for the same runs."""
    if family in ("chinchilla", "kaplan"):
        return {"lN": np.log(N), "lD": np.log(D)}, (N, D)
    if family == "sigmoid":
        return {"t": np.log10(X)}, (X,)
    return {"lx": np.log(X)}, (X,)


def _theta(model, data, rng, k=3):
    grid = model.grid(data)
    return grid[rng.integers(len(grid), size=k)] + rng.normal(0, 0.05, (k, grid.shape[1]))


def _evaluate(law, args):
    return law.loss(*args) if hasattr(law, "loss") else law(*args)


ANALYTIC = ["chinchilla"]
ALL = ["chinchilla"]


@pytest.mark.parametrize("family", ANALYTIC)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_analytic_jacobian_matches_central_differences_of_the_formula(family, seed):
    model = make_model(family)
    data, _ = _data(family)
    theta = _theta(model, data, np.random.default_rng(seed))
    numeric = np.empty(theta.shape[:1] + (len(N),) + theta.shape[1:])
    for j in range(theta.shape[1]):
        h = 1e-6 * np.maximum(1.0, np.abs(theta[:, j]))[:, None]
        up, down = theta.copy(), theta.copy()
        up[:, j:j + 1] += h
        down[:, j:j + 1] -= h
        numeric[..., j] = (model.formula(*model.columns(up), *(data[k] for k in model.formula_inputs))
                           - model.formula(*model.columns(down), *(data[k] for k in model.formula_inputs))) / (2 * h)
    np.testing.assert_allclose(model.jacobian(theta, data), numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("family", ALL)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_law_evaluation_and_fit_prediction_agree(family, seed):
    """The law built from a fit's coordinates evaluates to exactly what the fit model predicts."""
    model = make_model(family)
    data, args = _data(family)
    for theta in _theta(model, data, np.random.default_rng(seed)):
        predicted = model.predict(theta[None, :], data)[0]
        law = model.to_law(theta)
        value = _evaluate(law, args)
        response = np.log(value) if model.response == "log" else value
        np.testing.assert_allclose(response, predicted, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("objective", ["squares", "huber"])
def test_fused_chinchilla_objective_is_the_formulas(objective):
    """The hot loop's fused value, gradient and Hessian are those of the law's formula and its Jacobian."""
    model = make_model("chinchilla")
    data, _ = _data("chinchilla")
    rng = np.random.default_rng(5)
    theta = _theta(model, data, rng, k=6)
    y = model.predict(theta[:1], data)[0] + rng.normal(0, 0.05, len(N))
    obj = make_objective(objective, delta=1e-2) if objective == "huber" else make_objective(objective)
    value, psi = obj.value_and_psi(model.formula(*model.columns(theta), data["lN"], data["lD"]) - y)
    grad = np.einsum("kn,knp->kp", psi, model.jacobian(theta, data))
    fused_value, fused_grad = model.value_grad(theta, data, y, obj)
    hess_value, hess_grad, hess = model.value_grad_hess(theta, data, y, obj)
    np.testing.assert_allclose(fused_value, value, rtol=1e-12)
    np.testing.assert_allclose(hess_value, value, rtol=1e-12)
    np.testing.assert_allclose(fused_grad, grad, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(hess_grad, grad, rtol=1e-9, atol=1e-9)
    for j in range(theta.shape[1]):  # the Hessian's columns: central differences of the formula's gradient
        h = 1e-6
        up, down = theta.copy(), theta.copy()
        up[:, j] += h
        down[:, j] -= h
        g_up = np.einsum("kn,knp->kp", obj.value_and_psi(model.predict(up, data) - y)[1], model.jacobian(up, data))
        g_down = np.einsum("kn,knp->kp", obj.value_and_psi(model.predict(down, data) - y)[1],
                           model.jacobian(down, data))
        np.testing.assert_allclose(hess[:, :, j], (g_up - g_down) / (2 * h), rtol=1e-4, atol=1e-5)
