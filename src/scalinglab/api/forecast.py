"""``sl.forecast``, ``sl.sensitivity``, ``sl.compare`` and ``sl.trend``: Monte Carlo forecasts of scenarios."""

from __future__ import annotations

from .._results import Result
from .inputs import is_many, unwrap


def _scenario(scenario):
    from ..forecast import resolve_scenario

    scenario = unwrap(scenario)
    return resolve_scenario(str(scenario)) if isinstance(scenario, (str, type(None))) or hasattr(
        scenario, "__fspath__") else scenario


def _forecast_frame(result):
    import pandas as pd

    frames = []
    for quantity in result.quantities:
        frame = result.percentile_frame(quantity).reset_index()
        frame.insert(0, "quantity", quantity)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def forecast(scenario, *, samples: int = 10_000, seed: int = 0, until: int | None = None, law=None,
             milestones=()) -> Result:
    """Monte Carlo forecast of a scenario: percentiles per year, milestone years, binding constraints.

    Parameters
    ----------
    scenario : str, path or Scenario
        A preset (``"epoch-trends"``; see ``scalinglab scenarios list``) or a scenario YAML file.
    samples : int
        Joint Monte Carlo draws; the same ``seed`` gives the same numbers.
    until : int, optional
        Last year (default: the scenario's).
    law : str, optional
        The law that turns each year's compute and data into a loss.
    milestones : sequence of str
        Extra milestone questions on any series (see ``scalinglab forecast --help``).

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

    result = run_forecast(_scenario(scenario), samples=samples, seed=seed, until=until, law=law,
                          milestones=tuple(milestones or ()))
    return Result(result, kind="Forecast",
                  summary=f"{result.scenario.name}: {result.samples:,} samples, {int(result.years[0])}-{result.until}",
                  frame=_forecast_frame)


def sensitivity(scenario, milestone: str, *, samples: int = 10_000, seed: int = 0, until: int | None = None,
                law=None) -> Result:
    """Which inputs drive a milestone's year: first-order Sobol shares (SALib RBD-FAST) and rank correlations.

    Parameters
    ----------
    scenario : str, path or Scenario
        A preset or a scenario YAML file.
    milestone : str
        A question (``"spending >= $100B"``, ``"loss <= 1.8"``) or one of the forecast's milestones
        (``"data stock binds"``).

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

    result = _sensitivity(_scenario(scenario), milestone, samples=samples, seed=seed, until=until, law=law)
    return Result(result, kind="Sensitivity", summary=f"{result.milestone} in {result.scenario}: "
                  f"{result.rows[0]['input']} explains {result.rows[0]['first_order']:.0%}")


def compare(*scenarios, samples: int = 10_000, seed: int = 0, until: int | None = None) -> Result:
    """Forecast several scenarios with the same samples and seed, side by side.

    Examples
    --------
    >>> import scalinglab as sl
    >>> sl.compare("epoch-trends", "compute-slowdown", samples=1000, until=2030).names
    ['epoch-trends', 'compute-slowdown']
    """
    from ..forecast import compare_scenarios

    if len(scenarios) == 1 and is_many(scenarios[0]):
        scenarios = tuple(scenarios[0])
    result = compare_scenarios([_scenario(s) for s in scenarios], samples=samples, seed=seed, until=until)
    return Result(result, kind="Comparison", summary=", ".join(result.names))


def trend(data, y: str, *, date_column: str | None = None, since=None, until=None, domain: str | None = None,
          domain_column: str | None = None, top_n: int | None = None, rank_by: str | None = None,
          bootstrap: int = 2000, seed: int = 0) -> Result:
    """Exponential trend of a column against the date: growth per year with a bootstrap 90% interval.

    Parameters
    ----------
    data : str, path or DataFrame
        A bundled dataset (``"notable-models"``), a CSV file or a DataFrame.
    y : str
        The column to fit, e.g. ``"Training compute (FLOP)"``.
    since, until : int or str, optional
        Keep rows from ``since`` on and before ``until`` (years or dates).
    top_n : int, optional
        Keep the N largest rows per calendar year (ranked by ``rank_by``).

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

    result = fit_trend(unwrap(data), y, date_column=date_column, since=since, until=until, domain=domain,
                       domain_column=domain_column, top_n=top_n, rank_by=rank_by, bootstrap=bootstrap, seed=seed)
    return Result(result, kind="Trend",
                  summary=f"{y}: x{result.growth_per_year:.3g} per year (doubling {result.doubling_months:.3g} months)")
