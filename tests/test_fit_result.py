"""FitResult round trips through JSON, renders a report, and feeds the chart builders."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from scalinglab.charts import save_chart
from scalinglab.charts.fit import fit_chart, isoflop_chart, nopt_chart
from scalinglab.errors import InputError
from scalinglab.fit import FitResult, fit_law, isoflop
from scalinglab.laws import resolve_law


@pytest.fixture(scope="module")
def result():
    return fit_law("chinchilla", "chinchilla", drop_highest_loss=5, bootstrap=40, seed=2, targets=[2.1])


def test_save_and_load_round_trip(result, tmp_path):
    path = result.save(tmp_path / "fit.json")
    data = json.loads(path.read_text())
    assert list(data)[0] == "law" and data["law"]["family"] == "chinchilla"
    loaded = FitResult.load(path)
    assert loaded.params == result.params and loaded.stderr == result.stderr
    assert loaded.law == result.law
    assert resolve_law(str(path))[1] == result.law
    assert loaded.runs is None  # runs stay in memory; the file holds the fit
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(InputError, match="not a saved fit"):
        FitResult.load(tmp_path / "bad.json")


def test_report_has_every_section(result):
    console = Console(record=True, width=160)
    console.print(result.report())
    text = console.export_text()
    for heading in ("Parameters", "Fit statistics", "Correlations (bootstrap)", "Compute-optimal allocation",
                    "Compute to reach a loss", "D = C / (6 N)", "dropped the 5 highest-loss runs"):
        assert heading in text, heading


def test_charts_render(result, tmp_path):
    spec = fit_chart(result).to_dict()
    assert len(spec["layer"]) == 4  # runs, iso-N curves, band, frontier
    save_chart(fit_chart(result), tmp_path / "fit.svg")
    iso = isoflop("chinchilla", bootstrap=20)
    assert isoflop_chart(iso).to_dict()["layer"]
    datasets = nopt_chart(iso).to_dict()["datasets"].values()
    names = {row["law"] for rows in datasets for row in rows if "law" in row}
    assert {"hoffmann2022-approach2", "kaplan2020-allocation"} <= names
    with pytest.raises(InputError, match="no runs to plot"):
        fit_chart(FitResult.load(result.save(tmp_path / "f.json")))
