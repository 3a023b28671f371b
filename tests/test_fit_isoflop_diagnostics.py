"""IsoFLOP Approach 2 done honestly: token parabolas, tokens per parameter, off-centre warnings, Approach 3 beside."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalinglab.cli.app import main
from scalinglab.errors import InputError
from scalinglab.fit import isoflop
from scalinglab.laws import get_law

# Hoffmann et al. 2022, eq. 10 (alpha 0.34 != beta 0.28): a = beta/(alpha+beta) = 0.4516, b = 0.5484.
LAW = get_law("hoffmann2022").law


def _grid(drift_dex: float = 0.0, half_width_dex: float = 1.0, k: float = 6.0, budgets=np.logspace(17, 21, 5)):
    """Sizes sampled around the true optimum of each budget, the centre drifting by ``drift_dex`` per budget."""
    rows = []
    for i, c in enumerate(budgets):
        n_opt = float(LAW.allocation_constant * (c / 6) ** LAW.optimal_n_exponent)
        centre = i * drift_dex
        for n in n_opt * np.logspace(centre - half_width_dex, centre + half_width_dex, 9):
            rows.append({"n": n, "d": c / (k * n), "c": c, "loss": float(LAW.loss(n, c / (k * n))), "budget": c})
    return pd.DataFrame(rows)


def test_centred_grid_recovers_both_exponents_and_tokens_per_param():
    result = isoflop(_grid(half_width_dex=0.5), columns={"budget_col": "budget"}, bootstrap=50)
    assert result.a == pytest.approx(LAW.optimal_n_exponent, abs=2e-3)
    assert result.b == pytest.approx(1 - LAW.optimal_n_exponent, abs=2e-3)
    assert result.warnings == []
    data = result.to_dict()
    assert data["b_source"] == "token parabolas" and data["b_interval"][0] <= data["b"] <= data["b_interval"][1]
    last = max(result.points, key=lambda p: p["compute"])
    assert data["tokens_per_param_at_largest"] == pytest.approx(last["d_opt"] / last["n_opt"])


def test_b_comes_from_the_token_parabolas_when_compute_is_not_6nd():
    # The trainer's budget counts 7.2 N D (attention included, say) while tokens are what they are:
    # D_opt scales as C^b with b = alpha/(alpha+beta); 1 - a would be right only by accident of 6ND.
    frame = _grid(half_width_dex=0.5, k=7.2)
    frame["c"] = frame["budget"] * np.linspace(0.8, 1.25, len(frame))  # budgets drift from their labels too
    result = isoflop(frame, columns={"budget_col": "budget", "c_col": "c"}, flops_per_param_token=7.2, bootstrap=50)
    assert result.b == pytest.approx(1 - LAW.optimal_n_exponent, abs=3e-3)


def test_off_centre_drifting_grid_warns_and_approach3_recovers_the_exponent():
    # Open-Athena 2026, "Problems with Chinchilla Approach 2": a sampling centre that drifts with compute
    # biases the parabola exponent when alpha != beta; the full-surface fit does not care.
    result = isoflop(_grid(drift_dex=0.225), columns={"budget_col": "budget"}, bootstrap=50)
    assert abs(result.a - LAW.optimal_n_exponent) > 0.008  # about 2% off, with noise-free losses
    assert result.approach3["a"] == pytest.approx(LAW.optimal_n_exponent, abs=1e-4)
    assert len(result.warnings) >= 2 and all("off-centre" in w for w in result.warnings)
    assert "Approach 3" in result.warnings[0]


def test_chinchilla_approach2_and_approach3_side_by_side():
    # Hoffmann et al. 2022 Table 2: Approach 2 a = 0.49, Approach 3 a = 0.46.
    data = isoflop("chinchilla-runs", seed=0).to_dict()
    assert data["a"] == pytest.approx(0.49, abs=0.02)
    assert 0.4 < data["approach3"]["a"] < 0.65
    assert data["b"] == pytest.approx(0.517, abs=0.01) and data["b_from_a"] == pytest.approx(1 - data["a"])
    assert any(w.startswith("budget 2.95e+21: sampled sizes are off-centre") for w in data["warnings"])


def test_keep_outside_keeps_extrapolated_minima_and_flags_them(capsys):
    frame = _grid(half_width_dex=0.5)
    top = frame.budget == frame.budget.max()
    frame.loc[top, "n"] *= 10 ** 0.8  # the largest budget sampled entirely above its optimum
    frame.loc[top, "d"] = frame.loc[top, "c"] / (6 * frame.loc[top, "n"])
    frame.loc[top, "loss"] = LAW.loss(frame.loc[top, "n"], frame.loc[top, "d"])
    plain = isoflop(frame, columns={"budget_col": "budget"}, bootstrap=20)
    assert sum(p["used"] for p in plain.points) == 4
    kept = isoflop(frame, columns={"budget_col": "budget"}, bootstrap=20, keep_outside=True)
    assert sum(p["used"] for p in kept.points) == 5
    assert [p["extrapolated"] for p in kept.points][-1] and any("keep_outside=" in w for w in kept.warnings)


def test_fewer_than_two_interior_budgets_suggests_keep_outside(tmp_path, capsys):
    frame = _grid(half_width_dex=0.5)
    frame["n"] *= np.where(frame.budget >= 1e18, 10 ** 0.8, 1.0)
    frame["d"] = frame["c"] / (6 * frame["n"])
    frame["loss"] = LAW.loss(frame["n"], frame["d"])
    path = tmp_path / "runs.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match="keep_outside= keeps budgets"):
        isoflop(frame, columns={"budget_col": "budget"})
    main(["isoflop", str(path), "--budget-col", "budget", "--keep-outside", "--bootstrap", "10", "--json"])
    assert '"extrapolated": true' in capsys.readouterr().out
