"""One fit per experiment held in a single runs table (--group-by), compared side by side."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalinglab.charts.fit import groups_chart
from scalinglab.cli.app import main
from scalinglab.errors import InputError
from scalinglab.fit.groups import fit_groups
from scalinglab.laws import ChinchillaLaw

LAWS = {"c4": ChinchillaLaw(1.8, 480.0, 2100.0, 0.35, 0.37), "pile": ChinchillaLaw(1.6, 400.0, 1500.0, 0.30, 0.32)}


def _mixed() -> pd.DataFrame:
    rows = []
    for name, law in LAWS.items():
        for n in np.logspace(7.5, 9.5, 7):
            for ratio in (5, 10, 20, 40, 80):
                rows.append({"dataset": name, "family": "llama", "n": n, "d": ratio * n,
                             "loss": float(law.loss(n, ratio * n))})
    return pd.DataFrame(rows).sample(frac=1.0, random_state=0).reset_index(drop=True)


def test_each_group_recovers_its_own_law_where_pooling_would_not():
    result = fit_groups(_mixed(), "dataset")
    assert len(result.labels) == 2
    for label, fit in zip(result.labels, result.fits):
        truth = LAWS[label["dataset"]]
        assert fit.params["alpha"] == pytest.approx(truth.alpha, abs=2e-3)
        assert fit.params["beta"] == pytest.approx(truth.beta, abs=2e-3)
        assert fit.n_runs == 35
        assert fit.runs.rows.max() <= 70  # row numbers of the whole file
    data = result.to_dict()
    assert data["group_by"] == ["dataset"] and {g["group"]["dataset"] for g in data["groups"]} == {"c4", "pile"}
    assert groups_chart(result).to_dict()["facet"]["field"] == "parameter"


def test_group_by_two_columns_and_where_first():
    result = fit_groups(_mixed(), ["dataset", "family"], table={"where": "dataset == 'c4'"})
    assert result.labels == [{"dataset": "c4", "family": "llama"}]


def test_marin_datasets_are_three_groups():
    # Marin "Scaling Ladders" (wandb.ai/marin-community/marin): 92 comma, 85 dclm, 96 nemotron runs.
    result = fit_groups("marin-isoflop", "dataset")
    assert {label["dataset"]: fit.n_runs for label, fit in zip(result.labels, result.fits)} == {
        "comma": 92, "dclm": 85, "nemotron": 96}


def test_small_groups_and_missing_columns_are_one_line_errors(tmp_path, capsys):
    frame = pd.concat([_mixed(), _mixed().head(3).assign(dataset="tiny")], ignore_index=True)
    with pytest.raises(InputError, match=r"group_by=: group dataset=tiny \(3 runs\): .*3 runs for the 5 parameters"):
        fit_groups(frame, "dataset")
    with pytest.raises(InputError, match="group_by= column 'corpus' not found"):
        fit_groups(frame, "corpus")
    path = tmp_path / "mixed.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(SystemExit) as info:
        main(["fit", str(path), "--group-by", "dataset"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "group dataset=tiny" in err and err.count("\n") == 1
    main(["fit", str(path), "--group-by", "dataset", "--where", "dataset != 'tiny'", "--json"])
    assert len(json.loads(capsys.readouterr().out)["groups"]) == 2
