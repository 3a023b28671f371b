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


def test_the_training_points_choose_and_a_real_break_is_found(by_column):
    chosen = {c["curve"]: c for c in by_column.curves}
    for curve in chosen.values():
        scored = [s for s in curve["candidates"] if s["selection_mape"] is not None]
        best = min(s["selection_mape"] for s in scored)  # the simplest close to the best: never worse than 2x
        assert next(s for s in scored if s["family"] == curve["chosen"])["selection_mape"] <= 2 * best
        assert curve["holdout_mape"] == next(s for s in scored if s["family"] == curve["chosen"])["holdout_mape"]
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
    assert {s["family"]: s.get("note") for s in default.curves[0]["candidates"]}["broken-3"].startswith("too few distinct points")


def test_bad_curve_tables_are_one_line_errors(tmp_path, capsys):
    with pytest.raises(InputError, match="curve_col='model' is not a column"):
        fit_curves(_table(), curve_col="model", x_col="tokens")
    short = _table().groupby("run").head(4)
    with pytest.raises(InputError, match="curve 'broken' has 3 distinct points to fit and 1 held out; each curve needs at least 4"):
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
    assert data["curves"][0]["curve"] == "smooth" and data["holdout"] == "rows of 'split' equal to a true mark"


def _marked() -> pd.DataFrame:
    table = _table(np.logspace(6, 11, 12)).query("run == 'smooth'").copy()
    table["heldout"] = (table["tokens"] > 3e10).astype(int)
    table["train"] = 1 - table["heldout"]
    return table


def test_a_column_states_which_value_is_held_out_and_the_sides_are_counted():
    table = _marked()
    by_value = fit_curves(table, curve_col="run", x_col="tokens", holdout_col="heldout", holdout_value="1")
    by_train = fit_curves(table, curve_col="run", x_col="tokens", train_col="train", train_value=1)
    held = int((table["tokens"] > 3e10).sum())
    for fits in (by_value, by_train):
        assert fits.curves[0]["holdout_points"] == held and not fits.warnings
        assert f"{held} rows; fitted: {len(table) - held} rows" in fits.notes[0]


def test_a_column_that_means_the_opposite_is_caught():
    """1 = a training row, read as held out: the fit would be on the extrapolation rows. It is said."""
    table = _marked()
    table["train"] = (table["tokens"] <= 1e9).astype(int)  # 1 marks the 7 early (training) rows
    fits = fit_curves(table, curve_col="run", x_col="tokens", holdout_col="train")
    assert fits.warnings and "use train_col=" in fits.warnings[0]


def test_repeated_rows_are_reported_and_reducible():
    table = pd.concat([_marked()] * 3, ignore_index=True)
    kept = fit_curves(table, curve_col="run", x_col="tokens")
    assert "36 runs share 12 settings" in kept.notes[0]
    assert kept.curves[0]["candidates"][-1]["family"] == "broken-3"
    mean = fit_curves(table, curve_col="run", x_col="tokens", duplicates="mean")
    assert mean.curves[0]["points"] == 12
    with pytest.raises(InputError, match="duplicate row"):
        fit_curves(table, curve_col="run", x_col="tokens", duplicates="error")


def test_curve_flags_that_need_each_other(cli, tmp_path):
    from conftest import assert_user_error

    path = tmp_path / "c.csv"
    _marked().to_csv(path, index=False)
    assert_user_error(cli("fit-curves", str(path), "--curve-col", "run", "--x-col", "tokens", "--holdout-value", "1"),
                      "--holdout-value needs --holdout-col")
    assert_user_error(cli("fit-curves", str(path), "--curve-col", "run", "--x-col", "tokens", "--holdout-col",
                          "heldout", "--train-col", "train"), "give --holdout-col or --train-col, not both")
    got = cli("fit-curves", str(path), "--curve-col", "run", "--x-col", "tokens", "--holdout-col", "heldout",
              "--holdout-value", "1", "--json")
    assert got.code == 0 and "RuntimeWarning" not in got.stderr
    for candidate in json.loads(got.stdout)["curves"][0]["candidates"]:
        assert all(isinstance(v, float) for v in candidate.get("params", {}).values())  # never null
