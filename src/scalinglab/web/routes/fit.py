"""``/api/v1/fit``, ``/isoflop`` and ``/suggest``: fit an uploaded (or bundled) runs table, or choose the runs to
train next on it; jobs with streamed progress.

``POST /fit`` answers with the fit's ``to_dict()`` once done (as ``scalinglab fit --json``);
``POST /fit/jobs`` answers at once with a job whose progress streams from ``GET /fit/jobs/{id}/events``
(server-sent events) and which ``DELETE /fit/jobs/{id}`` cancels; ``GET /fit/jobs`` lists the jobs. The runs
come as a file, as an ``upload`` kept before (by its content hash) or as a bundled dataset's name; the
server writes an upload into its own temporary folder under its (cleaned) file name, so errors name the
file the user chose.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import StreamingResponse

from .._common import ApiError, DocumentedRoute, body, check_bootstrap, errors
from ..declared import accepted_names
from ..service import clean
from ..jobs import Job, TooManyJobs, TooManyStreams
from ..schemas import FitOptions, IsoflopOptions, SuggestOptions
from .uploads import keep_upload

router = APIRouter(tags=["fit"], route_class=DocumentedRoute)

_POLL_SECONDS = 0.1  #: how often an open progress stream looks for news (10 times a second is smooth enough)


def _clean_name(name: str) -> str:
    """The user's file name as a plain file name in the job's folder, keeping its suffix (the table's type)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).stem).strip("._") or "runs"
    return stem[-90:] + Path(name).suffix.lower()


async def _start(request: Request, kind: str, options, file: UploadFile | None) -> Job:
    unknown = sorted(set((await request.form()).keys()) - accepted_names(type(options)) - {"file"})
    if unknown:
        raise ApiError(422, f"unknown option {unknown[0]!r}; the options are "
                            f"{', '.join(['file', *type(options).model_fields])}")
    values = options.model_dump(exclude={"dataset", "upload"})
    check_bootstrap(request, values.get("bootstrap", 0))
    if (file is not None) + (options.upload is not None) + (options.dataset is not None) != 1:
        raise ApiError(422, "give one of file (a runs table), upload (a table uploaded before, by its hash) or "
                            "dataset (a bundled dataset's name)")
    folder = display = None
    if options.dataset is not None:
        from ...datasets import get_dataset

        source = get_dataset(options.dataset).name  # a name only, never a path
    else:
        held = await keep_upload(request, file) if file is not None else request.app.state.uploads.get(options.upload)
        folder, display = request.app.state.jobs.upload_dir(), held.name
        source = str(folder / _clean_name(held.name))  # the server's own private folder
        Path(source).write_bytes(held.data)
    try:
        return request.app.state.jobs.start(kind, source, values, name=display, folder=folder)
    except TooManyJobs as error:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise ApiError(429, str(error)) from None


async def _finished(request: Request, job: Job):
    while job.status == "running":
        await asyncio.sleep(0.02)
    if job.status == "done":
        return body(job.result)
    if job.status == "crash":
        raise RuntimeError(job.error)
    raise ApiError(422, job.error or job.status)


Upload = Annotated[UploadFile, File(description="Runs table: .csv, .tsv, .parquet or .jsonl.")]


@router.post("/fit", responses=errors(429), summary="Fit a law to runs and wait for the result (scalinglab fit --json)")
async def fit(request: Request, options: Annotated[FitOptions, Form()], file: Upload = None):
    return await _finished(request, await _start(request, "fit", options, file))


@router.post("/isoflop", responses=errors(429), summary="N_opt = G C^a from IsoFLOP runs (scalinglab isoflop --json)")
async def isoflop(request: Request, options: Annotated[IsoflopOptions, Form()], file: Upload = None):
    return await _finished(request, await _start(request, "isoflop", options, file))


@router.post("/suggest", responses=errors(429),
             summary="Which runs to train next on a runs table (scalinglab suggest --grid ... --json)")
async def suggest(request: Request, options: Annotated[SuggestOptions, Form()], file: Upload = None):
    """The ranked runs (``picks``: cost, expected variance reduction, cumulative cost), with the notes and the
    warnings for parameters the runs done cannot identify; candidates come from ``grid`` only."""
    return await _finished(request, await _start(request, "suggest", options, file))


@router.post("/fit/jobs", responses=errors(429), status_code=202,
             summary="Start a fit; follow it at /fit/jobs/{id}/events")
async def start_fit(request: Request, options: Annotated[FitOptions, Form()], file: Upload = None):
    return body((await _start(request, "fit", options, file)).to_dict(), status=202)


@router.post("/isoflop/jobs", responses=errors(429), status_code=202,
             summary="Start an IsoFLOP fit; follow it at /fit/jobs/{id}/events")
async def start_isoflop(request: Request, options: Annotated[IsoflopOptions, Form()], file: Upload = None):
    return body((await _start(request, "isoflop", options, file)).to_dict(), status=202)


def _links(job: Job) -> dict:
    here = f"/api/v1/fit/jobs/{job.id}"
    return {"self": here, "events": f"{here}/events", "cancel": here}


@router.get("/fit/jobs", summary="The jobs kept, newest first: status, progress, created, cancel and events links")
async def jobs(request: Request):
    """Each job's ``to_dict()`` with its ``progress`` (done / total) and ``links``: ``cancel`` is the URL to
    DELETE, ``events`` its progress stream."""
    return body([{**job.to_dict(), "progress": job.done / max(1, job.total), "links": _links(job)}
                 for job in request.app.state.jobs.newest_first()])


def _job(request: Request, job_id: str) -> Job:
    job = request.app.state.jobs.get(job_id)
    if job is None:
        raise ApiError(404, f"no fit job {job_id!r} (finished jobs are kept for a while, then forgotten)")
    return job


@router.get("/fit/jobs/{job_id}", summary="A job's status, progress and, once done, its result and charts")
async def job_status(request: Request, job_id: str):
    job = _job(request, job_id)
    out = job.to_dict()
    if job.status == "done":
        out |= {"result": job.result, "charts": job.charts}
    return body(out)


@router.delete("/fit/jobs/{job_id}", summary="Cancel a running job")
async def cancel(request: Request, job_id: str):
    _job(request, job_id)
    return body(request.app.state.jobs.cancel(job_id).to_dict())


class _HeldStream(StreamingResponse):
    """A stream that gives its place back however it ends (finished, cancelled or the client gone)."""

    def __init__(self, release, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.release = release

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.release()


def _event(name: str, data) -> str:
    return f"event: {name}\ndata: {json.dumps(clean(data), separators=(',', ':'), allow_nan=False)}\n\n"


@router.get("/fit/jobs/{job_id}/events", responses=errors(429),
            summary="Server-sent events: progress, then result, error or cancelled")
async def events(request: Request, job_id: str):
    job = _job(request, job_id)
    try:
        release = request.app.state.jobs.hold_stream(job)
    except TooManyStreams as error:
        raise ApiError(429, str(error)) from None

    async def stream():
        seen = -1
        while True:
            if job.version != seen:
                seen = job.version
                if job.status == "running":
                    yield _event("progress", job.to_dict())
                elif job.status == "done":
                    yield _event("result", {**job.to_dict(), "result": job.result, "charts": job.charts})
                    return
                else:
                    yield _event("error" if job.status != "cancelled" else "cancelled", job.to_dict())
                    return
            if await request.is_disconnected():
                return
            await asyncio.sleep(_POLL_SECONDS)

    return _HeldStream(release, stream(), media_type="text/event-stream",
                       headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
