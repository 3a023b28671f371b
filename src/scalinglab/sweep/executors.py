"""Where runs execute: ``local`` (one after another in this process) or ``ray`` (one Ray task per run).

Both call the same :func:`scalinglab.sweep.train.run_job` with the same plain-data arguments, so a
run gives the same losses whichever executor ran it (on CPU, bit for bit, for the same seed and
thread count). Results come back to the caller, which alone writes the registry.

Ray: ``ray.init()`` starts a small local instance (``num_cpus`` CPUs) that stays on 127.0.0.1: no
dashboard, no usage statistics, no cloud-metadata or DNS probe (see :mod:`.ray_local`), unless an
address is given (``auto`` or ``ray://host:10001`` for a cluster; the corpus cache and output folder
must then be on a shared file system). Each task asks for ``num_gpus`` GPUs, a fraction so several small runs share one GPU.
"""

from __future__ import annotations

import os
import shutil
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import InputError, ScalingLabError
from .ray_local import LOOPBACK, home_for_ray, is_loopback_address, ray_environment

__all__ = ["Job", "LocalExecutor", "RayExecutor", "make_executor", "EXECUTORS"]

EXECUTORS = ("local", "ray")


@dataclass(frozen=True)
class Job:
    """One run to execute: plain data only (it crosses process boundaries)."""

    key: str
    spec: dict
    corpus: dict
    device: str
    log_path: str | None
    save_path: str | None
    peak_flops: float | None

    def args(self) -> tuple:
        return (self.spec, self.corpus, self.device, self.log_path, self.save_path, self.peak_flops)


def _error_text(error: BaseException) -> str:
    if isinstance(error, ScalingLabError):
        return str(error)
    return f"{type(error).__name__}: {error} | " + " ".join(traceback.format_exception_only(error)).strip()


class LocalExecutor:
    """Runs jobs one after another in this process."""

    name = "local"

    def run(self, jobs: list[Job], *, on_start: Callable, on_done: Callable, on_error: Callable,
            on_step: Callable | None = None) -> None:
        from .config import RunSpec
        from .corpus import TokenizedCorpus
        from .train import train_run

        for job in jobs:
            on_start(job)
            try:
                result = train_run(RunSpec.from_dict(job.spec), TokenizedCorpus.from_dict(job.corpus), device=job.device,
                                   log_path=job.log_path, save_path=job.save_path, peak_flops=job.peak_flops,
                                   on_step=(lambda step, steps, key=job.key: on_step(key, step, steps)) if on_step else None)
            except (ScalingLabError, RuntimeError, ValueError, MemoryError) as error:
                on_error(job, _error_text(error))
                continue
            on_done(job, result.to_dict())

    def close(self) -> None:
        pass


class RayExecutor:
    """One Ray task per run; ``num_gpus`` (may be fractional) and ``num_cpus`` per task."""

    name = "ray"

    def __init__(self, *, address: str | None = None, num_gpus: float = 0.0, num_cpus: float = 1.0,
                 local_cpus: int = 2, max_retries: int = 0):
        os.environ.update(ray_environment(loopback=is_loopback_address(address)))
        try:
            import ray
        except ImportError:
            raise InputError("the ray executor needs Ray: pip install 'scalinglab[ray]'") from None
        if num_gpus < 0 or num_cpus <= 0:
            raise InputError(f"--gpus-per-run must be >= 0 and --cpus-per-run > 0, got {num_gpus} and {num_cpus}")
        self._ray = ray
        self._started = False
        self._home = None
        if not ray.is_initialized():
            kwargs = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
            try:
                if address:
                    ray.init(address=address, **kwargs)
                else:
                    with home_for_ray() as self._home:
                        ray.init(num_cpus=local_cpus, _node_ip_address=LOOPBACK, **kwargs)
            except (ConnectionError, ValueError, RuntimeError) as error:
                where = f"at {address}" if address else "locally"
                raise InputError(f"cannot start Ray {where}: {str(error).splitlines()[0]}") from None
            self._started = True
        if num_gpus > 0 and ray.cluster_resources().get("GPU", 0) < num_gpus:
            raise InputError(f"--gpus-per-run {num_gpus}: the Ray cluster has {ray.cluster_resources().get('GPU', 0):g} GPUs")
        from .train import run_job

        self._remote = ray.remote(num_gpus=num_gpus, num_cpus=num_cpus, max_retries=max_retries)(run_job)

    def run(self, jobs: list[Job], *, on_start: Callable, on_done: Callable, on_error: Callable,
            on_step: Callable | None = None) -> None:
        ray = self._ray
        pending = {}
        for job in jobs:
            on_start(job)
            pending[self._remote.remote(*job.args())] = job
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                job = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayTaskError as error:
                    cause = getattr(error, "cause", None) or error
                    on_error(job, _error_text(cause) if isinstance(cause, BaseException) else str(error))
                    continue
                except ray.exceptions.RayError as error:
                    on_error(job, f"{type(error).__name__}: {str(error).splitlines()[0]}")
                    continue
                on_done(job, result)

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
        if self._home:
            shutil.rmtree(self._home, ignore_errors=True)


def make_executor(name: str, *, ray_address: str | None = None, gpus_per_run: float = 0.0,
                  cpus_per_run: float = 1.0, local_cpus: int = 2):
    if name == "local":
        if ray_address:
            raise InputError("--ray-address needs --executor ray")
        return LocalExecutor()
    if name == "ray":
        return RayExecutor(address=ray_address, num_gpus=gpus_per_run, num_cpus=cpus_per_run, local_cpus=local_cpus)
    raise InputError(f"unknown executor {name!r}; choose from {', '.join(EXECUTORS)}")
