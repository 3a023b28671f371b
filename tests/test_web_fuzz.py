"""Fuzzing the explorer's API from its own OpenAPI schema: whatever the request, never a 5xx."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from scalinglab.web import Limits, Settings, create_app  # noqa: E402

# Tight limits keep each generated request small; the limits themselves are part of what is fuzzed.
APP = create_app(Settings(limits=Limits(bootstrap=20, samples=2_000, compute_points=50, request_seconds=10,
                                        fit_seconds=30)))
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_request_makes_the_server_fail(case):
    response = case.call()
    assert response.status_code < 500, (case.method, case.path, response.text[:500])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert isinstance(error, str) and "\n" not in error and "Traceback" not in error
