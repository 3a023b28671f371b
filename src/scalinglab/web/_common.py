"""What the routers share: the settings, the time limit, JSON bodies and the one-line user errors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from .service import clean
from .settings import Settings

__all__ = ["ApiError", "JsonBody", "body", "call", "check_samples", "settings_of"]


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


async def call(request: Request, function, /, **kwargs) -> Any:
    """Run a library call in a worker thread under the per-request time limit."""
    limit = settings_of(request).limits.request_seconds
    try:
        return await asyncio.wait_for(run_in_threadpool(function, **kwargs), timeout=limit)
    except asyncio.TimeoutError:
        raise ApiError(422, f"the request took longer than the explorer's {limit:g} s limit; ask for less "
                            f"(fewer samples or budgets) or use the command line") from None


def check_samples(request: Request, samples: int, what: str = "samples") -> None:
    limit = settings_of(request).limits.samples
    if samples > limit:
        raise ApiError(422, f"{what} is {samples:,}; the explorer draws at most {limit:,} (use the command line "
                            f"for more)")
