"""The parameters of ``bench`` (the extrapolation benchmark of :mod:`scalinglab.fit.bench`), each declared once."""

from __future__ import annotations

from ..options import Option, Options

__all__ = ["BENCH"]

BENCH = Options((
    Option("task", "Run one task (default: all of them; see fit/bench_tasks.yaml)."),
    Option("tables", "Folder of the SLDBench tables (parallel.csv, vocab.csv, ...); tasks on bundled datasets need "
                     "none."),
    Option("objective", "squares (least squares of log residuals) or huber; target-squares and target-huber take "
                        "residuals in the target's own units.", default="squares"),
    Option("on_task", "Called as on_task(name, index, count) before each task (a progress display).", kind="object"),
))
