"""Fitting scaling laws to training runs: estimators, uncertainty, diagnostics, IsoFLOP and backtests.

    >>> from scalinglab.fit import fit_law
    >>> result = fit_law("chinchilla-runs", "chinchilla", drop_highest_loss=5)
    >>> round(result.params["alpha"], 3), round(result.params["beta"], 3)
    (0.347, 0.367)
"""

from .._lazy import lazy_package

#: Public name -> the module of this package that defines it (imported on first use: a command that only
#: declares its options, or lists the commands, does not load the estimators).
_HOME = {
    **dict.fromkeys(("DEFAULT_BUDGETS", "as_runs", "fit_law", "isoflop"), "api"),
    **dict.fromkeys(("Bootstrap", "percentile_interval", "run_bootstrap"), "bootstrap"),
    **dict.fromkeys(("ESTIMATORS", "Estimate", "estimate"), "estimators"),
    **dict.fromkeys(("IsoFlopResult", "approach1", "approach2", "find_budgets"), "isoflop"),
    **dict.fromkeys(("FAMILIES_FITTABLE", "FitModel", "make_model"), "models"),
    **dict.fromkeys(("OBJECTIVES", "Objective", "make_objective"), "objectives"),
    "FitResult": "result",
    **dict.fromkeys(("Runs", "load_runs"), "runs"),
}

__all__ = [
    "Bootstrap", "DEFAULT_BUDGETS", "ESTIMATORS", "Estimate", "FAMILIES_FITTABLE", "FitModel", "FitResult",
    "IsoFlopResult", "OBJECTIVES", "Objective", "Runs", "approach1", "approach2", "as_runs", "estimate",
    "find_budgets", "fit_law", "isoflop", "load_runs", "make_model", "make_objective", "percentile_interval",
    "run_bootstrap",
]


lazy_package(__name__, _HOME)
