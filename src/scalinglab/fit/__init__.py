"""Fitting scaling laws to training runs: estimators, uncertainty, diagnostics, IsoFLOP and backtests.

    >>> result = fit_law("chinchilla-runs", "chinchilla", drop_highest_loss=5)
    >>> round(result.params["alpha"], 3), round(result.params["beta"], 3)
    (0.347, 0.367)
"""

from .api import DEFAULT_BUDGETS, as_runs, fit_law, isoflop
from .bootstrap import Bootstrap, percentile_interval, run_bootstrap
from .estimators import ESTIMATORS, Estimate, estimate
from .isoflop import IsoFlopResult, approach1, approach2, find_budgets
from .models import FAMILIES_FITTABLE, FitModel, make_model
from .objectives import OBJECTIVES, Objective, make_objective
from .result import FitResult
from .runs import Runs, load_runs

__all__ = [
    "Bootstrap", "DEFAULT_BUDGETS", "ESTIMATORS", "Estimate", "FAMILIES_FITTABLE", "FitModel", "FitResult",
    "IsoFlopResult", "OBJECTIVES", "Objective", "Runs", "approach1", "approach2", "as_runs", "estimate",
    "find_budgets", "fit_law", "isoflop", "load_runs", "make_model", "make_objective", "percentile_interval",
    "run_bootstrap",
]
