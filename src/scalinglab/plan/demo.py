"""The planning section of the demo report: compute-optimal plans under each published law."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..laws import list_laws
from ..report import Section
from ..units import format_quantity
from .optimal import compute_optimal

BUDGETS = (1e21, 1e23, 5.76e23, 1e25, 1e27)


def section(out_dir: Path) -> Section:
    rows = []
    for entry in list_laws():
        if entry.family in ("kaplan-compute",):
            continue
        plan = compute_optimal(entry.law, list(BUDGETS), name=entry.name)
        for c, n, d, tpp, loss in zip(plan.compute_flops, plan.n_params, plan.n_tokens, plan.tokens_per_param,
                                      plan.loss if plan.loss is not None else [None] * len(BUDGETS)):
            rows.append({"law": entry.name, "compute (FLOP)": f"{c:.3g}", "N": format_quantity(n),
                         "D (tokens)": format_quantity(d), "D/N": f"{tpp:.1f}",
                         "loss": "-" if loss is None else f"{loss:.4f}"})
    return Section(
        "Compute-optimal plans under the published laws",
        [
            "For each budget C (FLOP, C = 6ND) the parameter count N and token count D that minimise each law's "
            "loss. Kaplan's N excludes embeddings and its loss is on WebText2, so its losses are not comparable "
            "with Chinchilla-style laws; allocation rules give N and D but no loss.",
        ],
        [("Compute-optimal N and D per law and budget", pd.DataFrame(rows))],
    )
