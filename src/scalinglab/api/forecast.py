"""``sl.forecast``, ``sl.sensitivity``, ``sl.compare`` and ``sl.trend``: Monte Carlo forecasts of scenarios.

Their parameters are declared once, in ``scalinglab.forecast.options``.
"""

from __future__ import annotations

import functools
import inspect

from .._results import Result
from ..forecast.options import COMPARE, FORECAST, SENSITIVITY, TREND, needs
from .declared import declared
from .inputs import is_many, unwrap


def _scenario(scenario):
    from ..forecast import resolve_scenario

    scenario = unwrap(scenario)
    return resolve_scenario(str(scenario)) if isinstance(scenario, str) or hasattr(scenario, "__fspath__") \
        else scenario


@declared(FORECAST, positional=("scenario",))
def forecast(**values) -> Result:
    """Monte Carlo forecast of a scenario: percentiles per year, milestone years, binding constraints.

    ``scenario`` may also be a ``Scenario`` object; the same ``seed`` gives the same numbers.

    Returns
    -------
    Result
        Wrapping a ``ForecastResult``: ``value(quantity, year, percentile)``, ``milestone_summary()``;
        ``to_frame()`` gives percentiles per quantity and year.

    Examples
    --------
    >>> import scalinglab as sl
    >>> result = sl.forecast("epoch-trends", samples=2000, until=2030)
    >>> result.value("compute", 2030) > result.value("compute", 2026)
    True
    """
    from ..forecast import run_forecast

    needs("forecast", values, "scenario")
    result = run_forecast(_scenario(values.pop("scenario")), **values)
    return Result(result, kind="Forecast")


@declared(SENSITIVITY, positional=("scenario", "milestone"))
def sensitivity(**values) -> Result:
    """Which inputs drive a milestone's year: first-order Sobol shares (SALib RBD-FAST) and rank correlations.

    Returns
    -------
    Result
        Wrapping a ``SensitivityResult``: ``rows`` (input, distribution, first_order, first_order_ci90,
        rank_correlation), ranked by first-order share.

    Examples
    --------
    >>> import scalinglab as sl
    >>> sl.sensitivity("exponential-view", "data stock binds", samples=2000).rows[0]["input"]
    'factors.data_stock.start'
    """
    from ..forecast.sensitivity import sensitivity as _sensitivity

    needs("sensitivity", values, "scenario", "milestone")
    result = _sensitivity(_scenario(values.pop("scenario")), values.pop("milestone"), **values)
    return Result(result, kind="Sensitivity")


def _one_by_one(face):
    """``face``, whose first parameter is a list, taking that list's items one by one as well:
    ``f(a, b, samples=...)``, ``f([a, b], samples=...)`` or, as the other faces call it, by name."""
    first, *rest = face.__signature__.parameters.values()

    @functools.wraps(face)
    def call(*items, **options):
        if not items and first.name in options:
            items = (options.pop(first.name),)
        if len(items) == 1 and is_many(items[0]):
            items = tuple(items[0])
        return face(list(items), **options)

    call.__signature__ = face.__signature__.replace(
        parameters=[inspect.Parameter(first.name, inspect.Parameter.VAR_POSITIONAL), *rest])
    return call


@_one_by_one
@declared(COMPARE)
def compare(**values) -> Result:
    """Forecast several scenarios with the same samples and seed, side by side.

    Returns
    -------
    Result
        Wrapping a ``CompareResult``: ``names`` and ``results`` (one ``ForecastResult`` per scenario).

    Examples
    --------
    >>> import scalinglab as sl
    >>> sl.compare("epoch-trends", "compute-slowdown", samples=1000, until=2030).names
    ['epoch-trends', 'compute-slowdown']
    """
    from ..forecast import compare_scenarios

    scenarios = [_scenario(s) for s in values.pop("scenarios")]
    result = compare_scenarios(scenarios, **values)
    return Result(result, kind="Comparison")


@declared(TREND, positional=("y",))
def trend(**values) -> Result:
    """Exponential trend of a column against the date: growth per year with a bootstrap 90% interval.

    Returns
    -------
    Result
        Wrapping a ``Trend``: ``growth_per_year``, ``doubling_months``, ``predict(year)``.

    Examples
    --------
    >>> import scalinglab as sl
    >>> t = sl.trend("notable-models", "Training compute (FLOP)", since=2010, bootstrap=200)
    >>> 2 < t.growth_per_year < 10
    True
    """
    from ..forecast import fit_trend

    needs("trend", values, "y")
    result = fit_trend(unwrap(values.pop("data")), **values)
    return Result(result, kind="Trend")
