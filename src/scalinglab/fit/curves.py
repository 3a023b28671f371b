"""Learning curves: a long table of curves (one column names the curve), each fitted on its own.

For every curve the one-variable families are fitted to its early points and scored on its held-out
points (MAPE of the loss): a power law, a saturating power law, and broken power laws with 1, 2 or
3 breaks (Caballero et al. 2023, arXiv:2210.14891, eq. 1:
y = a + b x^-c0 prod_i (1 + (x / d_i)^(1 / f_i))^(-c_i f_i)). The family with the lowest held-out
error is chosen, so extra breaks must earn their place on points they did not see. The held-out
points are given by a column (``holdout_col``: true, 1, yes, test, holdout or val mark them), by a
threshold on x (``holdout_above``), or by default the last quarter of each curve's points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product

import numpy as np

from ..errors import InputError
from ..filters import Filter, as_filter
from ..laws import BrokenPowerLaw
from ..laws.base import ParamSpec
from .estimators import estimate
from .models import BrokenPowerModel, make_model
from .objectives import Objective
from .runs import _bad_numbers, _flag, filter_frame, read_frame

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

    def to_dict(self) -> dict:
        return {"source": self.source, "curve_column": self.curve_col, "x_column": self.x_col,
                "holdout": self.holdout, "candidates": list(CANDIDATES), "curves": [dict(c) for c in self.curves],
                "notes": list(self.notes)}

    def report(self):
        from rich.console import Group
        from rich.text import Text

        from .._table import rich_table

        columns = ["curve", "points (fit / held out)", "chosen", *[f"{c} MAPE %" for c in CANDIDATES]]
        rows = []
        for c in self.curves:
            scores = {s["family"]: s for s in c["candidates"]}
            rows.append([c["curve"], f"{c['train_points']} / {c['holdout_points']}", c["chosen"]]
                        + ["-" if scores.get(k, {}).get("holdout_mape") is None else
                           f"{scores[k]['holdout_mape']:.3f}" for k in CANDIDATES])
        parts = [rich_table(f"Learning curves of {self.source} (held out: {self.holdout})", columns, rows)]
        parts += [Text(f"note: {n}") for n in self.notes]
        return Group(*parts)


def _held_mask(values) -> np.ndarray:
    return np.array([str(v).strip().lower() in _HELD for v in values])


def _fit_candidate(name: str, lx: np.ndarray, y: np.ndarray, base_theta=None):
    if name == "broken-1":  # the one-break family, with its own wide start grid (its best 48 refined)
        model = make_model("broken-power")
        model.refine = 48
    elif name.startswith("broken-"):
        model = MultiBreakModel(int(name.split("-")[1]), base_theta=base_theta)
    else:
        model = make_model(name)
    if len(y) <= len(model.specs):
        return model, None
    return model, estimate(model, Objective("squares"), {"lx": lx}, y, "fast")


def fit_curves(runs, *, curve_col: str, x_col: str, loss_col: str = "loss", holdout_col: str | None = None,
               holdout_above: float | None = None, where: str | Filter | None = None) -> CurveFits:
    """Fit every curve of a long table and choose its family by held-out error (see the module doc)."""
    where = as_filter(where)
    frame, name, _ = read_frame(runs)
    have = ", ".join(repr(str(c)) for c in frame.columns)
    for flag, col in (("--curve-col", curve_col), ("--x-col", x_col), ("--loss-col", loss_col),
                      ("--holdout-col", holdout_col)):
        if col is not None and col not in frame.columns:
            raise InputError(f"{name}: {flag} {col!r} is not a column (columns: {have})")
    if holdout_col is not None and holdout_above is not None:
        raise InputError("give --holdout-col or --holdout-above, not both")
    frame = filter_frame(frame, name, where)
    rows = frame.index.to_numpy()
    problems: list[str] = []
    values = {}
    for col in (x_col, loss_col):
        v, masks = _bad_numbers(frame[col])
        for noun, mask in masks.items():
            _flag(problems, col, mask, noun, rows, frame[col].to_numpy() if noun == "non-numeric value" else None)
        values[col] = v
    if problems:
        raise InputError(f"{name}: " + "; ".join(problems))
    if holdout_col is not None:
        held_all, holdout = _held_mask(frame[holdout_col]), f"rows marked in column {holdout_col!r}"
    elif holdout_above is not None:
        held_all, holdout = values[x_col] > float(holdout_above), f"{x_col} > {float(holdout_above):.4g}"
    else:
        held_all, holdout = None, "the last quarter of each curve's points"
    curves, notes = [], []
    for key, part in frame.groupby(curve_col, sort=False):
        idx = frame.index.get_indexer(part.index)
        x, loss = values[x_col][idx], values[loss_col][idx]
        order = np.argsort(x, kind="stable")
        idx, x, loss = idx[order], x[order], loss[order]
        if held_all is None:
            held = np.zeros(len(x), dtype=bool)
            held[len(x) - max(1, len(x) // 4):] = True
        else:
            held = held_all[idx]
        train = ~held
        if train.sum() < 4 or held.sum() == 0:
            raise InputError(f"{name}: curve {key!r} has {int(train.sum())} points to fit and {int(held.sum())} "
                             f"held out; each curve needs at least 4 and 1")
        lx, y = np.log(x), np.log(loss)
        scores, base, best = [], None, None
        for cand in CANDIDATES:
            model, fit = _fit_candidate(cand, lx[train], y[train], base)
            if fit is None:
                scores.append({"family": cand, "holdout_mape": None, "note": "too few points"})
                continue
            if cand.startswith("broken-") or cand == "saturating-power":
                base = fit.theta  # the next candidate starts from this one plus a break
            pred = np.exp(model.predict(fit.theta[None, :], {"lx": lx[held]})[0])
            mape = float(100 * np.mean(np.abs(pred - loss[held]) / loss[held]))
            train_mape = float(100 * np.mean(np.abs(np.exp(model.predict(fit.theta[None, :], {"lx": lx[train]})[0])
                                                    - loss[train]) / loss[train]))
            row = {"family": cand, "holdout_mape": mape, "train_mape": train_mape, "params": model.params(fit.theta)}
            scores.append(row)
            if best is None or mape < best["holdout_mape"]:
                best = row
        curves.append({"curve": str(key), "points": int(len(x)), "train_points": int(train.sum()),
                       "holdout_points": int(held.sum()), "chosen": best["family"], "params": best["params"],
                       "holdout_mape": best["holdout_mape"], "candidates": scores})
    notes.append("each candidate fitted by least squares on log loss to the points not held out; the lowest "
                 "held-out MAPE chooses")
    return CurveFits(name, curve_col, x_col, holdout, curves, notes)
