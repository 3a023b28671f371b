"""The ``submitit`` executor: one Slurm job-array task per run, through submitit
(facebookincubator/submitit), for clusters with Slurm and no Ray.

Runs are submitted as one job array (``slurm_array_parallelism`` caps how many run at once). Each task
runs :func:`scalinglab.sweep.train.run_job` and returns its result to submitit's result file; this
process, the only one that writes the registry, collects them. A task is a
``submitit.helpers.Checkpointable``: when Slurm preempts it, or its time limit (``--slurm-time``)
comes, submitit requeues it with the same arguments (a run restarts from its first step and, being
deterministic, gives the same result); such requeues are counted as the run's retries. A task that
ends without a result (its node failed, it was cancelled) is submitted again, up to ``retries`` times;
an error inside the run is not.

Which job computed which run is kept in ``FOLDER/jobs.json`` (configuration hash -> job id), so a
sweep run again after its driver was killed recognises what its earlier jobs did: a job that left a
result is recorded without running again, and (on Slurm) one still queued or running is waited for.

``cluster="local"`` runs the same job files as processes on this machine (submitit's local executor;
there the driver itself keeps at most ``array_parallelism`` running): what the tests use.
"""

from __future__ import annotations

import json
import math
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path

from .._io import atomic_write_text
from ..errors import InputError
from ..options import spelled, voice
from .options import SLURM

try:
    import submitit
except ImportError:  # the executor says so when asked for
    submitit = None

__all__ = ["SubmititExecutor", "check_slurm", "slurm_option"]


def slurm_option(key: str) -> str:
    """A submitit option as the caller gives it: ``--submitit-cluster`` on the command line, ``slurm["cluster"]``
    in Python."""
    return spelled(SLURM[key]) if voice() == "cli" and key in SLURM else f"slurm[{key!r}]"


_Checkpointable = submitit.helpers.Checkpointable if submitit is not None else object
_REQUEUED = "Requeued job"  # what submitit logs when it requeues a task


def check_slurm(slurm: dict) -> None:
    """The submitit executor's options (the keys of ``SLURM``), each checked against what it may be."""
    unknown = set(slurm) - set(SLURM)
    if unknown:
        raise InputError(f"unknown submitit option(s): {', '.join(sorted(unknown))}")
    if slurm.get("cluster") not in (None, "auto", "slurm", "local"):
        raise InputError(f"{slurm_option('cluster')} must be slurm, local or auto, got {slurm['cluster']!r}")
    if slurm.get("array_parallelism", 1) < 1:
        raise InputError(f"{slurm_option('array_parallelism')} must be >= 1, got {slurm['array_parallelism']}")
    minutes = slurm.get("timeout_min", 1)
    if not (math.isfinite(minutes) and 0 < minutes <= _MAX_MINUTES):
        raise InputError(f"{slurm_option('timeout_min')} must be above 0 and at most a year ({_MAX_MINUTES:,} "
                         f"minutes), got {minutes:g}")
    if slurm.get("folder") is not None:
        from .._io import check_output_dir

        check_output_dir(slurm["folder"], flag=slurm_option("folder"))


_MAX_MINUTES = 525_600  #: a year; Slurm has no longer finite limit worth asking for


class SweepTask(_Checkpointable):
    """What each array task runs; checkpointable, so preemption and time-outs requeue it unchanged."""

    def __call__(self, args: tuple, config: str) -> dict:
        from .train import run_job

        node = os.environ.get("SLURMD_NODENAME") or socket.gethostname()
        return {"result": run_job(*args), "node": node, "config": config}


class SubmititExecutor:
    """Submit runs with submitit (Slurm, or processes on this machine with ``cluster="local"``)."""

    name = "submitit"

    def __init__(self, *, folder: str, cluster: str | None = None, partition: str | None = None,
                 array_parallelism: int = 64, timeout_min: float = 60.0, gpus_per_run: float = 0.0,
                 cpus_per_run: float = 1.0, retries: int = 2, poll_seconds: float = 0.5):
        if submitit is None:
            raise InputError("the submitit executor needs submitit: pip install 'scalinglab[slurm]'")
        check_slurm({"cluster": cluster, "array_parallelism": array_parallelism, "timeout_min": timeout_min})
        self.folder = Path(folder)
        self.retries = int(retries)
        self.parallelism = int(array_parallelism)
        self._poll = poll_seconds
        chosen = None if cluster in (None, "auto") else cluster
        self._executor = submitit.AutoExecutor(folder=self.folder, cluster=chosen, slurm_max_num_timeout=self.retries,
                                               local_max_num_timeout=self.retries)
        self.cluster = self._executor.cluster
        if self.cluster not in ("slurm", "local"):
            raise InputError(f"{slurm_option('cluster')}: submitit chose {self.cluster!r}; give slurm or local")
        params = {"name": "scalinglab-sweep", "timeout_min": int(math.ceil(timeout_min)),
                  "cpus_per_task": int(math.ceil(cpus_per_run)), "slurm_array_parallelism": self.parallelism}
        if gpus_per_run > 0:
            params["gpus_per_node"] = int(math.ceil(gpus_per_run))
        if partition:
            params["slurm_partition"] = partition
        self._executor.update_parameters(**params)
        self._index_path = self.folder / "jobs.json"

    # -- which job computed which configuration --------------------------------------------------------
    def _index(self) -> dict:
        try:
            return json.loads(self._index_path.read_text())
        except (OSError, ValueError):
            return {}

    def _remember(self, index: dict, pairs) -> None:
        index.update({config: sjob.job_id for config, sjob in pairs})
        atomic_write_text(self._index_path, json.dumps(index, indent=1, sort_keys=True))

    def _earlier_job(self, job_id: str):
        """The job an earlier driver submitted, if it left a result or (Slurm) is still queued or running."""
        earlier = self._executor._executor.job_class(folder=self.folder, job_id=job_id)
        if earlier.paths.result_pickle.exists():
            return earlier
        if self.cluster == "slurm" and earlier.state in ("PENDING", "RUNNING", "REQUEUED", "CONFIGURING"):
            return earlier
        return None

    # -- running ------------------------------------------------------------------------------------
    def run(self, jobs: list, *, on_start: Callable, on_done: Callable, on_error: Callable,
            on_step: Callable | None = None, on_retry: Callable | None = None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        index = self._index()
        in_flight: dict = {}
        queue = []
        for job in jobs:
            on_start(job)
            earlier = self._earlier_job(index[job.config]) if job.config in index else None
            if earlier is not None:
                in_flight[earlier] = job
            else:
                queue.append(job)
        lost = {job.key: 0 for job in jobs}
        while queue or in_flight:
            room = len(queue) if self.cluster == "slurm" else max(0, self.parallelism - len(in_flight))
            if room and queue:
                batch, queue = queue[:room], queue[room:]
                self._remember(index, self._submit(batch, in_flight))
            for sjob, job in list(in_flight.items()):
                if not sjob.done():
                    continue
                del in_flight[sjob]
                requeues = _count_requeues(sjob)
                for _ in range(requeues):
                    if on_retry:
                        on_retry(job, "requeued by Slurm (preempted or timed out) and restarted")
                try:
                    out = sjob.result()
                except submitit.core.utils.UncompletedJobError as error:  # no result: node failure, cancelled
                    lost[job.key] += 1
                    text = f"job {sjob.job_id} ended without a result: {str(error).strip().splitlines()[0]}"
                    if lost[job.key] > self.retries:
                        on_error(job, f"{text} (after {self.retries} retries; {spelled('retries')})")
                    else:
                        if on_retry:
                            on_retry(job, text)
                        queue.append(job)
                    continue
                except submitit.core.utils.FailedJobError as error:  # the run itself raised
                    on_error(job, _last_line(str(error)))
                    continue
                on_done(job, out["result"], out["node"])
            if in_flight:
                time.sleep(self._poll)

    def _submit(self, batch: list, in_flight: dict) -> list:
        task = SweepTask()
        if self.cluster == "slurm":
            with self._executor.batch():  # one job array
                submitted = [self._executor.submit(task, job.args(), job.config) for job in batch]
        else:
            submitted = [self._executor.submit(task, job.args(), job.config) for job in batch]
        pairs = []
        for sjob, job in zip(submitted, batch):
            in_flight[sjob] = job
            pairs.append((job.config, sjob))
        return pairs

    def close(self) -> None:
        pass


def _count_requeues(sjob) -> int:
    """How often submitit requeued the job (its log says so each time, on stdout or stderr)."""
    count = 0
    for path in (sjob.paths.stdout, sjob.paths.stderr):
        try:
            count += path.read_text(errors="replace").count(_REQUEUED)
        except OSError:
            pass
    return count


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else text
