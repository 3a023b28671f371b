"""Each law family as a fitting model: coordinates, start grid, and its formula from ``laws`` adapted.

Positive parameters flagged ``log_scale`` in the law's ``PARAMS`` are fitted as their logarithms,
and each family's formula is written once, in ``laws``, in those coordinates (the Chinchilla law in
the log-sum-exp form of Hoffmann et al. 2022, section D.2). A model names the formula, the keys of
its data that are the formula's inputs, and, where ``laws`` has one, its analytic Jacobian; without
one the Jacobian is taken by central differences of the formula.

``predict(theta, data)`` takes K parameter vectors (K, p) and data arrays of shape (n,) or (K, n)
and returns (K, n) predictions of the response (log loss; accuracy for the sigmoid).
"""

from __future__ import annotations

from itertools import product

import numpy as np

from ..errors import InputError, UnknownNameError
from ..laws import (BrokenPowerLaw, ChinchillaLaw, DataConstrainedLaw, KaplanLaw, Law, PowerLaw,
                    SaturatingPowerLaw, SigmoidAccuracy)
from ..laws.base import ParamSpec
from ..laws.chinchilla import (chinchilla_exponentials, chinchilla_log_loss, chinchilla_log_loss_jacobian,
                               log_sum_exp3 as _lse3)
from ..laws.data_constrained import data_constrained_log_loss
from ..laws.kaplan import kaplan_log_loss, kaplan_log_loss_jacobian
from ..laws.power import (broken_power_log, power_log, power_log_jacobian, saturating_power_log,
                          saturating_power_log_jacobian)
from ..laws.sigmoid import sigmoid_accuracy, sigmoid_accuracy_jacobian
from .runs import Runs

__all__ = ["FitModel", "make_model", "FAMILIES_FITTABLE"]

FAMILIES_FITTABLE = ("chinchilla", "kaplan", "data-constrained", "power", "saturating-power", "broken-power",
                     "sigmoid")


class FitModel:
    """A law family prepared for fitting (see the module docstring)."""

    family: str = ""
    law_class: type[Law] = Law
    response = "log"
    inputs: tuple[str, ...] = ()
    #: How many of the best distinct candidates the fast estimator refines.
    refine = 8
    #: Whether ``value_grad_hess`` is implemented (then refits are polished by Newton's method).
    has_hessian = False
    #: The family's formula in ``laws`` (parameter columns in the fitted coordinates, then the inputs), the
    #: keys of ``data`` that are its inputs, and its analytic Jacobian (K, n, p) where ``laws`` has one.
    law_formula = None
    law_inputs: tuple[str, ...] = ()
    law_jacobian = None

    def __init__(self, specs: tuple[ParamSpec, ...]):
        self.specs = tuple(specs)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.specs)

    @property
    def coords(self) -> tuple[str, ...]:
        return tuple(f"log {s.name}" if s.log_scale else s.name for s in self.specs)

    def bounds(self) -> list[tuple[float | None, float | None]]:
        out = []
        for s in self.specs:
            lo, hi = s.lower, s.upper
            if s.log_scale:
                lo = np.log(lo) if lo > 0 else -np.inf
                hi = np.log(hi) if np.isfinite(hi) else np.inf
            out.append((None if not np.isfinite(lo) else float(lo), None if not np.isfinite(hi) else float(hi)))
        return out

    def data(self, runs: Runs) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """(input arrays, observed response) for ``runs``."""
        runs.require(self.inputs + ("loss",), f"fitting the {self.family} law")
        return self._data(runs), np.log(runs.loss) if self.response == "log" else runs.loss.astype(float)

    def _data(self, runs: Runs) -> dict[str, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    def grid(self, data: dict[str, np.ndarray]) -> np.ndarray:
        """The full start grid: the product of every parameter's grid (in fitted coordinates)."""
        axes = np.meshgrid(*[np.asarray(s.grid, dtype=float) for s in self.specs], indexing="ij")
        return np.stack(axes, axis=-1).reshape(-1, len(self.specs))  # itertools.product's order

    def extra_starts(self, data: dict[str, np.ndarray], y: np.ndarray, fit=None) -> np.ndarray:
        """Data-driven starts for the fast estimator (none by default).

        ``fit(model, objective_name)`` is the estimator's own fit of another model to the same data,
        for models seeded by a simpler one (passed in, so that models do not import the estimators).
        """
        return np.empty((0, len(self.specs)))

    def columns(self, theta: np.ndarray) -> list[np.ndarray]:
        """The formula's parameter columns (K, 1) for K parameter vectors in the fitted coordinates."""
        theta = np.atleast_2d(theta)
        return [theta[:, i:i + 1] for i in range(theta.shape[1])]

    def _law_args(self, theta, data) -> list:
        return [*self.columns(theta), *(data[key] for key in self.law_inputs)]

    def predict(self, theta: np.ndarray, data: dict[str, np.ndarray]) -> np.ndarray:
        """The response (K, n): the family's formula in ``laws`` at the fitted coordinates."""
        return self.law_formula(*self._law_args(theta, data))

    def grad(self, theta: np.ndarray, data: dict[str, np.ndarray], psi: np.ndarray) -> np.ndarray:
        """sum_n psi_n d pred_n / d theta: (K, p); central differences unless a family overrides it."""
        return np.einsum("kn,knp->kp", psi, self.jacobian(theta, data))

    def value_grad(self, theta: np.ndarray, data: dict[str, np.ndarray], y: np.ndarray, objective):
        """(summed objective (K,), gradient (K, p)) of the residuals predict - y."""
        value, psi = objective.value_and_psi(self.predict(theta, data) - y)
        return value, self.grad(theta, data, psi)

    def value_grad_hess(self, theta: np.ndarray, data: dict[str, np.ndarray], y: np.ndarray, objective):
        """(summed objective (K,), gradient (K, p), Hessian (K, p, p)); families with ``has_hessian``."""
        raise NotImplementedError(f"no analytic Hessian for the {self.family} family")

    def jacobian(self, theta: np.ndarray, data: dict[str, np.ndarray]) -> np.ndarray:
        """d pred / d theta as (K, n, p): the formula's analytic Jacobian, or central differences."""
        if self.law_jacobian is not None:
            return self.law_jacobian(*self._law_args(theta, data))
        theta = np.atleast_2d(theta)
        cols = []
        for j in range(theta.shape[1]):
            h = 1e-6 * np.maximum(1.0, np.abs(theta[:, j]))
            up, down = theta.copy(), theta.copy()
            up[:, j] += h
            down[:, j] -= h
            cols.append((self.predict(up, data) - self.predict(down, data)) / (2 * h[:, None]))
        return np.stack(cols, axis=-1)

    def to_law(self, theta) -> Law:
        theta = np.asarray(theta, dtype=float).ravel()
        values = {s.name: float(np.exp(t)) if s.log_scale else float(t) for s, t in zip(self.specs, theta)}
        return self.law_class(**values)

    def params(self, theta) -> dict[str, float]:
        law = self.to_law(theta)
        return {name: float(getattr(law, name)) for name in self.names}

    def from_params(self, params: dict[str, float]) -> np.ndarray:
        return np.array([np.log(params[s.name]) if s.log_scale else params[s.name] for s in self.specs])


class NDModel(FitModel):
    """Base of the laws of N and D whose parameters are exactly the law's ``PARAMS``."""

    inputs = ("n", "d")

    def __init__(self):
        super().__init__(self.law_class.PARAMS)

    def _data(self, runs):
        return {"lN": np.log(runs.n), "lD": np.log(runs.d)}


class ChinchillaModel(NDModel):
    """``laws.chinchilla.chinchilla_log_loss``; a fused objective, gradient and Hessian; variable-projection starts."""

    family, law_class = "chinchilla", ChinchillaLaw
    has_hessian = True
    law_formula, law_inputs = staticmethod(chinchilla_log_loss), ("lN", "lD")
    law_jacobian = staticmethod(chinchilla_log_loss_jacobian)

    def grad(self, theta, data, psi):
        e, a, b, alpha, beta = self.columns(theta)
        t1 = a - alpha * data["lN"]
        _, p1, p2, p3 = _lse3(t1, b - beta * data["lD"], np.broadcast_to(e, t1.shape))
        g1, g2 = psi * p1, psi * p2
        return np.stack([(psi * p3).sum(-1), g1.sum(-1), g2.sum(-1), -(g1 * data["lN"]).sum(-1),
                         -(g2 * data["lD"]).sum(-1)], axis=-1)

    def _residuals(self, theta, data, y):
        """(r = log L - y, the three exponentials w relative to their maximum, and their sum s): p = w / s."""
        m, w1, w2, w3 = chinchilla_exponentials(*self._law_args(theta, data))
        s = w1 + w2 + w3
        m += np.log(s)
        m -= y
        return m, w1, w2, w3, s

    def value_grad(self, theta, data, y, objective):
        """The objective and its analytic gradient in one pass (the hot loop of every fit)."""
        theta = np.atleast_2d(theta)
        ln, ld = data["lN"], data["lD"]
        r, w1, w2, w3, s = self._residuals(theta, data, y)
        value, psi = objective.value_and_psi(r)
        q = psi / s
        w1 *= q
        w2 *= q
        w3 *= q
        return value, np.stack([w3.sum(-1), w1.sum(-1), w2.sum(-1), -np.einsum("...n,...n->...", w1, ln),
                                -np.einsum("...n,...n->...", w2, ld)], axis=-1)

    def value_grad_hess(self, theta, data, y, objective):
        """Objective, gradient and exact Hessian of sum rho(r), r = LSE(u) - y, u = (e, a - alpha lN, b - beta lD).

        u is linear in theta (u = M theta + const, M fixed per run) and LSE has Hessian diag(p) - p p^T
        for the softmax weights p, so with J = M^T p (the Jacobian of log L):

            H = sum_n (psi'_n - psi_n) J_n J_n^T + psi_n M_n^T diag(p_n) M_n,

        whose second term has the gradient's components on its (e, e), (a, a), (b, b), (a, alpha) and
        (b, beta) entries and sum psi p1 lN^2, sum psi p2 lD^2 on (alpha, alpha) and (beta, beta).
        """
        theta = np.atleast_2d(theta)
        ln, ld = data["lN"], data["lD"]
        r, w1, w2, w3, s = self._residuals(theta, data, y)
        value, psi = objective.value_and_psi(r)
        jac = np.empty((len(theta), 5, r.shape[-1]))  # J_n per problem, laid out (K, p, n) for matmul
        np.divide(w3, s, out=jac[:, 0])
        np.divide(w1, s, out=jac[:, 1])
        np.divide(w2, s, out=jac[:, 2])
        np.multiply(jac[:, 1], -ln, out=jac[:, 3])
        np.multiply(jac[:, 2], -ld, out=jac[:, 4])
        grad = np.matmul(jac, psi[:, :, None])[..., 0]
        hess = np.matmul(jac * (objective.psi_prime(r) - psi)[:, None, :], jac.transpose(0, 2, 1))
        for i, j, k in ((0, 0, 0), (1, 1, 1), (2, 2, 2), (1, 3, 3), (3, 1, 3), (2, 4, 4), (4, 2, 4)):
            hess[:, i, j] += grad[:, k]
        hess[:, 3, 3] -= np.einsum("kn,kn->k", psi * jac[:, 3], np.broadcast_to(ln, psi.shape))
        hess[:, 4, 4] -= np.einsum("kn,kn->k", psi * jac[:, 4], np.broadcast_to(ld, psi.shape))
        return value, grad, hess

    def extra_starts(self, data, y, fit=None, size: int = 40):
        """Variable projection: for each (alpha, beta) on a grid, (E, A, B) by weighted linear least squares.

        With the exponents fixed, L = E + A N^-alpha + B D^-beta is linear in (E, A, B); weighting by
        1/L makes the squares approximate those of log L. Negative solutions are clipped to small
        positive values; the exact objective then ranks the candidates.
        """
        exps = np.linspace(0.02, 1.2, size)
        alpha, beta = (g.ravel() for g in np.meshgrid(exps, exps, indexing="ij"))
        loss = np.exp(y)
        # The normal equations of the rows [1, N^-alpha, D^-beta] / L, summed over runs without forming
        # the (grid x runs x 3) design: N^-alpha depends on alpha only and D^-beta on beta only, so
        # memory is (size x runs), not (size^2 x runs) (1M runs fit in a few hundred MB).
        w, v = 1.0 / loss**2, 1.0 / loss
        x1 = np.exp(-exps[:, None] * data["lN"][None, :])  # (size, n): row i is N^-exps[i]
        x2 = np.exp(-exps[:, None] * data["lD"][None, :])
        s1, s2 = x1 @ w, x2 @ w
        s11, s22, s12 = (x1 * x1) @ w, (x2 * x2) @ w, (x1 * w) @ x2.T
        r1, r2 = x1 @ v, x2 @ v
        del x1, x2
        i, j = (g.ravel() for g in np.meshgrid(np.arange(size), np.arange(size), indexing="ij"))
        lhs = np.empty((size * size, 3, 3))
        lhs[:, 0, 0] = w.sum()
        lhs[:, 0, 1] = lhs[:, 1, 0] = s1[i]
        lhs[:, 0, 2] = lhs[:, 2, 0] = s2[j]
        lhs[:, 1, 1] = s11[i]
        lhs[:, 2, 2] = s22[j]
        lhs[:, 1, 2] = lhs[:, 2, 1] = s12[i, j]
        lhs += 1e-12 * np.eye(3)
        rhs = np.column_stack([np.full(size * size, v.sum()), r1[i], r2[j]])
        coef = np.linalg.solve(lhs, rhs[..., None])[..., 0]
        floor = 1e-3 * loss.min() * np.column_stack([np.ones_like(alpha), np.exp(alpha * data["lN"].min()),
                                                     np.exp(beta * data["lD"].min())])
        coef = np.maximum(coef, floor)
        return np.column_stack([np.log(coef), alpha, beta])


class KaplanModel(NDModel):
    """``laws.kaplan.kaplan_log_loss``, with its analytic Jacobian."""

    family, law_class = "kaplan", KaplanLaw
    law_formula, law_inputs = staticmethod(kaplan_log_loss), ("lN", "lD")
    law_jacobian = staticmethod(kaplan_log_loss_jacobian)


class OneVariableModel(FitModel):
    """Base of the one-variable families: x is one of the runs' N, D or C (``x``)."""

    def __init__(self, specs, x: str = "c"):
        if x not in ("n", "d", "c"):
            raise InputError(f"x must be 'n', 'd' or 'c', got {x!r}")
        super().__init__(specs)
        self.x = x
        self.inputs = (x,)

    def _data(self, runs):
        return {"lx": np.log(getattr(runs, self.x))}


class PowerModel(OneVariableModel):
    """``laws.power.power_log``: log L = log c - a log x (linear in the fitted coordinates)."""

    family, law_class = "power", PowerLaw
    law_formula, law_inputs = staticmethod(power_log), ("lx",)
    law_jacobian = staticmethod(power_log_jacobian)

    def __init__(self, x="c"):
        super().__init__(PowerLaw.PARAMS, x)

    def extra_starts(self, data, y, fit=None):
        slope, intercept = np.polyfit(data["lx"], y, 1)
        return np.array([[intercept, -slope]])


class SaturatingPowerModel(OneVariableModel):
    """``laws.power.saturating_power_log``: log L = LSE(e, log A - a log x); variable-projection starts."""

    family, law_class = "saturating-power", SaturatingPowerLaw
    law_formula, law_inputs = staticmethod(saturating_power_log), ("lx",)
    law_jacobian = staticmethod(saturating_power_log_jacobian)

    def __init__(self, x="c"):
        super().__init__(SaturatingPowerLaw.PARAMS, x)

    def extra_starts(self, data, y, fit=None):
        exps = np.linspace(0.01, 2.0, 80)
        loss = np.exp(y)
        x = np.exp(-exps[:, None] * data["lx"][None, :])
        design = np.stack([np.ones_like(x), x], axis=-1) / loss[None, :, None]
        coef = np.linalg.solve(np.einsum("knp,knq->kpq", design, design) + 1e-12 * np.eye(2),
                               design.sum(axis=1)[..., None])[..., 0]
        coef = np.maximum(coef, 1e-6 * loss.min())
        return np.column_stack([np.log(coef), exps])


_BROKEN_SPECS = (
    ParamSpec("a", 0.0, np.inf, (), True, "floor"),
    ParamSpec("b", 0.0, np.inf, (), True, "scale"),
    ParamSpec("c0", -5.0, 5.0, (), False, "exponent before the break"),
    ParamSpec("c1", -5.0, 5.0, (-0.3, 0.0, 0.3), False, "change of exponent at the break"),
    ParamSpec("d1", 0.0, np.inf, (), True, "break location"),
    ParamSpec("f1", 1e-3, 1e3, (np.log(0.1), np.log(0.5), 0.0), True, "sharpness of the break"),
)


class BrokenPowerModel(OneVariableModel):
    """One-break BNSL (Caballero et al. 2023, eq. 1) in log form, ``laws.power.broken_power_log``:

    log y = LSE(log a, log b - c0 log x - c1 f1 softplus((log x - log d1) / f1)).
    """

    family, law_class = "broken-power", BrokenPowerLaw
    refine = 400  # a multimodal 6-parameter surface: refine every candidate (they are stepped together)

    def __init__(self, x="c"):
        super().__init__(_BROKEN_SPECS, x)

    def predict(self, theta, data):
        """``laws.power.broken_power_log``; the parameters after c0 are (c_i, log d_i, log f_i) per break."""
        cols = self.columns(theta)
        return broken_power_log(cols[0], cols[1], cols[2], [cols[i:i + 3] for i in range(3, len(cols), 3)],
                                data["lx"])

    def grid(self, data):
        """Starts around a saturating power law, with the break at quantiles of log x."""
        lx = data["lx"]
        breaks = np.quantile(lx, [0.25, 0.5, 0.75])
        starts = []
        for la, c0, c1, ld, lf in product((-3.0, -0.5, 0.5), (0.05, 0.3, 1.0), _BROKEN_SPECS[3].grid, breaks,
                                          _BROKEN_SPECS[5].grid):
            starts.append([la, c0 * float(np.median(lx)), c0, c1, ld, lf])
        return np.array(starts)

    def extra_starts(self, data, y, fit=None):
        """Breaks (at quantiles of log x, of each grid change and sharpness) added to a saturating-power fit."""
        if fit is None:
            return np.empty((0, len(self.specs)))
        e, la, a = fit(SaturatingPowerModel(self.x), "squares")
        breaks = np.quantile(data["lx"], [0.1, 0.25, 0.5, 0.75, 0.9])
        return np.array([[e, la, a, c1, ld, lf] for c1, ld, lf in product((-0.3, -0.1, 0.1, 0.3), breaks,
                                                                          _BROKEN_SPECS[5].grid)])

    def to_law(self, theta):
        la, lb, c0, c1, ld, lf = np.asarray(theta, dtype=float).ravel()
        return BrokenPowerLaw(float(np.exp(la)), float(np.exp(lb)), float(c0), (float(c1),), (float(np.exp(ld)),),
                              (float(np.exp(lf)),))

    def params(self, theta):
        la, lb, c0, c1, ld, lf = np.asarray(theta, dtype=float).ravel()
        return {"a": float(np.exp(la)), "b": float(np.exp(lb)), "c0": float(c0), "c1": float(c1),
                "d1": float(np.exp(ld)), "f1": float(np.exp(lf))}

    def from_params(self, params):
        if "c" in params:
            params = {"a": params["a"], "b": params["b"], "c0": params["c0"], "c1": params["c"][0],
                      "d1": params["d"][0], "f1": params["f"][0]}
        return super().from_params(params)


class SigmoidModel(OneVariableModel):
    """``laws.sigmoid.sigmoid_accuracy`` against t = log10 x; residuals in accuracy, not log."""

    family, law_class, response = "sigmoid", SigmoidAccuracy, "linear"
    law_formula, law_inputs = staticmethod(sigmoid_accuracy), ("t",)
    law_jacobian = staticmethod(sigmoid_accuracy_jacobian)

    def __init__(self, x="c"):
        super().__init__(SigmoidAccuracy.PARAMS, x)

    def _data(self, runs):
        return {"t": np.log10(getattr(runs, self.x))}

    def data(self, runs):
        runs.require(self.inputs + ("loss",), "fitting the sigmoid accuracy curve")
        return self._data(runs), runs.loss.astype(float)

    def grid(self, data):
        mids = np.quantile(data["t"], [0.25, 0.5, 0.75])
        specs = self.specs
        return np.array(list(product(specs[0].grid, specs[1].grid, mids, specs[3].grid)), dtype=float)

    def to_law(self, theta):
        lo, hi, mid, slope = np.asarray(theta, dtype=float).ravel()
        if hi <= lo:
            hi = lo + 1e-9
        return SigmoidAccuracy(float(lo), float(hi), float(mid), float(slope), "scale")


class DataConstrainedModel(FitModel):
    """``laws.data_constrained.data_constrained_log_loss`` (Muennighoff et al. 2023, eq. 5-7): R_D* and R_N*
    (log-scale), with the base law fixed or fitted too."""

    family, law_class, inputs = "data-constrained", DataConstrainedLaw, ("n", "d", "u")
    law_formula, law_inputs = staticmethod(data_constrained_log_loss), ("N", "D", "U")

    def __init__(self, base: ChinchillaLaw | None = None, base_start=None):
        self.base = base
        self.base_start = None if base_start is None else np.asarray(base_start, dtype=float)
        specs = DataConstrainedLaw.PARAMS if base is not None else ChinchillaLaw.PARAMS + DataConstrainedLaw.PARAMS
        super().__init__(specs)

    def _data(self, runs):
        return {"N": runs.n, "D": runs.d, "U": np.minimum(runs.u, runs.d)}

    def columns(self, theta):
        """The formula's columns: the base law's (log E, log A, log B, alpha, beta), fixed or fitted, then log R*."""
        cols = super().columns(theta)
        if self.base is None:
            return cols
        b, k = self.base, len(cols[0])
        return [np.full((k, 1), v) for v in (np.log(b.E), np.log(b.A), np.log(b.B), b.alpha, b.beta)] + cols

    def grid(self, data):
        """log R* over the law's grid; with the base fitted too, each next to the base's start."""
        r_grid = np.array(list(product(*[s.grid for s in DataConstrainedLaw.PARAMS])), dtype=float)
        if self.base is not None:
            return r_grid
        if self.base_start is None:
            raise InputError("fitting the base law of a data-constrained law needs a start for the base")
        return np.column_stack([np.tile(self.base_start, (len(r_grid), 1)), r_grid])

    def to_law(self, theta):
        theta = np.asarray(theta, dtype=float).ravel()
        if self.base is not None:
            base, rest = self.base, theta
        else:
            base, rest = ChinchillaModel().to_law(theta[:5]), theta[5:]
        return DataConstrainedLaw(base, float(np.exp(rest[0])), float(np.exp(rest[1])))

    def params(self, theta):
        law = self.to_law(theta)
        out = {} if self.base is not None else dict(law.base.params())
        out.update({"R_D_star": law.R_D_star, "R_N_star": law.R_N_star})
        return out


def make_model(family: str, *, x: str = "c", base: ChinchillaLaw | None = None, base_start=None) -> FitModel:
    """The fitting model of a law family by name (``FAMILIES_FITTABLE``)."""
    key = str(family).strip().lower()
    if key == "chinchilla":
        return ChinchillaModel()
    if key == "kaplan":
        return KaplanModel()
    if key == "power":
        return PowerModel(x)
    if key == "saturating-power":
        return SaturatingPowerModel(x)
    if key == "broken-power":
        return BrokenPowerModel(x)
    if key == "sigmoid":
        return SigmoidModel(x)
    if key == "data-constrained":
        return DataConstrainedModel(base, base_start)
    raise UnknownNameError("law family to fit", family, FAMILIES_FITTABLE)
