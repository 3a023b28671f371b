"""One fit per group of a runs table (datasets, model families, loss definitions held in one file).

Fitting a file that mixes experiments pools them silently; ``fit_groups`` splits the table by the
values of one or more columns (after ``where``), fits each part on its own with the same settings,
and returns the fits side by side with a comparison table (and a chart, ``charts.fit.groups_chart``);
``isoflop_groups`` does the same for IsoFLOP analyses.
A group with too few runs for the law is an error that names it, not a silent skip.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import InputError
from ..filters import as_filter
from ..options import spelled
from .runs import filter_frame, load_runs, read_frame

__all__ = ["GroupFits", "fit_groups", "IsoFlopGroups", "isoflop_groups", "split_groups"]


class _Comparison:
    """One analysis per group, saved as it prints with ``--json``, and tabled one row per group."""

    def to_frame(self):
        """``rows()`` as a DataFrame, nested keys flattened (``group.dataset``, ``params.alpha``)."""
        import pandas as pd

        return pd.json_normalize(self.rows())

    def save(self, path):
        """Write ``to_dict()`` as JSON, atomically."""
        from .._io import atomic_write_json

        return atomic_write_json(path, self.to_dict())


@dataclass(frozen=True)
class GroupFits(_Comparison):
    """The fits of each group, in the order the groups first appear in the table."""

    source: str
    by: list[str]
    law: str
    fits: list = field(repr=False)
    labels: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[dict]:
        """One comparison row per group: its labels, runs, parameters with intervals, objective, warnings."""
        out = []
        for label, fit in zip(self.labels, self.fits):
            row = {"group": dict(label), "runs": fit.n_runs, "params": dict(fit.params),
                   "intervals": None if fit.intervals is None else dict(fit.intervals), "objective": fit.objective,
                   "warnings": list(fit.warnings)}
            out.append(row)
        return out

    def headline(self) -> str:
        """The law, the grouping columns and each group's label."""
        shown = "; ".join("/".join(label.values()) for label in self.labels)
        return f"{self.law} by {', '.join(self.by)}: {shown}"

    def to_dict(self) -> dict:
        return {"source": self.source, "group_by": list(self.by), "law": self.law, "groups": self.rows(),
                "fits": [f.to_dict() for f in self.fits], "notes": list(self.notes)}

    def report(self):
        from rich.console import Group

        from .._table import rich_table
        from .result import format_cell

        names = list(self.fits[0].params)
        columns = [*self.by, "runs", *names, "objective"]
        rows = []
        for row in self.rows():
            cells = [str(row["group"][b]) for b in self.by] + [str(row["runs"])]
            for name in names:
                iv = (row["intervals"] or {}).get(name)
                shown = "" if iv is None else f" ({format_cell(iv[0])}-{format_cell(iv[1])})"
                cells.append(format_cell(row["params"][name]) + shown)
            cells.append(f"{row['objective']:.4g}")
            rows.append(cells)
        parts = [rich_table(f"{self.law} fitted per {', '.join(self.by)} on {self.source}", columns, rows)]
        return Group(*parts, *_notes_and_warnings(self.notes, self.labels, self.fits))


def split_groups(runs, group_by, *, columns: dict | None = None, table: dict | None = None,
                 flops_per_param_token: float | None = None, extra: dict | None = None):
    """(source name, the columns, ``where`` note or None, [(label, loaded Runs, rows in the group)]).

    ``columns`` and ``table`` are as in ``fit_law``; ``table["where"]`` filters before grouping;
    ``extra``: more options of ``load_runs`` (a formula's inputs).
    """
    by = [c.strip() for c in (group_by.split(",") if isinstance(group_by, str) else group_by) if c.strip()]
    if not by:
        raise InputError(f"{spelled('group_by')} needs one or more column names, e.g. "
                         f"{spelled('group_by', value='dataset,model')}")
    options = dict(table or {})
    where = as_filter(options.pop("where", None))
    frame, name, defaults = read_frame(runs)
    missing = [c for c in by if c not in frame.columns]
    if missing:
        have = ", ".join(repr(str(c)) for c in frame.columns)
        raise InputError(f"{name}: {spelled('group_by')} column {', '.join(repr(c) for c in missing)} not found "
                         f"(columns: {have})")
    options.update(extra or {})
    frame = filter_frame(frame, name, where)
    cols = {**{f"{k}_col": v for k, v in defaults.items()}, **{k: v for k, v in (columns or {}).items() if v}}
    parts = []
    for key, part in frame.groupby(by, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        label = dict(zip(by, [str(k) for k in key]))
        part = part.copy()
        loaded = load_runs(part.reset_index(drop=True), name=f"{name} [{_shown(label)}]",
                           flops_per_param_token=flops_per_param_token, **cols, **options)
        parts.append((label, _renumber(loaded, part.index.to_numpy()), len(part)))
    return name, by, (f"{where.label}: {len(frame)} rows kept" if where is not None else None), parts


def _each(parts, work):
    """``work(runs)`` for every group, an error naming the group that fails."""
    out = []
    for label, loaded, size in parts:
        try:
            out.append(work(loaded))
        except InputError as error:
            raise InputError(f"{spelled('group_by')}: group {_shown(label)} ({size} runs): {error}") from None
    return out


def fit_groups(runs, group_by, law: str = "chinchilla", *, columns: dict | None = None, table: dict | None = None,
               flops_per_param_token: float | None = None, **fit_options) -> GroupFits:
    """Fit ``law`` separately to each group of rows sharing the values of the ``group_by`` columns.

    ``columns`` and ``table`` are as in ``fit_law`` (``table["where"]`` filters before grouping);
    ``fit_options`` (estimator, objective, bootstrap, seed, level, x, ...) go to every fit.
    """
    from .api import fit_law

    extra = None
    if fit_options.get("formula") is not None:  # a formula's inputs are read from their own columns
        extra = {"inputs": dict(fit_options.get("variables") or {}), "response": "any"}
        law = fit_options["formula"]
    name, by, where, parts = split_groups(runs, group_by, columns=columns, table=table,
                                          flops_per_param_token=flops_per_param_token, extra=extra)
    fits = _each(parts, lambda loaded: fit_law(loaded, law, **fit_options))
    notes = [where] if where else []
    notes.append(f"{len(fits)} groups by {', '.join(by)}; each fitted on its own runs")
    return GroupFits(name, by, str(law), fits, [label for label, _, _ in parts], notes)


@dataclass(frozen=True)
class IsoFlopGroups(_Comparison):
    """One IsoFLOP analysis per group, compared in one table (exponent a, its interval, Approach 3, D/N)."""

    source: str
    by: list[str]
    results: list = field(repr=False)
    labels: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def rows(self) -> list[dict]:
        out = []
        for label, result in zip(self.labels, self.results):
            d = result.to_dict()
            out.append({"group": dict(label), "runs": len(result.runs), "a": d["a"], "a_interval": d["a_interval"],
                        "b": d["b"], "approach3_a": (d["approach3"] or {}).get("a"),
                        "tokens_per_param_at_largest": d["tokens_per_param_at_largest"],
                        "budgets_used": sum(1 for p in d["points"] if p.get("used", True)),
                        "warnings": list(d["warnings"])})
        return out

    def headline(self) -> str:
        """Each group's label and exponent a."""
        return ", ".join(f"{'/'.join(label.values())}: a = {result.a:.3f}"
                         for label, result in zip(self.labels, self.results))

    def to_dict(self) -> dict:
        return {"source": self.source, "group_by": list(self.by), "groups": self.rows(),
                "results": [r.to_dict() for r in self.results], "notes": list(self.notes)}

    def report(self):
        from rich.console import Group

        from .._table import rich_table

        def num(v, fmt):
            return "-" if v is None else format(v, fmt)

        rows = [[*(str(r["group"][b]) for b in self.by), str(r["runs"]), str(r["budgets_used"]),
                 f"{r['a']:.3f} ({r['a_interval'][0]:.3f}-{r['a_interval'][1]:.3f})", num(r["b"], ".3f"),
                 num(r["approach3_a"], ".3f"), num(r["tokens_per_param_at_largest"], ".3g")] for r in self.rows()]
        columns = [*self.by, "runs", "budgets", "a (interval)", "b", "Approach 3 a", "D/N at largest (fitted)"]
        parts = [rich_table(f"IsoFLOP per {', '.join(self.by)} on {self.source}", columns, rows)]
        return Group(*parts, *_notes_and_warnings(self.notes, self.labels, self.results))


def isoflop_groups(runs, group_by, analyse, *, columns: dict | None = None, table: dict | None = None,
                   flops_per_param_token: float | None = None) -> IsoFlopGroups:
    """``analyse(runs)`` (an IsoFLOP approach) on each group of rows sharing the ``group_by`` values."""
    name, by, where, parts = split_groups(runs, group_by, columns=columns, table=table,
                                          flops_per_param_token=flops_per_param_token)
    results = _each(parts, analyse)
    notes = [where] if where else []
    notes.append(f"{len(results)} groups by {', '.join(by)}; each analysed on its own runs")
    return IsoFlopGroups(name, by, results, [label for label, _, _ in parts], notes)


def _shown(label: dict) -> str:
    """A group's label as ``dataset=c4, model=gpt``."""
    return ", ".join(f"{k}={v}" for k, v in label.items())


def _notes_and_warnings(notes, labels, results) -> list:
    """The report lines under a group table: its notes, then each group's warnings under its label."""
    from rich.text import Text

    lines = [Text(f"note: {n}") for n in notes]
    for label, result in zip(labels, results):
        lines += [Text(f"warning [{_shown(label)}]: {w}", style="yellow") for w in result.warnings]
    return lines


def _renumber(runs, source_rows):
    """``runs`` with row numbers of the original table rather than of the group's part."""
    from dataclasses import replace

    return replace(runs, rows=source_rows[runs.rows - 1])
