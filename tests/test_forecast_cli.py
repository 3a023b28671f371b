"""The forecast commands as a user runs them: forecast, scenarios list|show, compare."""

import pytest
from conftest import assert_user_error

PERCENTILE_KEYS = {"p5", "p25", "p50", "p75", "p95"}


def test_forecast_json_has_percentiles_per_year_and_milestones(cli):
    result = cli("forecast", "--scenario", "epoch-trends", "--samples", "2000", "--seed", "3", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert data["samples"] == 2000 and data["seed"] == 3
    compute = data["quantities"]["compute"]
    assert compute["unit"] == "FLOP"
    assert list(compute["percentiles"]) == [str(y) for y in range(2025, 2041)]
    assert set(compute["percentiles"]["2030"]) == PERCENTILE_KEYS
    milestone = data["milestones"]["data stock exhausted at 1 epoch"]
    assert set(milestone) == PERCENTILE_KEYS | {"reached_share"}
    assert 2026 < milestone["p50"] < 2030
    assert data["checks"]["consistency"]["consistent"] is False


def test_same_seed_same_output(cli):
    args = ("forecast", "--scenario", "scaling-picture", "--samples", "3000", "--seed", "5", "--until", "2035", "--json")
    first, second = cli(*args), cli(*args)
    assert first.code == 0 and first.stdout == second.stdout
    assert first.json()["until"] == 2035


def test_forecast_table_and_plot(cli, tmp_path):
    """004's growth table in the report: 15868 (2012-2018) and, before the $100B cap, 421231 (2025-2035)."""
    plot = tmp_path / "fan.svg"
    result = cli("forecast", "--scenario", "compute-slowdown", "--samples", "100", "--plot", str(plot))
    assert result.code == 0, result.stderr
    assert "Total growth between checkpoints" in result.stdout
    assert "15868" in result.stdout and "4.2123e+05" in result.stdout
    assert plot.read_text().startswith("<svg")


def test_scenarios_list_and_show(cli):
    listed = cli("scenarios", "list", "--json")
    assert listed.code == 0
    names = {s["name"] for s in listed.json()}
    assert names == {"exponential-view", "scaling-picture", "scaling-myths", "compute-slowdown", "gpu-supply", "epoch-trends"}
    shown = cli("scenarios", "show", "compute-slowdown", "--json")
    assert shown.code == 0
    inputs = shown.json()["inputs"]
    assert any(i["path"] == "factors.spending.cap" and i["value"] == "$100B" for i in inputs)
    assert all(i["source"] for i in inputs)
    table = cli("scenarios", "show", "gpu-supply")
    assert table.code == 0 and "136,000 GPU servers" in table.stdout


def test_compare_several_scenarios(cli, tmp_path):
    result = cli("compare", "exponential-view", "compute-slowdown", "scaling-myths", "--samples", "1000",
                 "--until", "2035", "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    assert [s["name"] for s in data["scenarios"]] == ["exponential-view", "compute-slowdown", "scaling-myths"]
    assert set(data["quantities"]["compute"]["scenarios"]) == {"exponential-view", "compute-slowdown", "scaling-myths"}
    assert set(data["milestones"]["spending >= $10B"]) == {"exponential-view", "compute-slowdown"}


@pytest.mark.parametrize("args, fragments", [
    (("forecast", "--scenario", "epoch-trends", "--samples", "0"), ("--samples must be in [1, 2,000,000]", "got 0")),
    (("forecast", "--scenario", "epoch-trends", "--until", "2020"), ("--until must be after", "2025")),
    (("compare", "epoch-trends"), ("at least two",)),
])
def test_user_errors_are_one_line(cli, args, fragments):
    assert_user_error(cli(*args), *fragments)
