"""Fit jobs: each runs in a child process; progress is kept here for the event stream; cancel kills it.

Progress streams are counted here too: at most ``Limits.streams`` open at once and ``streams_per_job`` on
one job, so that hundreds of idle streams cannot take the server's time from the requests that compute.
"""

from __future__ import annotations

import multiprocessing
import queue as queue_module
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .redact import redact
from .settings import Limits

__all__ = ["Job", "JobManager", "TooManyJobs", "TooManyStreams"]


class TooManyJobs(Exception):
    """More fit jobs are running than the limit allows."""


class TooManyStreams(Exception):
    """More progress streams are open (on one job or on all) than the limits allow."""


@dataclass
class Job:
    id: str
    kind: str
    status: str = "running"          #: running, done, error, cancelled
    done: int = 0
    total: int = 1
    label: str = "starting"
    result: dict | None = None
    charts: dict | None = None
    error: str | None = None
    started: float = field(default_factory=time.monotonic)
    created: float = field(default_factory=time.time)
    version: int = 0                 #: bumped on every change, so the event stream knows what is new
    streams: int = 0                 #: progress streams open on this job

    def to_dict(self) -> dict:
        out = {"id": self.id, "kind": self.kind, "status": self.status, "done": self.done, "total": self.total,
               "label": self.label, "seconds": round(time.monotonic() - self.started, 3),
               "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.created))}
        if self.error is not None:
            out["error"] = self.error
        return out


class JobManager:
    """Starts, tracks and cancels fit jobs; keeps the last ``keep`` finished ones."""

    def __init__(self, limits: Limits, keep: int = 32):
        self.limits, self.keep = limits, keep
        self._jobs: dict[str, Job] = {}
        self._processes: dict[str, multiprocessing.Process] = {}
        self._lock = threading.Lock()
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(["scalinglab.web._worker", "scalinglab.fit"])
        self._tmp: Path | None = None
        self._streams = 0

    def upload_dir(self) -> Path:
        """A fresh private folder for one uploaded file (removed when its job ends)."""
        with self._lock:
            if self._tmp is None:
                self._tmp = Path(tempfile.mkdtemp(prefix="scalinglab-web-"))
        return Path(tempfile.mkdtemp(dir=self._tmp))

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def newest_first(self) -> list[Job]:
        """Every job still kept, newest first."""
        return sorted(self._jobs.values(), key=lambda job: job.started, reverse=True)

    def hold_stream(self, job: Job):
        """Take one of the progress-stream places; returns the function that gives it back (once).
        ``TooManyStreams`` when the job's or the server's places are all taken."""
        with self._lock:
            if job.streams >= self.limits.streams_per_job:
                raise TooManyStreams(f"{job.streams} progress streams are open on job {job.id} (the limit is "
                                     f"{self.limits.streams_per_job}); poll GET /api/v1/fit/jobs/{job.id} instead")
            if self._streams >= self.limits.streams:
                raise TooManyStreams(f"{self._streams} progress streams are open (the limit is "
                                     f"{self.limits.streams}); close one or poll GET /api/v1/fit/jobs/{job.id}")
            job.streams += 1
            self._streams += 1
        held = [True]

        def release() -> None:
            with self._lock:
                if held[0]:
                    held[0] = False
                    job.streams -= 1
                    self._streams -= 1

        return release

    def start(self, kind: str, source: str, options: dict, *, name: str | None = None,
              folder: Path | None = None) -> Job:
        """Start a job on ``source`` (a dataset name or an uploaded file's path) shown as ``name``, working in
        ``folder`` (the upload's private folder, or a fresh empty one), which is removed when the job ends."""
        with self._lock:
            running = sum(job.status == "running" for job in self._jobs.values())
            if running >= self.limits.jobs:
                raise TooManyJobs(f"{running} fit jobs are running (the limit is {self.limits.jobs}); "
                                  f"wait for one or cancel it")
            job = Job(secrets.token_hex(8), kind)
            self._jobs[job.id] = job
            self._trim()
        from . import _worker

        folder = folder or self.upload_dir()
        messages = self._context.Queue()
        process = self._context.Process(target=_worker.main, daemon=True,
                                        args=(kind, source, name, options, self.limits.upload_rows, messages,
                                              self.limits.worker_memory_mb, str(folder)))
        process.start()
        self._processes[job.id] = process
        threading.Thread(target=self._follow, args=(job, process, messages, folder), daemon=True).start()
        return job

    def cancel(self, job_id: str) -> Job | None:
        job = self._jobs.get(job_id)
        if job is None:
            return None
        if job.status == "running":
            self._finish(job, "cancelled", error="cancelled")
            process = self._processes.get(job_id)
            if process is not None and process.is_alive():
                process.kill()
        return job

    def wait(self, job: Job, poll: float = 0.02) -> Job:
        while job.status == "running":
            time.sleep(poll)
        return job

    def close(self) -> None:
        for job_id in list(self._processes):
            self.cancel(job_id)
        with self._lock:
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None  # a restarted app (lifespan) makes a new one

    # -- internals ---------------------------------------------------------------------------------
    def _finish(self, job: Job, status: str, *, result=None, charts=None, error=None) -> None:
        with self._lock:
            if job.status != "running":
                return
            job.status, job.result, job.charts, job.error = status, result, charts, error
            if status == "done":
                job.done = job.total
            job.version += 1

    def _follow(self, job: Job, process, messages, folder: Path) -> None:
        deadline = job.started + self.limits.fit_seconds
        try:
            while job.status == "running":
                try:
                    message = messages.get(timeout=0.1)
                except queue_module.Empty:
                    if time.monotonic() > deadline:
                        process.kill()
                        self._finish(job, "error", error=f"the fit took longer than the explorer's "
                                                         f"{self.limits.fit_seconds:g} s limit; use fewer bootstrap "
                                                         f"refits or the command line")
                    elif not process.is_alive() and messages.empty():
                        self._finish(job, "error", error=f"the fit process ended unexpectedly (exit code "
                                                         f"{process.exitcode})")
                    continue
                kind = message[0]
                if kind == "progress":
                    job.done, job.total, job.label = message[1], message[2], message[3]
                    job.version += 1
                elif kind == "result":
                    self._finish(job, "done", result=message[1], charts=message[2])
                elif kind == "error":
                    self._finish(job, "error", error=redact(message[1]))
                else:
                    self._finish(job, "crash", error=redact(message[1]))
        finally:
            process.join(timeout=5)
            self._processes.pop(job.id, None)
            shutil.rmtree(folder, ignore_errors=True)

    def _trim(self) -> None:
        finished = [j for j in self._jobs.values() if j.status != "running"]
        for job in finished[: max(0, len(finished) - self.keep)]:
            self._jobs.pop(job.id, None)
