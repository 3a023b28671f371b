"""Every ``fit`` option works for a law family or is refused for it (one line, exit 2): nothing is dropped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import scalinglab as sl
from scalinglab.errors import InputError
from scalinglab.fit.options import ACCURACY, ND_FAMILIES, ONE_VARIABLE, FAMILY_RULES, check_family_options

FAMILIES = sorted(ND_FAMILIES | ONE_VARIABLE | {"accuracy"})
#: option -> the families it applies to (every other family must refuse it).
APPLIES = {
    "leave_one_budget_out": set(FAMILIES) - ACCURACY,
    "drop_highest_loss": set(FAMILIES) - ACCURACY,
    "target_loss": set(ND_FAMILIES),
    "compute": set(ND_FAMILIES),
    "at": set(ND_FAMILIES) | {"accuracy"},
    "objective": set(FAMILIES) - ACCURACY,
    "delta": set(FAMILIES) - ACCURACY,
    "weight": set(FAMILIES) - ACCURACY,
    "estimator": set(FAMILIES) - ACCURACY,
    "base": {"data-constrained"},
    "u_col": {"data-constrained"},
    "floor": {"accuracy"},
    "ceiling": {"accuracy"},
    "accuracy_col": {"accuracy"},
    "x": set(ONE_VARIABLE) | {"accuracy"},
}


def test_the_table_covers_every_option_with_a_rule():
    assert set(APPLIES) == set(FAMILY_RULES)


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("option", sorted(APPLIES))
def test_family_by_option(family, option):
    if family in APPLIES[option]:
        check_family_options(family, **{option: True})
    else:
        with pytest.raises(InputError, match=f"{option}= does not apply to the {family} law"):
            check_family_options(family, **{option: True})


def _accuracy_table(path) -> str:
    rng = np.random.default_rng(0)
    c = np.logspace(18, 23.5, 45)
    acc = np.clip(0.25 + 0.65 / (1 + np.exp(-2 * (np.log10(c) - 21))) + rng.normal(0, 0.01, c.size), 0, 1)
    acc[:4] = 0.0  # accuracies of exactly zero: the fit and --predict both take them
    pd.DataFrame({"flops": c, "accuracy": acc}).to_csv(path, index=False)
    return str(path)


@pytest.mark.parametrize("flag", [["--leave-one-budget-out"], ["--drop-highest-loss", "2"], ["--target-loss", "0.5"],
                                  ["--objective", "asymmetric"], ["--compute", "1e24"], ["--estimator", "hoffmann"]])
def test_accuracy_refuses_in_one_line(cli, tmp_path, flag):
    table = _accuracy_table(tmp_path / "acc.csv")
    from conftest import assert_user_error

    assert_user_error(cli("fit", table, "--law", "accuracy", "--accuracy-col", "accuracy", "--c-col", "flops", *flag),
                      flag[0], "accuracy law")


def test_accuracy_holdout_profile_and_predict_work_on_zeros(tmp_path):
    table = _accuracy_table(tmp_path / "acc.csv")
    result = sl.fit(table, "accuracy", accuracy_col="accuracy", c_col="flops", holdout_above="1e22",
                    profile="ceiling", bootstrap=30).to_dict()
    bt = result["backtest"]
    assert bt["test_runs"] == int(np.sum(np.logspace(18, 23.5, 45) > 1e22 * 1.13))
    assert bt["mae_points"] < 5 and 0 <= bt["coverage"] <= 1
    assert result["diagnostics"]["profile"]["parameter"] == "ceiling"
    assert "identifiability" in result["diagnostics"]


def test_accuracy_predict_takes_the_zeros_the_fit_took(cli, tmp_path):
    table = _accuracy_table(tmp_path / "acc.csv")
    out = tmp_path / "pred.csv"
    got = cli("fit", table, "--law", "accuracy", "--accuracy-col", "accuracy", "--c-col", "flops", "--bootstrap", "30",
              "--predict", table, "--predictions-out", str(out))
    assert got.code == 0, got.stderr
    frame = pd.read_csv(out)
    assert len(frame) == 45 and (frame["observed"] == 0).sum() == 4
    assert "accuracy points" in " ".join(got.stdout.split())


def test_accuracy_fit_runs_the_identifiability_check(tmp_path):
    """Only the rising half of the curve: the ceiling is not pinned down, and the fit says so."""
    c = np.logspace(18, 21, 12)
    acc = 0.25 + 0.65 / (1 + np.exp(-2 * (np.log10(c) - 21))) + np.random.default_rng(1).normal(0, 0.02, c.size)
    path = tmp_path / "half.csv"
    pd.DataFrame({"flops": c, "accuracy": np.clip(acc, 0, 1)}).to_csv(path, index=False)
    result = sl.fit(str(path), "accuracy", accuracy_col="accuracy", c_col="flops", bootstrap=60)
    assert any(w.startswith("ceiling is not identified") for w in result.to_dict()["diagnostics"]["warnings"])


@pytest.mark.parametrize("family, kwargs, evidence", [
    ("chinchilla", {"target_loss": 2.2}, lambda d: d["derived"]["targets"]),
    ("chinchilla", {"profile": "alpha"}, lambda d: d["diagnostics"]["profile"]["interval"]),
    ("power", {"profile": "a", "x": "n"}, lambda d: d["diagnostics"]["profile"]),
    ("power", {"holdout_above": "1e21", "bootstrap": 20}, lambda d: d["backtest"]["test_runs"]),
    ("power", {"drop_highest_loss": 3}, lambda d: len(d["data"]["dropped_rows"]) == 3),
])
def test_options_that_apply_leave_their_mark(family, kwargs, evidence):
    assert evidence(sl.fit("chinchilla-runs", family, **kwargs).to_dict())


def test_a_published_law_name_is_checked_as_its_family():
    with pytest.raises(InputError, match="floor= does not apply to the chinchilla law"):
        sl.fit("chinchilla-runs", "hoffmann2022", floor=0.2)
