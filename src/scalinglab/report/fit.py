"""The fitting section of the demo report: the Chinchilla replication, its uncertainty and a backtest."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..laws import get_law
from .html import Section
from ..fit.api import fit_law, isoflop

BOOTSTRAP = 400
SEED = 0


def _comparison(result) -> pd.DataFrame:
    ours = get_law("besiroglu2024-hoffmann-procedure").law.params()
    mle = get_law("besiroglu2024")
    hoffmann = get_law("hoffmann2022").law.params()
    rows = []
    for name, value in result.params.items():
        rows.append({
            "parameter": name, "this fit": f"{value:.5g}",
            "bootstrap SE": f"{result.stderr[name]:.3g}",
            f"{result.level:.0%} interval": f"{result.intervals[name][0]:.4g} - {result.intervals[name][1]:.4g}",
            "Besiroglu et al. (Hoffmann's procedure)": f"{ours[name]:.5g}",
            "Besiroglu et al. (MLE, SE)": f"{mle.law.params()[name]:.5g} ({mle.stderr[name]:.3g})",
            "Hoffmann et al. 2022": f"{hoffmann[name]:.5g}",
        })
    return pd.DataFrame(rows)


def section(out_dir: Path) -> Section:
    from ..charts.fit import fit_chart, isoflop_chart, nopt_chart

    result = fit_law("chinchilla-runs", "chinchilla", drop_highest_loss=5, bootstrap=BOOTSTRAP, seed=SEED,
                     holdout_above=1e21, budgets=(5.76e23, 1e25), points=((70e9, 1.4e12),))
    iso = isoflop("chinchilla-runs", seed=SEED)
    bt = result.backtest
    budget = result.derived["budgets"][0]
    paragraphs = [
        f"The Chinchilla law L = E + A/N^alpha + B/D^beta fitted to the {result.n_runs} lowest-loss runs of Hoffmann "
        f"et al.'s Figure 4 as extracted by Besiroglu et al. 2024 (arXiv:2404.10102), with their objective "
        f"(log-Huber, delta 1e-3, summed) and the fast estimator: objective {result.objective:.5g} "
        f"(Besiroglu et al.: about 1.0183e-3). Standard errors and intervals come from {BOOTSTRAP} bootstrap refits "
        f"over runs (seed {SEED}).",
        f"At Chinchilla's budget of 5.76e23 FLOP the fit puts the optimum at N = {budget['n_opt']:.3g} "
        f"({budget['n_opt_interval'][0]:.3g} to {budget['n_opt_interval'][1]:.3g}) and "
        f"{budget['tokens_per_param']:.1f} tokens per parameter; Chinchilla itself has 70B parameters on 1.4T tokens.",
        f"Backtest: fitted on the {bt['train_runs']} runs at or below 1e21 FLOP, the law predicts the "
        f"{bt['test_runs']} larger runs with a mean absolute error of {bt['mape']:.2f}% of the loss; its "
        f"{bt['level']:.0%} prediction interval covers {bt['coverage']:.0%} of them.",
        f"IsoFLOP Approach 2 on the {sum(p['runs'] for p in iso.points)} runs that fall in the {len(iso.points)} "
        f"compute budgets found by clustering log C: N_opt ~ C^a with a = {iso.a:.3f} "
        f"({iso.a_interval[0]:.3f} to {iso.a_interval[1]:.3f}); "
        f"Hoffmann et al. report a = 0.49 for Approach 2 (Table 2).",
    ]
    paragraphs += [f"Diagnostic: {w}." for w in result.warnings]
    predicted = result.derived["points"][0]
    new_run = pd.DataFrame([{
        "N": "70B", "D": "1.4T", "predicted loss": f"{predicted['loss']:.4f}",
        "mean-curve interval": "{:.4f} - {:.4f}".format(*predicted["mean_interval"]),
        "prediction interval (one new run)": "{:.4f} - {:.4f}".format(*predicted["prediction_interval"]),
    }])
    charts = [fit_chart(result), (isoflop_chart(iso) | nopt_chart(iso)).resolve_scale(color="independent")]
    return Section(
        "Fitting: the Chinchilla replication",
        paragraphs,
        [("Fitted parameters against the published values", _comparison(result)),
         ("Chinchilla's own configuration under the fit", new_run)],
        charts,
        summary=(f"Refitting Hoffmann et al.'s runs gives alpha = {result.params['alpha']:.3f} and beta = "
                 f"{result.params['beta']:.3f} (Besiroglu et al.: 0.348, 0.366; Hoffmann et al.: 0.34, 0.28) and "
                 f"{budget['tokens_per_param']:.1f} tokens per parameter at 5.76e23 FLOP; fitted below 1e21 FLOP it "
                 f"predicts the larger runs within {bt['mape']:.2f}% of the loss."),
    )
