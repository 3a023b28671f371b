"""laws: the families evaluate as published, the registry carries sources."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scalinglab.errors import InputError, UnknownNameError
from scalinglab.laws import (
    BrokenPowerLaw,
    ChinchillaLaw,
    PowerLaw,
    SaturatingPowerLaw,
    SigmoidAccuracy,
    effective_data,
    get_law,
    law_from_dict,
    list_laws,
)


def test_registry_entries_carry_source_and_n_convention():
    names = {entry.name for entry in list_laws()}
    assert {"hoffmann2022", "besiroglu2024", "besiroglu2024-hoffmann-procedure", "kaplan2020", "muennighoff2023",
            "hoffmann2022-approach1", "hoffmann2022-approach2", "hoffmann2022-approach3", "kaplan2020-allocation"} <= names
    for entry in list_laws():
        assert entry.source.citation and entry.source.locator and entry.source.identifier.startswith("arXiv:")
        assert entry.n_convention in ("total", "non-embedding")
        assert entry.law.formula()


def test_hoffmann2022_values():
    # Hoffmann et al. 2022 (arXiv:2203.15556), section 3.3 eq. 10: E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28
    assert get_law("hoffmann2022").law.params() == {"E": 1.69, "A": 406.4, "B": 410.7, "alpha": 0.34, "beta": 0.28}


def test_besiroglu2024_both_sets():
    # Besiroglu et al. 2024 (arXiv:2404.10102): Hoffmann-procedure set and final MLE set with standard errors
    assert get_law("besiroglu2024-hoffmann-procedure").law.params() == pytest.approx(
        {"E": 1.8172, "A": 477.84, "B": 2143.86, "alpha": 0.3473, "beta": 0.3672})
    mle = get_law("besiroglu2024")
    assert mle.law.params() == pytest.approx({"E": 1.81686, "A": 482.01, "B": 2085.43, "alpha": 0.34781, "beta": 0.36585})
    assert mle.stderr == pytest.approx({"E": 0.026, "A": 124.5, "B": 1293.0, "alpha": 0.015, "beta": 0.021})


def test_muennighoff_reproduces_the_datablations_readme_examples():
    # huggingface/datablations README, "Parametric Fit": the two models of Figure 1 (right)
    law = get_law("muennighoff2023").law
    assert float(law.loss(6.34e9, 242e9, 25e9)) == pytest.approx(2.2256440889984477, rel=1e-12)
    assert float(law.loss(8.67e9, 178e9, 25e9)) == pytest.approx(2.2269634075087867, rel=1e-12)


@pytest.mark.parametrize("epochs, ratio", [(4, 3.73), (16, 10.58), (60, 16.06)])
def test_effective_data_per_epoch(epochs, ratio):
    # Muennighoff et al. 2023 eq. 5 with R_D* = 15.387756: D'/U = 1 + R_D* (1 - exp(-(e - 1)/R_D*))
    r_d = get_law("muennighoff2023").law.R_D_star
    assert r_d == 15.387756
    assert float(effective_data(epochs * 1e12, 1e12, r_d)) / 1e12 == pytest.approx(ratio, abs=0.005)


def test_one_epoch_is_not_discounted():
    law = get_law("muennighoff2023").law
    assert float(law.loss(1e9, 20e9, 20e9)) == pytest.approx(float(law.base.loss(1e9, 20e9)))


def test_kaplan_law_at_reference_point():
    # Kaplan et al. 2020 eq. 1.5 with Table 2 constants: L(N, D -> inf) = (N_c / N)^alpha_N
    law = get_law("kaplan2020").law
    assert float(law.loss(1e9, 1e30)) == pytest.approx((8.8e13 / 1e9) ** 0.076, rel=1e-6)


def test_unknown_law_suggests_close_names():
    with pytest.raises(UnknownNameError, match="did you mean 'hoffmann2022'"):
        get_law("hofman2022")


def test_aliases():
    assert get_law("Chinchilla").name == "hoffmann2022"
    assert get_law("KAPLAN").name == "kaplan2020"


def test_laws_reject_nonpositive_and_nan_sizes():
    law = get_law("hoffmann2022").law
    for bad in (0.0, -1.0, np.nan, np.inf):
        with pytest.raises(InputError):
            law.loss(bad, 1e9)


def test_law_dict_round_trip():
    for entry in list_laws():
        assert law_from_dict(entry.law.to_dict()) == entry.law


sizes = st.floats(min_value=1e6, max_value=1e14)


@given(sizes, sizes, st.floats(min_value=1.01, max_value=10.0))
def test_chinchilla_loss_falls_with_n_and_d(n, d, factor):
    law = get_law("hoffmann2022").law
    base = float(law.loss(n, d))
    assert float(law.loss(n * factor, d)) < base
    assert float(law.loss(n, d * factor)) < base
    assert base > law.E


@given(st.floats(min_value=1.0, max_value=1e25), st.floats(min_value=0.01, max_value=1.0))
def test_power_law_inverse(x, a):
    law = PowerLaw(c=3.0, a=a)
    assert float(law.inverse(law(x))) == pytest.approx(x, rel=1e-6)


@given(st.floats(min_value=1.0, max_value=1e20))
def test_saturating_power_law_inverse(x):
    law = SaturatingPowerLaw(E=1.7, A=400.0, a=0.3)
    assert float(law.inverse(law(x))) == pytest.approx(x, rel=1e-6)


def test_saturating_inverse_below_floor_is_an_error():
    with pytest.raises(InputError, match="floor"):
        SaturatingPowerLaw(E=1.7, A=400.0, a=0.3).inverse(1.5)


def test_broken_power_law_without_breaks_is_a_saturating_power_law():
    x = np.logspace(0, 12, 20)
    assert np.allclose(BrokenPowerLaw(a=1.0, b=5.0, c0=0.2)(x), SaturatingPowerLaw(E=1.0, A=5.0, a=0.2)(x))


def test_broken_power_law_slope_changes_across_each_break():
    # Caballero et al. 2023 eq. 1: far past break i the exponent grows by c_i
    law = BrokenPowerLaw(a=0.0, b=1.0, c0=0.1, c=(0.3, 0.2), d=(1e4, 1e8), f=(0.1, 0.1))
    assert float(law.local_exponent(1.0)) == pytest.approx(0.1, abs=1e-3)
    assert float(law.local_exponent(1e6)) == pytest.approx(0.4, abs=1e-3)
    assert float(law.local_exponent(1e12)) == pytest.approx(0.6, abs=1e-3)
    slope = -np.diff(np.log(law(np.array([1e11, 1e12])))) / np.log(10)
    assert float(slope[0]) == pytest.approx(0.6, abs=1e-2)


def test_broken_power_law_needs_matching_breaks():
    with pytest.raises(InputError, match="one c, d and f per break"):
        BrokenPowerLaw(a=0.0, b=1.0, c0=0.1, c=(0.3,), d=(1e4, 1e5), f=(0.1,))


@given(st.floats(min_value=0.26, max_value=0.89))
def test_sigmoid_inverse_and_limits(acc):
    curve = SigmoidAccuracy(floor=0.25, ceiling=0.9, midpoint=22.0, slope=2.0)
    x = float(curve.inverse(acc))
    assert float(curve(x)) == pytest.approx(acc, rel=1e-9)
    assert float(curve(1e10)) == pytest.approx(0.25, abs=1e-6)
    assert float(curve(1e30)) == pytest.approx(0.9, abs=1e-6)


def test_sigmoid_against_loss_rises_as_loss_falls():
    curve = SigmoidAccuracy(floor=0.25, ceiling=1.0, midpoint=-2.2, slope=8.0, against="loss")
    assert float(curve(2.0)) > float(curve(2.5)) > 0.25


def test_chinchilla_exponents_of_the_closed_form():
    law = ChinchillaLaw(E=1.69, A=406.4, B=410.7, alpha=0.34, beta=0.28)
    assert law.optimal_n_exponent == pytest.approx(0.28 / 0.62)
    assert law.optimal_n_exponent + law.optimal_d_exponent == pytest.approx(1.0)


def test_bundled_registries_parse_the_same_with_libyaml_and_pure_python():
    from importlib import resources

    import yaml

    from scalinglab._io import load_bundled_yaml

    for package, name in (("scalinglab.laws", "published.yaml"), ("scalinglab.datasets", "registry.yaml")):
        text = resources.files(package).joinpath(name).read_text()
        assert load_bundled_yaml(text) == yaml.safe_load(text), name
