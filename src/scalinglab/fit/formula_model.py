"""A law written as a formula, as a fitting model: the ``FitModel`` protocol on symbolic derivatives.

``FormulaModel(family, space)`` fits a ``laws.formula_law.FormulaFamily``. Its coordinates are the free
parameters, log-scale ones as their logarithms (p = exp(t)). The prediction is

    log f(x; p)   (``space="log"``: residuals in log loss, as every built-in family; targets > 0)
    f(x; p)       (``space="target"``: residuals in the target's own units; any sign)

and its gradient and Hessian in the coordinates come from differentiating that tree symbolically
(``laws.formula.derivative``), never from finite differences. Before compiling, powers of the data
are written exp(p log x) and every part that depends on the data alone (log N, N / D, ...) is
computed once per table by ``data`` (``laws.formula.hoist``), so a fit's inner loop evaluates only
what moves with the parameters. ``predict``, ``jacobian``, ``value_grad`` and ``value_grad_hess``
take K parameter vectors (K, p) and return (K, n) arrays as every ``FitModel`` does, so the fast
and Hoffmann estimators, the bootstrap, profiles, identifiability, backtests and calibration apply
unchanged.

Starts: the product of the parameters' start grids (a seeded subset of ``MAX_STARTS`` when larger),
plus, when the formula is a sum of terms each linear in one coefficient (``L + A / N^a + B / D^b``),
variable-projection starts: for each point of the other parameters' grid, the coefficients by
(weighted) linear least squares, as the Chinchilla model does (Hoffmann et al. 2022, section D.2).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from ..errors import InputError
from ..laws.formula import Expr, Program, call, derivative, hoist, names, number, power_as_exp, substitute, \
    to_text, variable
from ..laws.formula_law import FormulaFamily, FormulaLaw, formula_option
from ..options import spelled
from .models import FitModel
from .runs import Runs, rows_text

__all__ = ["FormulaModel", "SPACES", "MAX_STARTS"]

SPACES = ("log", "target")
MAX_STARTS = 4096
"""Most grid starts evaluated (a seeded subset of the full product beyond this)."""
_HESSIAN_MAX_PARAMS = 12
_BLOCK = 1 << 15


def _weighted_sum(psi: np.ndarray, values) -> np.ndarray:
    """sum_n psi_kn values_kn for values of shape (K, n), (K, 1), (n,) or a number."""
    values = np.asarray(values)
    if values.ndim == 2 and values.shape == psi.shape:
        return np.einsum("kn,kn->k", psi, values)
    if values.ndim == 2 and values.shape[1] == 1:
        return psi.sum(axis=-1) * values[:, 0]
    if values.ndim == 1:
        return psi @ values
    return psi.sum(axis=-1) * values


def _coordinate(j: int) -> str:
    return f"#{j}"


class FormulaModel(FitModel):
    """A ``FormulaFamily`` prepared for fitting (see the module docstring)."""

    family, law_class = "formula", FormulaLaw

    def __init__(self, family: FormulaFamily, space: str = "log"):
        if space not in SPACES:
            raise InputError(f"space must be one of {', '.join(SPACES)}, got {space!r}")
        super().__init__(family.specs)
        self.formula = family
        self.space = space
        self.response = "log" if space == "log" else "linear"
        self.has_hessian = len(self.specs) <= _HESSIAN_MAX_PARAMS

    # ---------------------------------------------------------------- trees and compiled programs
    @cached_property
    def _trees(self) -> tuple[Expr, list[Expr], list[tuple[int, int, Expr]]]:
        """(f, its gradient, its non-zero upper-triangle second derivatives (i, j, tree)) in the coordinates."""
        coords = {s.name: call("exp", variable(_coordinate(j))) if s.log_scale else variable(_coordinate(j))
                  for j, s in enumerate(self.specs)}
        f = substitute(power_as_exp(self.formula.tree, self.formula.inputs), coords)
        p = len(self.specs)
        grad = [derivative(f, _coordinate(j)) for j in range(p)]
        hess = []
        if self.has_hessian:
            for i in range(p):
                for j in range(i, p):
                    second = derivative(grad[i], _coordinate(j))
                    if not (second.op == "num" and second.value == 0):
                        hess.append((i, j, second))
        return f, grad, hess

    @cached_property
    def _compiled(self) -> tuple[Program, Program, Program | None, dict[str, Expr]]:
        f, grad, hess = self._trees
        outputs, parts = hoist([f, *grad, *(h for _, _, h in hess)], self.formula.inputs)
        p = len(grad)
        return (Program(outputs[:1]), Program(outputs[:1 + p]), Program(outputs) if self.has_hessian else None,
                parts)

    # ---------------------------------------------------------------------------------- data
    def data(self, runs: Runs) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """(input arrays and the data-only parts of the formula, observed target in the model's space)."""
        runs.require(("loss",), "fitting the formula")
        y = runs.loss.astype(float)
        if self.space == "log":
            bad = ~(y > 0)
            if bad.any():
                raise InputError(f"{runs.source}: column {runs.column('loss')!r} has {int(bad.sum())} non-positive "
                                 f"values ({rows_text(runs.rows[bad])}); a log-space fit needs positive targets "
                                 f"({spelled('objective', value='target-huber')} fits in the target's own units)")
            y = np.log(y)
        return self._data(runs), y

    def input_values(self, runs: Runs) -> dict[str, np.ndarray]:
        """The formula's inputs of ``runs`` by name, or an InputError naming those the runs lack."""
        missing = [n for n in self.formula.inputs if n not in runs.inputs]
        if missing:
            raise InputError(f"{runs.source}: no values for the formula's input {', '.join(missing)} "
                             f"({formula_option('variables')})")
        return {n: np.asarray(runs.inputs[n], dtype=float) for n in self.formula.inputs}

    def _data(self, runs: Runs) -> dict[str, np.ndarray]:
        data = self.input_values(runs)
        parts = self._compiled[3]
        if parts:
            values = Program(list(parts.values()))(data)
            for (name, tree), value in zip(parts.items(), values):
                value = np.broadcast_to(np.asarray(value, dtype=float), (len(runs),))
                bad = np.isnan(value)
                if bad.any():
                    raise InputError(f"{runs.source}: the formula needs {to_text(tree)!r} of the inputs alone, which is "
                                     f"not a number at {rows_text(runs.rows[bad])} (a fitted power or log needs a "
                                     f"positive base there); check the inputs")
                data[name] = np.ascontiguousarray(value)
        return data

    # ------------------------------------------------------------------------------ evaluation
    def _env(self, theta: np.ndarray, data: dict) -> dict:
        theta = np.atleast_2d(theta)
        env = dict(data)
        for j in range(theta.shape[1]):
            env[_coordinate(j)] = theta[:, j:j + 1]
        return env

    @staticmethod
    def _shape(theta, data) -> tuple[int, int]:
        n = np.shape(next(iter(data.values())))[-1] if data else 1  # data may hold one row per problem (K, n)
        return len(np.atleast_2d(theta)), n

    def _blocks(self, theta, data, y=None):
        """(theta, data, y) in blocks of at most ``_BLOCK`` residuals: numpy is many times faster on arrays
        that stay in cache than on fresh multi-megabyte temporaries."""
        theta = np.atleast_2d(theta)
        k, n = self._shape(theta, data)
        step = max(1, _BLOCK // max(n, 1))
        for i in range(0, k, step):
            rows = slice(i, i + step)
            yield (theta[rows], {name: v[rows] if np.ndim(v) == 2 else v for name, v in data.items()},
                   None if y is None else (y[rows] if np.ndim(y) == 2 else y))

    def _response(self, f):
        """log f in log space (where f > 0), f itself in target space."""
        if self.space != "log":
            return f
        with np.errstate(all="ignore"):
            return np.log(f)

    def _first(self, theta, data, program: int):
        """(shape, prediction, Jacobian columns J_j = d pred / d theta_j, f, outputs) of one block."""
        outputs = self._compiled[program](self._env(theta, data))
        shape = self._shape(theta, data)
        f = np.broadcast_to(outputs[0], shape)
        p = len(self.specs)
        if self.space == "log":
            with np.errstate(all="ignore"):
                inverse = 1.0 / f
            columns = [np.broadcast_to(g, shape) * inverse for g in outputs[1:1 + p]]
        else:
            columns = [np.broadcast_to(g, shape) for g in outputs[1:1 + p]]
        return shape, self._response(f), columns, f, outputs

    def predict(self, theta, data):
        shape = self._shape(theta, data)
        if not shape[0]:
            return np.empty(shape)
        return np.concatenate([self._response(np.broadcast_to(self._compiled[0](self._env(t, d))[0],
                                                              self._shape(t, d)))
                               for t, d, _ in self._blocks(theta, data)])

    def jacobian(self, theta, data):
        return np.concatenate([np.stack(self._first(t, d, 1)[2], axis=-1) for t, d, _ in self._blocks(theta, data)])

    def value_grad(self, theta, data, y, objective):
        values, grads = [], []
        for t, d, yy in self._blocks(theta, data, y):
            _, pred, columns, _, _ = self._first(t, d, 1)
            value, psi = objective.value_and_psi(pred - yy)
            values.append(value)
            grads.append(np.stack([np.einsum("kn,kn->k", psi, c) for c in columns], axis=-1))
        return np.concatenate(values), np.concatenate(grads)

    def value_grad_hess(self, theta, data, y, objective):
        """Objective, gradient and exact Hessian by the chain rule from f's own derivatives f_i, f_ij:

            target space (pred = f):     H = sum psi' J J^T + psi f_ij
            log space (pred = log f):    H = sum (psi' - psi) J J^T + (psi / f) f_ij,   J = f_i / f

        f_ij is non-zero for few pairs in a sum of terms, so only those are computed.
        """
        if not self.has_hessian:
            raise NotImplementedError(f"no Hessian for formulas of more than {_HESSIAN_MAX_PARAMS} parameters")
        parts = [self._value_grad_hess(t, d, yy, objective) for t, d, yy in self._blocks(theta, data, y)]
        return tuple(np.concatenate([part[i] for part in parts]) for i in range(3))

    def _value_grad_hess(self, theta, data, y, objective):
        shape, pred, columns, f, outputs = self._first(theta, data, 2)
        r = pred - y
        value, psi = objective.value_and_psi(r)
        jac = np.stack(columns, axis=1)  # (K, p, n)
        grad = np.einsum("kpn,kn->kp", jac, psi)
        curvature = objective.psi_prime(r)
        if self.space == "log":
            curvature = curvature - psi
            with np.errstate(all="ignore"):
                psi = psi / f
        hess = np.einsum("kpn,kqn->kpq", jac * curvature[:, None, :], jac)  # no BLAS threads for tiny products
        for (i, j, _), second in zip(self._trees[2], outputs[1 + len(columns):]):
            extra = _weighted_sum(psi, second)
            hess[:, i, j] += extra
            if i != j:
                hess[:, j, i] += extra
        return value, grad, hess

    # ----------------------------------------------------------------------------------- starts
    def grid(self, data):
        """The product of the start grids, or a seeded subset of ``MAX_STARTS`` of it (same every call)."""
        axes = [np.asarray(s.grid, dtype=float) for s in self.specs]
        total = int(np.prod([len(a) for a in axes], dtype=float))
        if total <= MAX_STARTS:
            return super().grid(data)
        rng = np.random.default_rng(0)
        return np.column_stack([a[rng.integers(0, len(a), MAX_STARTS)] for a in axes])

    def extra_starts(self, data, y, fit=None):
        return _projection_starts(self, data, y)

    # ------------------------------------------------------------------------------- parameters
    def params(self, theta) -> dict[str, float]:
        theta = np.asarray(theta, dtype=float).ravel()
        return {s.name: float(np.exp(t)) if s.log_scale else float(t) for s, t in zip(self.specs, theta)}

    def to_law(self, theta) -> FormulaLaw:
        return self.formula.law(self.params(theta))

    def from_params(self, params: dict[str, float]) -> np.ndarray:
        return np.array([np.log(params[s.name]) if s.log_scale else params[s.name] for s in self.specs])


def _linear_terms(model: FormulaModel) -> list[tuple[int, Expr]] | None:
    """[(coefficient index, the term divided by its coefficient)] when the formula is a sum of terms each
    a log-scale coefficient times (or over) a factor free of the other coefficients; a lone additive
    parameter is a term with factor 1. None when the formula is not of that form."""
    tree = model.formula.tree
    terms, stack = [], [(tree, 1.0)]
    while stack:
        node, sign = stack.pop()
        if node.op in ("add", "sub"):
            stack.append((node.args[0], sign))
            stack.append((node.args[1], sign if node.op == "add" else -sign))
        else:
            terms.append((node, sign))
    index = {s.name: j for j, s in enumerate(model.specs)}
    out, used = [], set()
    for node, sign in terms:
        if sign < 0:
            return None
        if node.op == "name" and node.value in index:
            coefficient, factor = node.value, number(1.0)
        elif node.op in ("mul", "div") and node.args[0].op == "name" and node.args[0].value in index:
            coefficient = node.args[0].value
            factor = node.args[1] if node.op == "mul" else call("div", number(1.0), node.args[1])
        elif node.op == "mul" and node.args[1].op == "name" and node.args[1].value in index:
            coefficient, factor = node.args[1].value, node.args[0]
        else:
            return None
        j = index[coefficient]
        if j in used or coefficient in names(factor):
            return None
        used.add(j)
        out.append((j, factor))
    linear = {j for j, _ in out}
    if len(out) < 2 or any(set(names(f)) & {model.specs[j].name for j in linear} for _, f in out):
        return None
    return out


def _projection_starts(model: FormulaModel, data: dict, y: np.ndarray, per_axis: int = 12,
                       most: int = 2048, rows: int = 256) -> np.ndarray:
    """Variable-projection starts (module docstring); none when the formula is not a sum of linear terms.

    The other parameters run over ``per_axis`` values spanning each one's start grid (a seeded subset
    of ``most`` points of their product when larger); the coefficients are solved on at most ``rows``
    evenly spaced runs (they are starts: the fit itself uses every run), in cache-sized blocks.
    """
    p = len(model.specs)
    terms = _linear_terms(model)
    if terms is None:
        return np.empty((0, p))
    linear = [j for j, _ in terms]
    others = [j for j in range(p) if j not in linear]
    axes = []
    for j in others:
        grid = np.asarray(model.specs[j].grid, dtype=float)
        axes.append(np.linspace(grid.min(), grid.max(), per_axis) if len(grid) > 1 else grid)
    if float(np.prod([len(a) for a in axes], dtype=float)) <= most:
        mesh = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(others)) if others else np.empty((1, 0))
    else:  # a seeded sample of the product, never the product itself
        rng = np.random.default_rng(1)
        mesh = np.column_stack([a[rng.integers(0, len(a), most)] for a in axes])
    if len(y) > rows:
        pick = np.linspace(0, len(y) - 1, rows).round().astype(int)
        data, y = {name: v[pick] for name, v in data.items()}, y[pick]
    target = np.exp(y) if model.space == "log" else y
    weight = 1.0 / np.abs(target) if model.space == "log" else np.ones_like(target)
    program = Program([f for _, f in terms])
    n, coefs = len(y), []
    step = max(1, _BLOCK // max(n, 1))
    for start in range(0, len(mesh), step):
        block = mesh[start:start + step]
        env = {**{name: data[name] for name in model.formula.inputs}, **model.formula.fixed}
        for k, j in enumerate(others):
            spec = model.specs[j]
            env[spec.name] = np.exp(block[:, k:k + 1]) if spec.log_scale else block[:, k:k + 1]
        with np.errstate(all="ignore"):
            design = np.stack([np.broadcast_to(np.asarray(v, dtype=float), (len(block), n)) for v in program(env)],
                              axis=-1) * weight[None, :, None]
            lhs = np.einsum("gnm,gnk->gmk", design, design) + 1e-12 * np.eye(len(terms))
            rhs = np.einsum("gnm,n->gm", design, target * weight)
        ok = np.isfinite(lhs).all(axis=(1, 2)) & np.isfinite(rhs).all(axis=1)
        coef = np.full((len(block), len(terms)), np.nan)
        if ok.any():
            coef[ok] = np.linalg.solve(lhs[ok], rhs[ok][..., None])[..., 0]
        coefs.append(coef)
    coef = np.concatenate(coefs)
    starts = np.empty((len(mesh), p))
    starts[:, others] = mesh
    floor = 1e-3 * float(np.min(np.abs(target)))
    for k, j in enumerate(linear):
        spec = model.specs[j]
        value = np.clip(coef[:, k], spec.lower, spec.upper)
        starts[:, j] = np.log(np.maximum(value, max(floor, 1e-300))) if spec.log_scale else value
    return starts[np.isfinite(starts).all(axis=1)]
