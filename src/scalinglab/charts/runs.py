"""Charts of a runs registry: validation-loss curves of a sweep's runs, and cluster utilisation."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .plan import SI_LABEL

__all__ = ["loss_curves_chart", "cluster_chart"]


def loss_curves_chart(frame: pd.DataFrame, width: int = 600, height: int = 320) -> alt.Chart:
    """Loss against training tokens, one line per run (``frame``: key, budget, tokens, loss)."""
    x = alt.X("tokens:Q", scale=alt.Scale(type="log"), axis=alt.Axis(labelExpr=SI_LABEL, tickCount=6),
              title="training tokens")
    return (
        alt.Chart(frame)
        .mark_line(point=alt.OverlayMarkDef(size=12))
        .encode(x=x, y=alt.Y("loss:Q", scale=alt.Scale(zero=False), title="validation loss"),
                color=alt.Color("budget:N", title="budget (FLOP)", legend=alt.Legend(symbolOpacity=1)),
                detail="key:N",
                tooltip=["key:N", alt.Tooltip("budget:N", title="budget"), alt.Tooltip("tokens:Q", format=".3~s"),
                         alt.Tooltip("loss:Q", format=".4f")])
        .properties(width=width, height=height, title="Loss curves")
        .interactive()
    )


def cluster_chart(frame: pd.DataFrame, points: pd.DataFrame | None = None, width: int = 520,
                  height: int = 260) -> alt.LayerChart:
    """Utilisation U(G) against cluster size (``frame``: gpus, utilisation, and ``family`` for one line per
    run family), with published points (``points``: gpus, utilisation, label) when given."""
    x = alt.X("gpus:Q", scale=alt.Scale(type="log"), axis=alt.Axis(values=[1, 10, 100, 1000, 10_000, 100_000], labelExpr=SI_LABEL),
              title="accelerators G")
    y = alt.Y("utilisation:Q", axis=alt.Axis(format=".0%"), scale=alt.Scale(zero=True), title="utilisation (MFU)")
    tips = [alt.Tooltip("gpus:Q", format=",.0f"), alt.Tooltip("utilisation:Q", format=".1%")]
    if "family" in frame.columns:
        line = alt.Chart(frame).mark_line().encode(x=x, y=y, color=alt.Color("family:N", title="run family"),
                                                   tooltip=["family:N", *tips])
    else:
        line = alt.Chart(frame).mark_line().encode(x=x, y=y, tooltip=tips)
    layers = [line]
    if points is not None and len(points):
        layers.append(alt.Chart(points).mark_point(filled=True, size=60, color="#d62728").encode(
            x=x, y=y, tooltip=["label:N", alt.Tooltip("gpus:Q", format=",.0f"),
                               alt.Tooltip("utilisation:Q", format=".1%")]))
    return alt.layer(*layers).properties(width=width, height=height,
                                         title="Utilisation falls as clusters grow: U(G) = U1 G^-b").interactive()
