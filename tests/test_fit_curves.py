"""Learning curves fitted per curve, the family (up to 3 breaks) chosen by held-out error."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from scalinglab.cli.app import main
from scalinglab.errors import InputError
from scalinglab.fit.curves import CANDIDATES, fit_curves
from scalinglab.laws import BrokenPowerLaw, SaturatingPowerLaw

X = np.logspace(6, 11, 28)
BROKEN = BrokenPowerLaw(1.5, 10.0, 0.05, (0.3,), (1e8,), (0.3,))  # Caballero et al. 2023, eq. 1, one break
SMOOTH = SaturatingPowerLaw(1.7, 60.0, 0.2)


def _table(x_values=X) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for name, law in (("broken", BROKEN), ("smooth", SMOOTH)):
        for x, y in zip(x_values, law(x_values) * np.exp(rng.normal(0, 0.002, x_values.size))):
            rows.append({"run": name, "tokens": x, "loss": y, "split": "test" if x > 3e10 else "train"})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def by_column():
    return fit_curves(_table(), curve_col="run", x_col="tokens", holdout_col="split")


def test_the_lowest_held_out_error_chooses_and_a_real_break_is_found(by_column):
    chosen = {c["curve"]: c for c in by_column.curves}
    for curve in chosen.values():
        scored = [s for s in curve["candidates"] if s["holdout_mape"] is not None]
        assert curve["chosen"] == min(scored, key=lambda s: s["holdout_mape"])["family"]
        assert [s["family"] for s in curve["candidates"]] == list(CANDIDATES)
    broken = chosen["broken"]
    assert broken["chosen"].startswith("broken-")
    no_break = {s["family"]: s["holdout_mape"] for s in broken["candidates"]}
    assert broken["holdout_mape"] < no_break["saturating-power"] / 5  # the break extrapolates, smooth laws do not
    assert chosen["smooth"]["holdout_mape"] < 1.0


def test_holdout_by_column_threshold_or_default(by_column):
    held = {c["curve"]: c["holdout_points"] for c in by_column.curves}
    assert held == {"broken": int((X > 3e10).sum()), "smooth": int((X > 3e10).sum())}
    few = np.logspace(6, 11, 12)  # too few points for the 2- and 3-break laws: they are skipped, and said so
    smooth_only = _table(few).query("run == 'smooth'")
    by_threshold = fit_curves(smooth_only, curve_col="run", x_col="tokens", holdout_above=1e10)
    assert by_threshold.curves[0]["holdout_points"] == int((few > 1e10).sum())
    default = fit_curves(smooth_only, curve_col="run", x_col="tokens")
    assert default.curves[0]["holdout_points"] == len(few) // 4
    assert {s["family"]: s.get("note") for s in default.curves[0]["candidates"]}["broken-3"] == "too few points"


def test_bad_curve_tables_are_one_line_errors(tmp_path, capsys):
    with pytest.raises(InputError, match="--curve-col 'model' is not a column"):
        fit_curves(_table(), curve_col="model", x_col="tokens")
    short = _table().groupby("run").head(4)
    with pytest.raises(InputError, match="curve 'broken' has 3 points to fit and 1 held out; each curve needs at least 4"):
        fit_curves(short, curve_col="run", x_col="tokens")
    bad = _table().astype({"tokens": object})
    bad.loc[3, "tokens"] = "soon"
    path = tmp_path / "curves.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(SystemExit) as info:
        main(["fit-curves", str(path), "--curve-col", "run", "--x-col", "tokens"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "column 'tokens' has 1 non-numeric value (row 4: 'soon')" in err and err.count("\n") == 1


def test_cli_json(tmp_path, capsys):
    path = tmp_path / "curves.csv"
    _table(np.logspace(6, 11, 12)).query("run == 'smooth'").to_csv(path, index=False)
    main(["fit-curves", str(path), "--curve-col", "run", "--x-col", "tokens", "--holdout-col", "split", "--json"])
    data = json.loads(capsys.readouterr().out)
    assert data["curves"][0]["curve"] == "smooth" and data["holdout"] == "rows marked in column 'split'"
