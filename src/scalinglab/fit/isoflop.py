"""IsoFLOP analyses of Hoffmann et al. 2022 (arXiv:2203.15556, section 3): N_opt = G C^a.

Approach 2 (section 3.2): runs share a few compute budgets; at each budget a parabola of loss in
log N gives the loss-minimising size N_opt(C); a line through (log C, log N_opt) gives a and G.
The token exponent b of D_opt = H C^b is fitted the same way from parabolas of loss in log D (not
taken as 1 - a, which holds only where every budget is exactly 6 N D), and each budget reports
D_opt / N_opt. Parabolas bias the exponents when the sizes sampled at a budget are off-centre or
asymmetric around the minimum and alpha != beta (Open-Athena 2026, "Problems with Chinchilla
Approach 2"): each such budget gets a warning, and the same runs are fitted by Approach 3 (the
full loss surface L = E + A N^-alpha + B D^-beta by variable projection and L-BFGS-B, see
``estimators``), whose a = beta / (alpha + beta) and b = alpha / (alpha + beta) are shown beside.
Budgets come from a budget column or, without one, from clustering log10 C: modes of a Gaussian
kernel density (bandwidth 0.05 dex) with at least ``min_runs`` runs within +-0.05 dex, each
budget named by the median compute of its runs. On the Chinchilla runs of Besiroglu et al. this
finds Hoffmann's nine budgets (6e18 ... 3e21 FLOP) and one more near 2e20.

Approach 1 (section 3.1): runs carry intermediate checkpoints (a group column names the run); at
each compute C the lowest loss over all runs (the lower envelope) picks N_opt(C).

Intervals for a come from a seeded bootstrap over runs (within budgets for Approach 2, over whole
runs for Approach 1); the ordinary-least-squares standard error of the slope is reported too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from ..options import spelled
from .bootstrap import percentile_interval
from .runs import Runs

__all__ = ["find_budgets", "approach2", "approach1", "IsoFlopResult"]

_BANDWIDTH_DEX = 0.05
_WINDOW_DEX = 0.05
_MERGE_DEX = 0.1


#: Fewest runs that make a budget unless told: 5 for a cluster of log10 C, 3 (a parabola's fewest) for a budget
#: the table names itself.
MIN_RUNS_CLUSTERED, MIN_RUNS_NAMED = 5, 3


def _fewest_runs(runs: Runs, min_runs: int | None) -> int:
    """``min_runs``, or by default ``MIN_RUNS_NAMED`` when the table names its budgets, else ``MIN_RUNS_CLUSTERED``."""
    if min_runs is not None:
        return min_runs
    return MIN_RUNS_NAMED if runs.budget is not None else MIN_RUNS_CLUSTERED


def find_budgets(runs: Runs, *, min_runs: int | None = None) -> np.ndarray:
    """A budget (FLOP) per run from the budget column or by clustering log10 C; NaN for runs in none
    (a budget of fewer than ``min_runs`` runs is none; by default ``MIN_RUNS_NAMED`` or ``MIN_RUNS_CLUSTERED``)."""
    runs.require(("c",), "finding IsoFLOP budgets")
    min_runs = _fewest_runs(runs, min_runs)
    if runs.budget is not None:
        labels = runs.budget.astype(float)
        values, counts = np.unique(labels, return_counts=True)
        return np.where(np.isin(labels, values[counts >= min_runs]), labels, np.nan)
    lc = np.log10(runs.c)
    grid = np.arange(lc.min() - 0.2, lc.max() + 0.2, 0.0025)
    density = np.exp(-0.5 * ((grid[:, None] - lc[None, :]) / _BANDWIDTH_DEX) ** 2).sum(axis=1)
    peaks = [i for i in range(1, len(grid) - 1) if density[i] >= density[i - 1] and density[i] > density[i + 1]]
    accepted: list[float] = []
    for i in sorted(peaks, key=lambda i: -density[i]):
        centre = grid[i]
        if np.sum(np.abs(lc - centre) <= _WINDOW_DEX) < min_runs:
            continue
        if all(abs(centre - other) > _MERGE_DEX for other in accepted):
            accepted.append(centre)
    labels = np.full(len(runs), np.nan)
    if not accepted:
        return labels
    centres = np.array(sorted(accepted))
    nearest = np.argmin(np.abs(lc[:, None] - centres[None, :]), axis=1)
    inside = np.abs(lc - centres[nearest]) <= _WINDOW_DEX
    for j in range(len(centres)):
        members = inside & (nearest == j)
        labels[members] = 10.0 ** np.median(lc[members])  # a budget is named by its runs' median compute
    return labels


OFF_CENTRE = 0.25
"""Warn when a budget's minimum lies in the outer quarter of its sampled log-size range."""
ASYMMETRY = 0.5
"""Warn when fewer than this fraction as many sizes lie on one side of the minimum as on the other."""


def _parabola_min(log_n: np.ndarray, loss: np.ndarray, keep_outside: bool = False
                  ) -> tuple[float, float, str, list[float]]:
    """Minimum of the parabola loss = p0 + p1 u + p2 u^2 with u = log10 N - centre.

    Returns (log10 N at the minimum, loss there, problem or '', [p0, p1, p2, centre]); with
    ``keep_outside`` a minimum beyond the sampled sizes is returned rather than refused.
    """
    if len(np.unique(log_n)) < 3:
        return np.nan, np.nan, "fewer than 3 distinct model sizes", []
    centre = float(log_n.mean())
    p2, p1, p0 = (float(v) for v in np.polyfit(log_n - centre, loss, 2))
    coef = [p0, p1, p2, centre]
    if p2 <= 0:
        return np.nan, np.nan, "loss is not convex in log N", coef
    x = -p1 / (2 * p2)
    if not keep_outside and not (log_n.min() - centre <= x <= log_n.max() - centre):
        return np.nan, np.nan, "minimum lies outside the sampled sizes", coef
    return float(x + centre), float(p0 - p1 * p1 / (4 * p2)), "", coef


def _batched_vertices(x: np.ndarray, loss: np.ndarray, keep_outside: bool = False) -> np.ndarray:
    """Vertex (log10 N) of the least-squares parabola of each row of (x, loss); NaN where not interior."""
    centre = x.mean(axis=1, keepdims=True)
    u = x - centre
    powers = np.stack([np.ones_like(u), u, u * u], axis=-1)
    lhs = np.einsum("bmi,bmj->bij", powers, powers)
    rhs = np.einsum("bmi,bm->bi", powers, loss)
    ok = np.abs(np.linalg.det(lhs)) > 1e-12
    coef = np.full(rhs.shape, np.nan)
    coef[ok] = np.linalg.solve(lhs[ok], rhs[ok][..., None])[..., 0]
    vertex = -coef[:, 1] / (2 * coef[:, 2])
    inside = (coef[:, 2] > 0) & ((vertex >= u.min(axis=1)) & (vertex <= u.max(axis=1)) | keep_outside)
    return np.where(inside, vertex + centre[:, 0], np.nan)


def _bootstrap_slopes(log_n, loss, members, log_c, size: int, seed: int, keep_outside: bool = False) -> np.ndarray:
    """Slopes a of seeded replicates that resample runs within each budget (< 2 valid budgets: dropped)."""
    if size <= 0:
        return np.empty(0)
    rng = np.random.default_rng(seed)
    vertices = np.empty((size, len(members)))
    for j, idx in enumerate(members):
        pick = idx[rng.integers(0, idx.size, size=(size, idx.size))]
        vertices[:, j] = _batched_vertices(log_n[pick], loss[pick], keep_outside)
    valid = np.isfinite(vertices)
    keep = valid.sum(axis=1) >= 2
    c = np.where(valid, log_c[None, :], np.nan)[keep]
    v = vertices[keep]
    c_mean, v_mean = np.nanmean(c, axis=1, keepdims=True), np.nanmean(v, axis=1, keepdims=True)
    cov = np.nansum((c - c_mean) * (v - v_mean), axis=1)
    var = np.nansum((c - c_mean) ** 2, axis=1)
    return cov[var > 0] / var[var > 0]


def _line(log_c: np.ndarray, log_n: np.ndarray, level: float) -> tuple[float, float, float, list[float]]:
    """(a, log10 G, stderr of a, t-interval of a) of log10 N = log10 G + a log10 C."""
    from scipy import stats

    fit = stats.linregress(log_c, log_n)
    if len(log_c) > 2:
        t = stats.t.ppf(0.5 + level / 2, len(log_c) - 2)
        interval = [fit.slope - t * fit.stderr, fit.slope + t * fit.stderr]
    else:
        interval = [np.nan, np.nan]
    return float(fit.slope), float(fit.intercept), float(fit.stderr), [float(v) for v in interval]


@dataclass(frozen=True)
class IsoFlopResult:
    """N_opt = G C^a from IsoFLOP runs, with its interval and the per-budget (or envelope) minima."""

    approach: int
    a: float
    a_interval: list[float]
    a_stderr: float
    a_interval_ols: list[float]
    log10_G: float
    level: float
    bootstrap: int
    seed: int
    points: list[dict]
    source: str
    notes: list[str] = field(default_factory=list)
    runs: Runs | None = field(default=None, repr=False, compare=False)
    labels: np.ndarray | None = field(default=None, repr=False, compare=False)
    b: float | None = None
    b_interval: list[float] | None = None
    log10_H: float | None = None
    approach3: dict | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def G(self) -> float:
        return 10.0 ** self.log10_G

    def headline(self) -> str:
        return f"approach {self.approach}: N_opt = {self.G:.4g} C^{self.a:.4f}"

    def to_frame(self):
        """One row per budget (Approach 2) or envelope point (Approach 1): the minimum found and how."""
        import pandas as pd

        return pd.DataFrame([dict(point) for point in self.points])

    def n_opt(self, compute_flops):
        return self.G * np.asarray(compute_flops, dtype=float) ** self.a

    def tokens_per_param(self, compute_flops) -> float:
        """D_opt / N_opt of the fitted law at ``compute_flops``: D_opt = H C^b from the token parabolas when
        fitted, else C / (k N_opt) with k the runs' FLOP per parameter-token (6 unless told)."""
        c = float(compute_flops)
        n = float(self.n_opt(c))
        if self.log10_H is not None and self.b is not None:
            return 10.0 ** self.log10_H * c ** self.b / n
        k = 6.0 if self.runs is None else float(self.runs.flops_per_param_token)
        return c / (k * n * n)

    def save(self, path) -> "Path":
        """Write the result as JSON (atomically); its ``law`` key makes it an allocation rule for ``plan``."""
        from .._io import atomic_write_json

        return atomic_write_json(path, self.to_dict())

    def to_dict(self) -> dict:
        used = [p for p in self.points if p.get("used", True)]
        anchor = max(used, key=lambda p: p["compute"])["compute"] if used else 1e21
        b = 1.0 - self.a if self.b is None else self.b
        largest = max(used, key=lambda p: p["compute"]) if used else None
        fitted = None if largest is None else self.tokens_per_param(largest["compute"])
        return {
            "approach": self.approach, "a": self.a, "a_interval": self.a_interval, "level": self.level,
            "a_stderr_ols": self.a_stderr, "a_interval_ols": self.a_interval_ols, "b": b,
            "b_interval": self.b_interval, "b_from_a": 1.0 - self.a, "b_source": "1 - a" if self.b is None else
            "token parabolas", "H": None if self.log10_H is None else 10.0 ** self.log10_H,
            "tokens_per_param_at_largest": fitted,
            "tokens_per_param_at_largest_parabola": None if largest is None else largest.get("tokens_per_param"),
            "G": self.G, "log10_G": self.log10_G, "bootstrap": self.bootstrap, "seed": self.seed,
            "source": self.source, "notes": self.notes, "warnings": self.warnings, "approach3": self.approach3,
            "points": self.points,
            "law": {"family": "allocation", "params": {"a": self.a, "n_anchor": float(self.n_opt(anchor)),
                                                        "c_anchor": float(anchor)}},
        }

    def report(self):
        from rich.console import Group

        from .._table import rich_table
        from ..units import format_quantity

        lo, hi = self.a_interval
        title = f"IsoFLOP Approach {self.approach} on {self.source}"
        summary = f"N_opt = {self.G:.3g} C^{self.a:.3f}; a {self.level:.0%} interval {lo:.3f}-{hi:.3f}; "
        if self.b is None:
            summary += f"D_opt exponent b = 1 - a = {1 - self.a:.3f}"
        else:
            blo, bhi = self.b_interval
            summary += (f"D_opt = {10 ** self.log10_H:.3g} C^{self.b:.3f} from the token parabolas, b interval "
                        f"{blo:.3f}-{bhi:.3f} (1 - a = {1 - self.a:.3f})")
        if self.approach == 2:
            def q(v):  # a size or "-" for budgets without an interior minimum
                return "-" if v is None or not np.isfinite(v) else format_quantity(v)

            rows = [[f"{p['compute']:.3g}", p["runs"], q(p["n_opt"]), q(p["d_opt"]),
                     f"{self.tokens_per_param(p['compute']):.3g}",
                     "-" if p.get("tokens_per_param") is None else f"{p['tokens_per_param']:.3g}",
                     "-" if not np.isfinite(p["loss_min"]) else f"{p['loss_min']:.4f}",
                     p["note"] or ("used, minimum extrapolated" if p.get("extrapolated") else "used")]
                    for p in self.points]
            table = rich_table(title, ["budget (FLOP)", "runs", "N_opt", "D_opt", "D/N (fitted law)",
                                       "D/N (this parabola)", "min loss", "status"], rows)
        else:
            step = max(1, len(self.points) // 12)
            rows = [[f"{p['compute']:.3g}", format_quantity(p["n_opt"]), f"{p['loss_min']:.4f}"]
                    for p in self.points[::step]]
            table = rich_table(title, ["compute (FLOP)", "N on the envelope", "min loss"], rows)
        notes = [summary, f"OLS: a = {self.a:.3f} +- {self.a_stderr:.3f}"]
        d = self.to_dict()
        if d["tokens_per_param_at_largest"] is not None:
            notes.append(f"tokens per parameter at the largest budget used, from the fitted law: "
                         f"{d['tokens_per_param_at_largest']:.3g} (that budget's own parabola: "
                         + ("-" if d["tokens_per_param_at_largest_parabola"] is None else
                            f"{d['tokens_per_param_at_largest_parabola']:.3g}") + ")")
        if self.approach3:
            ap3 = self.approach3
            notes.append(f"Approach 3 on the same runs (full surface): a = {ap3['a']:.3f}, b = {ap3['b']:.3f} "
                         f"(alpha {ap3['params']['alpha']:.3f}, beta {ap3['params']['beta']:.3f}); Approach 2 minus "
                         f"Approach 3: a {self.a - ap3['a']:+.3f}")
        notes += self.notes + [f"warning: {w}" for w in self.warnings]
        return Group(table, *notes)


def _sampling_warning(log_n: np.ndarray, x: float, budget: float) -> str:
    """Why the sizes sampled at ``budget`` sit badly around the minimum ``x`` (log10 N), or ''."""
    lo, hi = float(log_n.min()), float(log_n.max())
    if not np.isfinite(x) or hi <= lo:
        return ""
    frac = (x - lo) / (hi - lo)
    below, above = int(np.sum(log_n < x)), int(np.sum(log_n > x))
    problems = []
    if frac < OFF_CENTRE or frac > 1 - OFF_CENTRE:
        problems.append(f"off-centre (the minimum sits at {frac:.0%} of the sampled log N range)")
    if min(below, above) < ASYMMETRY * max(below, above):
        problems.append(f"asymmetric ({below} sizes below the minimum, {above} above)")
    if not problems:
        return ""
    return (f"budget {budget:.3g}: sampled sizes are {' and '.join(problems)}; parabola fits bias the exponents "
            f"when sampling is off-centre or asymmetric and alpha != beta (compare Approach 3)")


def _approach3(runs: Runs, level: float) -> dict | None:
    """The Chinchilla surface fitted to the same runs (fast estimator: variable projection + L-BFGS-B), with
    the fit's own warnings (identifiability from its curvature at ``level``, convergence)."""
    from .estimators import estimate
    from .identify import fit_warnings
    from .models import make_model
    from .objectives import make_objective

    if runs.d is None or len(runs) < 6:
        return None
    model = make_model("chinchilla")
    data, y = model.data(runs)
    objective = make_objective("huber")
    fit = estimate(model, objective, data, y, "fast")
    params = model.params(fit.theta)
    total = params["alpha"] + params["beta"]
    if not total > 0:
        return None
    return {"a": params["beta"] / total, "b": params["alpha"] / total, "params": params, "objective": fit.objective,
            "runs": len(runs), "method": "Chinchilla law fitted to every run (log-Huber, fast estimator)",
            "warnings": fit_warnings(model, objective, data, y, fit, None, level)}


def approach2(runs: Runs, *, min_runs: int | None = None, bootstrap: int = 500, seed: int = 0,
              level: float = 0.95, keep_outside: bool = False, approach3: bool = True) -> IsoFlopResult:
    """Hoffmann's Approach 2: a parabola per IsoFLOP budget, then N_opt = G C^a and D_opt = H C^b.

    ``keep_outside`` keeps budgets whose parabola's minimum lies beyond the sampled sizes (flagged
    ``extrapolated``); ``approach3`` fits the full surface to the same runs for comparison.
    """
    runs.require(("n", "c", "loss"), "IsoFLOP Approach 2")
    labels = find_budgets(runs, min_runs=min_runs)
    budgets = np.unique(labels[np.isfinite(labels)])
    if len(budgets) < 2:
        found = ("none" if len(budgets) == 0
                 else f"1 (C = {budgets[0]:.3g} FLOP, {int(np.sum(labels == budgets[0]))} runs)")
        raise InputError(f"{runs.source}: IsoFLOP Approach 2 needs runs at two or more compute budgets "
                         f"(at least {_fewest_runs(runs, min_runs)} runs each); found {found}")
    log_n, points, members, warnings = np.log10(runs.n), [], [], []
    log_d = np.log10(runs.d) if runs.d is not None else None
    for budget in budgets:
        idx = np.flatnonzero(labels == budget)
        x, loss_min, problem, coef = _parabola_min(log_n[idx], runs.loss[idx], keep_outside)
        n_opt = 10.0 ** x if np.isfinite(x) else np.nan
        d_opt = float(budget / (runs.flops_per_param_token * n_opt)) if np.isfinite(n_opt) else np.nan
        if log_d is not None and not problem:
            xd, _, problem_d, _ = _parabola_min(log_d[idx], runs.loss[idx], keep_outside)
            d_opt = 10.0 ** xd if not problem_d else np.nan
            problem = f"tokens: {problem_d}" if problem_d else ""
        extrapolated = bool(np.isfinite(x) and not (log_n[idx].min() <= x <= log_n[idx].max()))
        points.append({"compute": float(budget), "runs": int(idx.size), "n_opt": float(n_opt), "d_opt": float(d_opt),
                       "tokens_per_param": float(d_opt / n_opt) if np.isfinite(d_opt) and np.isfinite(n_opt) else None,
                       "loss_min": loss_min, "used": not problem, "note": problem, "extrapolated": extrapolated,
                       "parabola": coef, "log10_n_range": [float(log_n[idx].min()), float(log_n[idx].max())]})
        members.append(idx)
        if not problem:
            warning = _sampling_warning(log_n[idx], x, budget)
            if warning:
                warnings.append(warning)
    used = [i for i, p in enumerate(points) if p["used"]]
    if len(used) < 2:
        reasons = "; ".join(f"C = {p['compute']:.3g}: {p['note']}" for p in points if p["note"])
        hint = "" if keep_outside else f" ({spelled('keep_outside')} keeps budgets whose minimum is extrapolated)"
        raise InputError(f"{runs.source}: IsoFLOP Approach 2 found fewer than two budgets with an interior "
                         f"minimum ({reasons}){hint}")
    log_c = np.log10([points[i]["compute"] for i in used])
    a, log_g, se, ols = _line(log_c, np.log10([points[i]["n_opt"] for i in used]), level)
    used_members = [members[i] for i in used]
    slopes = _bootstrap_slopes(log_n, runs.loss, used_members, log_c, bootstrap, seed, keep_outside)
    interval = [float(v) for v in percentile_interval(slopes, level)] if slopes.size else ols
    b = b_interval = log_h = None
    if log_d is not None:
        b, log_h, _, b_ols = _line(log_c, np.log10([points[i]["d_opt"] for i in used]), level)
        b_slopes = _bootstrap_slopes(log_d, runs.loss, used_members, log_c, bootstrap, seed + 1, keep_outside)
        b_interval = [float(v) for v in percentile_interval(b_slopes, level)] if b_slopes.size else b_ols
    notes = [] if runs.budget is not None else [f"budgets found by clustering log10 C ({len(budgets)} budgets)"]
    notes.append(f"interval: {'bootstrap percentile over runs within budgets' if slopes.size else 'OLS t-interval'}")
    kept_out = [points[i]["compute"] for i in used if points[i]["extrapolated"]]
    if kept_out:
        warnings.append(f"{len(kept_out)} budget(s) kept with a minimum outside the sampled sizes "
                        f"({spelled('keep_outside')}): "
                        + ", ".join(f"{c:.3g}" for c in kept_out))
    ap3 = _approach3(runs.take(np.isin(labels, [points[i]["compute"] for i in used])), level) if approach3 else None
    warnings += [f"Approach 3 fit: {w}" for w in (ap3 or {}).get("warnings", [])]
    if ap3 and not interval[0] <= ap3["a"] <= interval[1]:
        warnings.append(f"Approaches 2 and 3 disagree: Approach 3's a = {ap3['a']:.3f} lies outside Approach 2's "
                        f"{level:.0%} interval {interval[0]:.3f}-{interval[1]:.3f}; the surface fit is pulled by a "
                        f"few high-loss runs or by a form that does not hold (see docs/fit.md, Approach 3)")
    return IsoFlopResult(2, a, interval, se, ols, log_g, level, bootstrap, seed, points, runs.source, notes, runs,
                         labels, b=b, b_interval=b_interval, log10_H=log_h, approach3=ap3, warnings=warnings)


def _envelope(log_c_runs: list[np.ndarray], loss_runs: list[np.ndarray], grid: np.ndarray):
    """(index of the best run, its loss) at each grid point; -1 where fewer than two runs reach it."""
    table = np.full((len(log_c_runs), len(grid)), np.inf)
    for j, (lc, loss) in enumerate(zip(log_c_runs, loss_runs)):
        inside = (grid >= lc.min()) & (grid <= lc.max())
        table[j, inside] = np.interp(grid[inside], lc, loss)
    covered = np.isfinite(table).sum(axis=0)
    best = np.argmin(table, axis=0)
    best[covered < 2] = -1
    return best, table[best, np.arange(len(grid))]


def approach1(runs: Runs, *, points: int = 100, bootstrap: int = 200, seed: int = 0,
              level: float = 0.95) -> IsoFlopResult:
    """Hoffmann's Approach 1: the lower envelope of loss against compute over runs with checkpoints."""
    from scipy import stats

    runs.require(("n", "c", "loss", "group"), "IsoFLOP Approach 1 (runs with checkpoints)")
    groups = np.unique(runs.group)
    if len(groups) < 2:
        raise InputError(f"{runs.source}: IsoFLOP Approach 1 needs two or more runs in column "
                         f"{runs.column('group')!r}; found {len(groups)}")
    curves, sizes = [], []
    for g in groups:
        idx = np.flatnonzero(runs.group == g)
        idx = idx[np.argsort(runs.c[idx])]
        curves.append((np.log10(runs.c[idx]), runs.loss[idx]))
        sizes.append(float(np.median(runs.n[idx])))
    sizes = np.array(sizes)
    all_lc = np.concatenate([c[0] for c in curves])
    grid = np.linspace(all_lc.min(), all_lc.max(), points)

    def slope_of(chosen):
        best, loss = _envelope([curves[i][0] for i in chosen], [curves[i][1] for i in chosen], grid)
        ok = best >= 0
        return ok, np.asarray(chosen)[best[ok]], loss[ok]

    ok, winners, loss = slope_of(np.arange(len(groups)))
    if len(np.unique(winners)) < 2:
        raise InputError(f"{runs.source}: the lower envelope is held by a single run; Approach 1 needs runs of "
                         f"several sizes whose loss curves cross")
    log_c = grid[ok]
    a, log_g, se, ols = _line(log_c, np.log10(sizes[winners]), level)
    rng = np.random.default_rng(seed)
    slopes = []
    for _ in range(bootstrap):
        chosen = np.unique(rng.integers(0, len(groups), len(groups)))
        ok_b, win_b, _ = slope_of(chosen)
        if len(np.unique(win_b)) >= 2:
            slopes.append(stats.linregress(grid[ok_b], np.log10(sizes[win_b])).slope)
    interval = [float(v) for v in percentile_interval(np.array(slopes), level)] if slopes else ols
    pts = [{"compute": float(10 ** c), "n_opt": float(sizes[w]), "loss_min": float(v), "used": True}
           for c, w, v in zip(log_c, winners, loss)]
    notes = [f"{len(groups)} runs with checkpoints; envelope on {int(ok.sum())} compute values",
             f"interval: {'bootstrap percentile over whole runs' if slopes else 'OLS t-interval'}"]
    return IsoFlopResult(1, a, interval, se, ols, log_g, level, bootstrap, seed, pts, runs.source, notes, runs)
