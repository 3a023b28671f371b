"""scalinglab: scaling laws with provenance, fitting, planning, cost and forecasts."""

__version__ = "0.1.0"
