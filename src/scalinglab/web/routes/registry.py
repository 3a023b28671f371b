"""``/api/v1/registry``: a read-only view of the runs registry given to ``scalinglab serve --registry``."""

from __future__ import annotations

from fastapi import APIRouter, Request

from .. import service
from .._common import DocumentedRoute, ApiError, body, call, settings_of

router = APIRouter(tags=["sweeps"], route_class=DocumentedRoute)


def _path(request: Request):
    path = settings_of(request).registry
    if path is None:
        raise ApiError(404, "no runs registry: start the server with `scalinglab serve --registry runs.db`")
    return path


@router.get("/registry", summary="The sweeps in the registry (none when the server has no registry)")
async def sweeps(request: Request):
    if settings_of(request).registry is None:
        return body({"registry": None, "sweeps": []})
    return body(await call(request, service.registry_sweeps, path=_path(request)))


@router.get("/registry/{sweep:path}", summary="A sweep's status, runs, loss curves and fits")
async def sweep(request: Request, sweep: str):
    return body(await call(request, service.registry_sweep, path=_path(request), name=sweep))
