"""The sweep section of the demo report: the tiny CPU IsoFLOP sweep on the demo corpus, fitted."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

from ..units import format_quantity

from .html import Section

__all__ = ["section"]


def curves_table(rows: list[dict]) -> pd.DataFrame:
    """One row per finished run: budget label, N, D, D/N and held-out loss, sorted by budget then N."""
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    out = pd.DataFrame({
        "budget (FLOP)": frame["budget"].map(lambda c: f"{c:.3g}"), "N": frame["params"].map(format_quantity),
        "D (tokens)": frame["tokens"].map(format_quantity), "D/N": (frame["tokens"] / frame["params"]).round(1),
        "held-out loss": frame["loss"].round(4), "seconds": frame["wall_seconds"].round(1)})
    return out.iloc[np.lexsort((frame["params"].to_numpy(), frame["budget"].to_numpy()))].reset_index(drop=True)


def _skipped(reason: str) -> Section:
    return Section("IsoFLOP sweep of small GPTs (skipped)",
                   [f"Skipped: {reason}. Install the train extra (pip install 'scalinglab[train]') to run it."])


def section(out_dir: Path) -> Section:
    if importlib.util.find_spec("torch") is None:
        return _skipped("PyTorch is not installed")
    from ..charts.sweep import isoflop_chart
    from ..sweep.api import prepare_plan
    from ..sweep.runner import run_sweep

    planned = prepare_plan(preset="tiny", estimate=False)
    out = Path(out_dir) / "sweep"
    result = run_sweep(planned.plan, planned.corpus, name="tiny", registry=out / "runs.sqlite", out_dir=out,
                       fit=True, progress=False)
    corpus = planned.corpus
    paragraphs = [
        f"A real IsoFLOP sweep, trained here on CPU: {len(result.rows)} decoder-only transformers (rotary positions, "
        f"tied embeddings, pre-norm) of {format_quantity(min(r['params'] for r in result.rows))}-"
        f"{format_quantity(max(r['params'] for r in result.rows))} "
        f"parameters at budgets of {', '.join(f'{b:.0e}' for b in planned.plan.budgets)} FLOP (C = 6 N D, N all "
        f"parameters), each run about {planned.options['steps']} AdamW steps with warmup and cosine decay to its own "
        f"token budget. Text: the Python standard library's own source files ({corpus.n_bytes / 1e6:.1f} MB, "
        f"byte-level tokens, {corpus.n_val_documents} files held out for the loss). Losses are nats per byte on "
        f"held-out files.",
        f"Finished in {result.seconds:.0f} s ({result.ran} runs trained now, {result.skipped} found in the registry "
        f"{out / 'runs.sqlite'}).",
    ]
    if result.fit:
        fit = result.fit
        used = [p for p in fit["points"] if p["used"]]
        ratios = ", ".join(f"{p['d_opt'] / p['n_opt']:.0f} at {p['compute']:.0e}" for p in used)
        paragraphs.append(
            f"Hoffmann et al.'s Approach 2 (a parabola in log N per budget, scalinglab.fit.isoflop) finds interior "
            f"optima at {len(used)} of {len(fit['points'])} budgets; tokens per parameter at the optimum: {ratios} "
            f"(Chinchilla: about 20). N_opt = {fit['G']:.3g} C^{fit['a']:.2f}; with so few, so small runs the "
            f"exponent is rough.")
    elif result.fit_error:
        paragraphs.append(f"IsoFLOP fit: {result.fit_error}")
    fit_rows = [] if not result.fit else [
        {"budget (FLOP)": f"{p['compute']:.3g}", "N_opt": "-" if not p["used"] else format_quantity(p["n_opt"]),
         "D_opt (tokens)": "-" if not p["used"] else format_quantity(p["d_opt"]),
         "D/N": "-" if not p["used"] else f"{p['d_opt'] / p['n_opt']:.1f}", "status": p["note"] or "used"}
        for p in result.fit["points"]]
    tables = [("Runs: held-out loss by budget and size", curves_table(result.rows))]
    if fit_rows:
        tables.append(("IsoFLOP optima (Approach 2)", pd.DataFrame(fit_rows)))
    summary = f"{len(result.rows)} small GPTs trained on this machine's CPU in {result.seconds:.0f} s"
    if result.fit:
        summary += (f"; Approach 2 finds interior optima at {len(used)} of {len(result.fit['points'])} budgets "
                    f"({ratios} tokens per parameter; Chinchilla: about 20)")
    return Section("IsoFLOP sweep of small GPTs, trained on this machine", paragraphs, tables,
                   [isoflop_chart(result.rows, result.fit)], summary=summary + ".")
