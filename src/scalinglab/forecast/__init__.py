"""Forecasts of compute, cost and data: factors by era, Monte Carlo, milestones, scenarios and trends.

The names below are imported from their modules on first use, so that reading the declarations of the
forecast commands (``scalinglab.forecast.options``) imports neither numpy nor pydantic.
"""

import importlib

#: Public name -> the module of this package that defines it.
_HOME = {
    **dict.fromkeys(("LogNormal", "Mixture", "Normal", "Point", "Uniform", "parse_value"), "..distributions"),
    **dict.fromkeys(("compare_scenarios", "run_forecast"), ".montecarlo"),
    **dict.fromkeys(("CompareResult", "ForecastResult"), ".result"),
    **dict.fromkeys(("get_scenario", "list_scenarios", "resolve_scenario"), ".scenarios"),
    **dict.fromkeys(("Scenario", "ScenarioError"), ".schema"),
    **dict.fromkeys(("load_scenario_file", "parse_scenario"), ".validate"),
    **dict.fromkeys(("Trend", "fit_trend"), ".trends"),  # pandas: imported by a trend fit only
}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
