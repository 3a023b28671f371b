"""The parameters of ``forecast``, ``sensitivity``, ``compare`` and ``trend``, each declared once.

From these come the command-line options, the Python functions' signatures and docstrings
(``sl.forecast``, ...) and the web request body of ``/api/v1/forecast``; the checks here name a parameter
as the caller spells it (``--samples``, ``samples=``, ``samples``). This module imports nothing heavy:
every command reads it before it runs.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import InputError
from ..options import Option, Options, spelled

__all__ = ["FORECAST", "SENSITIVITY", "COMPARE", "TREND", "SHOW_SCENARIO", "MAX_SAMPLES", "MIN_SENSITIVITY_SAMPLES", "needs"]

#: Most joint draws of one forecast.
MAX_SAMPLES = 2_000_000
#: Fewer samples than this leave the first-order estimator of ``sensitivity`` with too few points per
#: harmonic to mean anything.
MIN_SENSITIVITY_SAMPLES = 500

SCENARIO = Option("scenario", "A preset (scalinglab scenarios list) or a scenario YAML file.")
SAMPLES = Option("samples", "Monte Carlo samples.", default=10_000, kind="int", low=1, high=MAX_SAMPLES)
SEED = Option("seed", "Random seed (the same seed gives the same output).", default=0, kind="int", low=0,
              high=2**32 - 1)
#: The last year depends on the scenario (after its start year, at most 300 years on): checked when it is read.
UNTIL = Option("until", "Last year of the forecast (default: the scenario's).", kind="int")
LAW = Option("law", "Law of the largest run's N, D and loss (e.g. hoffmann2022, besiroglu2024, muennighoff2023); "
                    "the run then wants that law's compute-optimal dataset. Default: the scenario's dataset rule, "
                    "else hoffmann2022.")

#: ``scenarios show``: one scenario, with every input's distribution and source.
SHOW_SCENARIO = Options((
    Option("name", "A preset name or a scenario YAML file.", argument=True),
))

FORECAST = Options((
    SCENARIO, SAMPLES, SEED, UNTIL, LAW,
    Option("milestones", "Milestone questions on any series, e.g. 'spending >= $10B', 'compute >= 1e28' or "
                         "'loss <= 1.8' (one or more).", many=True, flag="--milestone"),
))

SENSITIVITY = Options((
    SCENARIO,
    Option("milestone", "A question such as 'spending >= $100B', or one of the forecast's milestones such as "
                        "'data stock binds'."),
    Option("samples", SAMPLES.help, default=SAMPLES.default, kind="int", low=MIN_SENSITIVITY_SAMPLES,
           high=MAX_SAMPLES),
    SEED, UNTIL, LAW,
))

COMPARE = Options((
    Option("scenarios", "Two or more presets or scenario files.", many=True, argument=True),
    SAMPLES, SEED, UNTIL,
))

TREND = Options((
    Option("data", "A bundled dataset (scalinglab datasets list) or a CSV file (in Python also a DataFrame).",
           argument=True),
    Option("y", "Column to fit, e.g. 'Training compute (FLOP)'."),
    Option("since", "Keep rows from this year or date on."),
    Option("until", "Keep rows before this year or date."),
    Option("domain", "Keep rows whose domain labels include this, e.g. Language."),
    Option("top_n", "Keep the N largest rows per calendar year.", kind="int", low=1),
    Option("rank_by", "Column that ranks the rows for the N largest per year (default: training compute, else "
                      "the fitted column)."),
    Option("date_column", "Date column (default: the dataset's)."),
    Option("domain_column", "Domain column (default: Domain or category)."),
    Option("bootstrap", "Bootstrap resamples for the 90% interval.", default=2000, kind="int", low=10, high=100_000),
    SEED,
))


def needs(command: str, values: Mapping, *names: str) -> None:
    """An ``InputError`` naming the first of ``names`` that ``values`` lacks (``forecast needs --scenario``)."""
    for name in names:
        if values.get(name) is None:
            raise InputError(f"{command} needs {spelled(name)}")
