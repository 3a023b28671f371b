"""Charts of compute-optimal plans: N_opt against compute for several laws."""

from __future__ import annotations

import altair as alt
import pandas as pd

__all__ = ["optimal_size_chart"]


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
