"""The Python face, ``import scalinglab as sl``: laws given every way, results that equal the CLI's JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scalinglab as sl
from scalinglab.errors import ScalingLabError


@pytest.fixture(scope="module")
def saved_fit(tmp_path_factory):
    """Besiroglu et al. 2024's refit of Chinchilla's runs (drop the 5 highest losses), saved as a law file."""
    path = tmp_path_factory.mktemp("fit") / "fit.json"
    result = sl.fit("chinchilla-runs", drop_highest_loss=5)
    result.save(path)
    return result, path


def _is_plain(value) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_is_plain(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


def test_import_is_lazy_and_fast():
    code = "import sys, scalinglab; print(sorted(m for m in ('pandas', 'scipy', 'torch', 'ray', 'fastapi') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_face_names():
    for name in ("plan", "predict", "fit", "isoflop", "flops", "cost", "budget", "forecast", "compare", "trend"):
        assert callable(getattr(sl, name)), name
    assert sl.laws.get("epoch").name == "besiroglu2024"
    assert {d.name for d in sl.datasets.list()} >= {"chinchilla-runs", "notable-models"}
    assert callable(sl.sweep.plan)


def test_subpackages_stay_reachable_under_the_function_names():
    import scalinglab.plan.optimal as optimal

    assert optimal.compute_optimal is sl.plan.compute_optimal
    assert sl.fit.FitResult.__name__ == "FitResult"
    assert callable(sl.plan)


def test_plan_accepts_a_name_an_object_an_entry_a_fit_and_a_saved_fit(saved_fit):
    fitted, path = saved_fit
    by_name = sl.plan(compute=1e24, law="hoffmann2022")
    by_entry = sl.plan(compute=1e24, law=sl.laws.get("hoffmann2022"))
    by_object = sl.plan(compute=1e24, law=sl.laws.get("hoffmann2022").law)
    assert by_name.n_params == by_entry.n_params == by_object.n_params
    # Hoffmann et al. 2022, eq. 4 with eq. 10's parameters: N_opt = G (C/6)^(beta/(alpha+beta))
    alpha, beta, A, B = 0.34, 0.28, 406.4, 410.7
    G = (alpha * A / (beta * B)) ** (1 / (alpha + beta))
    assert by_name.n_params == pytest.approx(G * (1e24 / 6) ** (beta / (alpha + beta)))
    from_fit, from_file = sl.plan(compute=1e24, law=fitted), sl.plan(compute=1e24, law=str(path))
    assert from_fit.n_params == pytest.approx(from_file.n_params, rel=1e-9)
    # Besiroglu et al. 2024 refit: about 20 tokens per parameter at Chinchilla's scale
    assert 15 < from_file.n_tokens / from_file.n_params < 30


def test_predict_accepts_every_law_form_and_arrays(saved_fit):
    fitted, path = saved_fit
    # Hoffmann et al. 2022 eq. 10 at Chinchilla's 70B parameters and 1.4T tokens
    expected = 1.69 + 406.4 / 70e9**0.34 + 410.7 / 1.4e12**0.28
    assert sl.predict("hoffmann2022", params="70B", tokens="1.4T").loss == pytest.approx(expected)
    assert sl.predict(sl.laws.get("hoffmann2022").law, params=70e9, tokens=1.4e12).loss == pytest.approx(expected)
    assert sl.predict(path, params="70B", tokens="1.4T").loss == pytest.approx(
        sl.predict(fitted, params=70e9, tokens=1.4e12).loss)
    losses = sl.predict("hoffmann2022", params=np.array([1e9, 70e9]), tokens="1.4T").loss
    assert losses.shape == (2,) and losses[1] == pytest.approx(expected)


def test_budget_and_fit_take_law_objects(saved_fit):
    fitted, path = saved_fit
    by_name = sl.budget(gpus=1024, days=30, gpu="h100-sxm", mfu=0.4, law="hoffmann2022")
    by_object = sl.budget(gpus=1024, days=30, gpu="h100-sxm", mfu=0.4, law=sl.laws.get("hoffmann2022"))
    by_file = sl.budget(gpus=1024, days=30, gpu="h100-sxm", mfu=0.4, law=path)
    assert by_name.n_opt == by_object.n_opt
    assert by_file.flops == by_name.flops and by_file.n_opt != by_name.n_opt
    # a law object names its family to fit
    again = sl.fit("chinchilla-runs", law=sl.laws.get("hoffmann2022").law, drop_highest_loss=5)
    assert again.params == pytest.approx(fitted.params)


def test_results_are_frozen_with_short_reprs_and_plain_dicts():
    plan = sl.plan(compute=5.76e23, law="hoffmann2022")
    with pytest.raises(AttributeError):
        plan.n_params = 1.0
    text = repr(plan)
    assert text.startswith("<Plan hoffmann2022") and "\n" not in text and len(text) < 120
    assert "np.float64" not in text
    data = plan.to_dict()
    assert _is_plain(data) and json.loads(plan.to_json()) == data
    assert "Plan under hoffmann2022" in str(plan)


@pytest.mark.parametrize("make, numbers", [
    (lambda: sl.plan(compute=5.76e23, law="hoffmann2022"), ("32.2B", "2.98T", "1.9307")),
    (lambda: sl.predict("hoffmann2022", params="70B", tokens="1.4T"), ("1.9366",)),
    (lambda: sl.flops(params="175B", tokens="300B"), ("3.15e+23",)),
    (lambda: sl.cost(compute=3.14e23, gpu="v100", gpus=1024, mfu=0.3), ("119.8",)),
])
def test_html_shows_the_headline_numbers(make, numbers):
    page = make()._repr_html_()
    assert page.startswith("<div") and "<pre>" in page
    for number in numbers:
        assert number in page, number


def test_tables_become_frames(saved_fit):
    fitted, _ = saved_fit
    frame = sl.plan(compute=[1e21, 1e23], law="hoffmann2022").to_frame()
    assert list(frame["compute"]) == [1e21, 1e23] and {"n_opt", "d_opt", "loss"} <= set(frame.columns)
    assert list(fitted.to_frame()["parameter"]) == ["E", "A", "B", "alpha", "beta"]
    cost = sl.cost(compute=3.14e23, gpu="v100", gpus=1024, mfu="0.25 to 0.35", samples=2000).to_frame()
    assert {"quantity", "value", "p5", "p95"} <= set(cost.columns)
    with pytest.raises(TypeError):
        sl.predict("hoffmann2022", params=1e9, tokens=2e10).to_frame()


@pytest.mark.parametrize("make, shown", [
    (lambda: sl.plan(compute=[1e21, 1e23], law="hoffmann2022"),
     "<Plan hoffmann2022: C = 1e+21..1e+23 FLOP -> N = 1.82B..14.6B, D = 91.4B..1.14T, loss 2.33..2.01>"),
    (lambda: sl.flops(params=[1e9, 7e10], tokens="300B"), "<Flops 6ND = 1.8e+21..1.26e+23 FLOP>"),
    (lambda: sl.cost(compute=3.14e23, gpu="v100", gpus=1024, mfu=0.3, goodput=0.8), "<Cost v100: 118.3 days, cloud $8.9M>"),
    (lambda: sl.memory("llama3-70b", gpus=1024, tp=8, pp=8, zero=1, recompute="full", seq=8192),
     "<Memory 7.0 GB per GPU, fits>"),
    (lambda: sl.inference_plan("2T", compute=7.7355e22, law="hoffmann2022"),
     "<InferencePlan N = 8.21B, D = 1.69T, $239K (9.1% saved)>"),
])
def test_the_headline_is_the_science_results_own(make, shown):
    result = make()
    assert repr(result) == shown == f"<{shown[1:].split(' ')[0]} {result.raw.headline()}>"
    assert result.summary == result.raw.headline()


def test_an_isoflop_result_tables_its_budgets_and_survives_pickling():
    import pickle

    law = sl.laws.get("hoffmann2022").law
    budgets = (1e18, 1e19, 1e20, 1e21)
    runs = [{"flops": c, "params": n, "loss": law.loss(n, c / (6 * n))} for c in budgets
            for n in np.geomspace(1e7, 1e10, 9) if c / (6 * n) > n]
    result = sl.isoflop(pd.DataFrame(runs), bootstrap=0)
    frame = result.to_frame()
    assert list(frame["compute"]) == list(budgets) and {"n_opt", "d_opt", "loss_min"} <= set(frame.columns)
    again = pickle.loads(pickle.dumps(result))
    assert repr(again) == repr(result) and again.to_frame().equals(frame)


def test_one_value_gives_floats_and_a_list_gives_lists():
    one, many = sl.plan(compute=1e23), sl.plan(compute=[1e23])
    assert isinstance(one.to_dict()["n_opt"], float)
    assert many.to_dict()["n_opt"] == [one.to_dict()["n_opt"]]
    assert set(one.to_dict()) == set(many.to_dict())


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(min_value=1e18, max_value=1e28), min_size=1, max_size=5))
def test_a_list_of_budgets_plans_each_budget(budgets):
    together = sl.plan(compute=budgets, law="muennighoff2023", unique_tokens="50T").to_dict()
    for i, c in enumerate(budgets):
        alone = sl.plan(compute=c, law="muennighoff2023", unique_tokens="50T").to_dict()
        assert together["n_opt"][i] == pytest.approx(alone["n_opt"], rel=1e-9)
        assert together["epochs"][i] == pytest.approx(alone["epochs"], rel=1e-9)


def test_user_errors_raise_the_package_error():
    with pytest.raises(ScalingLabError, match="cannot read compute"):
        sl.plan(compute="5.76e2x")
    with pytest.raises(ScalingLabError, match="unknown law"):
        sl.predict("hofman2022", params=1, tokens=1)
    with pytest.raises(ScalingLabError, match="law must be"):
        sl.plan(compute=1e23, law=3.5)


@pytest.mark.parametrize("call, args", [
    (lambda: sl.plan(compute=[5.76e23], law="hoffmann2022"), ("plan", "--compute", "5.76e23", "--law", "hoffmann2022")),
    (lambda: sl.plan(compute=["1e21", "1e23"]), ("plan", "--compute", "1e21,1e23")),
    (lambda: sl.plan(compute=[1e26], law="muennighoff2023", unique_tokens="50T"),
     ("plan", "--compute", "1e26", "--law", "muennighoff2023", "--unique-tokens", "50T")),
    (lambda: sl.plan(law="muennighoff2023", unique_tokens="50T", epochs=[1, 4, 16, 60]),
     ("plan", "--law", "muennighoff2023", "--unique-tokens", "50T", "--epochs", "1,4,16,60")),
    (lambda: sl.plan(target_loss=[2.0], law="hoffmann2022"), ("plan", "--target-loss", "2.0", "--law", "hoffmann2022")),
    (lambda: sl.predict("hoffmann2022", params="70B", tokens="1.4T"),
     ("predict", "--law", "hoffmann2022", "--params", "70B", "--tokens", "1.4T")),
    (lambda: sl.flops(params="175B", tokens="300B"), ("flops", "--params", "175B", "--tokens", "300B")),
    (lambda: sl.flops(config="gpt3-175b", tokens="300B"), ("flops", "--config", "gpt3-175b", "--tokens", "300B")),
    (lambda: sl.cost(compute=3.14e23, gpu="v100", gpus=1024, mfu="0.25 to 0.35", samples=2000),
     ("cost", "--compute", "3.14e23", "--gpu", "v100", "--gpus", "1024", "--mfu", "0.25 to 0.35", "--samples", "2000")),
    (lambda: sl.budget(dollars="100M", gpu="h100-sxm", gpus=4096),
     ("budget", "--dollars", "100M", "--gpu", "h100-sxm", "--gpus", "4096")),
    (lambda: sl.fit("chinchilla-runs", drop_highest_loss=5), ("fit", "chinchilla-runs", "--drop-highest-loss", "5")),
    (lambda: sl.laws.get("besiroglu2024"), ("laws", "show", "besiroglu2024")),
    (lambda: sl.forecast("epoch-trends", samples=500, until=2030),
     ("forecast", "--scenario", "epoch-trends", "--samples", "500", "--until", "2030")),
    (lambda: sl.trend("notable-models", "Training compute (FLOP)", since="2010", bootstrap=100),
     ("trend", "notable-models", "--y", "Training compute (FLOP)", "--since", "2010", "--bootstrap", "100")),
])
def test_to_dict_is_what_the_cli_prints(cli, call, args):
    result = cli(*args, "--json")
    assert result.code == 0, result.stderr
    from scalinglab.options import speaking

    with speaking("cli"):  # the same words: notes name options as the command line spells them
        got = json.loads(json.dumps(call().to_dict()))
    expected = result.json()
    for volatile in ("seconds", "version"):  # a fit's wall-clock time and version stamp
        expected.pop(volatile, None), got.pop(volatile, None)
    assert got == expected
