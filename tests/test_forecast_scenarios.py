"""Scenario files: presets per essay with sourced numbers, validation with the YAML path of the bad field."""

from pathlib import Path

import pytest
import yaml
from conftest import assert_user_error

from scalinglab.forecast import ScenarioError, get_scenario, list_scenarios, load_scenario_file, parse_scenario
from scalinglab.forecast.schema import iter_numbers
from scalinglab.forecast.scenarios import describe_scenario, example_path

ESSAYS = Path("/work/shared/essays")  # the essays' texts, where present, to check quoted sentences against
#: Presets cite an essay by its title; the file holding its text (not shipped with the package).
FILES = {
    'Essay "By 2027, a single AI model could cost $100 billion"': "000_2d36b8f132225304.txt",
    'Essay "AI scaling myths" (AI Snake Oil)': "001_021fbaf4e3aa3e48.txt",
    'Essay "Scaling Laws for AI And Some Implications"': "002_ba6056911d3186cf.txt",
    'Essay "The Scaling Picture"': "003_b7471bfefd654f2a.txt",
    "Essay on compute, algorithms and spending slowing down": "004_9bff9f06216194e1.txt",
}
PRESETS = {
    "exponential-view": 'Essay "By 2027, a single AI model could cost $100 billion"',
    "scaling-myths": 'Essay "AI scaling myths" (AI Snake Oil)',
    "gpu-supply": 'Essay "Scaling Laws for AI And Some Implications"',
    "scaling-picture": 'Essay "The Scaling Picture"',
    "compute-slowdown": "Essay on compute, algorithms and spending slowing down",
    "epoch-trends": None,
}

GOOD = {
    "name": "mine", "start_year": 2024, "until": 2030,
    "factors": {"compute": {
        "start": {"value": 1e26, "year": 2024, "source": "my notes"},
        "growth": [{"until": 2026, "rate": "4x/yr", "source": "paper A"},
                   {"from": 2026, "rate": "3x/yr", "source": "paper B"}],
    }},
}


def test_one_preset_per_essay():
    assert {s.name: s.essay for s in list_scenarios()} == PRESETS


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_number_in_a_preset_names_its_source(name):
    scenario = get_scenario(name)
    numbers = list(iter_numbers(scenario))
    assert numbers
    for path, number in numbers:
        assert number.source.citation.strip(), path
        assert not number.source.citation.endswith(".txt"), f"{path}: cite the essay by its title, not its file"
        if number.source.citation.startswith("Essay"):
            assert number.source.citation in FILES, path
            assert number.source.locator, f"{name}: {path} cites an essay without the sentence"


@pytest.mark.skipif(not ESSAYS.is_dir(), reason="essays not present")
@pytest.mark.parametrize("name", [n for n, e in PRESETS.items() if e])
def test_quoted_essay_sentences_are_in_the_essay(name):
    """Every locator of the form "...quoted..." quotes its essay (first 40 characters of each quote)."""
    for path, number in iter_numbers(get_scenario(name)):
        source = number.source
        if source.citation not in FILES or '"' not in source.locator:
            continue
        text = " ".join((ESSAYS / FILES[source.citation]).read_text().split())
        text = text.replace("’", "'").replace("“", "'").replace("”", "'")
        for quote in source.locator.split('"')[1::2]:
            head = quote.split("...")[0].strip()[:40]
            if len(head) > 12:
                assert head in text, (name, path, head)


def test_compute_slowdown_carries_the_appendix_factors():
    """004 appendix Exponents table: algorithms 4, 1.73, 1.73; efficiency 1.73, 1.31, 1.22; spend 1, 10, 1.73."""
    f = get_scenario("compute-slowdown").factors
    rates = lambda series: [era.distribution().median for era in series.growth if era.covers() != "2017-2018"]
    assert rates(f.algorithms) == [4, 1.73, 1.73]
    assert rates(f.flop_per_dollar) == [1.73, 1.31, 1.22]
    assert rates(f.spending) == [1, 10, 1.73]
    assert f.spending.cap.distribution().median == 1e11


def test_gpu_supply_and_scaling_picture_numbers():
    gpu = get_scenario("gpu-supply").factors
    assert gpu.gpu_production.start.distribution().median == 136_000
    assert gpu.gpu_flops.growth[0].distribution().median == pytest.approx(2 ** (1 / 2.31))
    picture = get_scenario("scaling-picture").factors
    assert picture.compute.growth[0].distribution().median == 4.1
    assert picture.algorithms.growth[0].distribution().median == 3
    assert picture.data_stock.binding_epochs.distribution().median == 16
    epoch = get_scenario("epoch-trends").factors
    assert epoch.spending.growth[0].distribution().lo == 2.0
    assert epoch.spending.growth[0].distribution().hi == 2.9


def test_describe_lists_every_input_with_its_source():
    info = describe_scenario(get_scenario("exponential-view"))
    paths = [item["path"] for item in info["inputs"]]
    assert "factors.cost_per_flop.growth[0].rate" in paths
    assert all(item["source"] for item in info["inputs"])
    assert info["scenario"]["factors"]["spending"]["start"]["value"] == "$500M"


def test_example_template_validates():
    assert load_scenario_file(example_path()).name == "full-model"


def _bad(tmp_path, data, name="scenario.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _variant(**edits):
    import copy

    data = copy.deepcopy(GOOD)
    for path, value in edits.items():
        node = data
        keys = path.split("/")
        for key in keys[:-1]:
            node = node[int(key)] if key.isdigit() else node[key]
        last = keys[-1]
        if value is KeyError:
            del node[last]
        elif last.isdigit():
            node[int(last)] = value
        else:
            node[last] = value
    return data


@pytest.mark.parametrize("edits, expected", [
    ({"factors/spendng": {"start": {"value": 1, "source": "x"}}}, "scenario.yaml: factors.spendng: unknown factor 'spendng'"),
    ({"factors/compute/growth/1/rate": "-3x/yr"}, "scenario.yaml: factors.compute.growth[1].rate: a growth factor must be positive"),
    ({"factors/compute/start/value": "1e27 to 1e26"}, "scenario.yaml: factors.compute.start.value: lo > hi"),
    ({"factors/compute/start/source": KeyError}, "scenario.yaml: factors.compute.start.source: missing: every number needs a source"),
    ({"factors/compute/start": 1e26}, "scenario.yaml: factors.compute.start: write {value: 1e+26, source: ...}"),
    ({"factors/compute/growth/1/from": 2027}, "scenario.yaml: factors.compute.growth[1].from: eras must follow each other"),
    ({"factors/compute/growth/0/spead": 1}, "scenario.yaml: factors.compute.growth[0].spead: unknown field 'spead'"),
    ({"until": 2020}, "scenario.yaml: until (2020) must be after start_year (2024)"),
])
def test_bad_scenarios_name_the_yaml_path(tmp_path, edits, expected):
    with pytest.raises(ScenarioError) as error:
        load_scenario_file(_bad(tmp_path, _variant(**edits)))
    message = str(error.value)
    assert message.startswith(str(tmp_path / "scenario.yaml").replace("scenario.yaml", "")), message
    assert expected.split(": ", 1)[1] in message
    assert "\n" not in message


def test_cross_field_problems_are_caught_at_load():
    cases = [
        ({"spending": {"start": {"value": "$1B", "source": "x"}, "cap": {"share_of_gdp": "1%", "source": "x"}}},
         "factors.spending.cap.share_of_gdp: needs factors.world_gdp"),
        ({"flop_per_dollar": {"growth": {"rate": 1.3, "source": "x"}}, "cost_per_flop": {"growth": {"rate": 0.7, "source": "x"}}},
         "factors.cost_per_flop: give flop_per_dollar or cost_per_flop, not both"),
        ({"dataset": {"rule": {"law": "hofmann2022"}}}, "factors.dataset.rule.law: unknown law 'hofmann2022'"),
        ({"gpus": {"start": {"value": 10, "source": "x"}}}, "factors.gpus: compute from GPUs also needs factors.gpu_flops"),
    ]
    for extra, expected in cases:
        data = _variant()
        if "gpus" in extra:
            del data["factors"]["compute"]
        data["factors"].update(extra)
        with pytest.raises(ScenarioError) as error:
            parse_scenario(data, "s.yaml")
        assert expected in str(error.value)


def test_a_scenario_that_cannot_determine_compute_says_so():
    data = {"name": "x", "start_year": 2024, "until": 2030,
            "factors": {"spending": {"start": {"value": "$1B", "source": "x"}}}}
    with pytest.raises(ScenarioError, match="cannot determine compute"):
        parse_scenario(data, "s.yaml")


def test_eras_that_stop_before_the_forecast_ends(tmp_path):
    from scalinglab.forecast import run_forecast

    data = _variant(**{"factors/compute/growth/1/until": 2028})
    scenario = load_scenario_file(_bad(tmp_path, data))
    with pytest.raises(ScenarioError, match=r"factors.compute.growth\[1\].until: growth ends in 2028"):
        run_forecast(scenario, samples=10)


@pytest.mark.parametrize("edits, fragments", [
    ({"factors/compte": {"start": {"value": 1, "source": "x"}}}, ("factors.compte", "unknown factor", "did you mean 'compute'")),
    ({"factors/compute/growth/1/rate": "-3x/yr"}, ("factors.compute.growth[1].rate", "must be positive")),
    ({"factors/compute/start/value": "1e27 to 1e26"}, ("factors.compute.start.value", "lo > hi")),
    ({"factors/compute/growth/0/source": KeyError}, ("factors.compute.growth[0].source", "needs a source")),
])
def test_bad_scenario_files_through_the_cli(cli, tmp_path, edits, fragments):
    path = _bad(tmp_path, _variant(**edits))
    assert_user_error(cli("forecast", "--scenario", str(path), "--samples", "10"), "scenario.yaml", *fragments)


def test_unknown_preset_and_broken_yaml_through_the_cli(cli, tmp_path):
    assert_user_error(cli("scenarios", "show", "exponential-veiw"), "unknown scenario", "exponential-view")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\n  bad: [\n")
    assert_user_error(cli("forecast", "--scenario", str(broken)), "broken.yaml", "line 2", "not valid YAML")


def test_mixture_values_in_a_scenario():
    data = _variant()
    data["factors"]["compute"]["growth"][1]["rate"] = {"mixture": [{"weight": 3, "value": "4 to 5x/yr"},
                                                                   {"weight": 1, "value": "1.5x/yr"}]}
    scenario = parse_scenario(data, "s.yaml")
    era = scenario.factors.compute.growth[1]
    assert era.describe() == "75%: 4x/yr to 5x/yr (lognormal, 90% CI) | 25%: 1.5x/yr"
    data["factors"]["compute"]["growth"][1]["rate"] = {"mixture": [{"weight": 0, "value": "4x/yr"}]}
    with pytest.raises(ScenarioError, match=r"factors.compute.growth\[1\].rate: mixture\[0\].weight must be positive"):
        parse_scenario(data, "s.yaml")


@pytest.mark.parametrize("edits, where", [
    ({"factors/compute/growth/1/rate": None}, "factors.compute.growth[1].rate"),
    ({"factors/compute/start/value": None}, "factors.compute.start.value"),
])
def test_a_null_number_is_refused_at_load_by_every_face(cli, tmp_path, edits, where):
    path = _bad(tmp_path, _variant(**edits))
    with pytest.raises(ScenarioError, match=r"is null"):
        load_scenario_file(path)
    for args in (["scenarios", "show", str(path)], ["forecast", "--scenario", str(path), "--samples", "10"],
                 ["sensitivity", "--scenario", str(path), "--milestone", "compute >= 1e27", "--samples", "500"]):
        assert_user_error(cli(*args), where, "is null")
    pytest.importorskip("fastapi")
    from fastapi.testclient import TestClient

    from scalinglab.web import create_app

    with TestClient(create_app(), base_url="http://127.0.0.1") as client:
        for route in ("/api/v1/forecast", "/api/v1/scenarios/describe"):
            answer = client.post(route, json={"yaml": path.read_text()})
            assert answer.status_code == 422, (route, answer.text)
            assert "is null" in answer.json()["error"] and "\n" not in answer.json()["error"]
