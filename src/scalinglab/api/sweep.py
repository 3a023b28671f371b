"""``sl.sweep``: plan, run, inspect and export small GPT scaling sweeps."""

from __future__ import annotations

from .._results import Result
from ..errors import InputError
from ..options import spelled
from ..sweep.options import EXPORT, GIVEN, PLAN, RUN, SLURM, STATUS
from .declared import declared
from .inputs import Namespace, parse_flop


class _Sweep(Namespace):
    """IsoFLOP sweeps of small GPTs (needs ``pip install 'scalinglab[train]'``).

    ``sl.sweep.plan(preset="tiny")`` plans and times a sweep; ``sl.sweep.run(...)`` trains it into a
    SQLite registry; ``sl.sweep.status(db)`` and ``sl.sweep.export(db, name, out)`` read it back.
    Options are those of ``scalinglab sweep plan`` (``compute``, ``sizes``, ``spread``, ``flops_method``, ...).
    """

    _package = "scalinglab.sweep"

    @staticmethod
    @declared(PLAN)
    def plan(**values) -> Result:
        """Plan a sweep and time a few steps per shape (trains nothing); with ``suggest``, the planned runs
        ``suggest`` would train next within ``budget`` FLOP, given the finished runs of sweep ``name`` in
        ``db`` (or none), for the loss at ``target`` FLOP (default: the largest budget)."""
        from ..sweep.api import prepare_plan

        planning = {name: values[name] for name in GIVEN}
        if not values["suggest"]:
            planned = prepare_plan(estimate=values["estimate"], **planning)
            return Result(planned, kind="SweepPlan", summary=f"{len(planned.plan.runs)} runs on {planned.plan.device}")
        from ..sweep.adaptive import suggest_plan

        flop = parse_flop(values["budget"], spelled("budget"), required=True)
        target = parse_flop(values["target"], spelled("target"))
        planned = prepare_plan(estimate=False, **planning)
        found = suggest_plan(planned.plan, budget=flop, registry=values["db"], name=values["name"], target=target)
        return Result(found, kind="SweepSuggestion", summary=f"{len(found.keys)} runs to train next")

    @staticmethod
    @declared(RUN)
    def run(**values) -> Result:
        """Train every unfinished run of the sweep and record it (the same ``name`` resumes).

        ``adaptive``: train only the runs ``suggest`` chooses, ``rounds`` rounds after a seed round, within
        ``budget`` FLOP, for the loss at ``target`` FLOP (default: the largest budget); every round is
        recorded in the registry (``scalinglab.sweep.adaptive``)."""
        from pathlib import Path

        from ..store import RunsRegistry
        from ..sweep.api import prepare_plan
        from ..sweep.executors import check_options, parse_resources
        from ..sweep.runner import run_sweep

        v = values
        if v["executor"] == "local":
            for name in ("gpus_per_run", "cpus_per_run", "retries"):
                if RUN[name].given(v[name]):
                    raise InputError(f"{spelled(name)} needs {spelled('executor', value='ray')} or submitit (the "
                                     f"local executor runs one run at a time here)")
        if v["adaptive"]:
            flop = parse_flop(v["budget"], spelled("budget"), required=True)
            target_flop = parse_flop(v["target"], spelled("target"))
        resources = v["resources"] if v["resources"] is not None else parse_resources(v["resource"])
        slurm = v["slurm"] if v["slurm"] is not None else {
            key: str(v[name]) if key == "folder" else v[name] for key, name in SLURM.items() if v[name] is not None}
        gpus_per_run = v["gpus_per_run"]
        check_options(v["executor"], ray_address=v["ray_address"], resources=resources, slurm=slurm or None,
                      retries=v["retries"], cpus_per_run=v["cpus_per_run"], gpus_per_run=gpus_per_run or 0.0)
        out = Path(v["out"])
        registry = v["db"] or out / "runs.sqlite"
        RunsRegistry.check_intact(registry)  # before the corpus work, writing nothing
        planned = prepare_plan(estimate=False, **{name: v[name] for name in GIVEN})
        the_plan = planned.plan
        if gpus_per_run is None:
            gpus_per_run = 1.0 if the_plan.device.startswith("cuda") else 0.0
        common = dict(registry=registry, out_dir=out, executor=v["executor"], device=the_plan.device,
                      ray_address=v["ray_address"], gpus_per_run=gpus_per_run, cpus_per_run=v["cpus_per_run"],
                      max_epochs=float(planned.options["max_epochs"]), save_models=v["save_models"],
                      peak_flops=v["peak_flops"], progress=v["progress"], retries=v["retries"],
                      resources=resources, slurm=slurm or None, force=v["force"])
        if v["adaptive"]:
            from ..sweep.adaptive import run_adaptive

            found = run_adaptive(the_plan, planned.corpus, name=v["name"] or f"adaptive-{the_plan.fingerprint()[:8]}",
                                 budget=flop, rounds=v["rounds"], target=target_flop, **common)
            return Result(found, kind="AdaptiveSweep", summary=found.name)
        result = run_sweep(the_plan, planned.corpus, name=v["name"] or f"sweep-{the_plan.fingerprint()[:8]}",
                           fit=v["fit"], **common)
        if v["fit"]:
            from ..charts import save_chart
            from ..charts.sweep import isoflop_chart

            result.charts.append(str(save_chart(isoflop_chart(result.rows, result.fit), Path(result.out_dir) / "isoflop.png")))
        return Result(result, kind="Sweep", summary=f"{getattr(result, 'name', '')}".strip() or "sweep")

    @staticmethod
    @declared(STATUS, positional=("db", "name"))
    def status(**values) -> Result:
        """Sweeps in a registry, one sweep's runs, and a consistency check."""
        from ..sweep.api import sweep_status

        return Result(sweep_status(values["db"], values["name"]), kind="SweepStatus", summary=str(values["db"]))

    @staticmethod
    @declared(EXPORT, positional=("db", "name", "out"))
    def export(**values) -> Result:
        """Write a sweep's finished runs as CSV with the columns ``fit`` and ``isoflop`` read."""
        from ..sweep.api import export_sweep

        for name, what in (("name", "the sweep to export"), ("out", "the CSV file to write")):
            if values[name] is None:
                raise InputError(f"give {spelled(name)} ({what})")
        return Result(export_sweep(values["db"], values["name"], values["out"], checkpoints=values["checkpoints"]),
                      kind="SweepExport", summary=str(values["out"]))


sweep = _Sweep()
