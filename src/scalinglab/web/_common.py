"""What the routers share: the settings, the time limit, JSON bodies and the one-line user errors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import anyio
import anyio.to_thread
from fastapi import Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel

from ..options import speaking
from .service import clean
from .settings import Settings

__all__ = ["ApiError", "DocumentedRoute", "ErrorBody", "JsonBody", "body", "call", "check_samples", "errors",
           "settings_of"]


class ErrorBody(BaseModel):
    """Every answer other than 2xx: one line saying what is wrong and what to do."""

    error: str


_WHY = {400: "The Host header names another server (a guard against DNS rebinding).",
        403: "A state-changing request from another origin.",
        404: "No such name, job or registry.",
        413: "The request body or upload is larger than the limit.",
        422: "A user error: the one-line message the CLI prints.",
        429: "Too many fit jobs or progress streams at once; wait or cancel one."}


def errors(*codes: int) -> dict:
    """OpenAPI ``responses`` for these status codes, each with the one-line ``ErrorBody``."""
    return {code: {"model": ErrorBody, "description": _WHY[code]} for code in codes}


class DocumentedRoute(APIRoute):
    """An ``/api/v1`` route whose schema lists the errors it can answer: 400 and 422 everywhere, 403 and 413
    on writes, 404 with a path parameter, and whatever the route names itself (429)."""

    def __init__(self, path: str, endpoint, *, methods=None, responses=None, **kwargs):
        codes = [400, 422]
        if set(methods or ()) & {"POST", "PUT", "PATCH", "DELETE"}:
            codes += [403, 413]
        if "{" in path:
            codes.append(404)
        super().__init__(path, endpoint, methods=methods, responses={**errors(*codes), **(responses or {})},
                         **kwargs)


class ApiError(Exception):
    """An answer other than 200 with a one-line ``error`` message (413, 422, 404, 429)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


class JsonBody(JSONResponse):
    """Compact JSON; NaN and infinities become null as in the CLI's ``--json``."""

    def render(self, content: Any) -> bytes:
        return json.dumps(clean(content), separators=(",", ":"), allow_nan=False).encode()


def body(data: Any, status: int = 200) -> Response:
    """A result object's ``to_dict()`` (or plain data) as the response body."""
    return JsonBody(data.to_dict() if hasattr(data, "to_dict") else data, status_code=status)


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def _compute_limiter(request: Request) -> anyio.CapacityLimiter:
    """The app's bound on requests computing at once: a few threads, not one per request, so that 32
    concurrent requests queue in order instead of taking turns on the GIL (which stretches every one)."""
    state = request.app.state
    if getattr(state, "compute_limiter", None) is None:
        state.compute_limiter = anyio.CapacityLimiter(settings_of(request).limits.compute_threads)
    return state.compute_limiter


async def call(request: Request, function, /, **kwargs) -> Any:
    """Run a library call in a worker thread (at most ``compute_threads`` at once) under the per-request
    time limit, which counts the wait for a thread."""
    limit = settings_of(request).limits.request_seconds

    def run():
        with speaking("web"):  # messages name the request's fields, not the command line's flags
            return function(**kwargs)

    try:
        return await asyncio.wait_for(anyio.to_thread.run_sync(run, limiter=_compute_limiter(request)),
                                      timeout=limit)
    except asyncio.TimeoutError:
        raise ApiError(422, f"the request took longer than the explorer's {limit:g} s limit; ask for less "
                            f"(fewer samples or budgets) or use the command line") from None


def check_samples(request: Request, samples: int, what: str = "samples") -> None:
    limit = settings_of(request).limits.samples
    if samples > limit:
        raise ApiError(422, f"{what} is {samples:,}; the explorer draws at most {limit:,} (use the command line "
                            f"for more)")


def check_bootstrap(request: Request, bootstrap: int) -> None:
    limit = settings_of(request).limits.bootstrap
    if bootstrap > limit:
        raise ApiError(422, f"bootstrap is {bootstrap:,}; the explorer runs at most {limit:,} refits (use the "
                            f"command line for more)")


def check_yaml(request: Request, text: str | None) -> None:
    limit = settings_of(request).limits.yaml_chars
    if text is not None and len(text) > limit:
        raise ApiError(413, f"the scenario YAML has {len(text):,} characters; the limit is {limit:,}")
