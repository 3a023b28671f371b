"""Storage of experiments: the SQLite runs registry (sweeps, runs, loss curves, fits)."""

from .registry import EXPORT_COLUMNS, STATUSES, RunsRegistry

__all__ = ["EXPORT_COLUMNS", "STATUSES", "RunsRegistry"]
