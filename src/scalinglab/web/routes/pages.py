"""The pages: one HTML shell for every page, its script and style, and the Vega bundle, all from the package."""

from __future__ import annotations

import hashlib
import threading
from functools import cache
from importlib import resources

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

router = APIRouter(include_in_schema=False)

PAGES = ("plan", "cost", "fit", "forecast", "sweeps", "laws")
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def _static():
    return resources.files(__package__.rsplit(".", 1)[0]).joinpath("static")


@cache
def _assets() -> frozenset[str]:
    """The page's script modules and style sheet: the names served, so that no other name reaches a file."""
    return frozenset(item.name for item in _static().iterdir() if item.is_file() and item.name.endswith(tuple(_TYPES)))


@cache
def _asset(name: str) -> bytes:
    return _static().joinpath(name).read_bytes()


_bundle_lock = threading.Lock()


@cache
def vega_bundle() -> bytes:
    """Vega, Vega-Lite and vega-embed from ``vl_convert.javascript_bundle()``: offline, built once."""
    with _bundle_lock:
        import vl_convert

        return vl_convert.javascript_bundle().encode()


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:16] + '"'


@router.get("/", response_class=HTMLResponse)
@router.get("/{page}", response_class=HTMLResponse)
async def page(page: str = "plan"):
    if page not in PAGES:
        return HTMLResponse("<!doctype html><title>not found</title><p>No such page.</p>", status_code=404)
    return HTMLResponse(_asset("index.html"), headers={"Cache-Control": "no-cache"})


@router.get("/static/vega.js")
async def vega():
    data = vega_bundle()
    return Response(data, media_type=_TYPES[".js"], headers={"Cache-Control": "public, max-age=86400",
                                                             "ETag": _etag(data)})


@router.get("/static/{name}")
async def asset(name: str):
    if name not in _assets():
        return Response(b"not found", status_code=404, media_type="text/plain")
    data = _asset(name)
    return Response(data, media_type=_TYPES["." + name.rsplit(".", 1)[1]], headers={"Cache-Control": "no-cache"})
