"""The CLI contracts of the foundation: plan, predict, flops, laws, datasets; user errors exit 2 with one line."""

import pytest
from conftest import assert_user_error


def test_plan_json_contract(cli):
    result = cli("plan", "--compute", "5.76e23", "--law", "hoffmann2022", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    for key in ("compute", "n_opt", "d_opt", "loss", "tokens_per_param"):
        assert isinstance(data[key], list) and len(data[key]) == 1 and isinstance(data[key][0], float)
    assert data["n_opt"][0] * data["d_opt"][0] * 6 == pytest.approx(5.76e23)


def test_predict_json_contract(cli):
    result = cli("predict", "--law", "hoffmann2022", "--params", "70B", "--tokens", "1.4T", "--json")
    assert result.code == 0, result.stderr
    # Hoffmann et al. 2022 eq. 10 at Chinchilla's 70B parameters and 1.4T tokens
    assert result.json()["loss"] == pytest.approx(1.69 + 406.4 / 70e9**0.34 + 410.7 / 1.4e12**0.28)


def test_data_constrained_plan_adds_epochs(cli):
    result = cli("plan", "--compute", "1e26", "--law", "muennighoff2023", "--unique-tokens", "50T", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["epochs"][0] == pytest.approx(data["d_opt"][0] / 50e12)


def test_flops_json_contract(cli):
    result = cli("flops", "--params", "175B", "--tokens", "300B", "--json")
    assert result.code == 0
    # Brown et al. 2020, Table D.1: 3.14e23 FLOP
    assert result.json()["flops"] == pytest.approx(3.14e23, rel=0.01)


def test_flops_detailed_json_reports_shares(cli):
    result = cli("flops", "--config", "gpt3-175b", "--tokens", "300B", "--json")
    assert result.code == 0
    assert set(result.json()["shares"]) == {"embeddings", "attention", "dense", "logits"}


def test_laws_and_datasets_listings(cli):
    laws = cli("laws", "list", "--json").json()
    assert any(entry["name"] == "muennighoff2023" for entry in laws)
    shown = cli("laws", "show", "besiroglu2024", "--json").json()
    assert shown["stderr"]["alpha"] == 0.015
    datasets = cli("datasets", "list", "--json").json()
    assert {d["name"] for d in datasets} >= {"chinchilla-runs", "notable-models", "ml-hardware", "llm-dataset-sizes"}


def test_json_shape_does_not_depend_on_the_number_of_budgets(cli):
    one = cli("plan", "--compute", "1e21", "--json").json()
    two = cli("plan", "--compute", "1e21,1e23", "--json").json()
    assert set(one) == set(two)
    assert two["compute"] == [1e21, 1e23] and one["compute"] == [1e21]
    assert two["n_opt"][0] == one["n_opt"][0]


@pytest.mark.parametrize(
    "args, fragments",
    [
        (("predict", "--params", "0", "--tokens", "1T"), ("n_params", "positive")),
        (("predict", "--params", "-70B", "--tokens", "1T"), ("positive",)),
        (("predict", "--params", "nan", "--tokens", "1T"), ("nan",)),
        (("plan", "--compute", "1e23", "--law", "hofman2022"), ("unknown law", "did you mean", "hoffmann2022")),
        (("plan", "--target-loss", "1.5", "--law", "hoffmann2022"), ("irreducible", "1.69")),
        (("plan", "--compute", "5.76e2x"), ("cannot read --compute",)),
        (("flops", "--params", "175Q", "--tokens", "3OOB"), ("cannot read tokens",)),
        (("plan", "--compute", "1e23", "--unique-tokens", "1T"), ("data-constrained",)),
        (("plan", "--bogus-option"), ("no such option",)),
        (("laws", "show", "nothing"), ("unknown law",)),
        (("datasets", "show", "chinchila"), ("did you mean", "chinchilla")),
    ],
)
def test_user_errors_are_one_line_exit_2(cli, args, fragments):
    assert_user_error(cli(*args), *fragments)
