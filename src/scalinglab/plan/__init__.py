"""Planning: compute-optimal, inverse, over-trained, data-constrained and inference-aware allocations."""

from .optimal import compute_for_loss, compute_optimal, optimal_loss
from .overtrain import fixed_allocation
from .result import Plan

__all__ = ["Plan", "compute_for_loss", "compute_optimal", "fixed_allocation", "optimal_loss"]
