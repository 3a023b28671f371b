"""Each family's one formula in ``laws``: its analytic Jacobian against central differences of the formula,
the law's evaluation against the fit model's prediction, and the fused Chinchilla objective against it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scalinglab.fit import make_model, make_objective
from scalinglab.laws import get_law

RNG = np.random.default_rng(11)
N = 10 ** RNG.uniform(7.5, 10.5, 50)
D = 10 ** RNG.uniform(9.0, 12.0, 50)
X = 10 ** RNG.uniform(17.0, 23.0, 50)
U = D / 10 ** RNG.uniform(0.0, 1.5, 50)  # up to ~30 epochs
MUENNIGHOFF = get_law("muennighoff2023").law  # a base law for the data-constrained family


def _model(family):
    """The fit model of a family (the data-constrained one with its base law fixed or fitted too; the accuracy
    S-curve with its floor and ceiling fixed)."""
    if family == "accuracy":
        from scalinglab.fit.accuracy import AccuracyModel

        return AccuracyModel(floor=0.25, ceiling=0.9)
    if family == "data-constrained-fixed":
        return make_model("data-constrained", base=MUENNIGHOFF.base)
    if family == "data-constrained":
        from scalinglab.fit.models import ChinchillaModel

        return make_model(family, base_start=ChinchillaModel().from_params(MUENNIGHOFF.base.params()))
    return make_model(family)


def _data(family):
    """The fit model's data for the runs (N, D) or x, and the law's arguments for the same runs."""
    if family in ("chinchilla", "kaplan"):
        return {"lN": np.log(N), "lD": np.log(D)}, (N, D)
    if family.startswith("data-constrained"):
        return {"N": N, "D": D, "U": U}, (N, D, U)
    if family in ("sigmoid", "accuracy"):
        return {"t": np.log10(X)}, (X,)
    return {"lx": np.log(X)}, (X,)


def _theta(model, data, rng, k=3):
    grid = model.grid(data)
    return grid[rng.integers(len(grid), size=k)] + rng.normal(0, 0.05, (k, grid.shape[1]))


def _central_differences(function, theta, h=1e-6):
    """d function(theta) / d theta_j by central differences, stacked on a last axis (one step per row)."""
    columns = []
    for j in range(theta.shape[1]):
        step = h * np.maximum(1.0, np.abs(theta[:, j]))
        up, down = theta.copy(), theta.copy()
        up[:, j] += step
        down[:, j] -= step
        diff = function(up) - function(down)
        columns.append(diff / (2 * step).reshape((-1,) + (1,) * (diff.ndim - 1)))
    return np.stack(columns, axis=-1)


def _evaluate(law, args):
    return law.loss(*args) if hasattr(law, "loss") else law(*args)


ANALYTIC = ["chinchilla", "kaplan", "power", "saturating-power", "sigmoid"]
ALL = ANALYTIC + ["broken-power", "data-constrained", "data-constrained-fixed", "accuracy"]


@pytest.mark.parametrize("family", ANALYTIC)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_analytic_jacobian_matches_central_differences_of_the_formula(family, seed):
    model, (data, _) = _model(family), _data(family)
    theta = _theta(model, data, np.random.default_rng(seed))
    numeric = _central_differences(lambda t: model.predict(t, data), theta)  # predict is the laws formula
    np.testing.assert_allclose(model.jacobian(theta, data), numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("family", ALL)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_law_evaluation_and_fit_prediction_agree(family, seed):
    """The law built from a fit's coordinates evaluates to exactly what the fit model predicts."""
    model, (data, args) = _model(family), _data(family)
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
    value, psi = obj.value_and_psi(model.law_formula(*model.columns(theta), data["lN"], data["lD"]) - y)
    grad = np.einsum("kn,knp->kp", psi, model.jacobian(theta, data))
    fused_value, fused_grad = model.value_grad(theta, data, y, obj)
    hess_value, hess_grad, hess = model.value_grad_hess(theta, data, y, obj)
    np.testing.assert_allclose(fused_value, value, rtol=1e-12)
    np.testing.assert_allclose(hess_value, value, rtol=1e-12)
    np.testing.assert_allclose(fused_grad, grad, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(hess_grad, grad, rtol=1e-9, atol=1e-9)

    def formula_gradient(t):
        return np.einsum("kn,knp->kp", obj.value_and_psi(model.predict(t, data) - y)[1], model.jacobian(t, data))

    np.testing.assert_allclose(hess, _central_differences(formula_gradient, theta), rtol=1e-4, atol=1e-5)


def test_broken_power_law_with_a_negative_floor_is_an_error():
    """Its formula is in log form, so a negative floor or scale is refused rather than evaluated to NaN."""
    from scalinglab.errors import InputError
    from scalinglab.laws import BrokenPowerLaw

    with pytest.raises(InputError, match="a=-0.5, b=1"):
        BrokenPowerLaw(a=-0.5, b=1.0, c0=0.1)
