"""The formula-law catalogue (laws/catalogue.yaml): every entry well-formed, listed by group, shown in full."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import assert_user_error

from scalinglab.laws.catalogue import catalogue, get_catalogue_entry
from scalinglab.laws.formula import names, parse


@pytest.mark.parametrize("name", list(catalogue()))
def test_every_name_of_the_formula_is_an_input_or_a_declared_parameter(name):
    entry = catalogue()[name]
    found = set(names(parse(entry.formula)))
    assert found == set(entry.inputs) | set(entry.params), name


@pytest.mark.parametrize("name", list(catalogue()))
def test_starts_and_published_constants_lie_within_the_bounds(name):
    entry = catalogue()[name]
    for param, spec in entry.params.items():
        low, high = spec.bounds
        assert low < high and low <= spec.start <= high, param
        if param in entry.constants:
            assert low <= entry.constants[param] <= high, param
    assert set(entry.constants) <= set(entry.params)
    assert entry.source.identifier.startswith("arXiv:") and entry.checked


@pytest.mark.parametrize("name", list(catalogue()))
def test_every_formula_is_finite_at_its_starts_on_typical_inputs(name):
    entry = catalogue()[name]
    typical = {"N": 1e9, "D": 2e10, "U": 1e10, "E": 8.0, "G": 4.0, "V": 32000.0, "d": 2048.0, "H": 1e11,
               "Pw": 8.0, "Pa": 8.0, "Pkv": 8.0, "C": 1e21, "M": 20.0, "L": 2.5, "LT": 2.2, "LS": 2.4,
               "NS": 1e9, "DS": 2e10, "Lx": 2.5, "P": 4.0, "S1": 10.0, "S2": 1.0, "drop": 2e-4, "eta": 1e-4,
               "r1": 0.2, "r2": 0.2, "r3": 0.2, "r4": 0.2, "r5": 0.2}
    from scalinglab.laws.formula import evaluate

    env = {**{k: typical[k] for k in entry.inputs}, **{k: v.start for k, v in entry.params.items()}}
    value = float(np.asarray(evaluate(parse(entry.formula), env)))
    assert math.isfinite(value), name


def test_vocabulary_law_constants_evaluate_as_the_authors_code_does():
    # Tao et al. 2024 (arXiv:2407.13623), constants of approach3_isoloss in sail-sg/scaling-with-vocab
    # optimal_Nv_predict.py: Lu = -E + A1/Nnv^b + A2/(V d)^a2 + B/D^b with Nnv in millions, V and d in
    # thousands and D = H/1e9 times the characters-to-tokens ratio at V/1000 (utils.H_to_D).
    entry = get_catalogue_entry("vocab-tao2024")
    c = entry.constants
    n, v, d, h = 335e6, 32768.0, 1024.0, 4e10
    lv = math.log(v / 1000)
    tokens = h / 1e9 * (0.00639222 * lv**2 - 0.15811069 * lv + 1.20470122)
    expected = (-c["E"] + c["A1"] / (n / 1e6) ** c["beta"] + c["A2"] / ((v / 1000) * (d / 1000)) ** c["alpha2"]
                + c["B"] / tokens ** c["beta"])
    from scalinglab.laws.formula import evaluate

    got = float(np.asarray(evaluate(parse(entry.formula), {**c, "N": n, "V": v, "d": d, "H": h})))
    assert got == pytest.approx(expected, rel=1e-12)


def test_families_without_checked_constants_are_fittable_only():
    entries = catalogue().values()
    assert [e.name for e in entries if not e.fittable_only] == ["vocab-tao2024"]
    assert get_catalogue_entry("Parallel-Chen2025").params["k"].bounds == (1e-8, 5.0)


def test_laws_list_groups_the_formula_laws_and_keeps_the_published_ones_first(cli):
    listed = cli("laws", "list", "--json").json()
    families = [entry["family"] for entry in listed]
    first_formula = families.index("formula")
    assert "formula" not in families[:first_formula] and set(families[first_formula:]) == {"formula"}
    groups = {entry["group"] for entry in listed[first_formula:]}
    assert {"mixture of experts", "vocabulary", "precision", "distillation", "parallel scaling"} <= groups
    text = cli("laws", "list").stdout
    assert "Formula laws by group" in text and "fittable" in text and "published" in text


def test_laws_show_prints_formula_inputs_units_source_and_constants(cli):
    shown = cli("laws", "show", "vocab-tao2024", "--json").json()
    assert shown["inputs"]["H"]["unit"] == "characters"
    assert shown["params"]["alpha2"] == pytest.approx(0.6707374679896795)
    assert shown["source"]["identifier"] == "arXiv:2407.13623"
    text = cli("laws", "show", "moe-clark2022").stdout
    assert "E_start" in text and "experts" in text and "fittable only" in text


def test_an_unknown_law_name_is_one_line_naming_it(cli):
    assert_user_error(cli("laws", "show", "moe-nobody2030"), "unknown law 'moe-nobody2030'")
