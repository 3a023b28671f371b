"""The planning section of the demo report: compute-optimal plans under each published law."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..charts.plan import optimal_size_chart
from ..charts.save import save_chart
from ..laws import get_law, list_laws
from .html import Section
from ..units import format_quantity
from ..plan.data_constrained import compute_for_epochs
from ..plan.optimal import compute_optimal, fixed_ratio

BUDGETS = (1e21, 1e23, 5.76e23, 1e25, 1e27)
ESSAY_EPOCHS = (1, 4, 16, 60)


def _plan_rows() -> tuple[list[dict], list[dict]]:
    rows, points = [], []
    for entry in list_laws():
        if entry.family == "kaplan-compute":
            continue
        for c in BUDGETS:
            plan = compute_optimal(entry.law, c, name=entry.name)
            rows.append({"law": entry.name, "compute (FLOP)": f"{c:.3g}", "N": format_quantity(float(plan.n_params)),
                         "D (tokens)": format_quantity(float(plan.n_tokens)), "D/N": f"{float(plan.tokens_per_param):.1f}",
                         "loss": "-" if plan.loss is None else f"{float(plan.loss):.4f}"})
        for c in np.logspace(19, 28, 10):
            plan = compute_optimal(entry.law, c)
            points.append({"law": entry.name, "compute": c, "n_opt": float(plan.n_params)})
    return rows, points


def _essay_rows() -> list[dict]:
    law = get_law("muennighoff2023").law
    rows = [{"plan": "20 tokens/param (essay)", "epochs": 1.0, **_row(fixed_ratio(20, n_tokens=50e12))}]
    claims = {1: "about 8e26", 16: "8e28", 60: "9e29"}
    for epochs in ESSAY_EPOCHS:
        plan = compute_for_epochs(law, 50e12, epochs)
        rows.append({"plan": f"muennighoff2023, {epochs} epochs", "epochs": float(epochs), **_row(plan),
                     "essay claims": claims.get(epochs, "")})
    return rows


def _row(plan) -> dict:
    return {"compute (FLOP)": f"{float(plan.compute_flops):.3g}", "N": format_quantity(float(plan.n_params)),
            "D (tokens)": format_quantity(float(plan.n_tokens)), "D/N": f"{float(plan.tokens_per_param):.1f}"}


def _summary() -> str:
    from ..plan import compute_optimal

    replication = compute_optimal(get_law("besiroglu2024").law, 5.76e23)
    published = compute_optimal(get_law("hoffmann2022").law, 5.76e23)
    return (f"At Chinchilla's 5.76e23 FLOP, Besiroglu et al.'s replication puts the optimum at "
            f"{format_quantity(float(replication.n_params))} parameters on {format_quantity(float(replication.n_tokens))} "
            f"tokens ({float(replication.tokens_per_param):.0f} per parameter); Hoffmann et al.'s published Approach 3 "
            f"fit says {format_quantity(float(published.n_params))} on {format_quantity(float(published.n_tokens))} "
            f"({float(published.tokens_per_param):.0f} per parameter), at odds with their own Approaches 1 and 2.")


def section(out_dir: Path) -> Section:
    rows, points = _plan_rows()
    chart = optimal_size_chart(pd.DataFrame(points))
    save_chart(chart, out_dir / "plan_optimal_size.svg")
    return Section(
        "Compute-optimal plans under the published laws",
        [
            "For each budget C (FLOP, C = 6ND) the parameter count N and token count D that minimise each law's "
            "loss. Kaplan's N excludes embeddings and its loss is on WebText2, so its losses are not comparable "
            "with Chinchilla-style laws; allocation rules give N and D but no loss.",
            "Worked example from the essay \"The Scaling Picture\": 50T unique "
            "tokens at 20 tokens per parameter, then the budgets at which the data-constrained law of "
            "Muennighoff et al. 2023 trains 1, 4, 16 and 60 epochs compute-optimally.",
        ],
        [("Compute-optimal N and D per law and budget", pd.DataFrame(rows)),
         ("50T unique tokens: compute worth spending at each repetition", pd.DataFrame(_essay_rows()).fillna(""))],
        [chart],
        summary=_summary(),
    )
