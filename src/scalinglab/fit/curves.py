"""Learning curves: a long table of curves (one column names the curve), each fitted on its own.

For every curve the one-variable families are candidates: a power law, a saturating power law, and
broken power laws with 1, 2 or 3 breaks (Caballero et al. 2023, arXiv:2210.14891, eq. 1:
y = a + b x^-c0 prod_i (1 + (x / d_i)^(1 / f_i))^(-c_i f_i)). The choice is nested: each candidate is
fitted to the curve's training points less their last quarter and scored there (the selection
MAPE); the simplest within one standard error of the best is refitted on all training points and scored on the held-out points, which the
choice never saw (the held-out MAPE; a choice made on the held-out points would report about half
the honest error). Extra breaks must earn their place on points they were not fitted to. The
held-out points are given by a column and the value that marks them (``holdout_col`` and
``holdout_value``; without a value true, 1, yes, test, holdout or val), by a column marking the
training rows (``train_col``, ``train_value``), by a threshold on x (``holdout_above``), or by
default the last quarter of each curve's points; a note counts each side and a warning says when
the held-out points lie below the fitted ones (a column that means the opposite).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

import numpy as np
import pandas as pd

from ..errors import InputError
from ..filters import Filter, as_filter
from ..laws import BrokenPowerLaw
from ..laws.base import ParamSpec
from ..options import spelled
from .estimators import estimate
from .models import BrokenPowerModel, make_model
from .objectives import Objective
from .runs import bad_numbers, filter_frame, flag_column, read_frame, reduce_duplicates

__all__ = ["CurveFits", "fit_curves", "MultiBreakModel", "CANDIDATES"]

CANDIDATES = ("power", "saturating-power", "broken-1", "broken-2", "broken-3")
_HELD = {"true", "1", "yes", "test", "holdout", "held-out", "heldout", "val", "valid", "validation"}


class MultiBreakModel(BrokenPowerModel):
    """The broken power law with ``breaks`` breaks, in log form (numerical Jacobian)."""

    refine = 12

    def __init__(self, breaks: int = 2, x: str = "c", base_theta=None):
        super().__init__(x)
        self.breaks = breaks
        self.base_theta = None if base_theta is None else np.asarray(base_theta, dtype=float)
        specs = list(self.specs[:3])
        for i in range(1, breaks + 1):
            specs += [ParamSpec(f"c{i}", -5.0, 5.0, (-0.3, 0.0, 0.3), False, f"change of exponent at break {i}"),
                      ParamSpec(f"d{i}", 0.0, np.inf, (), True, f"break {i} location"),
                      ParamSpec(f"f{i}", 1e-3, 1e3, (np.log(0.1), np.log(0.5), 0.0), True, f"sharpness of break {i}")]
        self.specs = tuple(specs)

    def grid(self, data):
        return self.extra_starts(data, None)

    def extra_starts(self, data, y, fit=None):
        """Each start adds the last break at a quantile of log x to the fit with one break fewer."""
        lx = data["lx"]
        base = self.base_theta
        if base is None:
            return super().grid(data)[:, :6] if self.breaks == 1 else np.empty((0, len(self.specs)))
        starts = [list(base) + [c, ld, lf] for c, ld, lf in product((-0.5, -0.2, 0.2, 0.5),
                                                                    np.quantile(lx, [0.15, 0.35, 0.5, 0.65, 0.85]),
                                                                    (np.log(0.1), np.log(0.5), 0.0))]
        return np.array(starts)

    def to_law(self, theta):
        theta = np.asarray(theta, dtype=float).ravel()
        cs = tuple(float(theta[3 + 3 * i]) for i in range(self.breaks))
        ds = tuple(float(np.exp(theta[4 + 3 * i])) for i in range(self.breaks))
        fs = tuple(float(np.exp(theta[5 + 3 * i])) for i in range(self.breaks))
        return BrokenPowerLaw(float(np.exp(theta[0])), float(np.exp(theta[1])), float(theta[2]), cs, ds, fs)

    def params(self, theta):
        theta = np.asarray(theta, dtype=float).ravel()
        out = {"a": float(np.exp(theta[0])), "b": float(np.exp(theta[1])), "c0": float(theta[2])}
        for i in range(self.breaks):
            out.update({f"c{i + 1}": float(theta[3 + 3 * i]), f"d{i + 1}": float(np.exp(theta[4 + 3 * i])),
                        f"f{i + 1}": float(np.exp(theta[5 + 3 * i]))})
        return out


@dataclass(frozen=True)
class CurveFits:
    """Per curve: every candidate's held-out error, the chosen family and its parameters."""

    source: str
    curve_col: str
    x_col: str
    holdout: str
    curves: list[dict]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"source": self.source, "curve_column": self.curve_col, "x_column": self.x_col,
                "holdout": self.holdout, "candidates": list(CANDIDATES), "curves": [dict(c) for c in self.curves],
                "notes": list(self.notes), "warnings": list(self.warnings)}

    def headline(self) -> str:
        return f"{len(self.curves)} curves"

    def to_frame(self) -> pd.DataFrame:
        """One row per curve, nested keys flattened (``params.E``)."""
        return pd.json_normalize([dict(c) for c in self.curves])

    def report(self):
        from rich.console import Group
        from rich.text import Text

        from .._table import rich_table

        columns = ["curve", "points (fit / held out)", "chosen", "held-out MAPE %",
                   *[f"{c} (selection) %" for c in CANDIDATES]]
        rows = []
        for c in self.curves:
            scores = {s["family"]: s for s in c["candidates"]}
            rows.append([c["curve"], f"{c['train_points']} / {c['holdout_points']}", c["chosen"],
                         "-" if c["holdout_mape"] is None else f"{c['holdout_mape']:.3f}"]
                        + ["-" if scores.get(k, {}).get("selection_mape") is None else
                           f"{scores[k]['selection_mape']:.3f}" for k in CANDIDATES])
        parts = [rich_table(f"Learning curves of {self.source} (held out: {self.holdout})", columns, rows)]
        parts += [Text(f"note: {n}") for n in self.notes]
        parts += [Text(f"warning: {w}", style="yellow") for w in self.warnings]
        return Group(*parts)


def _marks(values, wanted) -> np.ndarray:
    """Rows whose value equals ``wanted`` (numbers compared as numbers), or, with None, reads as true."""
    text = np.array([str(v).strip().lower() for v in values])
    if wanted is None:
        return np.isin(text, list(_HELD))
    try:
        number = float(wanted)
    except (TypeError, ValueError):
        return text == str(wanted).strip().lower()
    numeric = pd.to_numeric(pd.Series(list(values)), errors="coerce").to_numpy(dtype=float)
    return numeric == number


def _fit_candidate(name: str, lx: np.ndarray, y: np.ndarray, base_theta=None):
    """(model, fit) of a candidate, or (model, None) when it has as many parameters as distinct x."""
    if name == "broken-1":  # the one-break family, with its own wide start grid (its best 48 refined)
        model = make_model("broken-power")
        model.refine = 48
    elif name.startswith("broken-"):
        model = MultiBreakModel(int(name.split("-")[1]), base_theta=base_theta)
    else:
        model = make_model(name)
    if len(np.unique(lx)) <= len(model.specs):
        return model, None
    with np.errstate(all="ignore"):
        fit = estimate(model, Objective("squares"), {"lx": lx}, y, "fast")
    params = model.params(fit.theta)
    if not all(np.isfinite(v) for v in params.values()):
        return model, None
    return model, fit


def _errors(model, fit, lx: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """Absolute percentage errors of the loss at each point."""
    with np.errstate(all="ignore"):
        pred = np.exp(model.predict(fit.theta[None, :], {"lx": lx})[0])
    return 100 * np.abs(pred - loss) / loss


def _mape(errors: np.ndarray) -> float | None:
    value = float(np.mean(errors))
    return value if np.isfinite(value) else None


def _choose(inner: list[dict]) -> str:
    """The simplest candidate within one standard error of the lowest selection MAPE (the one-standard-error
    rule: Breiman et al. 1984; Hastie, Tibshirani and Friedman 2009, section 7.10), the candidates being
    ordered from the fewest parameters."""
    scored = [c for c in inner if c["mape"] is not None]
    if not scored:
        return "power"
    best = min(scored, key=lambda c: c["mape"])
    errors = best["errors"]
    limit = best["mape"] + (float(np.std(errors, ddof=1) / np.sqrt(errors.size)) if errors.size > 1 else 0.0)
    return next(c["family"] for c in scored if c["mape"] <= limit)


def _fit_all(lx: np.ndarray, loss: np.ndarray, score_lx: np.ndarray, score_loss: np.ndarray) -> list[dict]:
    """Every candidate fitted to (lx, loss) and scored on the score points; each broken law starts from
    the previous candidate's fit plus a break."""
    out, base = [], None
    for cand in CANDIDATES:
        model, fit = _fit_candidate(cand, lx, np.log(loss), base)
        if fit is None:
            out.append({"family": cand, "mape": None, "note": "too few distinct points or a diverged fit"})
            continue
        if cand.startswith("broken-") or cand == "saturating-power":
            base = fit.theta
        errors = _errors(model, fit, score_lx, score_loss)
        out.append({"family": cand, "mape": _mape(errors), "errors": errors,
                    "train_mape": _mape(_errors(model, fit, lx, loss)), "params": model.params(fit.theta)})
    return out


def _validation_split(x: np.ndarray) -> np.ndarray:
    """Inner validation points of a curve's training points: its last quarter of distinct x (at least one)."""
    distinct = np.unique(x)
    cut = distinct[len(distinct) - max(1, len(distinct) // 4)]
    return x >= cut


def fit_curves(runs, *, curve_col: str, x_col: str, loss_col: str = "loss", holdout_col: str | None = None,
               holdout_value=None, train_col: str | None = None, train_value=None,
               holdout_above: float | None = None, where: str | Filter | None = None,
               duplicates: str = "keep") -> CurveFits:
    """Fit every curve of a long table and choose its family on its training points only (see the module doc).

    Held-out points: rows of ``holdout_col`` equal to ``holdout_value`` (without one: true, 1, yes,
    test, holdout, val), rows of ``train_col`` not equal to ``train_value`` (without one: not true),
    x above ``holdout_above``, or each curve's last quarter. ``duplicates``: rows repeating a (curve,
    x) pair are kept (noted), averaged (mean), reduced to the lowest loss (min) or refused (error).
    """
    where = as_filter(where)
    frame, name, _ = read_frame(runs)
    have = ", ".join(repr(str(c)) for c in frame.columns)
    for option, col in (("curve_col", curve_col), ("x_col", x_col), ("loss_col", loss_col),
                        ("holdout_col", holdout_col), ("train_col", train_col)):
        if col is not None and col not in frame.columns:
            raise InputError(f"{name}: {spelled(option, value=repr(col))} is not a column (columns: {have})")
    frame = filter_frame(frame, name, where)
    if frame.empty:
        raise InputError(f"{name}: no rows to fit" + (f" ({where.label} kept none)" if where else ""))
    rows = frame.index.to_numpy()
    problems: list[str] = []
    for col in (x_col, loss_col):
        v, masks = bad_numbers(frame[col])
        for noun, mask in masks.items():
            flag_column(problems, col, mask, noun, rows, frame[col].to_numpy() if noun == "non-numeric value" else None)
        frame[col] = v
    if problems:
        raise InputError(f"{name}: " + "; ".join(problems))
    notes: list[str] = []
    frame = reduce_duplicates(frame, name, [curve_col, x_col], loss_col, duplicates, notes)
    x_all, loss_all = frame[x_col].to_numpy(dtype=float), frame[loss_col].to_numpy(dtype=float)
    if holdout_col is not None:
        held_all = _marks(frame[holdout_col], holdout_value)
        shown = "a true mark" if holdout_value is None else f"{holdout_value!r}"
        holdout = f"rows of {holdout_col!r} equal to {shown}"
    elif train_col is not None:
        held_all = ~_marks(frame[train_col], train_value)
        shown = "a true mark" if train_value is None else f"{train_value!r}"
        holdout = f"rows of {train_col!r} other than {shown} (the mark of a training row)"
    elif holdout_above is not None:
        held_all, holdout = x_all > float(holdout_above), f"{x_col} > {float(holdout_above):.4g}"
    else:
        held_all, holdout = None, "the last quarter of each curve's points"
    curves, backwards = [], []
    for key, part in frame.groupby(curve_col, sort=False):
        idx = frame.index.get_indexer(part.index)
        order = np.argsort(x_all[idx], kind="stable")
        idx = idx[order]
        x, loss = x_all[idx], loss_all[idx]
        if held_all is None:
            held = np.zeros(len(x), dtype=bool)
            held[len(x) - max(1, len(x) // 4):] = True
        else:
            held = held_all[idx]
        train = ~held
        if len(np.unique(x[train])) < 4 or held.sum() == 0:
            raise InputError(f"{name}: curve {key!r} has {len(np.unique(x[train]))} distinct points to fit and "
                             f"{int(held.sum())} held out; each curve needs at least 4 and 1")
        if np.median(x[held]) < np.median(x[train]):
            backwards.append(str(key))
        lx = np.log(x)
        valid = _validation_split(x[train])
        inner = _fit_all(lx[train][~valid], loss[train][~valid], lx[train][valid], loss[train][valid])
        outer = _fit_all(lx[train], loss[train], lx[held], loss[held])
        chosen = _choose(inner)
        final = next(c for c in outer if c["family"] == chosen)
        if final["mape"] is None:
            final = next(c for c in outer if c["family"] == "power")
        candidates = [{"family": o["family"], "selection_mape": i["mape"], "holdout_mape": o["mape"],
                       **({"train_mape": o["train_mape"], "params": o["params"]} if "params" in o else
                          {"note": o["note"]})} for i, o in zip(inner, outer)]
        curves.append({"curve": str(key), "points": int(len(x)), "train_points": int(train.sum()),
                       "holdout_points": int(held.sum()), "validation_points": int(valid.sum()),
                       "chosen": final["family"], "params": final["params"], "holdout_mape": final["mape"],
                       "candidates": candidates})
    n_held = int(sum(c["holdout_points"] for c in curves))
    notes.append(f"held out: {holdout}: {n_held} rows; fitted: {len(frame) - n_held} rows")
    notes.append("each candidate is fitted by least squares on log loss; the family is chosen by its error on the "
                 "last quarter of each curve's training points (fitted without them), then refitted on all training "
                 "points; the held-out MAPE is on points the choice never saw")
    warnings = []
    if backwards:
        warnings.append(f"the held-out points lie below the fitted ones on {len(backwards)} of {len(curves)} curves "
                        f"({', '.join(backwards[:5])}): if the column marks training rows, use {spelled('train_col')} "
                        f"(or {spelled('holdout_value')} with the value that means held out)")
    return CurveFits(name, curve_col, x_col, holdout, curves, notes, warnings)
