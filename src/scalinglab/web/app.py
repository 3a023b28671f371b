"""The FastAPI app: routers under ``/api/v1``, the pages, security headers and one-line errors.

    >>> from fastapi.testclient import TestClient
    >>> client = TestClient(create_app())
    >>> client.post("/api/v1/predict", json={"law": "hoffmann2022", "params": "70B", "tokens": "1.4T"}).json()["loss"]
    1.9366...
"""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._version import __version__
from ..errors import ScalingLabError
from ._common import ApiError, JsonBody
from .jobs import JobManager
from .routes import cost, fit, forecast, pages, plan, registry, sources
from .settings import Settings

__all__ = ["create_app", "CSP"]

#: Nothing from another origin: scripts, styles, images, fonts and requests come from this server only.
#: Vega compiles chart expressions with ``Function`` (hence 'unsafe-eval'); no inline script runs.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'self'")

_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY", "Cross-Origin-Opener-Policy": "same-origin",
            "Cross-Origin-Resource-Policy": "same-origin"}


def _one_line(error: RequestValidationError) -> str:
    """'compute.0: Input should be a valid number; law: ...' from pydantic's error list."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ())[1:]) or "body"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "; ".join(parts).replace("\n", " ")


def create_app(settings: Settings | None = None) -> FastAPI:
    """The explorer app for ``settings`` (limits, registry); ``uvicorn`` serves it."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        threading.Thread(target=pages.vega_bundle, daemon=True).start()  # warm the 0.9 MB bundle
        yield
        app.state.jobs.close()

    app = FastAPI(title="scalinglab explorer", version=__version__, lifespan=lifespan,
                  openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None,
                  description="JSON API of the scalinglab explorer. Bodies are the results' to_dict(), which is "
                              "what the CLI's --json prints. User errors answer 422 with one line in 'error'; "
                              "uploads over the size limit 413. Limits: GET /api/v1/meta.")
    app.state.settings = settings
    app.state.jobs = JobManager(settings.limits)

    @app.exception_handler(ScalingLabError)
    async def user_error(request: Request, error: ScalingLabError):
        return JsonBody({"error": str(error).replace("\n", " ")}, status_code=422)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError):
        return JsonBody({"error": error.message}, status_code=error.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError):
        return JsonBody({"error": _one_line(error)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        return JsonBody({"error": str(error.detail)}, status_code=error.status_code, headers=error.headers)

    for module in (plan, cost, fit, forecast, sources, registry):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(pages.router)
    app.add_middleware(SecurityHeaders)
    return app


class SecurityHeaders:
    """Adds the CSP and the other security headers to every response (a plain ASGI middleware: cheap)."""

    _raw = [(k.lower().encode(), v.encode()) for k, v in _HEADERS.items()]

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self._raw]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
