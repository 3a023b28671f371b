"""Fit charts: loss against compute with the runs, iso-N curves and the compute-optimal frontier (with
its bootstrap band); IsoFLOP parabolas with their minima; N_opt against C next to the published laws."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from ..laws import NDLaw, get_law, law_from_dict
from ..plan import compute_optimal

__all__ = ["fit_chart", "isoflop_chart", "nopt_chart", "groups_chart", "PUBLISHED_ALLOCATIONS"]

_WIDTH, _HEIGHT = 420, 280
_LOG = alt.Scale(type="log")
#: Log axes in powers of ten: labels on the decades only (1e+8, 1e+9), never on 2e+8, 3e+8, ... which collide.
_E = alt.Axis(labelExpr="abs(log(datum.value) / LN10 - round(log(datum.value) / LN10)) < 1e-6 "
                        "? format(datum.value, '.0e') : ''")

#: Published laws drawn next to a fitted N_opt(C) (all plan an allocation).
PUBLISHED_ALLOCATIONS = ("hoffmann2022-approach1", "hoffmann2022-approach2", "hoffmann2022", "besiroglu2024",
                         "kaplan2020-allocation")


def _compute_range(c: np.ndarray, extend: float = 30.0, points: int = 60) -> np.ndarray:
    return np.logspace(np.log10(c.min()), np.log10(c.max() * extend), points)


def _frontier(law, grid, k) -> np.ndarray:
    return np.asarray(compute_optimal(law, grid, flops_per_param_token=k).loss, dtype=float)


def fit_chart(result, level: float | None = None) -> alt.LayerChart:
    """Runs (loss against C, coloured by N), iso-N curves of the fit and its compute-optimal frontier.

    With bootstrap replicates the frontier carries the ``level`` band of the mean curve.
    """
    runs, law = result.runs, result.law
    if runs is None:
        from ..errors import InputError

        raise InputError("this fit carries no runs to plot (it was loaded from a file); refit to chart it")
    if not isinstance(law, NDLaw):
        return _one_variable_chart(result)
    k = runs.flops_per_param_token
    frame = runs.frame().assign(log10_n=lambda f: np.log10(f["n"]))
    grid = _compute_range(runs.c)
    front = pd.DataFrame({"c": grid, "loss": _frontier(law, grid, k)})
    domain = [0.95 * min(front["loss"].min(), runs.loss.min()), 1.05 * runs.loss.max()]
    points = alt.Chart(frame).mark_circle(size=28, opacity=0.75).encode(
        x=alt.X("c:Q", scale=_LOG, axis=_E, title="training compute C (FLOP)"),
        y=alt.Y("loss:Q", scale=alt.Scale(type="log", domain=domain, nice=False), title="loss"),
        color=alt.Color("log10_n:Q", scale=alt.Scale(scheme="viridis"), title="log10 N"),
        tooltip=["row:Q", "n:Q", "d:Q", "c:Q", "loss:Q"])
    iso_rows = []
    for n in np.quantile(runs.n, [0.0, 0.25, 0.5, 0.75, 1.0]):
        d = grid / (k * n)
        keep = d >= 0.3 * n
        iso_rows += [{"c": c, "loss": float(v), "N": f"N = {n:.2g}"} for c, v in zip(grid[keep], law.loss(n, d[keep]))
                     if v <= domain[1]]
    iso = alt.Chart(pd.DataFrame(iso_rows)).mark_line(strokeDash=[4, 3], opacity=0.7, clip=True).encode(
        x="c:Q", y="loss:Q", detail="N:N", color=alt.value("#888"), tooltip=["N:N"])
    layers = [points, iso]
    if result.replicate_laws:
        level = level or result.level
        reps = np.array([_frontier(law_from_dict(d), grid, k) for d in result.replicate_laws])
        with np.errstate(all="ignore"):
            front["lo"] = np.nanpercentile(reps, 50 * (1 - level), axis=0)
            front["hi"] = np.nanpercentile(reps, 100 - 50 * (1 - level), axis=0)
        layers.append(alt.Chart(front).mark_area(opacity=0.25, color="#e45756").encode(x="c:Q", y="lo:Q", y2="hi:Q"))
    layers.append(alt.Chart(front).mark_line(color="#e45756", strokeWidth=2.5).encode(x="c:Q", y="loss:Q",
                                                                                       tooltip=["c:Q", "loss:Q"]))
    title = f"{result.family} fit to {result.data.get('source')}: compute-optimal frontier (red), iso-N curves (grey)"
    return alt.layer(*layers).properties(width=_WIDTH, height=_HEIGHT, title=title)


def _one_variable_chart(result) -> alt.LayerChart:
    runs, law = result.runs, result.law
    x_field = result.settings.get("x") or "c"
    x = getattr(runs, x_field)
    frame = pd.DataFrame({"x": x, "y": runs.loss})
    grid = np.logspace(np.log10(x.min()), np.log10(x.max()), 80)
    curve = pd.DataFrame({"x": grid, "y": np.asarray(law(grid), dtype=float)})
    y_scale = alt.Scale(type="log", zero=False) if result.family != "sigmoid" else alt.Scale(zero=False)
    label = {"n": "parameters N", "d": "tokens D", "c": "compute C (FLOP)"}[x_field]
    dots = alt.Chart(frame).mark_circle(size=30).encode(x=alt.X("x:Q", scale=_LOG, axis=_E, title=label),
                                                        y=alt.Y("y:Q", scale=y_scale, title="loss / metric"))
    line = alt.Chart(curve).mark_line(color="#e45756").encode(x="x:Q", y="y:Q")
    return alt.layer(dots, line).properties(width=_WIDTH, height=_HEIGHT, title=f"{result.family} fit")


def isoflop_chart(result) -> alt.LayerChart:
    """Approach 2: loss against N per budget with the fitted parabolas and their minima.
    Approach 1: each run's loss against compute with the lower envelope."""
    runs = result.runs
    if result.approach == 1:
        frame = runs.frame()
        lines = alt.Chart(frame).mark_line(opacity=0.6).encode(
            x=alt.X("c:Q", scale=_LOG, axis=_E, title="compute C (FLOP)"),
            y=alt.Y("loss:Q", scale=alt.Scale(type="log", zero=False)), detail="group:N",
            color=alt.Color("n:Q", scale=alt.Scale(type="log", scheme="viridis"), title="N"))
        env = alt.Chart(pd.DataFrame(result.points)).mark_line(color="black", strokeWidth=2).encode(
            x="compute:Q", y="loss_min:Q")
        return alt.layer(lines, env).properties(width=_WIDTH, height=_HEIGHT, title="Approach 1: lower envelope")
    frame = runs.frame().assign(budget=[f"{b:.2g}" if np.isfinite(b) else "none" for b in result.labels])
    frame = frame[frame["budget"] != "none"]
    color = alt.Color("budget:N", title="budget (FLOP)", sort=sorted(frame["budget"].unique(), key=float),
                      legend=alt.Legend(symbolOpacity=1))
    # The view follows the parabolas' minima, not the few far-off high-loss runs, which would squash them.
    lows = [p["loss_min"] for p in result.points if p.get("used")]
    y_scale, title = alt.Scale(zero=False), "IsoFLOP curves (Approach 2) and their minima"
    if lows:
        top = max(lows) + 0.5 * (max(lows) - min(lows)) + 0.1
        bottom = min(float(frame["loss"].min()), min(lows)) - 0.02
        if float(frame["loss"].max()) > top:
            y_scale = alt.Scale(zero=False, domain=[bottom, top])
            hidden = int((frame["loss"] > top).sum())
            title = f"IsoFLOP curves (Approach 2) and their minima ({hidden} runs above loss {top:.2f} off the view)"
    dots = alt.Chart(frame).mark_circle(size=30, clip=True).encode(
        x=alt.X("n:Q", scale=_LOG, axis=_E, title="parameters N"),
        y=alt.Y("loss:Q", scale=y_scale, title="loss"), color=color,
        tooltip=["budget:N", alt.Tooltip("n:Q", format=".3~s", title="N"), alt.Tooltip("loss:Q", format=".4f")])
    curves, minima = [], []
    for p in result.points:
        if not p["parabola"]:
            continue
        p0, p1, p2, centre = p["parabola"]
        xs = np.linspace(*p["log10_n_range"], 40)
        u = xs - centre
        curves += [{"n": 10 ** x, "loss": p0 + p1 * v + p2 * v * v, "budget": f"{p['compute']:.2g}"} for x, v in zip(xs, u)]
        if p["used"]:
            minima.append({"n": p["n_opt"], "loss": p["loss_min"], "budget": f"{p['compute']:.2g}"})
    parabolas = alt.Chart(pd.DataFrame(curves)).mark_line(clip=True).encode(x="n:Q", y="loss:Q", color=color)
    stars = alt.Chart(pd.DataFrame(minima)).mark_point(shape="diamond", size=90, filled=True, color="black").encode(
        x="n:Q", y="loss:Q", tooltip=["budget:N", "n:Q", "loss:Q"])
    return alt.layer(dots, parabolas, stars).properties(width=_WIDTH, height=_HEIGHT, title=title)


def nopt_chart(result, published=PUBLISHED_ALLOCATIONS, k: float = 6.0) -> alt.LayerChart:
    """N_opt against C: the IsoFLOP minima, the fitted line N_opt = G C^a and the published laws."""
    used = [p for p in result.points if p.get("used", True)]
    c = np.array([p["compute"] for p in used])
    grid = np.logspace(np.log10(c.min()) - 1, np.log10(c.max()) + 5, 50)
    rows = [{"c": g, "n": float(result.n_opt(g)), "law": f"this fit (a = {result.a:.3f})"} for g in grid]
    for name in published:
        entry = get_law(name)
        plan = compute_optimal(entry.law, grid, flops_per_param_token=k, name=name)
        rows += [{"c": g, "n": float(n), "law": name} for g, n in zip(grid, np.atleast_1d(plan.n_params))]
    lines = alt.Chart(pd.DataFrame(rows)).mark_line().encode(
        x=alt.X("c:Q", scale=_LOG, axis=_E, title="compute C (FLOP)"),
        y=alt.Y("n:Q", scale=_LOG, axis=_E, title="compute-optimal N"), color=alt.Color("law:N", title="law"),
        strokeDash=alt.condition(alt.datum.law == rows[0]["law"], alt.value([1, 0]), alt.value([5, 3])))
    dots = alt.Chart(pd.DataFrame({"c": c, "n": [p["n_opt"] for p in used]})).mark_circle(
        size=60, color="black").encode(x="c:Q", y="n:Q", tooltip=["c:Q", "n:Q"])
    return alt.layer(lines, dots).properties(width=_WIDTH, height=_HEIGHT,
                                             title="N_opt against compute: this fit and published laws")


def groups_chart(result) -> alt.FacetChart:
    """Each parameter of a per-group fit (``fit --group-by``): one dot per group, its interval as a bar."""
    rows = []
    for row in result.rows():
        label = ", ".join(f"{k}={v}" for k, v in row["group"].items())
        for name, value in row["params"].items():
            low, high = (row["intervals"] or {}).get(name) or (value, value)
            rows.append({"group": label, "parameter": name, "value": value, "low": low, "high": high})
    frame = pd.DataFrame(rows)
    base = alt.Chart(frame).encode(y=alt.Y("group:N", title=None))
    bars = base.mark_rule().encode(x=alt.X("low:Q", title="value", scale=alt.Scale(zero=False)), x2="high:Q")
    dots = base.mark_circle(size=60).encode(x="value:Q", color="group:N",
                                            tooltip=["group:N", "parameter:N", "value:Q", "low:Q", "high:Q"])
    return (bars + dots).properties(width=220, height=24 * max(2, frame["group"].nunique())).facet(
        facet=alt.Facet("parameter:N", title=None), columns=3).resolve_scale(x="independent")
