"""Planning: compute-optimal, inverse, over-trained, data-constrained and inference-aware allocations."""

from .._lazy import lazy_package

#: Public name -> the module of this package that defines it (imported on first use: a command that only
#: declares its options, or lists the commands, does not load the estimators).
_HOME = {
    **dict.fromkeys(("asymptotic_loss", "compute_for_epochs", "data_constrained_optimal", "saturation_compute"), "data_constrained"),
    **dict.fromkeys(("inference_optimal", "tokens_for_loss"), "inference"),
    **dict.fromkeys(("compute_for_loss", "compute_optimal", "fixed_ratio", "minimise_over_log_n", "optimal_loss"), "optimal"),
    "fixed_allocation": "overtrain",
    **dict.fromkeys(("Prediction", "predict"), "predict"),
    "Plan": "result",
}

__all__ = [
    "Plan", "Prediction", "asymptotic_loss", "compute_for_epochs", "compute_for_loss", "compute_optimal",
    "data_constrained_optimal", "fixed_allocation", "fixed_ratio", "inference_optimal", "minimise_over_log_n",
    "optimal_loss", "predict", "saturation_compute", "tokens_for_loss",
]


lazy_package(__name__, _HOME)
