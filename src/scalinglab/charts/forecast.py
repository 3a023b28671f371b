"""Forecast charts: a fan chart per quantity, milestone-year distributions, scenarios side by side, trends."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

__all__ = ["fan_chart", "milestone_chart", "run_path_chart", "forecast_chart", "compare_chart", "trend_chart",
           "tornado_chart"]

_WIDTH, _HEIGHT = 300, 190


def _label(quantity: str) -> str:
    from ..forecast.result import QUANTITIES

    unit = QUANTITIES[quantity][0]
    return f"{quantity.replace('_', ' ')} ({unit})" if unit else quantity.replace("_", " ")


def _log_scale(values) -> alt.Scale:
    return alt.Scale(type="log") if np.all(np.asarray(values) > 0) else alt.Scale()


def _years(frame: pd.DataFrame, column: str = "year") -> alt.X:
    domain = [float(frame[column].min()), float(frame[column].max())]
    return alt.X(f"{column}:Q", scale=alt.Scale(domain=domain, nice=False), axis=alt.Axis(format="d"), title="year")


_AXIS = alt.Axis(format=".0e")


def fan_chart(result, quantity: str) -> alt.LayerChart:
    """Median line with 25-75% and 5-95% bands of one quantity over the years (log scale)."""
    frame = result.percentile_frame(quantity)
    base = alt.Chart(frame).encode(x=_years(frame))
    linear = quantity == "loss"  # a loss spans a fraction of a decade: a linear axis shows it flattening
    scale = alt.Scale(zero=False) if linear else _log_scale(frame[["p5", "p95"]].to_numpy())
    outer = base.mark_area(opacity=0.18, color="#4c78a8").encode(
        y=alt.Y("p5:Q", scale=scale, title=_label(quantity), axis=alt.Axis(format=".3g") if linear else _AXIS),
        y2="p95:Q")
    inner = base.mark_area(opacity=0.35, color="#4c78a8").encode(y=alt.Y("p25:Q", scale=scale), y2="p75:Q")
    line = base.mark_line(color="#1f3b63").encode(
        y=alt.Y("p50:Q", scale=scale), tooltip=["year:Q", "p5:Q", "p50:Q", "p95:Q"])
    return alt.layer(outer, inner, line).properties(width=_WIDTH, height=_HEIGHT, title=_label(quantity))


def milestone_chart(result, bin_years: float = 0.5) -> alt.LayerChart | None:
    """Each milestone's distribution of years (share of samples per bin) with its median marked."""
    rows, medians = [], []
    for name, years in result.milestones.items():
        years = np.broadcast_to(np.asarray(years, dtype=float), (result.samples,))
        finite = years[np.isfinite(years)]
        if finite.size:
            bins = np.floor(finite / bin_years) * bin_years
            values, counts = np.unique(bins, return_counts=True)
            rows += [{"milestone": name, "year": float(v), "year_end": float(v) + bin_years, "share": c / years.size}
                     for v, c in zip(values, counts)]
            medians.append({"milestone": name, "median": float(np.quantile(finite, 0.5))}
                           if finite.size * 2 >= years.size else {"milestone": name, "median": None})
    if not rows:
        return None
    order = list(result.milestones)
    data = pd.DataFrame(rows)
    heat = alt.Chart(data).mark_rect().encode(
        x=alt.X("year:Q", scale=alt.Scale(domain=[float(data["year"].min()), float(data["year_end"].max())], nice=False),
                axis=alt.Axis(format="d", tickMinStep=1), title="year"),
        x2="year_end:Q",
        y=alt.Y("milestone:N", sort=order, title=None),
        color=alt.Color("share:Q", scale=alt.Scale(scheme="blues"), title="share of samples"),
        tooltip=["milestone:N", "year:Q", alt.Tooltip("share:Q", format=".1%")])
    marks = pd.DataFrame([m for m in medians if m["median"] is not None])
    layers = [heat]
    if len(marks):
        layers.append(alt.Chart(marks).mark_tick(color="#d62728", thickness=2).encode(
            x="median:Q", y=alt.Y("milestone:N", sort=order)))
    return alt.layer(*layers).properties(width=2 * _WIDTH + 40, title="Milestone year (red: median)")


def run_path_chart(result) -> alt.ConcatChart | None:
    """Where the data stock binds: the dataset the run wanted, what it got and the stock (medians, with the
    5-95% band of what it got), and compute beside the useful compute 6 N' D' the repeated data leaves."""
    pairs = [(("dataset_wanted", "wanted"), ("dataset", "trained on"), ("data_stock", "stock")),
             (("compute", "compute"), ("useful_compute", "useful compute 6 N' D'"))]
    if "dataset_wanted" not in result.levels:
        return None
    panels = []
    for pair in pairs:
        frames = []
        for quantity, label in pair:
            frame = result.percentile_frame(quantity)
            frame["series"] = label
            frames.append(frame)
        data = pd.concat(frames, ignore_index=True)
        base = alt.Chart(data).encode(x=_years(data), color=alt.Color("series:N", title=None, sort=[p[1] for p in pair]))
        scale = _log_scale(data[["p5", "p95"]].to_numpy())
        unit = _label(pair[0][0]).split("(")[-1].rstrip(")")
        band = base.transform_filter(alt.datum.series == pair[1][1]).mark_area(opacity=0.2).encode(
            y=alt.Y("p5:Q", scale=scale, title=unit, axis=_AXIS), y2="p95:Q")
        line = base.mark_line().encode(y=alt.Y("p50:Q", scale=scale), tooltip=["series:N", "year:Q", "p50:Q"])
        panels.append(alt.layer(band, line).properties(width=_WIDTH, height=_HEIGHT,
                                                       title=f"{pair[0][1]} vs {pair[1][1]} (median; band 5-95%)"))
    return alt.hconcat(*panels).resolve_scale(color="independent").properties(
        title=f"The largest run under {result.law}: where the data stock binds")


def forecast_chart(result) -> alt.VConcatChart:
    """The run path (when there is a data stock) and fan charts of every quantity above the milestone years."""
    fans = alt.concat(*[fan_chart(result, q) for q in result.quantities], columns=2)
    path = run_path_chart(result)
    parts = ([path] if path is not None else []) + [fans]
    milestones = milestone_chart(result)
    if milestones is not None:
        parts.append(milestones)
    title = result.scenario.title or result.scenario.name
    return alt.vconcat(*parts).properties(title=f"{title} ({result.samples:,} samples)")


def compare_chart(compare, quantities: tuple[str, ...] = ("spending", "compute", "effective_compute", "dataset")):
    """Median and 25-75% band of several scenarios on one chart per quantity."""
    panels = []
    for quantity in quantities:
        frames = []
        for result in compare.results:
            if quantity in result.levels:
                frame = result.percentile_frame(quantity)
                frame["scenario"] = result.scenario.name
                frames.append(frame)
        if not frames:
            continue
        data = pd.concat(frames, ignore_index=True)
        scale = _log_scale(data[["p25", "p75"]].to_numpy())
        base = alt.Chart(data).encode(x=_years(data), color=alt.Color("scenario:N", title="scenario"))
        band = base.mark_area(opacity=0.2).encode(y=alt.Y("p25:Q", scale=scale, title=_label(quantity), axis=_AXIS),
                                                  y2="p75:Q")
        line = base.mark_line().encode(y=alt.Y("p50:Q", scale=scale), tooltip=["scenario:N", "year:Q", "p50:Q"])
        panels.append(alt.layer(band, line).properties(width=_WIDTH, height=_HEIGHT, title=_label(quantity)))
    return alt.concat(*panels, columns=2).properties(title="Scenarios compared: median and 25-75% band")


def trend_chart(trend) -> alt.LayerChart:
    """The rows of a trend fit (log scale) with the fitted exponential."""
    data = trend.points.rename(columns={"t": "date"})
    base = alt.Chart(data).encode(x=alt.X("date:Q", scale=alt.Scale(zero=False), axis=alt.Axis(format="d"),
                                          title=trend.date_column))
    points = base.mark_circle(size=22, opacity=0.5).encode(
        y=alt.Y("y:Q", scale=alt.Scale(type="log"), title=trend.y, axis=_AXIS))
    fit = base.mark_line(color="#d62728").encode(y="fit:Q")
    title = (f"{trend.y}: {trend.growth_per_year:.3g}x/yr (90% CI {trend.ci90[0]:.3g}-{trend.ci90[1]:.3g}), "
             f"n = {trend.n}")
    return alt.layer(points, fit).properties(width=2 * _WIDTH, height=_HEIGHT + 60, title=title)


def tornado_chart(sensitivity) -> alt.LayerChart:
    """Inputs ranked by their first-order share of a milestone year's variance (bars, 90% interval as a rule);
    colour: whether a larger input brings the milestone earlier or later (sign of the rank correlation)."""
    rows = [{"input": r["input"], "share": r["first_order"], "lo": r["first_order_ci90"][0],
             "hi": r["first_order_ci90"][1], "rank correlation": r["rank_correlation"],
             "larger input": "earlier" if r["rank_correlation"] < 0 else "later"} for r in sensitivity.rows]
    data = pd.DataFrame(rows)
    order = [r["input"] for r in rows]
    y = alt.Y("input:N", sort=order, title=None)
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("share:Q", axis=alt.Axis(format="%"), title="share of the milestone year's variance (first-order)"),
        y=y, color=alt.Color("larger input:N", scale=alt.Scale(domain=["earlier", "later"], range=["#4c78a8", "#e45756"]),
                             title="larger input: milestone"),
        tooltip=["input:N", alt.Tooltip("share:Q", format=".1%"), alt.Tooltip("rank correlation:Q", format="+.2f")])
    rules = alt.Chart(data).mark_rule(color="#333").encode(x="lo:Q", x2="hi:Q", y=y)
    title = f"{sensitivity.milestone} ({sensitivity.scenario}, {sensitivity.samples:,} samples)"
    return alt.layer(bars, rules).properties(width=2 * _WIDTH, height=max(60, 28 * len(rows)), title=title)
