"""Compute: FLOP counts of transformer training (and, alongside, hardware and cost models).

The names below are imported from their modules on first use, so that ``scalinglab hardware list`` (the
catalogue alone) imports neither numpy nor the cost and budget models.
"""

from .._lazy import lazy_package

#: Public name -> the module of this package that defines it.
_HOME = {
    **dict.fromkeys(("KNOWN_CONFIGS", "METHODS", "FlopsBreakdown", "TransformerConfig", "flops_breakdown",
                     "flops_per_token", "param_counts", "training_flops"), "flops"),
    **dict.fromkeys(("BudgetPlan", "plan_budget"), "budget"),
    **dict.fromkeys(("ClusterSizeModel", "calibrate_b", "default_cluster_model"), "cluster"),
    **dict.fromkeys(("CostEstimate", "cost_defaults", "estimate_cost"), "cost"),
    **dict.fromkeys(("Accelerator", "custom_accelerator", "get_accelerator", "list_accelerators"), "hardware"),
}

__all__ = [
    "KNOWN_CONFIGS", "METHODS", "FlopsBreakdown", "TransformerConfig", "flops_breakdown", "flops_per_token",
    "param_counts", "training_flops",
    "Accelerator", "BudgetPlan", "ClusterSizeModel", "CostEstimate", "calibrate_b", "cost_defaults",
    "custom_accelerator", "default_cluster_model", "estimate_cost", "get_accelerator", "list_accelerators",
    "plan_budget",
]


lazy_package(__name__, _HOME)
