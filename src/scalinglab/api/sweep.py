"""``sl.sweep``: plan, run, inspect and export small GPT scaling sweeps."""

from __future__ import annotations

import numpy as np

from .._results import Result
from ..errors import InputError
from ..options import spelled
from .inputs import Namespace, parse_flop


class _Sweep(Namespace):
    """IsoFLOP sweeps of small GPTs (needs ``pip install 'scalinglab[train]'``).

    ``sl.sweep.plan(preset="tiny")`` plans and times a sweep; ``sl.sweep.run(...)`` trains it into a
    SQLite registry; ``sl.sweep.status(db)`` and ``sl.sweep.export(db, name, out)`` read it back.
    Options are those of ``scalinglab sweep plan`` (``compute``, ``sizes``, ``spread``, ``flops_method``, ...).
    """

    _package = "scalinglab.sweep"

    @staticmethod
    def _given(options: dict) -> dict:
        given = dict(options)
        if "compute" in given:
            given["budgets"] = given.pop("compute")
        if "flops_method" in given:
            given["flops"] = given.pop("flops_method")
        if given.get("seeds") is not None:
            given["seeds"] = tuple(np.atleast_1d(given["seeds"]).tolist())
        return given

    def plan(self, *, preset: str | None = None, cache_dir=None, estimate: bool = True, suggest: bool = False,
             budget=None, db=None, name: str | None = None, target=None, **options) -> Result:
        """Plan a sweep and time a few steps per shape (trains nothing); with ``suggest``, the planned runs
        ``suggest`` would train next within ``budget`` FLOP, given the finished runs of sweep ``name`` in
        ``db`` (or none), for the loss at ``target`` FLOP (default: the largest budget)."""
        from ..sweep.api import prepare_plan

        if not suggest:
            if budget is not None or target is not None or db is not None or name is not None:
                raise InputError(f"{', '.join(spelled(name) for name in ('budget', 'target', 'db'))} and "
                                 f"{spelled('name')} go with {spelled('suggest')}")
            planned = prepare_plan(preset=preset, cache_dir=cache_dir, estimate=estimate, **self._given(options))
            return Result(planned, kind="SweepPlan", summary=f"{len(planned.plan.runs)} runs on {planned.plan.device}")
        from ..sweep.adaptive import suggest_plan

        flop, target_flop = parse_flop(budget, spelled("budget"), required=True), parse_flop(target, spelled("target"))
        planned = prepare_plan(preset=preset, cache_dir=cache_dir, estimate=False, **self._given(options))
        found = suggest_plan(planned.plan, budget=flop, registry=db, name=name, target=target_flop)
        return Result(found, kind="SweepSuggestion", summary=f"{len(found.keys)} runs to train next")

    def run(self, *, preset: str | None = None, cache_dir=None, name: str | None = None, db=None,
            out="out/sweeps", executor: str = "local", ray_address: str | None = None, gpus_per_run: float = -1.0,
            cpus_per_run: float = 1.0, fit: bool = False, save_models: bool = False, peak_flops=None,
            progress: bool = False, retries: int = 2, resources: dict | None = None, slurm: dict | None = None,
            force: bool = False, adaptive: bool = False, budget=None, rounds: int = 3, target=None,
            **options) -> Result:
        """Train every unfinished run of the sweep and record it (the same ``name`` resumes).

        ``adaptive``: train only the runs ``suggest`` chooses, ``rounds`` rounds after a seed round, within
        ``budget`` FLOP, for the loss at ``target`` FLOP (default: the largest budget); every round is
        recorded in the registry (``scalinglab.sweep.adaptive``).

        ``executor``: local, ray or submitit; ``retries``: resubmissions of a run lost with its node or
        job; ``resources``: custom Ray resources per run (``{"accel": 1}``); ``slurm``: submitit options
        (``folder``, ``cluster``, ``partition``, ``array_parallelism``, ``timeout_min``); ``force``: take
        the sweep over from a registered owner that no longer runs it."""
        from pathlib import Path

        from ..store import RunsRegistry
        from ..sweep.api import prepare_plan
        from ..sweep.executors import check_options
        from ..sweep.runner import run_sweep

        if not adaptive and (budget is not None or target is not None):
            raise InputError(f"{spelled('budget')} and {spelled('target')} go with {spelled('adaptive')}")
        if adaptive:
            flop, target_flop = parse_flop(budget, spelled("budget"), required=True), parse_flop(target, spelled("target"))
            if fit:
                raise InputError(f"{spelled('fit')} goes with a full sweep; an adaptive sweep fits after every round")
        check_options(executor, ray_address=ray_address, resources=resources, slurm=slurm, retries=retries,
                      cpus_per_run=cpus_per_run, gpus_per_run=0.0 if gpus_per_run == -1.0 else gpus_per_run)
        RunsRegistry.check_intact(db or Path(out) / "runs.sqlite")  # before the corpus work, writing nothing
        planned = prepare_plan(preset=preset, cache_dir=cache_dir, estimate=False, **self._given(options))
        the_plan = planned.plan
        out = Path(out)
        gpus = gpus_per_run if gpus_per_run >= 0 else (1.0 if the_plan.device.startswith("cuda") else 0.0)
        if adaptive:
            from ..sweep.adaptive import run_adaptive

            found = run_adaptive(the_plan, planned.corpus, name=name or f"adaptive-{the_plan.fingerprint()[:8]}",
                                 registry=db or out / "runs.sqlite", budget=flop, rounds=rounds, target=target_flop,
                                 out_dir=out, executor=executor,
                                 device=the_plan.device, ray_address=ray_address, gpus_per_run=gpus,
                                 cpus_per_run=cpus_per_run, max_epochs=float(planned.options["max_epochs"]),
                                 save_models=save_models, peak_flops=peak_flops, progress=progress, retries=retries,
                                 resources=resources, slurm=slurm, force=force)
            return Result(found, kind="AdaptiveSweep", summary=found.name)
        result = run_sweep(the_plan, planned.corpus, name=name or f"sweep-{the_plan.fingerprint()[:8]}",
                           registry=db or out / "runs.sqlite", out_dir=out, executor=executor,
                           device=the_plan.device, ray_address=ray_address, gpus_per_run=gpus,
                           cpus_per_run=cpus_per_run, max_epochs=float(planned.options["max_epochs"]), fit=fit,
                           save_models=save_models, peak_flops=peak_flops, progress=progress, retries=retries,
                           resources=resources, slurm=slurm, force=force)
        if fit:
            from ..charts import save_chart
            from ..charts.sweep import isoflop_chart

            result.charts.append(str(save_chart(isoflop_chart(result.rows, result.fit), Path(result.out_dir) / "isoflop.png")))
        return Result(result, kind="Sweep", summary=f"{getattr(result, 'name', '')}".strip() or "sweep")

    def status(self, db="out/sweeps/runs.sqlite", name: str | None = None) -> Result:
        """Sweeps in a registry, one sweep's runs, and a consistency check."""
        from ..sweep.api import sweep_status

        return Result(sweep_status(db, name), kind="SweepStatus", summary=str(db))

    def export(self, db, name: str, out, *, checkpoints: bool = False) -> Result:
        """Write a sweep's finished runs as CSV with the columns ``fit`` and ``isoflop`` read."""
        from ..sweep.api import export_sweep

        return Result(export_sweep(db, name, out, checkpoints=checkpoints), kind="SweepExport", summary=str(out))


sweep = _Sweep()
