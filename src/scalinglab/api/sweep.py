"""``sl.sweep``: plan, run, inspect and export small GPT scaling sweeps."""

from __future__ import annotations

from .._results import Result
from ..errors import InputError
from ..options import spelled
from ..sweep.options import EXPORT, GIVEN, PLAN, RUN, STATUS
from .declared import declared
from .inputs import Namespace


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
        from ..sweep.api import prepare_plan, suggest_planned

        if values["suggest"]:
            return Result(suggest_planned(**values), kind="SweepSuggestion")
        return Result(prepare_plan(estimate=values["estimate"], **{name: values[name] for name in GIVEN}),
                      kind="SweepPlan")

    @staticmethod
    @declared(RUN)
    def run(**values) -> Result:
        """Train every unfinished run of the sweep and record it (the same ``name`` resumes).

        ``adaptive``: train only the runs ``suggest`` chooses, ``rounds`` rounds after a seed round, within
        ``budget`` FLOP, for the loss at ``target`` FLOP (default: the largest budget); every round is
        recorded in the registry (``scalinglab.sweep.adaptive``)."""
        from ..sweep.api import run_planned

        result = run_planned(**values)
        if values["adaptive"]:
            return Result(result, kind="AdaptiveSweep")
        if values["fit"]:
            _chart_isoflop(result)
        return Result(result, kind="Sweep")

    @staticmethod
    @declared(STATUS, positional=("db", "name"))
    def status(**values) -> Result:
        """Sweeps in a registry, one sweep's runs, and a consistency check."""
        from ..sweep.api import sweep_status

        return Result(sweep_status(values["db"], values["name"]), kind="SweepStatus")

    @staticmethod
    @declared(EXPORT, positional=("db", "name", "out"))
    def export(**values) -> Result:
        """Write a sweep's finished runs as CSV with the columns ``fit`` and ``isoflop`` read."""
        from ..sweep.api import export_sweep

        for name, what in (("name", "the sweep to export"), ("out", "the CSV file to write")):
            if values[name] is None:
                raise InputError(f"give {spelled(name)} ({what})")
        return Result(export_sweep(values["db"], values["name"], values["out"], checkpoints=values["checkpoints"]),
                      kind="SweepExport")


def _chart_isoflop(result) -> None:
    """Save the fitted sweep's IsoFLOP curves beside its logs and list the file in ``result.charts``."""
    from pathlib import Path

    from ..charts import save_chart
    from ..charts.sweep import isoflop_chart

    result.charts.append(str(save_chart(isoflop_chart(result.rows, result.fit), Path(result.out_dir) / "isoflop.png")))


sweep = _Sweep()
