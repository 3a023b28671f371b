"""IsoFLOP Approaches 2 and 1 (Hoffmann et al. 2022, arXiv:2203.15556, section 3 and Table 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalinglab.errors import InputError
from scalinglab.fit import find_budgets, isoflop, load_runs
from scalinglab.laws import ChinchillaLaw

# Hoffmann et al. 2022, Figure 3: the nine IsoFLOP budgets of Approach 2 (FLOP).
HOFFMANN_BUDGETS = (6e18, 1e19, 3e19, 6e19, 1e20, 3e20, 6e20, 1e21, 3e21)


def test_clustering_finds_hoffmanns_budgets_in_the_chinchilla_runs():
    labels = find_budgets(load_runs("chinchilla"))
    found = np.unique(labels[np.isfinite(labels)])
    for budget in HOFFMANN_BUDGETS:
        assert np.min(np.abs(np.log10(found) - np.log10(budget))) < 0.1, budget
    assert 9 <= len(found) <= 11


def test_approach2_on_chinchilla_gives_hoffmanns_exponent():
    """Table 2 of Hoffmann et al.: Approach 2 gives a = 0.49 (95% interval 0.462-0.534)."""
    result = isoflop("chinchilla", seed=0)
    assert result.a == pytest.approx(0.49, abs=0.02)
    low, high = result.a_interval
    assert low < result.a < high and low < 0.49 < high
    data = result.to_dict()
    assert data["b_from_a"] == pytest.approx(1 - result.a)  # b itself comes from the token parabolas
    assert data["law"]["family"] == "allocation"
    assert isoflop("chinchilla", seed=0).a_interval == result.a_interval  # seeded


def test_approach2_recovers_the_exponent_of_a_known_law():
    """Runs on five budgets from a Chinchilla law: a = beta / (alpha + beta) (Hoffmann et al. eq. 4)."""
    law = ChinchillaLaw(E=1.8, A=480.0, B=2100.0, alpha=0.35, beta=0.37)
    rows = []
    for c in np.logspace(19, 21, 5):
        n_opt = float(law.allocation_constant * (c / 6) ** law.optimal_n_exponent)
        for n in n_opt * np.logspace(-0.6, 0.6, 9):
            rows.append({"n": n, "c": c, "loss": float(law.loss(n, c / (6 * n))), "budget": c})
    result = isoflop(pd.DataFrame(rows), columns={"budget_col": "budget"}, bootstrap=100)
    assert result.a == pytest.approx(law.optimal_n_exponent, abs=0.02)


def test_approach1_envelope_recovers_the_exponent_from_checkpoints():
    law = ChinchillaLaw(E=1.8, A=480.0, B=2100.0, alpha=0.35, beta=0.37)
    rows = []
    for i, n in enumerate(np.logspace(7.5, 10, 14)):
        for d in np.logspace(8.5, 12, 60):
            rows.append({"run": f"m{i}", "n": n, "d": d, "loss": float(law.loss(n, d))})
    result = isoflop(pd.DataFrame(rows), approach=1, columns={"group_col": "run"}, bootstrap=50)
    assert result.approach == 1
    assert result.a == pytest.approx(law.optimal_n_exponent, abs=0.06)


def test_one_budget_only_is_a_clear_error():
    frame = pd.DataFrame({"n": np.logspace(8, 9, 6), "c": 1e19 * np.array([1, 1.01, 0.99, 1, 1.02, 0.98]),
                          "loss": [3.2, 3.0, 2.95, 2.97, 3.0, 3.05]})
    with pytest.raises(InputError, match=r"two or more compute budgets .*found 1 \(C = 1e\+19 FLOP, 6 runs\)"):
        isoflop(frame)
    with pytest.raises(InputError, match="Approach 1 .* needs .*group"):
        isoflop(frame, approach=1)
