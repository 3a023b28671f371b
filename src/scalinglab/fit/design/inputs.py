"""Where runs could go and where the law must be right: candidate grids and tables, target regions, costs.

A grid is written ``"N=10M..1B:12,D=1B..100B:12"``: for each input a range ``lo..hi`` with a count of
log-spaced values (``:12``; a single value needs none), the candidates being every combination. A
target is written the same way (``"C=1e22..1e24"``, 9 values unless a count is given); a target in C
alone for a law of N and D means the compute-optimal allocations of the current fit at those budgets.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ...errors import InputError
from ...options import spelled
from ...units import parse_quantity
from ..runs import Runs, rows_text, load_runs, read_frame

__all__ = ["formula_costs", "parse_ranges", "grid_runs", "table_runs", "target_runs", "INPUT_NAMES", "TARGET_POINTS"]

#: Input letters accepted in grids and targets -> the runs field they set.
INPUT_NAMES = {"n": "n", "d": "d", "c": "c", "u": "u"}
_LABELS = {"n": "N (parameters)", "d": "D (tokens)", "c": "C (FLOP)", "u": "U (unique tokens)"}
TARGET_POINTS = 9
MAX_GRID = 100_000


def _key(name: str, flag: str, part: str, names: tuple[str, ...] | None) -> str:
    """The field (n, d, c, u) of a built-in law's input letter, or a formula's own input name."""
    if names is None:
        key = name.lower()
        if key in INPUT_NAMES:
            return key
        raise InputError(f"{flag} {part!r}: write NAME=lo..hi:count with NAME one of N, D, C, U")
    if name in names:
        return name
    folded = [n for n in names if n.lower() == name.lower()]
    if len(folded) == 1:
        return folded[0]
    raise InputError(f"{flag} {part!r}: {name!r} is not an input of the formula (its inputs: {', '.join(names)})")


def parse_ranges(text: str, flag: str, default_count: int, names: tuple[str, ...] | None = None
                 ) -> dict[str, np.ndarray]:
    """``"N=10M..1B:12,D=1B..100B:12"`` -> {"n": 12 log-spaced values, "d": ...}; for a formula law
    (``names``: its inputs) the keys are the formula's own names."""
    out: dict[str, np.ndarray] = {}
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    if not parts:
        raise InputError(f"{flag} is empty; write e.g. {flag} \"N=10M..1B:12,D=1B..100B:12\"")
    for part in parts:
        name, eq, spec = part.partition("=")
        if not eq:
            raise InputError(f"{flag} {part!r}: write NAME=lo..hi:count, e.g. N=10M..1B:12")
        key = _key(name.strip(), flag, part, names)
        if key in out:
            raise InputError(f"{flag}: {name.strip()} is given twice")
        spec, colon, count_text = spec.partition(":")
        lo_text, dots, hi_text = spec.partition("..")
        what = f"{flag} {name.strip()}"
        lo = parse_quantity(lo_text.strip(), what=what)
        hi = parse_quantity(hi_text.strip(), what=what) if dots else lo
        if not (lo > 0 and hi > 0):
            raise InputError(f"{what}: values must be positive, got {part.split('=', 1)[1].strip()!r}")
        if hi < lo:
            raise InputError(f"{what}: the range {lo:g}..{hi:g} runs backwards")
        count = 1 if hi == lo else default_count
        if colon:
            try:
                count = int(count_text.strip())
            except ValueError:
                raise InputError(f"{what}: the count {count_text.strip()!r} is not a whole number") from None
            if count < 1 or (count == 1 and hi != lo):
                raise InputError(f"{what}: a range needs a count of at least 2, got {count}")
        out[key] = np.geomspace(lo, hi, count)
    return out


def _product(axes: dict[str, np.ndarray], flag: str) -> dict[str, np.ndarray]:
    size = int(np.prod([len(v) for v in axes.values()]))
    if size > MAX_GRID:
        raise InputError(f"{flag} makes {size:,} points; at most {MAX_GRID:,}")
    mesh = np.meshgrid(*axes.values(), indexing="ij")
    return {key: m.ravel() for key, m in zip(axes, mesh)}


def _as_runs(values: dict[str, np.ndarray], source: str, k: float, names: tuple[str, ...] | None = None) -> Runs:
    """Input arrays as ``Runs`` (loss unknown: NaN), D = C / (k N) or C = k N D filled in when possible;
    a formula's inputs (``names``) go to ``Runs.inputs``, those named N, D, C, U to the fields too."""
    inputs = {} if names is None else {name: values[name] for name in names if name in values}
    if names is not None:
        values = {key.lower(): inputs[key] for key in ("N", "D", "C", "U") if key in inputs}
    n, d, c = values.get("n"), values.get("d"), values.get("c")
    if n is not None and d is None and c is not None:
        d = c / (k * n)
    if n is not None and d is not None and c is None:
        c = k * n * d
    size = len(next(iter((inputs or values).values())))
    return Runs(source=source, loss=np.full(size, np.nan), rows=np.arange(1, size + 1), n=n, d=d, c=c,
                u=values.get("u"), flops_per_param_token=k, inputs=inputs)


def grid_runs(text: str, k: float, names: tuple[str, ...] | None = None) -> Runs:
    """The candidate runs of a ``--grid`` text (``names``: a formula law's inputs)."""
    return _as_runs(_product(parse_ranges(text, spelled("grid"), 12, names), spelled("grid")), spelled("grid"), k, names)


def table_runs(source, k: float, flag: str, variables: dict | None = None) -> tuple[Runs, np.ndarray | None]:
    """(runs read from a table without losses, its 'cost' column when it has one); ``variables``: a formula
    law's inputs (name -> column)."""
    frame, name, _ = read_frame(source)
    if len(frame) == 0:
        raise InputError(f"{flag} {name}: the table has no rows")
    lookup = {str(c).strip().lower(): c for c in frame.columns}
    runs = load_runs(frame, name=name, flops_per_param_token=k, require_loss=False, inputs=variables)
    cost = None
    if "cost" in lookup:
        import pandas as pd

        cost = pd.to_numeric(frame[lookup["cost"]], errors="coerce").to_numpy(dtype=float)
        bad = ~(np.isfinite(cost) & (cost > 0))
        if bad.any():
            count = int(bad.sum())
            raise InputError(f"{flag} {name}: column {lookup['cost']!r} has {count} non-positive or unreadable "
                             f"cost{'s' if count > 1 else ''} ({rows_text(np.flatnonzero(bad) + 1)})")
    return replace(runs, loss=np.full(len(runs), np.nan)), cost


def formula_costs(text: str, runs: Runs) -> np.ndarray:
    """Each run's cost from a ``--cost`` formula of N, D, C, U (our own grammar: ``laws.formula``, no eval)."""
    from ...laws.formula import evaluate, names, parse

    expr = parse(text)
    env = {key.upper(): getattr(runs, key) for key in ("n", "d", "c", "u") if getattr(runs, key) is not None}
    env.update(runs.inputs)
    missing = [name for name in names(expr) if name not in env]
    if missing:
        raise InputError(f"{spelled('cost')} {text!r}: the candidates have no {', '.join(missing)} (they have "
                         f"{', '.join(env) or 'no inputs'})")
    with np.errstate(all="ignore"):
        return np.broadcast_to(evaluate(expr, env), (len(runs),)).astype(float)


def target_runs(text: str, inputs: tuple[str, ...], k: float, law=None, names: tuple[str, ...] | None = None
                ) -> Runs:
    """Target points of a ``--target`` text for a law of ``inputs`` (fields; or a formula's ``names``);
    C alone, for a built-in law of N and D, means the compute-optimal runs of ``law``."""
    axes = parse_ranges(text, spelled("target"), TARGET_POINTS, names)
    if names is not None:
        missing = [name for name in names if name not in axes]
        if missing:
            raise InputError(f"{spelled('target')} {text!r} leaves out {', '.join(missing)}; the formula's inputs are "
                             f"{', '.join(names)}")
        return _as_runs(_product(axes, spelled("target")), spelled("target"), k, names)
    outside = [key for key in axes if key not in inputs and not (key == "c" and set(inputs) >= {"n", "d"})]
    if outside:
        shown = ", ".join(key.upper() for key in outside)
        raise InputError(f"{spelled('target')} {text!r}: {shown} is not an input of this law (its inputs: "
                         f"{', '.join(i.upper() for i in inputs)})")
    values = _product(axes, spelled("target"))
    if "c" in values and set(inputs) >= {"n", "d"} and not {"n", "d"} & set(values):
        from ...plan import compute_optimal

        plan = compute_optimal(law, values["c"], flops_per_param_token=k)
        values.update(n=np.asarray(plan.n_params, dtype=float), d=np.asarray(plan.n_tokens, dtype=float))
    missing = [key for key in inputs if key not in values and not (key == "d" and "c" in values)]
    if missing:
        raise InputError(f"{spelled('target')} {text!r} leaves out {', '.join(_LABELS[m] for m in missing)}; "
                         f"the law needs {', '.join(i.upper() for i in inputs)}")
    return _as_runs(values, spelled("target"), k)
