"""Compute: FLOP counts of transformer training (and, alongside, hardware and cost models)."""

from .flops import (
    KNOWN_CONFIGS,
    METHODS,
    FlopsBreakdown,
    TransformerConfig,
    flops_breakdown,
    flops_per_token,
    param_counts,
    training_flops,
)

__all__ = [
    "KNOWN_CONFIGS", "METHODS", "FlopsBreakdown", "TransformerConfig", "flops_breakdown", "flops_per_token",
    "param_counts", "training_flops",
]

from .budget import BudgetPlan, plan_budget
from .cluster import ClusterSizeModel, calibrate_b, default_cluster_model
from .cost import CostEstimate, cost_defaults, estimate_cost
from .hardware import Accelerator, custom_accelerator, get_accelerator, list_accelerators

__all__ += [
    "Accelerator", "BudgetPlan", "ClusterSizeModel", "CostEstimate", "calibrate_b", "cost_defaults",
    "custom_accelerator", "default_cluster_model", "estimate_cost", "get_accelerator", "list_accelerators",
    "plan_budget",
]
