"""``/api/v1/laws``, ``/datasets``, ``/sources`` and ``/meta``: what the numbers are and where they come from."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from ..._version import __version__
from .. import service
from .._common import DocumentedRoute, body, settings_of

router = APIRouter(tags=["sources"], route_class=DocumentedRoute)


@router.get("/meta", summary="Package version, data version, limits and defaults")
async def meta(request: Request):
    from ...laws import DEFAULT_LAW

    settings = settings_of(request)
    return body({"version": __version__, "data_version": service.data_version(), "default_law": DEFAULT_LAW,
                 "limits": settings.limits.to_dict(), "registry": settings.registry is not None})


@router.get("/laws", summary="Every published law (scalinglab laws list --json)")
async def laws():
    return body(service.laws_list())


@router.get("/laws/{name}", summary="One law (scalinglab laws show NAME --json)")
async def law(name: str):
    return body(service.law_show(name))


@router.get("/datasets", summary="Bundled datasets (scalinglab datasets list --json)")
async def datasets():
    return body(service.datasets_list())


@router.get("/datasets/{name}", summary="One dataset (scalinglab datasets show NAME --json)")
async def dataset(name: str):
    return body(service.dataset_show(name))


@router.get("/sources", summary="Every law, dataset, hardware figure and constant with its source and BibTeX")
async def sources():
    return body(service.sources())


@router.get("/sources.bib", summary="All sources as one BibTeX file",
            responses={200: {"content": {"application/x-bibtex": {"schema": {"type": "string"}}}}})
async def bibtex():
    seen, entries = set(), []
    for item in service.sources():
        if item["bibtex"] not in seen:
            seen.add(item["bibtex"])
            entries.append(item["bibtex"])
    return PlainTextResponse("\n\n".join(entries) + "\n", media_type="application/x-bibtex")
