"""Charts of compute-optimal plans: N_opt against compute for several laws."""

from __future__ import annotations

import altair as alt
import pandas as pd

__all__ = ["optimal_size_chart", "plan_curves_chart"]


def optimal_size_chart(frame: pd.DataFrame) -> alt.Chart:
    """Log-log lines of N_opt against C, one colour per law (``frame``: law, compute, n_opt)."""
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("compute:Q", scale=alt.Scale(type="log"), axis=alt.Axis(format=".0e"),
                    title="training compute C (FLOP)"),
            y=alt.Y("n_opt:Q", scale=alt.Scale(type="log"), axis=alt.Axis(format=".0e"),
                    title="compute-optimal parameters N_opt"),
            color=alt.Color("law:N", title="law"),
            tooltip=["law", alt.Tooltip("compute:Q", format=".3g"), alt.Tooltip("n_opt:Q", format=".3g")],
        )
        .properties(width=640, height=380, title="Compute-optimal model size under the published laws")
    )


#: Axis labels: SI prefixes with B (billions) for G, as in the tables (2.9K, 282K, 70B).
SI_LABEL = "replace(format(datum.value, '.3~s'), 'G', 'B')"

#: Log axes label each power of ten only, so labels never crowd.
_DECADES = [10.0 ** e for e in range(-3, 19)]

_PANELS = (
    ("n_opt", "parameters N_opt", SI_LABEL),
    ("d_opt", "tokens D_opt", SI_LABEL),
    ("tokens_per_param", "tokens per parameter D/N", "format(datum.value, '.3~g')"),
    ("loss", "predicted loss", "format(datum.value, '.2f')"),
)


def plan_curves_chart(frame: pd.DataFrame, budget: float | None = None, width: int = 210,
                      height: int = 190) -> alt.HConcatChart:
    """N_opt, D_opt, D/N and loss against compute, one colour per law, in four panels side by side.

    ``frame`` has columns law, compute, n_opt, d_opt, tokens_per_param, loss and, where a law has
    intervals (a bootstrapped fit), ``<column>_lo`` and ``<column>_hi``, drawn as a band. ``budget``
    marks the chosen compute with a rule. Tooltips on every point; drag to pan, wheel to zoom.
    """
    x = alt.X("compute:Q", scale=alt.Scale(type="log"), axis=alt.Axis(format=".0e", tickCount=5, labelAngle=0),
              title="training compute C (FLOP)")
    colour = alt.Color("law:N", title="law", legend=alt.Legend(orient="bottom", symbolOpacity=1, symbolStrokeWidth=3))
    panels = []
    for column, title, number in _PANELS:
        kind = "log" if column != "loss" else "linear"
        scale = alt.Scale(type=kind) if kind == "log" else alt.Scale(zero=False)
        base = alt.Chart(frame).transform_filter(f"isValid(datum.{column})")
        line = base.mark_line(point=alt.OverlayMarkDef(size=14)).encode(
            x=x, y=alt.Y(f"{column}:Q", scale=scale, title=None,
                         axis=alt.Axis(labelExpr=number, tickCount=5, values=_DECADES if kind == "log" else alt.Undefined)),
            color=colour,
            tooltip=[alt.Tooltip("law:N"), alt.Tooltip("compute:Q", format=".3~e", title="C (FLOP)"),
                     alt.Tooltip(f"{column}:Q", format=".4~s" if column != "loss" else ".4f", title=title)])
        layers = [line]
        if f"{column}_lo" in frame.columns:
            band = (alt.Chart(frame).transform_filter(f"isValid(datum.{column}_lo)")
                    .mark_area(opacity=0.25)
                    .encode(x=x, y=alt.Y(f"{column}_lo:Q", scale=scale), y2=f"{column}_hi:Q", color=colour))
            layers.insert(0, band)
        if budget is not None:
            rule = alt.Chart(pd.DataFrame({"compute": [budget]})).mark_rule(color="#444", strokeDash=[4, 3]).encode(x=x)
            layers.append(rule)
        panel = alt.layer(*layers).properties(width=width, height=height, title=title)
        zoom = alt.selection_interval(bind="scales", name=f"zoom_{column}")
        panels.append(panel.add_params(zoom))
    return alt.hconcat(*panels).resolve_scale(color="shared").configure_title(anchor="start", fontSize=12, offset=8)
