"""Where runs execute: ``local`` (one after another in this process), ``ray`` (one Ray task per run, on a
local instance or a cluster) or ``submitit`` (one Slurm array task per run, :mod:`.submitit_executor`).

All call the same :func:`scalinglab.sweep.train.run_job` with the same plain-data arguments, so a run
gives the same losses whichever executor ran it (on CPU, bit for bit, for the same seed and thread
count). Results come back to the caller, which alone writes the registry: an executor reports through
callbacks, ``on_start(job)``, ``on_done(job, result, node)``, ``on_error(job, text)`` and
``on_retry(job, text)`` (an attempt lost to a dead node or worker, submitted again).

Ray: ``ray.init()`` starts a small local instance (``num_cpus`` CPUs) that stays on 127.0.0.1: no
dashboard, no usage statistics, no cloud-metadata or DNS probe (see :mod:`.ray_local`), unless an
address is given: ``auto``, ``HOST:PORT`` of a cluster's head (a driver on the head node) or
``ray://host:10001`` (Ray Client); the corpus cache and output folder must then be on a shared file
system. An address in 127.0.0.0/8 is a cluster on this machine, and the driver stays on the loopback
too. Each task asks for ``num_gpus`` GPUs (a fraction lets several small runs share one GPU),
``num_cpus`` CPUs and any custom ``resources``; tasks are spread over the nodes (Ray's ``SPREAD``
strategy: independent runs, one per free slot, rather than packed on the first node). Ray does not retry a task itself (``max_retries=0``):
when a task dies with its worker or node, the executor submits it again, up to ``retries`` times, so
every lost attempt is counted in the registry; an error inside the run (a bad configuration, out of
memory) is not retried.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import socket
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import InputError, ScalingLabError
from ..options import spelled, voice
from .ray_local import LOOPBACK, home_for_ray, is_loopback_address, ray_environment, token_for_local_instance

__all__ = ["Job", "LocalExecutor", "RayExecutor", "make_executor", "check_options", "EXECUTORS", "parse_resources"]

EXECUTORS = ("local", "ray", "submitit")



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
    config: str = ""  # the run's configuration hash (scalinglab.store.config_hash)

    def args(self) -> tuple:
        return (self.spec, self.corpus, self.device, self.log_path, self.save_path, self.peak_flops)


def _error_text(error: BaseException) -> str:
    if isinstance(error, ScalingLabError):
        return str(error)
    return f"{type(error).__name__}: {error} | " + " ".join(traceback.format_exception_only(error)).strip()


def _ignore(*_args) -> None:
    pass


def _resources(value=None) -> str:
    """``resources`` of ``sweep.run`` (custom Ray resources per run) as the caller spells it, with ``value`` when
    given: ``--resource accel=1`` on the command line, ``resources={'accel': 1}`` in Python."""
    return spelled("resources", "--resource", value=value)


def _resource(name: str, amount: float) -> str:
    """One custom resource as the caller gives it."""
    return _resources(f"{name}={amount:g}" if voice() == "cli" else f"{{{name!r}: {amount:g}}}")


def parse_resources(items) -> dict[str, float]:
    """``["accel=1", "big_memory=0.5"]`` -> ``{"accel": 1.0, "big_memory": 0.5}`` (``--resource``)."""
    out: dict[str, float] = {}
    for item in items or ():
        name, sep, amount = str(item).partition("=")
        try:
            value = float(amount) if sep else 1.0
        except ValueError:
            value = -1.0
        if not name.strip() or not value > 0 or name.strip() in ("CPU", "GPU"):
            raise InputError(f"{_resources(repr(item))}: give NAME=AMOUNT with a custom resource name and "
                             f"an amount > 0 (CPUs and GPUs have {spelled('cpus_per_run')} and "
                             f"{spelled('gpus_per_run')})")
        out[name.strip()] = value
    return out


class LocalExecutor:
    """Runs jobs one after another in this process."""

    name = "local"

    def run(self, jobs: list[Job], *, on_start: Callable, on_done: Callable, on_error: Callable,
            on_step: Callable | None = None, on_retry: Callable = _ignore) -> None:
        from .config import RunSpec
        from .corpus import TokenizedCorpus
        from .train import train_run

        node = socket.gethostname()
        for job in jobs:
            on_start(job)
            try:
                result = train_run(RunSpec.from_dict(job.spec), TokenizedCorpus.from_dict(job.corpus), device=job.device,
                                   log_path=job.log_path, save_path=job.save_path, peak_flops=job.peak_flops,
                                   on_step=(lambda step, steps, key=job.key: on_step(key, step, steps)) if on_step else None)
            except (ScalingLabError, RuntimeError, ValueError, MemoryError) as error:
                on_error(job, _error_text(error))
                continue
            on_done(job, result.to_dict(), node)

    def close(self) -> None:
        pass


_NODE_ID = re.compile(r"node ID: ([0-9a-f]{16,})")


def _run_on_node(*args) -> dict:
    """What a Ray task runs: the run, and the id of the node it ran on."""
    import ray

    from .train import run_job

    return {"node_id": ray.get_runtime_context().get_node_id(), "result": run_job(*args)}


class RayExecutor:
    """One Ray task per run; ``num_gpus`` (may be fractional), ``num_cpus`` and custom ``resources`` per task."""

    name = "ray"

    def __init__(self, *, address: str | None = None, num_gpus: float = 0.0, num_cpus: float = 1.0,
                 local_cpus: int = 2, retries: int = 2, resources: dict | None = None):
        loopback = is_loopback_address(address)
        os.environ.update(ray_environment(loopback=loopback))
        try:
            import ray
        except ImportError:
            raise InputError("the ray executor needs Ray: pip install 'scalinglab[ray]'") from None
        if num_gpus < 0 or num_cpus <= 0:
            raise InputError(f"{spelled('gpus_per_run')} must be >= 0 and {spelled('cpus_per_run')} > 0, got "
                             f"{num_gpus} and {num_cpus}")
        if retries < 0:
            raise InputError(f"{spelled('retries')} must be >= 0, got {retries}")
        self._ray = ray
        self._started = False
        self._home = None
        self.retries = int(retries)
        resources = dict(resources or {})
        # Ray's driver prints cluster events ("(raylet) The node ... has been marked dead") to stdout from a
        # thread; while Ray is connected they go to stderr, so stdout carries only the result (--json).
        self._stdout, sys.stdout = sys.stdout, sys.stderr
        try:
            self._connect(ray, address, loopback, local_cpus, num_gpus, num_cpus, resources)
        except BaseException:
            self.close()
            raise

    def _connect(self, ray, address, loopback, local_cpus, num_gpus, num_cpus, resources) -> None:
        if not ray.is_initialized():
            kwargs = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
            try:
                with home_for_ray() as self._home:
                    if address:
                        ray.init(address=address, **({"_node_ip_address": LOOPBACK} if loopback and "://" not in address
                                                     else {}), **kwargs)
                    else:
                        token_for_local_instance()
                        ray.init(num_cpus=local_cpus, _node_ip_address=LOOPBACK, **kwargs)
            except (ConnectionError, ValueError, RuntimeError) as error:
                where = f"at {address}" if address else "locally"
                raise InputError(f"cannot start Ray {where}: {str(error).splitlines()[0]}") from None
            self._started = True
        total = ray.cluster_resources()
        wanted = {"GPU": num_gpus, **resources}
        short = {k: v for k, v in wanted.items() if v > 0 and total.get(k, 0) < v}
        if short:
            name, amount = next(iter(short.items()))
            flag = spelled("gpus_per_run") if name == "GPU" else _resource(name, amount)
            raise InputError(f"{flag}: the Ray cluster has {total.get(name, 0):g} {name}; no run could be scheduled")
        self._remote = ray.remote(num_gpus=num_gpus, num_cpus=num_cpus, resources=resources or None,
                                  max_retries=0, retry_exceptions=False, scheduling_strategy="SPREAD")(_run_on_node)
        self._names: dict[str, str] = {}

    def node_name(self, node_id: str) -> str:
        """A node's ``--node-name`` (Ray's default: its IP address), with its id when another live node
        shares it (nodes on one machine share an IP; a restarted node keeps its name)."""
        if node_id not in self._names:
            nodes = self._ray.nodes()
            live = [n.get("NodeName") or n.get("NodeManagerAddress") or "?" for n in nodes if n.get("Alive")]
            for n in nodes:
                name = n.get("NodeName") or n.get("NodeManagerAddress") or "?"
                shared = n.get("Alive") and live.count(name) > 1
                self._names[n["NodeID"]] = f"{name}/{n['NodeID'][:8]}" if shared else name
        return self._names.get(node_id, node_id[:8])

    def _lost_text(self, error: BaseException) -> str:
        """One line on a lost attempt, naming the dead node when Ray says which."""
        text = f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
        dead = _NODE_ID.search(text)
        return f"{text} (node {self.node_name(dead.group(1))})" if dead else text

    def run(self, jobs: list[Job], *, on_start: Callable, on_done: Callable, on_error: Callable,
            on_step: Callable | None = None, on_retry: Callable = _ignore) -> None:
        ray = self._ray
        pending = {}
        lost = {job.key: 0 for job in jobs}
        for job in jobs:
            on_start(job)
            pending[self._remote.remote(*job.args())] = job
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                job = pending.pop(ref)
                try:
                    out = ray.get(ref)
                except ray.exceptions.RayTaskError as error:  # raised inside the run: not retried
                    cause = getattr(error, "cause", None) or error
                    on_error(job, _error_text(cause) if isinstance(cause, BaseException) else str(error))
                    continue
                except ray.exceptions.RayError as error:  # the worker or its node died: submit again
                    text = self._lost_text(error)
                    lost[job.key] += 1
                    if lost[job.key] > self.retries:
                        on_error(job, f"{text} (after {self.retries} retries; {spelled('retries')})")
                        continue
                    on_retry(job, text)
                    pending[self._remote.remote(*job.args())] = job
                    continue
                on_done(job, out["result"], self.node_name(out["node_id"]))

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False
        if self._home:
            shutil.rmtree(self._home, ignore_errors=True)
        if self._stdout is not None:
            sys.stdout, self._stdout = self._stdout, None


def check_options(name: str, *, ray_address: str | None = None, resources: dict | None = None,
                  slurm: dict | None = None, retries: int = 0, cpus_per_run: float = 1.0,
                  gpus_per_run: float = 0.0) -> None:
    """Executor options that do not go together or lie outside their domain, as one-line user errors
    (before anything starts)."""
    if name not in EXECUTORS:
        raise InputError(f"unknown executor {name!r}; choose from {', '.join(EXECUTORS)}")
    if not (math.isfinite(cpus_per_run) and cpus_per_run > 0):
        raise InputError(f"{spelled('cpus_per_run')} must be a finite number above 0, got {cpus_per_run:g}")
    if not (math.isfinite(gpus_per_run) and gpus_per_run >= 0):
        raise InputError(f"{spelled('gpus_per_run')} must be a finite number from 0, got {gpus_per_run:g}")
    if ray_address and name != "ray":
        raise InputError(f"{spelled('ray_address')} needs {spelled('executor', value='ray')}")
    if resources and name != "ray":
        raise InputError(f"{_resources()} needs {spelled('executor', value='ray')}")
    if retries < 0:
        raise InputError(f"{spelled('retries')} must be >= 0, got {retries}")
    if slurm:
        from .submitit_executor import check_slurm, slurm_option

        if name != "submitit":
            raise InputError(f"{slurm_option(next(iter(slurm)))} needs {spelled('executor', value='submitit')}")
        check_slurm(slurm)


def make_executor(name: str, *, ray_address: str | None = None, gpus_per_run: float = 0.0,
                  cpus_per_run: float = 1.0, local_cpus: int = 2, retries: int = 2, resources: dict | None = None,
                  slurm: dict | None = None):
    check_options(name, ray_address=ray_address, resources=resources, slurm=slurm, retries=retries,
                  cpus_per_run=cpus_per_run, gpus_per_run=gpus_per_run)
    if name == "local":
        return LocalExecutor()
    if name == "ray":
        return RayExecutor(address=ray_address, num_gpus=gpus_per_run, num_cpus=cpus_per_run, local_cpus=local_cpus,
                           retries=retries, resources=resources)
    from .submitit_executor import SubmititExecutor

    return SubmititExecutor(gpus_per_run=gpus_per_run, cpus_per_run=cpus_per_run, retries=retries, **(slurm or {}))
