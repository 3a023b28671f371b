"""The FastAPI app: routers under ``/api/v1``, the pages, the guard, security headers and one-line errors.

    >>> from fastapi.testclient import TestClient
    >>> client = TestClient(create_app(), base_url="http://127.0.0.1")
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
from ..errors import ScalingLabError, UnknownNameError
from ._common import ApiError, JsonBody
from .guard import Guard, allowed_hosts
from .jobs import JobManager
from .redact import redact
from .routes import cost, fit, forecast, pages, plan, registry, sources, uploads
from .settings import Settings
from .uploads import UploadCache

__all__ = ["create_app", "CSP"]

#: Nothing from another origin: scripts, styles, images, fonts and requests come from this server only.
_API = "/api/v1"
_ROUTERS = (plan, cost, fit, uploads, forecast, sources, registry)

#: Slack for the form fields and multipart framing around an uploaded file.
_FORM_OVERHEAD = 64 * 1024

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
                              "bodies over the size limit 413; a Host other than this server's 400; a POST or "
                              "DELETE from another origin 403. Limits: GET /api/v1/meta.")
    app.state.settings = settings
    app.state.jobs = JobManager(settings.limits)
    limits = settings.limits
    app.state.uploads = UploadCache(limits.uploads_kept, max(limits.uploads_bytes, limits.upload_bytes))
    plain_schema = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            _state_limits(plain_schema(), settings.limits)
        return app.openapi_schema

    app.openapi = openapi

    def error_body(message: str, status: int, headers=None) -> JsonBody:
        return JsonBody({"error": redact(message, settings.registry)}, status_code=status, headers=headers)

    @app.exception_handler(ScalingLabError)
    async def user_error(request: Request, error: ScalingLabError):
        missing = isinstance(error, UnknownNameError) and request.method == "GET"  # a name in the URL
        return error_body(str(error), 404 if missing else 422)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, error: ApiError):
        return error_body(error.message, error.status)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError):
        return error_body(_one_line(error), 422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException):
        headers = error.headers
        if error.status_code == 405:
            headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request.url.path))}
        return error_body(str(error.detail), error.status_code, headers)

    @app.exception_handler(Exception)
    async def bug(request: Request, error: Exception):
        return error_body(f"internal error ({type(error).__name__}); please report it", 500)

    for module in _ROUTERS:
        app.include_router(module.router, prefix=_API)
    app.include_router(pages.router)
    app.add_middleware(Guard, hosts=allowed_hosts(settings.host),
                       max_body=settings.limits.upload_bytes + _FORM_OVERHEAD)
    app.add_middleware(SecurityHeaders)
    return app


def _state_limits(schema: dict, limits) -> None:
    """Write this server's limits into the schema (``serve --max-samples`` and others set them), so that
    a request the schema allows is not refused for its size."""
    bounds = {"samples": ("integer", "maximum", limits.samples), "bootstrap": ("integer", "maximum", limits.bootstrap),
              "compute": ("array", "maxItems", limits.compute_points), "yaml": ("string", "maxLength", limits.yaml_chars)}

    def visit(node) -> None:
        if isinstance(node, dict):
            for name, spec in (node.get("properties") or {}).items():
                if name in bounds:
                    kind, key, value = bounds[name]
                    for option in spec.get("anyOf", [spec]):
                        if option.get("type") == kind:
                            option[key] = value
            for child in node.values():
                visit(child)
        elif isinstance(node, list):
            for child in node:
                visit(child)

    visit(schema)


def _allowed_methods(path: str) -> list[str]:
    """Every method some ``/api/v1`` route answers at this path (Starlette names only the first matching
    route's); the pages and their assets answer GET."""
    if not path.startswith(_API):
        return ["GET"]
    rest = path[len(_API):]
    routes = [route for module in _ROUTERS for route in module.router.routes if route.path_regex.match(rest)]
    literal = [route for route in routes if route.path == rest]  # /scenarios/describe, not /scenarios/{name}
    return sorted({method for route in literal or routes for method in route.methods})


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
