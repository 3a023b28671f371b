"""Which inputs drive a milestone's year: first-order Sobol indices and rank correlations.

The forecast's Monte Carlo draws every uncertain input once per sample; the milestone year of each
sample is the output. Two measures rank the inputs:

* the first-order Sobol index S1 = Var(E[year | input]) / Var(year), the share of the year's variance
  the input explains alone, estimated from the given samples with the random-balance-design FAST
  estimator (Tarantola, Gatelli and Mara 2006, Reliab. Eng. Syst. Saf. 91(6) 717-727; on given data as
  in Plischke 2010, "An effective algorithm for computing global sensitivity indices (EASI)", Reliab.
  Eng. Syst. Saf. 95(4) 354-360; bias-corrected as in Tissot and Prieur 2012), as implemented by
  ``SALib.analyze.rbd_fast`` (Herman and Usher 2017, JOSS 2(9) 97), with a bootstrap 90% interval;
* Spearman's rank correlation between the input and the year (its sign says whether a larger input
  brings the milestone earlier or later).

Samples that never reach the milestone count as the year after the forecast ends (censored); the
result says how many. S1 of independent inputs sum to at most 1; the rest is interaction. With
correlated inputs (``correlations`` in the scenario) an input's S1 includes what it shares with the
inputs it is correlated with.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from ..options import spelled
from .options import SENSITIVITY
from .questions import MilestoneError, parse_milestone

__all__ = ["SensitivityResult", "sensitivity"]


@dataclass(frozen=True)
class SensitivityResult:
    """Inputs ranked by the share of a milestone year's variance they explain."""

    scenario: str
    milestone: str
    samples: int
    seed: int
    until: int
    rows: tuple[dict, ...]  # input, value, first_order, first_order_ci90, rank_correlation (sorted by first_order)
    reached_share: float
    median_year: float | None
    law: str | None = None

    def to_dict(self) -> dict:
        return {"scenario": self.scenario, "milestone": self.milestone, "samples": self.samples, "seed": self.seed,
                "until": self.until, "reached_share": self.reached_share, "median_year": self.median_year,
                "method": {"first_order": "Sobol first-order index, RBD-FAST on the Monte Carlo samples (SALib)",
                           "rank_correlation": "Spearman", "never_reached": f"counted as {self.until + 1}"},
                "first_order_sum": float(sum(r["first_order"] for r in self.rows)),
                "inputs": [dict(r) for r in self.rows]}

    def headline(self) -> str:
        top = self.rows[0]
        return f"{self.milestone} in {self.scenario}: {top['input']} explains {top['first_order']:.0%}"

    def report(self):
        from rich.console import Group
        from rich.text import Text

        from .._table import rich_table

        median = "never" if self.median_year is None else f"{self.median_year:.1f}"
        head = Text(f"'{self.milestone}' in {self.scenario}: median year {median}, reached by {self.until} in "
                    f"{self.reached_share:.0%} of {self.samples:,} samples (seed {self.seed})")
        rows = [[r["input"], f"{r['first_order']:.1%}",
                 f"{r['first_order_ci90'][0]:.1%} to {r['first_order_ci90'][1]:.1%}", f"{r['rank_correlation']:+.2f}"]
                for r in self.rows]
        total = sum(r["first_order"] for r in self.rows)
        notes = Text(f"First-order Sobol indices (RBD-FAST, SALib) sum to {total:.0%}; the rest is interaction. "
                     "Rank correlation < 0: a larger input brings the milestone earlier. "
                     f"Samples that never reach it count as {self.until + 1}. Distributions: scalinglab scenarios show.")
        table = rich_table("Share of the milestone year's variance each input explains alone",
                           ["input", "share", "90% interval", "rank corr."], rows)
        return Group(head, table, notes)


def _milestone_years(scenario, milestone: str, **settings):
    """Run the forecast (keeping the inputs) and return it with the label and the years of ``milestone``."""
    from .montecarlo import run_forecast

    try:
        question = parse_milestone(milestone, "milestone")
    except MilestoneError:
        result = run_forecast(scenario, keep_inputs=True, **settings)
        if milestone in result.milestones:
            return result, milestone
        raise MilestoneError(f"{spelled('milestone')} {milestone!r}: neither a question such as 'spending >= $10B' "
                             f"nor one of {scenario.name}'s milestones ({', '.join(result.milestones)})") from None
    result = run_forecast(scenario, keep_inputs=True, milestones=[question], **settings)
    return result, question.label


def sensitivity(scenario, milestone: str, *, samples: int = 10_000, seed: int = 0, until: int | None = None,
                law: str | None = None) -> SensitivityResult:
    """Rank the scenario's uncertain inputs by the share of ``milestone``'s year variance they explain."""
    from scipy import stats
    from SALib.analyze import rbd_fast

    from .inputs import input_fields
    from .milestones import year_percentiles

    samples = SENSITIVITY["samples"].check(samples)
    result, label = _milestone_years(scenario, milestone, samples=samples, seed=seed, until=until, law=law)
    years = np.broadcast_to(np.asarray(result.milestones[label], dtype=float), (result.samples,))
    reached = np.isfinite(years)
    y = np.where(reached, years, result.until + 1.0)
    if not result.inputs:
        raise InputError(f"{scenario.name} has no uncertain inputs: every value is a point, so nothing varies")
    if not reached.any():
        raise InputError(f"milestone {label!r} is never reached by {result.until} in {scenario.name}: "
                         f"there is no variance to explain (ask an easier threshold or a later {spelled('until')})")
    if np.ptp(y) == 0:
        raise InputError(f"milestone {label!r} falls in the same year in every sample of {scenario.name}: "
                         "there is no variance to explain")
    names = list(result.inputs)
    x = np.column_stack([result.inputs[name] for name in names])
    problem = {"num_vars": len(names), "names": names, "bounds": [[float(c.min()), float(c.max())] for c in x.T]}
    s1 = rbd_fast.analyze(problem, x, y, num_resamples=200, conf_level=0.90, seed=seed)
    fields = input_fields(scenario)
    rows = []
    for i, name in enumerate(names):
        number, field = fields[name]
        rho = stats.spearmanr(x[:, i], y).statistic
        centre, half = float(s1["S1"][i]), float(s1["S1_conf"][i])
        rows.append({"input": name, "value": number.describe(field), "first_order": centre,
                     "first_order_ci90": (centre - half, centre + half),
                     "rank_correlation": 0.0 if not np.isfinite(rho) else float(rho)})
    rows.sort(key=lambda r: -r["first_order"])
    return SensitivityResult(scenario.name, label, result.samples, seed, result.until, tuple(rows),
                             float(reached.mean()), year_percentiles(years)["p50"], result.law)
