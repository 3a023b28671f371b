"""Laws of one's own (--formula): fitted by the same machinery as the built-in families, saved, loaded,
predicted and planned with; every bad input is one line and exit code 2."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import scalinglab as sl
from scalinglab.errors import InputError
from scalinglab.fit import fit_law, load_runs
from scalinglab.fit.formula_model import FormulaModel
from scalinglab.fit.objectives import make_objective
from scalinglab.laws.formula_law import formula_family, parse_param, parse_variable

from conftest import assert_user_error

CHINCHILLA = "E + A / N^alpha + B / D^beta"


def test_the_chinchilla_formula_matches_the_built_in_chinchilla_fit():
    """Same table (Hoffmann et al. 2022 runs as extracted by Besiroglu et al. 2024, 5 highest losses dropped), same
    log-Huber objective: the formula reaches the built-in fit's optimum (alpha 0.347, beta 0.367, pinned against
    the published replication in test_fit_chinchilla.py)."""
    own = sl.fit("chinchilla-runs", formula=CHINCHILLA, variables=["N", "D"], drop_highest_loss=5).raw
    built_in = sl.fit("chinchilla-runs", drop_highest_loss=5).raw
    assert own.family == "formula" and own.n_runs == built_in.n_runs == 240
    for name, value in built_in.params.items():
        assert own.params[name] == pytest.approx(value, rel=1e-5), name
    assert own.objective == pytest.approx(built_in.objective, rel=1e-9)
    budget = own.derived["budgets"][0]  # a law of N and D plans like any other
    assert budget["n_opt"] == pytest.approx(built_in.derived["budgets"][0]["n_opt"], rel=1e-4)


def test_a_real_table_with_a_third_input_fits_a_learning_rate_term():
    """Li, Kudugunta and Zettlemoyer 2025 (bundled misfitting-lr-sweep): a quadratic in log peak learning rate
    added to the Chinchilla form lowers the objective of the very same runs, with the lr column as an input."""
    with_lr = sl.fit("misfitting-lr-sweep", formula=CHINCHILLA + " + C * (log(lr) - mu)^2",
                     variables=["N", "D", "lr=peak_lr"]).raw
    without = sl.fit("misfitting-lr-sweep", formula=CHINCHILLA, variables=["N", "D"]).raw
    assert set(with_lr.params) == {"E", "A", "alpha", "B", "beta", "C", "mu"}
    assert with_lr.objective < 0.9 * without.objective
    assert with_lr.law_dict["variables"] == {"N": "N", "D": "D", "lr": "peak_lr"}
    assert not with_lr.derived  # inputs other than N and D: no compute-optimal allocation


def _moe_table(rows: int = 48, seed: int = 0, noise: float = 0.004) -> tuple[pd.DataFrame, dict]:
    truth = {"L": 1.75, "B": 420.0, "alpha": 0.31, "beta": 0.11}
    rng = np.random.default_rng(seed)
    n = np.repeat(np.logspace(7, 9, rows // 6), 6)
    e = np.tile([1, 2, 4, 8, 16, 32], rows // 6)
    loss = (truth["L"] + truth["B"] / (n ** truth["alpha"] * e ** truth["beta"])) * np.exp(rng.normal(0, noise, rows))
    return pd.DataFrame({"dense_parameter_count": n, "num_experts": e, "loss_validation": loss}), truth


def test_a_mixture_of_experts_law_recovers_its_parameters_with_intervals():
    frame, truth = _moe_table()
    fit = sl.fit(frame, formula="L + B / (N^alpha * E^beta)", variables={"N": "dense_parameter_count",
                 "E": "num_experts"}, loss_col="loss_validation", params={"alpha": "0.3:0:3"}, bootstrap=60).raw
    for name, value in truth.items():  # within four bootstrap standard errors of the truth, and the interval
        assert abs(fit.params[name] - value) <= 4 * fit.stderr[name], (name, fit.params[name], value)
        assert fit.intervals[name][0] < fit.params[name] < fit.intervals[name][1]
    assert fit.settings["param_specs"]["alpha"]["starts"] == [0.3]
    assert fit.settings["param_specs"]["B"]["transform"] == "log"


def test_the_model_gradients_and_hessian_match_finite_differences():
    frame, _ = _moe_table()
    family = formula_family("L + B / (N^alpha * E^beta) + min(N / 1e9, 1) * c", {"N": "dense_parameter_count",
                                                                                  "E": "num_experts"})
    runs = load_runs(frame, loss_col="loss_validation", inputs=family.variables, response="any")
    objective = make_objective("squares")
    for space in ("log", "target"):
        model = FormulaModel(family, space)
        data, y = model.data(runs)
        theta = np.array([[0.3, np.log(300.0), 0.28, 0.1, 0.05]])
        value, grad, hess = model.value_grad_hess(theta, data, y, objective)
        assert np.allclose(model.value_grad(theta, data, y, objective)[1], grad)
        for j in range(theta.shape[1]):
            step = np.zeros_like(theta)
            step[0, j] = 1e-6
            up = model.value_grad(theta + step, data, y, objective)
            down = model.value_grad(theta - step, data, y, objective)
            assert (up[0] - down[0])[0] / 2e-6 == pytest.approx(grad[0, j], rel=1e-5, abs=1e-9)
            np.testing.assert_allclose((up[1] - down[1])[0] / 2e-6, hess[0, :, j], rtol=1e-4, atol=1e-7)
            jac_fd = (model.predict(theta + step, data) - model.predict(theta - step, data))[0] / 2e-6
            np.testing.assert_allclose(model.jacobian(theta, data)[0, :, j], jac_fd, rtol=1e-5, atol=1e-9)


def test_targets_of_any_sign_are_fitted_in_their_own_units_with_a_note():
    rng = np.random.default_rng(3)
    x = np.linspace(1, 20, 40)
    frame = pd.DataFrame({"x": x, "score": 0.4 - 0.9 * np.exp(-0.2 * x) + rng.normal(0, 0.003, x.size)})
    fit = sl.fit(frame, formula="c - a * exp(-k * x)", variables=["x"], loss_col="score").raw
    assert fit.settings["space"] == "target" and fit.objective_spec["space"] == "target"
    assert any("own units" in note for note in fit.data["notes"])
    assert fit.params["k"] == pytest.approx(0.2, rel=0.05) and fit.params["c"] == pytest.approx(0.4, abs=0.01)
    with pytest.raises(InputError, match="non-positive values .*target-huber"):
        sl.fit(frame, formula="c - a * exp(-k * x)", variables=["x"], loss_col="score", objective="log-huber")
    with pytest.raises(InputError, match="for formula= fits"):
        sl.fit("chinchilla-runs", objective="target-huber")


def test_group_by_where_duplicates_backtest_and_profile_work_for_formulas():
    from scalinglab.fit.groups import fit_groups

    groups = fit_groups("marin-isoflop", "dataset", formula=CHINCHILLA, variables={"N": "N", "D": "D"},
                        table={"duplicates": "min"})
    assert len(groups.fits) == 3 and all(f.family == "formula" for f in groups.fits)
    assert any("kept the lowest-loss run" in n for f in groups.fits for n in f.data["notes"])
    one = sl.fit("marin-isoflop", formula=CHINCHILLA, variables=["N", "D"], where="dataset == 'dclm'",
                 holdout_above=3e20, bootstrap=30, profile="beta").raw
    assert one.n_runs < sum(f.n_runs for f in groups.fits)
    assert one.backtest["test_runs"] > 0 and 0 <= one.backtest["coverage"] <= 1
    assert one.diagnostics["profile"]["parameter"] == "beta"


def test_a_saved_formula_fit_loads_predicts_and_plans(tmp_path):
    path = tmp_path / "fit.json"
    fit = sl.fit("chinchilla-runs", formula=CHINCHILLA, variables=["N", "D"], drop_highest_loss=5)
    fit.save(path)
    saved = json.loads(path.read_text())
    assert saved["format_version"] == 2 and saved["law"]["formula"] == CHINCHILLA
    loaded = sl.load_fit(path).raw
    assert loaded.params == fit.raw.params
    assert sl.predict(str(path), params="70B", tokens="1.4T").loss == pytest.approx(
        sl.predict(fit.raw.law, params="70B", tokens="1.4T").loss)
    plan = sl.plan(compute=5.76e23, law=str(path))
    assert plan.n_params == pytest.approx(fit.raw.derived["budgets"][0]["n_opt"], rel=1e-4)
    saved["law"]["params"]["zeta"] = 1.0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(saved))
    with pytest.raises(InputError, match="law.params.zeta: not a parameter"):
        sl.load_fit(bad)


@pytest.mark.parametrize("options, fragment", [
    ({"formula": "E + A / N^^alpha", "variables": ["N"]}, "position 11"),
    ({"formula": "E + gamma(N)", "variables": ["N"]}, "unknown function 'gamma'"),
    ({"formula": CHINCHILLA, "variables": ["N", "D=tokens_seen"]}, "variables=D=tokens_seen: no column 'tokens_seen'"),
    ({"formula": "N + D", "variables": ["N", "D"]}, "no free parameter"),
    ({"formula": CHINCHILLA, "variables": ["N", "Q"]}, "variables=Q: the formula"),
    ({"formula": CHINCHILLA, "variables": ["N", "D"], "params": ["alpha=2:0:1"]}, "outside [0, 1]"),
    ({"formula": CHINCHILLA, "variables": ["N", "D"], "params": ["N=1"]}, "is an input"),
    ({"formula": CHINCHILLA, "variables": ["N", "D"], "params": ["alpha"]}, "NAME=START:LOWER:UPPER"),
    ({"formula": CHINCHILLA, "variables": ["N", "D"], "params": ["alpha=a:0:1"]}, "'a' is not a number"),
    ({"formula": CHINCHILLA, "params": ["alpha=1"]}, "no inputs"),
    ({"formula": "E + A * log(N - 1e12)", "variables": ["N"]}, "is not a number at rows"),
    ({"formula": "E + log(a - N)", "variables": ["N"]}, "gives NaN or infinity on the data at every start (e.g. rows 1,"),
])
def test_bad_formula_input_is_one_clear_error(options, fragment):
    with pytest.raises(InputError) as caught:
        sl.fit("chinchilla-runs", **options)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_a_missing_value_in_an_input_column_names_its_row():
    frame, _ = _moe_table()
    frame["num_experts"] = frame["num_experts"].astype(float)
    frame.loc[6, "num_experts"] = np.inf
    with pytest.raises(InputError, match=r"column 'num_experts' has 1 infinite value \(row 7\)"):
        sl.fit(frame, formula="L + B / (N^alpha * E^beta)", variables={"N": "dense_parameter_count",
               "E": "num_experts"}, loss_col="loss_validation")


def test_parameter_overrides_read_start_bounds_and_transform():
    assert parse_param("alpha=0.3:0:3") == ("alpha", {"start": 0.3, "lower": 0.0, "upper": 3.0})
    assert parse_param("B=::inf:linear") == ("B", {"upper": float("inf"), "transform": "linear"})
    family = formula_family(CHINCHILLA, {"N": "N", "D": "D"}, {"beta": "0.3:0.3:0.3", "A": {"lower": -1, "upper": 1e3}})
    assert family.fixed == {"beta": 0.3} and "beta" not in family.parameters
    spec = {s.name: s for s in family.specs}["A"]
    assert not spec.log_scale and (spec.lower, spec.upper) == (-1.0, 1e3)


def test_cli_fit_save_predict_without_a_loss_column_and_rebound_inputs(cli, tmp_path):
    frame, _ = _moe_table()
    frame.to_csv(tmp_path / "runs.csv", index=False)
    new = frame.drop(columns="loss_validation").rename(columns={"num_experts": "experts"})
    new.to_csv(tmp_path / "new.csv", index=False)
    fit = cli("fit", tmp_path / "runs.csv", "--formula", "L + B / (N^alpha * E^beta)", "--var",
              "N=dense_parameter_count", "--var", "E=num_experts", "--loss-col", "loss_validation", "--param",
              "alpha=0.3:0:3", "--save", tmp_path / "fit.json")
    assert fit.code == 0, fit.stderr
    assert "law: L + B / (N^alpha * E^beta)" in fit.stdout
    out = cli("predict", "--law", tmp_path / "fit.json", "--runs", tmp_path / "new.csv", "--var", "E=experts",
              "--out", tmp_path / "pred.csv")
    assert out.code == 0, out.stderr
    pred = pd.read_csv(tmp_path / "pred.csv")
    law = sl.load_fit(tmp_path / "fit.json").raw.law
    expected = law.evaluate({"N": frame["dense_parameter_count"], "E": frame["num_experts"]})
    np.testing.assert_allclose(pred["predicted_loss"], expected, rtol=1e-12)
    assert (pred["lower"] < pred["predicted_loss"]).all() and (pred["predicted_loss"] < pred["upper"]).all()
    missing = cli("predict", "--law", tmp_path / "fit.json", "--runs", tmp_path / "new.csv")
    assert_user_error(missing, "--var E=num_experts: no column 'num_experts'")
    bad = cli("fit", tmp_path / "runs.csv", "--formula", "L + B.x", "--var", "N=dense_parameter_count")
    assert_user_error(bad, "position 6", "attribute access")


def test_plan_finds_the_numeric_optimum_under_k_n_d_or_a_declared_cost():
    law = sl.fit("chinchilla-runs", formula=CHINCHILLA, variables=["N", "D"], drop_highest_loss=5).raw.law
    closed = sl.plan(compute=[1e21, 5.76e23], law=sl.fit("chinchilla-runs", drop_highest_loss=5).raw.law)
    numeric = sl.plan(compute=[1e21, 5.76e23], law=law)
    declared = sl.plan(compute=[1e21, 5.76e23], law=law, cost="6*N*D")
    for plan in (numeric, declared):  # the numeric optimum of the formula is Hoffmann et al.'s closed form
        np.testing.assert_allclose(plan.raw.n_params, closed.raw.n_params, rtol=1e-4)
        np.testing.assert_allclose(plan.raw.n_tokens, closed.raw.n_tokens, rtol=1e-4)
    dearer = sl.plan(compute=5.76e23, law=law, cost="6*N*D + 1e12*D")  # tokens cost extra: fewer of them
    assert dearer.n_tokens < 0.5 * declared.raw.n_tokens[1]
    assert 6 * dearer.n_params * dearer.n_tokens + 1e12 * dearer.n_tokens == pytest.approx(5.76e23, rel=1e-9)
    moe = law.__class__("L + B / (N^alpha * E^beta) + C / D^gamma", {"N": "n", "E": "e", "D": "d"},
                        {"L": 1.7, "B": 400.0, "alpha": 0.3, "beta": 0.1, "C": 900.0, "gamma": 0.3})
    eight = sl.plan(compute=1e22, law=moe, inputs=["E=8"])
    one = sl.plan(compute=1e22, law=moe, inputs={"E": 1})
    assert eight.loss < one.loss
    with pytest.raises(Exception, match="besides N and D; hold them fixed first"):
        sl.plan(compute=1e22, law=moe)
    with pytest.raises(InputError, match="formula of N and D only"):
        sl.plan(compute=1e22, law=law, cost="6*N*E")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_random_param_and_var_texts_parse_or_fail_in_one_line(text):
    for parse in (parse_param, parse_variable):
        try:
            name, value = parse(text)
        except InputError as error:
            assert "\n" not in str(error)
        else:
            assert name == name.strip() and name
    try:
        formula_family(CHINCHILLA, {"N": "N", "D": "D"}, {"alpha": text})
    except InputError as error:
        assert "\n" not in str(error)


def test_a_published_law_predicts_a_table_without_a_loss_column(tmp_path):
    frame = pd.DataFrame({"n": [1e9, 7e10], "d": [2e10, 1.4e12]})
    from scalinglab.fit.predictions import predict_runs

    result = predict_runs("hoffmann2022", frame)
    np.testing.assert_allclose([r["predicted"] for r in result.rows],
                               sl.predict("hoffmann2022", params=[1e9, 7e10], tokens=[2e10, 1.4e12]).loss)
    assert result.summary["r2"] is None and all(r["observed"] is None for r in result.rows)
    result.save(tmp_path / "p.csv")
    written = pd.read_csv(tmp_path / "p.csv")["predicted_loss"]
    assert list(written) == [r["predicted"] for r in result.rows]
    assert round(written[1], 4) == 1.9366  # Hoffmann et al. 2022 (Approach 3 law) at 70B parameters, 1.4T tokens


def test_a_formula_law_or_its_fit_given_as_the_law_refits_its_own_formula():
    first = sl.fit("chinchilla-runs", formula=CHINCHILLA, variables=["N", "D"], drop_highest_loss=5)
    again = sl.fit("chinchilla-runs", law=first, drop_highest_loss=5).raw
    assert again.law_dict["formula"] == CHINCHILLA and again.params == first.raw.params
    from_law = sl.fit("chinchilla-runs", law=first.raw.law, drop_highest_loss=5).raw
    assert from_law.params == first.raw.params
