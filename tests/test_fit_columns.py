"""A column plays one role: naming it for two (or naming one that is auto-detected for another) is one line, exit 2."""

from __future__ import annotations

from conftest import assert_user_error


def test_one_column_for_two_roles_is_refused(cli):
    result = cli("isoflop", "chinchilla-runs", "--loss-col", "Model Size", "--n-col", "Model Size")
    assert_user_error(result, "column 'Model Size' cannot be both", "--n-col", "--loss-col")


def test_an_explicit_column_that_clashes_with_a_detected_one_is_refused(cli):
    result = cli("fit", "chinchilla-runs", "--loss-col", "Model Size")
    assert_user_error(result, "column 'Model Size' cannot be both N (parameters) (--n-col) and loss (--loss-col)")
