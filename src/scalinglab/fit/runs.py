"""Tables of training runs: loading (CSV, Parquet, JSON lines, DataFrame, bundled dataset) and validation.

A run has a parameter count N, training tokens D and/or training compute C (FLOP), and a final
loss; optionally unique tokens U (for data-constrained fits), a budget label (IsoFLOP sweeps) and a
group label (one training run seen at several checkpoints). With only C given, D = C / (k N)
with k = 6 (Kaplan et al. 2020, section 2.1); with only D, C = k N D. Every problem found is
reported in one line that names the file, the column and the data rows (counted from 1, header
excluded), e.g. ``runs.csv: column 'loss' has 3 non-positive values (rows 4, 9, 17)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["Runs", "load_runs", "FIELDS"]

#: Field -> column names tried (case-insensitively) when no column is named explicitly.
FIELDS: dict[str, tuple[str, ...]] = {
    "n": ("n", "params", "n_params", "parameters", "model size"),
    "d": ("d", "tokens", "n_tokens", "training tokens"),
    "c": ("c", "flops", "compute", "compute_flops", "training flop"),
    "loss": ("loss", "final_loss", "eval_loss"),
    "u": ("u", "unique_tokens"),
    "budget": ("budget",),
    "group": ("group", "run", "run_id"),
}
_NUMERIC = ("n", "d", "c", "loss", "u", "budget")
_LABELS = {"n": "N (parameters)", "d": "D (tokens)", "c": "C (FLOP)", "loss": "loss", "u": "U (unique tokens)",
           "budget": "budget", "group": "group"}


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _rows_text(rows, limit: int = 10) -> str:
    rows = [int(r) for r in rows]
    shown = ", ".join(str(r) for r in rows[:limit])
    return f"rows {shown}{', ...' if len(rows) > limit else ''}" if len(rows) != 1 else f"row {shown}"


@dataclass(frozen=True)
class Runs:
    """Validated runs: float arrays per field (None when absent) and the 1-based source row numbers."""

    source: str
    loss: np.ndarray
    rows: np.ndarray
    n: np.ndarray | None = None
    d: np.ndarray | None = None
    c: np.ndarray | None = None
    u: np.ndarray | None = None
    budget: np.ndarray | None = None
    group: np.ndarray | None = None
    columns: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    flops_per_param_token: float = 6.0
    table_columns: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.loss)

    def take(self, index) -> "Runs":
        """The runs at ``index`` (an integer array or a boolean mask), in that order."""
        index = np.asarray(index)
        pick = {k: (None if getattr(self, k) is None else getattr(self, k)[index])
                for k in ("loss", "rows", "n", "d", "c", "u", "budget", "group")}
        return replace(self, **pick)

    def column(self, name: str) -> str:
        """The source column behind field ``name`` (for messages)."""
        return self.columns.get(name, name)

    def require(self, fields: tuple[str, ...], purpose: str) -> None:
        """An InputError naming every field ``purpose`` needs that the table lacks."""
        missing = [f for f in fields if getattr(self, f) is None]
        if missing:
            wanted = [f"{_LABELS[f]} (--{f}-col)" if f != "d" else "D (tokens, --d-col) or C (FLOP, --c-col)"
                      for f in missing]
            have = f" (columns: {', '.join(repr(c) for c in self.table_columns)})" if self.table_columns else ""
            raise InputError(f"{self.source}: {purpose} needs {' and '.join(wanted)}; the table has none{have}")

    def drop_highest_loss(self, count: int) -> tuple["Runs", list[int]]:
        """Drop the ``count`` runs with the highest loss; returns the rest and the dropped row numbers."""
        if count < 0:
            raise InputError(f"--drop-highest-loss must be >= 0, got {count}")
        if count == 0:
            return self, []
        if count >= len(self):
            raise InputError(f"{self.source}: cannot drop the {count} highest-loss runs of only {len(self)}")
        order = np.argsort(self.loss, kind="stable")
        keep, drop = np.sort(order[: len(self) - count]), order[len(self) - count:]
        return self.take(keep), sorted(int(r) for r in self.rows[drop])

    def frame(self) -> pd.DataFrame:
        """The runs as a DataFrame with columns row, n, d, c, loss (and u, budget, group when present)."""
        data = {"row": self.rows}
        for key in ("n", "d", "c", "loss", "u", "budget", "group"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return pd.DataFrame(data)

    def describe(self) -> dict:
        return {"source": self.source, "runs": len(self), "columns": dict(self.columns), "notes": list(self.notes)}


def _read_table(source) -> tuple[pd.DataFrame, str, dict[str, str]]:
    """(DataFrame, display name, default column mapping) for a path, a dataset name or a DataFrame."""
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True), "DataFrame", {}
    from ..datasets import get_dataset, is_dataset_name, read_bundled

    text = str(source)
    path = Path(text)
    if not path.exists() and is_dataset_name(text):
        info = get_dataset(text)
        return read_bundled(text), info.name, dict(info.columns)
    if not path.is_file():
        raise InputError(f"runs file {text!r} does not exist (and is not a bundled dataset; "
                         f"see `scalinglab datasets list`)")
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            frame = pd.read_csv(path)
        elif suffix == ".tsv":
            frame = pd.read_csv(path, sep="\t")
        elif suffix in (".parquet", ".pq"):
            frame = pd.read_parquet(path)
        elif suffix in (".jsonl", ".ndjson"):
            frame = pd.read_json(path, lines=True)
        elif suffix == ".json":
            frame = pd.read_json(path)
        else:
            raise InputError(f"{path.name}: unknown runs file type {suffix!r}; use .csv, .tsv, .parquet or .jsonl")
    except InputError:
        raise
    except Exception as error:  # pandas/pyarrow raise many types for unreadable files
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise InputError(f"{path.name}: cannot read runs table ({message})") from None
    return frame, path.name, {}


def _pick_columns(frame: pd.DataFrame, name: str, explicit: dict[str, str | None],
                  defaults: dict[str, str]) -> dict[str, str]:
    lookup = {str(c).strip().lower(): c for c in frame.columns}
    chosen, problems = {}, []
    for key, candidates in FIELDS.items():
        wanted = explicit.get(key)
        if wanted:
            if wanted in frame.columns:
                chosen[key] = wanted
            elif wanted.strip().lower() in lookup:
                chosen[key] = lookup[wanted.strip().lower()]
            else:
                problems.append(f"no column {wanted!r} for {_LABELS[key]}")
            continue
        if key in defaults and defaults[key] in frame.columns:
            chosen[key] = defaults[key]
            continue
        for candidate in candidates:
            if candidate in lookup:
                chosen[key] = lookup[candidate]
                break
    if "loss" not in chosen and not explicit.get("loss"):
        problems.append("no loss column (name it with --loss-col)")
    if problems:
        have = ", ".join(repr(str(c)) for c in frame.columns)
        raise InputError(f"{name}: {'; '.join(problems)} (columns: {have})")
    return chosen


def _flag(problems: list[str], column: str, mask: np.ndarray, noun: str) -> None:
    """Add "column 'x' has 3 <noun>s (rows 4, 9, 17)" when ``mask`` marks any row."""
    if mask.any():
        rows = np.flatnonzero(mask) + 1
        problems.append(f"column {column!r} has {_count(int(mask.sum()), noun)} ({_rows_text(rows)})")


def _numeric(frame: pd.DataFrame, column: str, problems: list[str], positive: bool = True) -> np.ndarray:
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    missing = raw.isna().to_numpy()
    _flag(problems, column, np.isnan(values) & ~missing, "non-numeric value")
    _flag(problems, column, missing, "missing or NaN value")
    _flag(problems, column, np.isinf(values), "infinite value")
    if positive:
        _flag(problems, column, np.isfinite(values) & (values <= 0), "non-positive value")
    return values


def load_runs(source, *, n_col: str | None = None, d_col: str | None = None, c_col: str | None = None,
              loss_col: str | None = None, u_col: str | None = None, budget_col: str | None = None,
              group_col: str | None = None, flops_per_param_token: float = 6.0,
              c_tolerance: float = 0.1) -> Runs:
    """Load and validate a runs table from a file path, a bundled dataset name or a DataFrame.

    Columns are found by the names in ``FIELDS`` (or the dataset's own mapping) unless named
    explicitly. All problems are collected and raised as one InputError naming columns and rows.
    When N, D and C are all given, C must equal k N D within ``c_tolerance`` (relative).
    """
    if not (np.isfinite(flops_per_param_token) and flops_per_param_token > 0):
        raise InputError(f"flops_per_param_token must be positive, got {flops_per_param_token!r}")
    frame, name, defaults = _read_table(source)
    explicit = {"n": n_col, "d": d_col, "c": c_col, "loss": loss_col, "u": u_col, "budget": budget_col,
                "group": group_col}
    chosen = _pick_columns(frame, name, explicit, defaults)
    if len(frame) == 0:
        raise InputError(f"{name}: the runs table has no rows")
    problems: list[str] = []
    values: dict[str, np.ndarray] = {}
    for key, column in chosen.items():
        if key in _NUMERIC:
            values[key] = _numeric(frame, column, problems)
        else:
            labels = frame[column]
            _flag(problems, column, labels.isna().to_numpy(), "missing value")
            values[key] = labels.astype(str).to_numpy()
    if problems:
        raise InputError(f"{name}: " + "; ".join(problems))

    k = float(flops_per_param_token)
    notes = []
    n, d, c = values.get("n"), values.get("d"), values.get("c")
    if n is not None and d is not None and c is not None:
        ratio = c / (k * n * d)
        off = np.abs(ratio - 1.0) > c_tolerance
        if off.any():
            raise InputError(
                f"{name}: column {chosen['c']!r} disagrees with {k:g} N D by more than {c_tolerance:.0%} in "
                f"{_count(int(off.sum()), 'row')} ({_rows_text(np.arange(1, len(frame) + 1)[off])}); "
                f"check the columns or drop --c-col")
    elif n is not None and c is not None:
        d = c / (k * n)
        notes.append(f"D = C / ({k:g} N): no token column, tokens derived from {chosen['c']!r}")
    elif n is not None and d is not None:
        c = k * n * d
        notes.append(f"C = {k:g} N D: no compute column, compute derived from {chosen['n']!r} and {chosen['d']!r}")

    keys = [chosen[key] for key in ("n", "d", "c", "loss", "u", "group") if key in chosen]
    duplicated = frame.duplicated(subset=keys, keep="first").to_numpy()
    if duplicated.any():
        rows = np.arange(1, len(frame) + 1)[duplicated]
        count = _count(int(duplicated.sum()), "duplicate row")
        raise InputError(f"{name}: {count} ({_rows_text(rows)} repeating earlier rows "
                         f"in columns {', '.join(repr(str(k)) for k in keys)})")
    return Runs(source=name, loss=values["loss"], rows=np.arange(1, len(frame) + 1), n=n, d=d, c=c,
                u=values.get("u"), budget=values.get("budget"), group=values.get("group"),
                columns={k: str(v) for k, v in chosen.items()}, notes=tuple(notes), flops_per_param_token=k,
                table_columns=tuple(str(c) for c in frame.columns))
