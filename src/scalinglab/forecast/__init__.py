"""Forecasts of compute, cost and data: factors by era, Monte Carlo, milestones, scenarios and trends."""

from ..distributions import LogNormal, Mixture, Normal, Point, Uniform, parse_value
from .montecarlo import compare_scenarios, run_forecast
from .result import CompareResult, ForecastResult
from .scenarios import get_scenario, list_scenarios, resolve_scenario
from .schema import Scenario, ScenarioError
from .validate import load_scenario_file, parse_scenario

__all__ = [
    "CompareResult", "ForecastResult", "LogNormal", "Mixture", "Normal", "Point", "Scenario", "ScenarioError",
    "Trend", "Uniform", "compare_scenarios", "fit_trend", "get_scenario", "list_scenarios", "load_scenario_file",
    "parse_scenario", "parse_value", "resolve_scenario", "run_forecast",
]


def __getattr__(name: str):
    """``Trend`` and ``fit_trend`` (pandas) are imported on first use, not by every forecast."""
    if name in ("Trend", "fit_trend"):
        from . import trends

        return getattr(trends, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
