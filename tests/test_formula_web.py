"""The explorer's Fit endpoint takes a formula as the CLI does: the same JSON, the same one-line errors (422)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from scalinglab.cli.app import main  # noqa: E402
from scalinglab.web import create_app  # noqa: E402

FORMULA = "E + A/N^alpha + B/D^beta"


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), base_url="http://127.0.0.1") as test_client:  # a Host the server answers
        yield test_client


def _cli_json(*args: str) -> dict:
    out = io.StringIO()
    with redirect_stdout(out):
        main([*args, "--json"])
    return json.loads(out.getvalue())


def test_a_formula_fit_on_the_web_is_the_cli_json(client):
    expected = _cli_json("fit", "chinchilla-runs", "--formula", FORMULA, "--var", "N", "--var", "D",
                         "--drop-highest-loss", "5")
    response = client.post("/api/v1/fit", data={"dataset": "chinchilla-runs", "formula": FORMULA,
                                                 "variables": "N, D", "drop_highest_loss": "5"})
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["law"] == expected["law"] and data["params"] == expected["params"]
    assert data["law"]["formula"] == FORMULA


@pytest.mark.parametrize("form, fragment", [
    ({"formula": "E + A/N.alpha", "variables": "N"}, "position 8"),
    ({"formula": "__import__('os')", "variables": "N"}, "dunder"),
    ({"formula": FORMULA, "variables": "N, D=tokens"}, "no column 'tokens'"),
])
def test_a_bad_formula_on_the_web_is_a_422_with_one_line(client, form, fragment):
    response = client.post("/api/v1/fit", data={"dataset": "chinchilla-runs", **form})
    assert response.status_code == 422
    assert fragment in response.json()["error"] and "\n" not in response.json()["error"]
