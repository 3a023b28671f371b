"""Fuzzing the explorer's API from its own OpenAPI schema with every schemathesis check (20 examples per
operation): never a 5xx, every status code, content type and body as documented, schema-invalid requests
refused, ``Allow`` right on 405, and schema-valid requests accepted.

One check is narrowed: the bodies of the computing operations have rules that JSON Schema cannot state
(``compute`` and ``target_loss`` exclude each other, a cost needs FLOP or parameters and tokens, a suggestion's
grid and target are texts of their own grammar, a text quantity such as ``"0"`` must be positive, a column
must exist in the uploaded table, whose name must end in a table's suffix). A schema-valid body
that breaks one of those is answered 422 with the CLI's one-line message, which this test checks instead
of ``positive_data_acceptance`` there. Everywhere else (every GET, the cluster curve, job cancel) a
schema-valid request must be accepted (or be a 404 for a name that does not exist).
"""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from scalinglab.web import Limits, Settings, create_app  # noqa: E402

# Tight limits keep each generated request small; the limits themselves are part of what is fuzzed.
APP = create_app(Settings(limits=Limits(bootstrap=20, samples=2_000, compute_points=50, request_seconds=10,
                                        fit_seconds=30)))
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP, headers={"Host": "127.0.0.1"})

#: Operations whose bodies carry rules across fields or inside text quantities (see the module docstring).
CROSS_FIELD_RULES = {"/api/v1/plan", "/api/v1/predict", "/api/v1/charts/plan", "/api/v1/cost", "/api/v1/budget",
                     "/api/v1/fit", "/api/v1/isoflop", "/api/v1/fit/jobs", "/api/v1/isoflop/jobs",
                     "/api/v1/suggest", "/api/v1/uploads", "/api/v1/forecast", "/api/v1/charts/forecast", "/api/v1/scenarios/describe",
                     *(f"/api/v1/snippets/{page}" for page in ("cost", "plan", "forecast", "fit", "isoflop", "suggest"))}


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_check_passes_on_every_operation(case):
    narrowed = case.method == "POST" and case.path in CROSS_FIELD_RULES
    response = case.call_and_validate(headers={"Host": "127.0.0.1"},
                                      excluded_checks=[positive_data_acceptance] if narrowed else None)
    if response.status_code >= 400:
        error = response.json()["error"]
        assert isinstance(error, str) and "\n" not in error and "Traceback" not in error
