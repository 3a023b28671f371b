"""Tables of training runs: loading (CSV, Parquet, JSON lines, DataFrame, bundled dataset) and validation.

A run has a parameter count N, training tokens D and/or training compute C (FLOP), and a final
loss; optionally unique tokens U (for data-constrained fits), a budget label (IsoFLOP sweeps) and a
group label (one training run seen at several checkpoints). With only C given, D = C / (k N)
with k = 6 (Kaplan et al. 2020, section 2.1); with only D, C = k N D. Every problem found is
reported in one line that names the file, the column and the data rows (counted from 1, header
excluded), e.g. ``runs.csv: column 'loss' has 3 non-positive values (rows 4, 9, 17)``.

A bundled CSV dataset whose columns in use are all plain positive numbers is read with the csv module
(no pandas import, which is most of a plain fit's start-up time); anything else goes through pandas.

A fit of a formula (``--formula`` with ``--var NAME=COLUMN``) reads its inputs from any numeric
columns (``inputs``; finite values of any sign) into ``Runs.inputs``; its target may then hold
values of any sign (``response="any"``). Predicting a table needs no loss column
(``require_loss=False``).

Real tables are messy, so a table can be narrowed first (``where``: a filter of :mod:`scalinglab.filters`
such as ``"dataset == 'c4' and lr <= 0.004"``), rows with missing values dropped (``drop_missing``), cells
may hold human quantities (``70B``, ``1.4T``), and runs repeating an (N, D) pair (a learning-rate
sweep, reruns) are kept, averaged or reduced to the best (``duplicates``), with a note saying so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..filters import Filter, as_filter, numbers_of
from ..laws.formula_law import formula_option
from ..options import spelled
from ..tablefile import read_table_file
from .options import TABLE

__all__ = ["Runs", "load_runs", "read_frame", "filter_frame", "FIELDS", "rows_text", "flag_column",
           "bad_numbers", "reduce_duplicates"]

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


def rows_text(rows, limit: int = 10) -> str:
    """"row 4" or "rows 4, 9, 17" (the first ``limit`` of them, then "...") for a message."""
    rows = [int(r) for r in rows]
    shown = ", ".join(str(r) for r in rows[:limit])
    return f"rows {shown}{', ...' if len(rows) > limit else ''}" if len(rows) != 1 else f"row {shown}"


@dataclass(frozen=True)
class Runs:
    """Validated runs: float arrays per field (None when absent) and the 1-based source row numbers.

    ``inputs``: a formula's input arrays by formula name; ``loss`` is None for a table read without one."""

    source: str
    loss: np.ndarray | None
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
    inputs: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, index) -> "Runs":
        """The runs at ``index`` (an integer array or a boolean mask), in that order."""
        index = np.asarray(index)
        pick = {k: (None if getattr(self, k) is None else getattr(self, k)[index])
                for k in ("loss", "rows", "n", "d", "c", "u", "budget", "group")}
        return replace(self, **pick, inputs={k: v[index] for k, v in self.inputs.items()})

    def column(self, name: str) -> str:
        """The source column behind field ``name`` (for messages)."""
        return self.columns.get(name, name)

    def require(self, fields: tuple[str, ...], purpose: str) -> None:
        """An InputError naming every field ``purpose`` needs that the table lacks."""
        missing = [f for f in fields if getattr(self, f) is None]
        if missing:
            wanted = [f"{_LABELS[f]} ({spelled(f + '_col')})" if f != "d" else
                      f"D (tokens, {spelled('d_col')}) or C (FLOP, {spelled('c_col')})" for f in missing]
            have = f" (columns: {', '.join(repr(c) for c in self.table_columns)})" if self.table_columns else ""
            raise InputError(f"{self.source}: {purpose} needs {' and '.join(wanted)}; the table has none{have}")

    def drop_highest_loss(self, count: int) -> tuple["Runs", list[int]]:
        """Drop the ``count`` runs with the highest loss; returns the rest and the dropped row numbers."""
        if count < 0:
            raise InputError(f"{spelled('drop_highest_loss')} must be >= 0, got {count}")
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
        data.update({name: values for name, values in self.inputs.items() if name not in data})
        import pandas as pd

        return pd.DataFrame(data)

    def describe(self) -> dict:
        return {"source": self.source, "runs": len(self), "columns": dict(self.columns), "notes": list(self.notes)}


def _read_table(source, max_rows: int | None = None) -> tuple[pd.DataFrame, str, dict[str, str]]:
    """(DataFrame, display name, default column mapping) for a path, a dataset name or a DataFrame; a file
    is read within its limits (:func:`scalinglab.tablefile.read_table_file`, ``max_rows``)."""
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True), "DataFrame", {}
    from ..datasets import get_dataset, is_dataset_name, read_bundled

    text = str(source)
    path = Path(text)
    if not path.exists() and is_dataset_name(text):
        info = get_dataset(text)
        return read_bundled(text), info.name, dict(info.columns)
    if path.is_dir():
        raise InputError(f"runs file {text!r} is a folder; give a table file (.csv, .parquet or .jsonl)")
    if not path.exists():
        raise InputError(f"runs file {text!r} does not exist (and is not a bundled dataset; "
                         f"see `scalinglab datasets list`)")
    return read_table_file(path, max_rows=max_rows, what="runs table"), path.name, {}


def _pick_columns(frame: pd.DataFrame, name: str, explicit: dict[str, str | None],
                  defaults: dict[str, str], require_loss: bool = True) -> dict[str, str]:
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
    if "loss" not in chosen and not explicit.get("loss") and require_loss:
        problems.append(f"no loss column (name it with {spelled('loss_col')})")
    roles: dict[str, list[str]] = {}
    for key, column in chosen.items():
        roles.setdefault(column, []).append(f"{_LABELS[key]} ({spelled(key + '_col')})")
    problems += [f"column {column!r} cannot be both {' and '.join(used)}" for column, used in roles.items()
                 if len(used) > 1]
    if problems:
        have = ", ".join(repr(str(c)) for c in frame.columns)
        raise InputError(f"{name}: {'; '.join(problems)} (columns: {have})")
    return chosen


def flag_column(problems: list[str], column: str, mask: np.ndarray, noun: str, rows: np.ndarray | None = None,
                cells: np.ndarray | None = None) -> None:
    """Add "column 'x' has 3 <noun>s (rows 4, 9, 17)" when ``mask`` marks any row; with ``cells``, the
    first offending cells too ("(row 2: 'n/a')")."""
    if mask.any():
        numbers = (np.flatnonzero(mask) + 1) if rows is None else rows[mask]
        count = int(mask.sum())
        text = noun.format(s="" if count == 1 else "s") if "{s}" in noun else _count(count, noun).split(" ", 1)[1]
        shown = "" if cells is None else ": " + ", ".join(repr(str(c)) for c in cells[mask][:3]) + \
            (", ..." if count > 3 else "")
        problems.append(f"column {column!r} has {count} {text} ({rows_text(numbers)}{shown})")


def bad_numbers(raw: pd.Series, positive: bool = True) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(float values, {problem noun: mask}) for one column."""
    values = numbers_of(raw)
    missing = raw.isna().to_numpy()
    problems = {"non-numeric value": np.isnan(values) & ~missing, "missing or NaN value": missing,
                "infinite value": np.isinf(values)}
    if positive:
        problems["non-positive value"] = np.isfinite(values) & (values <= 0)
    return values, problems


def _numeric(frame: pd.DataFrame, column: str, problems: list[str], rows: np.ndarray,
             positive: bool = True) -> np.ndarray:
    values, masks = bad_numbers(frame[column], positive)
    cells = frame[column].to_numpy()
    for noun, mask in masks.items():
        flag_column(problems, column, mask, noun, rows, cells if noun == "non-numeric value" else None)
    return values


def read_frame(source, max_rows: int | None = None) -> tuple[pd.DataFrame, str, dict[str, str]]:
    """(DataFrame indexed by source row number from 1, display name, default column mapping); a file holding
    more than ``max_rows`` rows (default ``tablefile.MAX_ROWS``) is refused before it is decoded."""
    import pandas as pd

    frame, name, defaults = _read_table(source, max_rows)
    frame = frame.copy()
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame, name, defaults


def filter_frame(frame: pd.DataFrame, name: str, where: str | Filter | None) -> pd.DataFrame:
    """The rows for which the filter ``where`` holds (:mod:`scalinglab.filters`: text or a parsed Filter)."""
    where = as_filter(where)
    return frame if where is None else where.apply(frame, name)


def _kept(what: str) -> str:
    return f"{what}; all kept ({spelled('duplicates', value='mean')} averages them, min keeps the best of each)"


def _shared_text(repeated: int, groups: int, exact: int, cols: str) -> str:
    return (f"{_count(repeated, 'run')} share {_count(groups, 'setting')} of {cols}"
            + (f" ({_count(exact, 'exact repeat')})" if exact else ""))


def reduce_duplicates(frame: pd.DataFrame, name: str, keys: list[str], loss: str, mode: str,
                      notes: list[str]) -> pd.DataFrame:
    """Apply ``duplicates`` to runs that repeat the values of ``keys``."""
    repeated = frame.duplicated(subset=keys, keep=False).to_numpy()
    if not repeated.any():
        return frame
    groups = frame[repeated].groupby(keys, sort=False).ngroups
    later = frame.duplicated(subset=keys, keep="first").to_numpy()
    exact = int(frame.duplicated(subset=keys + [loss], keep="first").sum())
    cols = ", ".join(repr(str(k)) for k in keys)
    what = _shared_text(int(repeated.sum()), groups, exact, cols)
    if mode == "error":
        raise InputError(f"{name}: {_count(int(later.sum()), 'duplicate row')} ({rows_text(frame.index[later])} "
                         f"repeating earlier rows in columns {cols}); {what}. Choose "
                         f"{spelled('duplicates', value='keep')}, mean or min (min keeps the best run of each "
                         f"setting, as for a hyper-parameter sweep)")
    if mode == "keep":
        notes.append(_kept(what))
        return frame
    pick = frame.groupby(keys, sort=False)[loss]
    if mode == "min":
        best = pick.idxmin()
        kept = frame.loc[np.sort(best.to_numpy())]
        notes.append(f"{what}; kept the lowest-loss run of each ({spelled('duplicates', value='min')}: the best "
                     f"run of a hyper-parameter sweep), dropped {len(frame) - len(kept)}")
        return kept
    first = frame[~later].copy()
    first[loss] = pick.transform("mean")[~later].to_numpy()
    notes.append(f"{what}; loss averaged over each setting ({spelled('duplicates', value='mean')}), "
                 f"{len(frame) - len(first)} rows "
                 f"merged into the first of each")
    return first


def _compute_columns(name: str, chosen: dict, explicit: dict, values: dict, rows: np.ndarray, k: float,
                     k_given: bool, c_note: str | None, c_tolerance: float, notes: list[str]):
    """(N, D, C): checks a user-named C column against k N D, derives the missing one of D and C (noted)."""
    n, d, c = values.get("n"), values.get("d"), values.get("c")
    if n is not None and d is not None and c is not None:
        ratio = c / (k * n * d)
        off = np.abs(ratio - 1.0) > c_tolerance
        median = float(np.median(ratio))
        if off.any() and explicit.get("c") and not (k_given or c_note):
            raise InputError(
                f"{name}: column {chosen['c']!r} ({spelled('c_col')}) disagrees with {k:g} N D by more than "
                f"{c_tolerance:.0%} "
                f"in {_count(int(off.sum()), 'row')} ({rows_text(rows[off])}; median ratio {median:.3g}); "
                f"set {spelled('flops_per_param_token')}, explain the count with {spelled('c_note')}, or drop "
                f"{spelled('c_col')}")
        if off.any():
            why = f" ({c_note})" if c_note else ""
            notes.append(f"C taken from column {chosen['c']!r} as given{why}: it differs from {k:g} N D by more than "
                         f"{c_tolerance:.0%} in {_count(int(off.sum()), 'row')} (median C / {k:g}ND = {median:.3g})")
    elif n is not None and c is not None:
        d = c / (k * n)
        notes.append(f"D = C / ({k:g} N): no token column, tokens derived from {chosen['c']!r}")
    elif n is not None and d is not None:
        c = k * n * d
        notes.append(f"C = {k:g} N D: no compute column, compute derived from {chosen['n']!r} and {chosen['d']!r}")
    return n, d, c


def _plain_dataset(source, explicit: dict, where, drop_missing: bool, mode: str, response: str, inputs: dict):
    """(name, chosen columns, table columns, values, duplicate notes) for a bundled CSV dataset read with
    the csv module, or None when pandas must decide: a filter, --drop-missing, a label column, any cell
    that is not a plain positive finite number, or repeated settings to merge."""
    if (where is not None or drop_missing or inputs or response == "any" or not isinstance(source, str)
            or Path(source).exists()):
        return None
    from ..datasets import RENAMED, get_dataset, is_dataset_name, read_bundled_cells

    if not is_dataset_name(source) or source.strip().lower() in RENAMED:  # old names: pandas path, one note
        return None
    info = get_dataset(source)
    header, cells = read_bundled_cells(source)
    if not cells or "" in header or len(set(header)) != len(header) or any(len(r) != len(header) for r in cells):
        return None

    class _Header:  # what _pick_columns reads of a DataFrame
        columns = header

    chosen = _pick_columns(_Header, info.name, explicit, dict(info.columns))
    values: dict[str, np.ndarray] = {}
    for key, column in chosen.items():
        if key not in _NUMERIC:
            return None
        j = header.index(column)
        if any("_" in r[j] for r in cells):  # float() reads 1_000, pandas does not
            return None
        try:
            v = np.array([float(r[j]) for r in cells])
        except ValueError:
            return None
        bad = (v < 0) | (v > 1) if key == "loss" and response == "accuracy" else v <= 0
        if not np.isfinite(v).all() or bad.any():
            return None
        values[key] = v
    notes: list[str] = []
    keys = [key for key in ("n", "d", "c", "u") if key in chosen]
    if keys:
        settings = list(zip(*(values[key] for key in keys)))
        counts: dict = {}
        for setting in settings:
            counts[setting] = counts.get(setting, 0) + 1
        repeated = sum(count for count in counts.values() if count > 1)
        if repeated:
            if mode != "keep":
                return None
            exact = len(settings) - len(set(zip(settings, values["loss"])))
            cols = ", ".join(repr(str(chosen[key])) for key in keys)
            notes.append(_kept(_shared_text(repeated, sum(c > 1 for c in counts.values()), exact, cols)))
    return info.name, chosen, tuple(header), values, notes


def load_runs(source, *, n_col: str | None = None, d_col: str | None = None, c_col: str | None = None,
              loss_col: str | None = None, u_col: str | None = None, budget_col: str | None = None,
              group_col: str | None = None, flops_per_param_token: float | None = None,
              c_tolerance: float = 0.1, where: str | Filter | None = None, duplicates: str = "keep",
              drop_missing: bool = False, c_note: str | None = None, name: str | None = None,
              response: str = "loss", max_rows: int | None = None, inputs: dict[str, str] | None = None,
              require_loss: bool = True) -> Runs:
    """Load and validate a runs table from a file path, a bundled dataset name or a DataFrame.

    Columns are found by the names in ``FIELDS`` (or the dataset's own mapping) unless named
    explicitly. All problems are collected and raised as one InputError naming columns and rows.
    ``where`` narrows the table first (a filter, :mod:`scalinglab.filters`); ``drop_missing`` drops rows with a missing
    or unreadable value in a column used (noted); ``duplicates`` (keep, error, mean or min) says what to do
    with runs repeating an (N, D) setting. When the user names the C column (``c_col``) and N and D
    are given too, C must equal k N D within ``c_tolerance``; an explicit ``flops_per_param_token``
    or a ``c_note`` explaining the count turns a disagreement into a note. A C column found by
    name is taken as the user's own count and never checked. ``response="accuracy"`` lets the
    metric column hold values in [0, 1], zeros included; ``response="any"`` any finite value. A table
    file with more than ``max_rows`` rows (default ``tablefile.MAX_ROWS``) is refused from its size or
    metadata, before it is decoded. ``inputs`` (formula name -> column) are read into ``Runs.inputs``
    (see ``_input_columns``); with ``require_loss=False`` a table without a loss column gives ``loss=None``.
    """
    where = as_filter(where)
    k_given = flops_per_param_token is not None
    k = float(TABLE["flops_per_param_token"].check(flops_per_param_token)) if k_given else 6.0
    mode = TABLE["duplicates"].check(duplicates)
    explicit = {"n": n_col, "d": d_col, "c": c_col, "loss": loss_col, "u": u_col, "budget": budget_col,
                "group": group_col}
    inputs = dict(inputs or {})
    plain = _plain_dataset(source, explicit, where, drop_missing, mode, response, inputs) if require_loss else None
    if plain is not None:
        table_name, chosen, table_columns, values, shared = plain
        name = name or table_name
        rows = np.arange(1, len(values["loss"]) + 1)
        notes = []
        n, d, c = _compute_columns(name, chosen, explicit, values, rows, k, k_given, c_note, c_tolerance, notes)
        notes += shared
        return Runs(source=name, loss=values["loss"], rows=rows, n=n, d=d, c=c, u=values.get("u"),
                    budget=values.get("budget"), group=None, columns={k: str(v) for k, v in chosen.items()},
                    notes=tuple(notes), flops_per_param_token=k, table_columns=table_columns)
    frame, table_name, defaults = read_frame(source, max_rows)
    name = name or table_name
    chosen = _pick_columns(frame, name, explicit, defaults, require_loss)
    sources = _input_columns(frame, name, inputs, chosen)
    if len(frame) == 0:
        raise InputError(f"{name}: the runs table has no rows")
    table_columns = tuple(str(c) for c in frame.columns)
    frame = filter_frame(frame, name, where)
    notes: list[str] = []
    if where is not None:
        notes.append(f"{where.label}: {len(frame)} rows kept")
    if drop_missing:
        bad = np.zeros(len(frame), dtype=bool)
        for key, column in chosen.items():
            if key in _NUMERIC:
                masks = bad_numbers(frame[column], positive=key != "loss" or response == "loss")[1]
                bad |= np.logical_or.reduce(list(masks.values()))
            else:
                bad |= frame[column].isna().to_numpy()
        for column in set(sources.values()) - {None}:
            bad |= np.logical_or.reduce(list(bad_numbers(frame[column], positive=False)[1].values()))
        if bad.all():
            raise InputError(f"{name}: {spelled('drop_missing')} would drop all {len(frame)} rows")
        if bad.any():
            notes.append(f"{spelled('drop_missing')} dropped {_count(int(bad.sum()), 'row')} with a missing or "
                         f"unreadable "
                         f"value ({rows_text(frame.index[bad])})")
            frame = frame[~bad]
    rows = frame.index.to_numpy()
    problems: list[str] = []
    values: dict[str, np.ndarray] = {}
    for key, column in chosen.items():
        if key in _NUMERIC:
            accuracy = key == "loss" and response == "accuracy"
            values[key] = _numeric(frame, column, problems, rows, positive=key != "loss" or response == "loss")
            if accuracy:
                v = values[key]
                flag_column(problems, column, np.isfinite(v) & ((v < 0) | (v > 1)),
                            "value{s} outside [0, 1] (not an accuracy)", rows)
        else:
            labels = frame[column]
            flag_column(problems, column, labels.isna().to_numpy(), "missing value", rows)
            values[key] = labels.astype(str).to_numpy()
    columns_read = {column: _numeric(frame, column, problems, rows, positive=False)
                    for column in dict.fromkeys(sources.values()) if column is not None}
    if problems:
        hint = "" if drop_missing else f" ({spelled('drop_missing')} drops such rows)"
        raise InputError(f"{name}: " + "; ".join(problems) + hint)

    n, d, c = _compute_columns(name, chosen, explicit, values, rows, k, k_given, c_note, c_tolerance, notes)
    fields = {"n": n, "d": d, "c": c, "u": values.get("u")}
    read = {}
    for formula_name, column in sources.items():
        if column is None:
            field_name = formula_name.lower()
            if fields[field_name] is None:
                raise InputError(f"{name}: {formula_option('variables', formula_name)}: no column "
                                 f"{formula_name!r} and no {_LABELS[field_name]} "
                                 f"in the table (columns: {', '.join(repr(c) for c in table_columns)})")
            read[formula_name] = fields[field_name]
        else:
            read[formula_name] = columns_read[column]
    keys = list(dict.fromkeys([chosen[key] for key in ("n", "d", "c", "u", "group") if key in chosen]
                              + [column for column in sources.values() if column is not None]))
    if keys and "loss" in chosen:
        numeric = frame.assign(**{**columns_read, **{chosen[f]: values[f] for f in ("n", "d", "c", "u", "loss")
                                                     if f in chosen}})
        reduced = reduce_duplicates(numeric, name, keys, chosen["loss"], mode, notes)
        if len(reduced) != len(frame):
            pick = frame.index.get_indexer(reduced.index)
            values = {key: v[pick] for key, v in values.items()}
            values["loss"] = reduced[chosen["loss"]].to_numpy(dtype=float)
            n, d, c = (None if v is None else v[pick] for v in (n, d, c))
            read = {key: v[pick] for key, v in read.items()}
            rows = rows[pick]
    return Runs(source=name, loss=values.get("loss"), rows=rows.astype(int), n=n, d=d, c=c,
                u=values.get("u"), budget=values.get("budget"), group=values.get("group"),
                columns={k: str(v) for k, v in chosen.items()}, notes=tuple(notes), flops_per_param_token=k,
                table_columns=table_columns, inputs=read)


def _input_columns(frame: pd.DataFrame, name: str, inputs: dict[str, str], chosen: dict) -> dict[str, str | None]:
    """Formula name -> the column holding it (exact name, else any case), or None for the runs' own N, D,
    C or U (``--var N``: a name bound to itself that no column holds). One error names every column missing."""
    lookup = {str(c).strip().lower(): c for c in frame.columns}
    out, missing = {}, []
    for formula_name, column in inputs.items():
        if column in frame.columns:
            out[formula_name] = column
        elif column.strip().lower() in lookup:
            out[formula_name] = lookup[column.strip().lower()]
        elif column == formula_name and formula_name.lower() in ("n", "d", "c", "u"):
            out[formula_name] = None
        else:
            missing.append(f"{formula_option('variables', f'{formula_name}={column}')}: no column {column!r}")
    if missing:
        have = ", ".join(repr(str(c)) for c in frame.columns)
        raise InputError(f"{name}: {'; '.join(missing)} (columns: {have})")
    return out
