"""Batch prediction of run tables, and warnings when a question lies far beyond a law's fitted range."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalinglab.cli.app import main
from scalinglab.fit import fit_law, load_runs
from scalinglab.fit.predictions import predict_runs
from scalinglab.laws import get_law
from scalinglab.laws.ranges import extrapolation_warnings, fitted_range


def test_a_published_law_predicts_every_run_with_scores_that_add_up():
    result = predict_runs("besiroglu2024", "chinchilla-runs")
    runs = load_runs("chinchilla-runs")
    law = get_law("besiroglu2024").law
    predicted = law.loss(runs.n, runs.d)
    np.testing.assert_allclose([r["predicted"] for r in result.rows], predicted)
    ss_res = np.sum((runs.loss - predicted) ** 2)
    assert result.summary["r2"] == pytest.approx(1 - ss_res / np.sum((runs.loss - runs.loss.mean()) ** 2))
    assert result.summary["mape"] == pytest.approx(100 * np.mean(np.abs(predicted - runs.loss) / runs.loss))
    assert result.summary["coverage"] is None and result.rows[0]["interval"] is None
    assert result.summary["runs"] == 245


def test_a_saved_fit_gives_intervals_and_writes_csv_and_json(tmp_path, capsys):
    fit = tmp_path / "fit.json"
    main(["fit", "chinchilla-runs", "--drop-highest-loss", "5", "--save", str(fit)])
    capsys.readouterr()
    out_csv, out_json = tmp_path / "p.csv", tmp_path / "p.json"
    main(["predict", "--law", str(fit), "--runs", "chinchilla-runs", "--out", str(out_csv)])
    main(["predict", "--law", str(fit), "--runs", "chinchilla-runs", "--out", str(out_json), "--json"])
    printed = None
    frame = pd.read_csv(out_csv)
    assert len(frame) == 245 and {"row", "n", "d", "observed", "predicted", "lower", "upper", "residual_log"} <= set(frame)
    assert (frame.lower < frame.predicted).all() and (frame.upper > frame.predicted).all()
    data = json.loads(out_json.read_text())
    assert data["summary"]["runs"] == 245 and 0.9 < data["summary"]["coverage"] <= 1.0  # 5 outliers included
    assert printed is None
    with pytest.raises(SystemExit) as info:
        main(["predict", "--law", str(fit), "--runs", "chinchilla-runs", "--out", str(tmp_path / "p.xlsx")])
    assert info.value.code == 2 and "use one of .csv, .json" in capsys.readouterr().err


def test_fit_predict_uses_the_bootstrap_of_the_fit(tmp_path, capsys):
    small = tmp_path / "small.csv"
    big = tmp_path / "big.csv"
    from scalinglab.datasets import read_bundled

    frame = read_bundled("chinchilla-runs")
    frame[frame["Training FLOP"] <= 1e21].to_csv(small, index=False)
    frame[frame["Training FLOP"] > 1e21].to_csv(big, index=False)
    main(["fit", str(small), "--n-col", "Model Size", "--c-col", "Training FLOP", "--bootstrap", "100", "--at",
          "1B:20B", "--predict", str(big), "--json"])
    data = json.loads(capsys.readouterr().out)
    pred = data["predictions"]
    assert pred["summary"]["runs"] == len(frame[frame["Training FLOP"] > 1e21])
    assert "bootstrap of the fit (100 replicate laws)" in pred["interval_method"]
    assert all(r["beyond_fitted_compute"] for r in pred["rows"])
    assert "beyond the fitted compute: split-conformal" in pred["interval_method"] and pred["summary"]["coverage"] >= 0.8


def test_published_and_saved_laws_carry_their_fitted_range():
    # Hoffmann et al. 2022, abstract: models from 70M to over 16B parameters, 5B to 500B tokens.
    assert fitted_range("hoffmann2022")["n"] == [7e7, 1.6e10]
    assert fitted_range("hoffmann2022")["d"] == [5e9, 5e11]
    fit = fit_law("chinchilla-runs")
    assert fit.data["fitted_range"]["n"][1] == pytest.approx(1.6183e10, rel=1e-4)
    assert extrapolation_warnings(fitted_range("kaplan2020"), n=1e9, d=1e10) == []
    (warning,) = extrapolation_warnings({"n": [1e8, 1e10]}, n=[5e12], name="x")
    assert warning.startswith("N (parameters) = 5e+12 is 500x beyond the largest N x was fitted on (1e+10)")
    (below,) = extrapolation_warnings({"d": [1e9, 1e10]}, d=1e6)
    assert "1e+03x below the smallest D" in below


@pytest.mark.parametrize("argv, key", [
    (["plan", "--compute", "1e27", "--json"], "warnings"),
    (["predict", "--params", "7T", "--tokens", "100T", "--json"], "warnings"),
    (["budget", "--gpu", "h100", "--gpus", "100000", "--days", "365", "--json"], "warnings"),
])
def test_plan_predict_and_budget_warn_beyond_100x(argv, key, capsys):
    main(argv)
    data = json.loads(capsys.readouterr().out)
    assert any("beyond the largest" in w and "besiroglu2024" in w for w in data[key])
    main([a for a in argv if a != "--json"])
    assert "treat the answer as an extrapolation" in capsys.readouterr().out.replace("\n", " ").replace("  ", " ")


def test_in_range_questions_carry_no_warning(capsys):
    main(["predict", "--params", "70B", "--tokens", "1.4T", "--json"])
    assert "warnings" not in json.loads(capsys.readouterr().out)
    main(["plan", "--compute", "1e22", "--json"])
    assert "warnings" not in json.loads(capsys.readouterr().out)


def test_fit_at_far_beyond_its_runs_warns():
    fit = fit_law("chinchilla-runs", points=[(7e12, 1e14), (1e9, 2e10)])
    far = [w for w in fit.warnings if "beyond the largest" in w]
    assert len(far) == 3 and all("this fit was fitted on" in w for w in far)  # N, D and C
