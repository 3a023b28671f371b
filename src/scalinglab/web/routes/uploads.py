"""``/api/v1/uploads``: keep a runs table in the server's memory and name it by its content hash.

``POST /uploads`` answers ``{"upload": hash, "name", "bytes"}``; a fit, IsoFLOP fit or suggestion then
takes ``upload=hash`` instead of the file, and a page's permalink carries the hash. ``GET
/uploads/{hash}`` says whether the table is still kept (404 with a one-line message when it has gone).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile

from ...errors import InputError
from ...tablefile import SUFFIXES
from .._common import ApiError, DocumentedRoute, body, settings_of
from ..uploads import Upload

router = APIRouter(tags=["uploads"], route_class=DocumentedRoute)

_CHUNK = 1 << 16


async def keep_upload(request: Request, file: UploadFile) -> Upload:
    """Read an uploaded runs table into the cache, refusing it (413) past the size limit and (422) when its
    name has no runs-table suffix; the name kept is the user's own, for messages."""
    limit = settings_of(request).limits.upload_bytes
    name = Path(file.filename or "runs.csv").name[:200] or "runs.csv"
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise ApiError(422, f"{name}: unknown runs file type {suffix or '(none)'!r}; use .csv, .tsv, .parquet or .jsonl")
    chunks, size = [], 0
    while chunk := await file.read(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"{name}: the upload is larger than the explorer's limit of {limit / 1e6:g} MB "
                                f"(use the command line for larger tables)")
        chunks.append(chunk)
    return request.app.state.uploads.put(name, b"".join(chunks))


@router.post("/uploads", summary="Keep a runs table on this server; answers its content hash for fits and permalinks")
async def upload(request: Request, file: Annotated[UploadFile, File(description="Runs table: .csv, .tsv, .parquet or .jsonl.")]):
    return body((await keep_upload(request, file)).to_dict())


@router.get("/uploads/{key}", summary="Whether an uploaded table is still kept: its name and size")
async def uploaded(request: Request, key: str):
    try:
        return body(request.app.state.uploads.get(key).to_dict())
    except InputError as error:
        raise ApiError(404, str(error)) from None
