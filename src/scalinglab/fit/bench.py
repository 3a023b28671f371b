"""``scalinglab bench``: fit laws on small runs, predict held-out larger runs, score the extrapolation.

Each task (``bench_tasks.yaml``) names a table, its train/test split, its targets and the laws that apply:
the task's published law (``published: true``) and the other catalogue families that read the same
columns. For every law the train rows of each group are fitted (one fit per group and target), the test
rows predicted, and the pooled test predictions scored as SLDBench scores them (Lin et al. 2025,
arXiv:2507.21184, ``evaluator.py``): per target R^2 = 1 - SSE / SST on the test rows, averaged over
targets, shown clipped to [-1, 1]; and MAPE = mean |prediction - observed| / |observed|, in percent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from .._io import read_bundled_yaml
from ..errors import InputError, ScalingLabError, UnknownNameError
from ..options import spelled

__all__ = ["BenchResult", "LawScore", "TaskScore", "bench_tasks", "default_tables", "run_bench", "r2_score",
           "mape"]


def r2_score(observed: np.ndarray, predicted: np.ndarray) -> float:
    """1 - SSE / SST on the given rows (SLDBench's R^2); -inf when the prediction is not finite."""
    observed, predicted = np.asarray(observed, float), np.asarray(predicted, float)
    if not np.all(np.isfinite(predicted)):
        return -np.inf
    total = np.sum((observed - observed.mean()) ** 2)
    return float(1.0 - np.sum((observed - predicted) ** 2) / total) if total > 0 else float("nan")


def mape(observed: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute percentage error, in percent."""
    observed, predicted = np.asarray(observed, float), np.asarray(predicted, float)
    return float(100.0 * np.mean(np.abs(predicted - observed) / np.abs(observed)))


@dataclass(frozen=True)
class LawScore:
    """One law on one task: the extrapolation scores on the test rows and the fit's cost."""

    law: str
    formula: str
    published: bool
    r2: float
    mape: float
    fits: int
    seconds: float
    error: str = ""

    @property
    def r2_clipped(self) -> float:
        return float(np.clip(self.r2, -1.0, 1.0))

    def to_dict(self) -> dict:
        return {"law": self.law, "formula": self.formula, "published": self.published, "r2": self.r2_clipped,
                "r2_unclipped": self.r2, "mape_percent": self.mape, "fits": self.fits, "seconds": self.seconds,
                "error": self.error}


@dataclass(frozen=True)
class TaskScore:
    """One task: where its table came from, its split sizes, the source's figure and every law's score."""

    name: str
    title: str
    source: str
    table: str
    n_train: int
    n_test: int
    reported_r2: float | None
    laws: tuple[LawScore, ...] = ()
    skipped: str = ""

    @property
    def published(self) -> LawScore | None:
        return next((law for law in self.laws if law.published), None)

    @property
    def meets_reported(self) -> bool | None:
        """Whether the published law's R^2, at the 3 decimals the source gives, is at least the source's."""
        if self.reported_r2 is None or self.published is None:
            return None
        return bool(round(self.published.r2_clipped, 3) >= self.reported_r2)

    def to_dict(self) -> dict:
        return {"task": self.name, "title": self.title, "source": self.source, "table": self.table,
                "n_train": self.n_train, "n_test": self.n_test, "reported_r2": self.reported_r2,
                "meets_reported": self.meets_reported, "skipped": self.skipped,
                "laws": [law.to_dict() for law in self.laws]}


@dataclass(frozen=True)
class BenchResult:
    """Every task's scores, the published laws' mean R^2 (clipped) and the wall time."""

    tasks: tuple[TaskScore, ...]
    tables: str
    objective: str
    seconds: float

    @property
    def mean_r2(self) -> float:
        """Mean clipped R^2 of the published laws over the tasks that ran."""
        scores = [t.published.r2_clipped for t in self.tasks if t.published is not None]
        return float(np.mean(scores)) if scores else float("nan")

    def compared(self) -> tuple[float, float, int]:
        """(our mean R^2, the source's mean R^2, how many tasks) over the tasks with a reported figure."""
        pairs = [(t.published.r2_clipped, t.reported_r2) for t in self.tasks
                 if t.reported_r2 is not None and t.published is not None]
        if not pairs:
            return float("nan"), float("nan"), 0
        ours, theirs = zip(*pairs)
        return float(np.mean(ours)), float(np.mean(theirs)), len(pairs)

    def to_dict(self) -> dict:
        ours, theirs, count = self.compared()
        return {"tasks": [t.to_dict() for t in self.tasks], "mean_r2_published": self.mean_r2,
                "mean_r2_where_reported": ours, "mean_reported_r2": theirs, "tasks_with_reported_r2": count,
                "objective": self.objective, "tables": self.tables, "seconds": self.seconds}

    def headline(self) -> str:
        return f"{len(self.tasks)} tasks, mean R^2 of the published laws {self.mean_r2:.3f}"

    def to_frame(self):
        """One row per task and law: the law's scores (``LawScore.to_dict()``) after the task's name."""
        import pandas as pd

        return pd.DataFrame([{"task": task.name, **law.to_dict()} for task in self.tasks for law in task.laws])

    def rows(self) -> list[list[str]]:
        """The report's table: one row per task and law."""
        out = []
        for task in self.tasks:
            if task.skipped:
                out.append([task.name, "", "", f"skipped: {task.skipped}", "", ""])
                continue
            for law in task.laws:
                shown = law.law + (" *" if law.published else "")
                reported = "" if task.reported_r2 is None or not law.published else (
                    f"{task.reported_r2:.3f} ({'met' if task.meets_reported else 'missed'})")
                if law.error:
                    out.append([task.name, shown, f"{task.n_train}/{task.n_test}", law.error, "", reported])
                else:
                    out.append([task.name, shown, f"{task.n_train}/{task.n_test}", f"{law.r2_clipped:.3f}",
                                f"{law.mape:.2f}%", reported])
        return out

    def report(self):
        from rich.console import Group
        from rich.text import Text

        from .._table import rich_table

        head = ["task", "law (* published)", "train/test", "R^2", "MAPE", "reported R^2"]
        ours, theirs, count = self.compared()
        lines = [rich_table("Extrapolation benchmark: fit on train rows, predict test rows", head, self.rows()),
                 Text(f"Mean R^2 of the published laws: {self.mean_r2:.3f}"
                      + (f"; on the {count} tasks with a reported figure {ours:.3f} against {theirs:.3f} reported"
                         if count else "")),
                 Text(f"Fitted by {self.objective} of log residuals (or of residuals where the target is not "
                      f"positive); {self.seconds:.1f} s in all.")]
        return Group(*lines)


@cache
def bench_tasks() -> dict[str, dict]:
    """The benchmark's tasks by name, as written in ``bench_tasks.yaml``."""
    return read_bundled_yaml(Path(__file__).with_name("bench_tasks.yaml"))


def default_tables() -> Path:
    """Where the SLDBench-layout tables are looked for when no folder is given."""
    return Path(__file__).resolve().parent.parent / "datasets" / "data" / "sldbench"


def _read_task_table(spec: dict, tables: Path):
    """The task's table and a description of where it came from; None when its file is absent."""
    if "dataset" in spec:
        from ..datasets import read_bundled

        return read_bundled(spec["dataset"]), f"bundled dataset {spec['dataset']}"
    path = tables / spec["table"]
    if not path.exists():
        return None, str(path)
    from ..tablefile import read_table_file

    return read_table_file(path, what="task table"), str(path)


def _test_mask(frame, spec: dict, where: str) -> np.ndarray:
    rule = spec.get("split")
    if rule is None:
        if "split" not in frame.columns:
            raise InputError(f"{where}: no 'split' column (train/test) and the task gives no split rule")
        values = frame["split"].astype(str).str.strip().str.lower()
        bad = sorted(set(values) - {"train", "test"})
        if bad:
            raise InputError(f"{where}: column 'split' must hold train or test, found {bad[0]!r}")
        return (values == "test").to_numpy()
    return (frame[rule["column"]].astype(float) >= float(rule["test_at_least"])).to_numpy()


def _check_columns(frame, spec: dict, where: str) -> None:
    """Every column the task reads is there, and the numeric ones hold finite numbers (rows named)."""
    import pandas as pd

    numeric = list(spec["targets"]) + [c for law in spec["laws"] for c in law["variables"].values()]
    needed = numeric + ([spec["groups"]] if spec.get("groups") else [])
    missing = [c for c in dict.fromkeys(needed) if c not in frame.columns]
    if missing:
        raise InputError(f"{where}: no column {missing[0]!r} (columns: {', '.join(map(str, frame.columns))})")
    for column in dict.fromkeys(numeric):
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            rows = ", ".join(str(i + 1) for i in bad[:5]) + (", ..." if bad.size > 5 else "")
            raise InputError(f"{where}: column {column!r} has {bad.size} missing or non-numeric values "
                             f"(rows {rows})")


def _law_text(law: dict) -> tuple[str, str, dict]:
    """(name, formula, parameter bounds) of a task's law entry: a catalogue family or an inline formula."""
    if "family" in law:
        from ..laws.catalogue import get_catalogue_entry

        entry = get_catalogue_entry(law["family"])
        return entry.name, entry.formula, {k: (None, v.bounds[0], v.bounds[1]) for k, v in entry.params.items()}
    return law["name"], law["formula"], {}


def _fit_and_predict(train, test, *, formula: str, variables: dict, target: str, params: dict,
                     objective: str) -> np.ndarray:
    """Fit ``formula`` to the ``train`` rows (``target`` the fitted column) and evaluate it on the ``test`` rows."""
    from .api import fit_law

    fitted = fit_law(train, formula=formula, variables=variables, params=params, columns={"loss_col": target},
                     objective=objective)
    law = fitted.law
    return np.asarray(law.evaluate({name: test[column].to_numpy(float) for name, column in variables.items()}),
                      dtype=float)


def _score_law(frame, test, spec: dict, law: dict, objective: str) -> LawScore:
    name, formula, bounds = _law_text(law)
    groups = frame[spec["groups"]].astype(str).to_numpy() if spec.get("groups") else np.zeros(len(frame), str)
    started = time.perf_counter()
    scores, errors, fits = [], [], 0
    predictions = {target: np.full(len(frame), np.nan) for target in spec["targets"]}
    try:
        for target in spec["targets"]:
            for group in dict.fromkeys(groups[test]):
                train_rows, test_rows = (groups == group) & ~test, (groups == group) & test
                predictions[target][test_rows] = _fit_and_predict(
                    frame[train_rows], frame[test_rows], formula=formula, variables=law["variables"],
                    target=target, params=bounds, objective=objective)
                fits += 1
            scores.append(r2_score(frame[target].to_numpy()[test], predictions[target][test]))
            errors.append(mape(frame[target].to_numpy()[test], predictions[target][test]))
    except ScalingLabError as error:
        return LawScore(name, formula, bool(law.get("published")), float("nan"), float("nan"), fits,
                        time.perf_counter() - started, error=str(error))
    return LawScore(name, formula, bool(law.get("published")), float(np.mean(scores)), float(np.mean(errors)),
                    fits, time.perf_counter() - started)


def run_bench(task: str | None = None, *, tables: str | Path | None = None, objective: str = "squares",
              on_task: Callable[[str, int, int], None] | None = None) -> BenchResult:
    """Run every task (or the one named ``task``) and score each law's extrapolation.

    ``tables`` is the folder holding the SLDBench-layout tables (``parallel.csv``, ...; default
    :func:`default_tables`); tasks on bundled datasets need none. A task whose table is absent is skipped
    with a note, unless it was asked for by name. ``objective`` is the fits' objective (``squares``: least
    squares of log residuals, the sum of squares R^2 scores; ``huber`` for robust fits); a target that is
    not positive everywhere is fitted on residuals in its own units. ``on_task(name, index, count)`` is
    called before each task.
    """
    from .api import objective_space
    from .objectives import make_objective

    make_objective(objective_space(objective)[1])  # an unknown objective is refused before any work
    tasks = bench_tasks()
    if task is not None and task.strip().lower() not in tasks:
        raise UnknownNameError("bench task", task, tasks)
    names = [task.strip().lower()] if task is not None else list(tasks)
    folder = Path(tables) if tables is not None else default_tables()
    if tables is not None and not folder.is_dir():
        raise InputError(f"{spelled('tables', value=repr(str(tables)))}: no such folder")
    started, scored = time.perf_counter(), []
    for index, name in enumerate(names):
        if on_task is not None:
            on_task(name, index, len(names))
        spec = tasks[name]
        frame, where = _read_task_table(spec, folder)
        if frame is None:
            if task is not None:
                raise InputError(f"task {name}: table {where!r} not found; give the folder of the SLDBench "
                                 f"tables with {spelled('tables', value='DIR')}")
            scored.append(TaskScore(name, spec["title"], spec["source"], where, 0, 0, spec.get("reported"),
                                    skipped=f"no table {spec['table']} in {folder}"))
            continue
        _check_columns(frame, spec, where)
        test = _test_mask(frame, spec, where)
        if not test.any() or test.all():
            raise InputError(f"{where}: task {name} needs both train and test rows, found "
                             f"{int((~test).sum())} train and {int(test.sum())} test")
        laws = tuple(_score_law(frame, test, spec, law, objective) for law in spec["laws"])
        scored.append(TaskScore(name, spec["title"], spec["source"], where, int((~test).sum()), int(test.sum()),
                                spec.get("reported"), laws))
    return BenchResult(tuple(scored), str(folder), objective, time.perf_counter() - started)
