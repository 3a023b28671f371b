"""Is each parameter identified by the runs? Interval widths, bounds, and a profile-likelihood interval.

A parameter is reported as not identified when its interval (the bootstrap's, or without one the
Gauss-Newton interval of its fitted coordinate) spans more than a decade, or when the estimate or
a tenth of the bootstrap replicates sit on one of its bounds. Fitting R_D*, R_N* of the
data-constrained law (Muennighoff et al. 2023) to a few hundred runs is the classic case: the loss
hardly depends on R_N* over orders of magnitude, and the bootstrap says so.

The profile likelihood (Venzon and Moolgavkar 1988) fixes one parameter on a grid, refits all
others (every grid point stepped together by the lockstep L-BFGS-B), and keeps the values whose
deviance from the best fit stays below the chi-square(1) quantile of ``level``. The deviance is
n log(S / S_min) for least squares (Gaussian errors) and 2 n (S / S_min - 1) for the log-Huber and
asymmetric objectives (Laplace errors, whose scale is estimated by S_min / n; log-Huber with a
small delta is an absolute-error fit). An interval that reaches the end of the profiled range is
reported open on that side.
"""

from __future__ import annotations

import re

import numpy as np

from .bootstrap import parameter_draws
from .diagnostics import diagnose
from .estimators import FAST_TOL, make_fg
from .models import FitModel
from .objectives import Objective
from .optimize import minimize_many

__all__ = ["identifiability", "profile_likelihood", "fit_diagnostics", "fit_warnings", "merged_warnings",
           "normal_quantile", "DECADE"]

DECADE = 10.0
"""An interval whose upper end is more than this times its lower end does not identify the parameter."""
_AT_BOUND = 0.1


#: ``scipy.special.ndtri(0.5 + level / 2)`` (what ``scipy.stats.norm.ppf`` returns) for the usual levels, bit for
#: bit (a test checks): importing ``scipy.special`` takes about 0.1 s, most of a plain fit's own time.
_Z = {0.5: 0.6744897501960817, 0.68: 0.9944578832097535, 0.8: 1.2815515655446004, 0.9: 1.6448536269514722,
      0.95: 1.959963984540054, 0.99: 2.5758293035489004}


def normal_quantile(p: float) -> float:
    """The standard normal quantile at ``p``; tabled for two-sided levels in ``_Z``, else from SciPy."""
    for known, z in _Z.items():
        if 0.5 + known / 2 == p:
            return z
    from scipy.special import ndtri

    return float(ndtri(p))


def identifiability(model: FitModel, data: dict, y: np.ndarray, theta: np.ndarray, intervals: dict | None,
                    boot_thetas: np.ndarray | None, level: float, objective: Objective | None = None
                    ) -> tuple[dict, list[str]]:
    """({parameter: {"span_decades", "at_bound_fraction", "identified", "source", "unbounded"}}, warnings).

    ``intervals``: bootstrap intervals of the natural parameters (None: the Gauss-Newton interval of
    each log-scale coordinate is used); ``boot_thetas``: the replicates in fitted coordinates. An
    unidentified log-scale parameter is "unbounded above" (or below) when moving it ``PROBE_DECADES``
    that way, the others held, raises the deviance by less than the chi-square(1) cutoff of
    ``level``: the runs cannot tell its value from any larger (smaller) one, and an interval of its
    bootstrap replicates, stuck where the optimiser stopped, would say nothing.
    """
    theta = np.asarray(theta, dtype=float)
    params = model.params(theta)
    out, warnings = {}, []
    se_coords = _marginal_stderr(model, data, y, theta)
    z = normal_quantile(0.5 + level / 2)
    for j, spec in enumerate(model.specs):
        name = spec.name
        if name not in params:
            continue
        info = {"source": "Gauss-Newton", "span_decades": None, "at_bound_fraction": 0.0, "identified": True}
        lo_b, hi_b = model.bounds()[j]
        spans = {}
        if intervals and name in intervals:
            low, high = intervals[name]
            if low is not None and high is not None and low > 0 and high > 0:
                spans["bootstrap"] = float(np.log10(high / low))
        if spec.log_scale:  # a bootstrap started at a flat optimum may never move: the curvature speaks too
            spans["Gauss-Newton"] = float(2 * z * se_coords[j] / np.log(10))
        if spans:
            info["source"] = max(spans, key=spans.get)
            info["span_decades"] = spans[info["source"]]
        if boot_thetas is not None and len(boot_thetas):
            hits = np.zeros(len(boot_thetas), dtype=bool)
            for bound in (lo_b, hi_b):
                if bound is not None:
                    hits |= np.abs(boot_thetas[:, j] - bound) <= 1e-6 * (1 + abs(bound))
            if spec.log_scale:
                hits |= boot_thetas[:, j] < -20
            info["at_bound_fraction"] = float(hits.mean())
        reasons = []
        span = info["span_decades"]
        if span is not None and span > 1.0:
            reasons.append(f"its {level:.0%} {info['source']} interval spans "
                           + ("more than 100 decades" if not span <= 100 else f"{span:.1f} decades"))
        if info["at_bound_fraction"] >= _AT_BOUND:
            reasons.append(f"{info['at_bound_fraction']:.0%} of the bootstrap fits sit on its bound")
        info["unbounded"] = None
        if reasons:
            info["identified"] = False
            if spec.log_scale:
                info["unbounded"] = _unbounded_side(model, data, y, theta, j, z * z, objective)
            if info["unbounded"]:
                reasons.insert(0, f"unbounded {info['unbounded']}: {PROBE_DECADES:g} decades "
                                  f"{info['unbounded']} {params[name]:.4g} fit as well")
            warnings.append(f"{name} is not identified by these runs ({'; '.join(reasons)}); fix it, or add runs "
                            f"that move it")
        out[name] = info
    return out, warnings


PROBE_DECADES = 10.0
"""How far an unidentified log-scale parameter is moved to ask whether the runs bound it on that side."""


def _unbounded_side(model: FitModel, data: dict, y: np.ndarray, theta: np.ndarray, j: int, cutoff: float,
                    objective: Objective | None) -> str | None:
    """"above", "below", "above and below" or None: the sides on which the deviance stays under ``cutoff``."""
    objective = objective or Objective("squares")
    lo_b, hi_b = model.bounds()[j]
    step = PROBE_DECADES * np.log(10)
    probes = np.tile(theta, (3, 1))
    probes[1, j] = theta[j] + step if hi_b is None else min(theta[j] + step, hi_b)
    probes[2, j] = theta[j] - step if lo_b is None else max(theta[j] - step, lo_b)
    with np.errstate(all="ignore"):
        values = objective.value_and_psi(model.predict(probes, data) - y)[0]
    values = np.where(np.isfinite(values), values, np.inf)
    deviance = _deviance(values[1:], float(values[0]), y.size, objective)
    sides = [side for side, dev, moved in zip(("above", "below"), deviance, probes[1:, j] != theta[j])
             if moved and dev <= cutoff]
    return " and ".join(sides) or None


def _marginal_stderr(model: FitModel, data: dict, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Gauss-Newton standard error of each fitted coordinate, s / |J_j orthogonal to the other columns|.

    Unlike a pseudo-inverse, this is infinite when the predictions do not move with a coordinate.
    """
    jac = model.jacobian(theta[None, :], data)[0]
    r = model.predict(theta[None, :], data)[0] - y
    s = np.sqrt(float(r @ r) / max(r.size - theta.size, 1))
    out = np.empty(theta.size)
    for j in range(theta.size):
        others = np.delete(jac, j, axis=1)
        col = jac[:, j]
        if others.size:
            coef, *_ = np.linalg.lstsq(others, col, rcond=None)
            col = col - others @ coef
        norm = float(np.linalg.norm(col))
        out[j] = s / norm if norm > 1e-12 * max(1.0, float(np.linalg.norm(jac[:, j]))) else np.inf
    return out


def _deviance(values: np.ndarray, best: float, n: int, objective: Objective) -> np.ndarray:
    ratio = np.maximum(values / max(best, 1e-300), 1.0)
    if objective.name == "squares":
        return n * np.log(ratio)
    return 2 * n * (ratio - 1.0)


def profile_likelihood(model: FitModel, objective: Objective, data: dict, y: np.ndarray, theta: np.ndarray,
                       name: str, *, level: float = 0.95, points: int = 41, span: float | None = None) -> dict:
    """The profile of ``name``: objective refitted at each grid value, and the values kept at ``level``.

    The grid is fine about the estimate (``span``) and, for a log-scale parameter, a decade a step out
    to its bounds or ``PROBE_DECADES`` away, so that a runaway parameter's profile shows the side on
    which it is unbounded ("open_above"/"open_below") rather than only the flat stretch around it.
    """
    from ..errors import InputError
    from ..options import spelled

    names = list(model.names)
    if name not in names:
        raise InputError(f"{spelled('profile', value=repr(name))}: not a free parameter of the {model.family} law; "
                         f"choose one of {', '.join(names)}")
    j = names.index(name)
    spec = model.specs[j]
    theta = np.asarray(theta, dtype=float)
    fg_full = make_fg(model, objective, data, y)
    best = float(fg_full(theta[None, :], np.zeros(1, dtype=int))[0][0])
    if span is None:
        jac = model.jacobian(theta[None, :], data)[0]
        r = model.predict(theta[None, :], data)[0] - y
        cov = float(r @ r) / max(r.size - theta.size, 1) * np.linalg.pinv(jac.T @ jac)
        span = float(np.clip(8 * np.sqrt(max(cov[j, j], 0.0)), 0.05, 12.0))
    lo_b, hi_b = model.bounds()[j]
    grid = np.linspace(theta[j] - span, theta[j] + span, points)
    reach = PROBE_DECADES * np.log(10) if spec.log_scale else 0.0
    if reach:  # out to the bounds (or PROBE_DECADES away where there are none), a decade a step
        far = np.arange(theta[j] - reach, theta[j] + reach + 1e-9, np.log(10))
        grid = np.union1d(grid, far[np.abs(far - theta[j]) > span])
    if lo_b is not None:
        grid = np.union1d(grid[grid >= lo_b], [lo_b] if np.isfinite(lo_b) and theta[j] - lo_b > span else [])
    if hi_b is not None:
        grid = np.union1d(grid[grid <= hi_b], [hi_b] if np.isfinite(hi_b) and hi_b - theta[j] > span else [])
    free = [k for k in range(theta.size) if k != j]

    def fg(x_free, rows):
        full = np.empty((len(x_free), theta.size))
        full[:, free] = x_free
        full[:, j] = grid[rows]
        value, grad = fg_full(full, np.zeros(len(rows), dtype=int))
        return value, grad[:, free]

    bounds = [model.bounds()[k] for k in free]
    with np.errstate(all="ignore"):
        res = minimize_many(fg, np.tile(theta[free], (len(grid), 1)), bounds=bounds, **FAST_TOL)
    values = np.minimum(res.fun, np.inf)
    best = min(best, float(np.min(values)))
    deviance = _deviance(values, best, y.size, objective)
    from scipy import stats

    cutoff = float(stats.chi2.ppf(level, 1))
    keep = deviance <= cutoff
    shown = np.exp(grid) if spec.log_scale else grid
    if not keep.any():
        interval, open_low, open_high = [None, None], False, False
    else:
        inside = np.flatnonzero(keep)
        interval = [float(shown[inside[0]]), float(shown[inside[-1]])]
        open_low, open_high = bool(inside[0] == 0), bool(inside[-1] == len(grid) - 1)
    return {"parameter": name, "level": level, "interval": interval, "open_below": open_low, "open_above": open_high,
            "values": shown.tolist(), "deviance": deviance.tolist(), "cutoff": cutoff,
            "method": (f"profile likelihood over {len(grid)} values of {name} (others refitted); deviance "
                       f"{'n log(S/S_min)' if objective.name == 'squares' else '2 n (S/S_min - 1)'} <= chi2_1 "
                       f"{level:.0%} quantile {cutoff:.3g}")}


def fit_diagnostics(model: FitModel, objective: Objective, data: dict, y: np.ndarray, point, boot_params,
                    boot_thetas, intervals, level: float, profile) -> dict:
    """A fit's diagnostics at its optimum ``point``: correlations and conditioning (``diagnose``, from the
    bootstrap's free-parameter samples ``boot_params`` when there are any), identifiability with its warnings,
    the profile of the ``profile`` parameter if named, and a warning when the optimiser did not converge."""
    diagnostics = diagnose(model, data, y, point.theta, boot_params)
    ident, ident_warnings = identifiability(model, data, y, point.theta, intervals, boot_thetas, level, objective)
    diagnostics["identifiability"] = ident
    diagnostics["warnings"] += ident_warnings
    if profile:
        diagnostics["profile"] = profile_likelihood(model, objective, data, y, point.theta, profile, level=level)
    if not point.success:
        diagnostics["warnings"].append(_not_converged(point))
    return diagnostics


def _not_converged(point) -> str:
    return f"the optimiser did not report convergence ({point.message})"


def fit_warnings(model: FitModel, objective: Objective, data: dict, y: np.ndarray, point, boot_thetas,
                 level: float) -> list[str]:
    """The warnings ``fit_diagnostics`` gives an inner fit (identifiability, convergence), from its
    bootstrap replicates ``boot_thetas`` (fitted coordinates) when it has them."""
    intervals = None
    if boot_thetas is not None and len(boot_thetas):
        intervals = parameter_draws(model, point.theta, boot_thetas, level)[1]
    warnings = identifiability(model, data, y, point.theta, intervals, boot_thetas, level, objective)[1]
    return warnings + ([] if point.success else [_not_converged(point)])


_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?%?")


def merged_warnings(labelled, what: str = "fits") -> list[str]:
    """One warning per kind from ``labelled`` [(label, [warnings])]: warnings that differ only in their
    numbers or in the reasons in parentheses count as one kind ("A is not identified by these runs"), shown
    by its first text and the labels of every fit that gave it."""
    kinds: dict[str, tuple[str, list[str]]] = {}
    for label, warnings in labelled:
        for text in warnings:
            first, labels = kinds.setdefault(_NUMBER.sub("#", text.split("(", 1)[0]), (text, []))
            if label not in labels:
                labels.append(label)
    return [f"{text} [{len(labels)} of {len(labelled)} {what}: {'; '.join(labels)}]" for text, labels in kinds.values()]
