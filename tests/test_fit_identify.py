"""Which parameters the runs identify: interval spans, bounds, the curvature, and a profile-likelihood interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from scalinglab.cli.app import main
from scalinglab.errors import InputError
from scalinglab.fit import fit_law
from scalinglab.laws import get_law

# Muennighoff et al. 2023 (datablations README): R_D* = 15.39, R_N* = 5.31 on top of their Chinchilla base.
LAW = get_law("muennighoff2023").law


def _runs(small_models: bool, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    if small_models:  # small models, few epochs: repetition barely matters and excess parameters never do
        n = 10 ** rng.uniform(7.5, 8.5, 120)
        d = n * 10 ** rng.uniform(1.5, 2.5, 120)
        u = d / 10 ** rng.uniform(0, 0.6, 120)
    else:  # many epochs and models beyond U_N: both half-lives move the loss
        n = 10 ** rng.uniform(7.5, 9.5, 120)
        d = n * 10 ** rng.uniform(0.5, 2, 120)
        u = d / 10 ** rng.uniform(0, 1.3, 120)
    loss = LAW.loss(n, d, u) * np.exp(rng.normal(0, 0.01, 120))
    return pd.DataFrame({"n": n, "d": d, "u": u, "loss": loss})


def test_half_lives_unidentified_by_small_runs_are_named():
    result = fit_law(_runs(True), "data-constrained", base="muennighoff2023", bootstrap=60)
    ident = result.diagnostics["identifiability"]
    assert not ident["R_N_star"]["identified"] and not ident["R_D_star"]["identified"]
    assert any(w.startswith("R_N_star is not identified by these runs") for w in result.warnings)


def test_well_designed_runs_identify_both_and_chinchilla_raises_no_alarm():
    result = fit_law(_runs(False), "data-constrained", base="muennighoff2023", bootstrap=60)
    assert all(v["identified"] for v in result.diagnostics["identifiability"].values())
    assert result.params["R_D_star"] == pytest.approx(15.39, rel=0.5)
    chinchilla = fit_law("chinchilla-runs", drop_highest_loss=5, bootstrap=60)
    assert all(v["identified"] for v in chinchilla.diagnostics["identifiability"].values())
    assert not any("not identified" in w for w in chinchilla.warnings)


def test_a_flat_optimum_is_caught_even_when_the_bootstrap_does_not_move():
    result = fit_law(_runs(True), "data-constrained", base="muennighoff2023")  # no bootstrap: curvature only
    assert result.diagnostics["identifiability"]["R_D_star"]["source"] == "Gauss-Newton"
    assert not result.diagnostics["identifiability"]["R_D_star"]["identified"]


def test_profile_likelihood_is_open_for_an_unidentified_half_life_and_closed_for_an_exponent():
    loose = fit_law(_runs(True), "data-constrained", base="muennighoff2023", profile="R_N_star")
    prof = loose.diagnostics["profile"]
    assert prof["open_above"] or prof["open_below"]
    tight = fit_law("chinchilla-runs", drop_highest_loss=5, profile="beta")
    prof = tight.diagnostics["profile"]
    low, high = prof["interval"]
    assert not prof["open_above"] and not prof["open_below"]
    assert low < tight.params["beta"] < high and high - low < 0.1
    assert min(prof["deviance"]) == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(InputError, match="profile='gamma': not a free parameter of the chinchilla law"):
        fit_law("chinchilla-runs", profile="gamma")


def test_cli_profile_is_reported(capsys):
    main(["fit", "chinchilla-runs", "--drop-highest-loss", "5", "--profile", "alpha"])
    out = capsys.readouterr().out
    assert "profile-likelihood 95% interval of alpha:" in out


def test_huge_half_lives_reduce_to_the_base_law_without_cancellation():
    # R_D*, R_N* -> infinity: repeated tokens and excess parameters count in full (D' = D, N' = N).
    from scalinglab.fit import make_model
    from scalinglab.laws import DataConstrainedLaw

    law = DataConstrainedLaw(LAW.base, 1e13, 1e13)
    n, d, u = np.array([2e8, 5e9]), np.array([4e10, 2e11]), np.array([1e10, 2e10])
    np.testing.assert_allclose(law.loss(n, d, u), LAW.base.loss(n, d), rtol=1e-9)
    model = make_model("data-constrained", base=LAW.base)
    pred = model.predict(np.log([[1e13, 1e13]]), {"N": n, "D": d, "U": u})[0]
    np.testing.assert_allclose(np.exp(pred), LAW.base.loss(n, d), rtol=1e-9)


def test_tabled_normal_quantiles_are_scipys_bit_for_bit():
    from scipy import stats
    from scipy.special import ndtri

    from scalinglab.fit.identify import _Z, normal_quantile

    for level in [*_Z, 0.75, 0.999]:
        p = 0.5 + level / 2
        assert normal_quantile(p) == float(ndtri(p)) == float(stats.norm.ppf(p)), level
