"""Chart of a sweep: IsoFLOP curves (held-out loss against N at each budget) with their fitted parabolas."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["isoflop_chart"]


def isoflop_chart(rows: list[dict], fit: dict | None = None):
    """Loss against N (log axis), one colour per budget; the fitted parabola of each budget dashed."""
    import altair as alt

    frame = pd.DataFrame(rows)
    frame["budget label"] = frame["budget"].map(lambda c: f"{c:.2g} FLOP")
    x = alt.X("params:Q", scale=alt.Scale(type="log"), title="parameters N")
    y = alt.Y("loss:Q", scale=alt.Scale(zero=False), title="held-out loss (nats/token)")
    colour = alt.Color("budget label:N", title="budget", sort=sorted(frame["budget label"].unique(),
                                                                       key=lambda s: float(s.split()[0])))
    layers = [alt.Chart(frame).mark_line(point=True).encode(x=x, y=y, color=colour,
                                                           tooltip=["key", "params", "tokens", "loss"])]
    if fit:
        curves = []
        for point in fit.get("points", []):
            coef = point.get("parabola") or []
            if len(coef) != 4:
                continue
            p0, p1, p2, centre = coef
            lo, hi = point["log10_n_range"]
            u = np.linspace(lo, hi, 40)
            curves.append(pd.DataFrame({"params": 10.0**u, "loss": p0 + p1 * (u - centre) + p2 * (u - centre) ** 2,
                                        "budget label": f"{point['compute']:.2g} FLOP"}))
        if curves:
            layers.append(alt.Chart(pd.concat(curves)).mark_line(strokeDash=[4, 3], opacity=0.7)
                          .encode(x=x, y=y, color=colour))
    return alt.layer(*layers).properties(width=520, height=320, title="IsoFLOP curves of the sweep")
