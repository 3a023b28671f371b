"""Planning: compute-optimal, inverse, over-trained, data-constrained and inference-aware allocations."""

from .data_constrained import asymptotic_loss, compute_for_epochs, data_constrained_optimal, saturation_compute
from .inference import inference_optimal, tokens_for_loss
from .optimal import compute_for_loss, compute_optimal, fixed_ratio, minimise_over_log_n, optimal_loss
from .overtrain import fixed_allocation
from .predict import Prediction, predict
from .result import Plan

__all__ = [
    "Plan", "Prediction", "asymptotic_loss", "compute_for_epochs", "compute_for_loss", "compute_optimal",
    "data_constrained_optimal", "fixed_allocation", "fixed_ratio", "inference_optimal", "minimise_over_log_n",
    "optimal_loss", "predict", "saturation_compute", "tokens_for_loss",
]
